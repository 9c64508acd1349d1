/* dwconv_f32.c - depthwise 2-D convolution (groups = input channels =
 * output channels) for the cpu runner, NHWC, with bias and activation
 * fused: any kernel size, stride, dilation and padding, though the models
 * use 3x3 and 5x5 at stride 1 and 2.
 *
 * The weights are repacked once to [kh*kw][c] so that, for one output
 * pixel, every tap is a multiply-add of two contiguous channel vectors.
 * Channels go in blocks of BLOCK held in a local accumulator array (fixed
 * trip count: the compiler vectorises it), taps that fall into the padding
 * are skipped.  Work is split over output rows (image, oy); on x86-64 an
 * AVX2+FMA row kernel (spatial_f32_avx2.c) is chosen at run time.
 *
 * Not here: depth multipliers > 1 (cout = k * cin), which go through
 * conv_f32.c as a grouped convolution. */
#include <stdlib.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"

enum { BLOCK = 32 };

eb_status eb_dwconv2d_pack(eb_dwconv2d *d, const float *w, const float *scale, const float *bias, eb_err *err)
{
    int c = d->win.c, taps = d->win.kh * d->win.kw;
    d->w = malloc(sizeof(float) * (size_t)taps * (size_t)c);
    d->bias = bias ? malloc(sizeof(float) * (size_t)c) : NULL;
    if (!d->w || (bias && !d->bias)) {
        eb_dwconv2d_release(d);
        return eb_errf(err, EB_ENOMEM, "Conv: out of memory packing depthwise weights");
    }
    for (int ch = 0; ch < c; ch++) {
        float s = scale ? scale[ch] : 1.0f;
        for (int t = 0; t < taps; t++)
            d->w[(size_t)t * c + ch] = w[(size_t)ch * taps + t] * s;
    }
    if (bias)
        memcpy(d->bias, bias, sizeof(float) * (size_t)c);
    return EB_OK;
}

void eb_dwconv2d_release(eb_dwconv2d *d)
{
    free(d->w);
    free(d->bias);
    d->w = d->bias = NULL;
}

typedef struct dw_ctx {
    const eb_dwconv2d *d;
    const float *x;
    float *y;
    bool wide; /* AVX-512F too */
} dw_ctx;

/* One output row (image n, row oy); the body shared by every ISA build. */
static void dw_row_body(const eb_dwconv2d *d, const float *x, float *y,
                                                              int n, int oy)
{
    const eb_win2d *g = &d->win;
    int c = g->c;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    float *yrow = y + ((size_t)n * g->oh + oy) * g->ow * c;
    for (int ox = 0; ox < g->ow; ox++) {
        float *yp = yrow + (size_t)ox * c;
        int iy0 = oy * g->sh - g->pt, ix0 = ox * g->sw - g->pl;
        for (int c0 = 0; c0 < c; c0 += BLOCK) {
            int cb = c - c0 < BLOCK ? c - c0 : BLOCK;
            float acc[BLOCK];
            if (cb == BLOCK) {
                for (int j = 0; j < BLOCK; j++)
                    acc[j] = d->bias ? d->bias[c0 + j] : 0.0f;
                for (int ky = 0; ky < g->kh; ky++) {
                    int iy = iy0 + ky * g->dh;
                    if (iy < 0 || iy >= g->h)
                        continue;
                    for (int kx = 0; kx < g->kw; kx++) {
                        int ix = ix0 + kx * g->dw;
                        if (ix < 0 || ix >= g->w)
                            continue;
                        const float *xp = xn + ((size_t)iy * g->w + ix) * c + c0;
                        const float *wp = d->w + (size_t)(ky * g->kw + kx) * c + c0;
                        for (int j = 0; j < BLOCK; j++)
                            acc[j] += xp[j] * wp[j];
                    }
                }
                for (int j = 0; j < BLOCK; j++)
                    yp[c0 + j] = eb_cpu_act(acc[j], d->act, d->lo, d->hi);
            } else {
                for (int j = 0; j < cb; j++)
                    acc[j] = d->bias ? d->bias[c0 + j] : 0.0f;
                for (int ky = 0; ky < g->kh; ky++) {
                    int iy = iy0 + ky * g->dh;
                    if (iy < 0 || iy >= g->h)
                        continue;
                    for (int kx = 0; kx < g->kw; kx++) {
                        int ix = ix0 + kx * g->dw;
                        if (ix < 0 || ix >= g->w)
                            continue;
                        const float *xp = xn + ((size_t)iy * g->w + ix) * c + c0;
                        const float *wp = d->w + (size_t)(ky * g->kw + kx) * c + c0;
                        for (int j = 0; j < cb; j++)
                            acc[j] += xp[j] * wp[j];
                    }
                }
                for (int j = 0; j < cb; j++)
                    yp[c0 + j] = eb_cpu_act(acc[j], d->act, d->lo, d->hi);
            }
        }
    }
}

static void dw_rows__generic(void *arg, int64_t begin, int64_t end)
{
    const dw_ctx *ctx = arg;
    for (int64_t r = begin; r < end; r++)
        dw_row_body(ctx->d, ctx->x, ctx->y, (int)(r / ctx->d->win.oh), (int)(r % ctx->d->win.oh));
}

#if defined(__x86_64__)
static void dw_rows__avx2(void *arg, int64_t begin, int64_t end)
{
    const dw_ctx *ctx = arg;
    for (int64_t r = begin; r < end; r++)
        eb_dw_row_f32__avx2(ctx->d, ctx->x, ctx->y, (int)(r / ctx->d->win.oh), (int)(r % ctx->d->win.oh), ctx->wide);
}
#endif

void eb_dwconv2d_nhwc_f32(const eb_dwconv2d *d, const float *x, float *y, eb_threadpool *tp)
{
    dw_ctx ctx = {d, x, y, eb_gemm_isa() == EB_ISA_AVX512};
    eb_range_fn fn = dw_rows__generic;
#if defined(__x86_64__)
    if (eb_spatial_use_avx2())
        fn = dw_rows__avx2;
#endif
    int64_t row = (int64_t)d->win.ow * d->win.c * d->win.kh * d->win.kw;
    eb_cpu_parallel_for(tp, (int64_t)d->win.n * d->win.oh, 16384 / (row ? row : 1) + 1, fn, &ctx);
}
