/* shape_scatter.c - the shape rules of ScatterElements (and its opset 9 name, Scatter)
 * and ScatterND: a copy of `data` with `updates` written (or combined, by `reduction`)
 * at the places `indices` name.
 *
 * The output has data's dtype and shape.  ScatterElements addresses
 * elements the way GatherElements reads them (shape_gather_elements.c),
 * updates shaped as indices; ScatterND addresses slices the way GatherND
 * does (shape_gather_nd.c, no batch dims), updates shaped
 * indices.shape[:-1] + data.shape[m:].  See eb_shape_fn in models/ops.h;
 * the kernels are in reference_kernels/ref_scatter.c. */
#include <string.h>

#include "models/op_params.h"

eb_status eb_scatter_reduction(const eb_node *n, eb_dtype dt, eb_scatter_red *red, eb_err *err)
{
    static const char *const names[] = {"none", "add", "mul", "max", "min"};
    const char *r = eb_attr_string(n, "reduction", "none");
    for (int k = 0; k < 5; k++)
        if (strcmp(r, names[k]) == 0) {
            *red = (eb_scatter_red)k;
            if (*red != EB_SCATTER_NONE && !eb_is_numeric(dt))
                return eb_errf(err, EB_EUNSUPPORTED, "%s: reduction '%s' on dtype %s is not supported", n->op_type,
                               r, eb_dtype_name(dt));
            return EB_OK;
        }
    return eb_errf(err, EB_EINVAL, "%s: reduction '%s', expected none, add, mul, max or min", n->op_type, r);
}

/* updates must have data's dtype and the given shape. */
static eb_status check_updates(const eb_node *n, const eb_tensor *data, const eb_tensor *upd, const eb_tensor *want,
                               eb_err *err)
{
    char s1[128], s2[128];
    if (upd->dtype != data->dtype)
        return eb_errf(err, EB_EINVAL, "%s: updates have dtype %s, data %s", n->op_type, eb_dtype_name(upd->dtype),
                       eb_dtype_name(data->dtype));
    if (!eb_tensor_same_shape(upd, want))
        return eb_errf(err, EB_EINVAL, "%s: updates are %s, expected %s", n->op_type,
                       eb_tensor_describe(upd, s1, sizeof s1), eb_tensor_describe(want, s2, sizeof s2));
    return EB_OK;
}

eb_status eb_shape_scatter_elements(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                    eb_err *err)
{
    eb_status st = eb_check_inputs(n->op_type, in, 3, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *data = in[0], *idx = in[1];
    int axis;
    eb_scatter_red red;
    if ((st = eb_elements_check(n->op_type, n, data, idx, &axis, err)) != EB_OK ||
        (st = check_updates(n, data, in[2], idx, err)) != EB_OK ||
        (st = eb_scatter_reduction(n, data->dtype, &red, err)) != EB_OK)
        return st;
    eb_tensor_copy_meta(out[0], data);
    return EB_OK;
}

eb_status eb_shape_scatter_nd(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs("ScatterND", in, 3, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *data = in[0], *idx = in[1];
    eb_scatter_red red;
    if ((st = eb_scatter_reduction(n, data->dtype, &red, err)) != EB_OK ||
        (st = eb_nd_check("ScatterND", data, idx, 0, err)) != EB_OK)
        return st;
    int m = (int)idx->shape[idx->rank - 1];
    eb_tensor want = {.dtype = data->dtype};
    if (idx->rank - 1 + data->rank - m > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "ScatterND: updates would have rank %d, more than the supported %d",
                       idx->rank - 1 + data->rank - m, EB_MAX_RANK);
    for (int d = 0; d < idx->rank - 1; d++)
        want.shape[want.rank++] = idx->shape[d];
    for (int d = m; d < data->rank; d++)
        want.shape[want.rank++] = data->shape[d];
    if ((st = check_updates(n, data, in[2], &want, err)) != EB_OK)
        return st;
    eb_tensor_copy_meta(out[0], data);
    return EB_OK;
}
