/* shape_onehot.c - the shape rule of OneHot: indices expanded along a new axis of
 * length depth, `on` where the index points and `off` elsewhere.
 *
 * The output has values' dtype and indices' shape with depth inserted at
 * `axis`.  depth must be known at load time (the output's shape depends on
 * it).  See eb_shape_fn in models/ops.h; the kernel is
 * reference_kernels/ref_onehot.c. */
#include <math.h>

#include "models/op_params.h"

eb_status eb_onehot_params(const eb_node *n, const eb_tensor *const *in, int *axis, int64_t *depth, eb_err *err)
{
    const eb_tensor *idx = in[0], *dt = in[1];
    int64_t a = eb_attr_int(n, "axis", -1);
    if (!eb_norm_axis(a, idx->rank + 1, axis)) /* an axis of the output */
        return eb_errf(err, EB_EINVAL, "OneHot: axis %lld is out of range [%d, %d] for indices of rank %d",
                       (long long)a, -idx->rank - 1, idx->rank, idx->rank);
    if (!eb_is_numeric(dt->dtype) || eb_tensor_numel(dt) != 1 || dt->rank > 1)
        return eb_errf(err, EB_EINVAL, "OneHot: depth must be one numeric value (a scalar or [1])");
    if (!dt->data)
        return eb_errf(err, EB_EUNSUPPORTED,
                       "OneHot: input 'depth' must be known at load time (the output's shape depends on it)");
    double d = eb_dtypes[dt->dtype].is_float ? trunc(eb_dtype_get_f64(dt->dtype, dt->data, 0))
                                              : (double)eb_dtype_get_i64(dt->dtype, dt->data, 0);
    if (!(d >= 1 && d <= (double)INT32_MAX))
        return eb_errf(err, EB_EINVAL, "OneHot: depth %g, expected >= 1", d);
    *depth = (int64_t)d;
    return EB_OK;
}

eb_status eb_shape_onehot(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs("OneHot", in, 3, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *idx = in[0], *values = in[2];
    if (!eb_is_numeric(idx->dtype))
        return eb_errf(err, EB_EUNSUPPORTED, "OneHot: indices have dtype %s, supported: numeric types but i4",
                       eb_dtype_name(idx->dtype));
    if ((st = eb_check_byte_dtype("OneHot", values, err)) != EB_OK)
        return st;
    if (values->rank != 1 || values->shape[0] != 2)
        return eb_errf(err, EB_EINVAL, "OneHot: values must be [off, on], rank 1 with 2 elements");
    if (idx->rank + 1 > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "OneHot: output rank %d exceeds the supported %d", idx->rank + 1,
                       EB_MAX_RANK);
    int axis;
    int64_t depth;
    if ((st = eb_onehot_params(n, in, &axis, &depth, err)) != EB_OK)
        return st;
    eb_tensor *y = out[0];
    y->dtype = values->dtype;
    y->rank = idx->rank + 1;
    for (int d = 0, s = 0; d < y->rank; d++)
        y->shape[d] = d == axis ? depth : idx->shape[s++];
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "OneHot: output size overflows");
    return EB_OK;
}
