/* wgemm_f16__avx2.c - the fp16-weight product with AVX2+FMA and F16C
 * (every AVX2 CPU has F16C): 8 halves per vcvtph2ps, straight into FMAs for
 * up to EB_WDOT_ROWS rows of X, two accumulators per row to cover the FMA
 * latency.  Function-level target("avx2,fma,f16c"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define T256 __attribute__((target("avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline))

T256 INLINE float hsum256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

T256 INLINE void row_block(const eb_cweights *w, const int rows, const float *x, size_t ldx, float *y, size_t ldy,
                           int n)
{
    int k = w->k, c = 0;
    const uint16_t *h = w->h + (size_t)n * (size_t)k;
    __m256 a0[EB_WDOT_ROWS], a1[EB_WDOT_ROWS];
    #pragma GCC unroll 4
    for (int r = 0; r < rows; r++)
        a0[r] = a1[r] = _mm256_setzero_ps();
    for (; c + 16 <= k; c += 16) {
        __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + c)));
        __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + c + 8)));
        #pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + (size_t)r * ldx + c), a0[r]);
            a1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + (size_t)r * ldx + c + 8), a1[r]);
        }
    }
    #pragma GCC unroll 4
    for (int r = 0; r < rows; r++) {
        float acc = hsum256(_mm256_add_ps(a0[r], a1[r]));
        for (int cc = c; cc < k; cc++)
            acc += _cvtsh_ss(h[cc]) * x[(size_t)r * ldx + cc];
        y[(size_t)r * ldy + n] = acc;
    }
}

T256 void eb_wdot_f16__avx2(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y,
                            size_t ldy, int n0, int n1)
{
    for (int n = n0; n < n1; n++) {
        switch (rows) {
        case 1: row_block(w, 1, x, ldx, y, ldy, n); break;
        case 2: row_block(w, 2, x, ldx, y, ldy, n); break;
        case 3: row_block(w, 3, x, ldx, y, ldy, n); break;
        default: row_block(w, 4, x, ldx, y, ldy, n); break;
        }
    }
}
#endif
