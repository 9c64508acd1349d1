/* shape_trilu.c - the shape rules of Trilu (the upper or lower triangle of
 * the last two dims, the rest zeroed) and CumSum (running sums along one
 * axis).  Both keep their input's dtype and shape.
 *
 * Trilu's k (input 1, optional, default 0) and CumSum's axis (input 1) are
 * scalars.  k may be known only at run time: it changes values, not the
 * shape, so the kernel reads it then.  CumSum's axis is checked here when
 * it is known and again by the kernel (ref_trilu.c). */
#include "models/op_params.h"

eb_status eb_trilu_k(const eb_node *n, const eb_tensor *k, int64_t *out, eb_err *err)
{
    *out = 0;
    if (!k)
        return EB_OK;
    eb_status st = eb_check_dtype("Trilu", "k", k, err, EB_DT_I64, EB_DT_UNDEFINED);
    if (st != EB_OK)
        return st;
    if (k->rank > 1 || eb_tensor_numel(k) != 1)
        return eb_errf(err, EB_EINVAL, "Trilu: node '%s': k must be a scalar, got %lld elements", n->name,
                       (long long)eb_tensor_numel(k));
    if (k->data)
        *out = eb_dtype_get_i64(k->dtype, k->data, 0);
    return EB_OK;
}

eb_status eb_shape_trilu(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_data("Trilu", in[0], err);
    if (st != EB_OK)
        return st;
    if (in[0]->rank < 2)
        return eb_errf(err, EB_EINVAL, "Trilu: node '%s': input has rank %d, expected >= 2", n->name, in[0]->rank);
    int64_t upper = eb_attr_int(n, "upper", 1);
    if (upper != 0 && upper != 1)
        return eb_errf(err, EB_EINVAL, "Trilu: node '%s': upper is %lld, expected 0 or 1", n->name, (long long)upper);
    int64_t k;
    if ((st = eb_trilu_k(n, eb_opt_in(n, in, 1), &k, err)) != EB_OK)
        return st;
    eb_tensor_copy_meta(out[0], in[0]);
    return EB_OK;
}

eb_status eb_cumsum_axis(const eb_node *n, const eb_tensor *x, const eb_tensor *axis, int *out, eb_err *err)
{
    *out = -1;
    eb_status st = eb_check_dtype("CumSum", "axis", axis, err, EB_DT_I32, EB_DT_I64, EB_DT_UNDEFINED);
    if (st != EB_OK)
        return st;
    if (axis->rank > 1 || eb_tensor_numel(axis) != 1)
        return eb_errf(err, EB_EINVAL, "CumSum: node '%s': axis must be a scalar, got %lld elements", n->name,
                       (long long)eb_tensor_numel(axis));
    if (!axis->data)
        return EB_OK;
    int64_t a = eb_dtype_get_i64(axis->dtype, axis->data, 0);
    if (!eb_norm_axis(a, x->rank, out))
        return eb_errf(err, EB_EINVAL, "CumSum: node '%s': axis %lld out of range for rank %d", n->name, (long long)a,
                       x->rank);
    return EB_OK;
}

eb_status eb_shape_cumsum(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs("CumSum", in, 2, err);
    if (st != EB_OK ||
        (st = eb_check_dtype("CumSum", "x", in[0], err, EB_DT_F32, EB_DT_F64, EB_DT_F16, EB_DT_I32, EB_DT_I64,
                             EB_DT_U32, EB_DT_U64, EB_DT_UNDEFINED)) != EB_OK)
        return st;
    if (!eb_valid_shape(in[0]) || in[0]->rank < 1)
        return eb_errf(err, EB_EINVAL, "CumSum: node '%s': x must have rank >= 1", n->name);
    for (const char *a = "exclusive"; a; a = a[0] == 'e' ? "reverse" : NULL) {
        int64_t v = eb_attr_int(n, a, 0);
        if (v != 0 && v != 1)
            return eb_errf(err, EB_EINVAL, "CumSum: node '%s': %s is %lld, expected 0 or 1", n->name, a, (long long)v);
    }
    int axis;
    if ((st = eb_cumsum_axis(n, in[0], in[1], &axis, err)) != EB_OK)
        return st;
    eb_tensor_copy_meta(out[0], in[0]);
    return EB_OK;
}
