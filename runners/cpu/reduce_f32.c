/* reduce_f32.c - the cpu runner's fp32 reductions: ReduceMean, ReduceSum,
 * ReduceMax and ReduceMin over any set of axes.
 *
 * The planner (cpu_plan_reduce.c) merges neighbouring dims that are both
 * reduced or both kept; what remains is one of
 *  - [outer][count] reduced over the last dim (LayerNorm-style rows, NCHW
 *    spatial axes): each row in 16 float lanes the compiler vectorises;
 *  - [outer][count][inner] reduced over the middle one (NHWC spatial
 *    axes, a leading axis): whole rows of `inner` values combined into the
 *    output row, vectorised along it;
 *  - anything else (reduced dims on both sides of a kept one): the general
 *    path, each output walking its reduced dims with strides.
 * The twin is ref_reduce.c, which sums in double: Sum and Mean here sum in
 * float (rounding differs, 1e-6 relative for the row lengths of real
 * models); Max and Min are exact and propagate NaN as it does.
 *
 * The row and column paths are the REDUCE rows of kernels.def
 * (eb_reduce_rows_f32__<isa>): one loop body compiled for each ISA with
 * function-level target attributes, vectorised at that ISA's width. */
#include <math.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/kernels.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

enum { REDUCE_GRAIN = 16384, LANES = 16, COLS = 512 };

#define INLINE static inline __attribute__((always_inline))

INLINE bool is_sum(eb_op op)
{
    return op == EB_OP_REDUCE_SUM || op == EB_OP_REDUCE_MEAN;
}

INLINE float finish(eb_op op, float v, int64_t count)
{
    return op == EB_OP_REDUCE_MEAN ? v / (float)count : v;
}

/* One row of n >= 1 values. */
INLINE float row_reduce(eb_op op, const float *x, int64_t n)
{
    float acc[LANES];
    int64_t i = 0;
    if (is_sum(op)) {
        for (int k = 0; k < LANES; k++)
            acc[k] = 0.0f;
        for (; i + LANES <= n; i += LANES)
            for (int k = 0; k < LANES; k++)
                acc[k] += x[i + k];
        float s = 0.0f;
        for (int k = 0; k < LANES; k++)
            s += acc[k];
        for (; i < n; i++)
            s += x[i];
        return s;
    }
    bool is_max = op == EB_OP_REDUCE_MAX;
    int nan[LANES];
    for (int k = 0; k < LANES; k++) {
        acc[k] = is_max ? -INFINITY : INFINITY;
        nan[k] = 0;
    }
    if (is_max)
        for (; i + LANES <= n; i += LANES)
            for (int k = 0; k < LANES; k++) {
                float v = x[i + k];
                acc[k] = v > acc[k] ? v : acc[k];
                nan[k] |= v != v;
            }
    else
        for (; i + LANES <= n; i += LANES)
            for (int k = 0; k < LANES; k++) {
                float v = x[i + k];
                acc[k] = v < acc[k] ? v : acc[k];
                nan[k] |= v != v;
            }
    float m = acc[0];
    int any = nan[0];
    for (int k = 1; k < LANES; k++) {
        m = is_max ? (acc[k] > m ? acc[k] : m) : (acc[k] < m ? acc[k] : m);
        any |= nan[k];
    }
    for (; i < n; i++) {
        float v = x[i];
        m = is_max ? (v > m ? v : m) : (v < m ? v : m);
        any |= v != v;
    }
    return any ? NAN : m;
}

/* Tasks [b, e) of the fast paths: output rows (inner == 1), else (outer
 * row, block of COLS columns of inner). */
INLINE void reduce_tasks(const eb_reduce *r, const float *xs, float *ys, int64_t b, int64_t e)
{
    if (r->inner == 1) {
        for (int64_t o = b; o < e; o++)
            ys[o] = finish(r->op, row_reduce(r->op, xs + o * r->count, r->count), r->count);
        return;
    }
    int64_t blocks = (r->inner + COLS - 1) / COLS;
    for (int64_t t = b; t < e; t++) {
        int64_t o = t / blocks, j0 = t % blocks * COLS;
        int64_t len = r->inner - j0 < COLS ? r->inner - j0 : COLS;
        const float *x = xs + o * r->count * r->inner + j0;
        float *y = ys + o * r->inner + j0;
        memcpy(y, x, sizeof(float) * (size_t)len);
        for (int64_t k = 1; k < r->count; k++) {
            const float *xk = x + k * r->inner;
            switch (r->op) {
            case EB_OP_REDUCE_MAX:
                for (int64_t j = 0; j < len; j++)
                    y[j] = xk[j] > y[j] || xk[j] != xk[j] ? xk[j] : y[j];
                break;
            case EB_OP_REDUCE_MIN:
                for (int64_t j = 0; j < len; j++)
                    y[j] = xk[j] < y[j] || xk[j] != xk[j] ? xk[j] : y[j];
                break;
            default:
                for (int64_t j = 0; j < len; j++)
                    y[j] += xk[j];
                break;
            }
        }
        if (r->op == EB_OP_REDUCE_MEAN)
            for (int64_t j = 0; j < len; j++)
                y[j] /= (float)r->count;
    }
}

void eb_reduce_rows_f32__generic(const eb_reduce *r, const float *x, float *y, int64_t b, int64_t e)
{
    reduce_tasks(r, x, y, b, e);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void eb_reduce_rows_f32__avx2(const eb_reduce *r, const float *x, float *y,
                                                                    int64_t b, int64_t e)
{
    reduce_tasks(r, x, y, b, e);
}

__attribute__((target("avx512f,avx2,fma"))) void eb_reduce_rows_f32__avx512(const eb_reduce *r, const float *x,
                                                                              float *y, int64_t b, int64_t e)
{
    reduce_tasks(r, x, y, b, e);
}
#endif

typedef struct reduce_ctx {
    const eb_reduce *r;
    eb_reduce_rows_fn rows;
    const float *x;
    float *y;
} reduce_ctx;

static void fast_task(void *arg, int64_t b, int64_t e)
{
    const reduce_ctx *c = arg;
    c->rows(c->r, c->x, c->y, b, e);
}

/* outputs [b, e): each walks its reduced dims (the general path) */
static void general(void *arg, int64_t b, int64_t e)
{
    const reduce_ctx *c = arg;
    const eb_reduce *r = c->r;
    int64_t stride[EB_MAX_RANK], s = 1;
    for (int d = r->rank - 1; d >= 0; d--) {
        stride[d] = s;
        s *= r->dims[d];
    }
    bool is_max = r->op == EB_OP_REDUCE_MAX;
    for (int64_t o = b; o < e; o++) {
        int64_t base = 0, rem = o;
        for (int d = r->rank - 1; d >= 0; d--)
            if (!r->red[d]) {
                base += rem % r->dims[d] * stride[d];
                rem /= r->dims[d];
            }
        int64_t idx[EB_MAX_RANK] = {0};
        float acc = is_sum(r->op) ? 0.0f : is_max ? -INFINITY : INFINITY;
        bool nan = false;
        for (;;) {
            int64_t off = base;
            for (int d = 0; d < r->rank; d++)
                off += idx[d] * stride[d];
            float v = c->x[off];
            if (is_sum(r->op))
                acc += v;
            else if (v != v)
                nan = true;
            else if (is_max ? v > acc : v < acc)
                acc = v;
            int d = r->rank - 1;
            while (d >= 0 && (!r->red[d] || ++idx[d] == r->dims[d])) {
                if (r->red[d])
                    idx[d] = 0;
                d--;
            }
            if (d < 0)
                break;
        }
        c->y[o] = nan ? NAN : finish(r->op, acc, r->count);
    }
}

void eb_reduce_f32(const eb_reduce *r, const float *x, float *y, eb_threadpool *tp)
{
    reduce_ctx c = {r, r->rows ? r->rows : eb_kernel_pick(EB_KERNEL_REDUCE, eb_gemm_isa())->fn.reduce, x, y};
    if (r->general) {
        int64_t n_out = 1;
        for (int d = 0; d < r->rank; d++)
            n_out *= r->red[d] ? 1 : r->dims[d];
        eb_cpu_parallel_for(tp, n_out, REDUCE_GRAIN / r->count + 1, general, &c);
    } else if (r->inner == 1) {
        eb_cpu_parallel_for(tp, r->outer, REDUCE_GRAIN / r->count + 1, fast_task, &c);
    } else {
        int64_t blocks = (r->inner + COLS - 1) / COLS;
        eb_cpu_parallel_for(tp, r->outer * blocks, REDUCE_GRAIN / (r->count * COLS) + 1, fast_task, &c);
    }
}
