/* ref_concat.c - Concat: joins any number of tensors along one axis.
 *
 * All inputs share dtype and rank and agree on every dim but `axis` (which
 * may be negative, and is 1 by default in opset 1); zero-size inputs simply
 * contribute nothing.  Seen as [outer, axis dim * inner], each output row is
 * the inputs' rows one after the other, copied as bytes, so the op is
 * dtype-agnostic (packed i4 is refused). */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_shape_concat(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    if (n->n_in < 1)
        return eb_errf(err, EB_EINVAL, "Concat: no inputs");
    eb_status st = eb_check_inputs("Concat", in, n->n_in, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *first = in[0];
    if ((st = eb_check_byte_dtype("Concat", first, err)) != EB_OK)
        return st;
    if (first->rank < 1 || first->rank > EB_MAX_RANK)
        return eb_errf(err, EB_EINVAL, "Concat: input 0 has rank %d, expected 1 or more", first->rank);
    if (n->opset >= 4 && !eb_node_attr(n, "axis"))
        return eb_errf(err, EB_EINVAL, "Concat: attribute 'axis' is required");
    int64_t axis_attr = eb_attr_int(n, "axis", 1);
    int axis;
    if ((st = eb_check_axis("Concat", axis_attr, first->rank, NULL, &axis, err)) != EB_OK)
        return st;
    int64_t total = 0;
    for (int k = 0; k < n->n_in; k++) {
        const eb_tensor *t = in[k];
        if (t->dtype != first->dtype)
            return eb_errf(err, EB_EINVAL, "Concat: input %d has dtype %s, input 0 has %s", k,
                           eb_dtype_name(t->dtype), eb_dtype_name(first->dtype));
        if (t->rank != first->rank)
            return eb_errf(err, EB_EINVAL, "Concat: input %d has rank %d, input 0 has %d", k, t->rank, first->rank);
        for (int d = 0; d < t->rank; d++) {
            if (t->shape[d] < 0)
                return eb_errf(err, EB_EINVAL, "Concat: input %d has a negative dim", k);
            if (d != axis && t->shape[d] != first->shape[d]) {
                char s1[128], s2[128];
                return eb_errf(err, EB_EINVAL, "Concat: input %d %s does not match input 0 %s off axis %d", k,
                               eb_tensor_describe(t, s1, sizeof s1), eb_tensor_describe(first, s2, sizeof s2), axis);
            }
        }
        if (t->shape[axis] > INT64_MAX - total)
            return eb_errf(err, EB_EINVAL, "Concat: output dim overflows");
        total += t->shape[axis];
    }
    eb_tensor *y = out[0];
    eb_tensor_copy_meta(y, first);
    y->shape[axis] = total;
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "Concat: output size overflows");
    return EB_OK;
}

eb_status eb_ref_concat(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_tensor *y = out[0];
    int axis;
    eb_norm_axis(eb_attr_int(n, "axis", 1), y->rank, &axis);
    /* with no zero dim in the output, no product of its dims overflows */
    if (eb_tensor_numel(y) == 0)
        return EB_OK;
    size_t size = eb_dtypes[y->dtype].size;
    int64_t outer = eb_dims_product(y->shape, axis);
    int64_t inner = eb_dims_product(y->shape + axis + 1, y->rank - axis - 1);
    size_t row = (size_t)(y->shape[axis] * inner) * size;
    char *dst = y->data;
    size_t at = 0; /* byte position of the current input's slice within a row */
    for (int k = 0; k < n->n_in; k++) {
        size_t part = (size_t)(in[k]->shape[axis] * inner) * size;
        const char *src = in[k]->data;
        for (int64_t o = 0; o < outer && part > 0; o++)
            memcpy(dst + (size_t)o * row + at, src + (size_t)o * part, part);
        at += part;
    }
    return EB_OK;
}
