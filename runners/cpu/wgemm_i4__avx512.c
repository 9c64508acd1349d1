/* wgemm_i4__avx512.c - the int4 group-wise weight-only product with
 * AVX-512F (wgemm.h's I4 layout): as the AVX2 kernel, but each half of a
 * 32-weight chunk (16 nibbles) widens to one zmm of 16 floats (vpmovzxbd
 * from the 16 bytes), so a chunk is 2 conversions and 2 FMAs per row of X.
 * Function-level target("avx512f"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

T512 INLINE float zero_corr(const float *s, const float *z, const float *xs, int ng)
{
    __m512 acc = _mm512_setzero_ps();
    int g = 0;
    for (; g + 16 <= ng; g += 16) {
        __m512 sz = _mm512_loadu_ps(s + g);
        sz = z ? _mm512_mul_ps(sz, _mm512_loadu_ps(z + g)) : _mm512_mul_ps(sz, _mm512_set1_ps(8.0f));
        acc = _mm512_fmadd_ps(sz, _mm512_loadu_ps(xs + g), acc);
    }
    float r = _mm512_reduce_add_ps(acc);
    for (; g < ng; g++)
        r += s[g] * (z ? z[g] : 8.0f) * xs[g];
    return r;
}

T512 INLINE void row_block(const eb_cweights *w, const int rows, const float *x, size_t ldx, const float *xsum,
                           float *y, size_t ldy, int n)
{
    int k = w->k, g = w->group, ng = k / g;
    const uint8_t *q = w->q + (size_t)n * (size_t)k / 2;
    const float *s = w->scale + (size_t)n * ng;
    const __m128i m4 = _mm_set1_epi8(0x0f);
    __m512 acc[EB_WDOT_ROWS], lo[EB_WDOT_ROWS], hi[EB_WDOT_ROWS];
    for (int r = 0; r < rows; r++)
        acc[r] = lo[r] = hi[r] = _mm512_setzero_ps();
    for (int c = 0; c < k; c += 32) {
        __m128i b = _mm_loadu_si128((const __m128i *)(q + c / 2));
        __m512 u0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(b, m4)));
        __m512 u1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(b, 4), m4)));
        for (int r = 0; r < rows; r++) {
            const float *xr = x + (size_t)r * ldx + c;
            lo[r] = _mm512_fmadd_ps(u0, _mm512_loadu_ps(xr), lo[r]);
            hi[r] = _mm512_fmadd_ps(u1, _mm512_loadu_ps(xr + 16), hi[r]);
        }
        if (g == 16) { /* each half its own group */
            __m512 s0 = _mm512_set1_ps(s[c / 16]), s1 = _mm512_set1_ps(s[c / 16 + 1]);
            for (int r = 0; r < rows; r++) {
                acc[r] = _mm512_fmadd_ps(lo[r], s0, _mm512_fmadd_ps(hi[r], s1, acc[r]));
                lo[r] = hi[r] = _mm512_setzero_ps();
            }
        } else if ((c + 32) % g == 0) {
            __m512 sg = _mm512_set1_ps(s[c / g]);
            for (int r = 0; r < rows; r++) {
                acc[r] = _mm512_fmadd_ps(_mm512_add_ps(lo[r], hi[r]), sg, acc[r]);
                lo[r] = hi[r] = _mm512_setzero_ps();
            }
        }
    }
    const float *z = w->zero ? w->zero + (size_t)n * ng : NULL;
    for (int r = 0; r < rows; r++)
        y[(size_t)r * ldy + n] = _mm512_reduce_add_ps(acc[r]) - zero_corr(s, z, xsum + (size_t)r * ng, ng);
}

T512 void eb_wdot_i4__avx512(const eb_cweights *w, int rows, const float *x, size_t ldx, const float *xsum, float *y,
                             size_t ldy, int n0, int n1)
{
    for (int n = n0; n < n1; n++) {
        switch (rows) { /* constant row counts: the accumulators stay in registers */
        case 1: row_block(w, 1, x, ldx, xsum, y, ldy, n); break;
        case 2: row_block(w, 2, x, ldx, xsum, y, ldy, n); break;
        case 3: row_block(w, 3, x, ldx, xsum, y, ldy, n); break;
        default: row_block(w, 4, x, ldx, xsum, y, ldy, n); break;
        }
    }
}
#endif
