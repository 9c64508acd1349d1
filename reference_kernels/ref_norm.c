/* ref_norm.c - BatchNormalization (inference form) and LayerNormalization,
 * for f32, f64 and f16, computed in double.
 *
 * BatchNormalization uses the given running statistics:
 * y = scale * (x - mean) / sqrt(var + epsilon) + B, per channel (dim 1).
 * Training (training_mode=1 from opset 14, or asking for the statistics
 * outputs in any opset) is EB_EUNSUPPORTED.  Opset 6's is_test is ignored:
 * with only Y requested the op is computed as in inference, as runtimes do.
 * Before opset 9, spatial=0 lets the parameters have one value per
 * activation, shape X.shape[1:], instead of one per channel.  Scale/bias and
 * mean/var may have float types different from X (opset 15).
 *
 * LayerNormalization (opset 17) normalises each run of X over the dims from
 * `axis` on: mean and (population) variance of the run, then
 * y = (x - mean) / sqrt(var + epsilon) * Scale + B, Scale and B broadcasting
 * to X.  The optional outputs Mean and InvStdDev have X's leading dims and
 * 1 for the normalised ones, in the stash_type (f32). */
#include <math.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_batch_norm(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                            eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    double eps = eb_attr_float(n, "epsilon", 1e-5f);
    int64_t batch = x->shape[0], channels = x->shape[1];
    int64_t spatial = 1;
    for (int d = 2; d < x->rank; d++)
        spatial *= x->shape[d];
    bool per_act[4];
    for (int i = 0; i < 4; i++)
        per_act[i] = eb_bn_per_activation(x, in[1 + i]);

    for (int64_t b = 0; b < batch; b++) {
        for (int64_t c = 0; c < channels; c++) {
            for (int64_t s = 0; s < spatial; s++) {
                double p[4]; /* scale, bias, mean, var */
                for (int i = 0; i < 4; i++)
                    p[i] = eb_dtype_get_f64(in[1 + i]->dtype, in[1 + i]->data, per_act[i] ? c * spatial + s : c);
                int64_t xi = (b * channels + c) * spatial + s;
                double v = eb_dtype_get_f64(x->dtype, x->data, xi);
                eb_dtype_set_f64(y->dtype, y->data, xi, p[0] * (v - p[2]) / sqrt(p[3] + eps) + p[1]);
            }
        }
    }
    return EB_OK;
}

eb_status eb_ref_layer_norm(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                            eb_err *err)
{
    const eb_tensor *x = in[0], *scale = in[1], *bias = eb_opt_in(n, in, 2);
    eb_tensor *y = out[0];
    eb_tensor *mean_out = eb_has_output(n, out, 1) ? out[1] : NULL;
    eb_tensor *inv_out = eb_has_output(n, out, 2) ? out[2] : NULL;
    int axis;
    if (!eb_layer_norm_axis(n, x->rank, &axis))
        return eb_errf(err, EB_EINVAL, "LayerNormalization: axis out of range");
    double eps = eb_attr_float(n, "epsilon", 1e-5f);
    int64_t outer = 1, len = 1;
    for (int d = 0; d < x->rank; d++) {
        if (d < axis)
            outer *= x->shape[d];
        else
            len *= x->shape[d];
    }
    int64_t scale_strides[EB_MAX_RANK], bias_strides[EB_MAX_RANK];
    eb_broadcast_strides(scale, x, scale_strides);
    if (bias)
        eb_broadcast_strides(bias, x, bias_strides);

    for (int64_t o = 0; o < outer; o++) {
        int64_t base = o * len;
        double sum = 0, sq = 0;
        for (int64_t j = 0; j < len; j++)
            sum += eb_dtype_get_f64(x->dtype, x->data, base + j);
        double mean = len ? sum / (double)len : 0;
        for (int64_t j = 0; j < len; j++) {
            double dv = eb_dtype_get_f64(x->dtype, x->data, base + j) - mean;
            sq += dv * dv;
        }
        double inv_std = 1.0 / sqrt((len ? sq / (double)len : 0) + eps);
        for (int64_t j = 0; j < len; j++) {
            int64_t i = base + j;
            double v = (eb_dtype_get_f64(x->dtype, x->data, i) - mean) * inv_std;
            v *= eb_dtype_get_f64(scale->dtype, scale->data, eb_broadcast_offset(x, scale_strides, i));
            if (bias)
                v += eb_dtype_get_f64(bias->dtype, bias->data, eb_broadcast_offset(x, bias_strides, i));
            eb_dtype_set_f64(y->dtype, y->data, i, v);
        }
        if (mean_out)
            ((float *)mean_out->data)[o] = (float)mean;
        if (inv_out)
            ((float *)inv_out->data)[o] = (float)inv_std;
    }
    return EB_OK;
}
