/* shape_eye_like.c - the shape rule of EyeLike: a 2-D tensor of the input's shape with
 * ones on the k-th diagonal and zeros elsewhere, of the input's dtype or `dtype`.
 *
 * See eb_shape_fn in models/ops.h; the kernel is
 * reference_kernels/ref_eye_like.c. */
#include "models/op_params.h"

eb_status eb_shape_eye_like(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    char s1[128];
    if (!x)
        return eb_errf(err, EB_EINVAL, "EyeLike: input is missing");
    if (x->rank != 2)
        return eb_errf(err, EB_EINVAL, "EyeLike: input is %s, expected rank 2", eb_tensor_describe(x, s1, sizeof s1));
    eb_dtype dt = x->dtype;
    const eb_attr *a = eb_node_attr(n, "dtype");
    if (a) {
        int code = a->type == EB_ATTR_INT && a->i >= 0 && a->i <= 1000 ? (int)a->i : -1;
        dt = eb_dtype_from_onnx(code);
        if (dt == EB_DT_UNDEFINED)
            return eb_errf(err, EB_EUNSUPPORTED, "EyeLike: dtype %s (%lld) not supported", eb_onnx_type_name(code),
                           (long long)a->i);
    }
    if (!eb_is_numeric(dt) && dt != EB_DT_BOOL)
        return eb_errf(err, EB_EUNSUPPORTED, "EyeLike: output dtype %s not supported (numeric types but i4, bool)",
                       eb_dtype_name(dt));
    eb_tensor_copy_meta(out[0], x);
    out[0]->dtype = dt;
    return EB_OK;
}
