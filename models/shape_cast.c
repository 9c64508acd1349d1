/* shape_cast.c - the shape rule of Cast: the output takes the dtype named by `to`; and of
 * CastLike (opset 15), which takes the dtype of its second input.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_cast.c) trust what
 * the rule accepted. */
#include <math.h>

#include "models/op_params.h"

static bool castable(eb_dtype dt)
{
    return dt > EB_DT_UNDEFINED && dt < EB_DT_COUNT && dt != EB_DT_I4;
}

eb_status eb_shape_cast(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    if (!x)
        return eb_errf(err, EB_EINVAL, "Cast: input is missing");
    eb_dtype dt;
    if (n->op == EB_OP_CAST_LIKE) { /* the target type is the second input's */
        if (!in[1])
            return eb_errf(err, EB_EINVAL, "CastLike: input target_type is missing");
        dt = in[1]->dtype;
        if (!castable(dt))
            return eb_errf(err, EB_EUNSUPPORTED, "CastLike: to dtype %s not supported", eb_dtype_name(dt));
    } else {
        const eb_attr *to = eb_node_attr(n, "to");
        if (!to || to->type != EB_ATTR_INT)
            return eb_errf(err, EB_EINVAL, "Cast: integer attribute 'to' is missing");
        int code = to->i >= 0 && to->i <= 1000 ? (int)to->i : -1;
        dt = eb_dtype_from_onnx(code);
        if (!castable(dt))
            return eb_errf(err, EB_EUNSUPPORTED, "Cast: to type %s (%lld) not supported", eb_onnx_type_name(code),
                           (long long)to->i);
    }
    if (!castable(x->dtype))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: input dtype %s not supported", n->op_type, eb_dtype_name(x->dtype));
    eb_tensor_copy_meta(out[0], x);
    out[0]->dtype = dt;
    return EB_OK;
}
