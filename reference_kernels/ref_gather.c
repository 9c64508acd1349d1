/* ref_gather.c - Gather: picks slices of `data` along `axis` by index.
 *
 * out[a.., j.., b..] = data[a.., indices[j..], b..]; the output shape is
 * data.shape[:axis] + indices.shape + data.shape[axis+1:].  Indices are i32
 * or i64 and may be negative (counting from the end).  An index out of range
 * is an error: in the shape rule when the indices are constant, and always
 * in the kernel before anything is read.  Slices are copied as bytes, so
 * any data dtype of whole bytes works (packed i4 is refused). */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_gather(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *data = in[0], *idx = in[1];
    eb_tensor *y = out[0];
    int axis;
    eb_status st = eb_gather_axis(n, data, &axis, err);
    if (st != EB_OK)
        return st;
    int64_t dim = data->shape[axis];
    /* run-time indices were not seen by the shape rule */
    if ((st = eb_gather_check_indices(idx, dim, err)) != EB_OK)
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
