/* wgemm_i4x__avx512vnni.c - the int4 x int8 GEMV on wgemm.h's I4X layout
 * with AVX-512 VNNI: one zmm lane per row of a block of 16.  Per 8
 * activations: one 64-byte load of the block's nibbles, the low and the
 * high halves by AND and shift, and two vpdpbusd (u8 nibbles x the four
 * int8 activations broadcast to every lane); per block of 32 activations
 * the int32 sums, less 8 x their sum, go to float and are scaled by the
 * rows' group scales times the activations' scale, into two accumulators
 * (alternate blocks) that hide the FMA latency.  Function-level target. */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define TVNNI __attribute__((target("avx512f,avx512bw,avx512vnni,fma")))

TVNNI void eb_wdot_i4x__avx512vnni(const eb_cweights *w, const eb_xq8 *x, float *y, int b0, int b1)
{
    int k = w->k, ng = k / w->group;
    const __m512i m4 = _mm512_set1_epi8(0x0f);
    for (int b = b0; b < b1; b++) {
        const uint8_t *q = w->q + (size_t)b * (size_t)(k / 8) * 64;
        const float *st = w->scale + (size_t)b * (size_t)ng * EB_I4X_ROWS;
        __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
        for (int c = 0; c < k / 32; c++) {
            __m512i lo = _mm512_setzero_si512(), hi = _mm512_setzero_si512();
            for (int t = 0; t < 4; t++) {
                __m512i v = _mm512_loadu_si512(q + (size_t)(c * 4 + t) * 64);
                int32_t a0, a1; /* activations 8t..8t+3 and 8t+4..8t+7 */
                memcpy(&a0, x->q + c * 32 + t * 8, 4);
                memcpy(&a1, x->q + c * 32 + t * 8 + 4, 4);
                lo = _mm512_dpbusd_epi32(lo, _mm512_and_si512(v, m4), _mm512_set1_epi32(a0));
                hi = _mm512_dpbusd_epi32(hi, _mm512_and_si512(_mm512_srli_epi16(v, 4), m4), _mm512_set1_epi32(a1));
            }
            __m512i dot = _mm512_sub_epi32(_mm512_add_epi32(lo, hi), _mm512_set1_epi32(x->c8[c]));
            __m512 sc = _mm512_mul_ps(_mm512_loadu_ps(st + (size_t)(c * 32 / w->group) * EB_I4X_ROWS),
                                      _mm512_set1_ps(x->s[c]));
            if (c & 1)
                acc1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), sc, acc1);
            else
                acc0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), sc, acc0);
        }
        int rows = w->n - b * EB_I4X_ROWS < EB_I4X_ROWS ? w->n - b * EB_I4X_ROWS : EB_I4X_ROWS;
        _mm512_mask_storeu_ps(y + (size_t)b * EB_I4X_ROWS, (__mmask16)((1u << rows) - 1), _mm512_add_ps(acc0, acc1));
    }
}
#endif
