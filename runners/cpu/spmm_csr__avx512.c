/* spmm_csr__avx512.c - CSR sparse weights times activations with
 * AVX-512F (wgemm.h's eb_spmm_fn).  p = 1 (GEMV): 16 nonzeros per gather
 * (vgatherdps zmm) of the activations at their uint16 columns.
 * p = EB_SPMM_TILE (16 pixels, one zmm): each nonzero is one broadcast FMA
 * on its input channel's row of the transposed tile, four nonzeros per step
 * into separate accumulators.  Function-level target("avx512f"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define T512 __attribute__((target("avx512f,avx2,fma")))

T512 void eb_spmm_csr__avx512(const eb_cweights *w, int p, const float *xt, float *yt, int n0, int n1)
{
    if (p == 1) {
        for (int n = n0; n < n1; n++) {
            int32_t j = w->row_ptr[n], e = w->row_ptr[n + 1];
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
            for (; j + 32 <= e; j += 32) {
                __m512i i0 = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w->col + j)));
                __m512i i1 = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w->col + j + 16)));
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w->val + j), _mm512_i32gather_ps(i0, xt, 4), a0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w->val + j + 16), _mm512_i32gather_ps(i1, xt, 4), a1);
            }
            if (j + 16 <= e) {
                __m512i i0 = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w->col + j)));
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w->val + j), _mm512_i32gather_ps(i0, xt, 4), a0);
                j += 16;
            }
            float acc = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
            for (; j < e; j++)
                acc += w->val[j] * xt[w->col[j]];
            yt[n - n0] = acc;
        }
        return;
    }
    for (int n = n0; n < n1; n++) {
        int32_t j = w->row_ptr[n], e = w->row_ptr[n + 1];
        __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
        for (; j + 4 <= e; j += 4) {
            a = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j]), _mm512_loadu_ps(xt + (size_t)w->col[j] * EB_SPMM_TILE), a);
            b = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j + 1]),
                                _mm512_loadu_ps(xt + (size_t)w->col[j + 1] * EB_SPMM_TILE), b);
            c = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j + 2]),
                                _mm512_loadu_ps(xt + (size_t)w->col[j + 2] * EB_SPMM_TILE), c);
            d = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j + 3]),
                                _mm512_loadu_ps(xt + (size_t)w->col[j + 3] * EB_SPMM_TILE), d);
        }
        for (; j < e; j++)
            a = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j]), _mm512_loadu_ps(xt + (size_t)w->col[j] * EB_SPMM_TILE), a);
        _mm512_storeu_ps(yt + (size_t)(n - n0) * EB_SPMM_TILE, _mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
    }
}
#endif
