/* gemm_i8_epilogue_avx2.h - the int8 GEMM epilogue on 8 int32 lanes and
 * the store of a 16-column tile in each output mode, for the 256-bit
 * kernels (gemm_i8_6x16__avxvnni.c, gemm_i8_4x16__avx2.c):
 * eb_i8_epilogue_scalar's and eb_i8_store_scalar's steps, one instruction
 * per IEEE operation, no FMA; GELU is the fp32 kernels' (gelu_avx.h).
 * Internal; included only by those leaf files (x86-64). */
#ifndef EB_CPU_GEMM_I8_EPILOGUE_AVX2_H
#define EB_CPU_GEMM_I8_EPILOGUE_AVX2_H

#include <immintrin.h>
#include <string.h>

#include "runners/cpu/gelu_avx.h"
#include "runners/cpu/gemm_i8_kernel.h"
#include "runners/cpu/quantize_avx.h"

#define EB_T256 __attribute__((target("avx2,fma")))
#define EB_INLINE static inline __attribute__((always_inline))

/* the lanes below n (0..8) */
EB_T256 EB_INLINE __m256i eb_i8_mask8(int n)
{
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* the per-column constants of 8 columns from j */
typedef struct eb_i8_cols8 {
    __m256i comp; /* corr - a_zero * colsum */
    __m256 mult, bias;
} eb_i8_cols8;

EB_T256 EB_INLINE eb_i8_cols8 eb_i8_load_cols8(const eb_i8_epi *e, size_t j, __m256i k)
{
    eb_i8_cols8 c;
    __m256i cs = _mm256_maskload_epi32(e->colsum + j, k), co = _mm256_maskload_epi32(e->corr + j, k);
    c.comp = _mm256_sub_epi32(co, _mm256_mullo_epi32(_mm256_set1_epi32(e->a_zero), cs));
    c.mult = _mm256_maskload_ps(e->mult + j, k);
    c.bias = e->bias ? _mm256_maskload_ps(e->bias + j, k) : _mm256_setzero_ps();
    return c;
}

/* eb_i8_quantize_scalar on 8 lanes: v / scale, NaN -> 0 (eb_quantize:
 * the zero point), clamped off cvtps2dq's overflow (beyond 2^30 the result
 * saturates either way), rounded to nearest even (lrintf under the
 * default MXCSR), + z, onto 0..255 */
EB_T256 EB_INLINE __m256i eb_i8_round8(__m256 v, float scale, int32_t z) /* before the clamp onto 0..255 */
{
    __m256 r = _mm256_div_ps(v, _mm256_set1_ps(scale));
    r = _mm256_and_ps(r, _mm256_cmp_ps(r, r, _CMP_ORD_Q));
    r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-EB_I8_R_LIMIT)), _mm256_set1_ps(EB_I8_R_LIMIT));
    return _mm256_add_epi32(_mm256_cvtps_epi32(r), _mm256_set1_epi32(z));
}

EB_T256 EB_INLINE __m256i eb_i8_quantize8(__m256 v, float scale, int32_t z)
{
    return eb_grid8(v, _mm256_set1_ps(scale), _mm256_set1_epi32(z));
}

/* acc -> the float result (after act) */
EB_T256 EB_INLINE __m256 eb_i8_epilogue8(__m256i acc, const eb_i8_cols8 *c, const eb_i8_epi *e)
{
    __m256 v = _mm256_cvtepi32_ps(_mm256_add_epi32(acc, c->comp));
    v = _mm256_mul_ps(v, c->mult);
    v = _mm256_mul_ps(v, _mm256_set1_ps(e->alpha));
    if (e->bias)
        v = _mm256_add_ps(v, c->bias);
    if (e->requant) {
        __m256i q = _mm256_sub_epi32(eb_i8_quantize8(v, e->out_scale, e->out_zero), _mm256_set1_epi32(e->out_zero));
        v = _mm256_mul_ps(_mm256_cvtepi32_ps(q), _mm256_set1_ps(e->out_scale));
    }
    switch (e->act.act) {
    case EB_ACT_RELU: return _mm256_max_ps(_mm256_setzero_ps(), v); /* NaN, -0 pass as in v < 0 ? 0 : v */
    case EB_ACT_CLIP: return _mm256_min_ps(_mm256_set1_ps(e->act.hi), _mm256_max_ps(_mm256_set1_ps(e->act.lo), v));
    case EB_ACT_GELU: return eb_gelu256(v);
    default: return v;
    }
}

/* Stores the float results f0 (columns 0-7) and f1 (8-15) of one row, n
 * columns, at ci in e->out's form. */
EB_T256 EB_INLINE void eb_i8_store_row16(void *ci, __m256 f0, __m256 f1, __m256i k0, __m256i k1, int n,
                                         const eb_i8_epi *e)
{
    if (e->out == EB_I8_OUT_F32) {
        _mm256_maskstore_ps((float *)ci, k0, f0);
        _mm256_maskstore_ps((float *)ci + 8, k1, f1);
        return;
    }
    if (e->out == EB_I8_OUT_GRID_F32) {
        __m256i q0 = eb_i8_quantize8(f0, e->next_scale, e->next_zero);
        __m256i q1 = eb_i8_quantize8(f1, e->next_scale, e->next_zero);
        __m256i z = _mm256_set1_epi32(e->next_zero);
        _mm256_maskstore_ps((float *)ci, k0, _mm256_cvtepi32_ps(_mm256_sub_epi32(q0, z)));
        _mm256_maskstore_ps((float *)ci + 8, k1, _mm256_cvtepi32_ps(_mm256_sub_epi32(q1, z)));
        return;
    }
    /* |q| < 2^31 before the clamp: the saturating packs (int16, then
     * 0..255) clamp it, as eb_quantize_u8's SSE form does */
    __m256i q0 = eb_i8_round8(f0, e->next_scale, e->next_zero);
    __m256i q1 = eb_i8_round8(f1, e->next_scale, e->next_zero);
    __m128i w0 = _mm_packs_epi32(_mm256_castsi256_si128(q0), _mm256_extracti128_si256(q0, 1));
    __m128i w1 = _mm_packs_epi32(_mm256_castsi256_si128(q1), _mm256_extracti128_si256(q1, 1));
    __m128i b = _mm_packus_epi16(w0, w1);
    if (n >= 16) {
        _mm_storeu_si128((__m128i *)ci, b);
    } else {
        uint8_t t[16];
        _mm_storeu_si128((__m128i *)t, b);
        memcpy(ci, t, (size_t)n);
    }
}

/* Stores the R x 16 tile acc (2 vectors a row) into the m x n box: int32
 * sums at sums until the last step (plus those there with ACCUM), the
 * result into C after the epilogue. */
EB_T256 EB_INLINE void eb_i8_store_tile16(const int R, __m256i (*acc)[2], int32_t *sums, size_t lds, void *c,
                                          size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    __m256i k0 = eb_i8_mask8(n < 8 ? n : 8), k1 = eb_i8_mask8(n > 8 ? (n < 16 ? n - 8 : 8) : 0);
    bool last = (flags & EB_UK_LAST) != 0;
    eb_i8_cols8 c0 = {0}, c1 = {0};
    size_t row_bytes = ldc * eb_i8_out_size(e);
    if (last) {
        c0 = eb_i8_load_cols8(e, col, k0);
        c1 = eb_i8_load_cols8(e, col + 8, k1);
    }
    for (int i = 0; i < R; i++) {
        if (i >= m)
            break;
        /* sums is unused (may be NULL) on a lone K step */
        int32_t *si = last && !(flags & EB_UK_ACCUM) ? NULL : sums + (size_t)i * lds;
        __m256i v0 = acc[i][0], v1 = acc[i][1];
        if (flags & EB_UK_ACCUM) {
            v0 = _mm256_add_epi32(v0, _mm256_maskload_epi32((const int *)si, k0));
            v1 = _mm256_add_epi32(v1, _mm256_maskload_epi32((const int *)(si + 8), k1));
        }
        if (last) {
            eb_i8_store_row16((char *)c + (size_t)i * row_bytes, eb_i8_epilogue8(v0, &c0, e),
                              eb_i8_epilogue8(v1, &c1, e), k0, k1, n, e);
        } else {
            _mm256_maskstore_epi32((int *)si, k0, v0);
            _mm256_maskstore_epi32((int *)(si + 8), k1, v1);
        }
    }
}

#endif
