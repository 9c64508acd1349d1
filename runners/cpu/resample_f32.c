/* resample_f32.c - 2-D Resize and 2-D ConvTranspose on NHWC fp32
 * activations (see resample_f32.h).
 *
 * Resize: each output pixel is a weighted sum of one (nearest), four
 * (bilinear) or sixteen (bicubic) input pixels (3-D: their cubes, NCDHW), whole channel rows at a time in NHWC, or one
 * plane at a time in NCHW (the layout the planner picks to keep the
 * conversion on the smaller side); rows of the output are spread over the
 * threads.
 *
 * ConvTranspose: for image b and group g, cols = X_g * W_g, with X_g the
 * pixels' group channels (a strided view of NHWC X: lda = c) and W_g the
 * packed [c/group, taps * m/group] weight; then output pixel (oy, ox)
 * gathers, for each tap (ky, kx) whose input pixel iy = (oy + pt - ky*dh) /
 * sh, ix likewise, is integral and inside the image, the tap's run of
 * m/group channels from that pixel's cols row, plus the bias.  The gather
 * writes every output element once, so output rows can go to different
 * threads.  1-D ConvTranspose runs as 2-D with H = 1 on N, C, L data
 * (nchw): the image is first transposed to pixels x channels in the
 * scratch, and the gather stores each channel a plane apart. */
#include "runners/cpu/resample_f32.h"

#include <stdlib.h>
#include <string.h>

/* ---- Resize ------------------------------------------------------------------ */

typedef struct resize_ctx {
    const eb_resize2d *r;
    const float *x;
    float *y;
} resize_ctx;

/* NCHW: rows are (image, channel, output row).  Bilinear interpolates
 * the two input rows horizontally once into h0/h1 and reuses them for
 * every output row that reads the same pair (all rows of one input row
 * interval when upsampling), so that each output row is one vectorizable
 * blend of two rows. */
static void resize_plane_rows(void *arg, int64_t begin, int64_t end)
{
    const resize_ctx *ctx = arg;
    const eb_resize2d *r = ctx->r;
    float *h0 = r->taps == 2 ? malloc(sizeof(float) * 2 * (size_t)r->ow) : NULL, *h1 = h0 ? h0 + r->ow : NULL;
    int64_t cached_plane = -1;
    int32_t cached_a = -1, cached_b = -1;
    for (int64_t row = begin; row < end; row++) {
        int64_t plane = row / r->oh;
        int oy = (int)(row % r->oh);
        const float *xp = ctx->x + (size_t)plane * r->h * r->w;
        float *yr = ctx->y + ((size_t)plane * r->oh + oy) * r->ow;
        if (r->taps == 1) {
            const float *xr = xp + (size_t)r->iy[oy] * r->w;
            for (int ox = 0; ox < r->ow; ox++)
                yr[ox] = xr[r->ix[ox]];
            continue;
        }
        if (r->taps > 2) { /* cubic: taps x taps input pixels per output pixel */
            int t = r->taps;
            for (int ox = 0; ox < r->ow; ox++) {
                float acc = 0;
                for (int i = 0; i < t; i++) {
                    const float *xr = xp + (size_t)r->iy[t * oy + i] * r->w;
                    float part = 0;
                    for (int j = 0; j < t; j++)
                        part += r->wx[t * ox + j] * xr[r->ix[t * ox + j]];
                    acc += r->wy[t * oy + i] * part;
                }
                yr[ox] = acc;
            }
            continue;
        }
        int32_t ia = r->iy[2 * oy], ib = r->iy[2 * oy + 1];
        const float *x0 = xp + (size_t)ia * r->w, *x1 = xp + (size_t)ib * r->w;
        float wy0 = r->wy[2 * oy], wy1 = r->wy[2 * oy + 1];
        if (!h0) { /* no scratch: the same sums, directly */
            for (int ox = 0; ox < r->ow; ox++) {
                int a = r->ix[2 * ox], e = r->ix[2 * ox + 1];
                float wx0 = r->wx[2 * ox], wx1 = r->wx[2 * ox + 1];
                yr[ox] = wy0 * (wx0 * x0[a] + wx1 * x0[e]) + wy1 * (wx0 * x1[a] + wx1 * x1[e]);
            }
            continue;
        }
        if (plane != cached_plane || ia != cached_a || ib != cached_b) {
            for (int ox = 0; ox < r->ow; ox++) {
                int a = r->ix[2 * ox], e = r->ix[2 * ox + 1];
                float wx0 = r->wx[2 * ox], wx1 = r->wx[2 * ox + 1];
                h0[ox] = wx0 * x0[a] + wx1 * x0[e];
                h1[ox] = wx0 * x1[a] + wx1 * x1[e];
            }
            cached_plane = plane;
            cached_a = ia;
            cached_b = ib;
        }
        for (int ox = 0; ox < r->ow; ox++)
            yr[ox] = wy0 * h0[ox] + wy1 * h1[ox];
    }
    free(h0);
}

static void resize_rows(void *arg, int64_t begin, int64_t end)
{
    const resize_ctx *ctx = arg;
    const eb_resize2d *r = ctx->r;
    int c = r->c, t = r->taps;
    for (int64_t row = begin; row < end; row++) {
        int b = (int)(row / r->oh), oy = (int)(row % r->oh);
        const float *xb = ctx->x + (size_t)b * r->h * r->w * c;
        float *yr = ctx->y + ((size_t)b * r->oh + oy) * r->ow * c;
        if (t == 1) {
            const float *xr = xb + (size_t)r->iy[oy] * r->w * c;
            for (int ox = 0; ox < r->ow; ox++)
                memcpy(yr + (size_t)ox * c, xr + (size_t)r->ix[ox] * c, sizeof(float) * (size_t)c);
            continue;
        }
        if (t > 2) { /* cubic: whole channel rows of taps x taps pixels */
            for (int ox = 0; ox < r->ow; ox++) {
                float *yp = yr + (size_t)ox * c;
                memset(yp, 0, sizeof(float) * (size_t)c);
                for (int i = 0; i < t; i++) {
                    const float *xr = xb + (size_t)r->iy[t * oy + i] * r->w * c;
                    for (int k = 0; k < t; k++) {
                        float wgt = r->wy[t * oy + i] * r->wx[t * ox + k];
                        const float *xp = xr + (size_t)r->ix[t * ox + k] * c;
                        for (int j = 0; j < c; j++)
                            yp[j] += wgt * xp[j];
                    }
                }
            }
            continue;
        }
        const float *x0 = xb + (size_t)r->iy[2 * oy] * r->w * c, *x1 = xb + (size_t)r->iy[2 * oy + 1] * r->w * c;
        float wy0 = r->wy[2 * oy], wy1 = r->wy[2 * oy + 1];
        for (int ox = 0; ox < r->ow; ox++) {
            size_t a = (size_t)r->ix[2 * ox] * c, e = (size_t)r->ix[2 * ox + 1] * c;
            float w00 = wy0 * r->wx[2 * ox], w01 = wy0 * r->wx[2 * ox + 1];
            float w10 = wy1 * r->wx[2 * ox], w11 = wy1 * r->wx[2 * ox + 1];
            float *yp = yr + (size_t)ox * c;
            for (int j = 0; j < c; j++)
                yp[j] = w00 * x0[a + j] + w01 * x0[e + j] + w10 * x1[a + j] + w11 * x1[e + j];
        }
    }
}

/* 3-D (NCDHW): rows are (image, channel, output plane, output row); each
 * output element sums taps^3 input elements. */
static void resize_volume_rows(void *arg, int64_t begin, int64_t end)
{
    const resize_ctx *ctx = arg;
    const eb_resize2d *r = ctx->r;
    int t = r->taps;
    size_t plane_in = (size_t)r->h * r->w;
    for (int64_t row = begin; row < end; row++) {
        int oy = (int)(row % r->oh), oz = (int)(row / r->oh % r->od);
        int64_t vol = row / r->oh / r->od;
        const float *xv = ctx->x + (size_t)vol * r->d * plane_in;
        float *yr = ctx->y + (((size_t)vol * r->od + oz) * r->oh + oy) * r->ow;
        for (int ox = 0; ox < r->ow; ox++) {
            float acc = 0;
            for (int a = 0; a < t; a++) {
                const float *xz = xv + (size_t)r->iz[t * oz + a] * plane_in;
                float pa = 0;
                for (int i = 0; i < t; i++) {
                    const float *xr = xz + (size_t)r->iy[t * oy + i] * r->w;
                    float part = 0;
                    for (int j = 0; j < t; j++)
                        part += r->wx[t * ox + j] * xr[r->ix[t * ox + j]];
                    pa += r->wy[t * oy + i] * part;
                }
                acc += r->wz[t * oz + a] * pa;
            }
            yr[ox] = acc;
        }
    }
}

void eb_resize2d_nhwc_f32(const eb_resize2d *r, const float *x, float *y, eb_threadpool *tp)
{
    resize_ctx ctx = {r, x, y};
    if (r->od > 0) {
        int64_t row = (int64_t)r->ow * r->taps * r->taps * r->taps;
        eb_cpu_parallel_for(tp, (int64_t)r->n * r->c * r->od * r->oh, 16384 / (row ? row : 1) + 1, resize_volume_rows,
                            &ctx);
        return;
    }
    if (r->nchw) {
        int64_t row = (int64_t)r->ow * r->taps * r->taps;
        eb_cpu_parallel_for(tp, (int64_t)r->n * r->c * r->oh, 16384 / (row ? row : 1) + 1, resize_plane_rows, &ctx);
        return;
    }
    int64_t row = (int64_t)r->ow * r->c * r->taps * r->taps;
    eb_cpu_parallel_for(tp, (int64_t)r->n * r->oh, 16384 / (row ? row : 1) + 1, resize_rows, &ctx);
}

void eb_resize2d_free(eb_resize2d *r)
{
    free(r->iy);
    free(r->ix);
    free(r->iz);
    free(r->wy);
    free(r->wx);
    free(r->wz);
    r->iy = r->ix = r->iz = NULL;
    r->wy = r->wx = r->wz = NULL;
}

/* ---- ConvTranspose ------------------------------------------------------------- */

size_t eb_deconv2d_scratch_floats(const eb_deconv2d *d)
{
    return (size_t)d->h * d->w * d->kh * d->kw * (d->m / d->group) + (d->nchw ? (size_t)d->h * d->w * d->c : 0);
}

eb_status eb_deconv2d_pack(eb_deconv2d *d, const float *w, eb_err *err)
{
    int cg = d->c / d->group, mg = d->m / d->group, taps = d->kh * d->kw, cols = taps * mg;
    d->pb = calloc((size_t)d->group, sizeof *d->pb);
    float *b = malloc(sizeof(float) * (size_t)cg * cols);
    if (!d->pb || !b) {
        free(b);
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory packing a ConvTranspose weight");
    }
    eb_status st = EB_OK;
    for (int g = 0; g < d->group && st == EB_OK; g++) {
        /* W [c, mg, kh, kw] -> B [cg, taps * mg] with column tap * mg + o */
        for (int ci = 0; ci < cg; ci++)
            for (int o = 0; o < mg; o++)
                for (int t = 0; t < taps; t++)
                    b[(size_t)ci * cols + (size_t)t * mg + o] = w[(((size_t)g * cg + ci) * mg + o) * taps + t];
        st = eb_gemm_pack_b(b, cg, cols, cols, false, &d->pb[g], err);
    }
    free(b);
    return st;
}

typedef struct deconv_ctx {
    const eb_deconv2d *d;
    const float *cols;
    float *y;      /* image b's output */
    int g;
} deconv_ctx;

static void col2im_rows(void *arg, int64_t begin, int64_t end)
{
    const deconv_ctx *ctx = arg;
    const eb_deconv2d *d = ctx->d;
    int mg = d->m / d->group, taps = d->kh * d->kw, g = ctx->g;
    const float *bias = d->bias ? d->bias + (size_t)g * mg : NULL;
    /* an output pixel's channels: adjacent in NHWC, a plane apart in NCHW */
    size_t cs = d->nchw ? (size_t)d->oh * d->ow : 1;
    for (int64_t oy = begin; oy < end; oy++)
        for (int ox = 0; ox < d->ow; ox++) {
            float *yp = d->nchw ? ctx->y + ((size_t)g * mg * d->oh + (size_t)oy) * d->ow + ox
                                : ctx->y + ((size_t)oy * d->ow + ox) * d->m + (size_t)g * mg;
            for (int o = 0; o < mg; o++)
                yp[o * cs] = bias ? bias[o] : 0.0f;
            for (int ky = 0; ky < d->kh; ky++) {
                int ny = (int)oy + d->pt - ky * d->dh;
                if (ny < 0 || ny % d->sh != 0 || ny / d->sh >= d->h)
                    continue;
                int iy = ny / d->sh;
                for (int kx = 0; kx < d->kw; kx++) {
                    int nx = ox + d->pl - kx * d->dw;
                    if (nx < 0 || nx % d->sw != 0 || nx / d->sw >= d->w)
                        continue;
                    int ix = nx / d->sw;
                    const float *cp = ctx->cols + ((size_t)iy * d->w + ix) * taps * mg + (size_t)(ky * d->kw + kx) * mg;
                    for (int o = 0; o < mg; o++)
                        yp[o * cs] += cp[o];
                }
            }
        }
}

void eb_deconv2d_f32(const eb_deconv2d *d, const float *x, float *y, float *scratch, eb_threadpool *tp)
{
    int cg = d->c / d->group, mg = d->m / d->group, cols = d->kh * d->kw * mg, pixels = d->h * d->w;
    eb_epilogue ep = {.bias = NULL, .act = EB_ACT_NONE};
    float *xt = scratch + (size_t)pixels * cols; /* nchw: the image as pixels x channels */
    for (int b = 0; b < d->n; b++) {
        if (d->nchw) {
            const float *xb = x + (size_t)b * d->c * pixels;
            for (int ci = 0; ci < d->c; ci++)
                for (int i = 0; i < pixels; i++)
                    xt[(size_t)i * d->c + ci] = xb[(size_t)ci * pixels + i];
        }
        for (int g = 0; g < d->group; g++) {
            const float *xg = (d->nchw ? xt : x + (size_t)b * pixels * d->c) + (size_t)g * cg;
            eb_gemm_f32(pixels, cols, cg, xg, d->c, d->pb[g], scratch, cols, &ep, tp);
            deconv_ctx ctx = {d, scratch, y + (size_t)b * d->oh * d->ow * d->m, g};
            int64_t row = (int64_t)d->ow * mg * d->kh * d->kw;
            eb_cpu_parallel_for(tp, d->oh, 16384 / (row ? row : 1) + 1, col2im_rows, &ctx);
        }
    }
}

void eb_deconv2d_free(eb_deconv2d *d)
{
    for (int g = 0; d->pb && g < d->group; g++)
        eb_gemm_packed_free(d->pb[g]);
    free(d->pb);
    free(d->bias);
    d->pb = NULL;
    d->bias = NULL;
}

size_t eb_deconv2d_weight_bytes(const eb_deconv2d *d)
{
    size_t bytes = d->bias ? sizeof(float) * (size_t)d->m : 0;
    for (int g = 0; d->pb && g < d->group; g++)
        bytes += eb_gemm_packed_bytes(d->pb[g]);
    return bytes;
}
