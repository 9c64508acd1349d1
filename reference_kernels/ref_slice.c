/* ref_slice.c - Slice: takes start:end:step along chosen axes.
 *
 * starts/ends/axes/steps are inputs from opset 10 (and must be known at
 * load time, since they fix the output shape) and attributes in opset 1-9.
 * Indices follow the ONNX rules: negative values count from the end, then
 * starts and ends are clamped to [0, dim] for positive steps and to
 * [0, dim-1] / [-1, dim-1] for negative ones, so INT64_MAX / INT64_MIN mean
 * "to the end".  Elements are copied as bytes, so the op is dtype-agnostic
 * (packed i4 is refused). */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_slice(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    int64_t total = eb_tensor_numel(y);
    if (total == 0)
        return EB_OK; /* also keeps the stride products below away from zero-size inputs */
    int64_t first[EB_MAX_RANK], step[EB_MAX_RANK], count[EB_MAX_RANK];
    eb_status st = eb_slice_params(n, in, x, first, step, count, err);
    if (st != EB_OK)
        return st;
    int rank = x->rank;
    size_t size = eb_dtypes[x->dtype].size;
    int64_t stride[EB_MAX_RANK];
    eb_row_major_strides(x, stride);
    const char *src = x->data;
    char *dst = y->data;
    for (int64_t i = 0; i < total; i++) {
        int64_t rem = i, off = 0;
        for (int d = rank - 1; d >= 0; d--) {
            off += (first[d] + (rem % y->shape[d]) * step[d]) * stride[d];
            rem /= y->shape[d];
        }
        memcpy(dst + (size_t)i * size, src + (size_t)off * size, size);
    }
    return EB_OK;
}
