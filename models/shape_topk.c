/* shape_topk.c - the shape rule of TopK: the K largest (or smallest) elements along an
 * axis and their indices.
 *
 * Values take X's dtype and Indices i64, both X's shape with the axis cut
 * to K.  K must be known at load time (a constant or a bound input), since
 * the output shape depends on it.  See eb_shape_fn in models/ops.h; the
 * kernel is reference_kernels/ref_topk.c. */
#include "models/op_params.h"

eb_status eb_topk_params(const eb_node *n, const eb_tensor *const *in, int *axis, int64_t *k, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_axis("TopK", eb_attr_int(n, "axis", -1), x->rank, NULL, axis, err);
    if (st != EB_OK)
        return st;
    if (n->opset < 10) {
        const eb_attr *a = eb_node_attr(n, "k");
        if (!a || a->type != EB_ATTR_INT)
            return eb_errf(err, EB_EINVAL, "TopK: integer attribute 'k' is missing (opset %d)", n->opset);
        *k = a->i;
    } else {
        const eb_tensor *kt = eb_opt_in(n, in, 1);
        if (!kt)
            return eb_errf(err, EB_EINVAL, "TopK: input K is missing");
        if (eb_tensor_numel(kt) != 1)
            return eb_errf(err, EB_EINVAL, "TopK: K must hold one value, it has %lld", (long long)eb_tensor_numel(kt));
        int64_t vals[1];
        int cnt;
        if ((st = eb_read_ints(kt, vals, 1, &cnt, "TopK", "K", err)) != EB_OK)
            return st;
        *k = vals[0];
    }
    if (*k < 0 || *k > x->shape[*axis]) {
        char s1[128];
        return eb_errf(err, EB_EINVAL, "TopK: K=%lld, expected 0..%lld (axis %d of input %s)", (long long)*k,
                       (long long)x->shape[*axis], *axis, eb_tensor_describe(x, s1, sizeof s1));
    }
    return EB_OK;
}

eb_status eb_shape_topk(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    if (!x)
        return eb_errf(err, EB_EINVAL, "TopK: input X is missing");
    if (!eb_is_numeric(x->dtype))
        return eb_errf(err, EB_EUNSUPPORTED, "TopK: input has dtype %s, supported: numeric types but i4",
                       eb_dtype_name(x->dtype));
    if (x->rank < 1)
        return eb_errf(err, EB_EINVAL, "TopK: input is a scalar, expected rank >= 1");
    int axis;
    int64_t k;
    eb_status st = eb_topk_params(n, in, &axis, &k, err);
    if (st != EB_OK)
        return st;
    eb_tensor_copy_meta(out[0], x);
    out[0]->shape[axis] = k;
    if (eb_has_output(n, out, 1)) {
        eb_tensor_copy_meta(out[1], out[0]);
        out[1]->dtype = EB_DT_I64;
    }
    return EB_OK;
}
