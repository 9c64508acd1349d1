/* shape_concat.c - the shape rule of Concat: joins any number of tensors along one axis.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_concat.c) trust what
 * the rule accepted. */
#include <string.h>

#include "models/op_params.h"

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
