/* pool_f32.c - MaxPool, AveragePool and their global forms for the cpu
 * runner, NHWC: for one output pixel every tap is a max or a sum over a
 * contiguous channel vector.  This file holds the portable kernels and the
 * dispatch; kernels_f32_avx2.c the AVX2 row kernel, kernels_scalar.h the
 * scalar pieces both use.
 *
 * Semantics are ref_pool.c's: pads, strides, dilations and ceil_mode come
 * in as window geometry (the runner computes it from the node and the
 * inferred output shape); MaxPool propagates NaN and gives -FLT_MAX for a
 * window that holds no input element; AveragePool divides by the taps
 * inside the input, or with count_include_pad by the taps inside the padded
 * input (ceil_mode windows may reach past it: those never count).  Sums are
 * taken in float (ref_pool sums in double: the difference is rounding).
 *
 * Not here: MaxPool's Indices output, non-2-D windows, non-f32 types (the
 * runner falls back to the reference kernel). */
#include <float.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/kernels.h"
#include "runners/cpu/kernels_scalar.h"

enum { BLOCK = 64 };

bool eb_spatial_use_avx2(void)
{
    eb_isa isa = eb_isa_base(eb_gemm_isa());
    return isa == EB_ISA_AVX2 || isa == EB_ISA_AVX512;
}

typedef struct pool_ctx {
    const eb_pool2d *p;
    const float *x;
    float *y;
    eb_pool_row_fn row;
} pool_ctx;

/* The POOL row of kernels.def for generic. */
void eb_pool_row_f32__generic(const eb_pool2d *p, const float *x, float *y, int n, int oy)
{
    const eb_win2d *g = &p->win;
    const float *xn = x + (size_t)n * g->h * g->w * g->c;
    float *yrow = y + ((size_t)n * g->oh + oy) * g->ow * g->c;
    for (int ox = 0; ox < g->ow; ox++)
        eb_pool_pixel_f32(p, xn, yrow + (size_t)ox * g->c, oy * g->sh - g->pt, ox * g->sw - g->pl, 0, g->c);
}

static void pool_rows(void *arg, int64_t begin, int64_t end)
{
    const pool_ctx *ctx = arg;
    const eb_win2d *g = &ctx->p->win;
    for (int64_t r = begin; r < end; r++)
        ctx->row(ctx->p, ctx->x, ctx->y, (int)(r / g->oh), (int)(r % g->oh));
}

void eb_pool2d_nhwc_f32(const eb_pool2d *p, const float *x, float *y, eb_threadpool *tp)
{
    pool_ctx ctx = {p, x, y, p->row ? p->row : eb_kernel_pick(EB_KERNEL_POOL, eb_gemm_isa())->fn.pool};
    int64_t row = (int64_t)p->win.ow * p->win.c * p->win.kh * p->win.kw;
    eb_cpu_parallel_for(tp, (int64_t)p->win.n * p->win.oh, 16384 / (row ? row : 1) + 1, pool_rows, &ctx);
}

typedef struct gpool_ctx {
    int hw, c, blocks;
    bool is_max;
    const float *x;
    float *y;
} gpool_ctx;

/* Items are (image, channel block). */
static void gpool_blocks(void *arg, int64_t begin, int64_t end)
{
    const gpool_ctx *ctx = arg;
    for (int64_t it = begin; it < end; it++) {
        int n = (int)(it / ctx->blocks), c0 = (int)(it % ctx->blocks) * BLOCK;
        int cb = ctx->c - c0 < BLOCK ? ctx->c - c0 : BLOCK;
        const float *xn = ctx->x + (size_t)n * ctx->hw * ctx->c + c0;
        float acc[BLOCK];
        for (int j = 0; j < cb; j++)
            acc[j] = ctx->is_max ? -INFINITY : 0.0f;
        for (int i = 0; i < ctx->hw; i++) {
            const float *xp = xn + (size_t)i * ctx->c;
            if (ctx->is_max)
                for (int j = 0; j < cb; j++)
                    acc[j] = eb_pool_max_nan(acc[j], xp[j]);
            else
                for (int j = 0; j < cb; j++)
                    acc[j] += xp[j];
        }
        float *yp = ctx->y + (size_t)n * ctx->c + c0;
        for (int j = 0; j < cb; j++)
            yp[j] = ctx->is_max ? acc[j] : acc[j] / (float)ctx->hw;
    }
}

void eb_global_pool_nhwc_f32(int n, int hw, int c, bool is_max, const float *x, float *y, eb_threadpool *tp)
{
    gpool_ctx ctx = {hw, c, (c + BLOCK - 1) / BLOCK, is_max, x, y};
    eb_cpu_parallel_for(tp, (int64_t)n * ctx.blocks, 16384 / ((int64_t)BLOCK * hw) + 1, gpool_blocks, &ctx);
}
