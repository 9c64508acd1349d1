/* ref_split.c - Split: cuts a tensor along `axis` into consecutive pieces.
 *
 * The piece sizes come from, in order: the `split` input (opset 13+, and
 * optionally opset 1), the `split` attribute (opset 1-12), or an equal cut
 * into as many pieces as the node has outputs; from opset 18 `num_outputs`
 * asks for ceil(dim / num_outputs)-sized pieces with a smaller last one.
 * Elements are copied as bytes, so the op is dtype-agnostic (packed i4 is
 * refused). */
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_split(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    /* with no zero dim in the input, no product of its dims overflows */
    if (eb_tensor_numel(x) == 0)
        return EB_OK;
    int axis;
    int64_t *sizes;
    eb_status st = eb_split_plan(n, in, x, &axis, &sizes, err);
    if (st != EB_OK)
        return st;
    size_t size = eb_dtypes[x->dtype].size;
    int64_t outer = eb_dims_product(x->shape, axis);
    int64_t inner = eb_dims_product(x->shape + axis + 1, x->rank - axis - 1);
    size_t row = (size_t)(x->shape[axis] * inner) * size;
    const char *src = x->data;
    size_t at = 0; /* byte position of piece k within an input row */
    for (int k = 0; k < n->n_out; k++) {
        size_t part = (size_t)(sizes[k] * inner) * size;
        if (out[k])
            for (int64_t o = 0; o < outer; o++)
                memcpy((char *)out[k]->data + (size_t)o * part, src + (size_t)o * row + at, part);
        at += part;
    }
    free(sizes);
    return EB_OK;
}
