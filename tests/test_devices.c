/* test_devices.c - runners' devices (runner.h devices()) and the device
 * every result names: the host runners list the host CPU; a runner whose
 * driver must not start in the parent (devices_in_child) is asked only in
 * a child (bench/devices.c), and the parent names its devices without
 * asking it; results carry the device id and model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/devices.h"
#include "bench/result.h"
#include "runners/cpu_features.h"
#include "runners/runner.h"

/* ---- a fake runner whose "driver" must live in a child ------------------ */

static pid_t g_asked_in; /* the pid devices() last ran in, 0 never */

static int fake_devices(eb_device *out, int max)
{
    g_asked_in = getpid();
    for (int k = 0; k < 3 && k < max; k++) {
        memset(&out[k], 0, sizeof out[k]);
        snprintf(out[k].id, sizeof out[k].id, "fake:%d", k);
        snprintf(out[k].name, sizeof out[k].name, "pid %ld", (long)getpid());
        snprintf(out[k].kind, sizeof out[k].kind, "gpu");
        out[k].memory_bytes = (uint64_t)(k + 1) << 30;
    }
    return 3;
}

static const eb_runner fake_child_runner = {
    .name = "fake",
    .devices = fake_devices,
    .devices_in_child = true,
};

static void list_devices__devices_in_child__asks_in_a_child_only(void **state)
{
    (void)state;
    eb_device dev[2];
    eb_err err = {{0}};
    g_asked_in = 0;
    int n = eb_runner_list_devices(&fake_child_runner, dev, 2, &err);
    assert_int_equal(n, 3); /* how many there are, though only 2 fit */
    assert_int_equal(g_asked_in, 0); /* never called in this process */
    char self[32];
    snprintf(self, sizeof self, "pid %ld", (long)getpid());
    assert_string_not_equal(dev[0].name, self);
    assert_string_equal(dev[1].id, "fake:1");
    assert_string_equal(dev[1].kind, "gpu");
    assert_int_equal(dev[1].memory_bytes, (uint64_t)2 << 30);
}

static void device_id__devices_in_child_in_the_parent__named_without_asking(void **state)
{
    (void)state;
    char id[32];
    eb_device d;
    g_asked_in = 0;
    assert_true(eb_runner_device_id(&fake_child_runner, 2, false, id, sizeof id));
    assert_string_equal(id, "fake:2");
    assert_false(eb_runner_device(&fake_child_runner, 2, false, &d));
    assert_int_equal(g_asked_in, 0);
    /* in the child, the same id comes from devices() itself */
    assert_true(eb_runner_device_id(&fake_child_runner, 2, true, id, sizeof id));
    assert_string_equal(id, "fake:2");
    assert_int_equal(g_asked_in, getpid());
    assert_false(eb_runner_device_id(&fake_child_runner, 3, true, id, sizeof id)); /* no such device */
}

/* ---- the host runners ---------------------------------------------------- */

static void host_runners__list_the_host_cpu(void **state)
{
    (void)state;
    const char *names[] = {"ref", "cpu"};
    for (size_t i = 0; i < 2; i++) {
        const eb_runner *r = eb_runner_find(names[i]);
        assert_non_null(r);
        assert_non_null(r->devices);
        assert_false(r->devices_in_child);
        eb_device dev[4];
        eb_err err = {{0}};
        assert_int_equal(eb_runner_list_devices(r, dev, 4, &err), 1);
        assert_string_equal(dev[0].id, "cpu");
        assert_string_equal(dev[0].kind, "cpu");
        assert_string_equal(dev[0].name, eb_cpu_features_get()->brand);
        long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        assert_int_equal(dev[0].memory_bytes, (uint64_t)pages * (uint64_t)page);
    }
}

static void result_set_device__names_the_variants_device(void **state)
{
    (void)state;
    eb_result r;
    memset(&r, 0, sizeof r);
    eb_variant v = eb_variant_default("cpu");
    eb_result_set_device(&r, &v, false);
    assert_string_equal(r.device, "cpu"); /* what compare pairs on: as before this field had a model */
    assert_string_equal(r.device_name, eb_cpu_features_get()->brand);

    v = eb_variant_default("cuda"); /* not built: named as its devices would be, nothing asked */
    v.device = 1;
    eb_result_set_device(&r, &v, false);
    assert_string_equal(r.device, "cuda:1");
    assert_string_equal(r.device_name, "");
}

#if defined(__x86_64__)
static void cpu_features__brand__is_trimmed_cpuid_text(void **state)
{
    (void)state;
    const char *b = eb_cpu_features_get()->brand;
    size_t n = strlen(b);
    assert_true(n < 49);
    if (n) {
        assert_true(b[0] != ' ');
        assert_true(b[n - 1] != ' ');
    }
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_devices__devices_in_child__asks_in_a_child_only),
        cmocka_unit_test(device_id__devices_in_child_in_the_parent__named_without_asking),
        cmocka_unit_test(host_runners__list_the_host_cpu),
        cmocka_unit_test(result_set_device__names_the_variants_device),
#if defined(__x86_64__)
        cmocka_unit_test(cpu_features__brand__is_trimmed_cpuid_text),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
