/* spmm_csr__avx2.c - CSR sparse weights times activations with AVX2+FMA
 * (wgemm.h's eb_spmm_fn).  One row of X (GEMV): 16 nonzeros at a time,
 * their columns widened from uint16 and the activations gathered
 * (vgatherdps).  A tile of rows (SpMM form): the tile transposed to
 * [K][16] in scratch (spmm_tile.h), each nonzero one broadcast and two FMAs
 * on its input channel's 16 pixels, two nonzeros per step into separate
 * accumulators; every 8 outputs transposed back into Y's rows.
 * Function-level target("avx2,fma"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "runners/cpu/spmm_tile.h"

#define T256 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

T256 INLINE float hsum256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

T256 INLINE void row16(const eb_cweights *w, int n, const float *xt, float *out)
{
    int32_t j = w->row_ptr[n], e = w->row_ptr[n + 1];
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0;
    for (; j + 2 <= e; j += 2) {
        const float *x0 = xt + (size_t)w->col[j] * EB_SPMM_TILE, *x1 = xt + (size_t)w->col[j + 1] * EB_SPMM_TILE;
        __m256 v0 = _mm256_broadcast_ss(w->val + j), v1 = _mm256_broadcast_ss(w->val + j + 1);
        a0 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0), a0);
        a1 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0 + 8), a1);
        b0 = _mm256_fmadd_ps(v1, _mm256_loadu_ps(x1), b0);
        b1 = _mm256_fmadd_ps(v1, _mm256_loadu_ps(x1 + 8), b1);
    }
    if (j < e) {
        const float *x0 = xt + (size_t)w->col[j] * EB_SPMM_TILE;
        __m256 v0 = _mm256_broadcast_ss(w->val + j);
        a0 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0), a0);
        a1 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0 + 8), a1);
    }
    _mm256_storeu_ps(out, _mm256_add_ps(a0, b0));
    _mm256_storeu_ps(out + 8, _mm256_add_ps(a1, b1));
}

T256 void eb_spmm_csr__avx2(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,
                            int n1, float *scratch)
{
    if (rows == 1) {
        for (int n = n0; n < n1; n++) {
            int32_t j = w->row_ptr[n], e = w->row_ptr[n + 1];
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (; j + 16 <= e; j += 16) {
                __m256i i0 = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w->col + j)));
                __m256i i1 = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w->col + j + 8)));
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w->val + j), _mm256_i32gather_ps(x, i0, 4), a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w->val + j + 8), _mm256_i32gather_ps(x, i1, 4), a1);
            }
            float acc = hsum256(_mm256_add_ps(a0, a1));
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
