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

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

static const char *const bn_param_names[4] = {"scale", "B", "input_mean", "input_var"};

/* True when parameter p of BatchNormalization holds one value per activation
 * (spatial=0 shape) rather than one per channel. */
static bool bn_per_activation(const eb_tensor *x, const eb_tensor *p)
{
    return x->rank > 2 && p->rank == x->rank - 1;
}

eb_status eb_shape_batch_norm(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                              eb_err *err)
{
    const eb_tensor *x = in[0];
    char s1[128], s2[128];
    if (n->opset >= 14 && eb_attr_int(n, "training_mode", 0) != 0)
        return eb_errf(err, EB_EUNSUPPORTED, "BatchNormalization: training_mode=1 is not supported (inference only)");
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0)
            return eb_errf(err, EB_EUNSUPPORTED,
                           "BatchNormalization: output %d (training statistics) is not supported (inference only)", k);
    if (eb_check_dtype("BatchNormalization", "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16,
                       EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    if (x->rank < 2)
        return eb_errf(err, EB_EINVAL, "BatchNormalization: input X is %s, expected rank >= 2 (N, C, ...)",
                       eb_tensor_describe(x, s1, sizeof s1));
    bool spatial = n->opset >= 9 || eb_attr_int(n, "spatial", 1) != 0;
    for (int i = 0; i < 4; i++) {
        const eb_tensor *p = in[1 + i];
        if (!p)
            return eb_errf(err, EB_EINVAL, "BatchNormalization: input %s is missing", bn_param_names[i]);
        if (eb_check_dtype("BatchNormalization", bn_param_names[i], p, err, EB_DT_F32, EB_DT_F64, EB_DT_F16,
                           EB_DT_UNDEFINED) != EB_OK)
            return EB_EUNSUPPORTED;
        bool ok = p->rank == 1 && p->shape[0] == x->shape[1];
        if (!ok && !spatial && bn_per_activation(x, p)) {
            ok = true;
            for (int d = 0; d < p->rank; d++)
                ok = ok && p->shape[d] == x->shape[1 + d];
        }
        if (!ok)
            return eb_errf(err, EB_EINVAL, "BatchNormalization: %s is %s, expected [%lld] for X %s",
                           bn_param_names[i], eb_tensor_describe(p, s1, sizeof s1), (long long)x->shape[1],
                           eb_tensor_describe(x, s2, sizeof s2));
    }
    eb_tensor_copy_meta(out[0], x);
    return EB_OK;
}

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
        per_act[i] = bn_per_activation(x, in[1 + i]);

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

/* The normalisation axis in [0, rank]; false when out of [-rank, rank]. */
static bool layer_norm_axis(const eb_node *n, int rank, int *axis)
{
    return eb_norm_axis_end(eb_attr_int(n, "axis", -1), rank, axis);
}

/* True when t broadcasts unidirectionally to x's shape. */
static bool broadcasts_to(const eb_tensor *t, const eb_tensor *x)
{
    if (t->rank > x->rank)
        return false;
    for (int d = 0; d < t->rank; d++) {
        int64_t td = t->shape[d], xd = x->shape[x->rank - t->rank + d];
        if (td != 1 && td != xd)
            return false;
    }
    return true;
}

eb_status eb_shape_layer_norm(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                              eb_err *err)
{
    const eb_tensor *x = in[0], *scale = in[1], *bias = eb_opt_in(n, in, 2);
    char s1[128], s2[128];
    if (eb_check_dtype("LayerNormalization", "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16,
                       EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    int axis;
    if (!layer_norm_axis(n, x->rank, &axis))
        return eb_errf(err, EB_EINVAL, "LayerNormalization: axis %lld is out of range for input %s",
                       (long long)eb_attr_int(n, "axis", -1), eb_tensor_describe(x, s1, sizeof s1));
    int64_t stash = eb_attr_int(n, "stash_type", 1);
    if (stash != 1)
        return eb_errf(err, EB_EUNSUPPORTED, "LayerNormalization: stash_type %lld is not supported (only 1, float)",
                       (long long)stash);
    const eb_tensor *params[2] = {scale, bias};
    const char *names[2] = {"Scale", "B"};
    for (int i = 0; i < 2; i++) {
        const eb_tensor *p = params[i];
        if (!p)
            continue;
        if (p->dtype != x->dtype)
            return eb_errf(err, EB_EINVAL, "LayerNormalization: %s has dtype %s, X has %s", names[i],
                           eb_dtype_name(p->dtype), eb_dtype_name(x->dtype));
        if (!broadcasts_to(p, x))
            return eb_errf(err, EB_EINVAL, "LayerNormalization: %s %s does not broadcast to X %s", names[i],
                           eb_tensor_describe(p, s1, sizeof s1), eb_tensor_describe(x, s2, sizeof s2));
    }
    eb_tensor_copy_meta(out[0], x);
    for (int k = 1; k <= 2; k++) {
        if (!eb_has_output(n, out, k))
            continue;
        eb_tensor_copy_meta(out[k], x);
        out[k]->dtype = EB_DT_F32;
        for (int d = axis; d < x->rank; d++)
            out[k]->shape[d] = 1;
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
    if (!layer_norm_axis(n, x->rank, &axis))
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
