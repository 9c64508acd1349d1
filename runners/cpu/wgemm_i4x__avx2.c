/* wgemm_i4x__avx2.c - the int4 x int8 GEMV on wgemm.h's I4X layout with
 * AVX2 (no VNNI): a block of 16 rows as two ymm of 8 lanes.  Per 8
 * activations and 8 rows: the nibbles' low and high halves (u8) times the
 * broadcast int8 activations by vpmaddubsw - a pair of products is at
 * most 2 x 15 x 127 = 3810 and the two halves' sum 7620, so the int16
 * never saturates - then vpmaddwd by ones to int32 lanes.  Per block of
 * 32 activations, as the VNNI row: less 8 x their sum, to float, times the
 * scales, into the accumulators.  Function-level target. */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define TAVX2 __attribute__((target("avx2,fma")))

TAVX2 void eb_wdot_i4x__avx2(const eb_cweights *w, const eb_xq8 *x, float *y, int b0, int b1)
{
    int k = w->k, ng = k / w->group;
    const __m256i m4 = _mm256_set1_epi8(0x0f), ones = _mm256_set1_epi16(1);
    for (int b = b0; b < b1; b++) {
        const uint8_t *q = w->q + (size_t)b * (size_t)(k / 8) * 64;
        const float *st = w->scale + (size_t)b * (size_t)ng * EB_I4X_ROWS;
        __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
        for (int c = 0; c < k / 32; c++) {
            __m256i dot[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()};
            for (int t = 0; t < 4; t++) {
                int32_t a0, a1;
                memcpy(&a0, x->q + c * 32 + t * 8, 4);
                memcpy(&a1, x->q + c * 32 + t * 8 + 4, 4);
                __m256i x0 = _mm256_set1_epi32(a0), x1 = _mm256_set1_epi32(a1);
                for (int h = 0; h < 2; h++) { /* rows 0..7, 8..15 */
                    __m256i v = _mm256_loadu_si256((const __m256i *)(q + (size_t)(c * 4 + t) * 64 + h * 32));
                    __m256i p = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(v, m4), x0),
                                                 _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(v, 4), m4), x1));
                    dot[h] = _mm256_add_epi32(dot[h], _mm256_madd_epi16(p, ones));
                }
            }
            const float *sg = st + (size_t)(c * 32 / w->group) * EB_I4X_ROWS;
            __m256 sx = _mm256_set1_ps(x->s[c]);
            __m256i c8 = _mm256_set1_epi32(x->c8[c]);
            for (int h = 0; h < 2; h++)
                acc[h] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_sub_epi32(dot[h], c8)),
                                         _mm256_mul_ps(_mm256_loadu_ps(sg + h * 8), sx), acc[h]);
        }
        float out[EB_I4X_ROWS];
        _mm256_storeu_ps(out, acc[0]);
        _mm256_storeu_ps(out + 8, acc[1]);
        int rows = w->n - b * EB_I4X_ROWS < EB_I4X_ROWS ? w->n - b * EB_I4X_ROWS : EB_I4X_ROWS;
        memcpy(y + (size_t)b * EB_I4X_ROWS, out, sizeof(float) * (size_t)rows);
    }
}
#endif
