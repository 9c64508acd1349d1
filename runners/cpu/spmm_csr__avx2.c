/* spmm_csr__avx2.c - CSR sparse weights times activations with AVX2+FMA
 * (wgemm.h's eb_spmm_fn).  p = 1 (GEMV): 8 nonzeros at a time, their
 * columns widened from uint16 and the activations gathered (vgatherdps).
 * p = EB_SPMM_TILE (16 pixels, 2 ymm): each nonzero is one broadcast and
 * two FMAs on its input channel's row of the transposed tile, two nonzeros
 * per step into separate accumulators to cover the FMA latency.
 * Function-level target("avx2,fma"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define T256 __attribute__((target("avx2,fma")))

T256 static float hsum256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

T256 void eb_spmm_csr__avx2(const eb_cweights *w, int p, const float *xt, float *yt, int n0, int n1)
{
    if (p == 1) {
        for (int n = n0; n < n1; n++) {
            int32_t j = w->row_ptr[n], e = w->row_ptr[n + 1];
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (; j + 16 <= e; j += 16) {
                __m256i i0 = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w->col + j)));
                __m256i i1 = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w->col + j + 8)));
                a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w->val + j), _mm256_i32gather_ps(xt, i0, 4), a0);
                a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w->val + j + 8), _mm256_i32gather_ps(xt, i1, 4), a1);
            }
            float acc = hsum256(_mm256_add_ps(a0, a1));
            for (; j < e; j++)
                acc += w->val[j] * xt[w->col[j]];
            yt[n - n0] = acc;
        }
        return;
    }
    for (int n = n0; n < n1; n++) {
        int32_t j = w->row_ptr[n], e = w->row_ptr[n + 1];
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), b0 = a0, b1 = a0;
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
        float *yr = yt + (size_t)(n - n0) * EB_SPMM_TILE;
        _mm256_storeu_ps(yr, _mm256_add_ps(a0, b0));
        _mm256_storeu_ps(yr + 8, _mm256_add_ps(a1, b1));
    }
}
#endif
