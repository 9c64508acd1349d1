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
 * AVX2+FMA row kernel (kernels_f32_avx2.c) is chosen at run time.
 *
 * Not here: depth multipliers > 1 (cout = k * cin), which go through
 * conv_f32.c as a grouped convolution. */
#include <stdlib.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/kernels.h"

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

size_t eb_dwconv2d_weight_bytes(const eb_dwconv2d *d)
{
    size_t c = (size_t)d->win.c;
    return sizeof(float) * ((d->w ? (size_t)d->win.kh * (size_t)d->win.kw * c : 0) + (d->bias ? c : 0));
}

typedef struct dw_ctx {
    const eb_dwconv2d *d;
    const float *x;
    float *y;
    eb_dw_row_fn row;
} dw_ctx;

/* Channels [c0, c0 + cb) of one output pixel whose taps inside the input
 * are rows [ky0, ky1) and columns [kx0, kx1).  Called with cb == BLOCK, a
 * constant after inlining, the channel loops have a fixed trip count and
 * the compiler vectorises them. */
static inline __attribute__((always_inline)) void dw_block(const eb_dwconv2d *d, const float *xn, float *yp, int iy0,
                                                           int ix0, const int tap[4], int c0, int cb)
{
    const eb_win2d *g = &d->win;
    float acc[BLOCK];
    for (int j = 0; j < cb; j++)
        acc[j] = d->bias ? d->bias[c0 + j] : 0.0f;
    for (int ky = tap[0]; ky < tap[1]; ky++)
        for (int kx = tap[2]; kx < tap[3]; kx++) {
            const float *xp = xn + ((size_t)(iy0 + ky * g->dh) * g->w + (ix0 + kx * g->dw)) * g->c + c0;
            const float *wp = d->w + (size_t)(ky * g->kw + kx) * g->c + c0;
            for (int j = 0; j < cb; j++)
                acc[j] += xp[j] * wp[j];
        }
    for (int j = 0; j < cb; j++)
        yp[c0 + j] = eb_cpu_act(acc[j], d->act, d->lo, d->hi);
}

/* One output row (image n, row oy). */
/* The DWCONV row of kernels.def for generic. */
void eb_dw_row_f32__generic(const eb_dwconv2d *d, const float *x, float *y, int n, int oy)
{
    const eb_win2d *g = &d->win;
    int c = g->c;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    float *yrow = y + ((size_t)n * g->oh + oy) * g->ow * c;
    int iy0 = oy * g->sh - g->pt, tap[4];
    eb_tap_range(iy0, g->kh, g->dh, g->h, &tap[0], &tap[1]);
    for (int ox = 0; ox < g->ow; ox++) {
        float *yp = yrow + (size_t)ox * c;
        int ix0 = ox * g->sw - g->pl;
        eb_tap_range(ix0, g->kw, g->dw, g->w, &tap[2], &tap[3]);
        for (int c0 = 0; c0 < c; c0 += BLOCK) {
            if (c - c0 >= BLOCK)
                dw_block(d, xn, yp, iy0, ix0, tap, c0, BLOCK);
            else
                dw_block(d, xn, yp, iy0, ix0, tap, c0, c - c0);
        }
    }
}

static void dw_rows(void *arg, int64_t begin, int64_t end)
{
    const dw_ctx *ctx = arg;
    for (int64_t r = begin; r < end; r++)
        ctx->row(ctx->d, ctx->x, ctx->y, (int)(r / ctx->d->win.oh), (int)(r % ctx->d->win.oh));
}

void eb_dwconv2d_nhwc_f32(const eb_dwconv2d *d, const float *x, float *y, eb_threadpool *tp)
{
    dw_ctx ctx = {d, x, y, d->row ? d->row : eb_kernel_pick(EB_KERNEL_DWCONV, eb_gemm_isa())->fn.dwconv};
    int64_t row = (int64_t)d->win.ow * d->win.c * d->win.kh * d->win.kw;
    eb_cpu_parallel_for(tp, (int64_t)d->win.n * d->win.oh, 16384 / (row ? row : 1) + 1, dw_rows, &ctx);
}
