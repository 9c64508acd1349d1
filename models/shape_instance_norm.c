/* shape_instance_norm.c - the shape rule of InstanceNormalization:
 * y = scale[c] * (x - mean) / sqrt(var + epsilon) + B[c], with the mean and
 * (biased) variance over the spatial dims of each (n, c).
 *
 * The kernel (reference_kernels/ref_instance_norm.c) trusts what the rule
 * accepted. */
#include "models/op_params.h"

eb_status eb_shape_instance_norm(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const char *op = "InstanceNormalization";
    eb_status st = eb_check_inputs(op, in, 3, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *x = in[0];
    char s1[128], s2[128];
    if (eb_check_dtype(op, "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    if (x->rank < 3)
        return eb_errf(err, EB_EINVAL, "%s: input X is %s, expected rank >= 3 (N, C, spatial...)", op,
                       eb_tensor_describe(x, s1, sizeof s1));
    const char *names[2] = {"scale", "B"};
    for (int i = 0; i < 2; i++) {
        const eb_tensor *p = in[1 + i];
        if (p->dtype != x->dtype || p->rank != 1 || p->shape[0] != x->shape[1])
            return eb_errf(err, EB_EINVAL, "%s: %s is %s %s, expected [%lld] of X's dtype (X %s)", op, names[i],
                           eb_dtype_name(p->dtype), eb_tensor_describe(p, s1, sizeof s1), (long long)x->shape[1],
                           eb_tensor_describe(x, s2, sizeof s2));
    }
    (void)n;
    eb_tensor_copy_meta(out[0], x);
    return EB_OK;
}
