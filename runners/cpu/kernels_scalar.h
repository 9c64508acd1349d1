/* kernels_scalar.h - scalar pieces shared by the cpu runner's portable
 * kernels and their ISA twins, static inline so that an ISA file
 * (kernels_f32_avx2.c, *_avx2.c, *_avx512.c, *_neon.c) stays a leaf: it
 * includes headers and calls nothing in a sibling .c file.
 *
 * eb_exp_poly: e^x within 2 ulp of expf, branch-free (softmax).
 * eb_pool_divisor / eb_pool_pixel_f32: AveragePool's divisor for one
 * window and one output pixel of MaxPool/AveragePool over a channel range,
 * the scalar path of pool_f32.c and the edge/tail path of the AVX2 row. */
#ifndef EB_CPU_KERNELS_SCALAR_H
#define EB_CPU_KERNELS_SCALAR_H

#include <float.h>
#include <stdint.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"

enum { EB_POOL_PIXEL_BLOCK = 64 };

/* e^x from Cephes' expf (the range reduction x = n ln2 + r, |r| <= ln2/2,
 * and its degree-6 polynomial): within 2 ulp of expf, and free of calls
 * and branches so that a loop over it vectorises.  NaN gives NaN; below
 * -87.3 it gives 2^-126 (softmax divides it away), above 88.3 2^127ish. */
static inline float eb_exp_poly(float x)
{
#if defined(__clang__)
    /* as in its own file: no FMA contraction where it inlines into an FMA kernel */
#pragma clang fp contract(off)
#endif
    float xc = x > -87.3365f ? x : -87.3365f; /* NaN lands here too: no float->int UB */
    xc = xc < 88.3762f ? xc : 88.3762f;
    float fx = xc * 1.44269504088896341f;
    int n = (int)(fx + (fx >= 0.0f ? 0.5f : -0.5f));
    float nf = (float)n;
    float r = xc - nf * 0.693359375f + nf * 2.12194440e-4f;
    float p = 1.9875691500E-4f;
    p = p * r + 1.3981999507E-3f;
    p = p * r + 8.3334519073E-3f;
    p = p * r + 4.1665795894E-2f;
    p = p * r + 1.6666665459E-1f;
    p = p * r + 5.0000001201E-1f;
    float y = p * r * r + r + 1.0f;
    union {
        uint32_t u;
        float f;
    } scale = {.u = (uint32_t)(n + 127) << 23};
    y *= scale.f;
    return x != x ? x : y;
}

static inline float eb_pool_max_nan(float best, float v)
{
    /* as ref_pool: a larger value wins, and a NaN wins over a number (once
     * best is NaN nothing compares greater, so it stays) */
    return v > best || v != v ? v : best;
}

static inline float eb_pool_divisor(const eb_pool2d *p, int iy0, int ix0)
{
    const eb_win2d *g = &p->win;
    int inside = 0, padded = 0;
    for (int ky = 0; ky < g->kh; ky++) {
        int iy = iy0 + ky * g->dh;
        bool y_in = iy >= 0 && iy < g->h, y_pad = iy >= -g->pt && iy < g->h + g->pb;
        for (int kx = 0; kx < g->kw; kx++) {
            int ix = ix0 + kx * g->dw;
            inside += y_in && ix >= 0 && ix < g->w;
            padded += y_pad && ix >= -g->pl && ix < g->w + g->pr;
        }
    }
    return (float)(p->count_pad ? padded : inside);
}

/* Channels [c0, c1) of one output pixel. */
static inline void eb_pool_pixel_f32(const eb_pool2d *p, const float *xn, float *yp, int iy0, int ix0, int c0, int c1)
{
    const eb_win2d *g = &p->win;
    int c = g->c;
    float div = p->is_max ? 0.0f : eb_pool_divisor(p, iy0, ix0);
    int ky0, ky1, kx0, kx1;
    eb_tap_range(iy0, g->kh, g->dh, g->h, &ky0, &ky1);
    eb_tap_range(ix0, g->kw, g->dw, g->w, &kx0, &kx1);
    for (; c0 < c1; c0 += EB_POOL_PIXEL_BLOCK) {
        int cb = c1 - c0 < EB_POOL_PIXEL_BLOCK ? c1 - c0 : EB_POOL_PIXEL_BLOCK;
        float acc[EB_POOL_PIXEL_BLOCK];
        for (int j = 0; j < cb; j++)
            acc[j] = p->is_max ? -FLT_MAX : 0.0f;
        for (int ky = ky0; ky < ky1; ky++) {
            int iy = iy0 + ky * g->dh;
            for (int kx = kx0; kx < kx1; kx++) {
                int ix = ix0 + kx * g->dw;
                const float *xp = xn + ((size_t)iy * g->w + ix) * c + c0;
                if (p->is_max)
                    for (int j = 0; j < cb; j++)
                        acc[j] = eb_pool_max_nan(acc[j], xp[j]);
                else
                    for (int j = 0; j < cb; j++)
                        acc[j] += xp[j];
            }
        }
        if (p->is_max)
            memcpy(yp + c0, acc, sizeof(float) * (size_t)cb);
        else
            for (int j = 0; j < cb; j++)
                yp[c0 + j] = div > 0 ? acc[j] / div : 0.0f;
    }
}

#endif
