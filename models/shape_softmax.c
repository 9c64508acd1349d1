/* shape_softmax.c - the shape rules of Softmax, LogSoftmax and Hardmax (same axis rules).
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_softmax.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <math.h>

#include "models/op_params.h"

/* The op's axis, normalised; false when out of range. */
bool eb_softmax_axis(const eb_node *n, const eb_tensor *x, int *axis)
{
    int64_t a = eb_attr_int(n, "axis", n->opset >= 13 ? -1 : 1);
    return eb_norm_axis(a, x->rank, axis);
}

eb_status eb_shape_softmax(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    char s1[128];
    eb_status st = eb_check_dtype(n->op_type, "input", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16,
                                  EB_DT_UNDEFINED);
    if (st != EB_OK)
        return st;
    int axis;
    if (!eb_softmax_axis(n, x, &axis))
        return eb_errf(err, EB_EINVAL, "%s: axis %lld is out of range for input %s", n->op_type,
                       (long long)eb_attr_int(n, "axis", n->opset >= 13 ? -1 : 1),
                       eb_tensor_describe(x, s1, sizeof s1));
    eb_tensor_copy_meta(out[0], x);
    return EB_OK;
}
