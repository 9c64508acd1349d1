/* dwconv_i8_avx2.c - the AVX2 row of the int8 depthwise convolution
 * (conv_i8.c has the layout, why fp32 carries the integer sums exactly,
 * and the generic row): 16 channels at a time, each tap two FMAs of the
 * inputs on their grid (x_q - x_zero) and the weights, as floats; the sums
 * go to int32 (exact integers) and through the int8 GEMM's vector epilogue
 * (gemm_i8_epilogue_avx2.h), the same IEEE steps as the reference.
 * Channels past the last 16 go through the generic block.  A leaf: built
 * for x86-64 only, with AVX2 enabled per function. */
#if defined(__x86_64__)
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "runners/cpu/conv_i8.h"
#include "runners/cpu/gemm_i8_epilogue_avx2.h"

EB_T256 void eb_dw_row_i8__avx2(const eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, float *y, int n,
                                int oy)
{
    const eb_win2d *g = &d->win;
    int c = g->c, c16 = c / 16 * 16;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    float *yrow = y + ((size_t)n * g->oh + oy) * g->ow * c;
    int iy0 = oy * g->sh - g->pt, ky0, ky1;
    eb_tap_range(iy0, g->kh, g->dh, g->h, &ky0, &ky1);
    eb_i8_epi e = {.a_zero = 0, .mult = ep->mult, .bias = ep->bias, .alpha = ep->alpha, .requant = ep->requant,
                   .out_scale = ep->out_scale, .out_zero = ep->out_zero,
                   .act = {.act = ep->act, .lo = ep->lo, .hi = ep->hi}};
    __m256i all = _mm256_set1_epi32(-1);
    for (int ox = 0; ox < g->ow; ox++) {
        float *yp = yrow + (size_t)ox * c;
        int ix0 = ox * g->sw - g->pl, kx0, kx1;
        eb_tap_range(ix0, g->kw, g->dw, g->w, &kx0, &kx1);
        for (int c0 = 0; c0 < c16; c0 += 16) {
            __m256 f0 = _mm256_setzero_ps(), f1 = _mm256_setzero_ps();
            for (int ky = ky0; ky < ky1; ky++)
                for (int kx = kx0; kx < kx1; kx++) {
                    const float *xp = xn + ((size_t)(iy0 + ky * g->dh) * g->w + (ix0 + kx * g->dw)) * c + c0;
                    const float *wp = d->w + (size_t)(ky * g->kw + kx) * c + c0;
                    f0 = _mm256_fmadd_ps(_mm256_loadu_ps(xp), _mm256_loadu_ps(wp), f0); /* integers: exact */
                    f1 = _mm256_fmadd_ps(_mm256_loadu_ps(xp + 8), _mm256_loadu_ps(wp + 8), f1);
                }
            __m256i a0 = _mm256_cvtps_epi32(f0), a1 = _mm256_cvtps_epi32(f1);
            eb_i8_cols8 k0 = {.comp = _mm256_setzero_si256(), .mult = _mm256_loadu_ps(ep->mult + c0),
                              .bias = ep->bias ? _mm256_loadu_ps(ep->bias + c0) : _mm256_setzero_ps()};
            eb_i8_cols8 k1 = {.comp = _mm256_setzero_si256(), .mult = _mm256_loadu_ps(ep->mult + c0 + 8),
                              .bias = ep->bias ? _mm256_loadu_ps(ep->bias + c0 + 8) : _mm256_setzero_ps()};
            _mm256_maskstore_ps(yp + c0, all, eb_i8_epilogue8(a0, &k0, &e));
            _mm256_maskstore_ps(yp + c0 + 8, all, eb_i8_epilogue8(a1, &k1, &e));
            if (ep->act == EB_ACT_GELU)
                for (int j = c0; j < c0 + 16; j++)
                    yp[j] = eb_cpu_act(yp[j], EB_ACT_GELU, 0, 0);
        }
    }
    if (c16 < c)
        eb_dw_i8_channels(d, x, ep, y, n, oy, c16);
}
#endif
