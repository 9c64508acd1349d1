/* ref_prelu.c - PRelu: y = x < 0 ? slope * x : x, elementwise, with the
 * slope seen through eb_prelu_slope_view (models/shape_prelu.c); computed
 * in double for float types, in int64 for the integer ones. */
#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_prelu(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0], view;
    eb_status st = eb_prelu_slope_view(n, x, in[1], &view, err);
    if (st != EB_OK)
        return st;
    int64_t ss[EB_MAX_RANK], count = eb_tensor_numel(x);
    eb_broadcast_strides(&view, x, ss);
    bool is_float = eb_dtypes[x->dtype].is_float;
    for (int64_t i = 0; i < count; i++) {
        int64_t si = eb_broadcast_offset(x, ss, i);
        if (is_float) {
            double v = eb_dtype_get_f64(x->dtype, x->data, i);
            eb_dtype_set_f64(y->dtype, y->data, i, v < 0 ? v * eb_dtype_get_f64(view.dtype, view.data, si) : v);
        } else {
            int64_t v = eb_dtype_get_i64(x->dtype, x->data, i);
            eb_dtype_set_i64(y->dtype, y->data, i, v < 0 ? v * eb_dtype_get_i64(view.dtype, view.data, si) : v);
        }
    }
    return EB_OK;
}
