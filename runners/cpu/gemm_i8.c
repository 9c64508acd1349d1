/* gemm_i8.c - the int8 GEMM driver of the cpu runner (gemm_i8.h): B
 * packing with its column sums, the copy of A, cache blocking, the work
 * split over the thread pool, the epilogue's per-call constants, dispatch
 * to the GEMM_I8 row of the kernel table; and the activations'
 * quantization.  The arithmetic lives in the micro-kernels
 * (gemm_i8_*.c, contract in gemm_i8_kernel.h).
 *
 * Layout.  As the fp32 GEMM's (gemm.c), K block by K block, each block
 * holding every NR-wide column panel; inside a panel K runs in groups of 4
 * (NR columns x 4 consecutive K values, the operand vpdpbusd / sdot /
 * vpmaddubsw want), the last group zero-filled past K, columns past N
 * zero-filled.  K steps are multiples of 4 of at most KC bytes.  With B
 * the packing keeps, per column, colsum[j] = sum_k B[k][j] and the row's
 * correction corr[j] (gemm_i8_kernel.h): 0 where the kernel multiplies A
 * as u8 (VNNI, generic); 128 * colsum[j] where it takes A as s8 a - 128
 * (NEON sdot, NEON); 128 * colsum[j] - sum_{B[k][j] < 0} B[k][j] for the
 * AVX2 sign trick (gemm_i8_4x16__avx2.c).  The activations' zero point is
 * then one multiply-add per output (a_zero * colsum[j]), in the epilogue.
 *
 * A.  The kernels read whole groups of 4.  Where K is a multiple of 4 and
 * the row takes u8 they read the caller's A in place (copying it, as the
 * fp32 driver does, measured no faster here: within the noise at 1024^3).
 * Otherwise each C block copies its rows of the current K step into a
 * per-thread buffer (row stride a multiple of 64 plus 64 bytes), zero past
 * K up to the group of 4, and flipped to s8 (a ^ 0x80 = a - 128) where the
 * row wants signed activations: so no kernel reads past a row of A.
 *
 * Blocking and threading: as gemm.c, blocks of at most MC_MAX x NC_MAX,
 * eb_gemm_split's grid, one pool task per block.  Until its last K step a
 * block keeps its int32 sums in C's own memory where C's elements are 4
 * bytes (float and grid output), else (u8 output, K past one step) in an
 * int32 tile of the block's size in the thread's scratch, after the A
 * copy (at most MC_MAX x NC_MAX x 4 = 256 KiB, allocated once per
 * thread): the u8 C has no room for them, and the tile is as hot as C's
 * rows would be (gemm_i8_kernel.h).
 *
 *   kernel                      MR x NR   KC (bytes)  MC_MAX  NC_MAX
 *   gemm_i8_14x32__avx512vnni   14 x 32   1024        128     512
 *   gemm_i8_6x16__avxvnni        6 x 16   1024        128     512
 *   gemm_i8_4x16__avx2           4 x 16   1024        128     512
 *   gemm_i8_8x8__neondot         8 x  8   1024        128     512
 *   gemm_i8_4x8__neon            4 x  8   1024        128     512
 *   gemm_i8_4x8__generic         4 x  8   1024        128     512
 *
 * KC of 1024 bytes is the fp32 GEMM's 256 floats: the same L1/L2 budget. */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "runners/cpu/gemm_i8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reference_kernels/ref_quant.h"
#include "runners/cpu/gemm_i8_kernel.h"
#include "runners/cpu/kernels.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

enum { KC = 1024, MC_MAX = 128, NC_MAX = 512 };

struct eb_packed_b8 {
    eb_isa isa; /* of the row it was packed for */
    int k, n, nr;
    int kc;     /* K step, a multiple of 4 */
    size_t bytes;
    int8_t *data;
    int32_t *colsum, *corr; /* n values each */
};

static const eb_kernel *kernel_for(eb_isa isa)
{
    return eb_kernel_pick(EB_KERNEL_GEMM_I8, isa);
}

/* whether the row takes A as s8 a - 128 */
static bool a_signed(eb_isa isa)
{
    return isa == EB_ISA_AVX2 || isa == EB_ISA_NEON || isa == EB_ISA_NEONDOT;
}

static int ceil_div(int a, int b)
{
    return (a + b - 1) / b;
}

static int round4(int k)
{
    return (k + 3) / 4 * 4;
}

/* equal K steps of at most KC, each a multiple of 4 */
static int k_step(int k)
{
    return k > 0 ? round4(ceil_div(k, ceil_div(k, KC))) : 4;
}

/* the packed panel of the K step starting at row pc, columns from j */
static const int8_t *panel(const eb_packed_b8 *p, int pc, int j)
{
    int kcur = round4(p->k - pc < p->kc ? p->k - pc : p->kc);
    size_t panels = (size_t)ceil_div(p->n, p->nr);
    return p->data + (size_t)pc * panels * (size_t)p->nr + (size_t)(j / p->nr) * (size_t)kcur * (size_t)p->nr;
}

eb_status eb_gemm_i8_pack_b(const int8_t *b, int k, int n, int ldb, bool trans_b, eb_packed_b8 **out, eb_err *err)
{
    *out = NULL;
    if (k < 0 || n < 0 || k >= 65536)
        return eb_errf(err, EB_EINVAL, "gemm_i8: pack B: bad shape %d x %d (K must be below 65536)", k, n);
    int width = trans_b ? k : n;
    if (ldb < width)
        return eb_errf(err, EB_EINVAL, "gemm_i8: pack B: row stride %d is less than the row length %d", ldb, width);
    if (!b && k > 0 && n > 0)
        return eb_errf(err, EB_EINVAL, "gemm_i8: pack B: no data for a %d x %d matrix", k, n);
    size_t rows = trans_b ? (size_t)n : (size_t)k, cols = trans_b ? (size_t)k : (size_t)n;
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < cols; c++)
            if (b[r * (size_t)ldb + c] == -128)
                return eb_errf(err, EB_EUNSUPPORTED,
                               "gemm_i8: pack B: weight %d at (%zu, %zu); the int8 kernels need -127..127 (symmetric)",
                               -128, r, c);
    const eb_kernel *ki = kernel_for(eb_gemm_isa());
    eb_packed_b8 *p = calloc(1, sizeof *p);
    if (!p)
        return eb_errf(err, EB_ENOMEM, "gemm_i8: pack B: out of memory");
    p->isa = ki->isa;
    p->k = k;
    p->n = n;
    p->nr = ki->nr;
    p->kc = k_step(k);
    size_t nr = (size_t)ki->nr, panels = ((size_t)n + nr - 1) / nr;
    size_t data = panels * nr * (size_t)round4(k), alloc = (data + 63) / 64 * 64;
    p->bytes = data + 2 * (size_t)n * sizeof(int32_t);
    p->data = aligned_alloc(64, alloc ? alloc : 64);
    p->colsum = calloc((size_t)n + 1, sizeof(int32_t));
    p->corr = calloc((size_t)n + 1, sizeof(int32_t));
    if (!p->data || !p->colsum || !p->corr) {
        eb_gemm_i8_packed_free(p);
        return eb_errf(err, EB_ENOMEM, "gemm_i8: pack B: out of memory for %zu bytes", alloc);
    }
    memset(p->data, 0, alloc ? alloc : 64);
    int32_t *neg = calloc((size_t)n + 1, sizeof(int32_t));
    if (!neg) {
        eb_gemm_i8_packed_free(p);
        return eb_errf(err, EB_ENOMEM, "gemm_i8: pack B: out of memory");
    }
    for (int pc = 0; pc < k; pc += p->kc) {
        int kcur = k - pc < p->kc ? k - pc : p->kc;
        int8_t *blk = (int8_t *)panel(p, pc, 0);
        size_t kcur4 = (size_t)round4(kcur);
        for (int r = 0; r < kcur; r++)
            for (int j = 0; j < n; j++) {
                int8_t w = trans_b ? b[(size_t)j * (size_t)ldb + (size_t)(pc + r)]
                                   : b[(size_t)(pc + r) * (size_t)ldb + (size_t)j];
                size_t q = (size_t)j / nr, jj = (size_t)j % nr;
                blk[q * kcur4 * nr + (size_t)(r / 4) * 4 * nr + jj * 4 + (size_t)(r % 4)] = w;
                p->colsum[j] += w;
                if (w < 0)
                    neg[j] += w;
            }
    }
    for (int j = 0; j < n; j++) {
        if (p->isa == EB_ISA_AVX2)
            p->corr[j] = 128 * p->colsum[j] - neg[j];
        else if (a_signed(p->isa))
            p->corr[j] = 128 * p->colsum[j];
    }
    free(neg);
    *out = p;
    return EB_OK;
}

void eb_gemm_i8_packed_free(eb_packed_b8 *p)
{
    if (!p)
        return;
    free(p->data);
    free(p->colsum);
    free(p->corr);
    free(p);
}

size_t eb_gemm_i8_packed_bytes(const eb_packed_b8 *p)
{
    return p ? p->bytes + sizeof *p : 0;
}

/* ---- blocking and threading ---------------------------------------------- */

typedef struct gemm_job {
    const eb_kernel *ki;
    int m, n, k;
    const uint8_t *a;
    size_t lda;
    const eb_packed_b8 *b;
    void *c;
    size_t ldc;         /* in elements of C's type */
    const eb_i8_epi *e;
    bool flip;          /* copy A as a ^ 0x80 */
    int rows_per_block; /* multiple of MR */
    int cols_per_block; /* multiple of NR */
    int blocks_n;
} gemm_job;

static void gemm_block(void *ctx, int task, int worker)
{
    (void)worker;
    const gemm_job *g = ctx;
    const eb_kernel *ki = g->ki;
    int bi = task / g->blocks_n, bj = task % g->blocks_n;
    int i0 = bi * g->rows_per_block, i1 = i0 + g->rows_per_block;
    int j0 = bj * g->cols_per_block, j1 = j0 + g->cols_per_block;
    if (i1 > g->m)
        i1 = g->m;
    if (j1 > g->n)
        j1 = g->n;
    int kc_max = g->b->kc;
    size_t astride = ((size_t)kc_max + 63) / 64 * 64 + 64;
    bool copy_a = g->flip || g->k % 4 != 0;
    /* u8 output over several K steps: the sums in a tile of their own */
    bool own_sums = g->e->out == EB_I8_OUT_U8 && g->k > kc_max;
    size_t abytes = copy_a ? ((size_t)(i1 - i0) * astride + 63) / 64 * 64 : 0;
    size_t ldt = ((size_t)(j1 - j0) + 15) / 16 * 16; /* int32s a row of the tile */
    size_t tbytes = own_sums ? (size_t)(i1 - i0) * ldt * sizeof(int32_t) : 0;
    uint8_t *abuf = NULL;
    int32_t *tile = NULL;
    if (abytes + tbytes > 0) {
        uint8_t *scratch = (uint8_t *)eb_gemm_thread_scratch((abytes + tbytes) / sizeof(float) + 1);
        if (!scratch)
            abort(); /* nowhere to report it: the API is void; at most MC_MAX x (KC + 128 + 4 NC_MAX) bytes */
        abuf = scratch;
        tile = (int32_t *)(void *)(scratch + abytes);
    }
    size_t osize = eb_i8_out_size(g->e);
    for (int pc = 0; pc < g->k; pc += kc_max) {
        int kc = g->k - pc < kc_max ? g->k - pc : kc_max, kc4 = round4(kc);
        unsigned flags = (pc > 0 ? EB_UK_ACCUM : 0u) | (pc + kc == g->k ? EB_UK_LAST : 0u);
        /* A in place when its rows need no padding nor flipping */
        const uint8_t *ablk = g->a + (size_t)i0 * g->lda + (size_t)pc;
        size_t lda = g->lda;
        if (g->flip || kc != kc4) {
            for (int i = i0; i < i1; i++) {
                const uint8_t *src = g->a + (size_t)i * g->lda + (size_t)pc;
                uint8_t *d = abuf + (size_t)(i - i0) * astride;
                if (g->flip)
                    for (int p = 0; p < kc; p++)
                        d[p] = (uint8_t)(src[p] ^ 0x80u);
                else
                    memcpy(d, src, (size_t)kc);
                memset(d + kc, 0, (size_t)(kc4 - kc));
            }
            ablk = abuf;
            lda = astride;
        }
        for (int i = i0; i < i1; i += ki->mr) {
            int mr = i1 - i < ki->mr ? i1 - i : ki->mr;
            const uint8_t *a = ablk + (size_t)(i - i0) * lda;
            char *crow = (char *)g->c + (size_t)i * g->ldc * osize;
            for (int j = j0; j < j1; j += ki->nr) {
                int nr = j1 - j < ki->nr ? j1 - j : ki->nr;
                /* the sums: C's memory (4-byte outputs), the tile, or none (u8, one K step) */
                int32_t *sums = NULL;
                size_t lds = 0;
                if (osize == 4) {
                    sums = (int32_t *)(void *)(crow + (size_t)j * 4);
                    lds = g->ldc;
                } else if (own_sums) {
                    sums = tile + (size_t)(i - i0) * ldt + (size_t)(j - j0);
                    lds = ldt;
                }
                ki->fn.gemm_i8((size_t)kc4, a, lda, panel(g->b, pc, j), sums, lds, crow + (size_t)j * osize, g->ldc,
                               mr, nr, flags, (size_t)j, g->e);
            }
        }
    }
}

void eb_gemm_i8(int m, int n, int k, const uint8_t *a, int lda, const eb_packed_b8 *b, void *c, int ldc,
                const eb_epilogue_i8 *ep, eb_threadpool *tp)
{
    if (m <= 0 || n <= 0)
        return;
    eb_i8_epi e = eb_i8_epi_of(ep, b->colsum, b->corr);
    if (k <= 0) {
        /* A*B is all zeros: C is the epilogue of 0 */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                eb_i8_store_scalar(c, (size_t)i * (size_t)ldc + (size_t)j, eb_i8_epilogue_scalar(0, (size_t)j, &e), &e);
        return;
    }
    const eb_kernel *ki = kernel_for(b->isa);
    gemm_job g = {
        .ki = ki, .m = m, .n = n, .k = k, .a = a, .lda = (size_t)lda, .b = b, .c = c, .ldc = (size_t)ldc,
        .e = &e, .flip = a_signed(ki->isa),
    };
    int mu = ceil_div(m, ki->mr), nu = ceil_div(n, ki->nr);
    int threads = eb_threadpool_size(tp);
    /* below ~256k multiply-adds a second thread costs more than it gives */
    if ((double)m * n * k < 262144.0)
        threads = 1;
    int bm, bn;
    eb_gemm_split(mu, nu, ki->mr, ki->nr, k / 4, threads, MC_MAX, NC_MAX, &bm, &bn);
    g.rows_per_block = ceil_div(mu, bm) * ki->mr;
    g.cols_per_block = ceil_div(nu, bn) * ki->nr;
    g.blocks_n = ceil_div(n, g.cols_per_block);
    int tasks = ceil_div(m, g.rows_per_block) * g.blocks_n;
    if (threads == 1) {
        for (int t = 0; t < tasks; t++)
            gemm_block(&g, t, 0);
    } else {
        eb_threadpool_run(tp, tasks, gemm_block, &g);
    }
}

/* ---- activation quantization --------------------------------------------- */

void eb_quantize_u8(const float *x, size_t n, float scale, int32_t zero, uint8_t *q)
{
    size_t i = 0;
#if defined(__SSE2__)
    /* divps, NaN -> 0 (then round(0) + zero = the zero point, as
     * eb_quantize), clamp to +-2^30 (past it both saturate), cvtps2dq
     * (round to nearest even under the default MXCSR, as lrintf), + zero,
     * and the saturating packs clamp onto 0..255 */
    if (zero > -(1 << 29) && zero < (1 << 29)) {
        __m128 s = _mm_set1_ps(scale), lim = _mm_set1_ps(EB_I8_R_LIMIT), nlim = _mm_set1_ps(-EB_I8_R_LIMIT);
        __m128i z = _mm_set1_epi32(zero);
        for (; i + 16 <= n; i += 16) {
            __m128i v[4];
            for (int t = 0; t < 4; t++) {
                __m128 r = _mm_div_ps(_mm_loadu_ps(x + i + 4 * (size_t)t), s);
                r = _mm_and_ps(r, _mm_cmpord_ps(r, r));
                r = _mm_min_ps(_mm_max_ps(r, nlim), lim);
                v[t] = _mm_add_epi32(_mm_cvtps_epi32(r), z);
            }
            __m128i lo = _mm_packs_epi32(v[0], v[1]), hi = _mm_packs_epi32(v[2], v[3]);
            _mm_storeu_si128((__m128i *)(q + i), _mm_packus_epi16(lo, hi));
        }
    }
#endif
    for (; i < n; i++)
        q[i] = (uint8_t)eb_quantize(x[i], scale, zero, 0, 255);
}

void eb_dynamic_grid_u8(const float *x, size_t n, float *scale, int32_t *zero)
{
    float mn = 0, mx = 0;
    size_t i = 0;
#if defined(__SSE2__)
    /* minps(x, m) returns m when x is NaN: NaN is skipped, as fminf does;
     * min and max are exact, so the order does not matter (the sign of a
     * zero bound cannot change scale or zero) */
    if (n >= 8) {
        __m128 vmn = _mm_setzero_ps(), vmx = _mm_setzero_ps();
        for (; i + 4 <= n; i += 4) {
            __m128 v = _mm_loadu_ps(x + i);
            vmn = _mm_min_ps(v, vmn);
            vmx = _mm_max_ps(v, vmx);
        }
        float l[4], h[4];
        _mm_storeu_ps(l, vmn);
        _mm_storeu_ps(h, vmx);
        for (int t = 0; t < 4; t++) {
            mn = fminf(mn, l[t]);
            mx = fmaxf(mx, h[t]);
        }
    }
#endif
    for (; i < n; i++) {
        mn = fminf(mn, x[i]);
        mx = fmaxf(mx, x[i]);
    }
    /* eb_ref_dynamic_grid's last two lines */
    *scale = mx - mn > 0 ? (mx - mn) / 255.0f : 1.0f;
    *zero = eb_quantize(0.0f - mn, *scale, 0, 0, 255);
}
