/* ref_reduce.c - reductions over axes: ReduceMean, ReduceSum, ReduceMax,
 * ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp,
 * ReduceSumSquare, and the index-returning ArgMax and ArgMin.
 *
 * Reduce*: the axes are an attribute up to opset 12 for ReduceSum and up
 * to opset 17 for the others, an optional input after (read with
 * eb_read_ints, so a constant in the shape rule and at run time).  No axes,
 * or an empty list, means every axis unless noop_with_empty_axes=1, which
 * makes the op an identity (a copy, for every Reduce op).  keepdims
 * (default 1) keeps reduced dims as 1.
 * Float inputs accumulate in double (Sum, Mean and Prod are rounded once at
 * the end); integers accumulate in 64 bits and wrap, Mean truncating the
 * quotient.  Max and Min propagate NaN (numpy's maximum.reduce).  Reducing
 * an empty set gives Sum 0, Prod 1, Mean NaN (0 for integers), Max the
 * lowest value of the type (-inf for floats), Min the highest.  Max and Min
 * also take bool (opset 20); all take every numeric dtype but i4.
 *
 * ReduceL1 sums |x| and ReduceSumSquare x*x (integers too, wrapping);
 * ReduceL2 is sqrt of the sum of squares, ReduceLogSum log of the sum, and
 * ReduceLogSumExp log of the sum of exp(x), for float types only (the
 * shape rule refuses integers).  LogSumExp subtracts each output's maximum
 * before exponentiating (max + log(sum(exp(x - max)))), so large inputs do
 * not overflow; an infinite or NaN maximum is the result itself.  Of an
 * empty set: L1, L2 and SumSquare give 0, LogSum and LogSumExp -inf.
 *
 * ArgMax/ArgMin: the index (i64) of the first extreme element along `axis`
 * (default 0), or the last with select_last_index=1.  NaN counts as the
 * extreme, as in numpy's argmax/argmin. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* One output's accumulator: f, s or u by the dtype's kind; max is
 * LogSumExp's shift, the output's maximum (a first pass finds it). */
typedef struct reduce_acc {
    double f;
    int64_t s;
    uint64_t u;
    double max;
} reduce_acc;

/* The value a reduction of nothing gives, which every reduction starts from. */
static reduce_acc reduce_init(eb_op op, eb_dtype dt)
{
    reduce_acc a = {0};
    int bits = (int)eb_dtypes[dt].size * 8;
    eb_num_kind k = eb_num_kind_of(dt);
    bool is_max = op == EB_OP_REDUCE_MAX, is_min = op == EB_OP_REDUCE_MIN;
    if (op == EB_OP_REDUCE_PROD) {
        if (k == EB_NUM_FLOAT)
            a.f = 1;
        else if (k == EB_NUM_SIGNED)
            a.s = 1;
        else
            a.u = 1;
    } else if (is_max || is_min) {
        if (k == EB_NUM_FLOAT) {
            a.f = is_max ? -INFINITY : INFINITY;
        } else if (k == EB_NUM_SIGNED) {
            int64_t hi = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
            a.s = is_max ? -hi - 1 : hi;
        } else {
            a.u = is_max ? 0 : bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
        }
    }
    return a;
}

static void reduce_step(eb_op op, eb_num_kind k, reduce_acc *a, const eb_tensor *x, int64_t i)
{
    bool is_max = op == EB_OP_REDUCE_MAX;
    switch (k) {
    case EB_NUM_FLOAT: {
        double v = eb_dtype_get_f64(x->dtype, x->data, i);
        if (op == EB_OP_REDUCE_L1)
            a->f += fabs(v);
        else if (op == EB_OP_REDUCE_L2 || op == EB_OP_REDUCE_SUM_SQUARE)
            a->f += v * v;
        else if (op == EB_OP_REDUCE_LOG_SUM_EXP)
            a->f += exp(v - a->max);
        else if (op == EB_OP_REDUCE_PROD)
            a->f *= v;
        else if (op == EB_OP_REDUCE_SUM || op == EB_OP_REDUCE_MEAN || op == EB_OP_REDUCE_LOG_SUM)
            a->f += v;
        else if (isnan(v) || isnan(a->f))
            a->f = NAN;
        else if (is_max ? v > a->f : v < a->f)
            a->f = v;
        return;
    }
    case EB_NUM_SIGNED: {
        int64_t v = eb_dtype_get_i64(x->dtype, x->data, i);
        if (op == EB_OP_REDUCE_L1)
            v = v < 0 ? eb_wrap_i64(0 - (uint64_t)v) : v;
        else if (op == EB_OP_REDUCE_SUM_SQUARE)
            v = eb_wrap_i64((uint64_t)v * (uint64_t)v);
        if (op == EB_OP_REDUCE_PROD)
            a->s = eb_wrap_i64((uint64_t)a->s * (uint64_t)v);
        else if (op == EB_OP_REDUCE_SUM || op == EB_OP_REDUCE_MEAN || op == EB_OP_REDUCE_L1 ||
                 op == EB_OP_REDUCE_SUM_SQUARE)
            a->s = eb_wrap_i64((uint64_t)a->s + (uint64_t)v);
        else if (is_max ? v > a->s : v < a->s)
            a->s = v;
        return;
    }
    case EB_NUM_UNSIGNED: {
        uint64_t v = eb_dtype_get_u64(x->dtype, x->data, i);
        if (op == EB_OP_REDUCE_SUM_SQUARE)
            v *= v;
        if (op == EB_OP_REDUCE_PROD)
            a->u *= v;
        else if (op == EB_OP_REDUCE_SUM || op == EB_OP_REDUCE_MEAN || op == EB_OP_REDUCE_L1 ||
                 op == EB_OP_REDUCE_SUM_SQUARE)
            a->u += v;
        else if (is_max ? v > a->u : v < a->u)
            a->u = v;
        return;
    }
    }
}

eb_status eb_ref_reduce(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    bool mask[EB_MAX_RANK];
    eb_status st = eb_reduce_mask(n, in, mask, err);
    if (st != EB_OK)
        return st;
    int64_t ny = eb_tensor_numel(y), nx = eb_tensor_numel(x);
    eb_num_kind k = eb_num_kind_of(x->dtype);
    bool any = false;
    for (int d = 0; d < x->rank; d++)
        any = any || mask[d];
    if (!any && eb_attr_int(n, "noop_with_empty_axes", 0) != 0) {
        /* the spec's identity, not a reduction over one element (which
         * ReduceL1, SumSquare, LogSumExp would not leave unchanged) */
        memcpy(y->data, x->data, eb_tensor_nbytes(x));
        return EB_OK;
    }

    /* Input dim d moves the output index by ostride[d]: 0 on reduced dims,
     * the keepdims layout's stride elsewhere. */
    int64_t ostride[EB_MAX_RANK], s = 1;
    for (int d = x->rank - 1; d >= 0; d--) {
        ostride[d] = mask[d] ? 0 : s;
        if (!mask[d])
            s *= x->shape[d];
    }

    reduce_acc *acc = malloc((size_t)(ny > 0 ? ny : 1) * sizeof *acc);
    if (!acc)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory for %lld accumulators", n->op_type, (long long)ny);
    reduce_acc init = reduce_init(n->op, x->dtype);
    for (int64_t o = 0; o < ny; o++)
        acc[o] = init;
    if (n->op == EB_OP_REDUCE_LOG_SUM_EXP) {
        for (int64_t o = 0; o < ny; o++)
            acc[o].max = -INFINITY;
        for (int64_t i = 0; i < nx; i++) {
            reduce_acc *a = &acc[eb_broadcast_offset(x, ostride, i)];
            double v = eb_dtype_get_f64(x->dtype, x->data, i);
            a->max = isnan(v) || isnan(a->max) ? NAN : v > a->max ? v : a->max;
        }
    }
    for (int64_t i = 0; i < nx; i++)
        reduce_step(n->op, k, &acc[eb_broadcast_offset(x, ostride, i)], x, i);

    int64_t count = ny > 0 ? nx / ny : 0; /* elements per output */
    for (int64_t o = 0; o < ny; o++) {
        reduce_acc a = acc[o];
        if (n->op == EB_OP_REDUCE_MEAN) {
            if (k == EB_NUM_FLOAT)
                a.f /= (double)count; /* 0/0 = NaN for an empty set */
            else if (k == EB_NUM_SIGNED)
                a.s = count ? a.s / count : 0;
            else
                a.u = count ? a.u / (uint64_t)count : 0;
        }
        if (n->op == EB_OP_REDUCE_L2)
            a.f = sqrt(a.f);
        else if (n->op == EB_OP_REDUCE_LOG_SUM)
            a.f = log(a.f); /* log(0) = -inf for an empty set */
        else if (n->op == EB_OP_REDUCE_LOG_SUM_EXP)
            a.f = isfinite(a.max) ? a.max + log(a.f) : a.max;
        if (k == EB_NUM_FLOAT)
            eb_dtype_set_f64(y->dtype, y->data, o, a.f);
        else if (k == EB_NUM_SIGNED)
            eb_dtype_set_i64(y->dtype, y->data, o, a.s);
        else
            eb_dtype_set_u64(y->dtype, y->data, o, a.u);
    }
    free(acc);
    return EB_OK;
}

/* Whether element j beats the current best element b. */
static bool arg_better(bool is_max, bool last, const eb_tensor *x, int64_t j, int64_t b)
{
    int ord; /* sign of x[j] - x[b] */
    switch (eb_num_kind_of(x->dtype)) {
    case EB_NUM_FLOAT: {
        double vj = eb_dtype_get_f64(x->dtype, x->data, j), vb = eb_dtype_get_f64(x->dtype, x->data, b);
        if (isnan(vb))
            return last && isnan(vj);
        if (isnan(vj))
            return true;
        ord = (vj > vb) - (vj < vb);
        break;
    }
    case EB_NUM_SIGNED: {
        int64_t vj = eb_dtype_get_i64(x->dtype, x->data, j), vb = eb_dtype_get_i64(x->dtype, x->data, b);
        ord = (vj > vb) - (vj < vb);
        break;
    }
    default: {
        uint64_t vj = eb_dtype_get_u64(x->dtype, x->data, j), vb = eb_dtype_get_u64(x->dtype, x->data, b);
        ord = (vj > vb) - (vj < vb);
        break;
    }
    }
    if (ord == 0)
        return last;
    return is_max ? ord > 0 : ord < 0;
}

eb_status eb_ref_arg_reduce(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    int64_t *py = out[0]->data;
    int axis;
    eb_norm_axis(eb_attr_int(n, "axis", 0), x->rank, &axis);
    bool is_max = n->op == EB_OP_ARG_MAX, last = eb_attr_int(n, "select_last_index", 0) != 0;
    int64_t outer = eb_dims_product(x->shape, axis), len = x->shape[axis];
    int64_t inner = eb_dims_product(x->shape + axis + 1, x->rank - axis - 1);
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t j = 0; j < inner; j++) {
            int64_t base = o * len * inner + j, best = 0;
            for (int64_t k = 1; k < len; k++)
                if (arg_better(is_max, last, x, base + k * inner, base + best * inner))
                    best = k;
            py[o * inner + j] = best;
        }
    }
    return EB_OK;
}
