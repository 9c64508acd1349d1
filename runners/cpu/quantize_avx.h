/* quantize_avx.h - eb_quantize onto a u8 grid at AVX2 and AVX-512 width,
 * on values in registers: one IEEE division, NaN to the zero point, round
 * to nearest even (cvtps2dq under the default MXCSR, as lrintf), + zero,
 * saturate to 0..255; r is first clamped to +-2^30, past which both sides
 * saturate.  Internal to the x86-64 leaves that quantize activations
 * (quantize_u8_avx.c, the int8 depthwise rows, the int8 GEMM's AVX2 and
 * AVX-512 epilogues). */
#ifndef EB_CPU_QUANTIZE_AVX_H
#define EB_CPU_QUANTIZE_AVX_H

#if defined(__x86_64__) /* nothing on other targets: its includers build there as empty leaves */
#include <immintrin.h>

#include "runners/cpu/gemm_i8_kernel.h"

static inline __attribute__((always_inline, target("avx512f"))) __m512i eb_grid16(__m512 v, __m512 s, __m512i z)
{
    __m512 r = _mm512_div_ps(v, s);
    r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(r, r, _CMP_ORD_Q), r);
    r = _mm512_min_ps(_mm512_max_ps(r, _mm512_set1_ps(-EB_I8_R_LIMIT)), _mm512_set1_ps(EB_I8_R_LIMIT));
    __m512i q = _mm512_add_epi32(_mm512_cvtps_epi32(r), z);
    return _mm512_min_epi32(_mm512_max_epi32(q, _mm512_setzero_si512()), _mm512_set1_epi32(255));
}

static inline __attribute__((always_inline, target("avx2"))) __m256i eb_grid8(__m256 v, __m256 s, __m256i z)
{
    __m256 r = _mm256_div_ps(v, s);
    r = _mm256_and_ps(r, _mm256_cmp_ps(r, r, _CMP_ORD_Q));
    r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-EB_I8_R_LIMIT)), _mm256_set1_ps(EB_I8_R_LIMIT));
    __m256i q = _mm256_add_epi32(_mm256_cvtps_epi32(r), z);
    return _mm256_min_epi32(_mm256_max_epi32(q, _mm256_setzero_si256()), _mm256_set1_epi32(255));
}

#endif /* __x86_64__ */

#endif
