/* shape_gather_elements.c - the shape rule of GatherElements: out[i] = data[i with
 * its `axis` coordinate replaced by indices[i]], the output shaped as indices.
 *
 * The rule checks what a node may take (attributes, input dtypes and
 * shapes, and constant index values) and sets the output's dtype and shape;
 * see eb_shape_fn in models/ops.h.  The kernel
 * (reference_kernels/ref_gather_elements.c) trusts what the rule accepted,
 * but checks run-time index values itself.  ScatterElements
 * (shape_scatter.c) shares the index checks. */
#include "models/op_params.h"

eb_status eb_index_values_check(const char *op, const eb_tensor *idx, int64_t dim, int axis, eb_err *err)
{
    int64_t count = eb_tensor_numel(idx);
    for (int64_t j = 0; j < count; j++) {
        int64_t v = eb_dtype_get_i64(idx->dtype, idx->data, j);
        if (v < -dim || v >= dim)
            return eb_errf(err, EB_EINVAL, "%s: index %lld (element %lld of indices) is out of range [%lld, %lld] "
                           "for axis %d of length %lld", op, (long long)v, (long long)j, (long long)-dim,
                           (long long)dim - 1, axis, (long long)dim);
    }
    return EB_OK;
}

eb_status eb_elements_check(const char *op, const eb_node *n, const eb_tensor *data, const eb_tensor *idx,
                            int *axis, eb_err *err)
{
    char s1[128], s2[128];
    eb_status st = eb_check_data(op, data, err);
    if (st != EB_OK)
        return st;
    if (idx->dtype != EB_DT_I64 && idx->dtype != EB_DT_I32)
        return eb_errf(err, EB_EINVAL, "%s: indices have dtype %s, expected i32 or i64", op,
                       eb_dtype_name(idx->dtype));
    if (data->rank < 1)
        return eb_errf(err, EB_EINVAL, "%s: data is a scalar, expected rank >= 1", op);
    if (!eb_valid_shape(idx) || idx->rank != data->rank)
        return eb_errf(err, EB_EINVAL, "%s: indices %s must have the rank of data %s", op,
                       eb_tensor_describe(idx, s1, sizeof s1), eb_tensor_describe(data, s2, sizeof s2));
    if ((st = eb_check_axis(op, eb_attr_int(n, "axis", 0), data->rank, NULL, axis, err)) != EB_OK)
        return st;
    for (int d = 0; d < data->rank; d++)
        if (d != *axis && idx->shape[d] > data->shape[d])
            return eb_errf(err, EB_EINVAL, "%s: indices %s exceed data %s on dim %d (not the axis %d)", op,
                           eb_tensor_describe(idx, s1, sizeof s1), eb_tensor_describe(data, s2, sizeof s2), d,
                           *axis);
    if (idx->data && eb_tensor_numel(idx) > 0 && data->shape[*axis] == 0)
        return eb_errf(err, EB_EINVAL, "%s: axis %d of data %s is empty, no index can be valid", op, *axis,
                       eb_tensor_describe(data, s2, sizeof s2));
    if (idx->data)
        return eb_index_values_check(op, idx, data->shape[*axis], *axis, err);
    return EB_OK;
}

eb_status eb_shape_gather_elements(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                   eb_err *err)
{
    eb_status st = eb_check_inputs("GatherElements", in, 2, err);
    if (st != EB_OK)
        return st;
    int axis;
    if ((st = eb_elements_check("GatherElements", n, in[0], in[1], &axis, err)) != EB_OK)
        return st;
    eb_tensor_copy_meta(out[0], in[1]);
    out[0]->dtype = in[0]->dtype;
    return EB_OK;
}
