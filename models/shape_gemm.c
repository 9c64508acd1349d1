/* shape_gemm.c - the shape rule of Gemm: Y = alpha * A' * B' + beta * C.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_gemm.c) trust what
 * the rule accepted. */
#include "models/op_params.h"

eb_status eb_shape_gemm(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *a = in[0], *b = in[1], *c = eb_opt_in(n, in, 2);
    char s1[128], s2[128];
    if (eb_check_dtype("Gemm", "input A", a, err, EB_DT_F32, EB_DT_F64, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    if (b->dtype != a->dtype || (c && c->dtype != a->dtype))
        return eb_errf(err, EB_EINVAL, "Gemm: inputs have dtypes %s, %s%s%s, expected all the same",
                       eb_dtype_name(a->dtype), eb_dtype_name(b->dtype), c ? ", " : "",
                       c ? eb_dtype_name(c->dtype) : "");
    if (a->rank != 2 || b->rank != 2)
        return eb_errf(err, EB_EINVAL, "Gemm: A is %s and B is %s, expected two matrices",
                       eb_tensor_describe(a, s1, sizeof s1), eb_tensor_describe(b, s2, sizeof s2));
    int64_t trans_a = eb_attr_int(n, "transA", 0), trans_b = eb_attr_int(n, "transB", 0);
    int64_t m = trans_a ? a->shape[1] : a->shape[0], k = trans_a ? a->shape[0] : a->shape[1];
    int64_t kb = trans_b ? b->shape[1] : b->shape[0], nn = trans_b ? b->shape[0] : b->shape[1];
    if (k != kb)
        return eb_errf(err, EB_EINVAL, "Gemm: inner dims differ: A %s%s, B %s%s",
                       eb_tensor_describe(a, s1, sizeof s1), trans_a ? " transposed" : "",
                       eb_tensor_describe(b, s2, sizeof s2), trans_b ? " transposed" : "");
    if (c) {
        bool ok = c->rank <= 2;
        for (int d = 0; ok && d < c->rank; d++) {
            int64_t want = d == c->rank - 1 ? nn : m;
            ok = c->shape[d] == 1 || c->shape[d] == want;
        }
        if (!ok)
            return eb_errf(err, EB_EINVAL, "Gemm: C %s does not broadcast to [%lld,%lld]",
                           eb_tensor_describe(c, s1, sizeof s1), (long long)m, (long long)nn);
    }
    eb_tensor *y = out[0];
    y->dtype = a->dtype;
    y->rank = 2;
    y->shape[0] = m;
    y->shape[1] = nn;
    return EB_OK;
}
