/* eltwise_f32.c - the cpu runner's memory-bound fp32 kernels: unary
 * activations, broadcasting binary arithmetic with a
 * fused activation, row softmax, row layer normalisation, transpose and
 * the NCHW <-> NHWC layout conversions.
 *
 * Each one splits its elements (or rows) over the pool in pieces of a few
 * thousand and computes what its reference twin (ref_unary.c,
 * ref_binary.c, ref_softmax.c, ref_norm.c, ref_transpose.c) computes, in
 * float where the reference uses double: results differ by rounding only.
 * They are safe in place (y == x) where the runner uses them that way:
 * unary, binary (y aliasing the full-shape input), softmax and layer
 * norm. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "runners/cpu/chain_f32.h"
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/kernels.h"

/* These loops are memory-bound and simple: let GCC vectorise them (at -O2
 * its cost model only takes loops whose trip count is a known multiple of
 * the vector width; clang vectorises them at -O2 already). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif
/* after the pragma: eb_exp_poly inlines into the loops it vectorises */
#include "runners/cpu/kernels_scalar.h"

enum { ELEM_GRAIN = 16384 };

/* ---- unary ----------------------------------------------------------------- */

bool eb_unary_supported(eb_op op)
{
    switch (op) {
    case EB_OP_RELU:
    case EB_OP_LEAKY_RELU:
    case EB_OP_CLIP:
    case EB_OP_SIGMOID:
    case EB_OP_HARD_SIGMOID:
    case EB_OP_HARD_SWISH:
    case EB_OP_TANH:
    case EB_OP_ERF:
    case EB_OP_GELU:
    case EB_OP_SQRT:
    case EB_OP_NEG:
    case EB_OP_ABS:
    case EB_OP_EXP:
    /* cpuops: */
    case EB_OP_LOG:
    case EB_OP_RECIPROCAL:
    case EB_OP_FLOOR:
    case EB_OP_CEIL:
    case EB_OP_ROUND:
    case EB_OP_SIGN:
    case EB_OP_SIN:
    case EB_OP_COS:
    case EB_OP_SOFTPLUS:
    case EB_OP_ELU:
    case EB_OP_SELU: return true;
    default: return false;
    }
}

typedef struct unary_ctx {
    const eb_unary_params *p;
    const float *x;
    float *y;
} unary_ctx;

static inline float clamp01(float v)
{
    return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v;
}

void eb_unary_span_f32(const eb_unary_params *p, const float *x, float *y, int64_t n)
{
    const int64_t b = 0, e = n;
    switch (p->op) {
    case EB_OP_RELU:
        for (int64_t i = b; i < e; i++)
            y[i] = x[i] < 0.0f ? 0.0f : x[i];
        break;
    case EB_OP_LEAKY_RELU:
        for (int64_t i = b; i < e; i++)
            y[i] = x[i] < 0.0f ? p->alpha * x[i] : x[i];
        break;
    case EB_OP_CLIP:
        /* ONNX: min(max(x, lo), hi), so lo > hi gives hi everywhere */
        for (int64_t i = b; i < e; i++) {
            float v = x[i] < p->lo ? p->lo : x[i];
            y[i] = v > p->hi ? p->hi : v;
        }
        break;
    case EB_OP_SIGMOID:
        for (int64_t i = b; i < e; i++) {
            float v = x[i];
            y[i] = v >= 0.0f ? 1.0f / (1.0f + expf(-v)) : expf(v) / (1.0f + expf(v));
        }
        break;
    case EB_OP_HARD_SIGMOID:
        for (int64_t i = b; i < e; i++)
            y[i] = clamp01(p->alpha * x[i] + p->beta);
        break;
    case EB_OP_HARD_SWISH:
        for (int64_t i = b; i < e; i++)
            y[i] = x[i] * clamp01(x[i] / 6.0f + 0.5f);
        break;
    case EB_OP_TANH:
        for (int64_t i = b; i < e; i++)
            y[i] = tanhf(x[i]);
        break;
    case EB_OP_ERF:
        for (int64_t i = b; i < e; i++)
            y[i] = erff(x[i]);
        break;
    case EB_OP_GELU:
        if (p->gelu_tanh)
            for (int64_t i = b; i < e; i++) {
                float v = x[i];
                y[i] = 0.5f * v * (1.0f + tanhf(0.79788456080286535588f * (v + 0.044715f * v * v * v)));
            }
        else
            for (int64_t i = b; i < e; i++)
                y[i] = eb_cpu_act(x[i], EB_ACT_GELU, 0, 0);
        break;
    case EB_OP_SQRT:
        for (int64_t i = b; i < e; i++)
            y[i] = sqrtf(x[i]);
        break;
    case EB_OP_NEG:
        for (int64_t i = b; i < e; i++)
            y[i] = -x[i];
        break;
    case EB_OP_ABS:
        for (int64_t i = b; i < e; i++)
            y[i] = fabsf(x[i]);
        break;
    case EB_OP_EXP:
        for (int64_t i = b; i < e; i++)
            y[i] = expf(x[i]);
        break;
    /* cpuops: Pow by a constant exponent (alpha), and more unary functions */
    case EB_OP_POW:
        if (p->alpha == 2.0f)
            for (int64_t i = b; i < e; i++)
                y[i] = x[i] * x[i];
        else if (p->alpha == 0.5f)
            for (int64_t i = b; i < e; i++)
                y[i] = sqrtf(x[i]);
        else if (p->alpha == 1.0f)
            for (int64_t i = b; i < e; i++)
                y[i] = x[i];
        else if (p->alpha == 3.0f)
            for (int64_t i = b; i < e; i++)
                y[i] = x[i] * x[i] * x[i];
        else
            for (int64_t i = b; i < e; i++)
                y[i] = powf(x[i], p->alpha);
        break;
    case EB_OP_LOG:
        for (int64_t i = b; i < e; i++)
            y[i] = logf(x[i]);
        break;
    case EB_OP_RECIPROCAL:
        for (int64_t i = b; i < e; i++)
            y[i] = 1.0f / x[i];
        break;
    case EB_OP_FLOOR:
        for (int64_t i = b; i < e; i++)
            y[i] = floorf(x[i]);
        break;
    case EB_OP_CEIL:
        for (int64_t i = b; i < e; i++)
            y[i] = ceilf(x[i]);
        break;
    case EB_OP_ROUND:
        for (int64_t i = b; i < e; i++)
            y[i] = nearbyintf(x[i]);
        break;
    case EB_OP_SIGN:
        for (int64_t i = b; i < e; i++)
            y[i] = x[i] > 0.0f ? 1.0f : x[i] < 0.0f ? -1.0f : x[i];
        break;
    case EB_OP_SIN:
        for (int64_t i = b; i < e; i++)
            y[i] = sinf(x[i]);
        break;
    case EB_OP_COS:
        for (int64_t i = b; i < e; i++)
            y[i] = cosf(x[i]);
        break;
    case EB_OP_SOFTPLUS:
        for (int64_t i = b; i < e; i++)
            y[i] = x[i] > 0.0f ? x[i] + log1pf(expf(-x[i])) : log1pf(expf(x[i]));
        break;
    case EB_OP_ELU:
        for (int64_t i = b; i < e; i++)
            y[i] = x[i] < 0.0f ? p->alpha * expm1f(x[i]) : x[i];
        break;
    case EB_OP_SELU: /* beta: gamma */
        for (int64_t i = b; i < e; i++)
            y[i] = x[i] <= 0.0f ? p->beta * p->alpha * expm1f(x[i]) : p->beta * x[i];
        break;
    default:
        break;
    }
}

static void unary_range(void *arg, int64_t b, int64_t e)
{
    const unary_ctx *c = arg;
    eb_unary_span_f32(c->p, c->x + b, c->y + b, e - b);
}

void eb_unary_f32(const eb_unary_params *p, const float *x, float *y, int64_t n, eb_threadpool *tp)
{
    unary_ctx c = {p, x, y};
    eb_cpu_parallel_for(tp, n, ELEM_GRAIN, unary_range, &c);
}

/* ---- binary ----------------------------------------------------------------- */

typedef struct binary_ctx {
    eb_op op;
    int rank;                     /* after merging dims */
    int64_t shape[EB_MAX_RANK];   /* output dims */
    int64_t sa[EB_MAX_RANK], sb[EB_MAX_RANK]; /* element strides, 0 on broadcast dims */
    const float *a, *b;
    float *y;
    eb_act act;
    float lo, hi;
} binary_ctx;

#define BINARY_LOOP(EXPR)                                                                          \
    do {                                                                                           \
        if (ia == 1 && ib == 1)                                                                    \
            for (int64_t j = 0; j < len; j++) {                                                    \
                float u = pa[j], v = pb[j];                                                        \
                py[j] = (EXPR);                                                                    \
            }                                                                                      \
        else if (ia == 1)                                                                          \
            for (int64_t j = 0; j < len; j++) {                                                    \
                float u = pa[j], v = pb[0];                                                        \
                py[j] = (EXPR);                                                                    \
            }                                                                                      \
        else if (ib == 1)                                                                          \
            for (int64_t j = 0; j < len; j++) {                                                    \
                float u = pa[0], v = pb[j];                                                        \
                py[j] = (EXPR);                                                                    \
            }                                                                                      \
        else                                                                                       \
            for (int64_t j = 0; j < len; j++) {                                                    \
                float u = pa[0], v = pb[0];                                                        \
                py[j] = (EXPR);                                                                    \
            }                                                                                      \
    } while (0)

/* Elements [b, e) of the output in row-major order. */
static void binary_range(void *arg, int64_t begin, int64_t end)
{
    const binary_ctx *c = arg;
    int r = c->rank;
    int64_t inner = c->shape[r - 1];
    int64_t ia = c->sa[r - 1], ib = c->sb[r - 1];
    for (int64_t e = begin; e < end;) {
        int64_t row = e / inner, j0 = e % inner;
        int64_t len = inner - j0 < end - e ? inner - j0 : end - e;
        int64_t oa = j0 * ia, ob = j0 * ib, rem = row;
        for (int d = r - 2; d >= 0; d--) {
            int64_t idx = rem % c->shape[d];
            rem /= c->shape[d];
            oa += idx * c->sa[d];
            ob += idx * c->sb[d];
        }
        const float *pa = c->a + oa, *pb = c->b + ob;
        float *py = c->y + e;
        switch (c->op) {
        case EB_OP_ADD: BINARY_LOOP(u + v); break;
        case EB_OP_SUB: BINARY_LOOP(u - v); break;
        case EB_OP_MUL: BINARY_LOOP(u * v); break;
        default: BINARY_LOOP(u / v); break;
        }
        if (c->act == EB_ACT_RELU)
            for (int64_t j = 0; j < len; j++)
                py[j] = py[j] < 0.0f ? 0.0f : py[j];
        else if (c->act == EB_ACT_CLIP)
            for (int64_t j = 0; j < len; j++)
                py[j] = py[j] < c->lo ? c->lo : py[j] > c->hi ? c->hi : py[j];
        else if (c->act != EB_ACT_NONE)
            for (int64_t j = 0; j < len; j++)
                py[j] = eb_cpu_act(py[j], c->act, c->lo, c->hi);
        e += len;
    }
}

void eb_binary_f32(eb_op op, int rank, const int64_t *out_shape, const float *a, const int64_t *a_shape,
                   const float *b, const int64_t *b_shape, float *y, eb_act act, float lo, float hi,
                   eb_threadpool *tp)
{
    binary_ctx c = {.op = op, .a = a, .b = b, .y = y, .act = act, .lo = lo, .hi = hi};
    /* merge neighbouring dims along which both inputs broadcast the same way */
    int64_t os[EB_MAX_RANK], as[EB_MAX_RANK], bs[EB_MAX_RANK];
    int pat[EB_MAX_RANK], r = 0;
    int64_t total = 1;
    for (int d = 0; d < rank; d++) {
        total *= out_shape[d];
        if (out_shape[d] == 1)
            continue;
        int p = (a_shape[d] == 1) << 1 | (b_shape[d] == 1);
        if (r > 0 && pat[r - 1] == p) {
            os[r - 1] *= out_shape[d];
            as[r - 1] *= a_shape[d];
            bs[r - 1] *= b_shape[d];
        } else {
            os[r] = out_shape[d];
            as[r] = a_shape[d];
            bs[r] = b_shape[d];
            pat[r++] = p;
        }
    }
    if (r == 0) {
        os[0] = as[0] = bs[0] = 1;
        r = 1;
    }
    int64_t sa = 1, sb = 1;
    for (int d = r - 1; d >= 0; d--) {
        c.shape[d] = os[d];
        c.sa[d] = as[d] == 1 ? 0 : sa;
        c.sb[d] = bs[d] == 1 ? 0 : sb;
        sa *= as[d];
        sb *= bs[d];
    }
    c.rank = r;
    eb_cpu_parallel_for(tp, total, ELEM_GRAIN, binary_range, &c);
}

/* ---- softmax ----------------------------------------------------------------- */

typedef struct rows_ctx {
    int64_t cols;
    const float *x, *gamma, *beta;
    float *y;
    bool log;
    eb_exp_sum_fn exp_sum; /* softmax */
    float eps;
} rows_ctx;

enum { LANES = 8 };

/* Sums and maxima in LANES independent partials, so that they vectorise
 * without reassociating one long chain. */
float eb_row_max_f32(const float *x, int64_t n)
{
    float m[LANES];
    for (int l = 0; l < LANES; l++)
        m[l] = -INFINITY;
    int64_t j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++)
            m[l] = x[j + l] > m[l] ? x[j + l] : m[l];
    for (; j < n; j++)
        m[0] = x[j] > m[0] ? x[j] : m[0];
    float r = m[0];
    for (int l = 1; l < LANES; l++)
        r = m[l] > r ? m[l] : r;
    return r;
}

static float lanes_sum(const float *s)
{
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* The SOFTMAX row of kernels.def for generic: LANES partial sums. */
float eb_exp_shift_sum_f32__generic(const float *x, float mx, float *y, int64_t n)
{
    float s[LANES] = {0};
    int64_t j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++) {
            float v = eb_exp_poly(x[j + l] - mx);
            y[j + l] = v;
            s[l] += v;
        }
    for (; j < n; j++) {
        y[j] = eb_exp_poly(x[j] - mx);
        s[0] += y[j];
    }
    return lanes_sum(s);
}

static void softmax_range(void *arg, int64_t b, int64_t e)
{
    const rows_ctx *c = arg;
    int64_t n = c->cols;
    for (int64_t r = b; r < e; r++) {
        const float *x = c->x + r * n;
        float *y = c->y + r * n;
        float mx = eb_row_max_f32(x, n);
        float s[LANES] = {0};
        if (c->log) {
            int64_t j = 0;
            for (; j + LANES <= n; j += LANES)
                for (int l = 0; l < LANES; l++)
                    s[l] += eb_exp_poly(x[j + l] - mx);
            for (; j < n; j++)
                s[0] += eb_exp_poly(x[j] - mx);
            float ls = logf(lanes_sum(s));
            for (j = 0; j < n; j++)
                y[j] = x[j] - mx - ls;
        } else {
            float inv = 1.0f / c->exp_sum(x, mx, y, n);
            for (int64_t j = 0; j < n; j++)
                y[j] *= inv;
        }
    }
}

void eb_softmax_rows_f32(int64_t rows, int64_t cols, const float *x, float *y, bool log, eb_exp_sum_fn exp_sum,
                         eb_threadpool *tp)
{
    if (!exp_sum)
        exp_sum = eb_kernel_pick(EB_KERNEL_SOFTMAX, eb_gemm_isa())->fn.softmax;
    rows_ctx c = {.cols = cols, .x = x, .y = y, .log = log, .exp_sum = exp_sum};
    int64_t grain = cols > 0 ? ELEM_GRAIN / 4 / cols + 1 : rows;
    eb_cpu_parallel_for(tp, rows, grain, softmax_range, &c);
}

/* ---- layer norm ------------------------------------------------------------ */

static void layernorm_range(void *arg, int64_t b, int64_t e)
{
    const rows_ctx *c = arg;
    int64_t n = c->cols;
    for (int64_t r = b; r < e; r++) {
        const float *x = c->x + r * n;
        float *y = c->y + r * n;
        float s[LANES] = {0}, q[LANES] = {0};
        int64_t j = 0;
        for (; j + LANES <= n; j += LANES)
            for (int l = 0; l < LANES; l++)
                s[l] += x[j + l];
        for (; j < n; j++)
            s[0] += x[j];
        float mean = n ? lanes_sum(s) / (float)n : 0.0f;
        for (j = 0; j + LANES <= n; j += LANES)
            for (int l = 0; l < LANES; l++)
                q[l] += (x[j + l] - mean) * (x[j + l] - mean);
        for (; j < n; j++)
            q[0] += (x[j] - mean) * (x[j] - mean);
        float inv = 1.0f / sqrtf((n ? lanes_sum(q) / (float)n : 0.0f) + c->eps);
        if (c->beta)
            for (j = 0; j < n; j++)
                y[j] = (x[j] - mean) * inv * c->gamma[j] + c->beta[j];
        else
            for (j = 0; j < n; j++)
                y[j] = (x[j] - mean) * inv * c->gamma[j];
    }
}

void eb_layernorm_rows_f32(int64_t rows, int64_t cols, const float *x, const float *gamma, const float *beta,
                           float eps, float *y, eb_threadpool *tp)
{
    rows_ctx c = {.cols = cols, .x = x, .gamma = gamma, .beta = beta, .y = y, .eps = eps};
    int64_t grain = cols > 0 ? ELEM_GRAIN / 4 / cols + 1 : rows;
    eb_cpu_parallel_for(tp, rows, grain, layernorm_range, &c);
}

/* ---- transpose --------------------------------------------------------------- */

typedef struct transpose_ctx {
    int rank;
    int64_t shape[EB_MAX_RANK];   /* output dims (merged) */
    int64_t stride[EB_MAX_RANK];  /* input element stride of each output dim */
    const float *x;
    float *y;
} transpose_ctx;

static void transpose_range(void *arg, int64_t begin, int64_t end)
{
    const transpose_ctx *c = arg;
    int r = c->rank;
    int64_t inner = c->shape[r - 1], is = c->stride[r - 1];
    for (int64_t e = begin; e < end;) {
        int64_t row = e / inner, j0 = e % inner;
        int64_t len = inner - j0 < end - e ? inner - j0 : end - e;
        int64_t off = j0 * is, rem = row;
        for (int d = r - 2; d >= 0; d--) {
            off += rem % c->shape[d] * c->stride[d];
            rem /= c->shape[d];
        }
        const float *px = c->x + off;
        float *py = c->y + e;
        if (is == 1)
            memcpy(py, px, sizeof(float) * (size_t)len);
        else
            for (int64_t j = 0; j < len; j++)
                py[j] = px[j * is];
        e += len;
    }
}

void eb_transpose_f32(int rank, const int64_t *shape, const int *perm, const float *x, float *y,
                      eb_threadpool *tp)
{
    int64_t in_stride[EB_MAX_RANK], s = 1, total = 1;
    for (int d = rank - 1; d >= 0; d--) {
        in_stride[d] = s;
        s *= shape[d];
    }
    transpose_ctx c = {.x = x, .y = y};
    /* drop size-1 dims, merge output dims that are consecutive in the input */
    int r = 0, prev = -2;
    for (int d = 0; d < rank; d++) {
        int p = perm[d];
        total *= shape[p];
        if (shape[p] == 1)
            continue;
        if (r > 0 && p == prev + 1 && c.stride[r - 1] == in_stride[p] * shape[p]) {
            c.shape[r - 1] *= shape[p];
            c.stride[r - 1] = in_stride[p];
        } else {
            c.shape[r] = shape[p];
            c.stride[r++] = in_stride[p];
        }
        prev = p;
    }
    if (r == 0) {
        c.shape[0] = 1;
        c.stride[0] = 1;
        r = 1;
    }
    c.rank = r;
    eb_cpu_parallel_for(tp, total, ELEM_GRAIN, transpose_range, &c);
}

/* ---- layout conversion -------------------------------------------------------- */

enum { TILE = 16 };

typedef struct layout_ctx {
    int rows, cols;     /* of one image's source matrix */
    int row_tiles;
    const float *x;
    float *y;
} layout_ctx;

/* Items are (image, tile row): transposes rows x cols to cols x rows. */
static void layout_range(void *arg, int64_t b, int64_t e)
{
    const layout_ctx *c = arg;
    for (int64_t it = b; it < e; it++) {
        int n = (int)(it / c->row_tiles), r0 = (int)(it % c->row_tiles) * TILE;
        int r1 = r0 + TILE < c->rows ? r0 + TILE : c->rows;
        const float *x = c->x + (size_t)n * c->rows * c->cols;
        float *y = c->y + (size_t)n * c->rows * c->cols;
        for (int c0 = 0; c0 < c->cols; c0 += TILE) {
            int c1 = c0 + TILE < c->cols ? c0 + TILE : c->cols;
            for (int i = c0; i < c1; i++)
                for (int j = r0; j < r1; j++)
                    y[(size_t)i * c->rows + j] = x[(size_t)j * c->cols + i];
        }
    }
}

static void transpose_images(int n, int rows, int cols, const float *x, float *y, eb_threadpool *tp)
{
    layout_ctx c = {rows, cols, (rows + TILE - 1) / TILE, x, y};
    int64_t items = (int64_t)n * c.row_tiles;
    int64_t grain = ELEM_GRAIN / ((int64_t)TILE * (cols > 0 ? cols : 1)) + 1;
    eb_cpu_parallel_for(tp, items, grain, layout_range, &c);
}

void eb_layout_nchw_to_nhwc_f32(int n, int c, int hw, const float *x, float *y, eb_threadpool *tp)
{
    transpose_images(n, c, hw, x, y, tp);
}

void eb_layout_nhwc_to_nchw_f32(int n, int c, int hw, const float *x, float *y, eb_threadpool *tp)
{
    transpose_images(n, hw, c, x, y, tp);
}
