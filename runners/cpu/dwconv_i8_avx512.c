/* dwconv_i8_avx512.c - the AVX-512 row of the int8 depthwise convolution
 * (conv_i8.c has the layout, why fp32 carries the integer sums exactly,
 * and the generic row): 32 channels at a time in two FMA chains over the
 * taps, then the epilogue at 16 lanes, the reference's IEEE steps one
 * instruction each (the float sums are the int32 sums exactly, so
 * (float)acc is the sum itself), then the store in the output mode (f32,
 * or onto the next layer's grid: quantize_avx.h).  The channels past the
 * last 32 go 16 at a time, the last ones masked.  A leaf: x86-64 only, AVX-512F enabled per function. */
#if defined(__x86_64__)
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

#include <immintrin.h>

#include "runners/cpu/conv_i8.h"
#include "runners/cpu/gemm_i8_kernel.h"
#include "runners/cpu/quantize_avx.h"

#define T512 __attribute__((target("avx512f")))

/* the lanes of mask k, channels from c0 */
T512 static inline __m512 epilogue16(__m512 v, const eb_epilogue_i8 *ep, int c0, __mmask16 k)
{
    v = _mm512_mul_ps(v, _mm512_maskz_loadu_ps(k, ep->mult + c0));
    v = _mm512_mul_ps(v, _mm512_set1_ps(ep->alpha));
    if (ep->bias)
        v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(k, ep->bias + c0));
    if (ep->requant) {
        __m512 s = _mm512_set1_ps(ep->out_scale);
        __m512 r = _mm512_div_ps(v, s);
        r = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(r, r, _CMP_ORD_Q), r); /* NaN -> the zero point */
        r = _mm512_min_ps(_mm512_max_ps(r, _mm512_set1_ps(-EB_I8_R_LIMIT)), _mm512_set1_ps(EB_I8_R_LIMIT));
        __m512i q = _mm512_cvtps_epi32(r);
        q = _mm512_max_epi32(q, _mm512_set1_epi32(-ep->out_zero));
        q = _mm512_min_epi32(q, _mm512_set1_epi32(255 - ep->out_zero));
        v = _mm512_mul_ps(_mm512_cvtepi32_ps(q), s);
    }
    switch (ep->act) {
    case EB_ACT_RELU: return _mm512_max_ps(_mm512_setzero_ps(), v); /* NaN, -0 pass as in v < 0 ? 0 : v */
    case EB_ACT_CLIP: return _mm512_min_ps(_mm512_set1_ps(ep->hi), _mm512_max_ps(_mm512_set1_ps(ep->lo), v));
    default: return v;
    }
}

/* Stores the lanes of k of v at element i of y, in the output mode. */
T512 static inline void store16(__m512 v, const eb_epilogue_i8 *ep, void *y, size_t i, __mmask16 k)
{
    if (ep->out == EB_I8_OUT_F32) {
        _mm512_mask_storeu_ps((float *)y + i, k, v);
        return;
    }
    __m512i z = _mm512_set1_epi32(ep->next_zero), q = eb_grid16(v, _mm512_set1_ps(ep->next_scale), z);
    if (ep->out == EB_I8_OUT_U8)
        _mm512_mask_cvtepi32_storeu_epi8((uint8_t *)y + i, k, q);
    else
        _mm512_mask_storeu_ps((float *)y + i, k, _mm512_cvtepi32_ps(_mm512_sub_epi32(q, z)));
}

/* 16 channels from c0 (the lanes of mask k) of one output pixel */
T512 static inline void pixel16(const eb_dwconv_i8 *d, const float *xn, const eb_epilogue_i8 *ep, void *y, size_t yp,
                                int iy0, int ix0, const int tap[4], int c0, __mmask16 k)
{
    const eb_win2d *g = &d->win;
    __m512 f = _mm512_setzero_ps();
    for (int ky = tap[0]; ky < tap[1]; ky++)
        for (int kx = tap[2]; kx < tap[3]; kx++) {
            const float *xp = xn + ((size_t)(iy0 + ky * g->dh) * g->w + (ix0 + kx * g->dw)) * g->c + c0;
            const float *wp = d->w + (size_t)(ky * g->kw + kx) * g->c + c0;
            f = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, xp), _mm512_maskz_loadu_ps(k, wp), f);
        }
    store16(epilogue16(f, ep, c0, k), ep, y, yp + (size_t)c0, k);
}

T512 void eb_dw_row_i8__avx512(const eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, void *y, int n,
                               int oy)
{
    const eb_win2d *g = &d->win;
    int c = g->c, c32 = c / 32 * 32;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    size_t yrow = ((size_t)n * g->oh + oy) * g->ow * c;
    int iy0 = oy * g->sh - g->pt, tap[4];
    eb_tap_range(iy0, g->kh, g->dh, g->h, &tap[0], &tap[1]);
    for (int ox = 0; ox < g->ow; ox++) {
        size_t yp = yrow + (size_t)ox * c;
        int ix0 = ox * g->sw - g->pl;
        eb_tap_range(ix0, g->kw, g->dw, g->w, &tap[2], &tap[3]);
        for (int c0 = 0; c0 < c32; c0 += 32) {
            __m512 f0 = _mm512_setzero_ps(), f1 = _mm512_setzero_ps();
            for (int ky = tap[0]; ky < tap[1]; ky++)
                for (int kx = tap[2]; kx < tap[3]; kx++) {
                    const float *xp = xn + ((size_t)(iy0 + ky * g->dh) * g->w + (ix0 + kx * g->dw)) * c + c0;
                    const float *wp = d->w + (size_t)(ky * g->kw + kx) * c + c0;
                    f0 = _mm512_fmadd_ps(_mm512_loadu_ps(xp), _mm512_loadu_ps(wp), f0); /* integers: exact */
                    f1 = _mm512_fmadd_ps(_mm512_loadu_ps(xp + 16), _mm512_loadu_ps(wp + 16), f1);
                }
            store16(epilogue16(f0, ep, c0, 0xffff), ep, y, yp + (size_t)c0, 0xffff);
            store16(epilogue16(f1, ep, c0 + 16, 0xffff), ep, y, yp + (size_t)c0 + 16, 0xffff);
        }
        for (int c0 = c32; c0 < c; c0 += 16)
            pixel16(d, xn, ep, y, yp, iy0, ix0, tap, c0, c - c0 >= 16 ? 0xffff : (__mmask16)((1u << (c - c0)) - 1));
        if (ep->act == EB_ACT_GELU) /* scalar, after the store; f32 output only (the planner passes no grid) */
            for (int j = 0; j < c; j++)
                ((float *)y)[yp + (size_t)j] = eb_cpu_act(((float *)y)[yp + (size_t)j], EB_ACT_GELU, 0, 0);
    }
}
#endif
