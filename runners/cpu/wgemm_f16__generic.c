/* wgemm_f16__generic.c - the fp16-weight product in portable C (wgemm.h's
 * F16 layout): each half converted by bits (eb_f16_to_f32's rule, inlined
 * here to keep the file a leaf), accumulated in fp32. */
#include "runners/cpu/wgemm.h"

#include <string.h>

static inline float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ffu, bits;
    if (e == 0x1f) {
        bits = sign | 0x7f800000u | (m << 13);
    } else if (e) {
        bits = sign | ((e + 112) << 23) | (m << 13);
    } else if (!m) {
        bits = sign;
    } else { /* subnormal: normalize */
        e = 113;
        while (!(m & 0x400u)) {
            m <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((m & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void eb_wdot_f16__generic(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y,
                          size_t ldy, int n0, int n1)
{
    int k = w->k;
    for (int n = n0; n < n1; n++) {
        const uint16_t *h = w->h + (size_t)n * (size_t)k;
        float acc[EB_WDOT_ROWS] = {0};
        for (int c = 0; c < k; c++) {
            float v = half_to_float(h[c]);
            for (int r = 0; r < rows; r++)
                acc[r] += v * x[(size_t)r * ldx + c];
        }
        for (int r = 0; r < rows; r++)
            y[(size_t)r * ldy + n] = acc[r];
    }
}
