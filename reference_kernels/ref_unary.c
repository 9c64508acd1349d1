/* ref_unary.c - elementwise ops of one tensor: activations (Relu,
 * LeakyRelu, Clip, Sigmoid, HardSigmoid, HardSwish, Tanh, Erf, Gelu,
 * Softplus, Elu, Selu, Softsign, Celu, ThresholdedRelu, Shrink), math
 * (Sqrt, Neg, Abs, Exp, Log, Reciprocal, Floor, Ceil, Round, Sign, Sin,
 * Cos, Tan, the inverse and hyperbolic Acos, Acosh, Asin, Asinh, Atan,
 * Atanh, Cosh, Sinh), the tests IsInf and IsNaN (bool out) and the logical
 * Not.
 *
 * Float inputs (f16, f32, f64) are computed in double with C's libm (erf,
 * tanh, ...) and rounded once to the output type, which makes the f32
 * results at least as accurate as float libm.  Relu and Neg also take
 * signed integers, Abs, Sign and Clip every integer type; integer Neg and
 * Abs wrap (-INT_MIN is INT_MIN, as in two's complement).  Shrink takes
 * every numeric type: integers are computed in double (lambd and bias are
 * floats) and truncated back, as a Cast would.  IsInf (detect_positive,
 * detect_negative, both 1 by default) and IsNaN take float types.  Not
 * takes bool.
 *
 * NaN passes through every op whose ONNX reference propagates it (Relu,
 * Clip, HardSigmoid, Sign, ...).  Round is half-to-even (nearbyint in the
 * default rounding mode).  Softplus and Sigmoid use forms that neither
 * overflow nor lose small results; Elu and Selu use expm1.
 *
 * Clip's bounds are the attributes min/max before opset 11 (default:
 * -FLT_MAX/FLT_MAX, the ONNX defaults) and optional scalar inputs from 11;
 * those inputs are read at run time, so they need not be constants.  With
 * min > max every element becomes max (ONNX's rule: min(max(x, lo), hi)). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* Attributes of the parametrised activations, with ONNX's defaults. */
typedef struct unary_params {
    double alpha, beta, gamma;
    double lambd, bias; /* Shrink */
    bool gelu_tanh;
} unary_params;

static void read_params(const eb_node *n, unary_params *p)
{
    double alpha = 0, beta = 0, gamma = 0;
    switch (n->op) {
    case EB_OP_LEAKY_RELU: alpha = 0.01f; break;
    case EB_OP_HARD_SIGMOID: alpha = 0.2f, beta = 0.5f; break;
    case EB_OP_ELU:
    case EB_OP_CELU:
    case EB_OP_THRESHOLDED_RELU: alpha = 1.0f; break;
    case EB_OP_SELU: alpha = 1.67326319217681884765625f, gamma = 1.05070102214813232421875f; break;
    default: break;
    }
    p->alpha = eb_attr_float(n, "alpha", (float)alpha);
    p->beta = eb_attr_float(n, "beta", (float)beta);
    p->gamma = eb_attr_float(n, "gamma", (float)gamma);
    p->gelu_tanh = strcmp(eb_attr_string(n, "approximate", "none"), "tanh") == 0;
    p->lambd = eb_attr_float(n, "lambd", 0.5f);
    p->bias = eb_attr_float(n, "bias", 0.0f);
}

/* sqrt(2/pi), for Gelu's tanh form (M_PI is not C11) */
static const double SQRT_2_OVER_PI = 0.79788456080286535588;

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v; /* NaN passes */
}

static double float_unary(eb_op op, double x, const unary_params *p)
{
    switch (op) {
    case EB_OP_RELU: return x < 0 ? 0 : x;
    case EB_OP_LEAKY_RELU: return x < 0 ? p->alpha * x : x;
    case EB_OP_SIGMOID: return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x));
    case EB_OP_HARD_SIGMOID: return clamp01(p->alpha * x + p->beta);
    case EB_OP_HARD_SWISH: return x * clamp01(x / 6 + 0.5);
    case EB_OP_TANH: return tanh(x);
    case EB_OP_ERF: return erf(x);
    case EB_OP_GELU:
        if (p->gelu_tanh)
            return 0.5 * x * (1 + tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
        return 0.5 * x * (1 + erf(x / sqrt(2.0)));
    case EB_OP_SQRT: return sqrt(x);
    case EB_OP_NEG: return -x;
    case EB_OP_ABS: return fabs(x);
    case EB_OP_EXP: return exp(x);
    case EB_OP_LOG: return log(x);
    case EB_OP_RECIPROCAL: return 1 / x;
    case EB_OP_FLOOR: return floor(x);
    case EB_OP_CEIL: return ceil(x);
    case EB_OP_ROUND: return nearbyint(x);
    case EB_OP_SIGN: return x > 0 ? 1 : x < 0 ? -1 : x; /* keeps 0 and NaN */
    case EB_OP_SIN: return sin(x);
    case EB_OP_COS: return cos(x);
    case EB_OP_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    case EB_OP_ELU: return x < 0 ? p->alpha * expm1(x) : x;
    case EB_OP_SELU: return x <= 0 ? p->gamma * p->alpha * expm1(x) : p->gamma * x;
    case EB_OP_ACOS: return acos(x);
    case EB_OP_ACOSH: return acosh(x);
    case EB_OP_ASIN: return asin(x);
    case EB_OP_ASINH: return asinh(x);
    case EB_OP_ATAN: return atan(x);
    case EB_OP_ATANH: return atanh(x);
    case EB_OP_COSH: return cosh(x);
    case EB_OP_SINH: return sinh(x);
    case EB_OP_TAN: return tan(x);
    case EB_OP_SOFTSIGN: return x / (1 + fabs(x));
    case EB_OP_CELU: return x > 0 ? x : p->alpha * expm1(x / p->alpha); /* max(0,x) + min(0, a(e^(x/a) - 1)) */
    case EB_OP_THRESHOLDED_RELU: return x > p->alpha ? x : 0;
    case EB_OP_SHRINK: return x < -p->lambd ? x + p->bias : x > p->lambd ? x - p->bias : 0;
    default: return 0;
    }
}

static int64_t signed_unary(eb_op op, int64_t x)
{
    switch (op) {
    case EB_OP_RELU: return x < 0 ? 0 : x;
    case EB_OP_NEG: return eb_wrap_i64(0 - (uint64_t)x);
    case EB_OP_ABS: return x < 0 ? eb_wrap_i64(0 - (uint64_t)x) : x;
    case EB_OP_SIGN: return (x > 0) - (x < 0);
    default: return 0;
    }
}

/* Unsigned values: Abs and Relu are the identity, Sign is 0 or 1. */
static uint64_t unsigned_unary(eb_op op, uint64_t x)
{
    return op == EB_OP_SIGN ? x != 0 : x;
}

static void clip_apply(const eb_node *n, const eb_tensor *const *in, eb_tensor *y)
{
    const eb_tensor *x = in[0];
    const eb_tensor *lo = n->opset >= 11 ? eb_opt_in(n, in, 1) : NULL;
    const eb_tensor *hi = n->opset >= 11 ? eb_opt_in(n, in, 2) : NULL;
    int64_t count = eb_tensor_numel(x);
    switch (eb_num_kind_of(x->dtype)) {
    case EB_NUM_FLOAT: {
        double l = -INFINITY, h = INFINITY;
        if (n->opset < 11) {
            l = eb_attr_float(n, "min", -FLT_MAX);
            h = eb_attr_float(n, "max", FLT_MAX);
        }
        if (lo)
            l = eb_dtype_get_f64(lo->dtype, lo->data, 0);
        if (hi)
            h = eb_dtype_get_f64(hi->dtype, hi->data, 0);
        for (int64_t i = 0; i < count; i++) {
            double v = eb_dtype_get_f64(x->dtype, x->data, i);
            v = v < l ? l : v;
            v = v > h ? h : v;
            eb_dtype_set_f64(y->dtype, y->data, i, v);
        }
        return;
    }
    case EB_NUM_SIGNED: {
        int64_t l = lo ? eb_dtype_get_i64(lo->dtype, lo->data, 0) : INT64_MIN;
        int64_t h = hi ? eb_dtype_get_i64(hi->dtype, hi->data, 0) : INT64_MAX;
        for (int64_t i = 0; i < count; i++) {
            int64_t v = eb_dtype_get_i64(x->dtype, x->data, i);
            v = v < l ? l : v;
            v = v > h ? h : v;
            eb_dtype_set_i64(y->dtype, y->data, i, v);
        }
        return;
    }
    case EB_NUM_UNSIGNED: {
        uint64_t l = lo ? eb_dtype_get_u64(lo->dtype, lo->data, 0) : 0;
        uint64_t h = hi ? eb_dtype_get_u64(hi->dtype, hi->data, 0) : UINT64_MAX;
        for (int64_t i = 0; i < count; i++) {
            uint64_t v = eb_dtype_get_u64(x->dtype, x->data, i);
            v = v < l ? l : v;
            v = v > h ? h : v;
            eb_dtype_set_u64(y->dtype, y->data, i, v);
        }
        return;
    }
    }
}

eb_status eb_ref_unary(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    int64_t count = eb_tensor_numel(x);
    if (n->op == EB_OP_NOT) {
        const uint8_t *px = x->data;
        uint8_t *py = y->data;
        for (int64_t i = 0; i < count; i++)
            py[i] = !px[i];
        return EB_OK;
    }
    if (n->op == EB_OP_CLIP) {
        clip_apply(n, in, y);
        return EB_OK;
    }
    if (n->op == EB_OP_IS_INF || n->op == EB_OP_IS_NAN) {
        bool pos = eb_attr_int(n, "detect_positive", 1) != 0, neg = eb_attr_int(n, "detect_negative", 1) != 0;
        uint8_t *py = y->data;
        for (int64_t i = 0; i < count; i++) {
            double v = eb_dtype_get_f64(x->dtype, x->data, i);
            py[i] = n->op == EB_OP_IS_NAN ? isnan(v) : isinf(v) && (v > 0 ? pos : neg);
        }
        return EB_OK;
    }
    unary_params p;
    read_params(n, &p);
    if (n->op == EB_OP_SHRINK) { /* every numeric type, through double (see the file comment) */
        for (int64_t i = 0; i < count; i++)
            eb_dtype_set_f64(y->dtype, y->data, i, float_unary(n->op, eb_dtype_get_f64(x->dtype, x->data, i), &p));
        return EB_OK;
    }
    switch (eb_num_kind_of(x->dtype)) {
    case EB_NUM_FLOAT:
        for (int64_t i = 0; i < count; i++)
            eb_dtype_set_f64(y->dtype, y->data, i, float_unary(n->op, eb_dtype_get_f64(x->dtype, x->data, i), &p));
        break;
    case EB_NUM_SIGNED:
        for (int64_t i = 0; i < count; i++)
            eb_dtype_set_i64(y->dtype, y->data, i, signed_unary(n->op, eb_dtype_get_i64(x->dtype, x->data, i)));
        break;
    case EB_NUM_UNSIGNED:
        for (int64_t i = 0; i < count; i++)
            eb_dtype_set_u64(y->dtype, y->data, i, unsigned_unary(n->op, eb_dtype_get_u64(x->dtype, x->data, i)));
        break;
    }
    return EB_OK;
}
