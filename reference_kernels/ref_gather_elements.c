/* ref_gather_elements.c - GatherElements (opset 11; numpy's
 * take_along_axis): out[i] = data[i with its `axis` coordinate replaced by
 * indices[i]].
 *
 * The output has the indices' shape; indices have data's rank and, on every
 * dim but the axis, at most data's length.  Indices are i32 or i64 and may
 * be negative (counting from the end); one out of range is an error, in the
 * shape rule when they are constant and here before anything is read.
 * Elements are copied as bytes, so every dtype of whole bytes works. */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_gather_elements(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                 eb_err *err)
{
    const eb_tensor *data = in[0], *idx = in[1];
    int axis;
    eb_norm_axis(eb_attr_int(n, "axis", 0), data->rank, &axis);
    int64_t dim = data->shape[axis];
    eb_status st = eb_index_values_check("GatherElements", idx, dim, axis, err);
    if (st != EB_OK)
        return st;
    int64_t stride[EB_MAX_RANK], pos[EB_MAX_RANK] = {0};
    eb_row_major_strides(data, stride);
    size_t size = eb_dtypes[data->dtype].size;
    int64_t count = eb_tensor_numel(idx);
    const char *src = data->data;
    char *dst = out[0]->data;
    for (int64_t i = 0; i < count; i++, eb_next_index(pos, idx->shape, idx->rank)) {
        int64_t v = eb_dtype_get_i64(idx->dtype, idx->data, i), off = 0;
        for (int d = 0; d < data->rank; d++)
            off += (d == axis ? (v < 0 ? v + dim : v) : pos[d]) * stride[d];
        memcpy(dst + (size_t)i * size, src + (size_t)off * size, size);
    }
    return EB_OK;
}
