/* shape_compress.c - the shape rule of Compress: the slices along `axis` (or the
 * elements of the flattened input, without axis) whose condition is true.
 *
 * The output's length is the number of true conditions, so the condition
 * must be known at load time (a constant, or computed from bound inputs);
 * otherwise EB_EUNSUPPORTED says so.  A condition shorter than the axis
 * drops the slices past its end; a longer one is refused.  See eb_shape_fn
 * in models/ops.h; the kernel is reference_kernels/ref_compress.c. */
#include "models/op_params.h"

eb_status eb_compress_params(const eb_node *n, const eb_tensor *x, int *axis, int64_t *outer, int64_t *len,
                             int64_t *inner, eb_err *err)
{
    const eb_attr *a = eb_node_attr(n, "axis");
    if (!a) { /* the flattened input */
        *axis = -1;
        *outer = *inner = 1;
        *len = eb_tensor_numel(x);
        return EB_OK;
    }
    eb_status st = eb_check_axis("Compress", a->i, x->rank, NULL, axis, err);
    if (st != EB_OK)
        return st;
    int64_t outer_n = 1, inner_n = 1;
    for (int d = 0; d < *axis; d++)
        outer_n *= x->shape[d];
    for (int d = *axis + 1; d < x->rank; d++)
        inner_n *= x->shape[d];
    *outer = outer_n, *inner = inner_n, *len = x->shape[*axis];
    return EB_OK;
}

eb_status eb_shape_compress(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs("Compress", in, 2, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *x = in[0], *cond = in[1];
    char s1[128];
    if ((st = eb_check_data("Compress", x, err)) != EB_OK)
        return st;
    if (cond->dtype != EB_DT_BOOL || cond->rank != 1)
        return eb_errf(err, EB_EINVAL, "Compress: condition is %s, expected a 1-D bool tensor",
                       eb_tensor_describe(cond, s1, sizeof s1));
    int axis;
    int64_t outer, len, inner;
    if ((st = eb_compress_params(n, x, &axis, &outer, &len, &inner, err)) != EB_OK)
        return st;
    if (cond->shape[0] > len)
        return eb_errf(err, EB_EINVAL, "Compress: condition has %lld entries, the %s has only %lld",
                       (long long)cond->shape[0], axis < 0 ? "flattened input" : "axis", (long long)len);
    if (!cond->data)
        return eb_errf(err, EB_EUNSUPPORTED,
                       "Compress: the output's shape depends on the condition's values, which are not known at load "
                       "time (neither a constant nor computed from bound inputs); the suite plans static shapes");
    int64_t kept = 0;
    for (int64_t i = 0; i < cond->shape[0]; i++)
        kept += ((const uint8_t *)cond->data)[i] != 0;
    eb_tensor *y = out[0];
    eb_tensor_copy_meta(y, x);
    if (axis < 0) {
        y->rank = 1;
        y->shape[0] = kept;
    } else {
        y->shape[axis] = kept;
    }
    return EB_OK;
}
