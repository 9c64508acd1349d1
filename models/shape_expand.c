/* shape_expand.c - the shape rules of Expand and Tile: tensors made larger by repetition.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_expand.c) trust what
 * the rule accepted. */
#include <string.h>

#include "models/op_params.h"

/* ---- Expand ------------------------------------------------------------- */

eb_status eb_shape_expand(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Expand", x, err);
    if (st != EB_OK)
        return st;
    if (!in[1])
        return eb_errf(err, EB_EINVAL, "Expand: input 'shape' is missing");
    int64_t dims[EB_MAX_PARAMS];
    int count;
    if ((st = eb_read_ints(in[1], dims, EB_MAX_PARAMS, &count, "Expand", "shape", err)) != EB_OK)
        return st;
    if (count > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "Expand: target rank %d exceeds the supported %d", count, EB_MAX_RANK);
    eb_tensor target = {.dtype = x->dtype, .rank = count};
    for (int d = 0; d < count; d++) {
        if (dims[d] < 0)
            return eb_errf(err, EB_EINVAL, "Expand: target dim %d is %lld", d, (long long)dims[d]);
        target.shape[d] = dims[d];
    }
    const eb_tensor *both[2] = {x, &target};
    eb_tensor *y = out[0];
    if ((st = eb_broadcast_shapes("Expand", both, 2, y, err)) != EB_OK)
        return st;
    y->dtype = x->dtype;
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "Expand: output size overflows");
    return EB_OK;
}

/* ---- Tile --------------------------------------------------------------- */

eb_status eb_shape_tile(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Tile", x, err);
    if (st != EB_OK)
        return st;
    if (!in[1])
        return eb_errf(err, EB_EINVAL, "Tile: input 'repeats' is missing");
    int64_t reps[EB_MAX_PARAMS];
    int count;
    if ((st = eb_read_ints(in[1], reps, EB_MAX_PARAMS, &count, "Tile", "repeats", err)) != EB_OK)
        return st;
    if (count != x->rank)
        return eb_errf(err, EB_EINVAL, "Tile: %d repeats for an input of rank %d", count, x->rank);
    eb_tensor *y = out[0];
    eb_tensor_copy_meta(y, x);
    for (int d = 0; d < x->rank; d++) {
        if (reps[d] < 0)
            return eb_errf(err, EB_EINVAL, "Tile: repeat %d is %lld", d, (long long)reps[d]);
        if (reps[d] != 0 && x->shape[d] > INT64_MAX / reps[d])
            return eb_errf(err, EB_EINVAL, "Tile: output dim %d overflows", d);
        y->shape[d] = x->shape[d] * reps[d];
    }
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "Tile: output size overflows");
    return EB_OK;
}
