/* dwconv_i8_avx2.c - the AVX2 row of the int8 depthwise convolution
 * (conv_i8.c has the layout, why fp32 carries the integer sums exactly,
 * and the generic row): 8 channels at a time (the last ones masked), each
 * tap one FMA of the inputs on their grid (x_q - x_zero) and the weights,
 * as floats; the sums go to int32 (exact integers) and through the int8
 * GEMM's vector epilogue (gemm_i8_epilogue_avx2.h), the same IEEE steps as
 * the reference, and the store in the output mode (f32, or onto the next
 * layer's grid: quantize_avx.h).  A leaf: built
 * for x86-64 only, with AVX2 enabled per function. */
#if defined(__x86_64__)
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include "runners/cpu/conv_i8.h"
#include "runners/cpu/gemm_i8_epilogue_avx2.h"
#include "runners/cpu/quantize_avx.h"

/* Stores the first n (1..8) lanes of v at element i of y, in the output mode. */
EB_T256 static inline void store8(__m256 v, const eb_epilogue_i8 *ep, void *y, size_t i, int n, __m256i k)
{
    if (ep->out == EB_I8_OUT_F32) {
        _mm256_maskstore_ps((float *)y + i, k, v);
        return;
    }
    __m256i z = _mm256_set1_epi32(ep->next_zero), q = eb_grid8(v, _mm256_set1_ps(ep->next_scale), z);
    if (ep->out == EB_I8_OUT_GRID_F32) {
        _mm256_maskstore_ps((float *)y + i, k, _mm256_cvtepi32_ps(_mm256_sub_epi32(q, z)));
        return;
    }
    __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    __m128i b = _mm_packus_epi16(w, w);
    if (n == 8) {
        _mm_storel_epi64((__m128i *)((uint8_t *)y + i), b);
    } else {
        uint8_t t[16];
        _mm_storeu_si128((__m128i *)t, b);
        for (int j = 0; j < n; j++)
            ((uint8_t *)y)[i + (size_t)j] = t[j];
    }
}

/* 8 channels from c0 (n of them, the lanes of mask k) of one output pixel */
EB_T256 static inline void pixel8(const eb_dwconv_i8 *d, const float *xn, const eb_epilogue_i8 *ep,
                                  const eb_i8_epi *e, void *y, size_t yp, int iy0, int ix0, const int tap[4], int c0,
                                  int n, __m256i k)
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
    store8(eb_i8_epilogue8(_mm256_cvtps_epi32(f), &cols, e), ep, y, yp + (size_t)c0, n, k);
}

EB_T256 void eb_dw_row_i8__avx2(const eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, void *y, int n,
                                int oy)
{
    const eb_win2d *g = &d->win;
    int c = g->c;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    size_t yrow = ((size_t)n * g->oh + oy) * g->ow * c;
    int iy0 = oy * g->sh - g->pt, tap[4];
    eb_tap_range(iy0, g->kh, g->dh, g->h, &tap[0], &tap[1]);
    eb_i8_epi e = eb_i8_epi_of(ep, NULL, NULL); /* the zero point is out of x already */
    for (int ox = 0; ox < g->ow; ox++) {
        size_t yp = yrow + (size_t)ox * c;
        int ix0 = ox * g->sw - g->pl;
        eb_tap_range(ix0, g->kw, g->dw, g->w, &tap[2], &tap[3]);
        for (int c0 = 0; c0 < c; c0 += 8) {
            int nc = c - c0 >= 8 ? 8 : c - c0;
            pixel8(d, xn, ep, &e, y, yp, iy0, ix0, tap, c0, nc, eb_i8_mask8(nc));
        }
        if (ep->act == EB_ACT_GELU) /* scalar, after the store; f32 output only (the planner passes no grid) */
            for (int j = 0; j < c; j++)
                ((float *)y)[yp + (size_t)j] = eb_cpu_act(((float *)y)[yp + (size_t)j], EB_ACT_GELU, 0, 0);
    }
}
#endif
