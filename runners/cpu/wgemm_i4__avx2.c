/* wgemm_i4__avx2.c - the int4 group-wise weight-only product with AVX2+FMA
 * (wgemm.h's I4 layout), as the AVX-512 kernel with ymm: per chunk of 32
 * weights one 16-byte load, the nibbles split by AND and shift, widened to
 * four ymm of floats (vpmovzxbd, vcvtdq2ps) less the group's zero (exact),
 * FMAs with X, and the group's scale applied once per group.  One row of X
 * runs four outputs at once (independent chains, X loaded once for the
 * four).  Function-level target("avx2,fma"). */
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

/* the four quarters of a chunk as floats, less zero (z0: first half, z1: second) */
T256 INLINE void unpack(const uint8_t *q, __m256 z0, __m256 z1, __m256 *u)
{
    const __m128i m4 = _mm_set1_epi8(0x0f);
    __m128i b = _mm_loadu_si128((const __m128i *)q);
    __m128i bl = _mm_and_si128(b, m4), bh = _mm_and_si128(_mm_srli_epi16(b, 4), m4);
    u[0] = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bl)), z0);
    u[1] = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(bl, bl))), z0);
    u[2] = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(bh)), z1);
    u[3] = _mm256_sub_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_unpackhi_epi64(bh, bh))), z1);
}

T256 INLINE __m256 zero_of(const eb_cweights *w, size_t at)
{
    return _mm256_set1_ps(w->zero ? w->zero[at] : 8.0f);
}

/* rows of X, output n, any group (a multiple of 16) */
T256 INLINE void row_block(const eb_cweights *w, const int rows, const float *x, size_t ldx, float *y, size_t ldy,
                           int n)
{
    int k = w->k, g = w->group, ng = k / g;
    const uint8_t *q = w->q + (size_t)n * (size_t)k / 2;
    const float *s = w->scale + (size_t)n * ng;
    size_t zb = (size_t)n * ng;
    __m256 acc[EB_WDOT_ROWS];
    #pragma GCC unroll 4
    for (int r = 0; r < rows; r++)
        acc[r] = _mm256_setzero_ps();
    for (int c = 0; c < k; c += 32) {
        int g0 = c / g, g1 = (c + 16) / g; /* the groups of the two halves */
        __m256 u[4];
        unpack(q + c / 2, zero_of(w, zb + g0), zero_of(w, zb + g1), u);
        __m256 s0 = _mm256_set1_ps(s[g0]), s1 = _mm256_set1_ps(s[g1]);
        #pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            const float *xr = x + (size_t)r * ldx + c;
            __m256 lo = _mm256_fmadd_ps(u[1], _mm256_loadu_ps(xr + 8), _mm256_mul_ps(u[0], _mm256_loadu_ps(xr)));
            __m256 hi = _mm256_fmadd_ps(u[3], _mm256_loadu_ps(xr + 24), _mm256_mul_ps(u[2], _mm256_loadu_ps(xr + 16)));
            acc[r] = _mm256_fmadd_ps(hi, s1, _mm256_fmadd_ps(lo, s0, acc[r]));
        }
    }
    #pragma GCC unroll 4
    for (int r = 0; r < rows; r++)
        y[(size_t)r * ldy + n] = hsum256(acc[r]);
}

/* one row of X, outputs n..n+3, group a multiple of 32; 8 bytes widen
 * straight from memory to 8 dwords (vpmovzxbd), the nibbles are an AND and
 * a shift there; the zero is taken off once per group, as zero * (the
 * group's X, lane by lane), the same sum regrouped. */
T256 INLINE void gemv4(const eb_cweights *w, const float *x, float *y, int n)
{
    int k = w->k, g = w->group, ng = k / g;
    const __m256i m4 = _mm256_set1_epi32(0x0f);
    const uint8_t *q[4];
    const float *s[4];
    __m256 acc[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        q[j] = w->q + (size_t)(n + j) * (size_t)k / 2;
        s[j] = w->scale + (size_t)(n + j) * ng;
        acc[j] = _mm256_setzero_ps();
    }
    for (int gi = 0, c0 = 0; gi < ng; gi++, c0 += g) {
        __m256 t[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        __m256 xs = _mm256_setzero_ps();
        for (int c = c0; c < c0 + g; c += 32) {
            __m256 x0 = _mm256_loadu_ps(x + c), x1 = _mm256_loadu_ps(x + c + 8);
            __m256 x2 = _mm256_loadu_ps(x + c + 16), x3 = _mm256_loadu_ps(x + c + 24);
            xs = _mm256_add_ps(xs, _mm256_add_ps(_mm256_add_ps(x0, x1), _mm256_add_ps(x2, x3)));
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) {
                __m256i b0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q[j] + c / 2)));
                __m256i b1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(q[j] + c / 2 + 8)));
                t[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(b0, m4)), x0, t[j]);
                t[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(b1, m4)), x1, t[j]);
                t[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(b0, 4)), x2, t[j]);
                t[j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(b1, 4)), x3, t[j]);
            }
        }
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            t[j] = _mm256_fnmadd_ps(zero_of(w, (size_t)(n + j) * ng + gi), xs, t[j]);
            acc[j] = _mm256_fmadd_ps(t[j], _mm256_set1_ps(s[j][gi]), acc[j]);
        }
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++)
        y[n + j] = hsum256(acc[j]);
}

T256 void eb_wdot_i4__avx2(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,
                           int n1)
{
    int n = n0;
    if (rows == 1 && w->group % 32 == 0)
        for (; n + 4 <= n1; n += 4)
            gemv4(w, x, y, n);
    for (; n < n1; n++) {
        switch (rows) { /* constant row counts: the accumulators stay in registers */
        case 1: row_block(w, 1, x, ldx, y, ldy, n); break;
        case 2: row_block(w, 2, x, ldx, y, ldy, n); break;
        case 3: row_block(w, 3, x, ldx, y, ldy, n); break;
        default: row_block(w, 4, x, ldx, y, ldy, n); break;
        }
    }
}
#endif
