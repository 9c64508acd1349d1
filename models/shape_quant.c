/* shape_quant.c - the shape rules of the ONNX quantization ops:
 * QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
 * ConvInteger, QLinearMatMul and QLinearConv (reference kernels in
 * reference_kernels/ref_quant_ops.c).
 *
 * Each rule checks what a node may take and sets its outputs' dtypes and
 * shapes; see eb_shape_fn in models/ops.h.  A quantization grid is a scale
 * (f32) and an optional zero point (u8 or i8, the quantized tensor's type)
 * holding one value (per tensor) or one value per index of an axis (per
 * axis, per channel, per row, per column).  Scales known at load time must
 * be positive and finite: a zero scale is a broken model, refused here
 * with its name rather than dividing by zero at run time. */
#include <math.h>
#include <string.h>

#include "models/op_params.h"

/* Checks a grid (scale and optional zero point) of `what` against count
 * values along the quantized axis (count 0: per tensor only).  zero_dt is
 * the dtype the zero point must have (EB_DT_UNDEFINED: u8 or i8). */
static eb_status check_grid(const eb_node *n, const char *what, const eb_tensor *scale, const eb_tensor *zero,
                            eb_dtype zero_dt, int64_t count, const char *along, eb_err *err)
{
    const char *op = n->op_type;
    char s1[128], s2[128];
    if (!scale)
        return eb_errf(err, EB_EINVAL, "%s: the scale of %s is missing", op, what);
    if (scale->dtype != EB_DT_F32)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: the scale of %s has dtype %s, supported: f32", op, what,
                       eb_dtype_name(scale->dtype));
    int64_t ns = eb_tensor_numel(scale);
    if (scale->rank > 1 || ns < 1 || (ns != 1 && ns != count))
        return count > 0 ? eb_errf(err, EB_EINVAL, "%s: the scale of %s is %s, expected a scalar or [%lld] (one per %s)",
                                   op, what, eb_tensor_describe(scale, s1, sizeof s1), (long long)count, along)
                         : eb_errf(err, EB_EINVAL, "%s: the scale of %s is %s, expected a scalar", op, what,
                                   eb_tensor_describe(scale, s1, sizeof s1));
    if (scale->data)
        for (int64_t i = 0; i < ns; i++) {
            float s = ((const float *)scale->data)[i];
            if (!(s > 0.0f) || !isfinite(s))
                return eb_errf(err, EB_EINVAL, "%s: the scale of %s is %g at %lld; a scale must be positive and finite",
                               op, what, (double)s, (long long)i);
        }
    if (!zero)
        return EB_OK;
    bool ok_dt = zero_dt == EB_DT_UNDEFINED ? (zero->dtype == EB_DT_U8 || zero->dtype == EB_DT_I8)
                                           : zero->dtype == zero_dt;
    if (!ok_dt)
        return eb_errf(err, EB_EINVAL, "%s: the zero point of %s has dtype %s, expected %s", op, what,
                       eb_dtype_name(zero->dtype), zero_dt == EB_DT_UNDEFINED ? "u8 or i8" : eb_dtype_name(zero_dt));
    if (zero->rank > 1 || eb_tensor_numel(zero) != ns)
        return eb_errf(err, EB_EINVAL, "%s: the zero point of %s is %s, its scale %s; they must have the same shape", op,
                       what, eb_tensor_describe(zero, s1, sizeof s1), eb_tensor_describe(scale, s2, sizeof s2));
    return EB_OK;
}

/* The length of QuantizeLinear's / DequantizeLinear's axis in x. */
static eb_status grid_axis(const eb_node *n, const eb_tensor *x, const eb_tensor *scale, int64_t *count, eb_err *err)
{
    *count = 0;
    if (!scale || eb_tensor_numel(scale) <= 1)
        return EB_OK; /* per tensor: the axis is not read */
    int axis;
    eb_status st = eb_check_axis(n->op_type, eb_attr_int(n, "axis", 1), x->rank, NULL, &axis, err);
    if (st == EB_OK)
        *count = x->shape[axis];
    return st;
}

static eb_status shape_like(const eb_tensor *x, eb_dtype dt, eb_tensor *y)
{
    y->dtype = dt;
    y->rank = x->rank;
    memcpy(y->shape, x->shape, sizeof(int64_t) * (size_t)x->rank);
    return EB_OK;
}

eb_status eb_shape_quantize_linear(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *scale = in[1], *zero = eb_opt_in(n, in, 2);
    if (eb_check_dtype(n->op_type, "input x", x, err, EB_DT_F32, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    int64_t count;
    eb_status st = grid_axis(n, x, scale, &count, err);
    if (st == EB_OK)
        st = check_grid(n, "y", scale, zero, EB_DT_UNDEFINED, count, "index of the axis", err);
    if (st != EB_OK)
        return st;
    return shape_like(x, zero ? zero->dtype : EB_DT_U8, out[0]);
}

/* Opset 21's blocked grid: the scale (and zero point) shaped like x with
 * the axis shrunk to ceil(size / block_size). */
static eb_status check_blocked(const eb_node *n, const eb_tensor *x, const eb_tensor *scale, const eb_tensor *zero,
                               int64_t block, eb_err *err)
{
    int axis;
    char s1[128], s2[128];
    eb_status st = eb_check_axis(n->op_type, eb_attr_int(n, "axis", 1), x->rank, NULL, &axis, err);
    if (st != EB_OK)
        return st;
    bool ok = scale && scale->dtype == EB_DT_F32 && scale->rank == x->rank;
    for (int d = 0; ok && d < x->rank; d++)
        ok = scale->shape[d] == (d == axis ? (x->shape[d] + block - 1) / block : x->shape[d]);
    if (!ok)
        return eb_errf(err, EB_EINVAL, "%s: block_size %lld along axis %d of x %s needs an f32 scale shaped like x with that axis "
                                       "divided by the block, got %s",
                       n->op_type, (long long)block, axis, eb_tensor_describe(x, s1, sizeof s1),
                       scale ? eb_tensor_describe(scale, s2, sizeof s2) : "none");
    if (zero && (zero->dtype != x->dtype || !eb_tensor_same_shape(zero, scale)))
        return eb_errf(err, EB_EINVAL, "%s: the zero point %s must have x's dtype and the scale's shape", n->op_type,
                       eb_tensor_describe(zero, s1, sizeof s1));
    for (int64_t i = 0; scale->data && i < eb_tensor_numel(scale); i++)
        if (!(((const float *)scale->data)[i] > 0.0f) || !isfinite(((const float *)scale->data)[i]))
            return eb_errf(err, EB_EINVAL, "%s: the scale of x is not positive and finite at %lld", n->op_type, (long long)i);
    return EB_OK;
}

eb_status eb_shape_dequantize_linear(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                     eb_err *err)
{
    const eb_tensor *x = in[0], *scale = in[1], *zero = eb_opt_in(n, in, 2);
    if (eb_check_dtype(n->op_type, "input x", x, err, EB_DT_U8, EB_DT_I8, EB_DT_I32, EB_DT_I4, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    int64_t block = eb_attr_int(n, "block_size", 0);
    if (block < 0)
        return eb_errf(err, EB_EINVAL, "%s: block_size %lld, expected >= 0", n->op_type, (long long)block);
    if (block > 0) {
        eb_status bs = check_blocked(n, x, scale, zero, block, err);
        return bs != EB_OK ? bs : shape_like(x, EB_DT_F32, out[0]);
    }
    int64_t count;
    eb_status st = grid_axis(n, x, scale, &count, err);
    if (st == EB_OK)
        st = check_grid(n, "x", scale, zero, x->dtype, count, "index of the axis", err);
    if (st != EB_OK)
        return st;
    return shape_like(x, EB_DT_F32, out[0]);
}

eb_status eb_shape_dynamic_quantize_linear(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                           eb_err *err)
{
    if (eb_check_dtype(n->op_type, "input x", in[0], err, EB_DT_F32, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    shape_like(in[0], EB_DT_U8, out[0]);
    if (eb_has_output(n, out, 1))
        out[1]->dtype = EB_DT_F32, out[1]->rank = 0;
    if (eb_has_output(n, out, 2))
        out[2]->dtype = EB_DT_U8, out[2]->rank = 0;
    return EB_OK;
}

static eb_status check_int8(const eb_node *n, const char *what, const eb_tensor *t, eb_err *err)
{
    return eb_check_dtype(n->op_type, what, t, err, EB_DT_U8, EB_DT_I8, EB_DT_UNDEFINED);
}

/* Rows of MatMul operand a (1 for a vector), columns of b. */
static int64_t mm_rows(const eb_tensor *a)
{
    return a->rank >= 2 ? a->shape[a->rank - 2] : 1;
}
static int64_t mm_cols(const eb_tensor *b)
{
    return b->rank >= 2 ? b->shape[b->rank - 1] : 1;
}

/* MatMul's shape rule on i32 stand-ins for a and b, output dtype dt. */
static eb_status matmul_shape(const eb_node *n, const eb_tensor *a, const eb_tensor *b, eb_dtype dt, eb_tensor *y,
                              eb_err *err)
{
    eb_tensor va = {0}, vb = {0};
    eb_tensor_copy_meta(&va, a);
    eb_tensor_copy_meta(&vb, b);
    va.dtype = vb.dtype = EB_DT_I32;
    const eb_tensor *args[2] = {&va, &vb};
    eb_tensor *res[1] = {y};
    eb_status st = eb_shape_matmul(n, args, res, err);
    y->dtype = dt;
    return st;
}

eb_status eb_shape_matmul_integer(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *a = in[0], *b = in[1];
    if (check_int8(n, "input A", a, err) != EB_OK || check_int8(n, "input B", b, err) != EB_OK)
        return EB_EUNSUPPORTED;
    eb_status st = matmul_shape(n, a, b, EB_DT_I32, out[0], err);
    if (st != EB_OK)
        return st;
    /* the zero points alone: check them against stand-in unit scales */
    eb_tensor one = {.dtype = EB_DT_F32};
    for (int k = 2; k < 4; k++) {
        const eb_tensor *z = eb_opt_in(n, in, k), *t = k == 2 ? a : b;
        if (!z)
            continue;
        one.rank = z->rank;
        memcpy(one.shape, z->shape, sizeof(int64_t) * (size_t)z->rank);
        st = check_grid(n, k == 2 ? "A" : "B", &one, z, t->dtype, k == 2 ? mm_rows(a) : mm_cols(b),
                        k == 2 ? "row of A" : "column of B", err);
        if (st != EB_OK)
            return st;
    }
    return EB_OK;
}

eb_status eb_shape_qlinear_matmul(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *a = in[0], *b = in[3];
    if (eb_check_inputs(n->op_type, in, 8, err) != EB_OK)
        return EB_EINVAL;
    if (check_int8(n, "input a", a, err) != EB_OK || check_int8(n, "input b", b, err) != EB_OK)
        return EB_EUNSUPPORTED;
    eb_status st = matmul_shape(n, a, b, in[7]->dtype, out[0], err);
    if (st == EB_OK)
        st = check_grid(n, "a", in[1], in[2], a->dtype, mm_rows(a), "row of a", err);
    if (st == EB_OK)
        st = check_grid(n, "b", in[4], in[5], b->dtype, mm_cols(b), "column of b", err);
    if (st == EB_OK)
        st = check_grid(n, "y", in[6], in[7], EB_DT_UNDEFINED, mm_rows(a), "row of y", err);
    return st;
}

/* Conv's geometry and output shape for the integer convolutions. */
static eb_status conv_shape(const eb_node *n, const eb_tensor *x, const eb_tensor *w, eb_dtype dt, eb_tensor *y,
                            eb_err *err)
{
    eb_window g;
    int64_t group;
    eb_status st = eb_conv_geometry(n, x, w, &g, &group, err);
    if (st == EB_OK)
        st = eb_window_output(n->op_type, x, w->shape[0], &g, y, err);
    y->dtype = dt;
    return st;
}

eb_status eb_shape_conv_integer(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[1];
    if (check_int8(n, "input x", x, err) != EB_OK || check_int8(n, "weight w", w, err) != EB_OK)
        return EB_EUNSUPPORTED;
    eb_status st = conv_shape(n, x, w, EB_DT_I32, out[0], err);
    eb_tensor one = {.dtype = EB_DT_F32};
    for (int k = 2; k < 4 && st == EB_OK; k++) {
        const eb_tensor *z = eb_opt_in(n, in, k);
        if (!z)
            continue;
        one.rank = z->rank;
        memcpy(one.shape, z->shape, sizeof(int64_t) * (size_t)z->rank);
        st = check_grid(n, k == 2 ? "x" : "w", &one, z, k == 2 ? x->dtype : w->dtype, k == 2 ? 0 : w->shape[0],
                        "output channel", err);
    }
    return st;
}

eb_status eb_shape_qlinear_conv(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[3], *b = eb_opt_in(n, in, 8);
    char s1[128];
    if (eb_check_inputs(n->op_type, in, 8, err) != EB_OK)
        return EB_EINVAL;
    if (check_int8(n, "input x", x, err) != EB_OK || check_int8(n, "weight w", w, err) != EB_OK)
        return EB_EUNSUPPORTED;
    eb_status st = conv_shape(n, x, w, in[7]->dtype, out[0], err);
    if (st == EB_OK)
        st = check_grid(n, "x", in[1], in[2], x->dtype, 0, "", err);
    if (st == EB_OK)
        st = check_grid(n, "w", in[4], in[5], w->dtype, w->shape[0], "output channel", err);
    if (st == EB_OK)
        st = check_grid(n, "y", in[6], in[7], EB_DT_UNDEFINED, 0, "", err);
    if (st == EB_OK && b) {
        if (b->dtype != EB_DT_I32)
            return eb_errf(err, EB_EINVAL, "%s: bias B has dtype %s, expected i32", n->op_type, eb_dtype_name(b->dtype));
        if (b->rank != 1 || b->shape[0] != w->shape[0])
            return eb_errf(err, EB_EINVAL, "%s: bias B is %s, expected [%lld] (one per output channel)", n->op_type,
                           eb_tensor_describe(b, s1, sizeof s1), (long long)w->shape[0]);
    }
    return st;
}
