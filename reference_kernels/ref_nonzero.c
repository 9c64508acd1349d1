/* ref_nonzero.c - NonZero (opsets 9-13): the indices of the non-zero
 * elements of X (NaN counts as non-zero; bool true), as i64 [rank, count]
 * in row-major order of the elements, numpy's nonzero stacked.
 *
 * The shape rule sized the output from the values it saw at load time; if
 * the values at run time have another count (an input bound for inference
 * and then fed differently), the kernel refuses rather than truncate. */
#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_nonzero(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    (void)n;
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    int64_t count = y->shape[1], found = eb_nonzero_count(x);
    if (found != count)
        return eb_errf(err, EB_EINVAL,
                       "NonZero: the input has %lld non-zero elements, but its output was sized for %lld at load "
                       "time (the input's values changed after shape inference)",
                       (long long)found, (long long)count);
    int64_t total = eb_tensor_numel(x), pos[EB_MAX_RANK] = {0}, j = 0;
    int64_t *py = y->data;
    for (int64_t i = 0; i < total; i++, eb_next_index(pos, x->shape, x->rank)) {
        if (!eb_nonzero_at(x, i))
            continue;
        for (int d = 0; d < x->rank; d++)
            py[d * count + j] = pos[d];
        j++;
    }
    return EB_OK;
}
