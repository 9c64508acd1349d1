/* metrics_counters.c - software events, preempted samples and hardware
 * counters over the timed loop (see metrics_counters.h for the order of
 * use and the sources).
 *
 * perf_event_open is tried with the kernel side counted (context switches
 * and page faults happen there; with exclude_kernel they read 0), then,
 * where the kernel refuses (perf_event_paranoid for a non-root user),
 * hardware counters user-only.  A hardware counter that cannot open
 * leaves its figure unknown with the errno reason; ENOENT / EOPNOTSUPP on
 * the cycles counter mean there is no PMU (a VM that exposes none).
 * That is the fallback: PAPI (counters_papi.c) counts the hardware events
 * wherever it is built in and loads. */
#include "bench/metrics_counters.h"

#include "bench/counters_papi.h"
#include "bench/mem_levels.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *const SW_NAMES[EB_SW_COUNT] = {"task-clock", "context-switches", "cpu-migrations", "page-faults"};
static const uint64_t SW_CONFIG[EB_SW_COUNT] = {PERF_COUNT_SW_TASK_CLOCK, PERF_COUNT_SW_CONTEXT_SWITCHES,
                                                PERF_COUNT_SW_CPU_MIGRATIONS, PERF_COUNT_SW_PAGE_FAULTS};
/* perf's own event names, for the reasons */
static const char *const HW_PERF_NAMES[EB_HW_COUNT] = {"cycles", "instructions", "cache-references",
                                                       "cache-misses", "branch-misses", "dTLB-load-misses",
                                                       "L1-dcache-load-misses"};

static int perf_open(uint32_t type, uint64_t config, bool exclude_kernel, bool scaled)
{
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = type;
    a.config = config;
    a.inherit = 1; /* threads created after opening (the runner's workers) count too */
    a.exclude_kernel = exclude_kernel;
    a.exclude_hv = 1;
    if (scaled)
        a.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
}

static void hw_event(int i, uint32_t *type, uint64_t *config)
{
    static const uint64_t hw[] = {PERF_COUNT_HW_CPU_CYCLES, PERF_COUNT_HW_INSTRUCTIONS,
                                  PERF_COUNT_HW_CACHE_REFERENCES, PERF_COUNT_HW_CACHE_MISSES,
                                  PERF_COUNT_HW_BRANCH_MISSES};
    if (i == EB_HW_DTLB_MISSES || i == EB_HW_L1D_MISSES) {
        *type = PERF_TYPE_HW_CACHE;
        *config = (i == EB_HW_DTLB_MISSES ? PERF_COUNT_HW_CACHE_DTLB : PERF_COUNT_HW_CACHE_L1D) |
                  (PERF_COUNT_HW_CACHE_OP_READ << 8) | (PERF_COUNT_HW_CACHE_RESULT_MISS << 16);
    } else {
        *type = PERF_TYPE_HARDWARE;
        *config = hw[i];
    }
}

static int paranoid_level(void)
{
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "r");
    int v = -99;
    if (f) {
        if (fscanf(f, "%d", &v) != 1)
            v = -99;
        fclose(f);
    }
    return v;
}

/* "perf_event_open(cycles): No such file or directory: ..." with a hint for the usual errnos */
static void open_reason(char *why, size_t n, const char *event, int e)
{
    const char *hint = "";
    char buf[96] = "";
    if (e == ENOENT || e == EOPNOTSUPP || e == ENODEV)
        hint = ": the machine exposes no PMU for it (a VM without a virtual PMU, or an event this CPU lacks)";
    else if (e == EACCES || e == EPERM) {
        snprintf(buf, sizeof buf, ": not allowed (kernel.perf_event_paranoid = %d; root or a lower value opens it)",
                 paranoid_level());
        hint = buf;
    } else if (e == ENOSYS)
        hint = ": the kernel has no perf events";
    snprintf(why, n, "perf_event_open(%s): %s%s", event, strerror(e), hint);
}

static bool read_u64(int fd, uint64_t *v)
{
    return fd >= 0 && read(fd, v, sizeof *v) == (ssize_t)sizeof *v;
}

/* value, time enabled, time running */
static bool read_scaled(int fd, uint64_t v[3])
{
    return fd >= 0 && read(fd, v, 3 * sizeof *v) == (ssize_t)(3 * sizeof *v);
}

static void close_all(int *fd, int n)
{
    for (int i = 0; i < n; i++) {
        if (fd[i] >= 0)
            close(fd[i]);
        fd[i] = -1;
    }
}

/* the software events: all or none (the figures are read together) */
static bool open_sw(int *fd, char *why, size_t n)
{
    for (int i = 0; i < EB_SW_COUNT; i++) {
        if ((fd[i] = perf_open(PERF_TYPE_SOFTWARE, SW_CONFIG[i], false, false)) < 0) {
            int e = errno;
            close_all(fd, i);
            open_reason(why, n, SW_NAMES[i], e);
            return false;
        }
    }
    return true;
}

/* hardware counters: each that opens; why names the first that did not;
 * events (en bytes, may be 0) gets perf's names of those that opened */
static int open_hw(int *fd, char *why, size_t n, char *events, size_t en)
{
    int opened = 0;
    size_t k = 0;
    why[0] = '\0';
    if (en)
        events[0] = '\0';
    for (int i = 0; i < EB_HW_COUNT; i++) {
        uint32_t type;
        uint64_t config;
        hw_event(i, &type, &config);
        fd[i] = perf_open(type, config, false, true);
        if (fd[i] < 0 && (errno == EACCES || errno == EPERM))
            fd[i] = perf_open(type, config, true, true); /* user space only */
        if (fd[i] < 0) {
            int e = errno;
            if (!why[0])
                open_reason(why, n, HW_PERF_NAMES[i], e);
            if (i == EB_HW_CYCLES && (e == ENOENT || e == EOPNOTSUPP || e == ENODEV || e == ENOSYS))
                return 0; /* no PMU: the rest would say the same */
            continue;
        }
        opened++;
        if (k < en)
            k += (size_t)snprintf(events + k, en - k, "%s%s", k ? " " : "", HW_PERF_NAMES[i]);
    }
    return opened;
}

void eb_counters_init(eb_counter_set *cs)
{
    memset(cs, 0, sizeof *cs);
    for (int i = 0; i < EB_SW_COUNT; i++)
        cs->sw_fd[i] = -1;
    for (int i = 0; i < EB_HW_COUNT; i++)
        cs->hw_fd[i] = -1;
}

void eb_counters_open(eb_counter_set *cs, eb_counters *out)
{
    eb_counters_close(cs);
    eb_counters_init(cs);
    char why[256];
    if (open_sw(cs->sw_fd, why, sizeof why)) {
        snprintf(out->sw_source, sizeof out->sw_source, "perf_event_open");
    } else {
        snprintf(out->sw_source, sizeof out->sw_source, "getrusage");
        snprintf(out->sw_reason, sizeof out->sw_reason, "%.199s", why);
    }
    out->line_bytes = eb_cache_sizes_get()->line_bytes; /* DRAM bytes = LLC misses x line (derived) */
    int n = eb_papi_open(&cs->papi, out->hw_source, sizeof out->hw_source, out->hw_events, sizeof out->hw_events,
                         out->hw_reason, sizeof out->hw_reason);
    if (n >= 0) /* PAPI is the source, whatever it counts */
        return;
    snprintf(out->hw_papi, sizeof out->hw_papi, "%s", out->hw_reason);
    out->hw_reason[0] = '\0';
    snprintf(out->hw_source, sizeof out->hw_source, "perf_event_open");
    n = open_hw(cs->hw_fd, out->hw_reason, sizeof out->hw_reason, out->hw_events, sizeof out->hw_events);
    if (n == 0 && !out->hw_reason[0])
        snprintf(out->hw_reason, sizeof out->hw_reason, "no hardware counter opened");
}

long eb_counters_probe(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_nivcsw : -1;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

void eb_counters_start(eb_counter_set *cs, eb_counters *out)
{
    /* one probe's cost: it runs twice per sample, outside the timed region;
     * the median of single calls, so that a preemption among them does not count */
    enum { PROBES = 31 };
    double ns[PROBES];
    long sink = 0;
    for (int i = 0; i < PROBES; i++) {
        double t0 = now_ns();
        sink += eb_counters_probe();
        ns[i] = now_ns() - t0;
    }
    for (int i = 1; i < PROBES; i++) /* insertion sort: 31 values */
        for (int k = i; k > 0 && ns[k - 1] > ns[k]; k--) {
            double t = ns[k];
            ns[k] = ns[k - 1];
            ns[k - 1] = t;
        }
    out->probe_ns = ns[PROBES / 2];
    out->preempt_known = sink >= 0;
    if (!out->preempt_known)
        snprintf(out->preempt_reason, sizeof out->preempt_reason, "getrusage(RUSAGE_SELF) failed: %s", strerror(errno));
    struct rusage ru;
    if ((cs->ru_ok = getrusage(RUSAGE_SELF, &ru) == 0)) {
        cs->ru_nvcsw0 = ru.ru_nvcsw;
        cs->ru_nivcsw0 = ru.ru_nivcsw;
        cs->ru_minflt0 = ru.ru_minflt;
        cs->ru_majflt0 = ru.ru_majflt;
    }
    for (int i = 0; i < EB_HW_COUNT; i++) {
        uint64_t v[3];
        if (read_scaled(cs->hw_fd[i], v)) {
            cs->hw0[i] = v[0];
            cs->hw_enabled0[i] = v[1];
            cs->hw_running0[i] = v[2];
        }
    }
    bool known[EB_HW_COUNT];
    if (cs->papi)
        eb_papi_read(cs->papi, cs->papi0, known);
    for (int i = 0; i < EB_SW_COUNT; i++)
        read_u64(cs->sw_fd[i], &cs->sw0[i]);
    cs->started = true;
}

int eb_counters_window(double probe_ns, double run_ns)
{
    if (!(run_ns > 0) || !(probe_ns > 0) || run_ns >= 100 * probe_ns)
        return 1;
    double w = ceil(100 * probe_ns / run_ns);
    return w > 1024 ? 1024 : (int)w;
}

void eb_counters_note_window(eb_counters *out, int64_t first, int64_t n, long before, long after)
{
    out->windows++;
    if (before < 0 || after < 0 || after <= before)
        return;
    if (out->n_preempted_listed < EB_PREEMPT_MAX_LISTED)
        out->preempted[out->n_preempted_listed++] = (int32_t)first;
    out->preempted_windows++;
    out->preempted_samples += n;
}

void eb_counters_stop(eb_counter_set *cs, int64_t runs, eb_counters *out)
{
    uint64_t sw[EB_SW_COUNT];
    bool sw_ok = true;
    for (int i = 0; i < EB_SW_COUNT; i++)
        sw_ok = read_u64(cs->sw_fd[i], &sw[i]) && sw_ok;
    for (int i = 0; i < EB_HW_COUNT; i++) {
        uint64_t v[3];
        if (!read_scaled(cs->hw_fd[i], v))
            continue;
        uint64_t d = v[0] - cs->hw0[i], en = v[1] - cs->hw_enabled0[i], run = v[2] - cs->hw_running0[i];
        if (run == 0) /* never scheduled on the PMU: no figure */
            continue;
        if (run < en) {
            d = (uint64_t)((double)d * (double)en / (double)run);
            out->hw_scaled = true;
        }
        out->hw[i] = d;
        out->hw_known[i] = true;
        out->hw_available = true;
    }
    uint64_t pv[EB_HW_COUNT];
    bool known[EB_HW_COUNT];
    if (cs->papi && cs->started && eb_papi_read(cs->papi, pv, known)) {
        for (int i = 0; i < EB_HW_COUNT; i++) {
            if (!known[i])
                continue;
            out->hw[i] = pv[i] - cs->papi0[i];
            out->hw_known[i] = true;
            out->hw_available = true;
        }
    }
    if (!out->hw_available && !out->hw_reason[0])
        snprintf(out->hw_reason, sizeof out->hw_reason, "the hardware counters opened but never counted");
    struct rusage ru;
    out->runs = runs;
    if (cs->started && cs->ru_ok && getrusage(RUSAGE_SELF, &ru) == 0) {
        out->sw_available = true;
        out->ctx_voluntary = (uint64_t)(ru.ru_nvcsw - cs->ru_nvcsw0);
        out->ctx_involuntary = (uint64_t)(ru.ru_nivcsw - cs->ru_nivcsw0);
        out->faults_minor = (uint64_t)(ru.ru_minflt - cs->ru_minflt0);
        out->faults_major = (uint64_t)(ru.ru_majflt - cs->ru_majflt0);
    } else if (!out->sw_reason[0]) {
        snprintf(out->sw_reason, sizeof out->sw_reason, "getrusage(RUSAGE_SELF) failed: %s", strerror(errno));
    }
    if (cs->started && sw_ok && cs->sw_fd[0] >= 0) {
        out->perf_sw = true;
        out->task_clock_ms = (double)(sw[EB_SW_TASK_CLOCK] - cs->sw0[EB_SW_TASK_CLOCK]) * 1e-6;
        out->context_switches = sw[EB_SW_CONTEXT_SWITCHES] - cs->sw0[EB_SW_CONTEXT_SWITCHES];
        out->cpu_migrations = sw[EB_SW_CPU_MIGRATIONS] - cs->sw0[EB_SW_CPU_MIGRATIONS];
        out->page_faults = sw[EB_SW_PAGE_FAULTS] - cs->sw0[EB_SW_PAGE_FAULTS];
    }
}

void eb_counters_close(eb_counter_set *cs)
{
    close_all(cs->sw_fd, EB_SW_COUNT);
    close_all(cs->hw_fd, EB_HW_COUNT);
    eb_papi_close(cs->papi);
    cs->papi = NULL;
}

bool eb_counters_sw_status(char *why, size_t n)
{
    int fd[EB_SW_COUNT];
    bool ok = open_sw(fd, why, n);
    if (ok)
        close_all(fd, EB_SW_COUNT);
    return ok;
}

bool eb_counters_hw_status(char *source, size_t sn, char *papi, size_t pn, char *why, size_t n)
{
    struct eb_papi *p = NULL;
    char events[192];
    papi[0] = '\0';
    int opened = eb_papi_open(&p, source, sn, events, sizeof events, why, n);
    eb_papi_close(p);
    if (opened >= 0)
        return opened > 0;
    snprintf(papi, pn, "%s", why);
    snprintf(source, sn, "perf_event_open");
    int fd[EB_HW_COUNT];
    for (int i = 0; i < EB_HW_COUNT; i++)
        fd[i] = -1;
    opened = open_hw(fd, why, n, NULL, 0);
    close_all(fd, EB_HW_COUNT);
    return opened > 0;
}
