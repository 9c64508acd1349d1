/* wgemm_i4__avx512.c - the int4 group-wise weight-only product with
 * AVX-512F (wgemm.h's I4 layout).  Per chunk of 32 weights: one 16-byte
 * load; the low nibbles (elements 0..15) by an AND, the high ones (16..31)
 * by a shift and an AND, each half widened to one zmm of floats in
 * registers (vpmovzxbd, vcvtdq2ps) less the group's zero (exact), then
 * FMAs with X; at each group's end the group's sum is scaled into the
 * output's total.  One row of X (the GEMV of LLM decoding) runs four
 * outputs at once, for four independent chains and one load of X for the
 * four, and a table lookup (vpermps) for the nibbles; 2..EB_WDOT_ROWS
 * rows run one output at a time, a chain per row.
 * Function-level target("avx512f"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* the two halves of a chunk as floats, less zero */
T512 INLINE void unpack(const uint8_t *q, __m512 z0, __m512 z1, __m512 *u0, __m512 *u1)
{
    const __m128i m4 = _mm_set1_epi8(0x0f);
    __m128i b = _mm_loadu_si128((const __m128i *)q);
    *u0 = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(b, m4))), z0);
    *u1 = _mm512_sub_ps(_mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(b, 4), m4))), z1);
}

T512 INLINE __m512 zero_of(const eb_cweights *w, size_t at)
{
    return _mm512_set1_ps(w->zero ? w->zero[at] : 8.0f);
}

/* rows of X, output n, any group (a multiple of 16) */
T512 INLINE void row_block(const eb_cweights *w, const int rows, const float *x, size_t ldx, float *y, size_t ldy,
                           int n)
{
    int k = w->k, g = w->group, ng = k / g;
    const uint8_t *q = w->q + (size_t)n * (size_t)k / 2;
    const float *s = w->scale + (size_t)n * ng;
    size_t zb = (size_t)n * ng;
    __m512 acc[EB_WDOT_ROWS];
    #pragma GCC unroll 4
    for (int r = 0; r < rows; r++)
        acc[r] = _mm512_setzero_ps();
    for (int c = 0; c < k; c += 32) {
        int g0 = c / g, g1 = (c + 16) / g; /* the groups of the two halves */
        __m512 u0, u1;
        unpack(q + c / 2, zero_of(w, zb + g0), zero_of(w, zb + g1), &u0, &u1);
        #pragma GCC unroll 4
        for (int r = 0; r < rows; r++) {
            const float *xr = x + (size_t)r * ldx + c;
            __m512 lo = _mm512_mul_ps(u0, _mm512_loadu_ps(xr));
            __m512 hi = _mm512_mul_ps(u1, _mm512_loadu_ps(xr + 16));
            acc[r] = _mm512_fmadd_ps(lo, _mm512_set1_ps(s[g0]), acc[r]);
            acc[r] = _mm512_fmadd_ps(hi, _mm512_set1_ps(s[g1]), acc[r]);
        }
    }
    #pragma GCC unroll 4
    for (int r = 0; r < rows; r++)
        y[(size_t)r * ldy + n] = _mm512_reduce_add_ps(acc[r]);
}

/* one row of X, outputs n..n+3, group a multiple of 32.  The chunk's 16
 * bytes widen straight from memory to 16 dwords (vpmovzxbd), and one
 * vpermps per half maps each nibble to nibble - zero through a 16-entry
 * table (it reads the low 4 bits of each index: the low nibble needs no
 * AND, the high one a shift), exact and with no int-to-float conversion. */
T512 INLINE void gemv4(const eb_cweights *w, const float *x, float *y, int n)
{
    int k = w->k, g = w->group, ng = k / g;
    const __m512 iota = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512 t8 = _mm512_sub_ps(iota, _mm512_set1_ps(8.0f));
    const uint8_t *q[4];
    const float *s[4];
    __m512 acc[4], tab[4];
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {
        q[j] = w->q + (size_t)(n + j) * (size_t)k / 2;
        s[j] = w->scale + (size_t)(n + j) * ng;
        acc[j] = _mm512_setzero_ps();
        tab[j] = t8;
    }
    for (int gi = 0, c0 = 0; gi < ng; gi++, c0 += g) {
        __m512 t[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        if (w->zero) {
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++)
                tab[j] = _mm512_sub_ps(iota, zero_of(w, (size_t)(n + j) * ng + gi));
        }
        for (int c = c0; c < c0 + g; c += 32) {
            __m512 x0 = _mm512_loadu_ps(x + c), x1 = _mm512_loadu_ps(x + c + 16);
#pragma GCC unroll 4
            for (int j = 0; j < 4; j++) {
                __m512i b = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(q[j] + c / 2)));
                __m512 u0 = _mm512_permutexvar_ps(b, tab[j]);
                __m512 u1 = _mm512_permutexvar_ps(_mm512_srli_epi32(b, 4), tab[j]);
                t[j] = _mm512_fmadd_ps(u1, x1, _mm512_fmadd_ps(u0, x0, t[j]));
            }
        }
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++)
            acc[j] = _mm512_fmadd_ps(t[j], _mm512_set1_ps(s[j][gi]), acc[j]);
    }
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++)
        y[n + j] = _mm512_reduce_add_ps(acc[j]);
}

T512 void eb_wdot_i4__avx512(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,
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
