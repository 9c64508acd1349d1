/* shape_binary.c - the shape rules of the elementwise ops on broadcast inputs: arithmetic
 * (with Mod and BitShift), comparisons and logic, and the variadic Min, Max, Sum and Mean.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_binary.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <math.h>
#include <string.h>

#include "models/op_params.h"

/* B as the op sees it: before opset 7, broadcast=1 with an explicit `axis`
 * places B's dims at A's dims [axis, axis + rank(B)). */
eb_status eb_binary_operand_b(const eb_node *n, const eb_tensor *a, const eb_tensor *b, eb_tensor *view,
                              const eb_tensor **res, eb_err *err)
{
    *res = b;
    if (n->opset >= 7 || eb_attr_int(n, "broadcast", 0) == 0 || !eb_node_attr(n, "axis"))
        return EB_OK;
    int64_t axis = eb_attr_int(n, "axis", 0);
    if (axis < 0)
        axis += a->rank;
    if (axis < 0 || axis + b->rank > a->rank) {
        char s1[128], s2[128];
        return eb_errf(err, EB_EINVAL, "%s: axis %lld cannot place B %s inside A %s", n->op_type,
                       (long long)eb_attr_int(n, "axis", 0), eb_tensor_describe(b, s1, sizeof s1),
                       eb_tensor_describe(a, s2, sizeof s2));
    }
    *view = *b;
    view->rank = a->rank;
    for (int d = 0; d < a->rank; d++)
        view->shape[d] = d >= axis && d < axis + b->rank ? b->shape[d - axis] : 1;
    *res = view;
    return EB_OK;
}

/* Broadcast output shape of a two-input op, including the legacy rule. */
static eb_status binary_shape(const eb_node *n, const eb_tensor *a, const eb_tensor *b, eb_tensor *y,
                              eb_err *err)
{
    eb_tensor view;
    const eb_tensor *bv;
    eb_status st = eb_binary_operand_b(n, a, b, &view, &bv, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *ts[2] = {a, bv};
    if ((st = eb_broadcast_shapes(n->op_type, ts, 2, y, err)) != EB_OK)
        return st;
    if (n->opset < 7 && eb_attr_int(n, "broadcast", 0) != 0 && !eb_tensor_same_shape(y, a)) {
        char s1[128], s2[128];
        return eb_errf(err, EB_EINVAL, "%s: B %s does not broadcast to A %s (opset %d broadcasts B only)",
                       n->op_type, eb_tensor_describe(b, s1, sizeof s1), eb_tensor_describe(a, s2, sizeof s2),
                       n->opset);
    }
    return EB_OK;
}

/* Mod's fmod (0 or 1; 1 for float types, as ONNX requires) and BitShift's
 * direction (LEFT or RIGHT; unsigned integers only). */
static eb_status check_mod_shift(const eb_node *n, eb_dtype dt, eb_err *err)
{
    if (n->op == EB_OP_MOD) {
        int64_t fmod = eb_attr_int(n, "fmod", 0);
        if (fmod != 0 && fmod != 1)
            return eb_errf(err, EB_EINVAL, "Mod: fmod=%lld, expected 0 or 1", (long long)fmod);
        if (eb_dtypes[dt].is_float && fmod != 1)
            return eb_errf(err, EB_EINVAL, "Mod: input dtype %s needs fmod=1 (ONNX defines fmod=0 for integers only)",
                           eb_dtype_name(dt));
    } else if (n->op == EB_OP_BIT_SHIFT) {
        const char *dir = eb_attr_string(n, "direction", "");
        if (strcmp(dir, "LEFT") != 0 && strcmp(dir, "RIGHT") != 0)
            return eb_errf(err, EB_EINVAL, "BitShift: direction '%s', expected 'LEFT' or 'RIGHT'", dir);
        if (eb_dtypes[dt].is_float || eb_dtypes[dt].is_signed || dt == EB_DT_BOOL)
            return eb_errf(err, EB_EINVAL, "BitShift: inputs have dtype %s, expected an unsigned integer type",
                           eb_dtype_name(dt));
    }
    return EB_OK;
}

eb_status eb_shape_binary(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs(n->op_type, in, 2, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *a = in[0], *b = in[1];
    if (!eb_is_numeric(a->dtype) || !eb_is_numeric(b->dtype))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: inputs have dtypes %s and %s, supported: numeric types but i4",
                       n->op_type, eb_dtype_name(a->dtype), eb_dtype_name(b->dtype));
    if (n->op != EB_OP_POW && a->dtype != b->dtype)
        return eb_errf(err, EB_EINVAL, "%s: inputs have dtypes %s and %s, expected the same", n->op_type,
                       eb_dtype_name(a->dtype), eb_dtype_name(b->dtype));
    if ((st = check_mod_shift(n, a->dtype, err)) != EB_OK || (st = binary_shape(n, a, b, out[0], err)) != EB_OK)
        return st;
    out[0]->dtype = a->dtype;
    return EB_OK;
}

/* ---- comparisons and logic ---------------------------------------------- */

static bool is_logic(eb_op op)
{
    return op == EB_OP_AND || op == EB_OP_OR || op == EB_OP_XOR;
}

eb_status eb_shape_compare(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs(n->op_type, in, 2, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *a = in[0], *b = in[1];
    if (is_logic(n->op)) {
        if (a->dtype != EB_DT_BOOL || b->dtype != EB_DT_BOOL)
            return eb_errf(err, EB_EINVAL, "%s: inputs have dtypes %s and %s, expected bool", n->op_type,
                           eb_dtype_name(a->dtype), eb_dtype_name(b->dtype));
    } else {
        bool ok = eb_is_numeric(a->dtype) || (n->op == EB_OP_EQUAL && a->dtype == EB_DT_BOOL);
        if (!ok)
            return eb_errf(err, EB_EUNSUPPORTED, "%s: input has dtype %s, supported: numeric types but i4%s",
                           n->op_type, eb_dtype_name(a->dtype), n->op == EB_OP_EQUAL ? ", bool" : "");
        if (a->dtype != b->dtype)
            return eb_errf(err, EB_EINVAL, "%s: inputs have dtypes %s and %s, expected the same", n->op_type,
                           eb_dtype_name(a->dtype), eb_dtype_name(b->dtype));
    }
    if ((st = binary_shape(n, a, b, out[0], err)) != EB_OK)
        return st;
    out[0]->dtype = EB_DT_BOOL;
    return EB_OK;
}

/* ---- variadic Min / Max / Sum / Mean ------------------------------------ */

eb_status eb_shape_variadic(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    if (n->n_in < 1)
        return eb_errf(err, EB_EINVAL, "%s: needs at least one input", n->op_type);
    eb_status st = eb_check_inputs(n->op_type, in, n->n_in, err);
    if (st != EB_OK)
        return st;
    eb_dtype dt = in[0]->dtype;
    bool float_only = n->op == EB_OP_SUM || n->op == EB_OP_MEAN;
    if (float_only ? !(eb_is_numeric(dt) && eb_dtypes[dt].is_float) : !eb_is_numeric(dt))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: input has dtype %s, supported: %s", n->op_type,
                       eb_dtype_name(dt), float_only ? "f16/f32/f64" : "numeric types but i4");
    for (int k = 1; k < n->n_in; k++)
        if (in[k]->dtype != dt)
            return eb_errf(err, EB_EINVAL, "%s: input %d has dtype %s, input 0 has %s", n->op_type, k,
                           eb_dtype_name(in[k]->dtype), eb_dtype_name(dt));
    if ((st = eb_broadcast_shapes(n->op_type, in, n->n_in, out[0], err)) != EB_OK)
        return st;
    out[0]->dtype = dt;
    return EB_OK;
}
