/* ref_concat.c - Concat: joins any number of tensors along one axis.
 *
 * All inputs share dtype and rank and agree on every dim but `axis` (which
 * may be negative, and is 1 by default in opset 1); zero-size inputs simply
 * contribute nothing.  Seen as [outer, axis dim * inner], each output row is
 * the inputs' rows one after the other, copied as bytes, so the op is
 * dtype-agnostic (packed i4 is refused). */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_concat(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_tensor *y = out[0];
    int axis;
    eb_norm_axis(eb_attr_int(n, "axis", 1), y->rank, &axis);
    /* with no zero dim in the output, no product of its dims overflows */
    if (eb_tensor_numel(y) == 0)
        return EB_OK;
    size_t size = eb_dtypes[y->dtype].size;
    int64_t outer = eb_dims_product(y->shape, axis);
    int64_t inner = eb_dims_product(y->shape + axis + 1, y->rank - axis - 1);
    size_t row = (size_t)(y->shape[axis] * inner) * size;
    char *dst = y->data;
    size_t at = 0; /* byte position of the current input's slice within a row */
    for (int k = 0; k < n->n_in; k++) {
        size_t part = (size_t)(in[k]->shape[axis] * inner) * size;
        const char *src = in[k]->data;
        for (int64_t o = 0; o < outer && part > 0; o++)
            memcpy(dst + (size_t)o * row + at, src + (size_t)o * part, part);
        at += part;
    }
    return EB_OK;
}
