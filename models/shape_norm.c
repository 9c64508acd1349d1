/* shape_norm.c - the shape rules of BatchNormalization (inference form) and
 * LayerNormalization.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_norm.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <math.h>

#include "models/op_params.h"

static const char *const bn_param_names[4] = {"scale", "B", "input_mean", "input_var"};

/* True when parameter p of BatchNormalization holds one value per activation
 * (spatial=0 shape) rather than one per channel. */
bool eb_bn_per_activation(const eb_tensor *x, const eb_tensor *p)
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
        if (!ok && !spatial && eb_bn_per_activation(x, p)) {
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

/* The normalisation axis in [0, rank]; false when out of [-rank, rank]. */
bool eb_layer_norm_axis(const eb_node *n, int rank, int *axis)
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
    if (!eb_layer_norm_axis(n, x->rank, &axis))
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
