/* shape_gather.c - the shape rule of Gather: picks slices of `data` along `axis` by index.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_gather.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <string.h>

#include "models/op_params.h"

eb_status eb_gather_axis(const eb_node *n, const eb_tensor *data, int *axis, eb_err *err)
{
    return eb_check_axis("Gather", eb_attr_int(n, "axis", 0), data->rank, NULL, axis, err);
}

/* Checks every index against a dim of length dim. */
eb_status eb_gather_check_indices(const eb_tensor *idx, int64_t dim, eb_err *err)
{
    int64_t count = eb_tensor_numel(idx);
    for (int64_t j = 0; j < count; j++) {
        int64_t v = eb_dtype_get_i64(idx->dtype, idx->data, j);
        if (v < -dim || v >= dim)
            return eb_errf(err, EB_EINVAL, "Gather: index %lld out of range for a dim of %lld", (long long)v,
                           (long long)dim);
    }
    return EB_OK;
}

eb_status eb_shape_gather(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *data = in[0], *idx = in[1];
    if (!idx)
        return eb_errf(err, EB_EINVAL, "Gather: input 'indices' is missing");
    eb_status st = eb_check_byte_dtype("Gather", data, err);
    if (st != EB_OK)
        return st;
    if (idx->dtype != EB_DT_I64 && idx->dtype != EB_DT_I32)
        return eb_errf(err, EB_EINVAL, "Gather: indices have dtype %s, expected i32 or i64",
                       eb_dtype_name(idx->dtype));
    if (data->rank < 1 || !eb_valid_shape(data))
        return eb_errf(err, EB_EINVAL, "Gather: data has an invalid shape (rank %d)", data->rank);
    if (!eb_valid_shape(idx))
        return eb_errf(err, EB_EINVAL, "Gather: indices have an invalid shape");
    int axis;
    if ((st = eb_gather_axis(n, data, &axis, err)) != EB_OK)
        return st;
    int rank = data->rank - 1 + idx->rank;
    if (rank > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "Gather: output rank %d exceeds the supported %d", rank, EB_MAX_RANK);
    if (idx->data && (st = eb_gather_check_indices(idx, data->shape[axis], err)) != EB_OK)
        return st;
    eb_tensor *y = out[0];
    y->dtype = data->dtype;
    y->rank = rank;
    int o = 0;
    for (int d = 0; d < axis; d++)
        y->shape[o++] = data->shape[d];
    for (int d = 0; d < idx->rank; d++)
        y->shape[o++] = idx->shape[d];
    for (int d = axis + 1; d < data->rank; d++)
        y->shape[o++] = data->shape[d];
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "Gather: output size overflows");
    return EB_OK;
}
