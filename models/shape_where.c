/* shape_where.c - the shape rule of Where: out = cond ? X : Y, with numpy broadcasting.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_where.c) trust what
 * the rule accepted. */
#include <string.h>

#include "models/op_params.h"

eb_status eb_shape_where(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs("Where", in, 3, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *cond = in[0], *x = in[1], *y = in[2];
    if (cond->dtype != EB_DT_BOOL)
        return eb_errf(err, EB_EINVAL, "Where: condition has dtype %s, expected bool", eb_dtype_name(cond->dtype));
    if (x->dtype != y->dtype)
        return eb_errf(err, EB_EINVAL, "Where: X has dtype %s and Y %s, expected the same", eb_dtype_name(x->dtype),
                       eb_dtype_name(y->dtype));
    if ((st = eb_check_byte_dtype("Where", x, err)) != EB_OK ||
        (st = eb_broadcast_shapes("Where", in, 3, out[0], err)) != EB_OK)
        return st;
    out[0]->dtype = x->dtype;
    return EB_OK;
}
