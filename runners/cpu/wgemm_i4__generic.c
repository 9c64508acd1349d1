/* wgemm_i4__generic.c - the int4 group-wise weight-only product in portable
 * C (wgemm.h's I4 layout): per group, the dot product of X with
 * nibble - zero (exact in fp32), times the group's scale.  Up to
 * EB_WDOT_ROWS rows of X share one pass over W. */
#include "runners/cpu/wgemm.h"

void eb_wdot_i4__generic(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y,
                         size_t ldy, int n0, int n1)
{
    int k = w->k, g = w->group, ng = k / g;
    for (int n = n0; n < n1; n++) {
        const uint8_t *q = w->q + (size_t)n * (size_t)k / 2;
        const float *s = w->scale + (size_t)n * ng, *z = w->zero ? w->zero + (size_t)n * ng : NULL;
        float acc[EB_WDOT_ROWS] = {0};
        for (int gi = 0; gi < ng; gi++) {
            float dot[EB_WDOT_ROWS] = {0}, zz = z ? z[gi] : 8.0f;
            for (int c = gi * g; c < (gi + 1) * g; c++) {
                int j = c % 32;
                uint8_t b = q[(c / 32) * 16 + j % 16];
                float u = (float)(j < 16 ? b & 0xf : b >> 4) - zz;
                for (int r = 0; r < rows; r++)
                    dot[r] += u * x[(size_t)r * ldx + c];
            }
            for (int r = 0; r < rows; r++)
                acc[r] += s[gi] * dot[r];
        }
        for (int r = 0; r < rows; r++)
            y[(size_t)r * ldy + n] = acc[r];
    }
}
