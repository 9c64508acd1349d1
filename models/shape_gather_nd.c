/* shape_gather_nd.c - the shape rule of GatherND: gathers slices of `data` addressed by
 * the tuples in the last dim of `indices`, after `batch_dims` leading dims both share.
 *
 * With data of rank r, indices of rank q and m = indices.shape[-1], the
 * output is indices.shape[:-1] + data.shape[batch_dims + m:].  The rule
 * checks the inputs (and constant index values) and sets the output's dtype
 * and shape; see eb_shape_fn in models/ops.h.  The kernel
 * (reference_kernels/ref_gather_nd.c) checks run-time index values itself.
 * ScatterND (shape_scatter.c) shares the checks, with batch_dims 0. */
#include "models/op_params.h"

eb_status eb_nd_values_check(const char *op, const eb_tensor *data, const eb_tensor *idx, int batch_dims,
                             eb_err *err)
{
    int m = (int)idx->shape[idx->rank - 1];
    int64_t count = eb_tensor_numel(idx);
    for (int64_t j = 0; j < count; j++) {
        int d = batch_dims + (int)(j % m);
        int64_t v = eb_dtype_get_i64(idx->dtype, idx->data, j), dim = data->shape[d];
        if (v < -dim || v >= dim)
            return eb_errf(err, EB_EINVAL, "%s: index %lld (element %lld of indices) is out of range [%lld, %lld] "
                           "for dim %d of data, of length %lld", op, (long long)v, (long long)j, (long long)-dim,
                           (long long)dim - 1, d, (long long)dim);
    }
    return EB_OK;
}

eb_status eb_nd_check(const char *op, const eb_tensor *data, const eb_tensor *idx, int batch_dims, eb_err *err)
{
    char s1[128], s2[128];
    eb_status st = eb_check_data(op, data, err);
    if (st != EB_OK)
        return st;
    if (idx->dtype != EB_DT_I64 && idx->dtype != EB_DT_I32)
        return eb_errf(err, EB_EINVAL, "%s: indices have dtype %s, expected i64", op, eb_dtype_name(idx->dtype));
    if (!eb_valid_shape(idx) || idx->rank < 1 || data->rank < 1)
        return eb_errf(err, EB_EINVAL, "%s: data %s and indices %s must both have rank >= 1", op,
                       eb_tensor_describe(data, s1, sizeof s1), eb_tensor_describe(idx, s2, sizeof s2));
    if (batch_dims < 0 || batch_dims >= idx->rank || batch_dims >= data->rank)
        return eb_errf(err, EB_EINVAL, "%s: batch_dims=%d, expected 0 <= batch_dims < min(rank(data), rank(indices))",
                       op, batch_dims);
    int64_t m = idx->shape[idx->rank - 1];
    if (m < 1 || batch_dims + m > data->rank)
        return eb_errf(err, EB_EINVAL, "%s: indices %s address %lld dims, data %s has %d after %d batch dims", op,
                       eb_tensor_describe(idx, s1, sizeof s1), (long long)m, eb_tensor_describe(data, s2, sizeof s2),
                       data->rank - batch_dims, batch_dims);
    for (int d = 0; d < batch_dims; d++)
        if (idx->shape[d] != data->shape[d])
            return eb_errf(err, EB_EINVAL, "%s: batch dim %d differs: data %s, indices %s", op, d,
                           eb_tensor_describe(data, s1, sizeof s1), eb_tensor_describe(idx, s2, sizeof s2));
    if (idx->data)
        return eb_nd_values_check(op, data, idx, batch_dims, err);
    return EB_OK;
}

eb_status eb_shape_gather_nd(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs("GatherND", in, 2, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *data = in[0], *idx = in[1];
    int64_t b = eb_attr_int(n, "batch_dims", 0);
    if (b < 0 || b >= EB_MAX_RANK)
        return eb_errf(err, EB_EINVAL, "GatherND: batch_dims=%lld is out of range", (long long)b);
    if ((st = eb_nd_check("GatherND", data, idx, (int)b, err)) != EB_OK)
        return st;
    int m = (int)idx->shape[idx->rank - 1];
    int rank = idx->rank - 1 + data->rank - (int)b - m;
    if (rank > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "GatherND: output rank %d exceeds the supported %d", rank, EB_MAX_RANK);
    eb_tensor *y = out[0];
    y->dtype = data->dtype;
    y->rank = 0;
    for (int d = 0; d < idx->rank - 1; d++)
        y->shape[y->rank++] = idx->shape[d];
    for (int d = (int)b + m; d < data->rank; d++)
        y->shape[y->rank++] = data->shape[d];
    return EB_OK;
}
