/* gemm.c - the fp32 GEMM driver of the cpu runner: ISA detection and
 * dispatch, B packing, cache blocking, the work split over the thread pool.
 * The arithmetic lives in the micro-kernels (gemm_f32_*.c, contract in
 * gemm_kernel.h).
 *
 * Layout.  B is packed once, GotoBLAS-style, K block by K block: block kb
 * holds rows [kb*kc, kb*kc + kcur) of every column panel NR wide, each
 * panel as kcur rows of NR floats (zero-filled past N), panel after panel.
 * So the part of B that one K step of a C block sweeps is contiguous: with
 * whole-K panels instead, panels sit K*NR floats apart, a multiple of the
 * L2 way size for power-of-two K, and a block's panels evict each other.
 * kc is fixed when B is packed (equal steps of at most KC).
 *
 * A is not packed into panels: the kernels broadcast A[i][p] straight from
 * rows (as XNNPACK's GEMMs do).  When a block of A is reused across several
 * B panels, its rows for the current K step are first copied into a
 * per-thread buffer whose row stride is not a multiple of a page (see
 * gemm_block); batch-1 GEMMs (M = 1) read A in place and pay nothing.
 *
 * Blocking.  C is cut into blocks of at most MC_MAX x NC_MAX; each block is
 * one task of the pool and runs the whole K loop in kc steps (the first
 * step writes C, later ones accumulate, the last applies bias and
 * activation while the tile is in registers).  Inside a block the loop is:
 * K step, MR-row strip, NR-column panel, so one strip of A (MR x kc) stays
 * in L1 and the block's B (kc x NC) in L2.  The block grid is chosen per
 * call for the thread count (see split()).
 *
 *   kernel                  MR x NR   KC    MC_MAX  NC_MAX
 *   gemm_f32_14x32__avx512  14 x 32   256   128     512
 *   gemm_f32_6x16__avx2      6 x 16   256   128     512
 *   gemm_f32_8x8__neon       8 x  8   256   128     512
 *   gemm_f32_4x8__generic    4 x  8   256   128     512
 *
 * On the Zen 4 this was tuned on (32 KB L1d, 1 MB L2), KC 192-384, MC
 * 84-196 and NC 256-1024 all land within the run-to-run noise (~3%) at
 * 1024 and 2048; 256/128/512 keeps A strip + B block + C block inside L2.
 *
 * Dispatch.  eb_isa_detect picks the best kernel the CPU and OS support;
 * eb_gemm_force_isa pins one for the whole process (tests, bench_gemm), and
 * eb_gemm_thread_isa pins one for the calling thread only: the cpu runner
 * sets its plan's ISA (the variant key isa=, decided once in prepare)
 * around prepare and run, so that two plans with different ISAs can live
 * in one process.  Nothing here reads the environment: a setting that
 * changes the numbers must come from the variant, where the result records
 * it.  A packed B remembers the ISA it was packed for, and eb_gemm_f32 uses
 * that ISA's kernel, so a B packed before a force stays valid. */
#include "runners/cpu/gemm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runners/cpu/gemm_kernel.h"
#include "runners/cpu/kernels.h"

#include "runners/cpu_features.h"

/* ---- ISA detection and dispatch ---------------------------------------- */

/* The micro-kernels are the GEMM rows of kernels.def. */
typedef eb_kernel kernel_info;

/* isa's own row, or its base's (the fp32 kernels of avx512vnni are avx512's) */
static const kernel_info *kernel_for(eb_isa isa)
{
    return eb_kernel_find(EB_KERNEL_GEMM, eb_isa_base(isa));
}

/* whether this build has any kernel row for isa */
static bool build_has(eb_isa isa)
{
    for (int i = 0; i < eb_n_kernels; i++)
        if (eb_kernels[i].isa == isa)
            return true;
    return false;
}

eb_isa eb_isa_base(eb_isa isa)
{
    switch (isa) {
    case EB_ISA_AVX512VNNI: return EB_ISA_AVX512;
    case EB_ISA_AVXVNNI: return EB_ISA_AVX2;
    case EB_ISA_NEONDOT: return EB_ISA_NEON;
    default: return isa;
    }
}

const char *eb_isa_name(eb_isa isa)
{
    switch (isa) {
    case EB_ISA_AUTO: return "auto";
    case EB_ISA_GENERIC: return "generic";
    case EB_ISA_AVX2: return "avx2";
    case EB_ISA_AVX512: return "avx512";
    case EB_ISA_NEON: return "neon";
    case EB_ISA_AVX512VNNI: return "avx512vnni";
    case EB_ISA_AVXVNNI: return "avxvnni";
    case EB_ISA_NEONDOT: return "neondot";
    }
    return "?";
}

bool eb_isa_supported(eb_isa isa)
{
    if (isa == EB_ISA_AUTO || !build_has(isa))
        return false;
    /* the one probe (runners/cpu_features.h): CPU and OS */
    const eb_cpu_features *f = eb_cpu_features_get();
    switch (isa) {
    case EB_ISA_AVX2: return f->avx2_fma;
    case EB_ISA_AVX512: return f->avx512f;
    case EB_ISA_NEON: return f->neon;
    case EB_ISA_AVX512VNNI: return f->avx512vnni;
    case EB_ISA_AVXVNNI: return f->avxvnni;
    case EB_ISA_NEONDOT: return f->neondot;
    default: break;
    }
    return isa == EB_ISA_GENERIC;
}

const char *eb_isa_why_not(eb_isa isa)
{
    if (isa == EB_ISA_AUTO)
        return "auto is a choice, not an instruction set";
    if (!build_has(isa))
        return "this build has no kernels for it (they exist for x86-64: avx2, avx512, avxvnni, avx512vnni; aarch64: "
               "neon, neondot)";
    if (eb_isa_supported(isa))
        return "";
    switch (isa) {
    case EB_ISA_AVX2: return "this CPU (or OS) lacks AVX2 + FMA";
    case EB_ISA_AVX512: return "this CPU (or OS) lacks AVX-512F";
    case EB_ISA_NEON: return "this CPU lacks Advanced SIMD (AT_HWCAP)";
    case EB_ISA_AVX512VNNI: return "this CPU (or OS) lacks AVX-512F + BW + VNNI";
    case EB_ISA_AVXVNNI: return "this CPU (or OS) lacks AVX2 + FMA + AVX-VNNI";
    case EB_ISA_NEONDOT: return "this CPU lacks the NEON dot product (AT_HWCAP's ASIMDDP)";
    default: return "this CPU cannot run it";
    }
}

eb_isa eb_isa_detect(void)
{
    static const eb_isa best_first[] = {EB_ISA_AVX512VNNI, EB_ISA_AVX512, EB_ISA_AVXVNNI, EB_ISA_AVX2,
                                        EB_ISA_NEONDOT, EB_ISA_NEON};
    for (size_t i = 0; i < sizeof best_first / sizeof best_first[0]; i++)
        if (eb_isa_supported(best_first[i]))
            return best_first[i];
    return EB_ISA_GENERIC;
}

static atomic_int g_forced = EB_ISA_AUTO;   /* set by eb_gemm_force_isa */
static atomic_int g_detected = EB_ISA_AUTO; /* eb_isa_detect, computed once */

bool eb_gemm_force_isa(eb_isa isa)
{
    if (isa != EB_ISA_AUTO && !eb_isa_supported(isa))
        return false;
    atomic_store(&g_forced, (int)isa);
    return true;
}

bool eb_isa_parse(const char *name, eb_isa *out)
{
    for (int i = EB_ISA_AUTO; i <= EB_ISA_LAST; i++)
        if (strcmp(name, eb_isa_name((eb_isa)i)) == 0) {
            *out = (eb_isa)i;
            return true;
        }
    return false;
}

/* the calling thread's pin (eb_gemm_thread_isa); AUTO: none */
static _Thread_local eb_isa t_isa = EB_ISA_AUTO;

eb_isa eb_gemm_thread_isa(eb_isa isa)
{
    eb_isa old = t_isa;
    t_isa = isa;
    return old;
}

/* The thread's pin, else the forced one, else the detected one (probed
 * once).  Cheap: the kernels ask once per op. */
eb_isa eb_gemm_isa(void)
{
    if (t_isa != EB_ISA_AUTO)
        return t_isa;
    int f = atomic_load(&g_forced);
    if (f != EB_ISA_AUTO)
        return (eb_isa)f;
    int d = atomic_load(&g_detected);
    if (d == EB_ISA_AUTO) {
        d = (int)eb_isa_detect();
        atomic_store(&g_detected, d);
    }
    return (eb_isa)d;
}

/* ---- packed B ------------------------------------------------------------ */

/* Cache blocking (floats): K steps of at most KC; a C block is at most
 * MC_MAX x NC_MAX. */
#ifndef EB_GEMM_KC /* -D overrides: for tuning only */
#define EB_GEMM_KC 256
#define EB_GEMM_MC 128
#define EB_GEMM_NC 512
#endif
enum { KC = EB_GEMM_KC, MC_MAX = EB_GEMM_MC, NC_MAX = EB_GEMM_NC };

struct eb_packed_b {
    eb_isa isa;
    int k, n, nr;
    int kc;      /* K step the layout is cut for */
    size_t bytes;
    float *data; /* ceil(k / kc) K blocks of ceil(n / nr) panels, 64-byte aligned */
};

static int ceil_div(int a, int b)
{
    return (a + b - 1) / b;
}

/* equal K steps of at most KC */
static int k_step(int k)
{
    return k > 0 ? ceil_div(k, ceil_div(k, KC)) : 1;
}

/* the packed panel for K step starting at row pc, columns from j */
static const float *panel(const eb_packed_b *p, int pc, int j)
{
    int kcur = p->k - pc < p->kc ? p->k - pc : p->kc;
    size_t panels = (size_t)ceil_div(p->n, p->nr);
    return p->data + (size_t)pc * panels * (size_t)p->nr + (size_t)(j / p->nr) * (size_t)kcur * (size_t)p->nr;
}

eb_status eb_gemm_pack_b(const float *b, int k, int n, int ldb, bool trans_b, eb_packed_b **out, eb_err *err)
{
    *out = NULL;
    if (k < 0 || n < 0)
        return eb_errf(err, EB_EINVAL, "gemm: pack B: bad shape %d x %d", k, n);
    int width = trans_b ? k : n;
    if (ldb < width)
        return eb_errf(err, EB_EINVAL, "gemm: pack B: row stride %d is less than the row length %d", ldb, width);
    if (!b && k > 0 && n > 0)
        return eb_errf(err, EB_EINVAL, "gemm: pack B: no data for a %d x %d matrix", k, n);
    const kernel_info *ki = kernel_for(eb_gemm_isa());
    eb_packed_b *p = calloc(1, sizeof *p);
    if (!p)
        return eb_errf(err, EB_ENOMEM, "gemm: pack B: out of memory");
    p->isa = ki->isa;
    p->k = k;
    p->n = n;
    p->nr = ki->nr;
    size_t nr = (size_t)ki->nr, panels = ((size_t)n + nr - 1) / nr;
    size_t floats = panels * (size_t)k * nr;
    p->bytes = floats * sizeof(float);
    if (floats > 0) {
        /* a whole number of 64-byte lines, as aligned_alloc wants */
        size_t alloc = (p->bytes + 63) / 64 * 64;
        p->data = aligned_alloc(64, alloc);
        if (!p->data) {
            free(p);
            return eb_errf(err, EB_ENOMEM, "gemm: pack B: out of memory for %zu bytes", alloc);
        }
    }
    p->kc = k_step(k);
    for (int pc = 0; pc < k; pc += p->kc) {
        size_t kcur = (size_t)(k - pc < p->kc ? k - pc : p->kc);
        float *blk = (float *)panel(p, pc, 0);
        if (!trans_b) {
            /* row by row: B is read in order, each row scattered over the
             * panels (NR floats, one or two cache lines, to each) */
            for (size_t r = 0; r < kcur; r++) {
                const float *src = b + ((size_t)pc + r) * (size_t)ldb;
                for (size_t q = 0; q < panels; q++) {
                    float *d = blk + q * kcur * nr + r * nr;
                    size_t j0 = q * nr, w = (size_t)n - j0 < nr ? (size_t)n - j0 : nr;
                    memcpy(d, src + j0, w * sizeof(float));
                    for (size_t j = w; j < nr; j++)
                        d[j] = 0.0f;
                }
            }
        } else {
            /* B given as N x K: each of its rows is one packed column, read
             * in order */
            for (size_t q = 0; q < panels; q++) {
                float *d = blk + q * kcur * nr;
                size_t j0 = q * nr, w = (size_t)n - j0 < nr ? (size_t)n - j0 : nr;
                for (size_t j = 0; j < w; j++) {
                    const float *src = b + (j0 + j) * (size_t)ldb + (size_t)pc;
                    for (size_t r = 0; r < kcur; r++)
                        d[r * nr + j] = src[r];
                }
                for (size_t j = w; j < nr; j++)
                    for (size_t r = 0; r < kcur; r++)
                        d[r * nr + j] = 0.0f;
            }
        }
    }
    *out = p;
    return EB_OK;
}

void eb_gemm_packed_free(eb_packed_b *p)
{
    if (!p)
        return;
    free(p->data);
    free(p);
}

size_t eb_gemm_packed_bytes(const eb_packed_b *p)
{
    return p ? p->bytes + sizeof *p : 0;
}

/* ---- blocking and threading ---------------------------------------------- */

typedef struct gemm_job {
    const kernel_info *ki;
    int m, n, k;
    const float *a;
    size_t lda;
    const eb_packed_b *b;
    float *c;
    size_t ldc;
    const eb_epilogue *ep;
    int kc;             /* K step, from b */
    int rows_per_block; /* multiple of MR */
    int cols_per_block; /* multiple of NR */
    int blocks_n;
} gemm_job;

/* ---- per-thread scratch for the A block ----------------------------------
 *
 * Each thread keeps one buffer, grown on demand and reused by every later
 * call; a pthread key frees it when the thread exits (the pool's workers at
 * eb_threadpool_free; the main thread's at process exit is reachable through
 * the thread-local pointer). */

static pthread_key_t g_scratch_key;
static pthread_once_t g_scratch_once = PTHREAD_ONCE_INIT;
static bool g_scratch_key_ok;
static _Thread_local float *tl_scratch;
static _Thread_local size_t tl_scratch_floats;

static void make_scratch_key(void)
{
    g_scratch_key_ok = pthread_key_create(&g_scratch_key, free) == 0;
}

/* NULL when out of memory: the caller then reads A in place */
float *eb_gemm_thread_scratch(size_t floats)
{
    if (tl_scratch_floats >= floats)
        return tl_scratch;
    pthread_once(&g_scratch_once, make_scratch_key);
    if (!g_scratch_key_ok)
        return NULL;
    free(tl_scratch);
    tl_scratch_floats = 0;
    tl_scratch = aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64);
    pthread_setspecific(g_scratch_key, tl_scratch);
    if (tl_scratch)
        tl_scratch_floats = floats;
    return tl_scratch;
}

static void gemm_block(void *ctx, int task, int worker)
{
    (void)worker;
    const gemm_job *g = ctx;
    const kernel_info *ki = g->ki;
    int bi = task / g->blocks_n, bj = task % g->blocks_n;
    int i0 = bi * g->rows_per_block, i1 = i0 + g->rows_per_block;
    int j0 = bj * g->cols_per_block, j1 = j0 + g->cols_per_block;
    if (i1 > g->m)
        i1 = g->m;
    if (j1 > g->n)
        j1 = g->n;
    const float *bias = g->ep ? g->ep->bias : NULL;
    /* A's rows are copied into a contiguous block with a row stride that
     * is not a multiple of a page: with lda a multiple of 1024 floats (a
     * common width), the MR rows a kernel reads at once would all map to
     * the same L1 set and evict each other.  Worth it when the block is
     * reused across more than one B panel and has more than one row. */
    size_t astride = ((size_t)g->kc + 15) / 16 * 16 + 16;
    float *abuf = NULL;
    if (i1 - i0 > 1 && j1 - j0 > ki->nr)
        abuf = eb_gemm_thread_scratch((size_t)(i1 - i0) * astride);
    for (int pc = 0; pc < g->k; pc += g->kc) {
        int kc = g->k - pc < g->kc ? g->k - pc : g->kc;
        unsigned flags = (pc > 0 ? EB_UK_ACCUM : 0u) | (pc + kc == g->k ? EB_UK_LAST : 0u);
        const float *ablk = g->a + (size_t)i0 * g->lda + (size_t)pc;
        size_t lda = g->lda;
        if (abuf) {
            for (int i = 0; i < i1 - i0; i++)
                memcpy(abuf + (size_t)i * astride, ablk + (size_t)i * g->lda, (size_t)kc * sizeof(float));
            ablk = abuf;
            lda = astride;
        }
        for (int i = i0; i < i1; i += ki->mr) {
            int mr = i1 - i < ki->mr ? i1 - i : ki->mr;
            const float *a = ablk + (size_t)(i - i0) * lda;
            float *crow = g->c + (size_t)i * g->ldc;
            for (int j = j0; j < j1; j += ki->nr) {
                int nr = j1 - j < ki->nr ? j1 - j : ki->nr;
                const float *b = panel(g->b, pc, j);
                ki->fn.gemm((size_t)kc, a, lda, b, crow + j, g->ldc, mr, nr, flags, bias ? bias + j : NULL, g->ep);
            }
        }
    }
}

/* Chooses how many blocks to cut M and N into (in units of MR rows and NR
 * columns) for `threads` workers (gemm_i8.c's too).  Blocks respect the
 * cache limits (at most mc_max x nc_max); when
 * those already give 8 or more tasks per thread, that grid is kept.
 * Otherwise, among finer grids of up to 8 tasks per thread, the one with
 * the smallest estimated time wins, in multiply-add units:
 *   - whole rounds of equal tasks (tasks are handed out dynamically),
 *   - a tail of half a task: threads do not run at the same speed (a
 *     shared machine, turbo), and with few large tasks the slowest thread
 *     decides; more, smaller tasks let the others take up its slack,
 *   - per task, the copy of its A rows and ~1 us of scheduling. */
void eb_gemm_split(int mu, int nu, int mr, int nr, int k, int threads, int mc_max, int nc_max, int *blocks_m,
                   int *blocks_n)
{
    int bm0 = ceil_div(mu, mc_max / mr > 0 ? mc_max / mr : 1);
    int bn0 = ceil_div(nu, nc_max / nr > 0 ? nc_max / nr : 1);
    *blocks_m = bm0;
    *blocks_n = bn0;
    int max_tasks = 8 * threads;
    if (threads <= 1 || bm0 * bn0 >= max_tasks)
        return;
    double best = -1;
    for (int bm = bm0; bm <= mu && bm <= max_tasks; bm++) {
        int bn_max = max_tasks / bm > bn0 ? max_tasks / bm : bn0;
        for (int bn = bn0; bn <= nu && bn <= bn_max; bn++) {
            int tasks = bm * bn;
            double rows = (double)ceil_div(mu, bm) * mr, cols = (double)ceil_div(nu, bn) * nr;
            double task = rows * cols * k;
            double per_task = 50000.0 + rows * k * 4.0;
            double cost = ceil_div(tasks, threads) * task + 0.5 * task + (double)tasks / threads * per_task;
            if (best < 0 || cost < best * 0.999) {
                best = cost;
                *blocks_m = bm;
                *blocks_n = bn;
            }
        }
    }
}

void eb_gemm_f32(int m, int n, int k, const float *a, int lda, const eb_packed_b *b, float *c, int ldc,
                 const eb_epilogue *ep, eb_threadpool *tp)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        /* A*B is all zeros: C is the epilogue of the bias alone */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[(size_t)i * ldc + j] = eb_gemm_act_scalar(ep && ep->bias ? ep->bias[j] : 0.0f, ep);
        return;
    }
    const kernel_info *ki = kernel_for(b->isa);
    gemm_job g = {
        .ki = ki, .m = m, .n = n, .k = k, .a = a, .lda = (size_t)lda, .b = b,
        .c = c, .ldc = (size_t)ldc, .ep = ep,
    };
    g.kc = b->kc;
    int mu = ceil_div(m, ki->mr), nu = ceil_div(n, ki->nr);
    int threads = eb_threadpool_size(tp);
    /* below ~64k multiply-adds a second thread costs more than it gives */
    if ((double)m * n * k < 65536.0)
        threads = 1;
    int bm, bn;
    eb_gemm_split(mu, nu, ki->mr, ki->nr, k, threads, MC_MAX, NC_MAX, &bm, &bn);
    g.rows_per_block = ceil_div(mu, bm) * ki->mr;
    g.cols_per_block = ceil_div(nu, bn) * ki->nr;
    g.blocks_n = ceil_div(n, g.cols_per_block);
    int blocks_m = ceil_div(m, g.rows_per_block);
    int tasks = blocks_m * g.blocks_n;
    if (threads == 1) {
        for (int t = 0; t < tasks; t++)
            gemm_block(&g, t, 0);
    } else {
        eb_threadpool_run(tp, tasks, gemm_block, &g);
    }
}
