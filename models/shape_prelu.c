/* shape_prelu.c - the shape rule of PRelu: y = x < 0 ? slope * x : x, with
 * slope broadcast to X, and the slope's view that its kernels share.
 *
 * From opset 7 slope broadcasts unidirectionally (numpy) to X.  Before,
 * as in Caffe2 and the PyTorch 0.3 exports, a slope of C values is one per
 * channel (dim 1 of X) and a single value is shared. */
#include <string.h>

#include "models/op_params.h"

eb_status eb_prelu_slope_view(const eb_node *n, const eb_tensor *x, const eb_tensor *slope, eb_tensor *view,
                              eb_err *err)
{
    char s1[128], s2[128];
    *view = *slope;
    int64_t cnt = eb_tensor_numel(slope);
    if (n->opset < 7 && x->rank >= 2 && cnt == x->shape[1] && cnt != 1) {
        view->rank = x->rank;
        for (int d = 0; d < x->rank; d++)
            view->shape[d] = d == 1 ? cnt : 1;
        return EB_OK;
    }
    if (n->opset < 7 && cnt == 1) {
        view->rank = 0;
        return EB_OK;
    }
    bool ok = slope->rank <= x->rank;
    for (int d = 0; ok && d < slope->rank; d++) {
        int64_t sd = slope->shape[d], xd = x->shape[x->rank - slope->rank + d];
        ok = sd == 1 || sd == xd;
    }
    if (!ok)
        return eb_errf(err, EB_EINVAL, "PRelu: slope %s does not broadcast to X %s",
                       eb_tensor_describe(slope, s1, sizeof s1), eb_tensor_describe(x, s2, sizeof s2));
    return EB_OK;
}

eb_status eb_shape_prelu(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs("PRelu", in, 2, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *x = in[0], *slope = in[1];
    if (eb_check_dtype("PRelu", "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16, EB_DT_I32, EB_DT_I64,
                       EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    if (slope->dtype != x->dtype)
        return eb_errf(err, EB_EINVAL, "PRelu: slope has dtype %s, X has %s", eb_dtype_name(slope->dtype),
                       eb_dtype_name(x->dtype));
    eb_tensor view;
    if ((st = eb_prelu_slope_view(n, x, slope, &view, err)) != EB_OK)
        return st;
    eb_tensor_copy_meta(out[0], x);
    return EB_OK;
}
