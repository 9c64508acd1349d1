/* ref_transpose.c - Transpose: output dim d is input dim perm[d].
 *
 * `perm` defaults to reversing the dims.  The kernel walks the output in
 * order and computes each element's input offset from its coordinates;
 * elements are copied as bytes, so any dtype of whole bytes works (packed
 * i4 is refused). */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_transpose(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    int perm[EB_MAX_RANK];
    eb_status st = eb_transpose_perm(n, x->rank, perm, err);
    if (st != EB_OK)
        return st;
    int rank = x->rank;
    size_t size = eb_dtypes[x->dtype].size;
    int64_t in_stride[EB_MAX_RANK], stride[EB_MAX_RANK];
    eb_row_major_strides(x, in_stride);
    /* stride[d]: how far the input offset moves per step of output dim d */
    for (int d = 0; d < rank; d++)
        stride[d] = in_stride[perm[d]];
    const char *src = x->data;
    char *dst = y->data;
    int64_t count = eb_tensor_numel(y);
    for (int64_t i = 0; i < count; i++)
        memcpy(dst + (size_t)i * size, src + (size_t)eb_broadcast_offset(y, stride, i) * size, size);
    return EB_OK;
}
