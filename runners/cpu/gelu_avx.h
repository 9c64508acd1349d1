/* gelu_avx.h - the vector GELU of the x86 GEMM epilogues, written once for
 * the fp32 kernels (gemm_f32_avx2.c, gemm_f32_avx512.c) and the int8 ones
 * (gemm_i8_epilogue_avx2.h, gemm_i8_14x32__avx512vnni.c): so an int8
 * layer's GELU is the fp32 GEMM's, value for value.
 *
 * erf(x) is a rational function on [-4, 4] (Eigen's / TensorFlow's fast
 * float erf; max abs error ~4e-7), clamped outside; GELU is
 * 0.5 x (1 + erf(x / sqrt 2)), and 0 below x = -4 sqrt 2, where the true
 * value is under 5e-8 in magnitude (so the approximation's error at the
 * clamp is not multiplied by a large |x|).  Against the scalar definition
 * (eb_gemm_act_scalar, erff) it is within the fp32 GEMM rows' tolerance
 * (kernels.def), not bit-exact.  Internal; x86-64 leaf files only: each
 * function carries its own target, so the including file builds with
 * generic flags. */
#ifndef EB_CPU_GELU_AVX_H
#define EB_CPU_GELU_AVX_H

#if defined(__x86_64__)
#include <immintrin.h>

#define EB_GELU_T256 __attribute__((target("avx2,fma")))
#define EB_GELU_T512 __attribute__((target("avx512f")))
#define EB_GELU_INLINE static inline __attribute__((always_inline))

EB_GELU_T256 EB_GELU_INLINE __m256 eb_erf256(__m256 x)
{
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(4.0f)), _mm256_set1_ps(-4.0f));
    __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_fmadd_ps(x2, _mm256_set1_ps(-2.72614225801306e-10f), _mm256_set1_ps(2.77068142495902e-08f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.10102402082508e-06f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-5.69250639462346e-05f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-7.34990630326855e-04f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-2.95459980854025e-03f));
    p = _mm256_fmadd_ps(x2, p, _mm256_set1_ps(-1.60960333262415e-02f));
    p = _mm256_mul_ps(x, p);
    __m256 q = _mm256_fmadd_ps(x2, _mm256_set1_ps(-1.45660718464996e-05f), _mm256_set1_ps(-2.13374055278905e-04f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.68282697438203e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-7.37332916720468e-03f));
    q = _mm256_fmadd_ps(x2, q, _mm256_set1_ps(-1.42647390514189e-02f));
    return _mm256_div_ps(p, q);
}

EB_GELU_T256 EB_GELU_INLINE __m256 eb_gelu256(__m256 x)
{
    __m256 e = eb_erf256(_mm256_mul_ps(x, _mm256_set1_ps(0.70710678118654752440f)));
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(x, _mm256_set1_ps(0.5f)), _mm256_add_ps(e, _mm256_set1_ps(1.0f)));
    /* not-less-than, true for NaN: NaN passes through, as in the scalar
     * form and the AVX-512 one (a GE compare made it 0) */
    __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(-5.656854249f), _CMP_NLT_UQ);
    return _mm256_and_ps(y, keep);
}

EB_GELU_T512 EB_GELU_INLINE __m512 eb_erf512(__m512 x)
{
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(4.0f)), _mm512_set1_ps(-4.0f));
    __m512 x2 = _mm512_mul_ps(x, x);
    __m512 p = _mm512_fmadd_ps(x2, _mm512_set1_ps(-2.72614225801306e-10f), _mm512_set1_ps(2.77068142495902e-08f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.10102402082508e-06f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-5.69250639462346e-05f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-7.34990630326855e-04f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-2.95459980854025e-03f));
    p = _mm512_fmadd_ps(x2, p, _mm512_set1_ps(-1.60960333262415e-02f));
    p = _mm512_mul_ps(x, p);
    __m512 q = _mm512_fmadd_ps(x2, _mm512_set1_ps(-1.45660718464996e-05f), _mm512_set1_ps(-2.13374055278905e-04f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.68282697438203e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-7.37332916720468e-03f));
    q = _mm512_fmadd_ps(x2, q, _mm512_set1_ps(-1.42647390514189e-02f));
    return _mm512_div_ps(p, q);
}

EB_GELU_T512 EB_GELU_INLINE __m512 eb_gelu512(__m512 x)
{
    __m512 e = eb_erf512(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752440f)));
    __m512 y = _mm512_mul_ps(_mm512_mul_ps(x, _mm512_set1_ps(0.5f)), _mm512_add_ps(e, _mm512_set1_ps(1.0f)));
    __mmask16 tiny = _mm512_cmp_ps_mask(x, _mm512_set1_ps(-5.656854249f), _CMP_LT_OQ);
    return _mm512_mask_mov_ps(y, tiny, _mm512_setzero_ps());
}

#endif
#endif
