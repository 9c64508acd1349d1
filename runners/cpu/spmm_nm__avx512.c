/* spmm_nm__avx512.c - N:M structured sparse weights times activations with
 * AVX-512F (wgemm.h's eb_spmm_fn): as the AVX2 kernel with 16-wide
 * gathers for one row of X (when nn divides 16) and one zmm per kept value
 * for the 16-pixel tile, four kept values in flight; the tile is transposed
 * and visited in blocks of KBLOCK columns, so that the kept values' loads
 * hit L1 (a whole 1024-column tile is 64 KiB).  Function-level
 * target("avx512f"). */
#include "runners/cpu/wgemm.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "runners/cpu/spmm_tile.h"

#define T512 __attribute__((target("avx512f,avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

/* columns of X per block of the transposed tile: 256 x 16 floats, 16 KiB,
 * stay in L1 while every output's kept values in them are visited */
enum { KBLOCK = 256 };

/* out (+)= output n's kept values in groups [q0, q1) times the tile's block
 * xt (those groups' columns) */
T512 INLINE void row16(const eb_cweights *w, int n, const float *xt, int q0, int q1, float *out, bool accumulate)
{
    int groups = w->k / w->m, nn = w->nn, m = w->m, per_row = groups * nn;
    const float *v = w->val + (size_t)n * (size_t)per_row + (size_t)q0 * nn;
    const uint8_t *ix = w->idx + (size_t)n * (size_t)per_row + (size_t)q0 * nn;
    __m512 acc[4] = {accumulate ? _mm512_loadu_ps(out) : _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
                     _mm512_setzero_ps()};
    int j = 0, q = 0;
    groups = q1 - q0;
    if (nn == 2) /* 2:4 and the like: two groups per step, four independent accumulators */
        for (; q + 2 <= groups; q += 2, j += 4) {
            const float *xg = xt + (size_t)q * (size_t)m * EB_SPMM_TILE, *xh = xg + (size_t)m * EB_SPMM_TILE;
            acc[0] = _mm512_fmadd_ps(_mm512_set1_ps(v[j]), _mm512_loadu_ps(xg + (size_t)ix[j] * EB_SPMM_TILE), acc[0]);
            acc[1] = _mm512_fmadd_ps(_mm512_set1_ps(v[j + 1]), _mm512_loadu_ps(xg + (size_t)ix[j + 1] * EB_SPMM_TILE),
                                     acc[1]);
            acc[2] = _mm512_fmadd_ps(_mm512_set1_ps(v[j + 2]), _mm512_loadu_ps(xh + (size_t)ix[j + 2] * EB_SPMM_TILE),
                                     acc[2]);
            acc[3] = _mm512_fmadd_ps(_mm512_set1_ps(v[j + 3]), _mm512_loadu_ps(xh + (size_t)ix[j + 3] * EB_SPMM_TILE),
                                     acc[3]);
        }
    for (; q < groups; q++) {
        const float *xg = xt + (size_t)q * (size_t)m * EB_SPMM_TILE;
        for (int t = 0; t < nn; t++, j++)
            acc[0] = _mm512_fmadd_ps(_mm512_set1_ps(v[j]), _mm512_loadu_ps(xg + (size_t)ix[j] * EB_SPMM_TILE), acc[0]);
    }
    _mm512_storeu_ps(out,
                     _mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
}

T512 void eb_spmm_nm__avx512(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,
                             int n1, float *scratch)
{
    int groups = w->k / w->m, nn = w->nn, m = w->m, per_row = groups * nn;
    if (rows == 1) {
        bool vec = 16 % nn == 0;
        int lane_off[16];
        for (int l = 0; l < 16; l++)
            lane_off[l] = (l / nn) * m;
        __m512i loff = _mm512_loadu_si512(lane_off);
        int step_cols = 16 / nn * m;
        for (int n = n0; n < n1; n++) {
            const float *v = w->val + (size_t)n * (size_t)per_row;
            const uint8_t *ix = w->idx + (size_t)n * (size_t)per_row;
            __m512 a = _mm512_setzero_ps();
            int j = 0;
            if (vec)
                for (__m512i base = loff; j + 16 <= per_row; j += 16) {
                    __m512i cols = _mm512_add_epi32(base, _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(ix + j))));
                    a = _mm512_fmadd_ps(_mm512_loadu_ps(v + j), _mm512_i32gather_ps(cols, x, 4), a);
                    base = _mm512_add_epi32(base, _mm512_set1_epi32(step_cols));
                }
            float acc = _mm512_reduce_add_ps(a);
            for (; j < per_row; j++)
                acc += v[j] * x[(j / nn) * m + ix[j]];
            y[n] = acc;
        }
        return;
    }
    /* blocks of KBLOCK columns: each transposed once, then every output's
     * kept values in it; the outputs' partial sums wait in scratch */
    int qb = KBLOCK / m > 0 ? KBLOCK / m : 1, kb = qb * m < w->k ? qb * m : w->k;
    float *xt = scratch, *yt = scratch + (size_t)kb * EB_SPMM_TILE;
    for (int q0 = 0; q0 < groups; q0 += qb) {
        int q1 = q0 + qb < groups ? q0 + qb : groups;
        eb_tile_load(x + (size_t)q0 * m, ldx, rows, (q1 - q0) * m, xt);
        for (int n = n0; n < n1; n++)
            row16(w, n, xt, q0, q1, yt + (size_t)(n - n0) * EB_SPMM_TILE, q0 > 0);
    }
    for (int nb = n0; nb < n1; nb += 8)
        eb_tile_store(yt + (size_t)(nb - n0) * EB_SPMM_TILE, n1 - nb < 8 ? n1 - nb : 8, y, ldy, rows, nb);
}
#endif
