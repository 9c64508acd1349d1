/* shape_transpose.c - the shape rule of Transpose: output dim d is input dim perm[d].
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_transpose.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <string.h>

#include "models/op_params.h"

/* Fills perm[0..rank) from the attribute, or reversed when absent. */
eb_status eb_transpose_perm(const eb_node *n, int rank, int perm[EB_MAX_RANK], eb_err *err)
{
    const int64_t *vals;
    int count = eb_attr_ints(n, "perm", &vals);
    if (count < 0) {
        for (int d = 0; d < rank; d++)
            perm[d] = rank - 1 - d;
        return EB_OK;
    }
    if (count != rank)
        return eb_errf(err, EB_EINVAL, "Transpose: perm has %d values for an input of rank %d", count, rank);
    bool seen[EB_MAX_RANK] = {false};
    for (int d = 0; d < rank; d++) {
        /* ONNX does not allow negative perm entries */
        if (vals[d] < 0 || vals[d] >= rank || seen[vals[d]])
            return eb_errf(err, EB_EINVAL, "Transpose: perm is not a permutation of 0..%d", rank - 1);
        seen[vals[d]] = true;
        perm[d] = (int)vals[d];
    }
    return EB_OK;
}

eb_status eb_shape_transpose(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Transpose", x, err);
    if (st != EB_OK)
        return st;
    int perm[EB_MAX_RANK];
    if ((st = eb_transpose_perm(n, x->rank, perm, err)) != EB_OK)
        return st;
    eb_tensor *y = out[0];
    y->dtype = x->dtype;
    y->rank = x->rank;
    for (int d = 0; d < x->rank; d++)
        y->shape[d] = x->shape[perm[d]];
    return EB_OK;
}
