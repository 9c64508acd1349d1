/* cmd_calibrate.c - `edgebench calibrate`: measures this machine's roofs
 * once and stores them (bench/calibration.h), so that every later result
 * is placed on its roofline.
 *
 * Per thread count (default 1 and the usable CPUs): the fp32 peak (FMA
 * throughput loop), the int8 peak (dot-product loop) and the memory
 * bandwidth (STREAM triad a = b + s*c over three arrays each the size of
 * the last-level cache and at least 64 MiB, within a sixth of the free
 * memory; STREAM's count of 24 bytes an element, so a write-allocate's
 * extra read is not counted).  A peak is the best of 8 x --rounds runs of
 * about 2 ms, each copy of the loop timed by its thread's CPU clock (a
 * peak is what the machine can do: a disturbed run is slower, never
 * faster); the triad, the best of --rounds passes by the wall clock (the
 * threads share the memory: only their time together counts).  The
 * threads are the cpu runner's pool (runners/cpu/threadpool.h).
 * Then the sanity check: the cpu runner's fp32 GEMM (512^3, B packed, one
 * thread, median of 5) in the same run, which must not beat the peak.
 * --energy measures instead the energy model's coefficients against the
 * first meter found (powercap, hwmon, battery; bench/energy_calib.h) and
 * adds them to the same file; without a meter it says why each source is
 * absent and exits 75.  EB_SIM_ENERGY_METER="W,a,b,c" stands a simulated
 * meter in for them (the tests). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/calibration.h"
#include "bench/cli.h"
#include "bench/device_info.h"
#include "bench/energy_calib.h"
#include "bench/peak_kernels.h"
#include "runners/cpu/gemm.h"
#include "runners/cpu/threadpool.h"

static const char USAGE[] =
    "usage: edgebench calibrate [--threads LIST] [--rounds N] [--show] [-o FILE]\n"
    "       edgebench calibrate --energy [--seconds S] [--rounds N] [-o FILE]\n"
    "\n"
    "Measures this machine's fp32 and int8 compute peaks and its memory bandwidth\n"
    "(STREAM triad) and stores them with the date; every later `edgebench run`\n"
    "then places each result on the roofline (the result's `roofline`), and\n"
    "`edgebench report` draws it.  The file: $EDGEBENCH_CACHE_DIR/calibration/\n"
    "<host>-<cpu>.json (else under $XDG_CACHE_HOME or ~/.cache/edgebench).\n"
    "  --threads LIST  thread counts, comma-separated (default: 1 and the usable CPUs)\n"
    "  --rounds N      runs per figure, the best counts (default 5)\n"
    "  --show          print the stored calibration, measure nothing\n"
    "  -o FILE         write there instead\n"
    "  --energy        on a machine with an energy meter (RAPL powercap, hwmon, battery):\n"
    "                  measure idle, fp32, int8 and triad windows, fit static W, J per\n"
    "                  fp32 FLOP, J per int8 op and J per byte, check them on held-out\n"
    "                  mixes (MAPE) and store them; runs without a meter then estimate\n"
    "                  energy by them (method calibrated)\n"
    "  --seconds S     --energy: each window at least S seconds (default 1)\n"
    "Exit status: 0 ok; 2 bad usage; 75 the file cannot be written or read, or\n"
    "--energy found no meter (each source's reason is printed) or failed.\n";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct loop_job {
    bool int8;
    eb_isa isa;
    long iters;
    double rate[64];     /* per task: operations / its thread's CPU seconds */
    double sink[64];
} loop_job;

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Each copy is timed by its own thread's CPU clock: time another process
 * held the core is not in it, so a shared machine does not lower the peak
 * (the loops use registers only: what one core does does not depend on
 * the others). */
static void loop_task(void *ctx, int task, int worker)
{
    loop_job *j = ctx;
    double t0 = thread_cpu_s();
    double ops = j->int8 ? eb_peak_int8_loop(j->isa, j->iters, &j->sink[task & 63])
                         : eb_peak_fp32_loop(j->isa, j->iters, &j->sink[task & 63]);
    double s = thread_cpu_s() - t0;
    j->rate[task & 63] = s > 0 ? ops / s : 0;
    (void)worker;
}

/* G(FL)OP/s of `threads` copies of the loop, one run: the sum of their rates */
static double loop_once(bool int8, eb_isa isa, long iters, eb_threadpool *tp, int threads)
{
    loop_job j = {.int8 = int8, .isa = isa, .iters = iters};
    eb_threadpool_run(tp, threads, loop_task, &j);
    double rate = 0;
    for (int i = 0; i < threads && i < 64; i++)
        rate += j.rate[i];
    if (j.sink[0] == 12345.0) /* keep the results alive */
        printf(" ");
    return rate * 1e-9;
}

/* the best of 8 x rounds runs of about 2 ms each: short runs, so that
 * most run without an interrupt or a frequency step */
static double loop_best(bool int8, eb_isa isa, eb_threadpool *tp, int threads, int rounds)
{
    long iters = 10000;
    double t0 = now_s();
    loop_once(int8, isa, iters, tp, 1);
    double s = now_s() - t0;
    iters = (long)fmax(1000, iters * 0.002 / fmax(s, 1e-7));
    double best = 0;
    for (int r = 0; r < 8 * rounds; r++)
        best = fmax(best, loop_once(int8, isa, iters, tp, threads));
    return best;
}

typedef struct triad_job {
    double *a, *b, *c;
    size_t n;
    int parts;
    bool init;
} triad_job;

static void triad_task(void *ctx, int task, int worker)
{
    triad_job *j = ctx;
    size_t lo = j->n * (size_t)task / (size_t)j->parts, hi = j->n * (size_t)(task + 1) / (size_t)j->parts;
    if (j->init) /* first touch by the thread that will use the pages */
        for (size_t i = lo; i < hi; i++)
            j->a[i] = 0, j->b[i] = 1.0, j->c[i] = 2.0;
    else
        eb_triad(j->a, j->b, j->c, 3.0, lo, hi);
    (void)worker;
}

static double triad_best(double *a, double *b, double *c, size_t n, eb_threadpool *tp, int threads, int rounds)
{
    triad_job j = {.a = a, .b = b, .c = c, .n = n, .parts = threads, .init = true};
    eb_threadpool_run(tp, threads, triad_task, &j);
    j.init = false;
    eb_threadpool_run(tp, threads, triad_task, &j); /* warm */
    double best = 0;
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        eb_threadpool_run(tp, threads, triad_task, &j);
        best = fmax(best, 3.0 * sizeof(double) * (double)n / (now_s() - t0) * 1e-9);
    }
    return best;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* the cpu runner's fp32 GEMM, n^3, one thread, B packed: the median GFLOP/s of 5 */
static double gemm_gflops(int n)
{
    float *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b),
          *c = malloc((size_t)n * n * sizeof *c);
    eb_packed_b *pb = NULL;
    eb_err err = {{0}};
    double g[5] = {0};
    for (size_t i = 0; a && b && i < (size_t)n * n; i++) {
        a[i] = (float)(i % 7) * 0.25f - 0.75f;
        b[i] = (float)(i % 5) * 0.5f - 1.0f;
    }
    if (a && b && c && eb_gemm_pack_b(b, n, n, n, false, &pb, &err) == EB_OK) {
        eb_gemm_f32(n, n, n, a, n, pb, c, n, NULL, NULL);
        for (int r = 0; r < 5; r++) {
            double t0 = now_s();
            eb_gemm_f32(n, n, n, a, n, pb, c, n, NULL, NULL);
            g[r] = 2.0 * n * n * n / (now_s() - t0) * 1e-9;
        }
        qsort(g, 5, sizeof *g, cmp_double);
    }
    eb_gemm_packed_free(pb);
    free(a);
    free(b);
    free(c);
    return g[2];
}

static void print_calibration(const eb_calibration *c, const char *path)
{
    printf("calibration of %s (%s), %s\n", c->host, c->cpu, c->date);
    char f[32], i8[32];
    snprintf(f, sizeof f, "fp32 GFLOP/s (%s)", c->fp32_isa);
    snprintf(i8, sizeof i8, "int8 GOP/s (%s)", c->int8_isa);
    printf("%7s  %22s  %24s  %10s  %s\n", "threads", f, i8, "triad GB/s", "ridge (FLOP/byte)");
    for (int i = 0; i < c->n_points; i++) {
        const eb_calib_point *p = &c->points[i];
        printf("%7d  %22.1f  %24.1f  %10.1f  %.1f\n", p->threads, p->fp32_gflops, p->int8_gops,
               p->triad_gbytes_per_s, p->fp32_gflops / p->triad_gbytes_per_s);
    }
    printf("triad arrays: 3 x %.0f MiB", c->triad_array_bytes / (1 << 20));
    if (c->llc_bytes > 0)
        printf(" (last-level cache %.0f MiB)", c->llc_bytes / (1 << 20));
    printf("\n");
    const eb_calib_point *one = eb_calibration_point(c, c->gemm_threads);
    if (c->gemm_gflops > 0 && one)
        printf("sanity: the cpu runner's fp32 GEMM %d^3 on %d thread: %.1f GFLOP/s = %.0f%% of the fp32 peak%s\n",
               c->gemm_n, c->gemm_threads, c->gemm_gflops, 100 * c->gemm_gflops / one->fp32_gflops,
               c->gemm_gflops > one->fp32_gflops ? " (above it: the peak run was disturbed; calibrate again on a quiet machine)" : "");
    printf("file: %s\n", path);
}

/* "1,2,4" -> threads[]; false on a bad list */
static bool parse_threads(const char *s, int *t, int *n)
{
    *n = 0;
    while (*s && *n < EB_CALIB_MAX_POINTS) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 64 || (*end && *end != ','))
            return false;
        t[(*n)++] = (int)v;
        s = *end ? end + 1 : end;
    }
    return *n > 0 && !*s;
}

static void utc_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void print_energy(const eb_calib_energy *e)
{
    printf("energy model (%s, %s): %.4g W static + %.4g J/fp32 FLOP + %.4g J/int8 op + %.4g J/byte\n", e->meter,
           e->date, e->static_w, e->j_per_fp32_flop, e->j_per_int8_op, e->j_per_byte);
    printf("%-12s %9s %12s %12s %12s %10s %10s\n", "window", "seconds", "fp32 FLOPs", "int8 ops", "bytes", "J", "fitted J");
    for (int i = 0; i < e->n_fit + e->n_heldout; i++) {
        const eb_calib_obs *o = &e->obs[i];
        printf("%-12s %9.3f %12.4g %12.4g %12.4g %10.4g %10.4g%s\n", o->workload, o->seconds, o->fp32_flops,
               o->int8_ops, o->bytes, o->joules, o->fitted_j, i >= e->n_fit ? "  (held out)" : "");
    }
    printf("MAPE: fit %.2f%%, held out %.2f%% (the calibrated estimate's band)\n", 100 * e->fit_mape,
           100 * e->heldout_mape);
}

/* calibrate --energy: the meter, the windows, the file */
static int calibrate_energy(const char *path, double seconds, int rounds)
{
    eb_meter meters[3];
    eb_meter *m = NULL;
    eb_energy_work work;
    memset(&work, 0, sizeof work);
    memset(meters, 0, sizeof meters);
    char reasons[1600] = "";
    size_t k = 0;
    const char *sim = getenv("EB_SIM_ENERGY_METER");
    if (sim && *sim) {
        if (!eb_meter_sim_linear(&meters[0], sim, &work)) {
            eb_cli_error("calibrate --energy: EB_SIM_ENERGY_METER: %s", meters[0].reason);
            return EB_EXIT_USAGE;
        }
        m = &meters[0];
    } else {
        void (*probe[3])(eb_meter *) = {eb_meter_powercap_probe, eb_meter_hwmon_probe, eb_meter_battery_probe};
        for (int i = 0; i < 3 && !m; i++) {
            probe[i](&meters[i]);
            if (meters[i].available)
                m = &meters[i];
            else if (k < sizeof reasons)
                k += (size_t)snprintf(reasons + k, sizeof reasons - k, "\n  %s: %s", meters[i].source,
                                      meters[i].reason);
        }
    }
    if (!m) {
        eb_cli_error("calibrate --energy: no energy meter on this machine, nothing to calibrate against "
                     "(runs keep the other estimates); the sources tried:%s", reasons);
        for (int i = 0; i < 3; i++)
            eb_meter_close(&meters[i]);
        return EB_EXIT_ENV;
    }
    fprintf(stderr, "calibrating energy against %s (%s): %d x 4 windows of >= %.2f s, then 4 held out (2 mixes, 2 zoo models)\n", m->source,
            m->name, rounds, seconds);
    eb_calibration cal;
    eb_err err = {{0}};
    if (eb_calibration_load(path, &cal, &err) != EB_OK) { /* none yet: the energy part alone */
        eb_device_info d;
        eb_device_info_get(&d);
        memset(&cal, 0, sizeof cal);
        snprintf(cal.host, sizeof cal.host, "%s", d.hostname);
        snprintf(cal.cpu, sizeof cal.cpu, "%s", d.brand);
        utc_now(cal.date, sizeof cal.date);
    }
    static const char *const models[] = {"zoo:fmnist-mlp", "zoo:fmnist-cnn"}; /* held out: real models */
    eb_energy_calib_opts o = {.seconds = seconds, .repeats = rounds, .triad_bytes = (size_t)64 << 20, .work = &work,
                              .models = models, .n_models = 2};
    char why[400] = "";
    bool ok = eb_energy_calibrate(m, &o, &cal.energy, why, sizeof why);
    for (int i = 0; i < 3; i++)
        eb_meter_close(&meters[i]);
    if (!ok) {
        eb_cli_error("calibrate --energy: %s", why);
        return EB_EXIT_ENV;
    }
    if (eb_calibration_save(&cal, path, &err) != EB_OK) {
        eb_cli_error("calibrate: %s", err.msg);
        return EB_EXIT_ENV;
    }
    print_energy(&cal.energy);
    printf("file: %s\n", path);
    return EB_EXIT_OK;
}

int eb_cmd_calibrate(int argc, char **argv)
{
    static const struct option opts[] = {{"threads", required_argument, 0, 't'}, {"rounds", required_argument, 0, 'r'},
                                         {"show", no_argument, 0, 's'},         {"help", no_argument, 0, 'h'},
                                         {"energy", no_argument, 0, 'e'},       {"seconds", required_argument, 0, 'S'},
                                         {0, 0, 0, 0}};
    int threads[EB_CALIB_MAX_POINTS], n_threads = 0;
    int64_t rounds = 5;
    bool show = false, energy = false, rounds_given = false;
    double seconds = 1.0;
    char path[1024] = "";
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (!parse_threads(optarg, threads, &n_threads)) {
                eb_cli_error("calibrate: --threads '%s': give thread counts 1..64, comma-separated", optarg);
                return EB_EXIT_USAGE;
            }
            break;
        case 'r':
            if (!eb_cli_parse_int("--rounds", optarg, 1, 1000, &rounds))
                return EB_EXIT_USAGE;
            rounds_given = true;
            break;
        case 'e': energy = true; break;
        case 'S': {
            char *end;
            seconds = strtod(optarg, &end);
            if (end == optarg || *end || !(seconds >= 0.01 && seconds <= 600)) {
                eb_cli_error("calibrate: --seconds '%s': give a number of seconds, 0.01 to 600", optarg);
                return EB_EXIT_USAGE;
            }
            break;
        }
        case 's': show = true; break;
        case 'o': snprintf(path, sizeof path, "%s", optarg); break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("calibrate", c, opts, argv);
        }
    }
    if (optind != argc) {
        eb_cli_error("calibrate takes no arguments, got '%s' (see edgebench calibrate --help)", argv[optind]);
        return EB_EXIT_USAGE;
    }
    if (!path[0] && !eb_calibration_path(path, sizeof path)) {
        eb_cli_error("calibrate: no cache folder: set EDGEBENCH_CACHE_DIR (or HOME), or give -o FILE");
        return EB_EXIT_ENV;
    }
    if (energy && !show)
        return calibrate_energy(path, seconds, rounds_given ? (int)rounds : 3);
    eb_err err = {{0}};
    eb_calibration cal;
    if (show) {
        if (eb_calibration_load(path, &cal, &err) != EB_OK) {
            eb_cli_error("calibrate --show: %s", err.msg);
            return EB_EXIT_ENV;
        }
        print_calibration(&cal, path);
        if (cal.energy.present)
            print_energy(&cal.energy);
        return EB_EXIT_OK;
    }
    eb_device_info d;
    eb_device_info_get(&d);
    if (n_threads == 0) {
        threads[n_threads++] = 1;
        if (d.usable_cpus > 1)
            threads[n_threads++] = d.usable_cpus;
    }
    memset(&cal, 0, sizeof cal);
    snprintf(cal.host, sizeof cal.host, "%s", d.hostname);
    snprintf(cal.cpu, sizeof cal.cpu, "%s", d.brand);
    utc_now(cal.date, sizeof cal.date);
    eb_isa fisa = eb_peak_fp32_isa(), iisa = eb_peak_int8_isa();
    snprintf(cal.fp32_isa, sizeof cal.fp32_isa, "%s", eb_isa_name(fisa));
    snprintf(cal.int8_isa, sizeof cal.int8_isa, "%s", eb_isa_name(iisa));
    cal.llc_bytes = (double)(d.l3_kib ? d.l3_kib : d.l2_kib) * 1024;
    /* three arrays each as large as the last-level cache (three times it
     * in all) and at least 64 MiB, within a sixth of the free memory */
    double most = d.mem_available_bytes ? (double)d.mem_available_bytes / 6 : 1e30;
    size_t bytes = (size_t)fmin(fmax(64.0 * (1 << 20), cal.llc_bytes), fmax(most, 16.0 * (1 << 20)));
    size_t n = bytes / sizeof(double);
    cal.triad_array_bytes = (double)(n * sizeof(double));
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *cc = malloc(n * sizeof *cc);
    if (!a || !b || !cc) {
        free(a);
        free(b);
        free(cc);
        eb_cli_error("calibrate: out of memory for the triad's arrays (3 x %zu MiB)", bytes >> 20);
        return EB_EXIT_ENV;
    }
    fprintf(stderr, "calibrating: fp32 %s, int8 %s, triad 3 x %zu MiB, threads", cal.fp32_isa, cal.int8_isa, bytes >> 20);
    for (int i = 0; i < n_threads; i++)
        fprintf(stderr, " %d", threads[i]);
    fprintf(stderr, "\n");
    for (int i = 0; i < n_threads; i++) {
        int t = threads[i];
        eb_threadpool *tp = t > 1 ? eb_threadpool_new(t) : NULL;
        if (t > 1 && !tp) {
            eb_cli_error("calibrate: cannot start %d threads", t);
            free(a);
            free(b);
            free(cc);
            return EB_EXIT_ENV;
        }
        eb_calib_point *p = &cal.points[cal.n_points++];
        p->threads = t;
        p->fp32_gflops = loop_best(false, fisa, tp, t, (int)rounds);
        if (fisa == EB_ISA_AVX512) /* some CPUs (Zen 4) run zmm as two halves: the ymm loop may be as fast */
            p->fp32_gflops = fmax(p->fp32_gflops, loop_best(false, EB_ISA_AVX2, tp, t, (int)rounds));
        p->int8_gops = loop_best(true, iisa, tp, t, (int)rounds);
        if (iisa == EB_ISA_AVX512VNNI && eb_isa_supported(EB_ISA_AVXVNNI))
            p->int8_gops = fmax(p->int8_gops, loop_best(true, EB_ISA_AVXVNNI, tp, t, (int)rounds));
        p->triad_gbytes_per_s = triad_best(a, b, cc, n, tp, t, (int)rounds);
        eb_threadpool_free(tp);
    }
    free(a);
    free(b);
    free(cc);
    cal.gemm_n = 512;
    cal.gemm_threads = 1;
    cal.gemm_gflops = gemm_gflops(cal.gemm_n);
    eb_calibration before;
    if (eb_calibration_load(path, &before, &err) == EB_OK) /* the roofs again: an energy model stays */
        cal.energy = before.energy;
    if (eb_calibration_save(&cal, path, &err) != EB_OK) {
        eb_cli_error("calibrate: %s", err.msg);
        return EB_EXIT_ENV;
    }
    print_calibration(&cal, path);
    return EB_EXIT_OK;
}
