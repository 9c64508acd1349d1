/* shape_nonzero.c - the shape rule of NonZero: the indices of the non-zero elements,
 * i64 [rank, count].
 *
 * The count depends on the input's values, so the rule needs them at load
 * time: a constant, or a value bound (or computed from values bound) before
 * inference (models/graph.h: is_const, data_bound).  Otherwise it is
 * EB_EUNSUPPORTED with that reason: the suite plans fixed shapes.  See
 * eb_shape_fn in models/ops.h; the kernel is reference_kernels/ref_nonzero.c. */
#include "models/op_params.h"

bool eb_nonzero_at(const eb_tensor *x, int64_t i)
{
    if (eb_dtypes[x->dtype].is_float)
        return eb_dtype_get_f64(x->dtype, x->data, i) != 0;
    return eb_dtype_get_u64(x->dtype, x->data, i) != 0;
}

int64_t eb_nonzero_count(const eb_tensor *x)
{
    int64_t count = 0, total = eb_tensor_numel(x);
    for (int64_t i = 0; i < total; i++)
        count += eb_nonzero_at(x, i);
    return count;
}

eb_status eb_shape_nonzero(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    (void)n;
    const eb_tensor *x = in[0];
    if (!x)
        return eb_errf(err, EB_EINVAL, "NonZero: input is missing");
    if (!eb_is_numeric(x->dtype) && x->dtype != EB_DT_BOOL)
        return eb_errf(err, EB_EUNSUPPORTED, "NonZero: input has dtype %s, supported: numeric types but i4, bool",
                       eb_dtype_name(x->dtype));
    if (!x->data)
        return eb_errf(err, EB_EUNSUPPORTED,
                       "NonZero: the output's shape depends on the input's values, which are not known at load time "
                       "(neither a constant nor computed from bound inputs); the suite plans static shapes");
    eb_tensor *y = out[0];
    y->dtype = EB_DT_I64;
    y->rank = 2;
    y->shape[0] = x->rank;
    y->shape[1] = eb_nonzero_count(x);
    return EB_OK;
}
