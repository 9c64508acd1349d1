/* gemm_f32_generic.c - the portable fp32 GEMM micro-kernel, 4 x 8, in plain
 * C: the fallback on any CPU and the twin every SIMD kernel is checked
 * against (all of them are also checked against a double-precision
 * triple loop in tests/test_gemm.c).  The accumulator tile lives in a local
 * array the compiler can keep in registers or vectorize; the epilogue runs
 * on that tile before it is stored, so C is written once. */
#include <math.h>

#include "runners/cpu/gemm_kernel.h"

enum { MR = EB_GENERIC_MR, NR = EB_GENERIC_NR };

void gemm_f32_4x8__generic(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m, int n,
                           unsigned flags, const float *bias, const eb_epilogue *ep)
{
    float acc[MR][NR] = {{0}};
    /* rows past m repeat row 0: always readable, their results dropped */
    const float *ar[MR];
    for (int i = 0; i < MR; i++)
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
    for (size_t p = 0; p < kc; p++) {
        const float *bp = b + p * NR;
        for (int i = 0; i < MR; i++) {
            float av = ar[i][p];
            for (int j = 0; j < NR; j++)
                acc[i][j] += av * bp[j];
        }
    }
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        for (int j = 0; j < n; j++) {
            float v = acc[i][j];
            if (flags & EB_UK_ACCUM)
                v += ci[j];
            if (flags & EB_UK_LAST) {
                if (bias)
                    v += bias[j];
                v = eb_gemm_act_scalar(v, ep);
            }
            ci[j] = v;
        }
    }
}
