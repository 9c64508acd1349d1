/* ref_shape.c - Shape and Size: facts about the input's shape, as i64.
 *
 * Shape gives the dims (from opset 15 only those in [start, end), the
 * bounds counted from the end when negative and clamped to [0, rank]);
 * Size gives the element count as a scalar.  Neither reads the input's
 * data, which need not exist: shape inference folds these nodes whenever
 * the input's shape is known, so any dtype is accepted. */
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

static int64_t clamp_bound(int64_t v, int rank)
{
    if (v < 0)
        v += rank; /* cannot overflow: rank >= 0 */
    return v < 0 ? 0 : v > rank ? rank : v;
}

/* The [start, end) range of dims Shape reports. */
static void shape_range(const eb_node *n, int rank, int64_t *start, int64_t *end)
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
    shape_range(n, x->rank, &start, &end);
    y->rank = 1;
    y->shape[0] = end - start;
    return EB_OK;
}

eb_status eb_ref_shape(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    int64_t *dst = out[0]->data;
    if (n->op == EB_OP_SIZE) {
        dst[0] = eb_tensor_numel(x);
        return EB_OK;
    }
    int64_t start, end;
    shape_range(n, x->rank, &start, &end);
    for (int64_t d = start; d < end; d++)
        dst[d - start] = x->shape[d];
    return EB_OK;
}
