/* ref_instance_norm.c - InstanceNormalization: per (n, c), the mean and
 * biased variance over the spatial dims, in double, then
 * scale[c] * (x - mean) / sqrt(var + epsilon) + B[c]. */
#include <math.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_instance_norm(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    (void)err;
    const eb_tensor *x = in[0], *scale = in[1], *bias = in[2];
    eb_tensor *y = out[0];
    double eps = eb_attr_float(n, "epsilon", 1e-5f);
    int64_t batch = x->shape[0], channels = x->shape[1], len = eb_dims_product(x->shape + 2, x->rank - 2);
    for (int64_t o = 0; o < batch * channels; o++) {
        int64_t c = o % channels, base = o * len;
        double sum = 0, sq = 0;
        for (int64_t j = 0; j < len; j++)
            sum += eb_dtype_get_f64(x->dtype, x->data, base + j);
        double mean = len ? sum / (double)len : 0;
        for (int64_t j = 0; j < len; j++) {
            double dv = eb_dtype_get_f64(x->dtype, x->data, base + j) - mean;
            sq += dv * dv;
        }
        double inv_std = 1.0 / sqrt((len ? sq / (double)len : 0) + eps);
        double s = eb_dtype_get_f64(scale->dtype, scale->data, c), b = eb_dtype_get_f64(bias->dtype, bias->data, c);
        for (int64_t j = 0; j < len; j++) {
            double v = (eb_dtype_get_f64(x->dtype, x->data, base + j) - mean) * inv_std;
            eb_dtype_set_f64(y->dtype, y->data, base + j, s * v + b);
        }
    }
    return EB_OK;
}
