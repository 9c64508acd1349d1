/* spmm_csr__avx512.c - CSR sparse weights times activations with
 * AVX-512F (wgemm.h's eb_spmm_fn).  One row of X (GEMV): 16 nonzeros per
 * gather (vgatherdps zmm) of the activations at their uint16 columns.  A
 * tile of rows (SpMM form): transposed to [K][16] in scratch (spmm_tile.h),
 * each nonzero one broadcast FMA on its input channel's 16 pixels (one
 * zmm), four nonzeros in flight; every 8 outputs transposed back into Y's
 * rows.  Function-level target("avx512f"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "runners/cpu/spmm_tile.h"

#define T512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

T512 INLINE void row16(const eb_cweights *w, int n, const float *xt, float *out)
{
    int32_t j = w->row_ptr[n], e = w->row_ptr[n + 1];
    __m512 a = _mm512_setzero_ps(), b = a, c = a, d = a;
    for (; j + 4 <= e; j += 4) {
        a = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j]), _mm512_loadu_ps(xt + (size_t)w->col[j] * EB_SPMM_TILE), a);
        b = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j + 1]), _mm512_loadu_ps(xt + (size_t)w->col[j + 1] * EB_SPMM_TILE),
                            b);
        c = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j + 2]), _mm512_loadu_ps(xt + (size_t)w->col[j + 2] * EB_SPMM_TILE),
                            c);
        d = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j + 3]), _mm512_loadu_ps(xt + (size_t)w->col[j + 3] * EB_SPMM_TILE),
                            d);
    }
    if (j < e)
        a = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j]), _mm512_loadu_ps(xt + (size_t)w->col[j] * EB_SPMM_TILE), a);
    if (j + 1 < e)
        b = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j + 1]), _mm512_loadu_ps(xt + (size_t)w->col[j + 1] * EB_SPMM_TILE),
                            b);
    if (j + 2 < e)
        c = _mm512_fmadd_ps(_mm512_set1_ps(w->val[j + 2]), _mm512_loadu_ps(xt + (size_t)w->col[j + 2] * EB_SPMM_TILE),
                            c);
    _mm512_storeu_ps(out, _mm512_add_ps(_mm512_add_ps(a, b), _mm512_add_ps(c, d)));
}

T512 void eb_spmm_csr__avx512(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,
                              int n1, float *scratch)
{
    if (rows == 1) {
        for (int n = n0; n < n1; n++) {
            int32_t j = w->row_ptr[n], e = w->row_ptr[n + 1];
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
            for (; j + 32 <= e; j += 32) {
                __m512i i0 = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w->col + j)));
                __m512i i1 = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w->col + j + 16)));
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w->val + j), _mm512_i32gather_ps(i0, x, 4), a0);
                a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w->val + j + 16), _mm512_i32gather_ps(i1, x, 4), a1);
            }
            if (j + 16 <= e) {
                __m512i i0 = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(w->col + j)));
                a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w->val + j), _mm512_i32gather_ps(i0, x, 4), a0);
                j += 16;
            }
            float acc = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
            for (; j < e; j++)
                acc += w->val[j] * x[w->col[j]];
            y[n] = acc;
        }
        return;
    }
    float *xt = scratch, *yt = scratch + (size_t)w->k * EB_SPMM_TILE;
    eb_tile_load(x, ldx, rows, w->k, xt);
    for (int nb = n0; nb < n1; nb += 8) {
        int ne = nb + 8 < n1 ? nb + 8 : n1;
        for (int n = nb; n < ne; n++)
            row16(w, n, xt, yt + (size_t)(n - nb) * EB_SPMM_TILE);
        eb_tile_store(yt, ne - nb, y, ldy, rows, nb);
    }
}
#endif
