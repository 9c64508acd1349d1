/* spmm_nm__avx2.c - N:M structured sparse weights times activations with
 * AVX2+FMA (wgemm.h's eb_spmm_fn), visiting only the kept weights: the
 * column of kept value t of group q is q*m + its index.  p = 1 (GEMV):
 * 8 kept values at a time, their columns built in a register (index +
 * lane's group * m + the first group's offset) and the activations
 * gathered, when nn divides 8 (2:4, 1:4, 4:8...); otherwise one at a time.
 * p = EB_SPMM_TILE: each kept value is a broadcast and two FMAs on its
 * channel's row of the transposed tile.  Function-level target("avx2,fma"). */
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
    int groups = w->k / w->m, nn = w->nn, m = w->m, per_row = groups * nn;
    const float *v = w->val + (size_t)n * (size_t)per_row;
    const uint8_t *ix = w->idx + (size_t)n * (size_t)per_row;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, b0 = a0, b1 = a0, c0 = a0, c1 = a0, d0 = a0, d1 = a0;
    int j = 0, q = 0;
    if (nn == 2) /* 2:4 and the like: two groups per step, eight independent accumulators */
        for (; q + 2 <= groups; q += 2, j += 4) {
            const float *xg = xt + (size_t)q * (size_t)m * EB_SPMM_TILE, *xh = xg + (size_t)m * EB_SPMM_TILE;
            const float *x0 = xg + (size_t)ix[j] * EB_SPMM_TILE, *x1 = xg + (size_t)ix[j + 1] * EB_SPMM_TILE;
            const float *x2 = xh + (size_t)ix[j + 2] * EB_SPMM_TILE, *x3 = xh + (size_t)ix[j + 3] * EB_SPMM_TILE;
            __m256 v0 = _mm256_broadcast_ss(v + j), v1 = _mm256_broadcast_ss(v + j + 1);
            __m256 v2 = _mm256_broadcast_ss(v + j + 2), v3 = _mm256_broadcast_ss(v + j + 3);
            a0 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0), a0);
            a1 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0 + 8), a1);
            b0 = _mm256_fmadd_ps(v1, _mm256_loadu_ps(x1), b0);
            b1 = _mm256_fmadd_ps(v1, _mm256_loadu_ps(x1 + 8), b1);
            c0 = _mm256_fmadd_ps(v2, _mm256_loadu_ps(x2), c0);
            c1 = _mm256_fmadd_ps(v2, _mm256_loadu_ps(x2 + 8), c1);
            d0 = _mm256_fmadd_ps(v3, _mm256_loadu_ps(x3), d0);
            d1 = _mm256_fmadd_ps(v3, _mm256_loadu_ps(x3 + 8), d1);
        }
    for (; q < groups; q++) {
        const float *xg = xt + (size_t)q * (size_t)m * EB_SPMM_TILE;
        int t = 0;
        for (; t + 2 <= nn; t += 2, j += 2) {
            const float *x0 = xg + (size_t)ix[j] * EB_SPMM_TILE, *x1 = xg + (size_t)ix[j + 1] * EB_SPMM_TILE;
            __m256 v0 = _mm256_broadcast_ss(v + j), v1 = _mm256_broadcast_ss(v + j + 1);
            a0 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0), a0);
            a1 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0 + 8), a1);
            b0 = _mm256_fmadd_ps(v1, _mm256_loadu_ps(x1), b0);
            b1 = _mm256_fmadd_ps(v1, _mm256_loadu_ps(x1 + 8), b1);
        }
        for (; t < nn; t++, j++) {
            const float *x0 = xg + (size_t)ix[j] * EB_SPMM_TILE;
            __m256 v0 = _mm256_broadcast_ss(v + j);
            a0 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0), a0);
            a1 = _mm256_fmadd_ps(v0, _mm256_loadu_ps(x0 + 8), a1);
        }
    }
    _mm256_storeu_ps(out, _mm256_add_ps(_mm256_add_ps(a0, b0), _mm256_add_ps(c0, d0)));
    _mm256_storeu_ps(out + 8, _mm256_add_ps(_mm256_add_ps(a1, b1), _mm256_add_ps(c1, d1)));
}

T256 void eb_spmm_nm__avx2(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,
                           int n1, float *scratch)
{
    int groups = w->k / w->m, nn = w->nn, m = w->m, per_row = groups * nn;
    if (rows == 1) {
        bool vec = 8 % nn == 0;
        int lane_off[8];
        for (int l = 0; l < 8; l++)
            lane_off[l] = (l / nn) * m;
        __m256i loff = _mm256_loadu_si256((const __m256i *)lane_off);
        int step_cols = 8 / nn * m; /* columns 8 kept values span */
        for (int n = n0; n < n1; n++) {
            const float *v = w->val + (size_t)n * (size_t)per_row;
            const uint8_t *ix = w->idx + (size_t)n * (size_t)per_row;
            __m256 a = _mm256_setzero_ps();
            int j = 0;
            if (vec)
                for (__m256i base = loff; j + 8 <= per_row; j += 8) {
                    __m256i cols = _mm256_add_epi32(base, _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(ix + j))));
                    a = _mm256_fmadd_ps(_mm256_loadu_ps(v + j), _mm256_i32gather_ps(x, cols, 4), a);
                    base = _mm256_add_epi32(base, _mm256_set1_epi32(step_cols));
                }
            float acc = hsum256(a);
            for (; j < per_row; j++)
                acc += v[j] * x[(j / nn) * m + ix[j]];
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
