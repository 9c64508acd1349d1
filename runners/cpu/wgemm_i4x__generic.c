/* wgemm_i4x__generic.c - the int4 x int8 GEMV on wgemm.h's I4X layout in
 * portable C: per block of 16 rows and block of 32 activations, the
 * integer dot of each row's nibbles with the int8 activations, less 8
 * times their sum (the nibbles hold q + 8), times the row's group scale
 * and the block's activation scale, summed in fp32.  The reference of the
 * SIMD rows' arithmetic (tests/test_kernels.c checks all of them against
 * the same sums done in double). */
#include "runners/cpu/wgemm.h"

void eb_wdot_i4x__generic(const eb_cweights *w, const eb_xq8 *x, float *y, int b0, int b1)
{
    int k = w->k, ng = k / w->group;
    for (int b = b0; b < b1; b++) {
        const uint8_t *q = w->q + (size_t)b * (size_t)(k / 8) * 64;
        const float *st = w->scale + (size_t)b * (size_t)ng * EB_I4X_ROWS;
        float acc[EB_I4X_ROWS] = {0};
        for (int c = 0; c < k / 32; c++) {
            int32_t dot[EB_I4X_ROWS] = {0};
            for (int t = 0; t < 4; t++) {
                const uint8_t *blk = q + (size_t)(c * 4 + t) * 64;
                const int8_t *xq = x->q + c * 32 + t * 8;
                for (int r = 0; r < EB_I4X_ROWS; r++)
                    for (int i = 0; i < 4; i++)
                        dot[r] += (blk[4 * r + i] & 0xf) * xq[i] + (blk[4 * r + i] >> 4) * xq[4 + i];
            }
            const float *sg = st + (size_t)(c * 32 / w->group) * EB_I4X_ROWS;
            for (int r = 0; r < EB_I4X_ROWS; r++)
                acc[r] += (float)(dot[r] - x->c8[c]) * (sg[r] * x->s[c]);
        }
        int rows = w->n - b * EB_I4X_ROWS < EB_I4X_ROWS ? w->n - b * EB_I4X_ROWS : EB_I4X_ROWS;
        for (int r = 0; r < rows; r++)
            y[b * EB_I4X_ROWS + r] = acc[r];
    }
}
