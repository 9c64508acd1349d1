/* bench_gemm.c - `make bench`'s fp32 GEMM benchmark: the cpu runner's GEMM
 * (runners/cpu/gemm.h) against OpenBLAS's cblas_sgemm at the same thread
 * count, and against the machine's fp32 FMA peak measured in the same run.
 *
 * Square sizes 256, 512, 1024, 2048 (or those given on the command line) at
 * 1 and 2 threads, about EB_BENCH_SECONDS (default 2) seconds per point,
 * with the GEMM row of the kernel table (runners/cpu/kernels.def) the
 * dispatcher picks for this CPU; --isa=avx2 etc. runs that row instead,
 * --all every GEMM row this build and CPU can run, one table each.
 * Each point is the median of several timed repetitions;
 * ours and OpenBLAS alternate in rounds, so a slow phase of a noisy machine
 * hits both.  Ours is timed with B packed beforehand (the cpu runner packs
 * weights once, in prepare); the one-off packing time is shown next to it.
 * OpenBLAS packs both operands inside every call: that is its design, and
 * part of what a caller pays.
 *
 * The peak is a register-only loop of independent FMA chains (16 zmm or 12
 * ymm accumulators, far more than latency x throughput needs: bench/
 * peak_kernels.c, the loop `edgebench calibrate` times), run on the
 * same pool (1 or 2 threads) as the GEMM, in every round of every point, so
 * it sees the machine in the same state as the GEMMs; the median counts,
 * and for AVX-512 the better of the zmm and ymm loops (Zen 4 runs 512-bit
 * FMAs as two 256-bit halves, so both reach the same peak there).
 *
 * OPENBLAS_CORETYPE (which pins OpenBLAS's kernels, e.g. to Haswell) must
 * not be set: OpenBLAS reads it while the library loads, before main, so
 * when it is set this program removes it and re-executes itself.  The
 * kernel set OpenBLAS chose is printed (openblas_get_corename).
 *
 * The int8 GEMM (runners/cpu/gemm_i8.h) is measured at 1024^3 on one
 * thread against the suite's own fp32 GEMM and oneDNN's dnnl_gemm_u8s8s32,
 * the targets (>= 3x own fp32, >= 0.9x oneDNN) printed next to the
 * ratios.  oneDNN is loaded at run time (dlopen of libdnnl.so.2: Debian's
 * libdnnl2; no header needed, its C API is stable) and pinned to one
 * OpenMP thread; without it that ratio is reported as unavailable, with
 * the reason.  Both int8 GEMMs get A with zero point 0 (oneDNN's fastest
 * case; ours costs the same for any), B s8 in -127..127; ours is timed
 * with B packed beforehand, as above; oneDNN takes B as it is.
 * --int8 runs only this comparison; with --all it runs for every GEMM_I8
 * row this build and CPU can run (each against the fp32 row of its base ISA).
 *
 * Next to it, the int8 GEMM's output modes (eb_i8_out) at 1024^3 and at
 * mobilenet_v2's projection shape (M=3136, K=144, N=24: memory-bound), 1
 * and 2 threads, a static layer's epilogue (scales, bias, ReLU): float output, float
 * output followed by the next layer's activation quantization
 * (eb_quantize_u8_par, the pass the cpu runner runs today), and u8 output
 * (that quantization fused into the epilogue, 1 byte an output); the ratio
 * is the second over the third, alternated in rounds as above.
 *
 * Exit status 0 when it ran (targets met or not: they are reported), 1 on
 * a setup failure. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cblas.h>
#include <dlfcn.h>

#include "bench/peak_kernels.h"
#include "bench/perf/bench_util.h"
#include "runners/cpu/gemm.h"
#include "runners/cpu/conv_i8.h"
#include "runners/cpu/gemm_i8.h"
#include "runners/cpu/kernels.h"
#include "runners/cpu/threadpool.h"
#include "runners/cpu/wgemm.h"
#include "models/storage.h"

/* declared by OpenBLAS's cblas.h in most versions; repeated for the rest */
void openblas_set_num_threads(int num_threads);
char *openblas_get_corename(void);
char *openblas_get_config(void);

/* ---- FMA peak -------------------------------------------------------------- */

enum { PEAK_ITERS = 2 * 1000 * 1000 }; /* ~10 ms a run */

typedef struct peak_job {
    eb_isa isa;
    double ops[64], sink[64];
} peak_job;

/* one thread's run of the FMA loop (bench/peak_kernels.c, what `edgebench
 * calibrate` times too) */
static void peak_task(void *ctx, int task, int worker)
{
    peak_job *j = ctx;
    j->ops[task & 63] = eb_peak_fp32_loop(j->isa, PEAK_ITERS, &j->sink[task & 63]);
    (void)worker;
}

/* GFLOP/s of `threads` copies of the FMA loop, one timed run */
static double peak_once(eb_isa isa, eb_threadpool *tp, int threads)
{
    peak_job j = {.isa = isa};
    double t0 = eb_bench_now_s();
    eb_threadpool_run(tp, threads, peak_task, &j);
    double s = eb_bench_now_s() - t0;
    if (j.sink[0] == 12345.0) /* keep the result alive */
        printf(" ");
    double ops = 0;
    for (int t = 0; t < threads && t < 64; t++)
        ops += j.ops[t];
    return ops / s * 1e-9;
}

/* the best ISA's peak now: for AVX-512 also the 256-bit loop, since on some
 * CPUs (Zen 4) it is as fast; the higher counts */
static double peak_now(eb_isa isa, eb_threadpool *tp, int threads)
{
    double p = peak_once(isa, tp, threads);
    if (isa == EB_ISA_AVX512)
        p = fmax(p, peak_once(EB_ISA_AVX2, tp, threads));
    return p;
}

/* ---- GEMM ------------------------------------------------------------------- */

typedef struct point {
    int n, threads;
    eb_isa peak_isa; /* EB_ISA_AUTO: no peak loop for this ISA */
    double ours, blas, pack_ms, peak;
} point;

static void fill(float *x, size_t n, unsigned seed)
{
    uint64_t s = 0x9E3779B97F4A7C15ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        x[i] = (float)((double)(s >> 40) / 16777216.0 * 2.0 - 1.0);
    }
}

/* max |ours - blas| relative to max |blas|: a sanity check that both
 * computed the same product */
static double rel_diff(const float *x, const float *y, size_t n)
{
    double d = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs((double)x[i] - y[i]));
        m = fmax(m, fabs((double)y[i]));
    }
    return m > 0 ? d / m : d;
}

static bool bench_point(point *pt, eb_threadpool *tp, double budget_s)
{
    int n = pt->n;
    size_t nn = (size_t)n * n;
    float *a = aligned_alloc(64, nn * sizeof(float)), *b = aligned_alloc(64, nn * sizeof(float));
    float *c1 = aligned_alloc(64, nn * sizeof(float)), *c2 = aligned_alloc(64, nn * sizeof(float));
    if (!a || !b || !c1 || !c2) {
        fprintf(stderr, "bench_gemm: out of memory at n=%d\n", n);
        free(a), free(b), free(c1), free(c2);
        return false;
    }
    fill(a, nn, 1);
    fill(b, nn, 2);
    eb_packed_b *pb = NULL;
    eb_err err = {{0}};
    double t0 = eb_bench_now_s();
    if (eb_gemm_pack_b(b, n, n, n, false, &pb, &err) != EB_OK) {
        fprintf(stderr, "bench_gemm: %s\n", err.msg);
        return false;
    }
    pt->pack_ms = (eb_bench_now_s() - t0) * 1e3;
    openblas_set_num_threads(pt->threads);

    double flops = 2.0 * n * n * n;
    /* warm up both (page faults, thread start) and size the rounds */
    eb_gemm_f32(n, n, n, a, n, pb, c1, n, NULL, tp);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c2, n);
    t0 = eb_bench_now_s();
    eb_gemm_f32(n, n, n, a, n, pb, c1, n, NULL, tp);
    double one = eb_bench_now_s() - t0;
    double check = rel_diff(c1, c2, nn);
    if (check > 1e-4) {
        fprintf(stderr, "bench_gemm: n=%d: ours and OpenBLAS differ (max rel %.3g)\n", n, check);
        return false;
    }
    enum { ROUNDS = 5, MAXREP = 4096 };
    int reps = (int)(budget_s / (2 * ROUNDS) / (one > 1e-6 ? one : 1e-6));
    reps = reps < 1 ? 1 : reps > MAXREP / ROUNDS ? MAXREP / ROUNDS : reps;
    static double to[MAXREP], tb[MAXREP];
    double tp_peak[ROUNDS];
    int k = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < reps; i++) {
            t0 = eb_bench_now_s();
            eb_gemm_f32(n, n, n, a, n, pb, c1, n, NULL, tp);
            to[k + i] = eb_bench_now_s() - t0;
        }
        for (int i = 0; i < reps; i++) {
            t0 = eb_bench_now_s();
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c2, n);
            tb[k + i] = eb_bench_now_s() - t0;
        }
        tp_peak[r] = pt->peak_isa != EB_ISA_AUTO ? peak_now(pt->peak_isa, tp, pt->threads) : 0;
        k += reps;
        /* OpenBLAS's threads spin after a call before they sleep; let them
         * settle so they do not share the cores with ours */
        usleep(200 * 1000);
    }
    pt->ours = flops / eb_bench_median(to, k) * 1e-9;
    pt->blas = flops / eb_bench_median(tb, k) * 1e-9;
    pt->peak = eb_bench_median(tp_peak, ROUNDS);
    eb_gemm_packed_free(pb);
    free(a), free(b), free(c1), free(c2);
    return true;
}

/* One table: the sizes at 1 and 2 threads with GEMM row k; false on a
 * setup failure. */
static bool bench_kernel(const eb_kernel *k, const int *sizes, int nsizes, eb_threadpool **pools, double budget)
{
    eb_gemm_force_isa(k->isa);
    eb_isa isa = eb_gemm_isa();
    printf("bench_gemm: our kernel %s; OpenBLAS %s, core %s\n", eb_isa_name(isa), openblas_get_config(),
           openblas_get_corename());
    eb_isa peak_isa = EB_ISA_AUTO;
#if defined(__x86_64__)
    if (isa == EB_ISA_AVX512 || isa == EB_ISA_AVX2)
        peak_isa = isa;
#endif
    if (peak_isa == EB_ISA_AUTO)
        printf("fp32 FMA peak: no microbenchmark for this ISA; peak shares not shown\n");

    point pts[32];
    int np = 0;
    for (int s = 0; s < nsizes; s++)
        for (int t = 1; t <= 2; t++) {
            point *pt = &pts[np];
            *pt = (point){.n = sizes[s], .threads = t, .peak_isa = peak_isa};
            if (!bench_point(pt, pools[t], budget))
                return false;
            np++;
        }

    printf("\n%6s %7s %10s %10s %10s %9s %9s %12s\n", "size", "threads", "ours", "OpenBLAS", "FMA peak", "ours/OB",
           "ours/peak", "pack B (ms)");
    printf("%6s %7s %10s %10s %10s %9s %9s %12s\n", "", "", "GFLOP/s", "GFLOP/s", "GFLOP/s", ">=0.90", ">=0.70",
           "once");
    int met_ob = 0, met_peak = 0;
    for (int i = 0; i < np; i++) {
        point *p = &pts[i];
        double r = p->ours / p->blas, s = p->peak > 0 ? p->ours / p->peak : 0;
        met_ob += r >= 0.9;
        met_peak += s >= 0.7;
        printf("%6d %7d %10.1f %10.1f %10.1f %8.2f%s %8.2f%s %12.2f\n", p->n, p->threads, p->ours, p->blas, p->peak, r,
               r >= 0.9 ? " " : "*", s, s >= 0.7 ? " " : "*", p->pack_ms);
    }
    printf("(* = target missed)\n");
    printf("targets: >= 0.9x OpenBLAS met at %d of %d points; >= 70%% of FMA peak met at %d of %d points\n", met_ob,
           np, met_peak, np);
    return true;
}

/* ---- int8 GEMM against own fp32 and oneDNN -------------------------------------- */

/* dnnl_gemm_u8s8s32 (oneDNN's C API, row-major): C = alpha (A - ao)(B - bo)
 * + beta C + co, with offsetc 'F' one co for all of C */
typedef int (*dnnl_gemm_u8s8s32_fn)(char transa, char transb, char offsetc, int64_t m, int64_t n, int64_t k,
                                    float alpha, const uint8_t *a, int64_t lda, uint8_t ao, const int8_t *b,
                                    int64_t ldb, int8_t bo, float beta, int32_t *c, int64_t ldc, const int32_t *co);

static dnnl_gemm_u8s8s32_fn load_dnnl(char *why, size_t n)
{
    void *h = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, n, "libdnnl.so.2 not loadable (%s)", dlerror());
        return NULL;
    }
    dnnl_gemm_u8s8s32_fn f = (dnnl_gemm_u8s8s32_fn)dlsym(h, "dnnl_gemm_u8s8s32");
    if (!f) {
        snprintf(why, n, "libdnnl.so.2 has no dnnl_gemm_u8s8s32");
        return NULL;
    }
    /* oneDNN's threads are OpenMP's (Debian's build): one, as ours */
    void (*set_threads)(int) = (void (*)(int))dlsym(h, "omp_set_num_threads");
    if (set_threads)
        set_threads(1);
    else {
        snprintf(why, n, "libdnnl.so.2 is not the OpenMP build: cannot pin it to one thread");
        return NULL;
    }
    return f;
}

/* Own int8 vs own fp32 vs oneDNN at n^3, one thread, with the ISA isa
 * (EB_ISA_AUTO: the best this CPU runs): its GEMM_I8 row and its fp32 GEMM
 * row; false on a setup failure. */
static bool bench_int8(int n, eb_isa want, eb_threadpool *tp, double budget_s)
{
    eb_gemm_force_isa(want);
    eb_isa isa = eb_gemm_isa();
    size_t nn = (size_t)n * n;
    uint8_t *a8 = aligned_alloc(64, nn);
    int8_t *b8 = aligned_alloc(64, nn);
    float *af = aligned_alloc(64, nn * sizeof(float)), *bf = aligned_alloc(64, nn * sizeof(float));
    float *c8 = aligned_alloc(64, nn * sizeof(float)), *cf = aligned_alloc(64, nn * sizeof(float));
    int32_t *cd = aligned_alloc(64, nn * sizeof(int32_t));
    float *ones = malloc((size_t)n * sizeof(float));
    if (!a8 || !b8 || !af || !bf || !c8 || !cf || !cd || !ones) {
        fprintf(stderr, "bench_gemm: out of memory for the int8 comparison\n");
        return false;
    }
    fill(af, nn, 1);
    fill(bf, nn, 2);
    for (size_t i = 0; i < nn; i++) {
        a8[i] = (uint8_t)(int)((af[i] + 1.0f) * 127.5f);
        b8[i] = (int8_t)(int)(bf[i] * 127.0f);
    }
    for (int j = 0; j < n; j++)
        ones[j] = 1.0f;
    eb_err err = {{0}};
    eb_packed_b8 *p8 = NULL;
    eb_packed_b *pf = NULL;
    if (eb_gemm_i8_pack_b(b8, n, n, n, false, &p8, &err) != EB_OK || eb_gemm_pack_b(bf, n, n, n, false, &pf, &err) != EB_OK) {
        fprintf(stderr, "bench_gemm: %s\n", err.msg);
        return false;
    }
    /* the epilogue that leaves the int32 sums as floats: exact below 2^24 */
    eb_epilogue_i8 ep = {.a_zero = 0, .mult = ones, .alpha = 1.0f};
    char why[160] = "";
    dnnl_gemm_u8s8s32_fn dnnl = load_dnnl(why, sizeof why);
    int32_t co = 0;

    eb_gemm_i8(n, n, n, a8, n, p8, c8, n, &ep, tp);
    eb_gemm_f32(n, n, n, af, n, pf, cf, n, NULL, tp);
    double t0 = eb_bench_now_s();
    eb_gemm_i8(n, n, n, a8, n, p8, c8, n, &ep, tp);
    double one = eb_bench_now_s() - t0;
    if (dnnl) {
        if (dnnl('N', 'N', 'F', n, n, n, 1.0f, a8, n, 0, b8, n, 0, 0.0f, cd, n, &co) != 0) {
            snprintf(why, sizeof why, "dnnl_gemm_u8s8s32 failed");
            dnnl = NULL;
        } else {
            for (size_t i = 0; i < nn; i++)
                if (c8[i] != (float)cd[i]) {
                    fprintf(stderr, "bench_gemm: int8 n=%d: ours and oneDNN differ at %zu (%g, %d)\n", n, i, c8[i],
                            cd[i]);
                    return false;
                }
        }
    }
    enum { ROUNDS = 5, MAXREP = 4096 };
    int reps = (int)(budget_s / (3 * ROUNDS) / (one > 1e-6 ? one : 1e-6));
    reps = reps < 1 ? 1 : reps > MAXREP / ROUNDS ? MAXREP / ROUNDS : reps;
    static double t8[MAXREP], tf[MAXREP], td[MAXREP];
    int k = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < reps; i++) {
            t0 = eb_bench_now_s();
            eb_gemm_i8(n, n, n, a8, n, p8, c8, n, &ep, tp);
            t8[k + i] = eb_bench_now_s() - t0;
        }
        for (int i = 0; i < reps; i++) {
            t0 = eb_bench_now_s();
            eb_gemm_f32(n, n, n, af, n, pf, cf, n, NULL, tp);
            tf[k + i] = eb_bench_now_s() - t0;
        }
        for (int i = 0; dnnl && i < reps; i++) {
            t0 = eb_bench_now_s();
            dnnl('N', 'N', 'F', n, n, n, 1.0f, a8, n, 0, b8, n, 0, 0.0f, cd, n, &co);
            td[k + i] = eb_bench_now_s() - t0;
        }
        k += reps;
    }
    double ops = 2.0 * n * n * n;
    double g8 = ops / eb_bench_median(t8, k) * 1e-9, gf = ops / eb_bench_median(tf, k) * 1e-9;
    double gd = dnnl ? ops / eb_bench_median(td, k) * 1e-9 : 0;
    const eb_kernel *k8 = eb_kernel_pick(EB_KERNEL_GEMM_I8, isa), *kf = eb_kernel_pick(EB_KERNEL_GEMM, isa);
    printf("\nint8 GEMM %d^3, 1 thread: ours %s, ours fp32 %s, oneDNN dnnl_gemm_u8s8s32 %s\n", n, k8->name, kf->name,
           dnnl ? "(libdnnl.so.2, 1 OpenMP thread)" : "unavailable");
    printf("%10s %10s %10s %12s %12s\n", "int8", "fp32", "oneDNN", "int8/fp32", "int8/oneDNN");
    printf("%10s %10s %10s %12s %12s\n", "GOP/s", "GFLOP/s", "GOP/s", ">=3.00", ">=0.90");
    double r1 = g8 / gf, r2 = dnnl ? g8 / gd : 0;
    char d[16] = "n/a", q2[16] = "n/a";
    if (dnnl) {
        snprintf(d, sizeof d, "%.1f", gd);
        snprintf(q2, sizeof q2, "%.2f%s", r2, r2 >= 0.9 ? " " : "*");
    }
    printf("%10.1f %10.1f %10s %11.2f%s %12s\n", g8, gf, d, r1, r1 >= 3.0 ? " " : "*", q2);
    if (!dnnl)
        printf("oneDNN unavailable: %s\n", why);
    printf("(* = target missed)\n");
    eb_gemm_i8_packed_free(p8);
    eb_gemm_packed_free(pf);
    free(a8), free(b8), free(af), free(bf), free(c8), free(cf), free(cd), free(ones);
    return true;
}

/* ---- compressed weights (runners/cpu/wgemm.h): ratios to the fp32 path ----------------
 *
 * One thread, the kernel rows the dispatcher picks.  Each product is timed
 * against the cpu runner's own fp32 path for the same shape (eb_gemm_f32
 * with B packed, at M = 1 too), alternating in rounds, medians compared.
 * The GEMVs stream their weights from memory as LLM decoding does: both
 * sides rotate over enough copies of the weights to cover 4x the last-level
 * cache, so neither is timed from cache; the int4 GEMV's weight bytes per
 * second are set against a STREAM triad over arrays of 4x the last-level
 * cache measured in the same run.  The sparse 1x1 convolutions and the 2:4
 * GEMM are compute-bound and run from cache, both sides alike. */

static size_t llc_bytes(void)
{
    long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    return l3 > 0 ? (size_t)l3 : l2 > 0 ? (size_t)l2 : 0;
}

/* Best of 5 triads a = b + s*c over 3 arrays of together >= 4x the LLC (at
 * least 256 MiB when the LLC size is unknown); bytes/s (STREAM counts 12
 * bytes per element: two reads and one write), 0 when out of memory. */
static double stream_triad(void)
{
    size_t total = 4 * llc_bytes();
    total = total < ((size_t)256 << 20) ? (size_t)256 << 20 : total;
    size_t n = total / (3 * sizeof(float));
    float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float)), *c = malloc(n * sizeof(float));
    double best = 0;
    if (a && b && c) {
        for (size_t i = 0; i < n; i++)
            a[i] = 0, b[i] = 1.0f, c[i] = 2.0f;
        for (int r = 0; r < 5; r++) {
            double t0 = eb_bench_now_s();
            for (size_t i = 0; i < n; i++)
                a[i] = b[i] + 3.0f * c[i];
            double bw = 3.0 * sizeof(float) * (double)n / (eb_bench_now_s() - t0);
            best = bw > best ? bw : best;
        }
        if (a[n / 2] != 7.0f)
            best = 0;
    }
    free(a), free(b), free(c);
    return best;
}

static void cw_free_all(eb_cweights *cw, int n)
{
    for (int i = 0; cw && i < n; i++)
        eb_cweights_free(&cw[i]);
    free(cw);
}

static bool dup_array(void **dst, const void *src, size_t bytes)
{
    if (!src)
        return true;
    if (!(*dst = malloc(bytes ? bytes : 1)))
        return false;
    memcpy(*dst, src, bytes);
    return true;
}

/* copies of *w (deep), n of them; NULL when out of memory */
static eb_cweights *cw_copies(const eb_cweights *w, int n)
{
    eb_cweights *cw = calloc((size_t)n, sizeof *cw);
    size_t rows = w->kind == EB_CW_I4X ? ((size_t)w->n + EB_I4X_ROWS - 1) / EB_I4X_ROWS * EB_I4X_ROWS : (size_t)w->n;
    size_t nk = rows * (size_t)w->k, ng = w->group ? nk / (size_t)w->group : 0;
    size_t nnz = w->row_ptr ? (size_t)w->row_ptr[w->n] : 0, kept = w->m ? nk / (size_t)w->m * (size_t)w->nn : 0;
    for (int i = 0; cw && i < n; i++) {
        eb_cweights *c = &cw[i];
        *c = *w;
        c->q = NULL, c->scale = c->zero = c->val = NULL, c->h = c->col = NULL, c->row_ptr = NULL, c->idx = NULL;
        if (!dup_array((void **)&c->q, w->q, nk / 2) || !dup_array((void **)&c->scale, w->scale, ng * 4) ||
            !dup_array((void **)&c->zero, w->zero, ng * 4) || !dup_array((void **)&c->h, w->h, nk * 2) ||
            !dup_array((void **)&c->row_ptr, w->row_ptr, ((size_t)w->n + 1) * 4) ||
            !dup_array((void **)&c->col, w->col, nnz * 2) ||
            !dup_array((void **)&c->val, w->val, (w->kind == EB_CW_CSR ? nnz : kept) * 4) ||
            !dup_array((void **)&c->idx, w->idx, kept)) {
            cw_free_all(cw, i + 1);
            return NULL;
        }
    }
    return cw;
}

typedef struct cmp_case {
    const char *what;
    int m, n, k;
    eb_storage_kind kind; /* of the compressed side */
    double sparsity;      /* CSR: fraction of weights zeroed */
    bool stream;          /* rotate copies over 4x the LLC */
    double target;        /* the ratio fp32 / compressed the issue asks */
    double fp32_s, cw_s;  /* medians, seconds per product */
    size_t cw_bytes;
    bool i4x;             /* int4 as the cpu runner runs it on one row: int8 activations (wgemm.h's I4X) */
} cmp_case;

/* Times case c; false on a setup failure (out of memory). */
static bool bench_compressed(cmp_case *c, eb_isa isa)
{
    size_t nk = (size_t)c->n * (size_t)c->k;
    float *w = malloc(nk * sizeof(float)), *x = malloc((size_t)c->m * c->k * sizeof(float));
    float *y1 = malloc((size_t)c->m * c->n * sizeof(float)), *y2 = malloc((size_t)c->m * c->n * sizeof(float));
    if (!w || !x || !y1 || !y2)
        return false;
    fill(w, nk, 3);
    fill(x, (size_t)c->m * c->k, 4);
    uint64_t s = 0x243F6A8885A308D3ull;
    if (c->kind == EB_STORAGE_CSR)
        for (size_t i = 0; i < nk; i++) { /* unstructured: a random `sparsity` of the weights zeroed */
            s ^= s << 13, s ^= s >> 7, s ^= s << 17;
            if ((double)(s >> 11) / 9007199254740992.0 < c->sparsity)
                w[i] = 0.0f;
        }
    eb_tensor tw = {.dtype = EB_DT_F32, .rank = 2, .shape = {c->n, c->k}, .data = w}, tc = tw;
    eb_storage *st = NULL;
    eb_err err = {{0}};
    eb_status rc;
    switch (c->kind) {
    case EB_STORAGE_QUANT: rc = eb_storage_quant_from_dense(&tw, EB_DT_I4, 1, 32, 1, &st, &err); break;
    case EB_STORAGE_F16: rc = eb_storage_f16_from_dense(&tw, &st, &err); break;
    case EB_STORAGE_CSR: rc = eb_storage_csr_from_dense(&tw, false, &st, &err); break;
    default: rc = eb_storage_nm_from_dense(&tw, false, 2, 4, &st, &err); break;
    }
    eb_cweights cw1;
    tc.data = NULL;
    tc.storage = st;
    if (rc != EB_OK ||
        (c->i4x ? eb_cweights_pack_i4x(&tc, true, &cw1, &err) : eb_cweights_pack(&tc, true, &cw1, &err)) != EB_OK) {
        fprintf(stderr, "bench_gemm: %s: %s\n", c->what, err.msg);
        return false;
    }
    /* the fp32 side: the same weights decoded (what cpu ran before), packed */
    if (eb_storage_to_dense(&tc, w, &err) != EB_OK)
        return false;
    eb_storage_free(st);
    c->cw_bytes = eb_cweights_bytes(&cw1);
    size_t fp32_bytes = nk * sizeof(float);
    int ncw = 1, nfp = 1;
    if (c->stream) {
        size_t cover = 4 * llc_bytes();
        ncw = (int)((cover + c->cw_bytes - 1) / c->cw_bytes);
        nfp = (int)((cover + fp32_bytes - 1) / fp32_bytes);
    }
    eb_cweights *cw = cw_copies(&cw1, ncw);
    eb_cweights_free(&cw1);
    eb_packed_b **pb = calloc((size_t)nfp, sizeof *pb);
    bool ok = cw && pb;
    for (int i = 0; ok && i < nfp; i++)
        ok = eb_gemm_pack_b(w, c->k, c->n, c->k, true, &pb[i], &err) == EB_OK;
    if (!ok) {
        fprintf(stderr, "bench_gemm: %s: out of memory for %d + %d copies of the weights\n", c->what, ncw, nfp);
        cw_free_all(cw, ncw);
        for (int i = 0; pb && i < nfp; i++)
            eb_gemm_packed_free(pb[i]);
        free(pb), free(w), free(x), free(y1), free(y2);
        return false;
    }
    eb_gemm_f32(c->m, c->n, c->k, x, c->k, pb[0], y1, c->n, NULL, NULL);
    /* scratch allocated once, as the cpu runner's arena holds it */
    float *scratch = malloc(sizeof(float) * (eb_wgemm_scratch_floats(&cw[0], c->m, 1) + 1));
    if (!scratch)
        return false;
    eb_wgemm(&cw[0], isa, c->m, x, (size_t)c->k, y2, (size_t)c->n, NULL, scratch, NULL);
    double check = rel_diff(y2, y1, (size_t)c->m * c->n);
    if (check > (c->i4x ? 5e-2 : 1e-4)) { /* I4X: X rounded to int8 */
        fprintf(stderr, "bench_gemm: %s: compressed and fp32 differ (max rel %.3g)\n", c->what, check);
        return false;
    }
    enum { ROUNDS = 7 };
    double tf[ROUNDS], tcw[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        /* one timed pass: every copy once, or (from cache) >= 20 ms of calls */
        int calls = 0;
        double t0 = eb_bench_now_s(), t;
        do {
            eb_gemm_f32(c->m, c->n, c->k, x, c->k, pb[calls % nfp], y1, c->n, NULL, NULL);
            calls++;
        } while ((t = eb_bench_now_s() - t0) < 0.02 || calls < nfp);
        tf[r] = t / calls;
        calls = 0;
        t0 = eb_bench_now_s();
        do {
            eb_wgemm(&cw[calls % ncw], isa, c->m, x, (size_t)c->k, y2, (size_t)c->n, NULL, scratch, NULL);
            calls++;
        } while ((t = eb_bench_now_s() - t0) < 0.02 || calls < ncw);
        tcw[r] = t / calls;
    }
    c->fp32_s = eb_bench_median(tf, ROUNDS);
    c->cw_s = eb_bench_median(tcw, ROUNDS);
    cw_free_all(cw, ncw);
    for (int i = 0; i < nfp; i++)
        eb_gemm_packed_free(pb[i]);
    free(pb), free(w), free(x), free(y1), free(y2), free(scratch);
    return true;
}

static bool bench_compressed_all(void)
{
    eb_isa isa = eb_gemm_isa();
    printf("\ncompressed weights (runners/cpu/wgemm.h), 1 thread, isa %s: fp32 = the cpu runner's packed fp32 GEMM "
           "for the same shape\n",
           eb_isa_name(isa));
    double bw = stream_triad();
    cmp_case cases[] = {
        {"int4 GEMV 1x4096x4096 g32", 1, 4096, 4096, EB_STORAGE_QUANT, 0, true, 5.0, 0, 0, 0, true},
        {"  the same, float X (the I4 kernel)", 1, 4096, 4096, EB_STORAGE_QUANT, 0, true, 0, 0, 0, 0, false},
        {"fp16 GEMV 1x4096x4096", 1, 4096, 4096, EB_STORAGE_F16, 0, true, 1.7, 0, 0, 0, false},
        {"90%-sparse CSR GEMV 1x4096x4096", 1, 4096, 4096, EB_STORAGE_CSR, 0.9, true, 4.0, 0, 0, 0, false},
        {"80%-sparse 1x1 conv 56x56x24->144", 56 * 56, 144, 24, EB_STORAGE_CSR, 0.8, false, 1.5, 0, 0, 0, false},
        {"80%-sparse 1x1 conv 14x14x64->384", 14 * 14, 384, 64, EB_STORAGE_CSR, 0.8, false, 1.5, 0, 0, 0, false},
        {"80%-sparse 1x1 conv 7x7x160->960", 7 * 7, 960, 160, EB_STORAGE_CSR, 0.8, false, 1.5, 0, 0, 0, false},
        {"2:4 GEMM 256x1024x1024", 256, 1024, 1024, EB_STORAGE_NM, 0, false, 1.3, 0, 0, 0, false},
    };
    printf("%-36s %12s %12s %8s %8s  %s\n", "product (MxNxK)", "fp32 ms", "compr. ms", "ratio", "target", "met");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cmp_case *c = &cases[i];
        if (!bench_compressed(c, isa))
            return false;
        double ratio = c->fp32_s / c->cw_s;
        if (c->target > 0)
            printf("%-36s %12.3f %12.3f %7.2fx %7.2fx  %s\n", c->what, c->fp32_s * 1e3, c->cw_s * 1e3, ratio,
                   c->target, ratio >= c->target ? "yes" : "NO");
        else
            printf("%-36s %12.3f %12.3f %7.2fx %8s  %s\n", c->what, c->fp32_s * 1e3, c->cw_s * 1e3, ratio, "-",
                   "(as measured)");
        if (c->i4x) {
            if (bw > 0) {
                double got = (double)c->cw_bytes / c->cw_s;
                printf("%-36s %.1f GB/s of weights (%zu bytes) against STREAM triad %.1f GB/s: %.0f%% of the roof "
                       "(target >= 70%%: %s)\n",
                       "  int4 GEMV bandwidth", got * 1e-9, c->cw_bytes, bw * 1e-9, 100.0 * got / bw,
                       got >= 0.7 * bw ? "yes" : "NO");
            } else {
                printf("  int4 GEMV bandwidth: unavailable (no memory for the STREAM arrays)\n");
            }
        }
    }
    return true;
}

/* Float output (+ a separate quantization pass) against u8 output, at
 * M x K x N, on tp's threads; false on a setup failure. */
static bool bench_int8_out(int m, int k, int n, eb_threadpool *tp, double budget_s)
{
    eb_gemm_force_isa(EB_ISA_AUTO);
    size_t na = (size_t)m * k, nb = (size_t)k * n, nc = (size_t)m * n;
    uint8_t *a8 = aligned_alloc(64, (na + 63) / 64 * 64), *q = aligned_alloc(64, (nc + 63) / 64 * 64);
    int8_t *b8 = aligned_alloc(64, (nb + 63) / 64 * 64);
    float *af = aligned_alloc(64, na * sizeof(float)), *bf = aligned_alloc(64, nb * sizeof(float));
    float *cf = aligned_alloc(64, nc * sizeof(float));
    float *mult = malloc((size_t)n * sizeof(float)), *bias = malloc((size_t)n * sizeof(float));
    if (!a8 || !q || !b8 || !af || !bf || !cf || !mult || !bias) {
        fprintf(stderr, "bench_gemm: out of memory for the int8 output comparison\n");
        return false;
    }
    fill(af, na, 3);
    fill(bf, nb, 4);
    for (size_t i = 0; i < na; i++)
        a8[i] = (uint8_t)(int)((af[i] + 1.0f) * 127.5f);
    for (size_t i = 0; i < nb; i++)
        b8[i] = (int8_t)(int)(bf[i] * 127.0f);
    /* a static layer: x_scale * w_scale, a bias, ReLU, then the next grid */
    for (int j = 0; j < n; j++) {
        mult[j] = 0.02f * 0.01f / (1.0f + 0.001f * (float)j);
        bias[j] = 0.01f * (float)(j % 7) - 0.03f;
    }
    eb_err err = {{0}};
    eb_packed_b8 *p8 = NULL;
    if (eb_gemm_i8_pack_b(b8, k, n, n, false, &p8, &err) != EB_OK) {
        fprintf(stderr, "bench_gemm: %s\n", err.msg);
        return false;
    }
    eb_epilogue_i8 ef = {.a_zero = 128, .mult = mult, .alpha = 1.0f, .bias = bias, .act = EB_ACT_RELU};
    eb_epilogue_i8 eu = ef;
    eu.out = EB_I8_OUT_U8;
    eu.next_scale = 0.05f;
    eu.next_zero = 3;
    /* the fused output equals the float output quantized: a wrong mode is not timed */
    eb_gemm_i8(m, n, k, a8, k, p8, cf, n, &ef, tp);
    eb_quantize_u8_par(cf, nc, eu.next_scale, eu.next_zero, q, tp);
    uint8_t *q2 = malloc(nc);
    if (!q2) {
        fprintf(stderr, "bench_gemm: out of memory for the int8 output comparison\n");
        return false;
    }
    eb_gemm_i8(m, n, k, a8, k, p8, q2, n, &eu, tp);
    for (size_t i = 0; i < nc; i++)
        if (q[i] != q2[i]) {
            fprintf(stderr, "bench_gemm: int8 %dx%dx%d: u8 output is not the float output quantized at %zu (%d, %d)\n",
                    m, k, n, i, q2[i], q[i]);
            return false;
        }
    double t0 = eb_bench_now_s();
    eb_gemm_i8(m, n, k, a8, k, p8, cf, n, &ef, tp);
    double one = eb_bench_now_s() - t0;
    enum { ROUNDS = 5, MAXREP = 4096 };
    int reps = (int)(budget_s / (3 * ROUNDS) / (one > 1e-6 ? one : 1e-6));
    reps = reps < 1 ? 1 : reps > MAXREP / ROUNDS ? MAXREP / ROUNDS : reps;
    static double tf[MAXREP], tfq[MAXREP], tu[MAXREP];
    int r8 = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < reps; i++) {
            t0 = eb_bench_now_s();
            eb_gemm_i8(m, n, k, a8, k, p8, cf, n, &ef, tp);
            tf[r8 + i] = eb_bench_now_s() - t0;
        }
        for (int i = 0; i < reps; i++) {
            t0 = eb_bench_now_s();
            eb_gemm_i8(m, n, k, a8, k, p8, cf, n, &ef, tp);
            eb_quantize_u8_par(cf, nc, eu.next_scale, eu.next_zero, q, tp);
            tfq[r8 + i] = eb_bench_now_s() - t0;
        }
        for (int i = 0; i < reps; i++) {
            t0 = eb_bench_now_s();
            eb_gemm_i8(m, n, k, a8, k, p8, q2, n, &eu, tp);
            tu[r8 + i] = eb_bench_now_s() - t0;
        }
        r8 += reps;
    }
    double ops = 2.0 * m * n * k;
    double mf = eb_bench_median(tf, r8), mfq = eb_bench_median(tfq, r8), mu = eb_bench_median(tu, r8);
    const eb_kernel *k8 = eb_kernel_pick(EB_KERNEL_GEMM_I8, eb_gemm_isa());
    int threads = eb_threadpool_size(tp);
    printf("\nint8 GEMM M=%d K=%d N=%d, %d thread%s, %s: float output vs u8 output (next layer's quantization fused)\n",
           m, k, n, threads, threads > 1 ? "s" : "", k8->name);
    printf("%12s %12s %12s %14s\n", "f32 out", "f32+quant", "u8 out", "(f32+quant)/u8");
    printf("%9.1f us %9.1f us %9.1f us %14.2f\n", mf * 1e6, mfq * 1e6, mu * 1e6, mfq / mu);
    printf("%8.1f GOP/s %6.1f GOP/s %6.1f GOP/s\n", ops / mf * 1e-9, ops / mfq * 1e-9, ops / mu * 1e-9);
    eb_gemm_i8_packed_free(p8);
    free(a8), free(q), free(q2), free(b8), free(af), free(bf), free(cf), free(mult), free(bias);
    return true;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_gemm [--isa=");
    for (int i = 0, n = 0; i < eb_n_kernels; i++)
        if (eb_kernels[i].kind == EB_KERNEL_GEMM)
            fprintf(stderr, "%s%s", n++ ? "|" : "", eb_isa_name(eb_kernels[i].isa));
    fprintf(stderr, " | --all] [--int8 | --compressed] [SIZE...]   (square sizes, default 256 512 1024 2048;\n"
                    "  the int8 and compressed-weight tables follow; --int8 or --compressed: that table only)\n");
}

int main(int argc, char **argv)
{
    if (getenv("OPENBLAS_CORETYPE")) {
        /* too late for this process: OpenBLAS has already chosen its kernels */
        fprintf(stderr, "bench_gemm: OPENBLAS_CORETYPE=%s is set; re-running without it\n",
                getenv("OPENBLAS_CORETYPE"));
        unsetenv("OPENBLAS_CORETYPE");
        execv("/proc/self/exe", argv);
        perror("bench_gemm: re-exec failed; results below use the pinned OpenBLAS core");
    }
    /* the GEMM rows of the kernel table to run: the dispatcher's by default */
    const eb_kernel *rows[16];
    int nrows = 0;
    bool all = false, int8_only = false, only_compressed = false;
    int sizes[16], nsizes = 0;
    for (int i = 1; i < argc && nsizes < 16; i++) {
        eb_isa pin;
        if (strncmp(argv[i], "--isa=", 6) == 0) {
            const eb_kernel *k = eb_isa_parse(argv[i] + 6, &pin) ? eb_kernel_find(EB_KERNEL_GEMM, pin) : NULL;
            if (!k || !eb_isa_supported(k->isa) || nrows == 16) {
                fprintf(stderr, "bench_gemm: --isa=%s: not an ISA this build and CPU can run\n", argv[i] + 6);
                return 2;
            }
            rows[nrows++] = k;
            continue;
        }
        if (strcmp(argv[i], "--int8") == 0) {
            int8_only = true;
            continue;
        }
        if (strcmp(argv[i], "--all") == 0) {
            all = true;
            continue;
        }
        if (strcmp(argv[i], "--compressed") == 0) {
            only_compressed = true;
            continue;
        }
        int v = atoi(argv[i]);
        if (v < 1 || v > 8192) {
            usage();
            return 2;
        }
        sizes[nsizes++] = v;
    }
    for (int i = 0; all && i < eb_n_kernels && nrows < 16; i++)
        if (eb_kernels[i].kind == EB_KERNEL_GEMM && eb_isa_supported(eb_kernels[i].isa))
            rows[nrows++] = &eb_kernels[i];
    if (!nrows)
        rows[nrows++] = eb_kernel_pick(EB_KERNEL_GEMM, eb_gemm_isa());
    if (!nsizes) {
        const int def[] = {256, 512, 1024, 2048};
        for (int i = 0; i < 4; i++)
            sizes[nsizes++] = def[i];
    }
    const char *budget_env = getenv("EB_BENCH_SECONDS");
    double budget = budget_env ? atof(budget_env) : 2.0; /* seconds per point */

    eb_threadpool *pools[3] = {NULL, eb_threadpool_new(1), eb_threadpool_new(2)};
    if (!pools[1] || !pools[2]) {
        fprintf(stderr, "bench_gemm: cannot create the thread pools\n");
        return 1;
    }
    for (int r = 0; r < nrows && !int8_only && !only_compressed; r++) {
        if (r)
            printf("\n");
        if (!bench_kernel(rows[r], sizes, nsizes, pools, budget))
            return 1;
    }
    if (!only_compressed && !bench_int8(1024, EB_ISA_AUTO, pools[1], budget))
        return 1;
    for (int t = 1; t <= 2 && !only_compressed; t++)
        if (!bench_int8_out(1024, 1024, 1024, pools[t], budget) || !bench_int8_out(3136, 144, 24, pools[t], budget))
            return 1;
    for (int i = 0; all && !only_compressed && i < eb_n_kernels; i++)
        if (eb_kernels[i].kind == EB_KERNEL_GEMM_I8 && eb_isa_supported(eb_kernels[i].isa) &&
            eb_kernels[i].isa != eb_isa_detect() && !bench_int8(1024, eb_kernels[i].isa, pools[1], budget))
            return 1;
    if (!int8_only && !bench_compressed_all())
        return 1;
    eb_threadpool_free(pools[1]);
    eb_threadpool_free(pools[2]);
    return 0;
}
