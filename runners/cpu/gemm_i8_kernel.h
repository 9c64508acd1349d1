/* gemm_i8_kernel.h - the int8 micro-kernel contract between gemm_i8.c
 * (packing, blocking, threading, dispatch) and the per-ISA kernel files
 * (gemm_i8_<MR>x<NR>__<isa>.c).  Internal to runners/cpu.
 *
 * A micro-kernel computes one tile of at most MR x NR:
 *
 *   raw[i][j] (+)= sum_{p < kc} A'[i][p] * Bp[p][j]      i < m, j < n
 *
 * kc is a multiple of 4 (the K step of every layout); A is the driver's
 * copy of the rows (row i at a + i*lda, kc bytes readable, zero past K),
 * as u8, or as s8 a - 128 where the row wants signed activations
 * (eb_i8_a_signed: sdot and the AVX2 sign trick); Bp is one packed panel:
 * kc/4 groups of NR columns x 4 consecutive K values, s8 (zero past the
 * matrix's edges).  What raw means per row (the kernel's own arithmetic)
 * is undone by the column correction corr[j] the driver packed with B, so
 * that for every row
 *
 *   acc[i][j] = raw[i][j] + corr[j] - a_zero * colsum[j]
 *             = sum_k (A[i][k] - a_zero) * B[k][j]            (int32, mod 2^32)
 *
 * Until the last K step the tile is kept as int32 at sums (row stride
 * lds int32s); with EB_UK_ACCUM it is added to what sums holds.  The
 * driver points sums at C's own memory where C is 4 bytes an element (F32,
 * GRID_F32: C has room and the tile is hot), and at a per-block int32 tile
 * in the thread's scratch for U8 output with several K steps.  With
 * EB_UK_LAST the epilogue turns the sums into floats before the one store into
 * c (row stride ldc elements of e->out's type) (gemm_i8.h): v = (float)acc
 * * mult[j]; v *= alpha; v += bias[j]; requant; act; then for U8 /
 * GRID_F32 q = eb_quantize(v, next_scale, next_zero, 0, 255), stored as u8
 * or as (float)(q - next_zero).  Only the m x n box of C (and of sums) is
 * read or written.  Every step but GELU is one IEEE operation in that
 * order: the kernels
 * use separate multiply and add instructions, never an FMA. */
#ifndef EB_CPU_GEMM_I8_KERNEL_H
#define EB_CPU_GEMM_I8_KERNEL_H

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF /* gcc: -std=c11 already means -ffp-contract=off */
#endif

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runners/cpu/gemm_i8.h"
#include "runners/cpu/gemm_kernel.h"

/* The epilogue of one call, prepared by the driver (columns are absolute:
 * a kernel adds its tile's first column, `col`). */
typedef struct eb_i8_epi {
    const int32_t *colsum, *corr; /* packed B's, N values each */
    int32_t a_zero;
    const float *mult, *bias;     /* bias may be NULL */
    float alpha;
    bool requant;
    float out_scale;
    int32_t out_zero;             /* |out_zero| < 2^29 (a u8 grid's is 0..255) */
    eb_epilogue act;              /* act, lo, hi as the fp32 epilogue's (bias unused) */
    eb_i8_out out;                /* what c receives */
    float next_scale;             /* U8 / GRID_F32: the grid the result is quantized onto */
    int32_t next_zero;            /* |next_zero| < 2^29 */
} eb_i8_epi;

/* The kernels' form of the caller's epilogue, for a B with these column
 * sums and corrections (NULL for kernels that take the zero point out of
 * A themselves, as the depthwise rows do). */
static inline eb_i8_epi eb_i8_epi_of(const eb_epilogue_i8 *ep, const int32_t *colsum, const int32_t *corr)
{
    return (eb_i8_epi){.colsum = colsum, .corr = corr, .a_zero = ep->a_zero, .mult = ep->mult, .bias = ep->bias,
                       .alpha = ep->alpha, .requant = ep->requant, .out_scale = ep->out_scale,
                       .out_zero = ep->out_zero, .act = {.act = ep->act, .lo = ep->lo, .hi = ep->hi},
                       .out = ep->out, .next_scale = ep->next_scale, .next_zero = ep->next_zero};
}

typedef void (*eb_gemm_i8_ukernel)(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums,
                                   size_t lds, void *c, size_t ldc, int m, int n, unsigned flags, size_t col,
                                   const eb_i8_epi *e);

/* Bounds r = v / out_scale is clamped to before the vector kernels convert
 * it (cvtps2dq and friends overflow past 2^31): any r beyond them lands on
 * 0 or 255 either way, as eb_quantize's saturation does. */
#define EB_I8_R_LIMIT 1073741824.0f /* 2^30 */

/* eb_quantize(v, scale, z, 0, 255) (ref_compressed.c), step for step:
 * what the vector kernels' division, NaN -> 0, clamp to +-2^30,
 * cvtps2dq, + z, clamp onto 0..255 compute */
static inline int32_t eb_i8_quantize_scalar(float v, float scale, int32_t z)
{
    float r = v / scale;
    if (isnan(r))
        return z < 0 ? 0 : z > 255 ? 255 : z;
    if (r > 4e9f || r < -4e9f)
        return r > 0 ? 255 : 0;
    long t = lrintf(r) + z;
    return t < 0 ? 0 : t > 255 ? 255 : (int32_t)t;
}

/* One element of the epilogue up to the float result (after act), the
 * statement of what every kernel's vector code computes (GELU: within the
 * fp32 GEMM's tolerance, gelu_avx.h); the generic kernel runs it. */
static inline float eb_i8_epilogue_scalar(int32_t acc, size_t j, const eb_i8_epi *e)
{
    float v = (float)acc * e->mult[j];
    v *= e->alpha;
    if (e->bias)
        v += e->bias[j];
    if (e->requant)
        v = (float)(eb_i8_quantize_scalar(v, e->out_scale, e->out_zero) - e->out_zero) * e->out_scale;
    return eb_gemm_act_scalar(v, &e->act);
}

/* Stores the float result v as element idx of c, in e->out's form. */
static inline void eb_i8_store_scalar(void *c, size_t idx, float v, const eb_i8_epi *e)
{
    switch (e->out) {
    case EB_I8_OUT_U8: ((uint8_t *)c)[idx] = (uint8_t)eb_i8_quantize_scalar(v, e->next_scale, e->next_zero); break;
    case EB_I8_OUT_GRID_F32:
        ((float *)c)[idx] = (float)(eb_i8_quantize_scalar(v, e->next_scale, e->next_zero) - e->next_zero);
        break;
    default: ((float *)c)[idx] = v; break;
    }
}

/* bytes of one element of c */
static inline size_t eb_i8_out_size(const eb_i8_epi *e)
{
    return e->out == EB_I8_OUT_U8 ? 1 : 4;
}

/* acc = raw + corr - a_zero * colsum, wrapping as the hardware does */
static inline int32_t eb_i8_compensate(int32_t raw, size_t j, const eb_i8_epi *e)
{
    uint32_t v = (uint32_t)raw + (uint32_t)e->corr[j] - (uint32_t)e->a_zero * (uint32_t)e->colsum[j];
    return (int32_t)v;
}

/* The kernels (rows of kernels.def).  All share the packed layout above;
 * they differ in NR and in whether A arrives signed. */
enum { EB_I8_GENERIC_MR = 4, EB_I8_GENERIC_NR = 8 };
void gemm_i8_4x8__generic(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds, void *c,
                          size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e);

#if defined(__x86_64__)
enum { EB_I8_AVX512VNNI_MR = 14, EB_I8_AVX512VNNI_NR = 32 };
void gemm_i8_14x32__avx512vnni(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds,
                               void *c, size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e);
enum { EB_I8_AVXVNNI_MR = 6, EB_I8_AVXVNNI_NR = 16 };
void gemm_i8_6x16__avxvnni(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds, void *c,
                           size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e);
enum { EB_I8_AVX2_MR = 4, EB_I8_AVX2_NR = 16 };
void gemm_i8_4x16__avx2(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds, void *c,
                        size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e);
#endif

#if defined(__aarch64__) && (!defined(__clang__) || __clang_major__ >= 16 || defined(__ARM_FEATURE_DOTPROD))
#define EB_I8_HAVE_NEONDOT 1 /* the compiler can build the sdot kernel (gemm_i8_8x8__neondot.c) */
#else
#define EB_I8_HAVE_NEONDOT 0
#endif
#if EB_I8_HAVE_NEONDOT
enum { EB_I8_NEONDOT_MR = 8, EB_I8_NEONDOT_NR = 8 };
void gemm_i8_8x8__neondot(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds, void *c,
                          size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e);
#endif
#if defined(__aarch64__)
enum { EB_I8_NEON_MR = 4, EB_I8_NEON_NR = 8 };
void gemm_i8_4x8__neon(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds, void *c,
                       size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e);
#endif

#endif
