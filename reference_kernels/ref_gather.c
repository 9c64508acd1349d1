/* ref_gather.c - Gather: picks slices of `data` along `axis` by index.
 *
 * out[a.., j.., b..] = data[a.., indices[j..], b..]; the output shape is
 * data.shape[:axis] + indices.shape + data.shape[axis+1:].  Indices are i32
 * or i64 and may be negative (counting from the end).  An index out of range
 * is an error: in the shape rule when the indices are constant, and always
 * in the kernel before anything is read.  Slices are copied as bytes, so
 * any data dtype of whole bytes works (packed i4 is refused). */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

static eb_status get_axis(const eb_node *n, const eb_tensor *data, int *axis, eb_err *err)
{
    return eb_check_axis("Gather", eb_attr_int(n, "axis", 0), data->rank, NULL, axis, err);
}

/* Checks every index against a dim of length dim. */
static eb_status check_indices(const eb_tensor *idx, int64_t dim, eb_err *err)
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
    if ((st = get_axis(n, data, &axis, err)) != EB_OK)
        return st;
    int rank = data->rank - 1 + idx->rank;
    if (rank > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "Gather: output rank %d exceeds the supported %d", rank, EB_MAX_RANK);
    if (idx->data && (st = check_indices(idx, data->shape[axis], err)) != EB_OK)
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

eb_status eb_ref_gather(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *data = in[0], *idx = in[1];
    eb_tensor *y = out[0];
    int axis;
    eb_status st = get_axis(n, data, &axis, err);
    if (st != EB_OK)
        return st;
    int64_t dim = data->shape[axis];
    /* run-time indices were not seen by the shape rule */
    if ((st = check_indices(idx, dim, err)) != EB_OK)
        return st;
    if (eb_tensor_numel(y) == 0)
        return EB_OK; /* also keeps the products below away from zero-size dims */
    int64_t outer = eb_dims_product(data->shape, axis), count = eb_tensor_numel(idx);
    int64_t inner = eb_dims_product(data->shape + axis + 1, data->rank - axis - 1);
    size_t chunk = (size_t)inner * eb_dtypes[data->dtype].size;
    const char *src = data->data;
    char *dst = y->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < count; j++) {
            int64_t v = eb_dtype_get_i64(idx->dtype, idx->data, j);
            if (v < 0)
                v += dim;
            memcpy(dst + (size_t)(o * count + j) * chunk, src + (size_t)(o * dim + v) * chunk, chunk);
        }
    return EB_OK;
}
