/* conv_winograd_f32.c - 3x3, stride 1 convolutions by Winograd's minimal
 * filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2015), NHWC, for the cpu runner.
 *
 * Each 2x2 block of outputs ("tile") is computed from the 4x4 input patch
 * under it as  Y = A^T [ (G g G^T) . (B^T d B) ] A : 16 multiplies per
 * input/output channel pair instead of 36, so 2.25x fewer multiply-adds
 * than im2row + GEMM.  With the 16 elementwise products summed over input
 * channels, the work is 16 independent GEMMs
 *
 *     M[xi] (tiles x cout) = V[xi] (tiles x cin) * U[xi] (cin x cout)
 *
 * where U[xi] = (G g G^T)[xi] is packed once in prepare and V[xi] =
 * (B^T d B)[xi] is built per run.  Tiles go in chunks sized for the L2
 * cache: input transform (parallel over tiles), the 16 GEMMs (parallel
 * over the 16), output transform with bias and activation (parallel).
 *
 * The transforms only add and subtract (the 1/2 factors of G are in U), so
 * the results differ from the direct sum by float rounding only; the tests
 * hold them to the same relative tolerance as the GEMM path.  The transforms
 * use GCC/clang vector extensions, 8 channels at a time, compiled twice:
 * for the build's baseline and, on x86-64, for AVX2 (chosen at run time).
 *
 * Used for groups = 1, 3x3 kernels, stride 1, dilation 1 and at least
 * WINO_MIN_CHANNELS input and output channels: below that the transforms
 * cost more than the multiplies they save. */
#include <stdlib.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"

/* 8-float vectors also where the baseline ISA has only 16-byte registers
 * (the compiler splits them).  They are never passed or returned by value:
 * that would tie the call ABI to the ISA (-Wpsabi). */
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t vi8 __attribute__((vector_size(32)));

enum {
    WINO_MIN_CHANNELS = 16,
    CHUNK_FLOATS = 1 << 18, /* V and M of one chunk: ~1 MiB */
    MIN_CHUNK_TILES = 16,
};

bool eb_winograd_applies(const eb_conv2d *c)
{
    const eb_win2d *g = &c->win;
    return c->groups == 1 && g->kh == 3 && g->kw == 3 && g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 &&
           g->c >= WINO_MIN_CHANNELS && c->cout >= WINO_MIN_CHANNELS;
}

/* U = G g G^T for every (co, ci), stored as 16 matrices [co][ci] and packed
 * as B = U^T (cin x cout).  wr is [co][ky][kx][ci] (eb_conv2d_pack's
 * reordered, scaled weights). */
eb_status eb_winograd_pack(eb_conv2d *c, const float *wr, eb_err *err)
{
    int cin = c->win.c, cout = c->cout;
    size_t plane = (size_t)cout * cin;
    float *u = malloc(sizeof(float) * 16 * plane);
    if (!u)
        return eb_errf(err, EB_ENOMEM, "Conv: out of memory transforming weights");
    for (int co = 0; co < cout; co++)
        for (int ci = 0; ci < cin; ci++) {
            float g[3][3], t[4][3];
            for (int k = 0; k < 9; k++)
                g[k / 3][k % 3] = wr[(size_t)co * 9 * cin + (size_t)k * cin + ci];
            for (int j = 0; j < 3; j++) { /* G g: rows */
                t[0][j] = g[0][j];
                t[1][j] = 0.5f * (g[0][j] + g[1][j] + g[2][j]);
                t[2][j] = 0.5f * (g[0][j] - g[1][j] + g[2][j]);
                t[3][j] = g[2][j];
            }
            for (int i = 0; i < 4; i++) { /* (G g) G^T: columns */
                float *ui = u + (size_t)i * 4 * plane + (size_t)co * cin + ci;
                ui[0 * plane] = t[i][0];
                ui[1 * plane] = 0.5f * (t[i][0] + t[i][1] + t[i][2]);
                ui[2 * plane] = 0.5f * (t[i][0] - t[i][1] + t[i][2]);
                ui[3 * plane] = t[i][2];
            }
        }
    eb_status st = EB_OK;
    for (int xi = 0; xi < 16 && st == EB_OK; xi++)
        st = eb_gemm_pack_b(u + (size_t)xi * plane, cin, cout, cin, true, &c->wino[xi], err);
    free(u);
    return st;
}

static int64_t chunk_tiles(const eb_conv2d *c)
{
    int64_t th = (c->win.oh + 1) / 2, tw = (c->win.ow + 1) / 2;
    int64_t total = (int64_t)c->win.n * th * tw;
    int64_t tiles = CHUNK_FLOATS / (16 * ((int64_t)c->win.c + c->cout));
    if (tiles < MIN_CHUNK_TILES)
        tiles = MIN_CHUNK_TILES;
    return tiles < total ? tiles : total;
}

size_t eb_winograd_scratch_floats(const eb_conv2d *c)
{
    return (size_t)16 * (size_t)chunk_tiles(c) * ((size_t)c->win.c + (size_t)c->cout);
}

typedef struct wino_ctx {
    const eb_conv2d *c;
    const float *x;
    float *y;
    float *v, *m;  /* V[xi]: tiles x cin, M[xi]: tiles x cout, xi-th at xi * chunk * cin (cout) */
    int64_t chunk; /* tiles per chunk: the spacing of the 16 matrices */
    int64_t t0;    /* first tile of this chunk */
    int64_t tiles; /* tiles in this chunk */
} wino_ctx;

#define INLINE static inline __attribute__((always_inline))

/* n floats (1..8) from p, the rest of the lanes zero; and back */
INLINE void load_n(v8 *v, const float *p, int n)
{
    if (n == 8) {
        memcpy(v, p, sizeof *v); /* one unaligned vector load */
    } else {
        *v = (v8){0};
        memcpy(v, p, sizeof(float) * (size_t)n);
    }
}

INLINE void store_n(float *p, const v8 *v, int n)
{
    memcpy(p, v, n == 8 ? sizeof *v : sizeof(float) * (size_t)n);
}

/* Tile t's image and its top-left output pixel. */
INLINE void tile_origin(const wino_ctx *w, int64_t t, int *n, int *oy, int *ox)
{
    const eb_win2d *g = &w->c->win;
    int64_t th = (g->oh + 1) / 2, tw = (g->ow + 1) / 2;
    *n = (int)(t / (th * tw));
    *oy = (int)(t / tw % th) * 2;
    *ox = (int)(t % tw) * 2;
}

/* V[.][t][ci..ci+cnt) = B^T d B for tiles [begin, end) of the chunk. */
INLINE void input_tiles(const wino_ctx *w, int64_t begin, int64_t end)
{
    const eb_win2d *g = &w->c->win;
    int cin = g->c;
    size_t stride = (size_t)w->chunk * cin;
    for (int64_t t = begin; t < end; t++) {
        int n, oy, ox;
        tile_origin(w, w->t0 + t, &n, &oy, &ox);
        const float *xn = w->x + (size_t)n * g->h * g->w * cin;
        const float *src[4][4]; /* NULL: the patch element is padding */
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) {
                int iy = oy - g->pt + i, ix = ox - g->pl + j;
                src[i][j] = iy >= 0 && iy < g->h && ix >= 0 && ix < g->w ? xn + ((size_t)iy * g->w + ix) * cin : NULL;
            }
        float *dst = w->v + (size_t)t * cin;
        for (int ci = 0; ci < cin; ci += 8) {
            int cnt = cin - ci < 8 ? cin - ci : 8;
            v8 d[4][4], r[4][4], v[4];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) {
                    if (src[i][j])
                        load_n(&d[i][j], src[i][j] + ci, cnt);
                    else
                        d[i][j] = (v8){0};
                }
            for (int j = 0; j < 4; j++) { /* B^T d */
                r[0][j] = d[0][j] - d[2][j];
                r[1][j] = d[1][j] + d[2][j];
                r[2][j] = d[2][j] - d[1][j];
                r[3][j] = d[1][j] - d[3][j];
            }
            for (int i = 0; i < 4; i++) { /* (B^T d) B */
                v[0] = r[i][0] - r[i][2];
                v[1] = r[i][1] + r[i][2];
                v[2] = r[i][2] - r[i][1];
                v[3] = r[i][1] - r[i][3];
                for (int j = 0; j < 4; j++)
                    store_n(dst + (size_t)(i * 4 + j) * stride + ci, &v[j], cnt);
            }
        }
    }
}

/* ReLU and Clip with ref's NaN behaviour (a NaN passes through) */
INLINE void act_v8(v8 *v, eb_act act, const v8 *lo, const v8 *hi)
{
    if (act == EB_ACT_RELU) {
        *v = (v8)((vi8)*v & ~(vi8)(*v < (v8){0}));
    } else if (act == EB_ACT_CLIP) {
        vi8 below = (vi8)(*v < *lo), above = (vi8)(*v > *hi);
        vi8 r = ((vi8)*lo & below) | ((vi8)*v & ~below);
        *v = (v8)(((vi8)*hi & above) | (r & ~above));
    } /* GELU: per value, after the store */
}

/* Y = A^T M A for tiles [begin, end), + bias, activation, into y (cropped
 * at the bottom and right edges). */
INLINE void output_tiles(const wino_ctx *w, int64_t begin, int64_t end)
{
    const eb_conv2d *c = w->c;
    const eb_win2d *g = &c->win;
    int cout = c->cout;
    size_t stride = (size_t)w->chunk * cout, ldy = (size_t)(c->ldy > 0 ? c->ldy : cout);
    v8 lo, hi;
    for (int l = 0; l < 8; l++) {
        lo[l] = c->lo;
        hi[l] = c->hi;
    }
    for (int64_t t = begin; t < end; t++) {
        int n, oy, ox;
        tile_origin(w, w->t0 + t, &n, &oy, &ox);
        int rows = g->oh - oy < 2 ? 1 : 2, cols = g->ow - ox < 2 ? 1 : 2;
        float *yn = w->y + (size_t)n * g->oh * g->ow * ldy;
        const float *src = w->m + (size_t)t * cout;
        for (int co = 0; co < cout; co += 8) {
            int cnt = cout - co < 8 ? cout - co : 8;
            v8 m[4][4], s[2][4];
            for (int xi = 0; xi < 16; xi++)
                load_n(&m[xi / 4][xi % 4], src + (size_t)xi * stride + co, cnt);
            for (int j = 0; j < 4; j++) { /* A^T M */
                s[0][j] = m[0][j] + m[1][j] + m[2][j];
                s[1][j] = m[1][j] - m[2][j] - m[3][j];
            }
            v8 b = {0};
            if (c->bias)
                load_n(&b, c->bias + co, cnt);
            for (int a = 0; a < rows; a++) {
                v8 out[2] = {s[a][0] + s[a][1] + s[a][2], s[a][1] - s[a][2] - s[a][3]}; /* (A^T M) A */
                for (int e = 0; e < cols; e++) {
                    float *yp = yn + ((size_t)(oy + a) * g->ow + (size_t)(ox + e)) * ldy + co;
                    v8 r = out[e] + b;
                    act_v8(&r, c->act, &lo, &hi);
                    store_n(yp, &r, cnt);
                    if (c->act == EB_ACT_GELU)
                        for (int l = 0; l < cnt; l++)
                            yp[l] = eb_cpu_act(yp[l], EB_ACT_GELU, 0, 0);
                }
            }
        }
    }
}

/* GEMMs xi in [begin, end), each on one thread: 16 whole GEMMs split
 * evenly and need no synchronisation inside, where splitting each small
 * GEMM over the pool would cost a fork and join per GEMM. */
static void gemm_range(void *arg, int64_t begin, int64_t end)
{
    const wino_ctx *w = arg;
    const eb_conv2d *c = w->c;
    int cin = c->win.c;
    for (int64_t xi = begin; xi < end; xi++)
        eb_gemm_f32((int)w->tiles, c->cout, cin, w->v + (size_t)xi * w->chunk * cin, cin, c->wino[xi],
                    w->m + (size_t)xi * w->chunk * c->cout, c->cout, NULL, NULL);
}

static void input_range__generic(void *arg, int64_t begin, int64_t end)
{
    input_tiles(arg, begin, end);
}

static void output_range__generic(void *arg, int64_t begin, int64_t end)
{
    output_tiles(arg, begin, end);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void input_range__avx2(void *arg, int64_t begin, int64_t end)
{
    input_tiles(arg, begin, end);
}

__attribute__((target("avx2,fma"))) static void output_range__avx2(void *arg, int64_t begin, int64_t end)
{
    output_tiles(arg, begin, end);
}
#endif

void eb_winograd_nhwc_f32(const eb_conv2d *c, const float *x, float *y, float *scratch, eb_threadpool *tp)
{
    const eb_win2d *g = &c->win;
    int64_t total = (int64_t)g->n * ((g->oh + 1) / 2) * ((g->ow + 1) / 2);
    int64_t chunk = chunk_tiles(c);
    wino_ctx w = {.c = c, .x = x, .y = y, .v = scratch, .m = scratch + (size_t)16 * chunk * g->c, .chunk = chunk};
    eb_range_fn in_fn = input_range__generic, out_fn = output_range__generic;
#if defined(__x86_64__)
    if (eb_spatial_use_avx2()) {
        in_fn = input_range__avx2;
        out_fn = output_range__avx2;
    }
#endif
    for (w.t0 = 0; w.t0 < total; w.t0 += chunk) {
        w.tiles = total - w.t0 < chunk ? total - w.t0 : chunk;
        eb_cpu_parallel_for(tp, w.tiles, 4, in_fn, &w);
        eb_cpu_parallel_for(tp, 16, 1, gemm_range, &w);
        eb_cpu_parallel_for(tp, w.tiles, 4, out_fn, &w);
    }
}
