/* wgemm_f16__avx512.c - the fp16-weight product with AVX-512F: 16 halves
 * per vcvtph2ps (zmm), two accumulators per row of X, up to EB_WDOT_ROWS
 * rows per pass over W; one row of X runs four outputs at once.  Function-level target("avx512f"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,avx2,fma,f16c")))
#define INLINE static inline __attribute__((always_inline))

T512 INLINE void row_block(const eb_cweights *w, const int rows, const float *x, size_t ldx, float *y, size_t ldy,
                           int n)
{
    int k = w->k, c = 0;
    const uint16_t *h = w->h + (size_t)n * (size_t)k;
    __m512 a0[EB_WDOT_ROWS], a1[EB_WDOT_ROWS];
    #pragma GCC unroll 4
    for (int r = 0; r < rows; r++)
        a0[r] = a1[r] = _mm512_setzero_ps();
    for (; c + 32 <= k; c += 32) {
        __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(h + c)));
        __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(h + c + 16)));
        #pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            a0[r] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(x + (size_t)r * ldx + c), a0[r]);
            a1[r] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x + (size_t)r * ldx + c + 16), a1[r]);
        }
    }
    #pragma GCC unroll 4
    for (int r = 0; r < rows; r++) {
        float acc = _mm512_reduce_add_ps(_mm512_add_ps(a0[r], a1[r]));
        for (int cc = c; cc < k; cc++)
            acc += _cvtsh_ss(h[cc]) * x[(size_t)r * ldx + cc];
        y[(size_t)r * ldy + n] = acc;
    }
}

/* one row of X, outputs n..n+3: eight independent FMA chains and one load
 * of X for the four rows of W (the GEMV of decoding is otherwise bound by
 * the FMA latency of one row's two chains, not by memory) */
T512 INLINE void gemv4(const eb_cweights *w, const float *x, float *y, int n)
{
    int k = w->k, c = 0;
    const uint16_t *h[4];
    __m512 a0[4], a1[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        h[j] = w->h + (size_t)(n + j) * (size_t)k;
        a0[j] = a1[j] = _mm512_setzero_ps();
    }
    for (; c + 32 <= k; c += 32) {
        __m512 x0 = _mm512_loadu_ps(x + c), x1 = _mm512_loadu_ps(x + c + 16);
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            a0[j] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(h[j] + c))), x0, a0[j]);
            a1[j] = _mm512_fmadd_ps(_mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(h[j] + c + 16))), x1, a1[j]);
        }
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        float acc = _mm512_reduce_add_ps(_mm512_add_ps(a0[j], a1[j]));
        for (int cc = c; cc < k; cc++)
            acc += _cvtsh_ss(h[j][cc]) * x[cc];
        y[n + j] = acc;
    }
}

T512 void eb_wdot_f16__avx512(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y,
                              size_t ldy, int n0, int n1)
{
    int n = n0;
    if (rows == 1)
        for (; n + 4 <= n1; n += 4)
            gemv4(w, x, y, n);
    for (; n < n1; n++) {
        switch (rows) {
        case 1: row_block(w, 1, x, ldx, y, ldy, n); break;
        case 2: row_block(w, 2, x, ldx, y, ldy, n); break;
        case 3: row_block(w, 3, x, ldx, y, ldy, n); break;
        default: row_block(w, 4, x, ldx, y, ldy, n); break;
        }
    }
}
#endif
