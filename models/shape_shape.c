/* shape_shape.c - the shape rules of Shape and Size: facts about the input's shape, as i64.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_shape.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include "models/op_params.h"

static int64_t clamp_bound(int64_t v, int rank)
{
    if (v < 0)
        v += rank; /* cannot overflow: rank >= 0 */
    return v < 0 ? 0 : v > rank ? rank : v;
}

/* The [start, end) range of dims Shape reports. */
void eb_shape_dims_range(const eb_node *n, int rank, int64_t *start, int64_t *end)
{
    *start = 0;
    *end = rank;
    if (n->opset >= 15) {
        *start = clamp_bound(eb_attr_int(n, "start", 0), rank);
        *end = clamp_bound(eb_attr_int(n, "end", rank), rank);
    }
    if (*end < *start)
        *end = *start;
}

eb_status eb_shape_shape(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    const char *op = n->op == EB_OP_SIZE ? "Size" : "Shape";
    if (!eb_valid_shape(x))
        return eb_errf(err, EB_EINVAL, "%s: input has an invalid shape", op);
    eb_tensor *y = out[0];
    y->dtype = EB_DT_I64;
    if (n->op == EB_OP_SIZE) {
        y->rank = 0;
        return EB_OK;
    }
    int64_t start, end;
    eb_shape_dims_range(n, x->rank, &start, &end);
    y->rank = 1;
    y->shape[0] = end - start;
    return EB_OK;
}
