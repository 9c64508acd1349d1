/* spmm_tile.h - the transposes of the SpMM form (wgemm.h) for the x86
 * sparse kernels, static inline so that each ISA file stays a leaf: a tile
 * of up to EB_SPMM_TILE rows of X into [K][EB_SPMM_TILE] (8x8 AVX2 register
 * transposes), and a block of up to 8 outputs of [8][EB_SPMM_TILE] back
 * into Y's rows.  Rows past `rows` read row 0 (their results are never
 * stored).  Included by spmm_*__avx2.c and spmm_*__avx512.c only. */
#ifndef EB_CPU_SPMM_TILE_H
#define EB_CPU_SPMM_TILE_H

#if defined(__x86_64__)
#include <immintrin.h>

#include "runners/cpu/wgemm.h"

#define EB_T256 __attribute__((target("avx2,fma")))
#define EB_TINLINE static inline __attribute__((always_inline))

EB_T256 EB_TINLINE void eb_transpose8(__m256 r[8])
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* xt[c][i] = X[i][c] for the tile's rows i < EB_SPMM_TILE */
EB_T256 EB_TINLINE void eb_tile_load(const float *x, size_t ldx, int rows, int k, float *xt)
{
    enum { P = EB_SPMM_TILE };
    const float *src[P];
    for (int i = 0; i < P; i++)
        src[i] = x + (size_t)(i < rows ? i : 0) * ldx;
    int c = 0;
    for (; c + 8 <= k; c += 8)
        for (int h = 0; h < P / 8; h++) {
            __m256 r[8];
#pragma GCC unroll 8
            for (int j = 0; j < 8; j++)
                r[j] = _mm256_loadu_ps(src[h * 8 + j] + c);
            eb_transpose8(r);
#pragma GCC unroll 8
            for (int j = 0; j < 8; j++)
                _mm256_storeu_ps(xt + (size_t)(c + j) * P + h * 8, r[j]);
        }
    for (; c < k; c++)
        for (int i = 0; i < P; i++)
            xt[(size_t)c * P + i] = src[i][c];
}

/* Y[i][n + j] = yt[j][i] for j < nb (at most 8) and rows i < rows */
EB_T256 EB_TINLINE void eb_tile_store(const float *yt, int nb, float *y, size_t ldy, int rows, int n)
{
    enum { P = EB_SPMM_TILE };
    if (nb < 8) {
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < nb; j++)
                y[(size_t)i * ldy + (size_t)(n + j)] = yt[j * P + i];
        return;
    }
    for (int h = 0; h < P / 8; h++) {
        __m256 r[8];
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++)
            r[j] = _mm256_loadu_ps(yt + j * P + h * 8);
        eb_transpose8(r);
        for (int i = 0; i < 8 && h * 8 + i < rows; i++)
            _mm256_storeu_ps(y + (size_t)(h * 8 + i) * ldy + n, r[i]);
    }
}
#endif

#endif
