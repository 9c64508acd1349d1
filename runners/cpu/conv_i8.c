/* conv_i8.c - quantized 2-D convolution for the cpu runner, NHWC, bit-exact
 * to the integer convolution reference_kernels/ref_quant.h states.
 *
 * Grouped and dense convolutions: the input is quantized to u8 once, then
 * either used as it is (1x1, stride 1, no padding: A is the quantized
 * NHWC input, lda = cin) or copied into im2row rows in chunks, the padding
 * filled with the input's zero point (the reference pads (x_q - x_zero)
 * with 0, which is x_q = x_zero), and multiplied with eb_gemm_i8 per group;
 * the packed weights are W^T per group, as conv_f32.c packs them.
 *
 * Depthwise: the input is quantized with the zero point taken out
 * (x_q - x_zero, |.| <= 255) into floats, the int8 weights become floats
 * [kh*kw][c], and each tap is a multiply-add of two contiguous channel
 * vectors.  Every product and partial sum is an integer of magnitude below
 * taps * 255 * 128, under 2^24 for up to 514 taps (the planner checks), so
 * fp32 holds the reference's int32 sums exactly, in any order, and the
 * float units' width is the int8 kernel's.  The channel block has a fixed
 * trip count, which the compiler vectorises; then the int8 GEMM's scalar
 * epilogue (gemm_i8_kernel.h).  The SIMD rows are dwconv_i8_avx2.c and
 * dwconv_i8_avx512.c. */
#include <stdlib.h>
#include <string.h>

#include "reference_kernels/ref_quant.h"
#include "runners/cpu/conv_i8.h"
#include "runners/cpu/gemm_i8.h"
#include "runners/cpu/gemm_i8_kernel.h"

enum { ALIGN_BYTES = 64, CHUNK_BYTES = 1 << 20, MIN_CHUNK_ROWS = 96, BLOCK = 32 };

static size_t round_up(size_t v)
{
    return (v + ALIGN_BYTES - 1) / ALIGN_BYTES * ALIGN_BYTES;
}

static size_t input_elems(const eb_win2d *g)
{
    return (size_t)g->n * g->h * g->w * g->c;
}

/* ---- grouped / dense ------------------------------------------------------------- */

eb_status eb_conv_i8_pack(eb_conv_i8 *c, const int8_t *w, eb_err *err)
{
    const eb_win2d *g = &c->win;
    int cin_g = g->c / c->groups, cout_g = c->cout / c->groups, taps = g->kh * g->kw;
    c->k = taps * cin_g;
    c->direct = g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->pt == 0 && g->pl == 0 && g->pb == 0 &&
                g->pr == 0;
    c->packed = calloc((size_t)c->groups, sizeof *c->packed);
    int8_t *wr = malloc((size_t)c->cout * (size_t)c->k);
    if (!c->packed || !wr) {
        free(wr);
        eb_conv_i8_release(c);
        return eb_errf(err, EB_ENOMEM, "Conv: out of memory packing int8 weights");
    }
    /* [co][ci][ky][kx] -> [co][ky][kx][ci], the order of an im2row row */
    for (int co = 0; co < c->cout; co++)
        for (int ci = 0; ci < cin_g; ci++)
            for (int t = 0; t < taps; t++)
                wr[(size_t)co * c->k + (size_t)t * cin_g + ci] = w[((size_t)co * cin_g + ci) * taps + t];
    eb_status st = EB_OK;
    for (int gi = 0; gi < c->groups && st == EB_OK; gi++)
        st = eb_gemm_i8_pack_b(wr + (size_t)gi * cout_g * c->k, c->k, cout_g, c->k, true, &c->packed[gi], err);
    free(wr);
    if (st != EB_OK)
        eb_conv_i8_release(c);
    return st;
}

void eb_conv_i8_release(eb_conv_i8 *c)
{
    for (int gi = 0; c->packed && gi < c->groups; gi++)
        eb_gemm_i8_packed_free(c->packed[gi]);
    free(c->packed);
    c->packed = NULL;
    eb_qlayer_release(&c->q);
}

size_t eb_conv_i8_bytes(const eb_conv_i8 *c)
{
    size_t b = eb_qlayer_bytes(&c->q);
    for (int gi = 0; c->packed && gi < c->groups; gi++)
        b += c->packed[gi] ? eb_gemm_i8_packed_bytes(c->packed[gi]) : 0;
    return b;
}

static int64_t chunk_rows(const eb_conv_i8 *c)
{
    int64_t total = (int64_t)c->win.n * c->win.oh * c->win.ow;
    int64_t rows = CHUNK_BYTES / ((int64_t)c->groups * c->k);
    rows = rows < MIN_CHUNK_ROWS ? MIN_CHUNK_ROWS : (rows + 15) / 16 * 16;
    return rows < total ? rows : total;
}

/* scratch: [cout floats of dynamic mult][quantized input][im2row chunk] */
size_t eb_conv_i8_scratch_bytes(const eb_conv_i8 *c)
{
    size_t chunk = c->direct ? 0 : (size_t)chunk_rows(c) * (size_t)c->groups * (size_t)c->k;
    return round_up(sizeof(float) * (size_t)c->cout) + round_up(input_elems(&c->win)) + chunk;
}

typedef struct im2row_ctx {
    const eb_conv_i8 *c;
    const uint8_t *x;
    uint8_t *a;
    uint8_t pad;     /* the input's zero point */
    int64_t row0;
} im2row_ctx;

/* n bytes: a loop for the few-channel taps (a first layer's 1 or 3), where
 * a call to memcpy/memset per tap costs more than the copy */
static inline void copy_bytes(uint8_t *d, const uint8_t *s, int n)
{
    if (n <= 8)
        for (int i = 0; i < n; i++)
            d[i] = s[i];
    else
        memcpy(d, s, (size_t)n);
}

static inline void fill_bytes(uint8_t *d, uint8_t v, int n)
{
    if (n <= 8)
        for (int i = 0; i < n; i++)
            d[i] = v;
    else
        memset(d, v, (size_t)n);
}

static void im2row_rows(void *arg, int64_t begin, int64_t end)
{
    const im2row_ctx *ctx = arg;
    const eb_conv_i8 *c = ctx->c;
    const eb_win2d *g = &c->win;
    int cin = g->c, cin_g = cin / c->groups;
    size_t row_len = (size_t)c->groups * c->k;
    bool whole_rows = c->groups == 1 && g->dw == 1; /* a tap row is one run of kw*cin bytes */
    for (int64_t r = begin; r < end; r++) {
        int64_t pix = ctx->row0 + r;
        int ox = (int)(pix % g->ow), oy = (int)(pix / g->ow % g->oh), n = (int)(pix / ((int64_t)g->ow * g->oh));
        uint8_t *dst = ctx->a + (size_t)r * row_len;
        const uint8_t *xn = ctx->x + (size_t)n * g->h * g->w * cin;
        int ix0 = ox * g->sw - g->pl;
        for (int ky = 0; ky < g->kh; ky++) {
            int iy = oy * g->sh - g->pt + ky * g->dh;
            if (iy < 0 || iy >= g->h) {
                for (int gi = 0; gi < c->groups; gi++)
                    fill_bytes(dst + (size_t)gi * c->k + (size_t)ky * g->kw * cin_g, ctx->pad, g->kw * cin_g);
                continue;
            }
            const uint8_t *xrow = xn + (size_t)iy * g->w * cin;
            if (whole_rows && ix0 >= 0 && ix0 + g->kw <= g->w) {
                copy_bytes(dst + (size_t)ky * g->kw * cin, xrow + (size_t)ix0 * cin, g->kw * cin);
                continue;
            }
            for (int kx = 0; kx < g->kw; kx++) {
                int ix = ix0 + kx * g->dw;
                for (int gi = 0; gi < c->groups; gi++) {
                    uint8_t *d = dst + (size_t)gi * c->k + ((size_t)ky * g->kw + kx) * cin_g;
                    if (ix < 0 || ix >= g->w)
                        fill_bytes(d, ctx->pad, cin_g);
                    else
                        copy_bytes(d, xrow + (size_t)ix * cin + (size_t)gi * cin_g, cin_g);
                }
            }
        }
    }
}

void eb_conv_i8_nhwc(const eb_conv_i8 *c, const void *x, void *y, void *scratch, eb_threadpool *tp)
{
    const eb_win2d *g = &c->win;
    int cin_g = g->c / c->groups, cout_g = c->cout / c->groups;
    size_t nx = input_elems(g), ysize = c->q.out == EB_I8_OUT_U8 ? 1 : sizeof(float);
    float *mult = scratch;
    uint8_t *xq = (uint8_t *)scratch + round_up(sizeof(float) * (size_t)c->cout);
    uint8_t *a = xq + round_up(nx);
    eb_epilogue_i8 ep;
    float xs = eb_qlayer_epilogue(&c->q, x, nx, mult, &ep);
    if (c->q.in_grid)
        xq = (uint8_t *)x; /* read only */
    else
        eb_quantize_u8_par(x, nx, xs, ep.a_zero, xq, tp);
    int64_t total = (int64_t)g->n * g->oh * g->ow, rows = c->direct ? total : chunk_rows(c);
    int lda = c->direct ? g->c : c->groups * c->k;
    for (int64_t row0 = 0; row0 < total; row0 += rows) {
        int64_t m = total - row0 < rows ? total - row0 : rows;
        const uint8_t *src = xq;
        if (!c->direct) {
            im2row_ctx ctx = {c, xq, a, (uint8_t)ep.a_zero, row0};
            eb_cpu_parallel_for(tp, m, 16, im2row_rows, &ctx);
            src = a;
        }
        for (int gi = 0; gi < c->groups; gi++) {
            eb_epilogue_i8 eg = ep;
            eg.mult += (size_t)gi * cout_g;
            eg.bias = ep.bias ? ep.bias + (size_t)gi * cout_g : NULL;
            eb_gemm_i8((int)m, cout_g, c->k, src + (size_t)gi * (c->direct ? cin_g : c->k), lda, c->packed[gi],
                       (void *)((char *)y + ((size_t)row0 * c->cout + (size_t)gi * cout_g) * ysize), c->cout, &eg, tp);
        }
    }
}

/* ---- depthwise ------------------------------------------------------------------- */

bool eb_dwconv_i8_exact(int taps)
{
    return taps > 0 && (int64_t)taps * 255 * 128 < ((int64_t)1 << 24);
}

eb_status eb_dwconv_i8_pack(eb_dwconv_i8 *d, const int8_t *w, eb_err *err)
{
    int c = d->win.c, taps = d->win.kh * d->win.kw;
    if (!(d->w = malloc(sizeof(float) * (size_t)taps * (size_t)c)))
        return eb_errf(err, EB_ENOMEM, "Conv: out of memory packing int8 depthwise weights");
    for (int ch = 0; ch < c; ch++)
        for (int t = 0; t < taps; t++)
            d->w[(size_t)t * c + ch] = w[(size_t)ch * taps + t];
    return EB_OK;
}

void eb_dwconv_i8_release(eb_dwconv_i8 *d)
{
    free(d->w);
    d->w = NULL;
    eb_qlayer_release(&d->q);
}

size_t eb_dwconv_i8_bytes(const eb_dwconv_i8 *d)
{
    /* held as floats for the multiply-adds */
    size_t taps = (size_t)d->win.kh * d->win.kw;
    return (d->w ? sizeof(float) * taps * (size_t)d->win.c : 0) + eb_qlayer_bytes(&d->q);
}

/* scratch: [c floats of dynamic mult][the input on its grid, as floats] */
size_t eb_dwconv_i8_scratch_bytes(const eb_dwconv_i8 *d)
{
    return round_up(sizeof(float) * (size_t)d->win.c) + sizeof(float) * input_elems(&d->win);
}

static inline __attribute__((always_inline)) void dw_i8_block(const eb_dwconv_i8 *d, const float *xn,
                                                              float *acc, int iy0, int ix0, const int tap[4],
                                                              int c0, int cb)
{
    const eb_win2d *g = &d->win;
    for (int j = 0; j < cb; j++)
        acc[j] = 0;
    for (int ky = tap[0]; ky < tap[1]; ky++)
        for (int kx = tap[2]; kx < tap[3]; kx++) {
            const float *xp = xn + ((size_t)(iy0 + ky * g->dh) * g->w + (ix0 + kx * g->dw)) * g->c + c0;
            const float *wp = d->w + (size_t)(ky * g->kw + kx) * g->c + c0;
            for (int j = 0; j < cb; j++)
                acc[j] += xp[j] * wp[j]; /* integers: exact */
        }
}

void eb_dw_row_i8__generic(const eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, void *y, int n, int oy)
{
    const eb_win2d *g = &d->win;
    int c = g->c;
    const float *xn = x + (size_t)n * g->h * g->w * c;
    size_t yrow = ((size_t)n * g->oh + oy) * g->ow * c;
    int iy0 = oy * g->sh - g->pt, tap[4];
    float acc[BLOCK];
    eb_i8_epi e = eb_i8_epi_of(ep, NULL, NULL); /* the zero point is out of x already */
    eb_tap_range(iy0, g->kh, g->dh, g->h, &tap[0], &tap[1]);
    for (int ox = 0; ox < g->ow; ox++) {
        size_t yp = yrow + (size_t)ox * c;
        int ix0 = ox * g->sw - g->pl;
        eb_tap_range(ix0, g->kw, g->dw, g->w, &tap[2], &tap[3]);
        for (int c0 = 0; c0 < c; c0 += BLOCK) {
            int cb = c - c0 >= BLOCK ? BLOCK : c - c0;
            if (cb == BLOCK)
                dw_i8_block(d, xn, acc, iy0, ix0, tap, c0, BLOCK);
            else
                dw_i8_block(d, xn, acc, iy0, ix0, tap, c0, cb);
            for (int j = 0; j < cb; j++) {
                size_t ch = (size_t)(c0 + j);
                eb_i8_store_scalar(y, yp + ch, eb_i8_epilogue_scalar((int32_t)acc[j], ch, &e), &e);
            }
        }
    }
}

typedef struct dw_ctx {
    const eb_dwconv_i8 *d;
    const float *x;
    const eb_epilogue_i8 *ep;
    void *y;
} dw_ctx;

static void dw_rows(void *arg, int64_t begin, int64_t end)
{
    const dw_ctx *ctx = arg;
    for (int64_t r = begin; r < end; r++)
        ctx->d->row(ctx->d, ctx->x, ctx->ep, ctx->y, (int)(r / ctx->d->win.oh), (int)(r % ctx->d->win.oh));
}

void eb_dwconv_i8_nhwc(const eb_dwconv_i8 *d, const float *x, void *y, void *scratch, eb_threadpool *tp)
{
    size_t nx = input_elems(&d->win);
    float *mult = scratch;
    const float *xq = x;
    eb_epilogue_i8 ep;
    float xs = eb_qlayer_epilogue(&d->q, x, nx, mult, &ep);
    if (!d->q.in_grid) {
        float *q = (float *)((char *)scratch + round_up(sizeof(float) * (size_t)d->win.c));
        eb_quantize_f32_par(x, nx, xs, ep.a_zero, q, tp);
        xq = q;
    }
    dw_ctx ctx = {d, xq, &ep, y};
    int64_t row = (int64_t)d->win.ow * d->win.c * d->win.kh * d->win.kw;
    eb_cpu_parallel_for(tp, (int64_t)d->win.n * d->win.oh, 16384 / (row ? row : 1) + 1, dw_rows, &ctx);
}
