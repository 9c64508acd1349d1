/* gemm_i8_4x8__neon.c - the plain NEON int8 GEMM micro-kernel, 4 x 8, for
 * ARMv8.0 cores without the dot product.
 *
 * A arrives as s8 a - 128 (the driver's flipped copy; corr[j] = 128
 * colsum[j] restores the zero point, as for sdot).  Per group of 4 K
 * values: smull multiplies the 4 A bytes (duplicated) by 2 columns x 4 B
 * bytes into 8 exact s16 products (|p| <= 128 * 127), sadalp adds adjacent
 * pairs into the int32 lanes (column c: lanes 2c and 2c + 1, two partial
 * sums each); at the end addp folds each column's two lanes.  4 rows x 4
 * accumulators of 2 columns: 16 q registers.  Advanced SIMD is part of
 * ARMv8-A: no target attribute.  Epilogue: gemm_i8_epilogue_neon.h. */
#include "runners/cpu/gemm_i8_kernel.h"

#if defined(__aarch64__)
#include "runners/cpu/gemm_i8_epilogue_neon.h"

#define INLINE static inline __attribute__((always_inline))

enum { MR = EB_I8_NEON_MR, NR = EB_I8_NEON_NR };

INLINE void tile(const int R, size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds,
                 void *c, size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    int32x4_t acc[MR][4];
    const uint8_t *ar[MR];
    for (int i = 0; i < R; i++) {
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
        for (int q = 0; q < 4; q++)
            acc[i][q] = vdupq_n_s32(0);
    }
    for (size_t p = 0; p < kc; p += 4) {
        int8x16_t b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16); /* columns 0-3, 4-7 */
        b += 4 * NR;
        for (int i = 0; i < R; i++) {
            int32_t a4;
            memcpy(&a4, ar[i] + p, sizeof a4);
            int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(a4));
            acc[i][0] = vpadalq_s16(acc[i][0], vmull_s8(vget_low_s8(av), vget_low_s8(b0)));
            acc[i][1] = vpadalq_s16(acc[i][1], vmull_high_s8(av, b0));
            acc[i][2] = vpadalq_s16(acc[i][2], vmull_s8(vget_low_s8(av), vget_low_s8(b1)));
            acc[i][3] = vpadalq_s16(acc[i][3], vmull_high_s8(av, b1));
        }
    }
    eb_i8_cols4 c0 = {0}, c1 = {0};
    if (flags & EB_UK_LAST) {
        c0 = eb_i8_load_cols4(e, col, n);
        c1 = eb_i8_load_cols4(e, col + 4, n - 4);
    }
    for (int i = 0; i < R && i < m; i++)
        eb_i8_store_row8(vpaddq_s32(acc[i][0], acc[i][1]), vpaddq_s32(acc[i][2], acc[i][3]),
                         (flags & EB_UK_LAST) && !(flags & EB_UK_ACCUM) ? NULL : sums + (size_t)i * lds,
                         (char *)c + (size_t)i * ldc * eb_i8_out_size(e), n, flags, &c0, &c1, e);
}

void gemm_i8_4x8__neon(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds, void *c,
                       size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    if (m > 2)
        tile(4, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 1)
        tile(2, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else
        tile(1, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
}

#endif
