/* gemm_i8_8x8__neondot.c - the NEON dot-product int8 GEMM micro-kernel,
 * 8 x 8 (ARMv8.2 sdot, HWCAP_ASIMDDP).
 *
 * sdot multiplies 4 s8 x s8 pairs per int32 lane and adds them in, exactly.
 * It has no u8 x s8 form (usdot is ARMv8.6 I8MM), so A arrives as s8
 * a - 128 (the driver copies it flipped, a ^ 0x80): raw = sum (a - 128) w,
 * and the packed correction corr[j] = 128 colsum[j] (gemm_i8.c) restores
 * sum (a - a_zero) w.  16 q accumulators (8 rows x 2 vectors of 4
 * columns), 2 B vectors (one 32-byte group) and one broadcast of 4 A
 * bytes.  Function-level target (+dotprod): the file builds with the base
 * flags; dispatch checks HWCAP_ASIMDDP.  Epilogue: gemm_i8_epilogue_neon.h. */
#include "runners/cpu/gemm_i8_kernel.h"

#if EB_I8_HAVE_NEONDOT
#include "runners/cpu/gemm_i8_epilogue_neon.h"

#define INLINE static inline __attribute__((always_inline))

/* gcc (with the whole arch: arm_neon.h declares sdot for armv8.2-a+dotprod,
 * and an inlined intrinsic must not need more than its caller has) and
 * clang 16+ declare vdotq_s32 for a function with the target
 * (EB_I8_HAVE_NEONDOT: older clang only for a whole file built with it) */
#if defined(__clang__)
#define TDOT __attribute__((target("dotprod")))
#else
#define TDOT __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
#define dot vdotq_s32

enum { MR = EB_I8_NEONDOT_MR, NR = EB_I8_NEONDOT_NR };

TDOT INLINE void tile(const int R, size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds,
                      void *c, size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    int32x4_t acc[MR][2];
    const uint8_t *ar[MR];
    for (int i = 0; i < R; i++) {
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
        acc[i][0] = vdupq_n_s32(0);
        acc[i][1] = vdupq_n_s32(0);
    }
    for (size_t p = 0; p < kc; p += 4) {
        int8x16_t b0 = vld1q_s8(b), b1 = vld1q_s8(b + 16);
        b += 4 * NR;
        for (int i = 0; i < R; i++) {
            int32_t a4;
            memcpy(&a4, ar[i] + p, sizeof a4);
            int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(a4));
            acc[i][0] = dot(acc[i][0], b0, av);
            acc[i][1] = dot(acc[i][1], b1, av);
        }
    }
    eb_i8_cols4 c0 = {0}, c1 = {0};
    if (flags & EB_UK_LAST) {
        c0 = eb_i8_load_cols4(e, col, n);
        c1 = eb_i8_load_cols4(e, col + 4, n - 4);
    }
    for (int i = 0; i < R && i < m; i++)
        eb_i8_store_row8(acc[i][0], acc[i][1],
                         (flags & EB_UK_LAST) && !(flags & EB_UK_ACCUM) ? NULL : sums + (size_t)i * lds,
                         (char *)c + (size_t)i * ldc * eb_i8_out_size(e), n, flags, &c0, &c1, e);
}

TDOT void gemm_i8_8x8__neondot(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds,
                               void *c, size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    if (m > 4)
        tile(8, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 2)
        tile(4, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 1)
        tile(2, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else
        tile(1, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
}

#endif
