/* shape_reduce.c - the shape rules of the reductions over axes (ReduceMean, ReduceSum,
 * ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum, ReduceLogSumExp,
 * ReduceSumSquare) and ArgMax, ArgMin.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_reduce.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <math.h>
#include <stdlib.h>

#include "models/op_params.h"

/* ---- Reduce* ------------------------------------------------------------ */

/* y's shape: x's dims but those in mask, which keepdims (default 1) keeps
 * as 1. */
static void reduced_shape(const eb_node *n, const eb_tensor *x, const bool mask[EB_MAX_RANK], eb_tensor *y)
{
    bool keep = eb_attr_int(n, "keepdims", 1) != 0;
    y->rank = 0;
    for (int d = 0; d < x->rank; d++) {
        if (!mask[d])
            y->shape[y->rank++] = x->shape[d];
        else if (keep)
            y->shape[y->rank++] = 1;
    }
}

/* Which dims of x the node reduces. */
eb_status eb_reduce_mask(const eb_node *n, const eb_tensor *const *in, bool mask[EB_MAX_RANK], eb_err *err)
{
    const eb_tensor *x = in[0];
    int64_t axes[EB_MAX_RANK];
    int count = 0;
    bool axes_input = n->opset >= (n->op == EB_OP_REDUCE_SUM ? 13 : 18);
    if (axes_input) {
        const eb_tensor *t = eb_opt_in(n, in, 1);
        if (t) {
            eb_status st = eb_read_ints(t, axes, EB_MAX_RANK, &count, n->op_type, "axes", err);
            if (st != EB_OK)
                return st;
        }
    } else {
        const int64_t *vals;
        int k = eb_attr_ints(n, "axes", &vals);
        if (k > EB_MAX_RANK)
            return eb_errf(err, EB_EINVAL, "%s: %d axes for an input of rank %d", n->op_type, k, x->rank);
        for (int i = 0; i < k; i++)
            axes[count++] = vals[i];
    }
    bool all = count == 0 && eb_attr_int(n, "noop_with_empty_axes", 0) == 0;
    for (int d = 0; d < EB_MAX_RANK; d++)
        mask[d] = all && d < x->rank;
    for (int i = 0; i < count; i++) {
        int d;
        if (!eb_norm_axis(axes[i], x->rank, &d))
            return eb_errf(err, EB_EINVAL, "%s: axis %lld is out of range for rank %d", n->op_type,
                           (long long)axes[i], x->rank);
        if (mask[d])
            return eb_errf(err, EB_EINVAL, "%s: axis %lld is listed twice", n->op_type, (long long)axes[i]);
        mask[d] = true;
    }
    return EB_OK;
}

eb_status eb_shape_reduce(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    if (!x)
        return eb_errf(err, EB_EINVAL, "%s: input is missing", n->op_type);
    bool max_min = n->op == EB_OP_REDUCE_MAX || n->op == EB_OP_REDUCE_MIN;
    if (!eb_is_numeric(x->dtype) && !(max_min && x->dtype == EB_DT_BOOL))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: input has dtype %s, supported: numeric types but i4%s",
                       n->op_type, eb_dtype_name(x->dtype), max_min ? ", bool" : "");
    /* a square root or a logarithm has no integer result the suite would
     * vouch for: those take float types only */
    bool float_only = n->op == EB_OP_REDUCE_L2 || n->op == EB_OP_REDUCE_LOG_SUM || n->op == EB_OP_REDUCE_LOG_SUM_EXP;
    if (float_only && !eb_dtypes[x->dtype].is_float)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: input has dtype %s, supported: f16/f32/f64", n->op_type,
                       eb_dtype_name(x->dtype));
    bool mask[EB_MAX_RANK];
    eb_status st = eb_reduce_mask(n, in, mask, err);
    if (st != EB_OK)
        return st;
    reduced_shape(n, x, mask, out[0]);
    out[0]->dtype = x->dtype;
    return EB_OK;
}

/* ---- ArgMax / ArgMin ---------------------------------------------------- */

eb_status eb_shape_arg_reduce(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    if (!x)
        return eb_errf(err, EB_EINVAL, "%s: input is missing", n->op_type);
    if (!eb_is_numeric(x->dtype))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: input has dtype %s, supported: numeric types but i4", n->op_type,
                       eb_dtype_name(x->dtype));
    int axis;
    int64_t a = eb_attr_int(n, "axis", 0);
    char s1[128];
    if (!eb_norm_axis(a, x->rank, &axis))
        return eb_errf(err, EB_EINVAL, "%s: axis %lld is out of range for input %s", n->op_type, (long long)a,
                       eb_tensor_describe(x, s1, sizeof s1));
    if (x->shape[axis] == 0)
        return eb_errf(err, EB_EINVAL, "%s: axis %d of input %s is empty, there is no extreme", n->op_type, axis,
                       eb_tensor_describe(x, s1, sizeof s1));
    bool mask[EB_MAX_RANK] = {false};
    mask[axis] = true;
    reduced_shape(n, x, mask, out[0]);
    out[0]->dtype = EB_DT_I64;
    return EB_OK;
}
