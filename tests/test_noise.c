/* test_noise.c - the noise controls, from the inside: --pin's CPU-list
 * checks and that the cpu runner's thread pool stays inside the pinned
 * set; --cooldown's wait; the speed sentinel's decision on generated rep
 * times and on its simulated clock (EB_TEST_SENTINEL_MS); the cache
 * audit's decision on generated run times (equal distributions with noise
 * are never flagged, a memoizing pattern always is, the 10% and quartile
 * boundaries); the environment checks on fake sysfs/procfs trees
 * (EB_SYSFS_ROOT); the "noise" JSON both ways and the table's flag lines.
 * No test here reads the real clock's figures: every decision is checked
 * on numbers made here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench/cache_audit.h"
#include "bench/env_checks.h"
#include "bench/noise_controls.h"
#include "bench/sentinel.h"
#include "reports/emit.h"
#include "reports/noise_json.h"
#include "reports/noise_text.h"
#include "runners/cpu/threadpool.h"
#include "tests/test_util.h"

/* ---- --pin --------------------------------------------------------------- */

static void pin_parse__valid_lists__canonical_and_counted(void **state)
{
    (void)state;
    char canon[64];
    int n = 0;
    eb_err err = {{0}};
    assert_int_equal(eb_pin_parse("0", "0-3", canon, sizeof canon, &n, &err), EB_OK);
    assert_string_equal(canon, "0");
    assert_int_equal(n, 1);
    assert_int_equal(eb_pin_parse("1,0", "0-3", canon, sizeof canon, &n, &err), EB_OK);
    assert_string_equal(canon, "0-1");
    assert_int_equal(n, 2);
    assert_int_equal(eb_pin_parse("0,2", "0-3", canon, sizeof canon, &n, &err), EB_OK);
    assert_string_equal(canon, "0,2");
    assert_int_equal(eb_pin_parse("2-3", "0-1,2-3", canon, sizeof canon, &n, &err), EB_OK);
    assert_string_equal(canon, "2-3");
    assert_int_equal(n, 2);
}

static void pin_parse__bad_lists__refused_saying_why(void **state)
{
    (void)state;
    char canon[64];
    int n = 0;
    eb_err err = {{0}};
    assert_int_equal(eb_pin_parse("5", "0-1", canon, sizeof canon, &n, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "CPU 5 is not online (online: 0-1)"));
    assert_int_equal(eb_pin_parse("0,3", "0-1,4", canon, sizeof canon, &n, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "CPU 3 is not online"));
    const char *bad[] = {"abc", "1-0", "0-", "-1", "0,,1", "0;1", "99999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(eb_pin_parse(bad[i], "0-1", canon, sizeof canon, &n, &err), EB_EINVAL);
        assert_non_null(strstr(err.msg, "not a CPU list"));
    }
    assert_int_equal(eb_pin_parse("", "0-1", canon, sizeof canon, &n, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "names no CPU"));
}

/* What each pool thread saw: its own affinity mask and CPU. */
typedef struct seen {
    cpu_set_t allowed;
    atomic_int outside; /* tasks whose thread may run outside the pinned CPU */
    atomic_int ran;
} seen;

static void record_affinity(void *ctx, int task, int worker)
{
    (void)task;
    (void)worker;
    seen *s = ctx;
    cpu_set_t cs;
    CPU_ZERO(&cs);
    if (sched_getaffinity(0, sizeof cs, &cs) != 0 || !CPU_EQUAL(&cs, &s->allowed) || !CPU_ISSET(sched_getcpu(), &s->allowed))
        atomic_fetch_add(&s->outside, 1);
    atomic_fetch_add(&s->ran, 1);
}

/* The cpu runner's pool never sets affinity: its threads, started after
 * the pin (prepare), inherit the pinned set. */
static void pin_apply__thread_pool__every_worker_stays_inside(void **state)
{
    (void)state;
    cpu_set_t old;
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    int cpu = -1;
    for (int c = 0; c < CPU_SETSIZE && cpu < 0; c++)
        if (CPU_ISSET(c, &old))
            cpu = c;
    assert_true(cpu >= 0);
    char list[16];
    snprintf(list, sizeof list, "%d", cpu);
    eb_err err = {{0}};
    assert_int_equal(eb_pin_apply(list, &err), EB_OK);
    seen s = {0};
    CPU_ZERO(&s.allowed);
    CPU_SET(cpu, &s.allowed);
    eb_threadpool *tp = eb_threadpool_new(4);
    assert_non_null(tp);
    for (int round = 0; round < 20; round++)
        eb_threadpool_run(tp, 64, record_affinity, &s);
    eb_threadpool_free(tp);
    sched_setaffinity(0, sizeof old, &old);
    assert_int_equal(atomic_load(&s.ran), 20 * 64);
    assert_int_equal(atomic_load(&s.outside), 0);
}

/* ---- --cooldown ----------------------------------------------------------- */

static bool always_stop(void *ctx)
{
    (void)ctx;
    return true;
}

static void cooldown__first_variant_none_later_ones_wait(void **state)
{
    (void)state;
    eb_cooldown c = {.seconds = 0.05};
    assert_true(eb_cooldown_wait(&c, NULL, NULL) == 0);   /* the first variant */
    assert_true(eb_cooldown_wait(&c, NULL, NULL) >= 0.05); /* the monotonic clock never runs short */
    eb_cooldown big = {.seconds = 1000, .started = 1};
    assert_true(eb_cooldown_wait(&big, always_stop, NULL) < 1000); /* Ctrl-C ends the wait */
    eb_cooldown none = {.seconds = 0, .started = 1};
    assert_true(eb_cooldown_wait(&none, NULL, NULL) == 0);
}

/* ---- the sentinel ----------------------------------------------------------- */

static void sentinel_judge__medians_and_threshold(void **state)
{
    (void)state;
    eb_sentinel s;
    /* two preempted reps before do not move the median */
    double before[5] = {1.0, 9.0, 1.0, 7.0, 1.0};
    double same[5] = {1.05, 1.0, 0.95, 1.02, 3.0};
    memset(&s, 0, sizeof s);
    eb_sentinel_judge(before, same, 5, 0.10, &s);
    assert_true(s.available);
    assert_true(s.before_ms == 1.0 && s.after_ms == 1.02);
    assert_false(s.speed_changed);
    double slower[5] = {1.2, 1.2, 1.25, 1.3, 1.2};
    eb_sentinel_judge(before, slower, 5, 0.10, &s);
    assert_true(s.speed_changed);
    assert_true(fabs(s.change - 0.2) < 1e-12);
    double faster[5] = {0.8, 0.85, 0.8, 0.8, 0.9};
    eb_sentinel_judge(before, faster, 5, 0.10, &s);
    assert_true(s.speed_changed); /* a speed-up is a change too */
    assert_true(s.change < 0);
    double edge[5] = {1.09, 1.09, 1.09, 1.09, 1.09}; /* 9%: within */
    double one[5] = {1, 1, 1, 1, 1};
    eb_sentinel_judge(one, edge, 5, 0.10, &s);
    assert_false(s.speed_changed);
    double zero[5] = {0};
    eb_sentinel_judge(zero, one, 5, 0.10, &s);
    assert_false(s.available);
    assert_false(s.speed_changed);
    assert_non_null(strstr(s.reason, "median of 0 ms"));
}

static void sentinel__simulated_clock__flags_a_slowdown_and_not_a_steady_machine(void **state)
{
    (void)state;
    eb_sentinel s;
    setenv("EB_TEST_SENTINEL_MS", "2,3", 1);
    eb_sentinel_before(&s);
    assert_false(s.available); /* until the after run */
    eb_sentinel_after(&s);
    assert_true(s.available && s.simulated);
    assert_true(s.before_ms == 2 && s.after_ms == 3);
    assert_true(s.speed_changed);
    assert_int_equal(s.reps, EB_SENTINEL_REPS);
    setenv("EB_TEST_SENTINEL_MS", "2,2", 1);
    eb_sentinel_before(&s);
    eb_sentinel_after(&s);
    assert_true(s.available && !s.speed_changed && s.change == 0);
    unsetenv("EB_TEST_SENTINEL_MS");
    /* the real clock: figures exist (their values are the machine's) */
    eb_sentinel_before(&s);
    eb_sentinel_after(&s);
    assert_true(s.available && !s.simulated && s.before_ms > 0 && s.after_ms > 0);
}

static void sentinel_workload__same_work_every_time(void **state)
{
    (void)state;
    double a = eb_sentinel_workload(), b = eb_sentinel_workload();
    assert_true(a == b && isfinite(a));
}

/* ---- the cache audit's decision -------------------------------------------- */

/* n times around `center`, uniform noise of +-spread (a fraction), seeded. */
static void noisy(double *v, int n, double center, double spread, uint64_t *rng)
{
    for (int i = 0; i < n; i++)
        v[i] = center * (1 + eb_test_uniform(rng, (float)-spread, (float)spread));
}

static void cache_judge__equal_distributions__never_flagged(void **state)
{
    (void)state;
    uint64_t rng = 12345; /* fixed: the same numbers every run */
    double same[20], distinct[20];
    int flagged = 0, below = 0;
    for (int trial = 0; trial < 2000; trial++) {
        noisy(same, 20, 1.0, 0.3, &rng);
        noisy(distinct, 20, 1.0, 0.3, &rng);
        /* a preempted stretch: some runs of one side much slower */
        if (trial % 3 == 0)
            for (int i = 0; i < 6; i++)
                distinct[i] *= 3;
        eb_cache_audit a;
        eb_cache_audit_judge(same, 20, distinct, 20, EB_AUDIT_BLOCK, 0.10, &a);
        assert_true(a.available);
        below += a.ratio < 0.9;
        flagged += a.flagged;
    }
    assert_true(below > 0); /* the medians alone would have flagged some */
    assert_int_equal(flagged, 0);
}

static void cache_judge__memoizing_pattern__flagged(void **state)
{
    (void)state;
    uint64_t rng = 777;
    double same[20], distinct[20];
    for (int trial = 0; trial < 500; trial++) {
        noisy(same, 20, 0.01, 0.5, &rng);
        for (int i = 0; i < 20; i += 5)
            same[i] = 1.0; /* the first repeat of each block misses */
        noisy(distinct, 20, 1.0, 0.3, &rng);
        eb_cache_audit a;
        eb_cache_audit_judge(same, 20, distinct, 20, EB_AUDIT_BLOCK, 0.10, &a);
        assert_true(a.available && a.flagged);
        assert_true(a.ratio < 0.1);
    }
}

static void cache_judge__boundaries(void **state)
{
    (void)state;
    double d[5] = {1.0, 1.0, 1.0, 1.0, 1.0};
    double s91[5] = {0.91, 0.91, 0.91, 0.91, 0.91}, s89[5] = {0.89, 0.89, 0.89, 0.89, 0.89};
    eb_cache_audit a;
    eb_cache_audit_judge(s91, 5, d, 5, 5, 0.10, &a);
    assert_true(a.available && !a.flagged); /* 9% faster: within */
    eb_cache_audit_judge(s89, 5, d, 5, 5, 0.10, &a);
    assert_true(a.flagged); /* 11% faster and apart */
    assert_true(fabs(a.ratio - 0.89) < 1e-12);
    /* median 15% faster but the sets overlap: the repeats' q75 is above the distinct q25 */
    double s[5] = {0.5, 0.85, 0.85, 1.2, 1.3}, dd[5] = {0.7, 0.9, 1.0, 1.1, 1.2};
    eb_cache_audit_judge(s, 5, dd, 5, 5, 0.10, &a);
    assert_true(a.ratio < 0.9);
    assert_true(a.same_q75_ms > a.distinct_q25_ms);
    assert_false(a.flagged);
    /* faster overall and apart, but not in the second round: a stretch, not a cache */
    double s2[10] = {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    double d2[10] = {1.0, 1.0, 1.0, 1.0, 1.0, 0.52, 0.52, 0.52, 0.52, 0.52};
    eb_cache_audit_judge(s2, 10, d2, 10, 5, 0.10, &a);
    assert_true(a.ratio < 0.9 && a.same_q75_ms < a.distinct_q25_ms);
    assert_int_equal(a.rounds, 2);
    assert_int_equal(a.rounds_faster, 1);
    assert_false(a.flagged);
    eb_cache_audit_judge(s2, 10, d2, 5, 5, 0.10, &a); /* the first round alone */
    assert_true(a.flagged);
    eb_cache_audit_judge(s, 2, dd, 5, 5, 0.10, &a);
    assert_false(a.available);
    assert_non_null(strstr(a.reason, "too few runs"));
}

/* ---- the environment checks on fake trees ----------------------------------- */

static void put(const char *root, const char *rel, const char *text)
{
    char path[1024], dir[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    snprintf(dir, sizeof dir, "mkdir -p '%s'", path);
    *strrchr(dir, '/') = '\0';
    strcat(dir, "'");
    assert_int_equal(system(dir), 0);
    assert_true(eb_test_write_file(path, text, strlen(text)));
}

static void env_checks__fake_tree__values_and_noisy(void **state)
{
    (void)state;
    char root[512];
    snprintf(root, sizeof root, "%s", eb_test_tmpdir());
    put(root, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "powersave\n");
    put(root, "sys/devices/system/cpu/intel_pstate/no_turbo", "0\n");
    put(root, "proc/sys/kernel/randomize_va_space", "2\n");
    put(root, "sys/devices/system/cpu/smt/active", "1\n");
    put(root, "proc/loadavg", "0.50 0.40 0.30 1/100 123\n");
    /* a command name holding ") R (" must not fool the state parser */
    put(root, "proc/100/stat", "100 (a) R (b) S 1 1 1\n");
    put(root, "proc/101/task/101/stat", "101 (worker) S 1 1 1\n");
    put(root, "proc/101/task/102/stat", "102 (worker) R 1 1 1\n");
    put(root, "proc/102/stat", "102 (spin) R 1 1 1\n");
    put(root, "proc/103/stat", "103 (self) R 1 1 1\n");
    setenv("EB_SYSFS_ROOT", root, 1);
    eb_env_checks c;
    eb_env_checks_read("0", 103, &c);
    assert_true(c.checked);
    assert_string_equal(c.governor.value, "powersave");
    assert_true(c.governor.noisy);
    assert_string_equal(c.turbo.value, "on");
    assert_true(c.turbo.noisy);
    assert_string_equal(c.aslr.value, "full");
    assert_false(c.aslr.noisy);
    assert_string_equal(c.smt.value, "on");
    assert_true(c.smt.noisy);
    assert_string_equal(c.load_average.value, "0.50 0.40 0.30");
    assert_false(c.load_average.noisy); /* below the one pinned CPU */
    assert_string_equal(c.busy_processes.value, "2"); /* 101 (a thread) and 102; not 100, not self */
    assert_true(c.busy_processes.noisy);
    assert_string_equal(c.pinned.value, "0");
    assert_false(c.pinned.noisy);

    /* the warning, once, naming each noisy check */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    eb_env_checks_print(f, &c);
    fclose(f);
    assert_non_null(strstr(text, "environment: governor powersave, turbo on, ASLR full, SMT on"));
    assert_non_null(strstr(text, "warning: noisy environment: governor powersave"));
    assert_non_null(strstr(text, "2 other processes running"));
    assert_null(strstr(text, "not pinned"));
    free(text);

    /* boost instead of intel_pstate; governors that differ; a high load; not pinned */
    char root2[512];
    snprintf(root2, sizeof root2, "%s", eb_test_tmpdir());
    put(root2, "sys/devices/system/cpu/cpufreq/boost", "0\n");
    put(root2, "sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "performance\n");
    put(root2, "sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "schedutil\n");
    put(root2, "proc/loadavg", "4.00 1.00 1.00 1/100 123\n");
    setenv("EB_SYSFS_ROOT", root2, 1);
    eb_env_checks_read("0-1", 1, &c);
    assert_string_equal(c.turbo.value, "off");
    assert_false(c.turbo.noisy);
    assert_string_equal(c.governor.value, "cpu0 performance, cpu1 schedutil");
    assert_true(c.governor.noisy);
    assert_true(c.load_average.noisy); /* 4 >= 2 CPUs */
    eb_env_checks_read("", 1, &c);
    assert_string_equal(c.pinned.value, "no");
    assert_true(c.pinned.noisy);

    /* nothing there: each unavailable with the path and errno */
    char empty[512];
    snprintf(empty, sizeof empty, "%s", eb_test_tmpdir());
    setenv("EB_SYSFS_ROOT", empty, 1);
    eb_env_checks_read("0", 1, &c);
    const eb_env_check *all[] = {&c.governor, &c.turbo, &c.aslr, &c.smt, &c.load_average, &c.busy_processes};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        assert_false(all[i]->available);
        assert_non_null(strstr(all[i]->reason, empty));
        assert_non_null(strstr(all[i]->reason, "No such file or directory"));
    }
    unsetenv("EB_SYSFS_ROOT");
}

/* ---- the record's JSON and the table ------------------------------------------ */

static void noise_json__round_trip_and_flags(void **state)
{
    (void)state;
    eb_result r;
    memset(&r, 0, sizeof r);
    r.status = EB_RESULT_OK;
    r.noise.pinned = true;
    snprintf(r.noise.cpus, sizeof r.noise.cpus, "0-1");
    r.noise.cooldown_s = 0.5;
    r.noise.env.checked = true;
    r.noise.env.governor = (eb_env_check){.available = true, .noisy = true, .value = "powersave"};
    r.noise.env.turbo = (eb_env_check){.available = false, .reason = "/x: No such file or directory"};
    r.noise.env.pinned = (eb_env_check){.available = true, .value = "0-1"};
    r.noise.sentinel = (eb_sentinel){.available = true, .reps = 5, .before_ms = 2, .after_ms = 3, .change = 0.5,
                                     .threshold = 0.1, .speed_changed = true};
    r.noise.cache = (eb_cache_audit){.requested = true, .available = true, .runs_same = 20, .runs_distinct = 20,
                                     .same_median_ms = 0.01, .distinct_median_ms = 1, .same_q75_ms = 0.02,
                                     .distinct_q25_ms = 0.9, .ratio = 0.01, .threshold = 0.1, .flagged = true};
    cJSON *o = cJSON_CreateObject();
    eb_noise_json_add(o, &r);
    char *text = cJSON_PrintUnformatted(o);
    assert_non_null(strstr(text, "\"flags\":[\"noise.machine_speed_changed\",\"audit.cache_faster_on_repeats\"]"));
    assert_non_null(strstr(text, "\"turbo\":\"unavailable: /x: No such file or directory\""));
    assert_non_null(strstr(text, "\"noisy\":[\"governor\"]"));
    eb_result back;
    memset(&back, 0, sizeof back);
    eb_noise_json_load(o, &back);
    assert_true(back.noise.pinned);
    assert_string_equal(back.noise.cpus, "0-1");
    assert_true(back.noise.cooldown_s == 0.5);
    assert_true(back.noise.env.governor.available && back.noise.env.governor.noisy);
    assert_string_equal(back.noise.env.turbo.reason, "/x: No such file or directory");
    assert_true(back.noise.sentinel.speed_changed && back.noise.sentinel.after_ms == 3);
    assert_true(back.noise.cache.flagged && back.noise.cache.runs_same == 20);
    free(text);
    cJSON_Delete(o);

    /* the table's lines */
    char *lines = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&lines, &len);
    eb_noise_table_lines(f, 4, &r);
    fclose(f);
    assert_non_null(strstr(lines, "    noise.machine_speed_changed: the sentinel took 2.00 ms before and 3.00 ms after (+50%"));
    assert_non_null(strstr(lines, "    audit.cache_faster_on_repeats: "));
    free(lines);

    /* nothing to say: no lines; an older file without "noise": zero */
    memset(&r.noise, 0, sizeof r.noise);
    f = open_memstream(&lines, &len);
    eb_noise_table_lines(f, 4, &r);
    fclose(f);
    assert_int_equal(len, 0);
    free(lines);
    cJSON *old = cJSON_CreateObject();
    back.noise.pinned = true;
    eb_noise_json_load(old, &back);
    assert_false(back.noise.pinned || back.noise.env.checked || back.noise.cache.requested);
    cJSON_Delete(old);
}

/* A result that never ran: its noise still says why each part is missing. */
static void noise_json__unfinished_result__reasons(void **state)
{
    (void)state;
    eb_result r;
    memset(&r, 0, sizeof r);
    r.status = EB_RESULT_FAILED;
    eb_env_checks env = {0};
    eb_noise_stamp(&r, "", &env, true);
    cJSON *o = cJSON_CreateObject();
    eb_noise_json_add(o, &r);
    char *text = cJSON_PrintUnformatted(o);
    assert_non_null(strstr(text, "\"sentinel\":{\"available\":false,\"reason\":\"the variant did not complete its timed runs\""));
    assert_non_null(strstr(text, "\"cache_audit\":{\"available\":false,\"reason\":\"the variant did not complete its timed runs\""));
    assert_non_null(strstr(text, "\"pinned\":false,\"cpus\":null"));
    free(text);
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pin_parse__valid_lists__canonical_and_counted),
        cmocka_unit_test(pin_parse__bad_lists__refused_saying_why),
        cmocka_unit_test(pin_apply__thread_pool__every_worker_stays_inside),
        cmocka_unit_test(cooldown__first_variant_none_later_ones_wait),
        cmocka_unit_test(sentinel_judge__medians_and_threshold),
        cmocka_unit_test(sentinel__simulated_clock__flags_a_slowdown_and_not_a_steady_machine),
        cmocka_unit_test(sentinel_workload__same_work_every_time),
        cmocka_unit_test(cache_judge__equal_distributions__never_flagged),
        cmocka_unit_test(cache_judge__memoizing_pattern__flagged),
        cmocka_unit_test(cache_judge__boundaries),
        cmocka_unit_test(env_checks__fake_tree__values_and_noisy),
        cmocka_unit_test(noise_json__round_trip_and_flags),
        cmocka_unit_test(noise_json__unfinished_result__reasons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
