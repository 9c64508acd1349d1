/* gemm_i8_epilogue_avx2.h - the int8 GEMM epilogue on 8 int32 lanes, for
 * the 256-bit kernels (gemm_i8_6x16__avxvnni.c, gemm_i8_4x16__avx2.c):
 * eb_i8_epilogue_scalar's steps, one instruction per IEEE operation, no
 * FMA.  Internal; included only by those leaf files (x86-64). */
#ifndef EB_CPU_GEMM_I8_EPILOGUE_AVX2_H
#define EB_CPU_GEMM_I8_EPILOGUE_AVX2_H

#include <immintrin.h>

#include "runners/cpu/gemm_i8_kernel.h"

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

/* acc -> the output floats; GELU is left to a scalar pass after the store */
EB_T256 EB_INLINE __m256 eb_i8_epilogue8(__m256i acc, const eb_i8_cols8 *c, const eb_i8_epi *e)
{
    __m256 v = _mm256_cvtepi32_ps(_mm256_add_epi32(acc, c->comp));
    v = _mm256_mul_ps(v, c->mult);
    v = _mm256_mul_ps(v, _mm256_set1_ps(e->alpha));
    if (e->bias)
        v = _mm256_add_ps(v, c->bias);
    if (e->requant) {
        __m256 s = _mm256_set1_ps(e->out_scale);
        __m256 r = _mm256_div_ps(v, s);
        /* NaN -> 0 (eb_quantize: the zero point); clamp off cvtps2dq's overflow */
        r = _mm256_and_ps(r, _mm256_cmp_ps(r, r, _CMP_ORD_Q));
        r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-EB_I8_R_LIMIT)), _mm256_set1_ps(EB_I8_R_LIMIT));
        __m256i q = _mm256_cvtps_epi32(r);
        q = _mm256_max_epi32(q, _mm256_set1_epi32(-e->out_zero));
        q = _mm256_min_epi32(q, _mm256_set1_epi32(255 - e->out_zero));
        v = _mm256_mul_ps(_mm256_cvtepi32_ps(q), s);
    }
    switch (e->act.act) {
    case EB_ACT_RELU: return _mm256_max_ps(_mm256_setzero_ps(), v); /* NaN, -0 pass as in v < 0 ? 0 : v */
    case EB_ACT_CLIP: return _mm256_min_ps(_mm256_set1_ps(e->act.hi), _mm256_max_ps(_mm256_set1_ps(e->act.lo), v));
    default: return v;
    }
}

/* Stores the R x 16 tile acc (2 vectors a row) into the m x n box of C: int32
 * sums until the last step (plus C's with ACCUM), floats after the epilogue. */
EB_T256 EB_INLINE void eb_i8_store_tile16(const int R, __m256i (*acc)[2], float *c, size_t ldc, int m, int n,
                                          unsigned flags, size_t col, const eb_i8_epi *e)
{
    __m256i k0 = eb_i8_mask8(n < 8 ? n : 8), k1 = eb_i8_mask8(n > 8 ? (n < 16 ? n - 8 : 8) : 0);
    bool last = (flags & EB_UK_LAST) != 0;
    eb_i8_cols8 c0 = {0}, c1 = {0};
    if (last) {
        c0 = eb_i8_load_cols8(e, col, k0);
        c1 = eb_i8_load_cols8(e, col + 8, k1);
    }
    for (int i = 0; i < R; i++) {
        if (i >= m)
            break;
        float *ci = c + (size_t)i * ldc;
        __m256i v0 = acc[i][0], v1 = acc[i][1];
        if (flags & EB_UK_ACCUM) {
            v0 = _mm256_add_epi32(v0, _mm256_maskload_epi32((const int *)ci, k0));
            v1 = _mm256_add_epi32(v1, _mm256_maskload_epi32((const int *)(ci + 8), k1));
        }
        if (last) {
            _mm256_maskstore_ps(ci, k0, eb_i8_epilogue8(v0, &c0, e));
            _mm256_maskstore_ps(ci + 8, k1, eb_i8_epilogue8(v1, &c1, e));
        } else {
            _mm256_maskstore_epi32((int *)ci, k0, v0);
            _mm256_maskstore_epi32((int *)(ci + 8), k1, v1);
        }
    }
    if (last && e->act.act == EB_ACT_GELU)
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                c[(size_t)i * ldc + j] = eb_gemm_act_scalar(c[(size_t)i * ldc + j], &e->act);
}

#endif
