/* gemm_i8_4x8__generic.c - the portable int8 GEMM micro-kernel, 4 x 8, in
 * plain C: u8 activations (as they are: raw = sum a * w, no correction)
 * times the packed s8 panel, int32 accumulators in a local tile the
 * compiler can keep in registers or vectorize, and the scalar epilogue
 * and store (eb_i8_epilogue_scalar, eb_i8_store_scalar) every SIMD
 * kernel's must equal bit for bit (GELU: within tolerance). */
#include "runners/cpu/gemm_i8_kernel.h"

#include <string.h>

enum { MR = EB_I8_GENERIC_MR, NR = EB_I8_GENERIC_NR };

/* gcc's -O2 (its very cheap vectorizer cost model) leaves the tile loops
 * scalar; -O3's vectorizes them (clang vectorizes at -O2) */
#if defined(__GNUC__) && !defined(__clang__)
#define EB_GENERIC_O3 __attribute__((optimize("O3")))
#else
#define EB_GENERIC_O3
#endif

EB_GENERIC_O3 void gemm_i8_4x8__generic(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums,
                                        size_t lds, void *c, size_t ldc, int m, int n, unsigned flags, size_t col,
                                        const eb_i8_epi *e)
{
    int32_t acc[MR][NR] = {{0}};
    /* rows past m repeat row 0: always readable, their results dropped */
    const uint8_t *ar[MR];
    for (int i = 0; i < MR; i++)
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
    for (size_t p = 0; p < kc; p += 4) {
        const int8_t *bp = b + p * NR;
        /* the group's 4 B rows, de-interleaved: j innermost, contiguous */
        int32_t w[4][NR];
        for (int j = 0; j < NR; j++)
            for (int q = 0; q < 4; q++)
                w[q][j] = bp[j * 4 + q];
        for (int i = 0; i < MR; i++) {
            int32_t a0 = ar[i][p], a1 = ar[i][p + 1], a2 = ar[i][p + 2], a3 = ar[i][p + 3];
            for (int j = 0; j < NR; j++)
                acc[i][j] += a0 * w[0][j] + a1 * w[1][j] + a2 * w[2][j] + a3 * w[3][j];
        }
    }
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            int32_t v = acc[i][j];
            /* memcpy: sums may be C's float memory (gemm_i8_kernel.h) */
            if (flags & EB_UK_ACCUM) {
                int32_t old;
                memcpy(&old, sums + (size_t)i * lds + (size_t)j, sizeof old);
                v = (int32_t)((uint32_t)v + (uint32_t)old);
            }
            if (flags & EB_UK_LAST)
                eb_i8_store_scalar(c, (size_t)i * ldc + (size_t)j,
                                   eb_i8_epilogue_scalar(eb_i8_compensate(v, col + (size_t)j, e), col + (size_t)j, e),
                                   e);
            else
                memcpy(sums + (size_t)i * lds + (size_t)j, &v, sizeof v);
        }
    }
}
