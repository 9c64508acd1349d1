/* gemm_i8_14x32__avx512vnni.c - the AVX-512 VNNI int8 GEMM micro-kernel,
 * 14 x 32.
 *
 * vpdpbusd multiplies 4 u8 x s8 pairs per int32 lane and adds them into
 * the lane, exactly (the products and their sum fit int32; the
 * accumulator wraps, and the true result fits int32 for K < 2^16): A's u8
 * values are used as they are, raw = sum a * w, no correction.  28 zmm
 * accumulators (14 rows x 2 vectors of 16 columns), two B vectors (one
 * 128-byte group of the packed panel: 32 columns x 4 K values) and one
 * broadcast of 4 A bytes: 31 of the 32 registers, as the fp32 14 x 32
 * kernel.  Fewer rows run a smaller instantiation (8, 4, 2 or 1 rows), a
 * panel of 16 columns or fewer skips the second vector.
 *
 * The epilogue runs on the accumulators, in ref_quant.h's order, one
 * instruction per IEEE operation (cvtdq2ps, mul, mul, add, div, cvtps2dq
 * under the default MXCSR = lrintf's round to nearest even) and no FMA;
 * GELU is the fp32 kernels' (gelu_avx.h).  The result is stored as floats,
 * or quantized onto the next layer's grid (vpmovdb for u8).
 * Function-level target: the file builds with generic flags. */
#include "runners/cpu/gemm_i8_kernel.h"
#include "runners/cpu/quantize_avx.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "runners/cpu/gelu_avx.h"

#define T512 __attribute__((target("avx512f,avx512bw,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

enum { MR = EB_I8_AVX512VNNI_MR, NR = EB_I8_AVX512VNNI_NR };

/* the per-column constants of 16 columns from j */
typedef struct cols16 {
    __m512i comp;      /* corr - a_zero * colsum */
    __m512 mult, bias;
} cols16;

T512 INLINE cols16 load_cols(const eb_i8_epi *e, size_t j, __mmask16 k)
{
    cols16 c;
    __m512i cs = _mm512_maskz_loadu_epi32(k, e->colsum + j), co = _mm512_maskz_loadu_epi32(k, e->corr + j);
    c.comp = _mm512_sub_epi32(co, _mm512_mullo_epi32(_mm512_set1_epi32(e->a_zero), cs));
    c.mult = _mm512_maskz_loadu_ps(k, e->mult + j);
    c.bias = e->bias ? _mm512_maskz_loadu_ps(k, e->bias + j) : _mm512_setzero_ps();
    return c;
}

/* eb_i8_quantize_scalar on 16 lanes: v / scale, NaN -> 0 (eb_quantize:
 * the zero point), clamped off cvtps2dq's overflow (beyond 2^30 the result
 * saturates either way), rounded to nearest even, + z, onto 0..255 */
T512 INLINE __m512i round16(__m512 v, float scale, int32_t z) /* before the clamp onto 0..255 */
{
    __m512 r = _mm512_div_ps(v, _mm512_set1_ps(scale));
    r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(r, r, _CMP_ORD_Q), r);
    r = _mm512_min_ps(_mm512_max_ps(r, _mm512_set1_ps(-EB_I8_R_LIMIT)), _mm512_set1_ps(EB_I8_R_LIMIT));
    return _mm512_add_epi32(_mm512_cvtps_epi32(r), _mm512_set1_epi32(z));
}

T512 INLINE __m512i quantize16(__m512 v, float scale, int32_t z)
{
    return eb_grid16(v, _mm512_set1_ps(scale), _mm512_set1_epi32(z));
}

/* acc -> the float result (after act) */
T512 INLINE __m512 epilogue(__m512i acc, const cols16 *c, const eb_i8_epi *e)
{
    __m512 v = _mm512_cvtepi32_ps(_mm512_add_epi32(acc, c->comp));
    v = _mm512_mul_ps(v, c->mult);
    v = _mm512_mul_ps(v, _mm512_set1_ps(e->alpha));
    if (e->bias)
        v = _mm512_add_ps(v, c->bias);
    if (e->requant) {
        __m512i q = _mm512_sub_epi32(quantize16(v, e->out_scale, e->out_zero), _mm512_set1_epi32(e->out_zero));
        v = _mm512_mul_ps(_mm512_cvtepi32_ps(q), _mm512_set1_ps(e->out_scale));
    }
    switch (e->act.act) {
    /* max(0, v) returns v when v is NaN or -0, as v < 0 ? 0 : v does */
    case EB_ACT_RELU: return _mm512_max_ps(_mm512_setzero_ps(), v);
    case EB_ACT_CLIP:
        return _mm512_min_ps(_mm512_set1_ps(e->act.hi), _mm512_max_ps(_mm512_set1_ps(e->act.lo), v));
    case EB_ACT_GELU: return eb_gelu512(v);
    default: return v;
    }
}

/* Stores the float result v of 16 columns (mask k) at ci, in e->out's form */
T512 INLINE void store16(void *ci, __mmask16 k, __m512 v, const eb_i8_epi *e)
{
    switch (e->out) {
    case EB_I8_OUT_U8:
        /* the clamp at 255 is vpmovusdb's unsigned saturation */
        _mm512_mask_cvtusepi32_storeu_epi8(
            ci, k, _mm512_max_epi32(round16(v, e->next_scale, e->next_zero), _mm512_setzero_si512()));
        break;
    case EB_I8_OUT_GRID_F32: {
        __m512i q = _mm512_sub_epi32(quantize16(v, e->next_scale, e->next_zero), _mm512_set1_epi32(e->next_zero));
        _mm512_mask_storeu_ps(ci, k, _mm512_cvtepi32_ps(q));
        break;
    }
    default: _mm512_mask_storeu_ps(ci, k, v); break;
    }
}

/* The tile body for R rows (a compile-time constant after inlining). */
T512 INLINE void tile(const int R, const bool half, size_t kc, const uint8_t *a, size_t lda, const int8_t *b,
                      int32_t *sums, size_t lds, void *c, size_t ldc, int m, int n, unsigned flags, size_t col,
                      const eb_i8_epi *e)
{
    __m512i acc[MR][2];
    const uint8_t *ar[MR];
    size_t out_size = eb_i8_out_size(e), row_bytes = ldc * out_size;
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
        acc[i][0] = _mm512_setzero_si512();
        acc[i][1] = _mm512_setzero_si512();
    }
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
        if (i < m) {
            const int32_t *si = (flags & EB_UK_ACCUM) ? sums + (size_t)i * lds : NULL;
            const char *ci = (const char *)c + (size_t)i * row_bytes;
            _mm_prefetch(si ? (const char *)si : ci, _MM_HINT_T0);
            _mm_prefetch(si ? (const char *)(si + (n > 16 ? n - 1 : 0)) : ci + (size_t)(n - 1) * out_size,
                         _MM_HINT_T0);
        }
    }
    for (size_t p = 0; p < kc; p += 4) {
        __m512i b0 = _mm512_load_si512((const void *)b);
        __m512i b1 = half ? b0 : _mm512_load_si512((const void *)(b + 64));
        b += 4 * NR;
#pragma GCC unroll 14
        for (int i = 0; i < R; i++) {
            int32_t a4;
            memcpy(&a4, ar[i] + p, sizeof a4);
            __m512i av = _mm512_set1_epi32(a4);
            acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], av, b0);
            if (!half)
                acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], av, b1);
        }
    }
    __mmask16 k0 = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
    __mmask16 k1 = n >= 32 ? (__mmask16)0xffff : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : (__mmask16)0;
    if (!(flags & EB_UK_LAST)) {
        /* the int32 sums, for the next K step */
#pragma GCC unroll 14
        for (int i = 0; i < R; i++) {
            if (i >= m)
                break;
            int32_t *si = sums + (size_t)i * lds;
            __m512i v0 = acc[i][0], v1 = acc[i][1];
            if (flags & EB_UK_ACCUM) {
                v0 = _mm512_add_epi32(v0, _mm512_maskz_loadu_epi32(k0, si));
                v1 = _mm512_add_epi32(v1, _mm512_maskz_loadu_epi32(k1, si + 16));
            }
            _mm512_mask_storeu_epi32(si, k0, v0);
            _mm512_mask_storeu_epi32(si + 16, k1, v1);
        }
        return;
    }
    /* The epilogue, in a loop that is not unrolled: one copy of its code
     * (every output mode, GELU) instead of one per row */
    cols16 c0 = load_cols(e, col, k0), c1 = load_cols(e, col + 16, k1);
    __m512i fin[MR][2];
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
        fin[i][0] = acc[i][0];
        fin[i][1] = acc[i][1];
    }
#pragma GCC unroll 1
    for (int i = 0; i < R && i < m; i++) {
        __m512i v0 = fin[i][0], v1 = fin[i][1];
        if (flags & EB_UK_ACCUM) {
            const int32_t *si = sums + (size_t)i * lds;
            v0 = _mm512_add_epi32(v0, _mm512_maskz_loadu_epi32(k0, si));
            v1 = _mm512_add_epi32(v1, _mm512_maskz_loadu_epi32(k1, si + 16));
        }
        char *ci = (char *)c + (size_t)i * row_bytes;
        store16(ci, k0, epilogue(v0, &c0, e), e);
        store16(ci + 16 * out_size, k1, epilogue(v1, &c1, e), e);
    }
}

T512 void gemm_i8_14x32__avx512vnni(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums,
                                    size_t lds, void *c, size_t ldc, int m, int n, unsigned flags, size_t col,
                                    const eb_i8_epi *e)
{
    if (n <= 16) {
        if (m > 8)
            tile(14, true, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
        else
            tile(8, true, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    } else if (m > 8)
        tile(14, false, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 4)
        tile(8, false, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 2)
        tile(4, false, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 1)
        tile(2, false, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else
        tile(1, false, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
}

#endif
