/* wgemm_i4__avx2.c - the int4 group-wise weight-only product with AVX2+FMA
 * (wgemm.h's I4 layout).  Per chunk of 32 weights: one 16-byte load, the
 * low nibbles (elements 0..15) by an AND, the high ones (16..31) by a
 * shift and an AND, widened to fp32 in registers (vpmovzxbd, vcvtdq2ps) and
 * multiplied into per-group accumulators for up to EB_WDOT_ROWS rows of X
 * at once; at each group's end the group sum is scaled into the row's
 * total, and the zero correction scale * zero * (sum of X over the group)
 * is subtracted once per row at the end.  Function-level target("avx2,fma"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define T256 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

T256 INLINE float hsum256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* sum_g s[g] * z[g] * xs[g] (z NULL: 8) */
T256 INLINE float zero_corr(const float *s, const float *z, const float *xs, int ng)
{
    __m256 acc = _mm256_setzero_ps();
    int g = 0;
    for (; g + 8 <= ng; g += 8) {
        __m256 sz = _mm256_loadu_ps(s + g);
        sz = z ? _mm256_mul_ps(sz, _mm256_loadu_ps(z + g)) : _mm256_mul_ps(sz, _mm256_set1_ps(8.0f));
        acc = _mm256_fmadd_ps(sz, _mm256_loadu_ps(xs + g), acc);
    }
    float r = hsum256(acc);
    for (; g < ng; g++)
        r += s[g] * (z ? z[g] : 8.0f) * xs[g];
    return r;
}

T256 INLINE void row_block(const eb_cweights *w, const int rows, const float *x, size_t ldx, const float *xsum,
                           float *y, size_t ldy, int n)
{
    int k = w->k, g = w->group, ng = k / g;
    const uint8_t *q = w->q + (size_t)n * (size_t)k / 2;
    const float *s = w->scale + (size_t)n * ng;
    const __m128i m4 = _mm_set1_epi8(0x0f);
    __m256 acc[EB_WDOT_ROWS], lo[EB_WDOT_ROWS], hi[EB_WDOT_ROWS];
    for (int r = 0; r < rows; r++)
        acc[r] = lo[r] = hi[r] = _mm256_setzero_ps();
    for (int c = 0; c < k; c += 32) {
        __m128i b = _mm_loadu_si128((const __m128i *)(q + c / 2));
        __m128i bl = _mm_and_si128(b, m4), bh = _mm_and_si128(_mm_srli_epi16(b, 4), m4);
        __m256 u0 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bl));
        __m256 u1 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(bl, bl)));
        __m256 u2 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bh));
        __m256 u3 = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(bh, bh)));
        for (int r = 0; r < rows; r++) {
            const float *xr = x + (size_t)r * ldx + c;
            lo[r] = _mm256_fmadd_ps(u0, _mm256_loadu_ps(xr), lo[r]);
            lo[r] = _mm256_fmadd_ps(u1, _mm256_loadu_ps(xr + 8), lo[r]);
            hi[r] = _mm256_fmadd_ps(u2, _mm256_loadu_ps(xr + 16), hi[r]);
            hi[r] = _mm256_fmadd_ps(u3, _mm256_loadu_ps(xr + 24), hi[r]);
        }
        if (g == 16) { /* each half its own group */
            __m256 s0 = _mm256_set1_ps(s[c / 16]), s1 = _mm256_set1_ps(s[c / 16 + 1]);
            for (int r = 0; r < rows; r++) {
                acc[r] = _mm256_fmadd_ps(lo[r], s0, _mm256_fmadd_ps(hi[r], s1, acc[r]));
                lo[r] = hi[r] = _mm256_setzero_ps();
            }
        } else if ((c + 32) % g == 0) {
            __m256 sg = _mm256_set1_ps(s[c / g]);
            for (int r = 0; r < rows; r++) {
                acc[r] = _mm256_fmadd_ps(_mm256_add_ps(lo[r], hi[r]), sg, acc[r]);
                lo[r] = hi[r] = _mm256_setzero_ps();
            }
        }
    }
    const float *z = w->zero ? w->zero + (size_t)n * ng : NULL;
    for (int r = 0; r < rows; r++)
        y[(size_t)r * ldy + n] = hsum256(acc[r]) - zero_corr(s, z, xsum + (size_t)r * ng, ng);
}

T256 void eb_wdot_i4__avx2(const eb_cweights *w, int rows, const float *x, size_t ldx, const float *xsum, float *y,
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
