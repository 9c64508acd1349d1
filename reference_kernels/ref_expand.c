/* ref_expand.c - Expand and Tile: tensors made larger by repetition.
 *
 * Expand broadcasts the input against a target shape both ways (numpy
 * rules: a target dim of 1 keeps the input's dim), Tile repeats the input
 * repeats[d] times along each dim d.  The target shape and the repeats are
 * inputs that must be known at load time, since they fix the output shape;
 * they are checked for negative values and for overflow.  Elements are
 * copied as bytes, so both ops are dtype-agnostic (packed i4 is refused). */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_expand(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    int64_t count = eb_tensor_numel(y);
    if (count == 0)
        return EB_OK;
    size_t size = eb_dtypes[x->dtype].size;
    int64_t strides[EB_MAX_RANK];
    eb_broadcast_strides(x, y, strides);
    const char *src = x->data;
    char *dst = y->data;
    for (int64_t i = 0; i < count; i++)
        memcpy(dst + (size_t)i * size, src + (size_t)eb_broadcast_offset(y, strides, i) * size, size);
    return EB_OK;
}

eb_status eb_ref_tile(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    int64_t count = eb_tensor_numel(y);
    if (count == 0)
        return EB_OK; /* otherwise every input dim is non-zero */
    int rank = x->rank;
    size_t size = eb_dtypes[x->dtype].size;
    int64_t stride[EB_MAX_RANK];
    eb_row_major_strides(x, stride);
    const char *src = x->data;
    char *dst = y->data;
    for (int64_t i = 0; i < count; i++) {
        int64_t rem = i, off = 0;
        for (int d = rank - 1; d >= 0; d--) {
            off += (rem % y->shape[d]) % x->shape[d] * stride[d];
            rem /= y->shape[d];
        }
        memcpy(dst + (size_t)i * size, src + (size_t)off * size, size);
    }
    return EB_OK;
}
