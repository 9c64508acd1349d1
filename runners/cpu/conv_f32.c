/* conv_f32.c - 2-D convolution for the cpu runner: im2row + packed GEMM,
 * NHWC in and out, with bias and activation fused into the GEMM epilogue.
 *
 * The weights are packed once: W [cout][cin/g][kh][kw] is reordered to
 * [cout][kh][kw][cin/g] and packed as B = W^T (K x cout/g) per group, so
 * the GEMM C[pixel][cout] = A[pixel][K] * B[K][cout] writes NHWC directly
 * and the per-column bias is the per-channel bias.  A 1x1 convolution with
 * stride 1 and no padding needs no im2row at all: the NHWC input already is
 * A (lda = cin).  Otherwise A is built in chunks of output pixels (a row
 * per pixel: for each group, each tap, the cin/g channels, zeros in the
 * padding), each chunk in parallel over its rows, then multiplied; the
 * chunk is sized to stay in the L2 cache while the GEMM consumes it.
 *
 * 3x3 stride-1 convolutions with enough channels go to Winograd instead
 * (conv_winograd_f32.c).
 *
 * Not here: non-2-D convolutions and non-f32 types (the runner falls back
 * to ref_conv.c), depthwise convolutions (dwconv_f32.c). */
#include <stdlib.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"

/* floats of im2row scratch per chunk: ~1 MiB */
enum { CHUNK_FLOATS = 1 << 18, MIN_CHUNK_ROWS = 96 };

void eb_conv2d_geometry(eb_conv2d *c)
{
    const eb_win2d *g = &c->win;
    c->k = g->kh * g->kw * (g->c / c->groups);
    c->direct = g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 && g->pb == 0 &&
                g->pr == 0;
    c->winograd = eb_winograd_applies(c);
}

eb_status eb_conv2d_pack(eb_conv2d *c, const float *w, const float *scale, const float *bias, eb_err *err)
{
    const eb_win2d *g = &c->win;
    eb_conv2d_geometry(c);
    int cin_g = g->c / c->groups, cout_g = c->cout / c->groups, taps = g->kh * g->kw;
    memset(c->wino, 0, sizeof c->wino);
    c->packed = calloc((size_t)c->groups, sizeof *c->packed);
    float *wr = malloc(sizeof(float) * (size_t)c->cout * (size_t)c->k);
    if (bias && !(c->bias = malloc(sizeof(float) * (size_t)c->cout))) {
        free(wr);
        wr = NULL;
    }
    if (!c->packed || !wr) {
        free(wr);
        eb_conv2d_release(c);
        return eb_errf(err, EB_ENOMEM, "Conv: out of memory packing weights");
    }
    if (bias)
        memcpy(c->bias, bias, sizeof(float) * (size_t)c->cout);
    /* [co][ci][ky][kx] -> [co][ky][kx][ci], scaled per output channel */
    for (int co = 0; co < c->cout; co++) {
        float s = scale ? scale[co] : 1.0f;
        for (int ci = 0; ci < cin_g; ci++)
            for (int t = 0; t < taps; t++)
                wr[(size_t)co * c->k + (size_t)t * cin_g + ci] = w[((size_t)co * cin_g + ci) * taps + t] * s;
    }
    for (int gi = 0; gi < c->groups && !c->winograd; gi++) {
        eb_status st = eb_gemm_pack_b(wr + (size_t)gi * cout_g * c->k, c->k, cout_g, c->k, true, &c->packed[gi], err);
        if (st != EB_OK) {
            free(wr);
            eb_conv2d_release(c);
            return st;
        }
    }
    eb_status st = c->winograd ? eb_winograd_pack(c, wr, err) : EB_OK;
    free(wr);
    if (st != EB_OK)
        eb_conv2d_release(c);
    return st;
}

void eb_conv2d_release(eb_conv2d *c)
{
    if (c->packed)
        for (int gi = 0; gi < c->groups; gi++)
            eb_gemm_packed_free(c->packed[gi]);
    for (int xi = 0; xi < 16; xi++) {
        eb_gemm_packed_free(c->wino[xi]);
        c->wino[xi] = NULL;
    }
    free(c->packed);
    free(c->bias);
    c->packed = NULL;
    c->bias = NULL;
}

size_t eb_conv2d_weight_bytes(const eb_conv2d *c)
{
    size_t b = c->bias ? sizeof(float) * (size_t)c->cout : 0;
    for (int gi = 0; c->packed && gi < c->groups; gi++)
        b += c->packed[gi] ? eb_gemm_packed_bytes(c->packed[gi]) : 0;
    for (int xi = 0; xi < 16; xi++)
        b += c->wino[xi] ? eb_gemm_packed_bytes(c->wino[xi]) : 0;
    return b;
}

static int64_t chunk_rows(const eb_conv2d *c)
{
    int64_t total = (int64_t)c->win.n * c->win.oh * c->win.ow;
    int64_t row = (int64_t)c->groups * c->k;
    int64_t rows = CHUNK_FLOATS / row;
    if (rows < MIN_CHUNK_ROWS)
        rows = MIN_CHUNK_ROWS;
    rows = (rows + 15) / 16 * 16;
    return rows < total ? rows : total;
}

size_t eb_conv2d_scratch_floats(const eb_conv2d *c)
{
    if (c->winograd)
        return eb_winograd_scratch_floats(c);
    return c->direct ? 0 : (size_t)chunk_rows(c) * (size_t)c->groups * (size_t)c->k;
}

typedef struct im2row_ctx {
    const eb_conv2d *c;
    const float *x;
    float *a;       /* scratch: rows of groups*k floats */
    int64_t row0;   /* first output pixel of the chunk */
} im2row_ctx;

/* Rows [begin, end) of the chunk: output pixel row0+r, all groups. */
static void im2row_rows(void *arg, int64_t begin, int64_t end)
{
    const im2row_ctx *ctx = arg;
    const eb_conv2d *c = ctx->c;
    const eb_win2d *g = &c->win;
    int cin = g->c, cin_g = cin / c->groups;
    size_t row_len = (size_t)c->groups * c->k;
    bool whole_rows = c->groups == 1 && g->dw == 1; /* a tap row is one run of kw*cin floats */
    for (int64_t r = begin; r < end; r++) {
        int64_t pix = ctx->row0 + r;
        int ox = (int)(pix % g->ow), oy = (int)(pix / g->ow % g->oh), n = (int)(pix / ((int64_t)g->ow * g->oh));
        float *dst = ctx->a + (size_t)r * row_len;
        const float *xn = ctx->x + (size_t)n * g->h * g->w * cin;
        int ix0 = ox * g->sw - g->pl;
        for (int ky = 0; ky < g->kh; ky++) {
            int iy = oy * g->sh - g->pt + ky * g->dh;
            if (iy < 0 || iy >= g->h) {
                for (int gi = 0; gi < c->groups; gi++)
                    memset(dst + (size_t)gi * c->k + (size_t)ky * g->kw * cin_g, 0,
                           sizeof(float) * (size_t)g->kw * cin_g);
                continue;
            }
            const float *xrow = xn + (size_t)iy * g->w * cin;
            if (whole_rows && ix0 >= 0 && ix0 + g->kw <= g->w) {
                memcpy(dst + (size_t)ky * g->kw * cin, xrow + (size_t)ix0 * cin, sizeof(float) * (size_t)g->kw * cin);
                continue;
            }
            for (int kx = 0; kx < g->kw; kx++) {
                int ix = ix0 + kx * g->dw;
                for (int gi = 0; gi < c->groups; gi++) {
                    float *d = dst + (size_t)gi * c->k + ((size_t)ky * g->kw + kx) * cin_g;
                    if (ix < 0 || ix >= g->w)
                        memset(d, 0, sizeof(float) * (size_t)cin_g);
                    else
                        memcpy(d, xrow + (size_t)ix * cin + (size_t)gi * cin_g, sizeof(float) * (size_t)cin_g);
                }
            }
        }
    }
}

void eb_conv2d_nhwc_f32(const eb_conv2d *c, const float *x, float *y, float *scratch, eb_threadpool *tp)
{
    const eb_win2d *g = &c->win;
    int cin_g = g->c / c->groups, cout_g = c->cout / c->groups;
    int64_t total = (int64_t)g->n * g->oh * g->ow;
    eb_epilogue ep = {.act = c->act, .lo = c->lo, .hi = c->hi};
    int ldy = c->ldy > 0 ? c->ldy : c->cout;
    if (c->winograd) {
        eb_winograd_nhwc_f32(c, x, y, scratch, tp);
        return;
    }
    if (c->direct) {
        for (int gi = 0; gi < c->groups; gi++) {
            ep.bias = c->bias ? c->bias + (size_t)gi * cout_g : NULL;
            eb_gemm_f32((int)total, cout_g, c->k, x + (size_t)gi * cin_g, g->c, c->packed[gi], y + (size_t)gi * cout_g,
                        ldy, &ep, tp);
        }
        return;
    }
    int64_t rows = chunk_rows(c);
    int lda = c->groups * c->k;
    for (int64_t row0 = 0; row0 < total; row0 += rows) {
        int64_t m = total - row0 < rows ? total - row0 : rows;
        im2row_ctx ctx = {c, x, scratch, row0};
        eb_cpu_parallel_for(tp, m, 16, im2row_rows, &ctx);
        for (int gi = 0; gi < c->groups; gi++) {
            ep.bias = c->bias ? c->bias + (size_t)gi * cout_g : NULL;
            eb_gemm_f32((int)m, cout_g, c->k, scratch + (size_t)gi * c->k, lda, c->packed[gi],
                        y + (size_t)row0 * ldy + (size_t)gi * cout_g, ldy, &ep, tp);
        }
    }
}
