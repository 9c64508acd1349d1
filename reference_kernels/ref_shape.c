/* ref_shape.c - Shape and Size: facts about the input's shape, as i64.
 *
 * Shape gives the dims (from opset 15 only those in [start, end), the
 * bounds counted from the end when negative and clamped to [0, rank]);
 * Size gives the element count as a scalar.  Neither reads the input's
 * data, which need not exist: shape inference folds these nodes whenever
 * the input's shape is known, so any dtype is accepted. */
#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_shape(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    int64_t *dst = out[0]->data;
    if (n->op == EB_OP_SIZE) {
        dst[0] = eb_tensor_numel(x);
        return EB_OK;
    }
    int64_t start, end;
    eb_shape_dims_range(n, x->rank, &start, &end);
    for (int64_t d = start; d < end; d++)
        dst[d - start] = x->shape[d];
    return EB_OK;
}
