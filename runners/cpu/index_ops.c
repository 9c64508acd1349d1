/* index_ops.c - the cpu runner's kernels for Trilu, CumSum, the element
 * and ND gathers and scatters, and TopK (index_ops.h): row-wise copies and
 * typed loops that give their reference twins' bits.  Single-threaded:
 * these ops are small next to the GEMMs around them in the models that
 * use them (masks, KV-cache updates, a top-k at the end). */
#include "runners/cpu/index_ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reference_kernels/ref_util.h"

/* One element of es bytes; the fixed sizes compile to a move. */
static inline void copy_elem(char *dst, const char *src, size_t es)
{
    switch (es) {
    case 1: *dst = *src; break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    default: memcpy(dst, src, es); break;
    }
}

static inline int64_t index_at(const eb_tensor *idx, int64_t i)
{
    return idx->dtype == EB_DT_I64 ? ((const int64_t *)idx->data)[i] : ((const int32_t *)idx->data)[i];
}

static inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* ---- Trilu: per row, one kept range between two zero runs ------------------------ */

static void run_trilu(const eb_index_op *op, const eb_tensor *x, eb_tensor *y)
{
    size_t es = eb_dtypes[x->dtype].size;
    int64_t rows = x->shape[x->rank - 2], cols = x->shape[x->rank - 1];
    int64_t all_rows = eb_dims_product(x->shape, x->rank - 2) * rows;
    /* j - i against k, with k brought into a range where i + k cannot overflow */
    int64_t k = clamp64(op->k, -rows - 1, cols + 1);
    const char *px = x->data;
    char *py = y->data;
    for (int64_t r = 0; r < all_rows; r++) {
        int64_t i = r % rows;
        int64_t lo = op->upper ? clamp64(i + k, 0, cols) : 0;
        int64_t hi = op->upper ? cols : clamp64(i + k + 1, 0, cols);
        if (hi < lo)
            hi = lo;
        size_t row = (size_t)(r * cols) * es;
        memset(py + row, 0, (size_t)lo * es);
        memcpy(py + row + (size_t)lo * es, px + row + (size_t)lo * es, (size_t)(hi - lo) * es);
        memset(py + row + (size_t)hi * es, 0, (size_t)(cols - hi) * es);
    }
}

/* ---- CumSum: a row of accumulators over the contiguous inner dims ---------------- */

#define CUMSUM_LOOP(T, ACC, TO_ACC, FROM_ACC)                                                    \
    do {                                                                                         \
        const T *xs = x->data;                                                                   \
        T *ys = y->data;                                                                         \
        ACC *acc = scratch;                                                                      \
        for (int64_t o = 0; o < outer; o++) {                                                    \
            for (int64_t i = 0; i < inner; i++)                                                  \
                acc[i] = 0;                                                                      \
            for (int64_t t = 0; t < len; t++) {                                                  \
                int64_t a = op->reverse ? len - 1 - t : t;                                       \
                const T *xr = xs + (o * len + a) * inner;                                        \
                T *yr = ys + (o * len + a) * inner;                                              \
                if (op->exclusive)                                                               \
                    for (int64_t i = 0; i < inner; i++) {                                        \
                        yr[i] = FROM_ACC(acc[i]);                                                \
                        acc[i] += TO_ACC(xr[i]);                                                 \
                    }                                                                            \
                else                                                                             \
                    for (int64_t i = 0; i < inner; i++) {                                        \
                        acc[i] += TO_ACC(xr[i]);                                                 \
                        yr[i] = FROM_ACC(acc[i]);                                                \
                    }                                                                            \
            }                                                                                    \
        }                                                                                        \
    } while (0)

#define F64_OF(v) ((double)(v))
#define F32_OF(v) ((float)(v))
#define SAME(v) (v)
#define U64_OF(v) ((uint64_t)(int64_t)(v))
#define I32_OF(v) ((int32_t)(uint32_t)(v))
#define I64_OF(v) ((int64_t)(v))

static void run_cumsum(const eb_index_op *op, const eb_tensor *x, eb_tensor *y, void *scratch)
{
    int axis = op->axis;
    int64_t outer = eb_dims_product(x->shape, axis), len = x->shape[axis];
    int64_t inner = eb_dims_product(x->shape + axis + 1, x->rank - axis - 1);
    switch (x->dtype) {
    case EB_DT_F32: CUMSUM_LOOP(float, double, F64_OF, F32_OF); break;
    case EB_DT_F64: CUMSUM_LOOP(double, double, SAME, SAME); break;
    case EB_DT_I32: CUMSUM_LOOP(int32_t, uint64_t, U64_OF, I32_OF); break;
    default: CUMSUM_LOOP(int64_t, uint64_t, U64_OF, I64_OF); break; /* I64: the planner takes no other */
    }
}

/* ---- the float reductions of the scatters (one float operation each) ------------- */

static inline float reduce_f32(eb_scatter_red red, float a, float b)
{
    switch (red) {
    case EB_SCATTER_ADD: return a + b;
    case EB_SCATTER_MUL: return a * b;
    case EB_SCATTER_MAX: return isnan(a) || isnan(b) ? NAN : a > b ? a : b;
    case EB_SCATTER_MIN: return isnan(a) || isnan(b) ? NAN : a < b ? a : b;
    default: return b;
    }
}

/* y[dst] (reduction) u[src], element size es (f32 when reducing). */
static inline void put(const eb_index_op *op, char *y, int64_t dst, const char *u, int64_t src, size_t es)
{
    if (op->red == EB_SCATTER_NONE)
        copy_elem(y + (size_t)dst * es, u + (size_t)src * es, es);
    else
        ((float *)y)[dst] = reduce_f32(op->red, ((float *)y)[dst], ((const float *)u)[src]);
}

/* ---- GatherElements / ScatterElements: row by row over indices' last dim --------- */

static void run_elements(const eb_index_op *op, const eb_tensor *data, const eb_tensor *idx, const eb_tensor *upd,
                         eb_tensor *y)
{
    bool scatter = op->kind == EB_IX_SCATTER_ELEMENTS;
    size_t es = eb_dtypes[data->dtype].size;
    int r = data->rank, axis = op->axis;
    int64_t dim = data->shape[axis], st[EB_MAX_RANK], pos[EB_MAX_RANK] = {0};
    eb_row_major_strides(data, st);
    int64_t last = idx->shape[r - 1], rows = last ? eb_tensor_numel(idx) / last : 0;
    const char *src = scatter ? upd->data : data->data;
    char *dst = y->data;
    if (scatter && y->data != data->data)
        memcpy(y->data, data->data, eb_tensor_nbytes(data));
    for (int64_t row = 0; row < rows; row++, eb_next_index(pos, idx->shape, r - 1)) {
        int64_t base = 0;
        for (int d = 0; d < r - 1; d++)
            if (d != axis)
                base += pos[d] * st[d];
        int64_t i0 = row * last;
        for (int64_t j = 0; j < last; j++) {
            int64_t v = index_at(idx, i0 + j);
            v = v < 0 ? v + dim : v;
            int64_t off = axis == r - 1 ? base + v : base + v * st[axis] + j;
            if (scatter)
                put(op, dst, off, src, i0 + j, es);
            else
                copy_elem(dst + (size_t)(i0 + j) * es, src + (size_t)off * es, es);
        }
    }
}

/* ---- GatherND / ScatterND: whole slices per index tuple --------------------------- */

static void run_nd(const eb_index_op *op, const eb_tensor *data, const eb_tensor *idx, const eb_tensor *upd,
                   eb_tensor *y)
{
    bool scatter = op->kind == EB_IX_SCATTER_ND;
    size_t es = eb_dtypes[data->dtype].size;
    int b = scatter ? 0 : op->batch_dims, m = (int)idx->shape[idx->rank - 1];
    int64_t batches = eb_dims_product(idx->shape, b);
    int64_t tuples = eb_dims_product(idx->shape + b, idx->rank - 1 - b);
    int64_t slice = eb_dims_product(data->shape + b + m, data->rank - b - m);
    int64_t batch_stride = eb_dims_product(data->shape + b, data->rank - b);
    size_t chunk = (size_t)slice * es;
    if (scatter && y->data != data->data)
        memcpy(y->data, data->data, eb_tensor_nbytes(data));
    const char *src = scatter ? upd->data : data->data;
    char *dst = y->data;
    for (int64_t bi = 0; bi < batches; bi++)
        for (int64_t t = 0; t < tuples; t++) {
            int64_t q = bi * tuples + t, off = 0;
            for (int k = 0; k < m; k++) {
                int64_t d = data->shape[b + k], v = index_at(idx, q * m + k);
                off = off * d + (v < 0 ? v + d : v);
            }
            off = bi * batch_stride + off * slice;
            if (!scatter)
                memcpy(dst + (size_t)q * chunk, src + (size_t)off * es, chunk);
            else if (op->red == EB_SCATTER_NONE)
                memcpy(dst + (size_t)off * es, src + (size_t)q * chunk, chunk);
            else
                for (int64_t e = 0; e < slice; e++)
                    put(op, dst, off + e, src, q * slice + e, es);
        }
}

/* ---- TopK (f32): the twin's order is a total one, (value, index) -------------------- */

typedef struct topk_item {
    float v;
    int64_t i;
} topk_item;

/* sign of a - b with NaN above every number (NaNs equal) */
static inline int value_order(float a, float b)
{
    return isnan(a) ? !isnan(b) : isnan(b) ? -1 : (a > b) - (a < b);
}

/* a goes strictly before b */
static inline bool goes_before(const topk_item *a, const topk_item *b, bool largest)
{
    int o = value_order(a->v, b->v);
    if (o != 0)
        return largest ? o > 0 : o < 0;
    return a->i < b->i;
}

static int cmp_largest(const void *pa, const void *pb)
{
    return goes_before(pa, pb, true) ? -1 : goes_before(pb, pa, true) ? 1 : 0;
}

static int cmp_smallest(const void *pa, const void *pb)
{
    return goes_before(pa, pb, false) ? -1 : goes_before(pb, pa, false) ? 1 : 0;
}

enum { TOPK_INSERT_MAX = 64 }; /* up to this K, insertion into the K best so far */

static void run_topk(const eb_index_op *op, const eb_tensor *x, eb_tensor *vals, eb_tensor *ids, void *scratch)
{
    int axis = op->axis;
    int64_t len = x->shape[axis], k = op->k;
    int64_t outer = eb_dims_product(x->shape, axis), inner = eb_dims_product(x->shape + axis + 1, x->rank - axis - 1);
    if (k == 0)
        return;
    const float *xs = x->data;
    float *vs = vals->data;
    int64_t *is = ids ? ids->data : NULL;
    topk_item *buf = scratch;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < inner; c++) {
            const float *run = xs + o * len * inner + c;
            int64_t have = 0;
            if (k <= TOPK_INSERT_MAX) {
                for (int64_t j = 0; j < len; j++) {
                    topk_item e = {run[j * inner], j};
                    if (have == k && !goes_before(&e, &buf[k - 1], op->largest))
                        continue;
                    int64_t p = have < k ? have++ : k - 1;
                    /* later indices never go before an equal earlier one */
                    while (p > 0 && goes_before(&e, &buf[p - 1], op->largest)) {
                        buf[p] = buf[p - 1];
                        p--;
                    }
                    buf[p] = e;
                }
            } else {
                for (int64_t j = 0; j < len; j++)
                    buf[j] = (topk_item){run[j * inner], j};
                qsort(buf, (size_t)len, sizeof *buf, op->largest ? cmp_largest : cmp_smallest);
            }
            for (int64_t j = 0; j < k; j++) {
                int64_t at = (o * k + j) * inner + c;
                vs[at] = buf[j].v;
                if (is)
                    is[at] = buf[j].i;
            }
        }
}

/* CumSum's axis from its run-time value, normalised against x's rank. */
static eb_status cumsum_axis_at(const char *name, const eb_tensor *x, const eb_tensor *axis, int *out, eb_err *err)
{
    int64_t a = eb_dtype_get_i64(axis->dtype, axis->data, 0);
    if (!eb_norm_axis(a, x->rank, out))
        return eb_errf(err, EB_EINVAL, "%s: axis %lld out of range for rank %d", name, (long long)a, x->rank);
    return EB_OK;
}

/* ---- the entry points ------------------------------------------------------------ */

size_t eb_index_scratch_bytes(const eb_index_op *op, const eb_tensor *const *in)
{
    const eb_tensor *x = in[0];
    /* an axis known at run time: the most any axis needs (axis 0's inner dims) */
    int axis = op->kind == EB_IX_CUMSUM && op->runtime_param ? 0 : op->axis;
    switch (op->kind) {
    case EB_IX_CUMSUM:
        return sizeof(double) * (size_t)eb_dims_product(x->shape + axis + 1, x->rank - axis - 1);
    case EB_IX_TOPK:
        return sizeof(topk_item) * (size_t)(op->k <= TOPK_INSERT_MAX ? op->k : x->shape[op->axis]);
    default: return 0;
    }
}

eb_status eb_index_run(const eb_index_op *op, const eb_tensor *const *in, eb_tensor *const *out, void *scratch,
                       eb_threadpool *tp, eb_err *err)
{
    (void)tp;
    eb_status st;
    eb_index_op at_run = *op;
    if (op->runtime_param && op->kind == EB_IX_TRILU) {
        at_run.k = eb_dtype_get_i64(in[1]->dtype, in[1]->data, 0);
        op = &at_run;
    } else if (op->runtime_param) { /* CumSum's axis, checked as the shape rule does */
        if ((st = cumsum_axis_at(op->op, in[0], in[1], &at_run.axis, err)) != EB_OK)
            return st;
        op = &at_run;
    }
    switch (op->kind) {
    case EB_IX_TRILU: run_trilu(op, in[0], out[0]); return EB_OK;
    case EB_IX_CUMSUM: run_cumsum(op, in[0], out[0], scratch); return EB_OK;
    case EB_IX_TOPK: run_topk(op, in[0], out[0], out[1], scratch); return EB_OK;
    case EB_IX_GATHER_ELEMENTS:
    case EB_IX_SCATTER_ELEMENTS:
        if ((st = eb_index_values_check(op->op, in[1], in[0]->shape[op->axis], op->axis, err)) != EB_OK)
            return st;
        run_elements(op, in[0], in[1], op->kind == EB_IX_SCATTER_ELEMENTS ? in[2] : NULL, out[0]);
        return EB_OK;
    case EB_IX_GATHER_ND:
    case EB_IX_SCATTER_ND:
        if ((st = eb_nd_values_check(op->op, in[0], in[1], op->kind == EB_IX_GATHER_ND ? op->batch_dims : 0, err)) !=
            EB_OK)
            return st;
        run_nd(op, in[0], in[1], op->kind == EB_IX_SCATTER_ND ? in[2] : NULL, out[0]);
        return EB_OK;
    }
    return eb_errf(err, EB_EINVAL, "cpu: index op kind %d unknown", (int)op->kind);
}
