/* shape_unary.c - the shape rules of the elementwise ops of one tensor: activations, math
 * functions, the tests IsInf and IsNaN (bool outputs) and the logical Not.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_unary.c) trust what
 * the rule accepted. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "models/op_params.h"

/* The dtypes each op accepts beyond f16/f32/f64. */
typedef enum int_support { INTS_NONE, INTS_SIGNED, INTS_ALL } int_support;

static int_support ints_of(eb_op op)
{
    switch (op) {
    case EB_OP_RELU:
    case EB_OP_NEG: return INTS_SIGNED;
    case EB_OP_ABS:
    case EB_OP_SIGN:
    case EB_OP_SHRINK:
    case EB_OP_CLIP: return INTS_ALL;
    default: return INTS_NONE;
    }
}

/* Clip's bound inputs (opset 11 on): present, same dtype, one element. */
static eb_status check_clip_bounds(const eb_node *n, const eb_tensor *const *in, eb_err *err)
{
    static const char *const names[3] = {"input", "min", "max"};
    if (n->opset < 11)
        return EB_OK;
    for (int k = 1; k < n->n_in && k < 3; k++) {
        const eb_tensor *b = in[k];
        if (!b)
            continue;
        char s1[128];
        if (b->dtype != in[0]->dtype)
            return eb_errf(err, EB_EINVAL, "Clip: %s has dtype %s, input has %s", names[k], eb_dtype_name(b->dtype),
                           eb_dtype_name(in[0]->dtype));
        if (eb_tensor_numel(b) != 1)
            return eb_errf(err, EB_EINVAL, "Clip: %s is %s, expected a scalar", names[k],
                           eb_tensor_describe(b, s1, sizeof s1));
    }
    return EB_OK;
}

eb_status eb_shape_unary(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    if (!x)
        return eb_errf(err, EB_EINVAL, "%s: input is missing", n->op_type);
    eb_dtype dt = x->dtype;
    if (n->op == EB_OP_NOT) {
        if (dt != EB_DT_BOOL)
            return eb_errf(err, EB_EINVAL, "Not: input has dtype %s, expected bool", eb_dtype_name(dt));
    } else {
        bool is_float = dt == EB_DT_F32 || dt == EB_DT_F64 || dt == EB_DT_F16;
        bool is_int = eb_is_numeric(dt) && !eb_dtypes[dt].is_float;
        int_support ints = ints_of(n->op);
        bool ok = is_float || (is_int && (ints == INTS_ALL || (ints == INTS_SIGNED && eb_dtypes[dt].is_signed)));
        if (n->op == EB_OP_CLIP && n->opset < 11 && !is_float)
            ok = false;
        if (!ok)
            return eb_errf(err, EB_EUNSUPPORTED, "%s: input has dtype %s, supported: f16/f32/f64%s", n->op_type,
                           eb_dtype_name(dt),
                           ints == INTS_ALL ? " and integers" : ints == INTS_SIGNED ? " and signed integers" : "");
    }
    if (n->op == EB_OP_CLIP) {
        eb_status st = check_clip_bounds(n, in, err);
        if (st != EB_OK)
            return st;
    }
    if (n->op == EB_OP_GELU) {
        const char *approx = eb_attr_string(n, "approximate", "none");
        if (strcmp(approx, "none") != 0 && strcmp(approx, "tanh") != 0)
            return eb_errf(err, EB_EINVAL, "Gelu: approximate '%s', expected 'none' or 'tanh'", approx);
    }
    eb_tensor_copy_meta(out[0], x);
    if (n->op == EB_OP_IS_INF || n->op == EB_OP_IS_NAN)
        out[0]->dtype = EB_DT_BOOL;
    return EB_OK;
}
