/* dwconv_i8_avx2.c - the AVX2 row of the int8 depthwise convolution
 * (conv_i8.c has the layout, why fp32 carries the integer sums exactly,
 * and the generic row): 8 channels at a time (the last ones masked), each
 * tap one FMA of the inputs on their grid (x_q - x_zero) and the weights,
 * as floats; the sums go to int32 (exact integers) and through the int8
 * GEMM's vector epilogue (gemm_i8_epilogue_avx2.h), the same IEEE steps as
 * the reference.  A leaf: built
 * for x86-64 only, with AVX2 enabled per function. */
#if defined(__x86_64__)
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "runners/cpu/conv_i8.h"
#include "runners/cpu/gemm_i8_epilogue_avx2.h"

/* 8 channels from c0 (the lanes of mask k) of one output pixel */
EB_T256 static inline void pixel8(const eb_dwconv_i8 *d, const float *xn, const eb_i8_epi *e, float *yp, int iy0,
                                  int ix0, const int tap[4], int c0, __m256i k)
{
    const eb_win2d *g = &d->win;
    __m256 f = _mm256_setzero_ps();
    for (int ky = tap[0]; ky < tap[1]; ky++)
        for (int kx = tap[2]; kx < tap[3]; kx++) {
            const float *xp = xn + ((size_t)(iy0 + ky * g->dh) * g->w + (ix0 + kx * g->dw)) * g->c + c0;
            const float *wp = d->w + (size_t)(ky * g->kw + kx) * g->c + c0;
            f = _mm256_fmadd_ps(_mm256_maskload_ps(xp, k), _mm256_maskload_ps(wp, k), f); /* integers: exact */
        }
    eb_i8_cols8 cols = {.comp = _mm256_setzero_si256(), .mult = _mm256_maskload_ps(e->mult + c0, k),
                        .bias = e->bias ? _mm256_maskload_ps(e->bias + c0, k) : _mm256_setzero_ps()};
    _mm256_maskstore_ps(yp + c0, k, eb_i8_epilogue8(_mm256_cvtps_epi32(f), &cols, e));
}

EB_T256 void eb_dw_row_i8__avx2(const eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, float *y, int n,
                                int oy)
{
    const eb_win2d *g = &d->win;
    int c = g->c;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    float *yrow = y + ((size_t)n * g->oh + oy) * g->ow * c;
    int iy0 = oy * g->sh - g->pt, tap[4];
    eb_tap_range(iy0, g->kh, g->dh, g->h, &tap[0], &tap[1]);
    eb_i8_epi e = {.a_zero = 0, .mult = ep->mult, .bias = ep->bias, .alpha = ep->alpha, .requant = ep->requant,
                   .out_scale = ep->out_scale, .out_zero = ep->out_zero,
                   .act = {.act = ep->act, .lo = ep->lo, .hi = ep->hi}};
    for (int ox = 0; ox < g->ow; ox++) {
        float *yp = yrow + (size_t)ox * c;
        int ix0 = ox * g->sw - g->pl;
        eb_tap_range(ix0, g->kw, g->dw, g->w, &tap[2], &tap[3]);
        for (int c0 = 0; c0 < c; c0 += 8)
            pixel8(d, xn, &e, yp, iy0, ix0, tap, c0, eb_i8_mask8(c - c0 >= 8 ? 8 : c - c0));
        if (ep->act == EB_ACT_GELU)
            for (int j = 0; j < c; j++)
                yp[j] = eb_cpu_act(yp[j], EB_ACT_GELU, 0, 0);
    }
}
#endif
