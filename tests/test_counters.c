/* test_counters.c - software events, preempted samples, hardware
 * counters (bench/metrics_counters.c), CPU frequency and thermal zones
 * from a fake sysfs tree (bench/metrics_clock.c), and their JSON
 * (reports/counters_json.c) written and read back.
 *
 * Preemption is tested twice: with counter values fed to the window hook,
 * and for real: this thread and a busy competitor pinned to the same CPU,
 * each sample a 30 ms spin, so that the scheduler must switch between
 * them (CFS's slice is a few ms) and at least one sample is preempted.
 * Page faults: touching fresh pages between start and stop must count at
 * least one minor fault per page.  No timing figure is asserted.
 *
 * The hardware counters through PAPI: this machine's own libpapi (on this
 * VM: present, and unavailable with PAPI's reason), then a stub libpapi
 * (tests/stubs/papi_stub.c, EB_PAPI_LIB) with known counts: per
 * inference, IPC, DRAM bytes derived from LLC misses x the line size of a
 * fake sysfs cache hierarchy, an event the CPU lacks, a disabled
 * component, and no libpapi at all (perf_event_open is then the source).
 * Bytes by memory level (bench/mem_levels.c) on zoo:fmnist-mlp with fake
 * hierarchies that hold it in L2 or overflow the LLC, and the op_counts
 * energy that charges each level its own figure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <libgen.h>

#include "bench/metrics_clock.h"
#include "bench/energy.h"
#include "bench/mem_levels.h"
#include "bench/metrics_counters.h"
#include "models/cost.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "reports/counters_json.h"
#include "tests/test_util.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- preemption ---- */

static void note_window__counts_growth_only__and_lists_the_first_64(void **state)
{
    eb_counters c;
    memset(&c, 0, sizeof c);
    eb_counters_note_window(&c, 0, 1, 5, 5);  /* no switch */
    eb_counters_note_window(&c, 1, 1, 5, 6);  /* preempted */
    eb_counters_note_window(&c, 2, 1, -1, 9); /* unknown: not counted */
    eb_counters_note_window(&c, 3, 1, 9, 8);  /* a counter that went back: not counted */
    assert_int_equal(c.windows, 4);
    assert_int_equal(c.preempted_samples, 1);
    assert_int_equal(c.n_preempted_listed, 1);
    assert_int_equal(c.preempted[0], 1);
    for (int i = 10; i < 110; i++)
        eb_counters_note_window(&c, i, 1, i, i + 2);
    assert_int_equal(c.preempted_samples, 101);
    assert_int_equal(c.n_preempted_listed, EB_PREEMPT_MAX_LISTED);
    assert_int_equal(c.preempted[EB_PREEMPT_MAX_LISTED - 1], 10 + EB_PREEMPT_MAX_LISTED - 2);
    /* a window of 8 preempted: its 8 samples, listed by its first */
    memset(&c, 0, sizeof c);
    eb_counters_note_window(&c, 16, 8, 1, 2);
    assert_true(c.preempted_windows == 1 && c.preempted_samples == 8 && c.preempted[0] == 16);
}

static void window__one_sample_until_the_probe_costs_over_1_percent(void **state)
{
    assert_int_equal(eb_counters_window(1000, 0), 1);          /* run time unknown */
    assert_int_equal(eb_counters_window(1000, 100000), 1);     /* exactly 1% */
    assert_int_equal(eb_counters_window(1000, 99999), 2);
    assert_int_equal(eb_counters_window(1300, 10000), 13);     /* a 10 us model, a 1.3 us probe */
    assert_int_equal(eb_counters_window(1000, 1), 1024);       /* capped */
}

static atomic_int g_stop;
static int g_cpu;

static bool pin(pthread_t t, int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(t, sizeof set, &set) == 0;
}

static void *busy(void *arg)
{
    (void)arg;
    pin(pthread_self(), g_cpu);
    volatile unsigned long x = 0;
    while (!atomic_load(&g_stop))
        x++;
    return NULL;
}

static void spin_for(double s)
{
    double end = now_s() + s;
    volatile unsigned long x = 0;
    while (now_s() < end)
        x++;
}

static void probe__a_busy_thread_on_the_same_cpu__preempts_a_sample(void **state)
{
    cpu_set_t old;
    if (sched_getaffinity(0, sizeof old, &old) != 0)
        skip();
    g_cpu = sched_getcpu();
    if (g_cpu < 0 || !pin(pthread_self(), g_cpu)) {
        print_message("cannot pin this thread to a CPU: %s\n", strerror(errno));
        skip();
    }
    pthread_t t;
    atomic_store(&g_stop, 0);
    assert_int_equal(pthread_create(&t, NULL, busy, NULL), 0);
    eb_counter_set cs;
    eb_counters c;
    memset(&c, 0, sizeof c);
    eb_counters_init(&cs);
    eb_counters_open(&cs, &c);
    eb_counters_start(&cs, &c);
    assert_true(c.preempt_known);
    assert_true(c.probe_ns > 0);
    spin_for(0.01); /* the competitor is running by now */
    for (int i = 0; i < 8; i++) {
        long a = eb_counters_probe();
        spin_for(0.03);
        long b = eb_counters_probe();
        eb_counters_note_window(&c, i, 1, a, b);
    }
    eb_counters_stop(&cs, 8, &c);
    eb_counters_close(&cs);
    atomic_store(&g_stop, 1);
    pthread_join(t, NULL);
    sched_setaffinity(0, sizeof old, &old);
    assert_true(c.preempted_samples >= 1);
    assert_true(c.sw_available);
    assert_true(c.ctx_involuntary >= (uint64_t)c.preempted_samples);
}

/* ---- software events and hardware counters ---- */

static void stop__fresh_pages__count_minor_faults__and_sources_are_named(void **state)
{
    enum { PAGES = 64 };
    long page = sysconf(_SC_PAGESIZE);
    eb_counter_set cs;
    eb_counters c;
    memset(&c, 0, sizeof c);
    eb_counters_init(&cs);
    eb_counters_open(&cs, &c);
    unsigned char *p = mmap(NULL, (size_t)page * PAGES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(p != MAP_FAILED);
    eb_counters_start(&cs, &c);
    for (int i = 0; i < PAGES; i++)
        p[(size_t)i * (size_t)page] = 1;
    eb_counters_stop(&cs, 1, &c);
    eb_counters_close(&cs);
    munmap(p, (size_t)page * PAGES);
    assert_true(c.sw_available);
    assert_int_equal(c.runs, 1);
    assert_true(c.faults_minor >= PAGES);
    if (strcmp(c.sw_source, "perf_event_open") == 0) {
        assert_true(c.perf_sw);
        assert_true(c.page_faults >= PAGES);
        assert_true(c.task_clock_ms > 0);
    } else {
        assert_string_equal(c.sw_source, "getrusage");
        assert_true(strncmp(c.sw_reason, "perf_event_open(", 16) == 0);
    }
    if (c.hw_available) {
        assert_true(c.hw_known[EB_HW_CYCLES] || c.hw_known[EB_HW_INSTRUCTIONS] || c.hw_reason[0]);
    } else if (strncmp(c.hw_source, "PAPI ", 5) == 0) {
        /* this VM: "PAPI_library_init ok, but its CPU component perf_event is disabled: ..." */
        assert_true(strncmp(c.hw_reason, "PAPI", 4) == 0);
        print_message("hardware counters unavailable here: %s\n", c.hw_reason);
    } else {
        /* no PAPI: "perf_event_open(cycles): No such file or directory: ..." */
        assert_string_equal(c.hw_source, "perf_event_open");
        assert_true(c.hw_papi[0]);
        assert_true(strncmp(c.hw_reason, "perf_event_open(", 16) == 0);
        print_message("hardware counters unavailable here: %s (PAPI: %s)\n", c.hw_reason, c.hw_papi);
    }
}

/* ---- a fake sysfs tree ---- */

static char g_root[512];

static void put(const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", g_root, rel);
    for (char *s = path + strlen(g_root) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        mkdir(path, 0777);
        *s = '/';
    }
    assert_true(eb_test_write_file(path, text, strlen(text)));
}

/* every CPU's cpufreq at khz: the timing thread may be on any */
static void set_freq(const char *khz)
{
    long n = sysconf(_SC_NPROCESSORS_CONF);
    for (long c = 0; c < n && c < 256; c++) {
        char rel[128];
        snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%ld/cpufreq/scaling_cur_freq", c);
        put(rel, khz);
        snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%ld/cpufreq/scaling_governor", c);
        put(rel, "schedutil\n");
    }
}

static int fake_root(void **state)
{
    snprintf(g_root, sizeof g_root, "%s", eb_test_tmpdir());
    setenv("EB_SYSFS_ROOT", g_root, 1);
    return 0;
}

static int real_root(void **state)
{
    unsetenv("EB_SYSFS_ROOT");
    return 0;
}

static void clock__a_falling_frequency__is_throttled_with_zone_temperatures(void **state)
{
    set_freq("3000000\n");
    put("sys/class/thermal/thermal_zone0/type", "x86_pkg_temp\n");
    put("sys/class/thermal/thermal_zone0/temp", "45000\n");
    put("sys/class/thermal/thermal_zone10/type", "acpitz\n");
    put("sys/class/thermal/thermal_zone10/temp", "30500\n");
    put("sys/class/thermal/thermal_zone2/type", "iwlwifi\n");
    put("sys/class/thermal/thermal_zone2/temp", "garbage\n");
    eb_clock k;
    memset(&k, 0, sizeof k);
    eb_clock_probe p;
    eb_clock_begin(&p, 100.0, &k);
    assert_string_equal(k.governor, "schedutil");
    eb_clock_poll(&p, 100.001); /* before EB_CLOCK_POLL_S: no reading */
    set_freq("2900000\n");
    eb_clock_poll(&p, 100.02);
    set_freq("2500000\n"); /* 16.7% below the start */
    eb_clock_poll(&p, 100.04);
    put("sys/class/thermal/thermal_zone0/temp", "71000\n");
    set_freq("2950000\n"); /* back up by the end: only the minimum tells */
    eb_clock_end(&p, &k);
    assert_true(k.freq_available);
    assert_int_equal(k.polls, 4);
    assert_true(k.start_mhz == 3000 && k.min_mhz == 2500 && k.max_mhz == 3000 && k.end_mhz == 2950);
    assert_true(k.median_mhz == 2925);
    assert_true(k.throttled);
    /* zones in number order, an unreadable temperature unknown */
    assert_true(k.thermal_available);
    assert_int_equal(k.n_zones, 3);
    assert_string_equal(k.zones[0].name, "thermal_zone0");
    assert_string_equal(k.zones[1].name, "thermal_zone2");
    assert_string_equal(k.zones[2].name, "thermal_zone10");
    assert_true(k.zones[0].start_c == 45 && k.zones[0].end_c == 71);
    assert_true(isnan(k.zones[1].start_c));
    assert_true(k.zones[2].start_c == 30.5);
}

static void clock__a_drop_of_10_percent_or_less__is_not_throttled(void **state)
{
    double mhz[] = {3000, 2950, 2700, 3100};
    eb_clock k;
    memset(&k, 0, sizeof k);
    eb_clock_summarize(mhz, 4, &k);
    assert_false(k.throttled); /* 2700 is exactly 10% below */
    double low[] = {3000, 2699};
    eb_clock_summarize(low, 2, &k);
    assert_true(k.throttled);
}

static void clock__no_cpufreq_no_thermal__says_where_it_looked(void **state)
{
    eb_clock k;
    memset(&k, 0, sizeof k);
    eb_clock_probe p;
    eb_clock_begin(&p, 0, &k);
    eb_clock_poll(&p, 1);
    eb_clock_end(&p, &k);
    assert_false(k.freq_available);
    assert_non_null(strstr(k.freq_reason, g_root));
    assert_non_null(strstr(k.freq_reason, "scaling_cur_freq: No such file or directory"));
    assert_false(k.thermal_available);
    assert_non_null(strstr(k.thermal_reason, "sys/class/thermal"));
    char line[256];
    assert_false(eb_clock_freq_status(line, sizeof line));
    assert_false(eb_clock_thermal_status(line, sizeof line));
}

/* a fake cache hierarchy under the fake root: L1d, L1i, L2, L3 with 64-byte lines */
static void fake_caches(const char *l1d, const char *l2, const char *l3)
{
    const char *lv[] = {"1", "1", "2", "3"}, *ty[] = {"Data", "Instruction", "Unified", "Unified"};
    const char *sz[] = {l1d, "32K", l2, l3};
    for (int i = 0; i < 4; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        put(rel, lv[i]);
        snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        put(rel, ty[i]);
        snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        put(rel, sz[i]);
        snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu0/cache/index%d/coherency_line_size", i);
        put(rel, "64\n");
    }
}

/* ---- bytes by memory level on a zoo model, fake hierarchies ---- */

static void levels_of(const char *l1d, const char *l2, const char *l3, const eb_counters *ctr, eb_mem_levels *m,
                      eb_cost *cost)
{
    fake_root(NULL); /* a fresh root: the sizes are read once per root */
    fake_caches(l1d, l2, l3);
    eb_graph *g = NULL;
    eb_err err = {{0}};
    char sha[65];
    eb_shape_opts shape = {.batch = 1};
    assert_int_equal(eb_model_load("zoo:fmnist-mlp", &g, sha, &err), EB_OK);
    assert_int_equal(eb_graph_infer_shapes(g, &shape, eb_ref_eval, &err), EB_OK);
    eb_graph_cost(g, cost, NULL);
    eb_mem_levels_fill(g, ctr, m);
    eb_graph_free(g);
}

static void levels__fmnist_mlp_in_l2__and_overflowing_the_llc(void **state)
{
    eb_mem_levels fits, spills;
    eb_cost cost;
    /* its footprint (weights ~919 KiB + activations) fits a 1 MiB L2 */
    levels_of("48K\n", "1024K\n", "32768K\n", NULL, &fits, &cost);
    assert_string_equal(fits.capacity_source, "sysfs");
    assert_true(fits.capacity[EB_LEVEL_L2] == 1024 * 1024);
    assert_true(fits.footprint <= 1024 * 1024);
    assert_true(fits.bytes[EB_LEVEL_DRAM] == 0 && fits.bytes[EB_LEVEL_LLC] == 0);
    assert_true(fits.bytes[EB_LEVEL_L2] >= (double)cost.weight_bytes);
    assert_true(fits.bytes[0] + fits.bytes[1] + fits.bytes[2] + fits.bytes[3] == (double)cost.bytes_moved);
    assert_string_equal(fits.dram_source, "model");
    /* a 512 KiB LLC: the weights (read once per inference) come from DRAM */
    levels_of("32K\n", "256K\n", "512K\n", NULL, &spills, &cost);
    assert_true(spills.capacity[EB_LEVEL_LLC] == 512 * 1024);
    assert_true(spills.bytes[EB_LEVEL_DRAM] >= (double)cost.weight_bytes);
    assert_true(spills.bytes[EB_LEVEL_L2] + spills.bytes[EB_LEVEL_LLC] < fits.bytes[EB_LEVEL_L2]);
    assert_true(spills.bytes[0] + spills.bytes[1] + spills.bytes[2] + spills.bytes[3] == (double)cost.bytes_moved);

    /* op_counts charges each level its own figure: DRAM costs more */
    eb_energy_usage u = {.cpu_s = 1, .wall_s = 1, .inferences = 1, .cost = cost, .quant = "none", .device_kind = "cpu"};
    eb_energy_est a, b;
    u.mem = fits;
    eb_energy_est_opcount(&u, &a);
    u.mem = spills;
    eb_energy_est_opcount(&u, &b);
    assert_true(b.j > a.j);
    double expect = 0; /* fits: L1 at the 32 KB figure (48 KB is nearest it), L2 at 1 MB's */
    expect += fits.bytes[EB_LEVEL_L1] * 20.0 / 8 + fits.bytes[EB_LEVEL_L2] * 100.0 / 8;
    const eb_energy_input *in = NULL;
    for (int i = 0; i < a.n_inputs; i++)
        if (strcmp(a.inputs[i].name, "bytes_j") == 0)
            in = &a.inputs[i];
    assert_non_null(in);
    assert_true(fabs(in->num - expect * 1e-12) < 1e-18);
    for (int i = 0; i < b.n_inputs; i++)
        if (strcmp(b.inputs[i].name, "bytes_source") == 0)
            assert_string_equal(b.inputs[i].text, "cost model, caches sysfs");
    const char *fig;
    assert_true(eb_opcount_sram_pj(8192, &fig) == 10 && eb_opcount_sram_pj(48 * 1024, &fig) == 20);
    assert_true(eb_opcount_sram_pj(1 << 20, &fig) == 100 && eb_opcount_sram_pj(32u << 20, &fig) == 100);
    assert_non_null(strstr(fig, "low bound"));

    /* DRAM from the counters where they counted: LLC misses x line / runs */
    eb_counters ctr;
    memset(&ctr, 0, sizeof ctr);
    ctr.hw_available = ctr.hw_known[EB_HW_CACHE_MISSES] = true;
    ctr.hw[EB_HW_CACHE_MISSES] = 1000;
    ctr.line_bytes = 64;
    ctr.runs = 10;
    eb_mem_levels m;
    levels_of("32K\n", "256K\n", "512K\n", &ctr, &m, &cost);
    assert_string_equal(m.dram_source, "counters");
    assert_true(m.bytes[EB_LEVEL_DRAM] == 6400);
    assert_true(m.model_dram == spills.bytes[EB_LEVEL_DRAM]);
}
/* ---- hardware counters through PAPI ---- */

#ifdef EB_HAVE_PAPI
#include <papi.h>

static void (*stub_reset)(void);
static void (*stub_set)(int code, long long v, long long step);
static void (*stub_drop)(int code);
static void (*stub_disable)(const char *reason);
static int (*stub_inherit)(void);

/* EB_PAPI_LIB -> the stub beside this test binary, and its controls */
static void use_stub(void)
{
    char exe[1024], path[1100];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    snprintf(path, sizeof path, "%s/libpapi_stub.so", dirname(exe));
    setenv("EB_PAPI_LIB", path, 1);
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (!h) { /* not loaded by edgebench yet: this handle keeps it, so that the state is shared */
        h = dlopen(path, RTLD_NOW);
    }
    assert_non_null(h);
    *(void **)&stub_reset = dlsym(h, "eb_stub_papi_reset");
    *(void **)&stub_set = dlsym(h, "eb_stub_papi_set");
    *(void **)&stub_drop = dlsym(h, "eb_stub_papi_drop");
    *(void **)&stub_disable = dlsym(h, "eb_stub_papi_disable");
    *(void **)&stub_inherit = dlsym(h, "eb_stub_papi_inherit");
    assert_true(stub_reset && stub_set && stub_drop && stub_disable && stub_inherit);
    stub_reset();
}

static int stub_root(void **state)
{
    fake_root(state);
    fake_caches("48K\n", "1024K\n", "32768K\n");
    use_stub();
    return 0;
}

static int stub_done(void **state)
{
    unsetenv("EB_PAPI_LIB");
    return real_root(state);
}

static const cJSON *path_get(const cJSON *o, const char *a, const char *b)
{
    return cJSON_GetObjectItem(cJSON_GetObjectItem(o, a), b);
}

static void papi__stub__known_counts_per_inference__ipc_and_dram_bytes(void **state)
{
    /* counts at the start, then 10 inferences' worth at the stop */
    static const struct { int code; long long start, per; int eb; } ev[] = {
        {PAPI_TOT_CYC, 5000, 200000, EB_HW_CYCLES},       {PAPI_TOT_INS, 7000, 300000, EB_HW_INSTRUCTIONS},
        {PAPI_L3_TCA, 10, 400, EB_HW_CACHE_REFERENCES},   {PAPI_L3_TCM, 3, 150, EB_HW_CACHE_MISSES},
        {PAPI_BR_MSP, 1, 20, EB_HW_BRANCH_MISSES},        {PAPI_TLB_DM, 2, 7, EB_HW_DTLB_MISSES},
        {PAPI_L1_DCM, 9, 1000, EB_HW_L1D_MISSES},
    };
    enum { RUNS = 10, N = sizeof ev / sizeof ev[0] };
    for (int i = 0; i < N; i++)
        stub_set(ev[i].code, ev[i].start, 0);
    eb_result r;
    memset(&r, 0, sizeof r);
    r.status = EB_RESULT_OK;
    eb_counter_set cs;
    eb_counters *c = &r.counters;
    eb_counters_init(&cs);
    eb_counters_open(&cs, c);
    assert_string_equal(c->hw_source, "PAPI 7.0");
    assert_string_equal(c->hw_papi, "");  /* PAPI is the source */
    assert_string_equal(c->hw_reason, ""); /* every event added */
    assert_non_null(strstr(c->hw_events, "PAPI_TOT_CYC PAPI_TOT_INS PAPI_L3_TCA PAPI_L3_TCM"));
    assert_int_equal(stub_inherit(), PAPI_INHERIT_ALL); /* the runner's threads count too */
    assert_int_equal(c->line_bytes, 64);                /* the fake L3's line */
    eb_counters_start(&cs, c);
    for (int i = 0; i < N; i++)
        stub_set(ev[i].code, ev[i].start + RUNS * ev[i].per, 0);
    eb_counters_stop(&cs, RUNS, c);
    eb_counters_close(&cs);
    assert_true(c->hw_available);
    for (int i = 0; i < N; i++) {
        assert_true(c->hw_known[ev[i].eb]);
        assert_true(c->hw[ev[i].eb] == (uint64_t)(RUNS * ev[i].per));
    }
    cJSON *o = cJSON_CreateObject();
    eb_counters_json_add(o, &r);
    const cJSON *hw = path_get(o, "counters", "hardware");
    assert_string_equal(cJSON_GetObjectItem(hw, "source")->valuestring, "PAPI 7.0");
    const cJSON *per = cJSON_GetObjectItem(hw, "per_inference");
    for (int i = 0; i < N; i++)
        assert_true(cJSON_GetObjectItem(per, eb_hw_counter_name(ev[i].eb))->valuedouble == (double)ev[i].per);
    assert_true(cJSON_GetObjectItem(hw, "ipc")->valuedouble == 1.5);
    const cJSON *dram = cJSON_GetObjectItem(hw, "dram_bytes");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(dram, "derived")));
    assert_true(cJSON_GetObjectItem(dram, "per_inference")->valuedouble == 150.0 * 64);
    assert_true(cJSON_GetObjectItem(dram, "total")->valuedouble == RUNS * 150.0 * 64);
    eb_result back;
    memset(&back, 0, sizeof back);
    eb_counters_json_load(o, &back);
    assert_string_equal(back.counters.hw_source, "PAPI 7.0");
    assert_int_equal(back.counters.line_bytes, 64);
    assert_true(back.counters.hw_known[EB_HW_L1D_MISSES] && back.counters.hw[EB_HW_L1D_MISSES] == RUNS * 1000);
    cJSON_Delete(o);
}

static void papi__stub__an_event_the_cpu_lacks__only_its_figure_unknown(void **state)
{
    stub_drop(PAPI_L1_DCM);
    stub_drop(PAPI_L3_TCM); /* no L3 event: the L2's, named as such */
    stub_set(PAPI_L2_TCM, 0, 8);
    eb_counter_set cs;
    eb_counters c;
    memset(&c, 0, sizeof c);
    eb_counters_init(&cs);
    eb_counters_open(&cs, &c);
    assert_non_null(strstr(c.hw_reason, "PAPI_add_event(PAPI_L1_DCM): Event does not exist (PAPI_ENOEVNT"));
    assert_non_null(strstr(c.hw_events, "PAPI_L2_TCM"));
    assert_null(strstr(c.hw_events, "PAPI_L1_DCM"));
    eb_counters_start(&cs, &c);
    eb_counters_stop(&cs, 1, &c);
    eb_counters_close(&cs);
    assert_true(c.hw_available && c.hw_known[EB_HW_CYCLES] && !c.hw_known[EB_HW_L1D_MISSES]);
    assert_true(c.hw_known[EB_HW_CACHE_MISSES] && c.hw[EB_HW_CACHE_MISSES] == 8);
}

static void papi__stub__disabled_component__unavailable_with_papis_reason(void **state)
{
    stub_disable("Error libpfm4 no default PMU found");
    eb_counter_set cs;
    eb_counters c;
    memset(&c, 0, sizeof c);
    eb_counters_init(&cs);
    eb_counters_open(&cs, &c);
    eb_counters_start(&cs, &c);
    eb_counters_stop(&cs, 1, &c);
    eb_counters_close(&cs);
    assert_false(c.hw_available);
    assert_string_equal(c.hw_source, "PAPI 7.0"); /* PAPI is there: not perf */
    assert_non_null(strstr(c.hw_reason, "perf_event is disabled: Error libpfm4 no default PMU found; 0 hardware counters"));
    assert_non_null(strstr(c.hw_reason, "PAPI_ECMP_DISABLED"));
    char src[24], papi[256], why[256];
    assert_false(eb_counters_hw_status(src, sizeof src, papi, sizeof papi, why, sizeof why));
    assert_string_equal(src, "PAPI 7.0");
    assert_string_equal(papi, "");
    assert_non_null(strstr(why, "no default PMU found"));
}

static void papi__no_library__perf_is_the_source__papis_reason_kept(void **state)
{
    setenv("EB_PAPI_LIB", "/nonexistent/libpapi.so.7.0", 1);
    eb_counter_set cs;
    eb_counters c;
    memset(&c, 0, sizeof c);
    eb_counters_init(&cs);
    eb_counters_open(&cs, &c);
    eb_counters_close(&cs);
    assert_string_equal(c.hw_source, "perf_event_open");
    assert_non_null(strstr(c.hw_papi, "/nonexistent/libpapi.so.7.0 cannot be loaded"));
    char src[24], papi[256], why[256];
    eb_counters_hw_status(src, sizeof src, papi, sizeof papi, why, sizeof why);
    assert_string_equal(src, "perf_event_open");
    assert_non_null(strstr(papi, "cannot be loaded"));
}

/* this machine's own libpapi: counts where there is a PMU, else PAPI's reason */
static void papi__this_machine__counts_or_says_why(void **state)
{
    unsetenv("EB_PAPI_LIB");
    eb_counter_set cs;
    eb_counters c;
    memset(&c, 0, sizeof c);
    eb_counters_init(&cs);
    eb_counters_open(&cs, &c);
    eb_counters_start(&cs, &c);
    spin_for(0.005);
    eb_counters_stop(&cs, 1, &c);
    eb_counters_close(&cs);
    if (strncmp(c.hw_source, "PAPI ", 5) != 0) { /* libpapi-dev without the runtime library */
        print_message("PAPI absent here: %s\n", c.hw_papi);
        skip();
    }
    if (c.hw_available) {
        assert_true(c.hw_known[EB_HW_CYCLES] || c.hw_known[EB_HW_INSTRUCTIONS] || c.hw_reason[0]);
    } else { /* this VM: the perf_event component disabled, no counter */
        assert_true(strncmp(c.hw_reason, "PAPI", 4) == 0);
        print_message("PAPI here: %s\n", c.hw_reason);
    }
}

#else
static void papi__not_built_in(void **state)
{
    print_message("PAPI is not built in (no papi.h at build time): its tests are skipped\n");
    skip();
}
#endif

/* ---- the JSON, written and read back ---- */

static void json__counters_clock_roofline__round_trip(void **state)
{
    eb_result r;
    memset(&r, 0, sizeof r);
    r.status = EB_RESULT_OK;
    eb_counters *c = &r.counters;
    c->sw_available = true;
    snprintf(c->sw_source, sizeof c->sw_source, "getrusage");
    c->runs = 4;
    c->ctx_involuntary = 6;
    c->faults_minor = 8;
    c->preempt_known = true;
    eb_counters_note_window(c, 2, 1, 0, 1);
    c->hw_available = true;
    c->hw_known[EB_HW_CYCLES] = c->hw_known[EB_HW_INSTRUCTIONS] = true;
    c->hw[EB_HW_CYCLES] = 1000;
    c->hw[EB_HW_INSTRUCTIONS] = 2500;
    double mhz[] = {3000, 2000};
    eb_clock_summarize(mhz, 2, &r.clock);
    r.roofline = (eb_roofline){.available = true, .dtype = "fp32", .threads = 1, .peak_gops = 100,
                               .peak_gbytes_per_s = 10, .intensity = 2, .roof_gops = 20, .share = 0.5,
                               .memory_bound = true};
    r.gflops_per_s = 10;
    cJSON *o = cJSON_CreateObject();
    eb_counters_json_add(o, &r);
    const cJSON *sw = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "counters"), "software");
    const cJSON *per = cJSON_GetObjectItem(sw, "per_inference");
    assert_true(cJSON_GetObjectItem(per, "involuntary_context_switches")->valuedouble == 1.5);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(per, "task_clock_ms"))); /* perf absent: null, not 0 */
    const cJSON *hw = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "counters"), "hardware");
    assert_true(cJSON_GetObjectItem(hw, "ipc")->valuedouble == 2.5);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(hw, "totals"), "cache_misses")));
    assert_true(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "roofline"), "ridge_intensity")->valuedouble == 10);

    eb_result back;
    memset(&back, 0, sizeof back);
    eb_counters_json_load(o, &back);
    assert_true(back.counters.sw_available && back.counters.runs == 4 && back.counters.ctx_involuntary == 6);
    assert_int_equal(back.counters.preempted_samples, 1);
    assert_int_equal(back.counters.preempted[0], 2);
    assert_true(back.counters.hw_known[EB_HW_INSTRUCTIONS] && !back.counters.hw_known[EB_HW_CACHE_MISSES]);
    assert_true(back.clock.freq_available && back.clock.throttled && back.clock.min_mhz == 2000);
    assert_true(back.roofline.available && back.roofline.memory_bound && back.roofline.share == 0.5);
    cJSON_Delete(o);

    /* a result that did not run: each unavailable, saying so */
    r.status = EB_RESULT_FAILED;
    o = cJSON_CreateObject();
    eb_counters_json_add(o, &r);
    const char *keys[] = {"counters", "frequency", "thermal", "roofline"};
    for (int i = 0; i < 4; i++) {
        const cJSON *k = cJSON_GetObjectItem(o, keys[i]);
        assert_true(cJSON_IsFalse(cJSON_GetObjectItem(k, "available")));
        assert_non_null(strstr(cJSON_GetObjectItem(k, "reason")->valuestring, "did not complete"));
    }
    cJSON_Delete(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(note_window__counts_growth_only__and_lists_the_first_64),
        cmocka_unit_test(window__one_sample_until_the_probe_costs_over_1_percent),
        cmocka_unit_test(probe__a_busy_thread_on_the_same_cpu__preempts_a_sample),
        cmocka_unit_test(stop__fresh_pages__count_minor_faults__and_sources_are_named),
        cmocka_unit_test_setup_teardown(clock__a_falling_frequency__is_throttled_with_zone_temperatures, fake_root,
                                        real_root),
        cmocka_unit_test(clock__a_drop_of_10_percent_or_less__is_not_throttled),
        cmocka_unit_test_setup_teardown(clock__no_cpufreq_no_thermal__says_where_it_looked, fake_root, real_root),
        cmocka_unit_test(json__counters_clock_roofline__round_trip),
        cmocka_unit_test_setup_teardown(levels__fmnist_mlp_in_l2__and_overflowing_the_llc, fake_root, real_root),
#ifdef EB_HAVE_PAPI
        cmocka_unit_test_setup_teardown(papi__stub__known_counts_per_inference__ipc_and_dram_bytes, stub_root, stub_done),
        cmocka_unit_test_setup_teardown(papi__stub__an_event_the_cpu_lacks__only_its_figure_unknown, stub_root, stub_done),
        cmocka_unit_test_setup_teardown(papi__stub__disabled_component__unavailable_with_papis_reason, stub_root, stub_done),
        cmocka_unit_test_setup_teardown(papi__no_library__perf_is_the_source__papis_reason_kept, stub_root, stub_done),
        cmocka_unit_test(papi__this_machine__counts_or_says_why),
#else
        cmocka_unit_test(papi__not_built_in),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
