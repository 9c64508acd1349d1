/* test_energy.c - energy per inference: each meter on a fake sysfs tree
 * (EB_SYSFS_ROOT), the NVML meter on a stub library, the measurement
 * window on simulated meters, and each estimator with the choice between
 * them.
 *
 * The fake tree is a temp folder holding sys/class/powercap,
 * sys/class/hwmon, sys/class/power_supply, sys/devices/system/cpu/cpuN/
 * cpufreq/stats/time_in_state, sys/kernel/debug/energy_model and
 * proc/cpuinfo, written by each test.  A read-protected energy_uj is
 * read by a child that has given up root (setuid to nobody): the tests
 * run as root, whom mode 000 does not stop, and a real EACCES from the
 * kernel is what the meter must explain.  The simulated meters of the
 * window tests follow the clock on a fixed update grid, so their figures
 * are known to within the grid, whatever the machine's load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench/energy.h"
#include "bench/energy_info.h"
#include "bench/result.h"
#include "reports/emit.h"
#include "reports/results_load.h"
#include "tests/test_util.h"

/* ---- the fake tree ------------------------------------------------------- */

static char root[256];

static void mkdirs(const char *path)
{
    char p[1024];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
}

/* writes text to root/rel, creating its folders */
static void put(const char *rel, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(const char *rel, const char *fmt, ...)
{
    char path[1024], text[8192];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char *dir = strdup(path);
    mkdirs(dirname(dir));
    free(dir);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    assert_true(eb_test_write_file(path, text, strlen(text)));
}

static int fresh_root(void **state)
{
    (void)state;
    const char *t = eb_test_tmpdir();
    assert_non_null(t);
    snprintf(root, sizeof root, "%s", t);
    chmod(root, 0755); /* mkdtemp's 0700 would stop the unprivileged child */
    setenv("EB_SYSFS_ROOT", root, 1);
    unsetenv("EB_POWER_TABLE");
    unsetenv("EB_NVML_LIB");
    /* no energy calibration of the user's: the choice is between the others here */
    setenv("EDGEBENCH_CACHE_DIR", root, 1);
    return 0;
}

static int drop_root(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        return -1;
    unsetenv("EB_SYSFS_ROOT");
    unsetenv("EB_POWER_TABLE");
    unsetenv("EB_NVML_LIB");
    return 0;
}

static double read_meter(eb_meter *m)
{
    double v = NAN;
    assert_true(m->read(m, &v));
    return v;
}

/* ---- powercap ------------------------------------------------------------ */

static void powercap__counter_wraps__the_range_is_added_once(void **state)
{
    (void)state;
    const uint64_t range = 262143328850ULL; /* a real package's max_energy_range_uj */
    put("sys/class/powercap/intel-rapl:0/name", "package-0\n");
    put("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "%llu\n", (unsigned long long)range);
    put("sys/class/powercap/intel-rapl:0/energy_uj", "%llu\n", (unsigned long long)(range - 1000000));
    /* a subzone is part of its package: not added again */
    put("sys/class/powercap/intel-rapl:0:0/name", "core\n");
    put("sys/class/powercap/intel-rapl:0:0/max_energy_range_uj", "%llu\n", (unsigned long long)range);
    put("sys/class/powercap/intel-rapl:0:0/energy_uj", "5\n");
    eb_meter m;
    eb_meter_powercap_probe(&m);
    assert_true(m.available);
    assert_true(m.cumulative);
    assert_int_equal(m.n_parts, 1);
    assert_non_null(strstr(m.name, "intel-rapl:0 (package-0)"));
    assert_true(read_meter(&m) == 0); /* the first read is the origin */
    put("sys/class/powercap/intel-rapl:0/energy_uj", "%llu\n", (unsigned long long)(range - 400000));
    assert_true(fabs(read_meter(&m) - 0.6) < 1e-9);
    /* wrapped: 400000 µJ to the range, then 2000000 past zero */
    put("sys/class/powercap/intel-rapl:0/energy_uj", "2000000\n");
    assert_true(fabs(read_meter(&m) - (0.6 + 0.4 + 2.0)) < 1e-9);
}

static void powercap__two_packages__summed(void **state)
{
    (void)state;
    for (int p = 0; p < 2; p++) {
        char rel[128];
        snprintf(rel, sizeof rel, "sys/class/powercap/intel-rapl:%d/name", p);
        put(rel, "package-%d\n", p);
        snprintf(rel, sizeof rel, "sys/class/powercap/intel-rapl:%d/max_energy_range_uj", p);
        put(rel, "1000000000\n");
        snprintf(rel, sizeof rel, "sys/class/powercap/intel-rapl:%d/energy_uj", p);
        put(rel, "100\n");
    }
    eb_meter m;
    eb_meter_powercap_probe(&m);
    assert_true(m.available);
    assert_int_equal(m.n_parts, 2);
    read_meter(&m);
    put("sys/class/powercap/intel-rapl:0/energy_uj", "1000100\n");
    put("sys/class/powercap/intel-rapl:1/energy_uj", "3000100\n");
    assert_true(fabs(read_meter(&m) - 4.0) < 1e-9);
}

static void powercap__absent__the_reason_says_so(void **state)
{
    (void)state;
    eb_meter m;
    eb_meter_powercap_probe(&m);
    assert_false(m.available);
    assert_non_null(strstr(m.reason, "absent in VMs"));
    put("sys/class/powercap/dtpm/name", "dtpm\n");
    eb_meter_powercap_probe(&m);
    assert_false(m.available);
    assert_non_null(strstr(m.reason, "no intel-rapl:N package zone"));
}

/* energy_uj readable by root only (CVE-2020-8694): a child that is not
 * root (it gives root up when it has it) gets the kernel's EACCES */
static void powercap__energy_uj_read_protected__eacces_and_the_cve_stated(void **state)
{
    (void)state;
    put("sys/class/powercap/intel-rapl:0/name", "package-0\n");
    put("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "1000\n");
    put("sys/class/powercap/intel-rapl:0/energy_uj", "10\n");
    char path[512];
    snprintf(path, sizeof path, "%s/sys/class/powercap/intel-rapl:0/energy_uj", root);
    assert_int_equal(chmod(path, 0000), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(77);
        eb_meter m;
        eb_meter_powercap_probe(&m);
        if (m.available)
            _exit(1);
        if (!strstr(m.reason, strerror(EACCES)) || !strstr(m.reason, "CVE-2020-8694")) {
            fprintf(stderr, "reason: %s\n", m.reason);
            _exit(2);
        }
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    chmod(path, 0644);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77)
        skip(); /* no permission to give root up here (a user namespace without setuid) */
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- hwmon --------------------------------------------------------------- */

static void hwmon__power_only_rails__watts_summed_with_their_labels(void **state)
{
    (void)state;
    put("sys/class/hwmon/hwmon0/name", "coretemp\n");
    put("sys/class/hwmon/hwmon0/temp1_input", "45000\n");
    put("sys/class/hwmon/hwmon1/name", "ina3221\n");
    put("sys/class/hwmon/hwmon1/power1_input", "1500000\n"); /* µW */
    put("sys/class/hwmon/hwmon1/power1_label", "VDD_CPU\n");
    put("sys/class/hwmon/hwmon1/power2_input", "500000\n");
    put("sys/class/hwmon/hwmon1/power2_label", "VDD_SOC\n");
    eb_meter m;
    eb_meter_hwmon_probe(&m);
    assert_true(m.available);
    assert_false(m.cumulative);
    assert_int_equal(m.n_parts, 2);
    assert_non_null(strstr(m.name, "hwmon1 ina3221"));
    assert_non_null(strstr(m.name, "VDD_CPU + VDD_SOC"));
    assert_true(fabs(read_meter(&m) - 2.0) < 1e-9);
}

static void hwmon__voltage_and_current_only__p_is_v_times_i(void **state)
{
    (void)state;
    put("sys/class/hwmon/hwmon0/name", "ina231\n");
    put("sys/class/hwmon/hwmon0/in1_input", "5000\n"); /* mV */
    put("sys/class/hwmon/hwmon0/curr1_input", "400\n"); /* mA */
    put("sys/class/hwmon/hwmon0/in1_label", "VDD_IN\n");
    put("sys/class/hwmon/hwmon0/in2_input", "12000\n");
    put("sys/class/hwmon/hwmon0/curr2_input", "250\n");
    put("sys/class/hwmon/hwmon0/in3_input", "3300\n"); /* no curr3: not a rail */
    eb_meter m;
    eb_meter_hwmon_probe(&m);
    assert_true(m.available);
    assert_int_equal(m.n_parts, 2);
    assert_non_null(strstr(m.name, "V x I"));
    assert_non_null(strstr(m.name, "VDD_IN + in2"));
    assert_true(fabs(read_meter(&m) - (5.0 * 0.4 + 12.0 * 0.25)) < 1e-9);
}

static void hwmon__energy_counters__preferred_and_differenced(void **state)
{
    (void)state;
    put("sys/class/hwmon/hwmon0/name", "acpi_power\n");
    put("sys/class/hwmon/hwmon0/energy1_input", "1000000\n"); /* µJ */
    put("sys/class/hwmon/hwmon0/power1_input", "99000000\n");
    eb_meter m;
    eb_meter_hwmon_probe(&m);
    assert_true(m.available);
    assert_true(m.cumulative);
    assert_true(read_meter(&m) == 0);
    put("sys/class/hwmon/hwmon0/energy1_input", "3500000\n");
    assert_true(fabs(read_meter(&m) - 2.5) < 1e-9);
}

static void hwmon__no_rails__the_reason_says_which_files(void **state)
{
    (void)state;
    put("sys/class/hwmon/hwmon0/name", "coretemp\n");
    put("sys/class/hwmon/hwmon0/temp1_input", "45000\n");
    eb_meter m;
    eb_meter_hwmon_probe(&m);
    assert_false(m.available);
    assert_non_null(strstr(m.reason, "energyN_input, powerN_input or inN_input with currN_input"));
}

/* ---- battery ------------------------------------------------------------- */

static void battery__discharging__valid_with_the_drivers_sign_noted(void **state)
{
    (void)state;
    put("sys/class/power_supply/AC/type", "Mains\n");
    put("sys/class/power_supply/BAT0/type", "Battery\n");
    put("sys/class/power_supply/BAT0/status", "Discharging\n");
    put("sys/class/power_supply/BAT0/current_now", "-500000\n"); /* µA, this driver: discharge negative */
    put("sys/class/power_supply/BAT0/voltage_now", "4000000\n");  /* µV */
    eb_meter m;
    eb_meter_battery_probe(&m);
    assert_true(m.available);
    assert_non_null(strstr(m.name, "BAT0"));
    assert_non_null(strstr(m.name, "discharge as negative"));
    assert_true(fabs(read_meter(&m) - 2.0) < 1e-9);
    /* the other convention gives the same watts */
    put("sys/class/power_supply/BAT0/current_now", "500000\n");
    eb_meter_battery_probe(&m);
    assert_non_null(strstr(m.name, "discharge as positive"));
    assert_true(fabs(read_meter(&m) - 2.0) < 1e-9);
}

static void battery__charging__unavailable_and_why(void **state)
{
    (void)state;
    put("sys/class/power_supply/BAT0/type", "Battery\n");
    put("sys/class/power_supply/BAT0/status", "Charging\n");
    put("sys/class/power_supply/BAT0/current_now", "800000\n");
    put("sys/class/power_supply/BAT0/voltage_now", "4200000\n");
    eb_meter m;
    eb_meter_battery_probe(&m);
    assert_false(m.available);
    assert_non_null(strstr(m.reason, "Charging"));
    assert_non_null(strstr(m.reason, "valid only while discharging"));
}

/* ---- NVML through the stub ----------------------------------------------- */

static void *stub_lib(void (**set)(unsigned long long, int, unsigned))
{
    char exe[1024], path[1100];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    snprintf(path, sizeof path, "%s/libnvml_stub.so", dirname(exe));
    setenv("EB_NVML_LIB", path, 1);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        fail_msg("the stub %s is not built: %s", path, dlerror());
    *(void **)set = dlsym(h, "eb_stub_nvml_set");
    assert_non_null(*set);
    return h;
}

static void nvml__stub__millijoules_read_as_joules(void **state)
{
    (void)state;
    void (*set)(unsigned long long, int, unsigned);
    void *h = stub_lib(&set);
    set(1000, 0, 1);
    eb_meter m;
    eb_meter_nvml_probe(&m, 0);
    assert_true(m.available);
    assert_true(m.cumulative);
    assert_true(fabs(read_meter(&m) - 1.0) < 1e-12);
    set(3500, 0, 1);
    assert_true(fabs(read_meter(&m) - 3.5) < 1e-12);
    eb_meter_close(&m);
    dlclose(h);
}

static void nvml__stub__missing_gpu_and_old_gpu__reasons(void **state)
{
    (void)state;
    void (*set)(unsigned long long, int, unsigned);
    void *h = stub_lib(&set);
    set(1000, 0, 1);
    eb_meter m;
    eb_meter_nvml_probe(&m, 1);
    assert_false(m.available);
    assert_non_null(strstr(m.reason, "none with index 1"));
    set(1000, 3, 1); /* NOT_SUPPORTED */
    eb_meter_nvml_probe(&m, 0);
    assert_false(m.available);
    assert_non_null(strstr(m.reason, "Not Supported"));
    assert_non_null(strstr(m.reason, "Volta"));
    dlclose(h);
    setenv("EB_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    eb_meter_nvml_probe(&m, 0);
    assert_false(m.available);
    assert_non_null(strstr(m.reason, "cannot be loaded"));
}

/* ---- the window, on simulated meters ------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* A meter of `watts` that updates every `grid` seconds: a counter (J) or
 * a power reading (W, which changes by a hair at each update so that the
 * window sees it). */
typedef struct sim {
    double t0, watts, grid;
} sim;

static bool sim_counter(eb_meter *m, double *v)
{
    const sim *s = m->user;
    *v = floor((now_s() - s->t0) / s->grid) * s->grid * s->watts;
    return true;
}

static bool sim_power(eb_meter *m, double *v)
{
    const sim *s = m->user;
    long k = (long)floor((now_s() - s->t0) / s->grid);
    *v = s->watts + (k % 2 ? 1e-9 : 0);
    return true;
}

static void sim_meter(eb_meter *m, sim *s, bool counter)
{
    memset(m, 0, sizeof *m);
    snprintf(m->source, sizeof m->source, "sim");
    snprintf(m->name, sizeof m->name, "simulated");
    m->available = true;
    m->cumulative = counter;
    m->read = counter ? sim_counter : sim_power;
    m->user = s;
    s->t0 = now_s();
}

static void window__counter_meter__idle_gross_and_net(void **state)
{
    (void)state;
    sim s = {.watts = 10, .grid = 0.002};
    eb_meter m;
    sim_meter(&m, &s, true);
    eb_energy_meter_run w;
    eb_energy_meter_begin(&w, &m, 0.1, 1.0);
    assert_true(w.idle.updates >= EB_ENERGY_MIN_UPDATES);
    eb_energy_meter_start(&w);
    sleep_s(0.1); /* "the loop": 100 inferences */
    eb_energy_meter_stop(&w, 100);
    eb_energy e;
    memset(&e, 0, sizeof e);
    eb_energy_meter_finish(&w, &e);
    assert_true(e.kind == EB_ENERGY_MEASURED);
    assert_string_equal(e.method, "meter");
    assert_true(e.valid);
    assert_true(e.window.present);
    assert_true(e.window.updates >= EB_ENERGY_MIN_UPDATES);
    assert_int_equal(e.window.extensions, 0);
    /* the meter's rate is exact between updates: 10 W idle and in the loop */
    assert_true(fabs(e.window.idle_watts - 10) < 0.5);
    assert_true(fabs(e.window.gross_j / e.window.seconds - 10) < 0.5);
    assert_true(fabs(e.joules_per_inference - e.window.gross_j / 100) < 1e-12);
    assert_true(fabs(e.window.net_j) < 0.05 * e.window.gross_j);
    assert_true(e.window.interval_ms >= 1.5); /* the 2 ms grid, or coarser when polls were late */
}

static void window__power_meter__integrated(void **state)
{
    (void)state;
    sim s = {.watts = 5, .grid = 0.002};
    eb_meter m;
    sim_meter(&m, &s, false);
    eb_energy_meter_run w;
    eb_energy_meter_begin(&w, &m, 0.05, 1.0);
    eb_energy_meter_start(&w);
    sleep_s(0.1);
    eb_energy_meter_stop(&w, 10);
    eb_energy e;
    memset(&e, 0, sizeof e);
    eb_energy_meter_finish(&w, &e);
    assert_true(e.valid);
    /* the window runs from its first poll to its last: exact for a constant 5 W */
    assert_true(fabs(e.window.gross_j - 5 * e.window.seconds) < 1e-6 * e.window.seconds);
}

static int64_t more_sleep(void *ctx)
{
    sleep_s(*(double *)ctx);
    return 7;
}

static void window__few_updates__extended_until_ten(void **state)
{
    (void)state;
    sim s = {.watts = 2, .grid = 0.002};
    eb_meter m;
    sim_meter(&m, &s, true);
    eb_energy_meter_run w;
    eb_energy_meter_begin(&w, &m, 0.01, 0.5);
    eb_energy_meter_start(&w);
    eb_energy_meter_stop(&w, 7); /* a loop too short for the meter */
    assert_true(w.loop.updates < EB_ENERGY_MIN_UPDATES);
    double each = 0.01;
    eb_energy_meter_extend(&w, more_sleep, &each, 100, 10.0);
    eb_energy e;
    memset(&e, 0, sizeof e);
    eb_energy_meter_finish(&w, &e);
    assert_true(e.window.extensions >= 1);
    assert_true(e.window.updates >= EB_ENERGY_MIN_UPDATES);
    assert_true(e.valid);
    assert_true(e.window.inferences == 7 + 7 * (int64_t)e.window.extensions);
}

static void window__meter_too_slow__invalid_after_the_bounded_extensions(void **state)
{
    (void)state;
    sim s = {.watts = 2, .grid = 5.0}; /* a battery gauge's pace */
    eb_energy_meter_run w;
    eb_meter m;
    sim_meter(&m, &s, true);
    eb_energy_meter_begin(&w, &m, 0.01, 0.05);
    eb_energy_meter_start(&w);
    eb_energy_meter_stop(&w, 7);
    double each = 0.01;
    eb_energy_meter_extend(&w, more_sleep, &each, 3, 10.0);
    eb_energy e;
    memset(&e, 0, sizeof e);
    eb_energy_meter_finish(&w, &e);
    assert_int_equal(e.window.extensions, 3);
    assert_false(e.valid);
    assert_non_null(strstr(e.reason, "fewer than the 10"));
    assert_true(isnan(e.window.idle_watts)); /* the idle baseline saw no update either */
}

/* ---- DVFS tables and time in state --------------------------------------- */

static const char PROFILE_LEGACY[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<device name=\"Android\">\n"
    "  <item name=\"cpu.idle\">4</item>\n"
    "  <array name=\"cpu.clusters.cores\"><value>2</value><value>2</value></array>\n"
    "  <array name=\"cpu.speeds.cluster0\"><value>300000</value><value>1000000</value></array>\n"
    "  <array name=\"cpu.active.cluster0\"><value>10</value><value>50</value></array>\n"
    "  <array name=\"cpu.speeds.cluster1\"><value>500000</value><value>2000000</value></array>\n"
    "  <array name=\"cpu.active.cluster1\"><value>30</value><value>300</value></array>\n"
    "</device>\n";

static const char PROFILE_CURRENT[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<device name=\"Android\">\n"
    "  <item name=\"cpu.active\">20</item>\n"
    "  <array name=\"cpu.clusters.cores\"><value>2</value><value>2</value></array>\n"
    "  <array name=\"cpu.core_speeds.cluster0\"><value>300000</value><value>1000000</value></array>\n"
    "  <array name=\"cpu.core_power.cluster0\"><value>10</value><value>50</value></array>\n"
    "  <array name=\"cpu.cluster_power.cluster0\"><value>7</value></array>\n"
    "  <array name=\"cpu.core_speeds.cluster1\"><value>500000</value><value>2000000</value></array>\n"
    "  <array name=\"cpu.core_power.cluster1\"><value>30</value><value>300</value></array>\n"
    "</device>\n";

static void dvfs__power_profile_legacy_and_current_keys__the_same_table(void **state)
{
    (void)state;
    eb_dvfs_table a, b;
    char why[200];
    assert_true(eb_dvfs_parse_power_profile(PROFILE_LEGACY, 4.0, &a, why, sizeof why));
    assert_true(eb_dvfs_parse_power_profile(PROFILE_CURRENT, 4.0, &b, why, sizeof why));
    assert_non_null(strstr(a.source, "legacy"));
    assert_non_null(strstr(b.source, "current"));
    assert_int_equal(a.n_cpus, 4);
    assert_int_equal(b.n_cpus, 4);
    for (int c = 0; c < 4; c++) {
        assert_int_equal(a.n_steps[c], 2);
        for (int k = 0; k < 2; k++) {
            assert_true(a.steps[c][k].khz == b.steps[c][k].khz);
            assert_true(a.steps[c][k].watts == b.steps[c][k].watts);
        }
    }
    /* cluster 1 is CPUs 2 and 3; mA x V */
    assert_true(a.steps[3][1].khz == 2000000);
    assert_true(fabs(a.steps[3][1].watts - 0.300 * 4.0) < 1e-12);
    assert_true(fabs(a.steps[0][0].watts - 0.010 * 4.0) < 1e-12);
    /* mA without a voltage is no table */
    assert_false(eb_dvfs_parse_power_profile(PROFILE_CURRENT, 0, &a, why, sizeof why));
    assert_non_null(strstr(why, "voltage"));
}

static void dvfs__single_cluster_legacy_keys__every_cpu(void **state)
{
    (void)state;
    eb_dvfs_table t;
    char why[200];
    assert_true(eb_dvfs_parse_power_profile("<array name=\"cpu.speeds\"><value>1000000</value></array>"
                                            "<array name=\"cpu.active\"><value>100</value></array>",
                                            3.8, &t, why, sizeof why));
    assert_int_equal(t.n_cpus, 1); /* CPUs past the table use its last */
    assert_true(fabs(t.steps[0][0].watts - 0.38) < 1e-12);
}

static void put_time_in_state(int cpu, unsigned long long t_low, unsigned long long t_high)
{
    char rel[128];
    snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/cpufreq/stats/time_in_state", cpu);
    put(rel, "300000 %llu\n1000000 %llu\n", t_low, t_high);
}

/* the share of time at each frequency, from the deltas, weights its power */
static void dvfs__time_in_state__power_weighted_by_residency(void **state)
{
    (void)state;
    eb_dvfs_table t;
    char why[200];
    assert_true(eb_dvfs_parse_csv("cpu,khz,watts\n*,300000,0.5\n*,1000000,2.0\n", &t, why, sizeof why));
    eb_cpufreq_snapshot a, b;
    for (int c = 0; c < 2; c++)
        put_time_in_state(c, 1000, 5000);
    eb_cpufreq_snapshot_take(&a);
    assert_int_equal(a.n_cpus, 2);
    for (int c = 0; c < 2; c++)
        put_time_in_state(c, 1000 + 25, 5000 + 75); /* a quarter low, three quarters high */
    eb_cpufreq_snapshot_take(&b);
    eb_energy_usage u = {.cpu_s = 2.0, .wall_s = 1.0, .inferences = 4, .tis_before = &a, .tis_after = &b};
    snprintf(u.device_kind, sizeof u.device_kind, "cpu");
    eb_energy_est e;
    eb_energy_est_dvfs(&u, &t, &e);
    double pbar = 0.25 * 0.5 + 0.75 * 2.0;
    assert_true(fabs(e.j - pbar * 2.0 / 4) < 1e-9);
    assert_true(fabs(e.band.low - 0.5 * 2.0 / 4) < 1e-9);
    assert_true(fabs(e.band.high - 2.0 * 2.0 / 4) < 1e-9);
    assert_string_equal(e.method, "dvfs_table");
}

static void dvfs__energy_model__microwatts_or_abstract(void **state)
{
    (void)state;
    put("sys/kernel/debug/energy_model/cpu0/cpus", "0-1\n");
    put("sys/kernel/debug/energy_model/cpu0/flags", "0x1\n"); /* MICROWATTS */
    put("sys/kernel/debug/energy_model/cpu0/ps:300000/frequency", "300000\n");
    put("sys/kernel/debug/energy_model/cpu0/ps:300000/power", "250000\n");
    put("sys/kernel/debug/energy_model/cpu0/ps:1000000/frequency", "1000000\n");
    put("sys/kernel/debug/energy_model/cpu0/ps:1000000/power", "1500000\n");
    eb_dvfs_table t;
    char why[200];
    assert_true(eb_dvfs_load_energy_model(&t, why, sizeof why));
    assert_false(t.abstract);
    assert_int_equal(t.n_steps[1], 2);
    assert_true(t.steps[1][0].khz == 300000 && fabs(t.steps[1][0].watts - 0.25) < 1e-12);
    assert_true(fabs(t.steps[1][1].watts - 1.5) < 1e-12);
    /* an older kernel's "units": bogoWatts is an abstract scale: no joules */
    char path[512];
    snprintf(path, sizeof path, "%s/sys/kernel/debug/energy_model/cpu0/flags", root);
    unlink(path);
    put("sys/kernel/debug/energy_model/cpu0/units", "bogoWatts\n");
    assert_true(eb_dvfs_load_energy_model(&t, why, sizeof why));
    assert_true(t.abstract);
    eb_cpufreq_snapshot a, b;
    put_time_in_state(0, 0, 0);
    eb_cpufreq_snapshot_take(&a);
    put_time_in_state(0, 10, 10);
    eb_cpufreq_snapshot_take(&b);
    eb_energy_usage u = {.cpu_s = 1, .wall_s = 1, .inferences = 1, .tis_before = &a, .tis_after = &b};
    eb_energy_est e;
    eb_energy_est_dvfs(&u, &t, &e);
    assert_true(isnan(e.j));
    assert_non_null(strstr(e.reason, "abstract scale"));
}

static void dvfs__find_table__user_csv_or_power_profile_by_name(void **state)
{
    (void)state;
    eb_dvfs_table t;
    char why[200], path[512];
    assert_false(eb_dvfs_find_table(&t, why, sizeof why));
    assert_non_null(strstr(why, "no DVFS power table"));
    put("table.csv", "# cpu,khz,watts\n0,1000000,1.25\n1,1000000,2.5\n");
    snprintf(path, sizeof path, "%s/table.csv", root);
    setenv("EB_POWER_TABLE", path, 1);
    assert_true(eb_dvfs_find_table(&t, why, sizeof why));
    assert_string_equal(t.source, "csv");
    assert_true(t.n_cpus == 2 && t.steps[1][0].watts == 2.5);
    /* a power_profile.xml takes its volts from the battery */
    put("sys/class/power_supply/battery/type", "Battery\n");
    put("sys/class/power_supply/battery/voltage_now", "3850000\n");
    put("power_profile.xml", "%s", PROFILE_CURRENT);
    snprintf(path, sizeof path, "%s/power_profile.xml", root);
    setenv("EB_POWER_TABLE", path, 1);
    assert_true(eb_dvfs_find_table(&t, why, sizeof why));
    assert_true(fabs(t.steps[0][1].watts - 0.050 * 3.85) < 1e-12);
}

/* ---- utilisation x TDP and op counts -------------------------------------- */

static void cpuinfo(const char *vendor, int family, int model, int stepping, const char *brand, bool hypervisor)
{
    put("proc/cpuinfo",
        "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %d\nmodel\t\t: %d\nmodel name\t: %s\nstepping\t: %d\n"
        "flags\t\t: fpu sse2 avx2%s\n\nprocessor\t: 1\nvendor_id\t: Bogus\n",
        vendor, family, model, brand, stepping, hypervisor ? " hypervisor" : "");
}

static const char TABLE[] =
    "family,part,vendor,cpu_family,model_lo,model_hi,stepping_lo,stepping_hi,brand_match,tdp_w,cores,threads,source\n"
    "Fam,Part A,GenuineIntel,6,85,85,10,11,9999A,200,20,40,vendor page A\n"
    "Fam,Part B,GenuineIntel,6,85,85,10,11,9999B,100,4,8,vendor page B\n"
    "Other,Part C,GenuineIntel,6,85,85,5,7,9999C,50,2,4,vendor page C\n";

static eb_energy_usage cpu_usage(double cpu_s, int64_t n)
{
    eb_energy_usage u = {.cpu_s = cpu_s, .wall_s = 1, .inferences = n};
    snprintf(u.device_kind, sizeof u.device_kind, "cpu");
    snprintf(u.quant, sizeof u.quant, "none");
    return u;
}

static void tdp__known_part__its_watts_per_thread_and_the_family_band(void **state)
{
    (void)state;
    cpuinfo("GenuineIntel", 6, 85, 11, "Intel(R) Xeon(R) 9999A CPU", false);
    eb_cpu_id c;
    eb_cpu_id_read(&c);
    assert_true(c.known && !c.hypervisor && c.family == 6 && c.model == 85 && c.stepping == 11);
    eb_energy_usage u = cpu_usage(2.0, 10);
    eb_energy_est e;
    eb_energy_est_tdp(&u, &c, TABLE, &e);
    assert_true(fabs(e.j - 200.0 / 40 * 2.0 / 10) < 1e-12);
    assert_true(fabs(e.band.low - 200.0 / 40 * 0.2) < 1e-12);  /* 5 W per thread */
    assert_true(fabs(e.band.high - 100.0 / 8 * 0.2) < 1e-12); /* 12.5 W per thread; Part C is another family */
    assert_string_equal(e.method, "utilisation_tdp");
}

static void tdp__vm_without_a_part__geometric_mean_and_per_core_high(void **state)
{
    (void)state;
    cpuinfo("GenuineIntel", 6, 85, 10, "Intel Xeon Processor (Cooperlake)", true);
    eb_cpu_id c;
    eb_cpu_id_read(&c);
    assert_true(c.hypervisor);
    eb_energy_usage u = cpu_usage(1.0, 1);
    eb_energy_est e;
    eb_energy_est_tdp(&u, &c, TABLE, &e);
    double lo = 200.0 / 40, hi_core = 100.0 / 4;
    assert_true(fabs(e.band.low - lo) < 1e-12);
    assert_true(fabs(e.band.high - hi_core) < 1e-12);
    assert_true(fabs(e.j - sqrt(lo * hi_core)) < 1e-12);
    assert_non_null(strstr(e.reason, "exact part is unknown"));
    assert_non_null(strstr(e.reason, "VM guest"));
    bool vm = false;
    for (int i = 0; i < e.n_inputs; i++)
        vm |= strcmp(e.inputs[i].name, "vm") == 0 && e.inputs[i].num == 1;
    assert_true(vm);
}

static void tdp__shipped_table__this_suites_families_found(void **state)
{
    (void)state;
    eb_energy_usage u = cpu_usage(1.0, 1);
    eb_energy_est e;
    cpuinfo("AuthenticAMD", 26, 2, 1, "AMD EPYC", true); /* how a cloud VM shows Zen 5 */
    eb_cpu_id c;
    eb_cpu_id_read(&c);
    eb_energy_est_tdp(&u, &c, NULL, &e);
    assert_true(isfinite(e.j) && e.band.low <= e.j && e.j <= e.band.high);
    cpuinfo("GenuineIntel", 6, 85, 11, "Intel(R) Xeon(R) Platinum 8380H CPU @ 2.90GHz", false);
    eb_cpu_id_read(&c);
    eb_energy_est_tdp(&u, &c, NULL, &e);
    assert_true(fabs(e.j - 250.0 / 56) < 1e-12); /* the row's TDP and threads */
    cpuinfo("GenuineIntel", 6, 85, 7, "Intel(R) Xeon(R) Gold 6230 CPU", false); /* Cascade Lake: no row */
    eb_cpu_id_read(&c);
    eb_energy_est_tdp(&u, &c, NULL, &e);
    assert_true(isnan(e.j));
    assert_non_null(strstr(e.reason, "no row of bench/energy_tdp.csv"));
    put("proc/cpuinfo", "processor\t: 0\nCPU implementer\t: 0x41\nCPU part\t: 0xd0b\n");
    eb_cpu_id_read(&c);
    eb_energy_est_tdp(&u, &c, NULL, &e);
    assert_true(isnan(e.j));
    assert_non_null(strstr(e.reason, "for x86 CPUs"));
}

static void opcount__int8_below_fp32__relative_only(void **state)
{
    (void)state;
    eb_energy_usage u = cpu_usage(1.0, 1);
    u.cost.macs = 1000000;
    u.cost.flops = 2000000 + 1000;
    u.cost.bytes_moved = 500000;
    u.cost.weight_bytes = 400000;
    eb_energy_est f32, i8;
    eb_energy_est_opcount(&u, &f32);
    snprintf(u.quant, sizeof u.quant, "int8");
    eb_energy_est_opcount(&u, &i8);
    assert_true(f32.relative_only && i8.relative_only);
    double bytes = (100000 * 20.0 / 8 + 400000 * 100.0 / 8) * 1e-12;
    assert_true(fabs(f32.j - ((1e6 * 4.6 + 1000 * 0.9) * 1e-12 + bytes)) < 1e-15);
    assert_true(fabs(i8.j - ((1e6 * 0.3 + 1000 * 0.9) * 1e-12 + bytes)) < 1e-15);
    assert_true(f32.band.low < f32.j && f32.j < f32.band.high);
}

/* ---- the choice ----------------------------------------------------------- */

static const eb_energy_alt *alt(const eb_energy *e, const char *method)
{
    for (int i = 0; i < e->n_alts; i++)
        if (strcmp(e->alts[i].method, method) == 0)
            return &e->alts[i];
    return NULL;
}

static void choose__order_dvfs_then_tdp_then_op_counts(void **state)
{
    (void)state;
    cpuinfo("GenuineIntel", 6, 85, 11, "Intel(R) Xeon(R) Platinum 8380H CPU @ 2.90GHz", false);
    eb_energy_usage u = cpu_usage(1.0, 10);
    u.cost.macs = 1000;
    u.cost.flops = 2000;
    u.cost.bytes_moved = 100;
    eb_energy e;
    /* no table: utilisation x TDP, with op counts and the DVFS table's reason as alternatives */
    eb_energy_choose(&u, NULL, "powercap: absent", &e);
    assert_true(e.kind == EB_ENERGY_ESTIMATED);
    assert_string_equal(e.method, "utilisation_tdp");
    assert_non_null(strstr(e.reason, "powercap: absent"));
    assert_non_null(alt(&e, "op_counts"));
    assert_true(isfinite(alt(&e, "op_counts")->joules_per_inference));
    assert_true(isnan(alt(&e, "dvfs_table")->joules_per_inference));
    /* with a table and time in state: the DVFS estimate first */
    char path[512];
    put("t.csv", "*,1000000,1.0\n");
    snprintf(path, sizeof path, "%s/t.csv", root);
    setenv("EB_POWER_TABLE", path, 1);
    eb_cpufreq_snapshot a, b;
    for (int c = 0; c < 2; c++)
        put_time_in_state(c, 0, 0);
    eb_cpufreq_snapshot_take(&a);
    for (int c = 0; c < 2; c++)
        put_time_in_state(c, 0, 100);
    eb_cpufreq_snapshot_take(&b);
    u.tis_before = &a;
    u.tis_after = &b;
    eb_energy_choose(&u, NULL, "", &e);
    assert_string_equal(e.method, "dvfs_table");
    assert_true(fabs(e.joules_per_inference - 1.0 * 1.0 / 10) < 1e-12);
    assert_true(isfinite(alt(&e, "utilisation_tdp")->joules_per_inference));
    /* not x86, no table: op counts, relative only */
    unsetenv("EB_POWER_TABLE");
    put("proc/cpuinfo", "processor\t: 0\nCPU implementer\t: 0x41\n");
    eb_energy_choose(&u, NULL, "", &e);
    assert_string_equal(e.method, "op_counts");
    assert_true(e.relative_only);
    /* a valid measurement wins; an invalid one is an alternative */
    eb_energy m;
    memset(&m, 0, sizeof m);
    m.kind = EB_ENERGY_MEASURED;
    snprintf(m.method, sizeof m.method, "meter");
    m.joules_per_inference = 0.5;
    m.valid = true;
    m.window.present = true;
    eb_energy_choose(&u, &m, "", &e);
    assert_true(e.kind == EB_ENERGY_MEASURED && e.joules_per_inference == 0.5);
    assert_non_null(alt(&e, "op_counts"));
    m.valid = false;
    snprintf(m.reason, sizeof m.reason, "the meter updated 3 times");
    eb_energy_choose(&u, &m, "", &e);
    assert_true(e.kind == EB_ENERGY_ESTIMATED);
    assert_true(e.window.present);
    assert_non_null(alt(&e, "meter"));
    assert_non_null(strstr(alt(&e, "meter")->reason, "updated 3 times"));
}

/* ---- the record ------------------------------------------------------------ */

/* an estimate and a measurement written as JSON and read back: kind,
 * method, band, validity, the window; the estimate's inputs and
 * alternatives in the file */
static void record__estimate_and_measurement__written_and_read_back(void **state)
{
    (void)state;
    eb_variant v = eb_variant_default("cpu");
    eb_result rs[2];
    memset(rs, 0, sizeof rs);
    for (int i = 0; i < 2; i++) {
        eb_result_begin(&rs[i], &v);
        snprintf(rs[i].model_name, sizeof rs[i].model_name, "m%d", i);
        snprintf(rs[i].device, sizeof rs[i].device, "cpu");
    }
    cpuinfo("GenuineIntel", 6, 85, 11, "Intel(R) Xeon(R) Platinum 8380H CPU @ 2.90GHz", false);
    eb_energy_usage u = cpu_usage(0.5, 100);
    u.cost.macs = 10;
    u.cost.flops = 20;
    eb_energy_choose(&u, NULL, "no meter here", &rs[0].energy);
    eb_energy m;
    memset(&m, 0, sizeof m);
    m.kind = EB_ENERGY_MEASURED;
    snprintf(m.method, sizeof m.method, "meter");
    snprintf(m.source, sizeof m.source, "powercap");
    m.joules_per_inference = 0.002;
    m.net_joules_per_inference = 0.0015;
    m.band.low = m.band.high = NAN;
    m.valid = true;
    m.window = (eb_energy_window){.present = true, .seconds = 1.5, .inferences = 750, .extensions = 1,
                                  .idle_watts = 0.25, .gross_j = 1.5, .net_j = 1.125, .updates = 1500,
                                  .interval_ms = 1.0};
    eb_energy_choose(&u, &m, "", &rs[1].energy);
    eb_provenance prov = {.version = "t", .git_commit = "t", .compiler = "t", .cflags = "t"};
    snprintf(prov.start_time, sizeof prov.start_time, "2026-01-01T00:00:00Z");
    eb_run_settings settings = {.runs = 1, .cv_threshold = 0.05};
    eb_report_doc d = {.prov = &prov, .settings = &settings, .results = rs, .n_results = 2};
    char path[512];
    snprintf(path, sizeof path, "%s/record.json", root);
    eb_err err = {{0}};
    assert_int_equal(eb_emit_file(path, EB_FMT_JSON, &d, &err), EB_OK);
    eb_result_set set;
    if (eb_results_load(path, &set, &err) != EB_OK)
        fail_msg("%s", err.msg);
    const eb_energy *e0 = &set.results[0].energy, *e1 = &set.results[1].energy;
    assert_true(e0->kind == EB_ENERGY_ESTIMATED);
    assert_string_equal(e0->method, "utilisation_tdp");
    assert_true(e0->valid && !e0->relative_only);
    assert_true(e0->band.low == rs[0].energy.band.low && e0->band.high == rs[0].energy.band.high);
    assert_true(e0->joules_per_inference == rs[0].energy.joules_per_inference);
    assert_false(e0->window.present);
    assert_true(e1->kind == EB_ENERGY_MEASURED);
    assert_true(e1->net_joules_per_inference == 0.0015);
    assert_true(e1->window.present && e1->window.updates == 1500 && e1->window.extensions == 1);
    assert_true(e1->window.idle_watts == 0.25 && e1->window.net_j == 1.125);
    eb_results_free(&set);
    /* in the file: the inputs by name, the alternatives */
    FILE *f = fopen(path, "r");
    char *text = calloc(1, 1 << 20);
    assert_true(f && text && fread(text, 1, (1 << 20) - 1, f) > 0);
    fclose(f);
    cJSON *doc = cJSON_Parse(text);
    free(text);
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(doc, "results"), 0), "energy");
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(en, "inputs");
    assert_true(cJSON_GetObjectItemCaseSensitive(in, "tdp_w")->valuedouble == 250);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(in, "part")->valuestring, "Xeon Platinum 8380H");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(en, "window")));
    /* dvfs_table, op_counts and calibrated (none here: no energy calibration) */
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(en, "alternatives")), 3);
    cJSON_Delete(doc);
}

/* ---- info ------------------------------------------------------------------ */

static void info__each_meter_source_with_its_status_and_reason(void **state)
{
    (void)state;
    put("sys/class/powercap/intel-rapl:0/name", "package-0\n");
    put("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "1000\n");
    put("sys/class/powercap/intel-rapl:0/energy_uj", "10\n");
    setenv("EB_NVML_LIB", "/nonexistent/libnvidia-ml.so.1", 1);
    cJSON *o = eb_energy_info_json();
    assert_non_null(o);
    const cJSON *meters = cJSON_GetObjectItemCaseSensitive(o, "meters");
    assert_int_equal(cJSON_GetArraySize(meters), 4);
    const char *want[] = {"powercap", "hwmon", "battery", "nvml"};
    for (int i = 0; i < 4; i++) {
        const cJSON *m = cJSON_GetArrayItem(meters, i);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(m, "source")->valuestring, want[i]);
        bool avail = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "available"));
        assert_true(avail == (i == 0));
        assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, avail ? "reads" : "reason")));
    }
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "available")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "estimates")), 4); /* calibrated first */
    cJSON_Delete(o);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    eb_energy_info_print(f);
    fclose(f);
    assert_non_null(strstr(text, "energy meters:  powercap: available (intel-rapl:0 (package-0))\n"));
    assert_non_null(strstr(text, "hwmon: unavailable ("));
    assert_non_null(strstr(text, "op_counts: applies"));
    assert_non_null(strstr(text, "est. energy:    calibrated: not here (no energy calibration"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fresh_root, drop_root)
        T(powercap__counter_wraps__the_range_is_added_once),
        T(powercap__two_packages__summed),
        T(powercap__absent__the_reason_says_so),
        T(powercap__energy_uj_read_protected__eacces_and_the_cve_stated),
        T(hwmon__power_only_rails__watts_summed_with_their_labels),
        T(hwmon__voltage_and_current_only__p_is_v_times_i),
        T(hwmon__energy_counters__preferred_and_differenced),
        T(hwmon__no_rails__the_reason_says_which_files),
        T(battery__discharging__valid_with_the_drivers_sign_noted),
        T(battery__charging__unavailable_and_why),
        T(nvml__stub__millijoules_read_as_joules),
        T(nvml__stub__missing_gpu_and_old_gpu__reasons),
        T(window__counter_meter__idle_gross_and_net),
        T(window__power_meter__integrated),
        T(window__few_updates__extended_until_ten),
        T(window__meter_too_slow__invalid_after_the_bounded_extensions),
        T(dvfs__power_profile_legacy_and_current_keys__the_same_table),
        T(dvfs__single_cluster_legacy_keys__every_cpu),
        T(dvfs__time_in_state__power_weighted_by_residency),
        T(dvfs__energy_model__microwatts_or_abstract),
        T(dvfs__find_table__user_csv_or_power_profile_by_name),
        T(tdp__known_part__its_watts_per_thread_and_the_family_band),
        T(tdp__vm_without_a_part__geometric_mean_and_per_core_high),
        T(tdp__shipped_table__this_suites_families_found),
        T(opcount__int8_below_fp32__relative_only),
        T(choose__order_dvfs_then_tdp_then_op_counts),
        T(record__estimate_and_measurement__written_and_read_back),
        T(info__each_meter_source_with_its_status_and_reason),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
