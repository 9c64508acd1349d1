/* test_ocl_program.c - the OpenCL runner's framework (runners/opencl/ocl.h):
 * device enumeration, opening a device, and the on-disk program cache (a
 * miss compiles and stores, the next open loads it, a corrupt entry is
 * rebuilt and replaced).  Every test skips, saying why, where the runner
 * is not built or no OpenCL device exists (CI runs them on PoCL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test_util.h"

#if EB_HAVE_OPENCL
#include "runners/opencl/ocl.h"

/* Skips (with the reason) when there is no OpenCL device. */
static void need_device(void)
{
    eb_device d[4];
    if (eb_ocl_devices(d, 4) == 0) {
        print_message("skipped: no OpenCL device (no ICD or platform; Debian: pocl-opencl-icd)\n");
        skip();
    }
}

/* The one cache entry in dir/opencl into path; how many there are. */
static int cache_entries(const char *dir, char *path, size_t n)
{
    char sub[4200];
    snprintf(sub, sizeof sub, "%s/opencl", dir);
    DIR *dp = opendir(sub);
    int count = 0;
    for (struct dirent *e; dp && (e = readdir(dp));)
        if (e->d_name[0] != '.') {
            count++;
            snprintf(path, n, "%s/%s", sub, e->d_name);
        }
    if (dp)
        closedir(dp);
    return count;
}

static void devices__each_described(void **state)
{
    (void)state;
    need_device();
    eb_device d[16];
    int n = eb_ocl_devices(d, 16);
    for (int k = 0; k < n && k < 16; k++) {
        char id[32];
        snprintf(id, sizeof id, "opencl:%d", k);
        assert_string_equal(d[k].id, id);
        assert_true(d[k].name[0] && d[k].platform[0] && d[k].driver[0]);
        assert_true(d[k].compute_units > 0 && d[k].memory_bytes > 0 && d[k].local_memory_bytes > 0);
        assert_true(strcmp(d[k].kind, "gpu") == 0 || strcmp(d[k].kind, "cpu") == 0 ||
                    strcmp(d[k].kind, "accelerator") == 0 || strcmp(d[k].kind, "other") == 0);
    }
    cl_platform_id p;
    cl_device_id dev;
    assert_false(eb_ocl_device_at(n, &p, &dev));
}

static void open__no_such_device__unsupported(void **state)
{
    (void)state;
    eb_ocl o;
    eb_err err = {{0}};
    assert_int_equal(eb_ocl_open(999, &o, &err), EB_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "no device 999"));
}

static void program_cache__miss_then_hit_and_corrupt_entry_rebuilt(void **state)
{
    (void)state;
    need_device();
    const char *dir = eb_test_tmpdir();
    setenv("EDGEBENCH_CACHE_DIR", dir, 1);
    eb_ocl o;
    eb_err err = {{0}};
    assert_int_equal(eb_ocl_open(0, &o, &err), EB_OK);
    assert_false(o.cache_hit);
    cl_kernel k = NULL;
    assert_int_equal(eb_ocl_kernel(&o, "no_such_kernel", &k, &err), EB_EIO);
    assert_non_null(strstr(err.msg, "no_such_kernel"));
    eb_ocl_close(&o);

    char path[4400];
    assert_int_equal(cache_entries(dir, path, sizeof path), 1);
    assert_int_equal(eb_ocl_open(0, &o, &err), EB_OK);
    assert_true(o.cache_hit);
    eb_ocl_close(&o);

    assert_true(eb_test_write_file(path, "not a program binary", 20)); /* a corrupt entry */
    assert_int_equal(eb_ocl_open(0, &o, &err), EB_OK);
    assert_false(o.cache_hit);
    eb_ocl_close(&o);
    assert_int_equal(cache_entries(dir, path, sizeof path), 1);
    assert_int_equal(eb_ocl_open(0, &o, &err), EB_OK);
    assert_true(o.cache_hit); /* rewritten by the rebuild */
    eb_ocl_close(&o);
    unsetenv("EDGEBENCH_CACHE_DIR");
}

static void buffer__round_trip(void **state)
{
    (void)state;
    need_device();
    eb_ocl o;
    eb_err err = {{0}};
    assert_int_equal(eb_ocl_open(0, &o, &err), EB_OK);
    float in[37], out[37];
    uint64_t rng = eb_test_seed();
    for (int i = 0; i < 37; i++)
        in[i] = eb_test_uniform(&rng, 0.5f, 2.0f);
    cl_mem m = NULL;
    assert_int_equal(eb_ocl_buffer(&o, sizeof in, in, &m, &err), EB_OK);
    assert_int_equal(clEnqueueReadBuffer(o.queue, m, CL_TRUE, 0, sizeof out, out, 0, NULL, NULL), CL_SUCCESS);
    assert_memory_equal(in, out, sizeof in);
    clReleaseMemObject(m);
    eb_ocl_close(&o);
}
#else
static void not_built(void **state)
{
    (void)state;
    print_message("skipped: the OpenCL runner is not built (make OPENCL=yes, Debian ocl-icd-opencl-dev)\n");
    skip();
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
#if EB_HAVE_OPENCL
        cmocka_unit_test(devices__each_described),
        cmocka_unit_test(open__no_such_device__unsupported),
        cmocka_unit_test(program_cache__miss_then_hit_and_corrupt_entry_rebuilt),
        cmocka_unit_test(buffer__round_trip),
#else
        cmocka_unit_test(not_built),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
