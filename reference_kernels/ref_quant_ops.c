/* ref_quant_ops.c - the ONNX quantization ops: QuantizeLinear,
 * DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, ConvInteger,
 * QLinearMatMul and QLinearConv, on the grids their shape rules
 * (models/shape_quant.c) accepted.
 *
 * The arithmetic, bit for bit what the ONNX test vectors hold:
 *   QuantizeLinear        q = eb_quantize(x, scale, zero): saturate(round(x
 *                         / scale) + zero), one float division, ties to
 *                         even (ref_quant.h);
 *   DequantizeLinear      y = (float)(q - zero) * scale, the difference exact
 *                         (int64), one float rounding, one float product;
 *   DynamicQuantizeLinear the u8 grid of eb_ref_dynamic_grid, then
 *                         QuantizeLinear on it;
 *   MatMulInteger,        acc = sum (a - a_zero) * (b - b_zero) in int64,
 *   ConvInteger           stored as int32: the i32 MatMul and Conv reference
 *                         kernels run on widened copies with the zero
 *                         points (per tensor, per row of A / column of B,
 *                         per output channel of W) already subtracted, so
 *                         there is one convolution loop in the suite;
 *   QLinearMatMul,        acc as above (QLinearConv: plus the i32 bias),
 *   QLinearConv           m = (float)(x_scale * w_scale) / y_scale in float,
 *                         y = saturate(rint((double)acc * m + y_zero)) in
 *                         double, ties to even: what the ONNX reference
 *                         (onnx/reference/ops/op_qlinear_*.py: an int32
 *                         array times a float32 scale is float64 in numpy)
 *                         computes.
 * Scales that arrive at run time are checked like the shape rule checks
 * constant ones: positive and finite. */
#include <math.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_quant.h"
#include "reference_kernels/ref_util.h"

/* The range of an integer grid type. */
static void grid_range(eb_dtype dt, int32_t *lo, int32_t *hi)
{
    *lo = dt == EB_DT_I8 ? -128 : dt == EB_DT_U8 ? 0 : INT32_MIN;
    *hi = dt == EB_DT_I8 ? 127 : dt == EB_DT_U8 ? 255 : INT32_MAX;
}

/* Value j of an optional zero point (0 when absent), and of a scale. */
static int32_t zero_at(const eb_tensor *z, int64_t j)
{
    return z ? (int32_t)eb_dtype_get_i64(z->dtype, z->data, eb_tensor_numel(z) == 1 ? 0 : j) : 0;
}
static float scale_at(const eb_tensor *s, int64_t j)
{
    return ((const float *)s->data)[eb_tensor_numel(s) == 1 ? 0 : j];
}

static eb_status check_scales(const eb_node *n, const eb_tensor *s, eb_err *err)
{
    for (int64_t i = 0; i < eb_tensor_numel(s); i++) {
        float v = ((const float *)s->data)[i];
        if (!(v > 0.0f) || !isfinite(v))
            return eb_errf(err, EB_EINVAL, "%s: scale %g at %lld; a scale must be positive and finite", n->op_type,
                           (double)v, (long long)i);
    }
    return EB_OK;
}

/* Element i of a tensor quantized along an axis with `count` values, each
 * covering `inner` consecutive elements, is on grid (i / inner) % count. */
typedef struct axis_map {
    int64_t inner, count;
    int64_t block; /* opset 21 blocked grids: the block along the axis; 0 none */
} axis_map;

static int64_t grid_of(axis_map m, int64_t i)
{
    if (m.block > 0) { /* the grid is x's shape with the axis divided by block */
        int64_t a = (i / m.inner) % m.count, outer = i / m.inner / m.count;
        return (outer * ((m.count + m.block - 1) / m.block) + a / m.block) * m.inner + i % m.inner;
    }
    return m.count > 1 ? (i / m.inner) % m.count : 0;
}

/* QuantizeLinear's and DequantizeLinear's axis map for x and its scale. */
static axis_map qdq_axis(const eb_node *n, const eb_tensor *x, const eb_tensor *scale)
{
    axis_map m = {1, 1, 0};
    int axis;
    int64_t block = n->op == EB_OP_DEQUANTIZE_LINEAR ? eb_attr_int(n, "block_size", 0) : 0;
    if ((eb_tensor_numel(scale) > 1 || block > 0) && eb_norm_axis(eb_attr_int(n, "axis", 1), x->rank, &axis)) {
        m.count = x->shape[axis];
        m.inner = eb_dims_product(x->shape + axis + 1, x->rank - axis - 1);
        m.block = block;
    }
    return m;
}

eb_status eb_ref_quantize_linear(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *scale = in[1], *zero = eb_opt_in(n, in, 2);
    eb_tensor *y = out[0];
    eb_status st = check_scales(n, scale, err);
    if (st != EB_OK)
        return st;
    axis_map m = qdq_axis(n, x, scale);
    int32_t lo, hi;
    grid_range(y->dtype, &lo, &hi);
    const float *xd = x->data;
    for (int64_t i = 0; i < eb_tensor_numel(x); i++) {
        int64_t j = grid_of(m, i);
        eb_dtype_set_i64(y->dtype, y->data, i, eb_quantize(xd[i], scale_at(scale, j), zero_at(zero, j), lo, hi));
    }
    return EB_OK;
}

eb_status eb_ref_dequantize_linear(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *scale = in[1], *zero = eb_opt_in(n, in, 2);
    eb_status st = check_scales(n, scale, err);
    if (st != EB_OK)
        return st;
    axis_map m = qdq_axis(n, x, scale);
    float *yd = out[0]->data;
    for (int64_t i = 0; i < eb_tensor_numel(x); i++) {
        int64_t j = grid_of(m, i);
        yd[i] = (float)(eb_dtype_get_i64(x->dtype, x->data, i) - zero_at(zero, j)) * scale_at(scale, j);
    }
    return EB_OK;
}

eb_status eb_ref_dynamic_quantize_linear(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                         eb_err *err)
{
    (void)err;
    const eb_tensor *x = in[0];
    int64_t nx = eb_tensor_numel(x);
    float scale;
    int32_t zero;
    eb_ref_dynamic_grid(x->data, nx, &scale, &zero);
    const float *xd = x->data;
    uint8_t *yd = out[0]->data;
    for (int64_t i = 0; i < nx; i++)
        yd[i] = (uint8_t)eb_quantize(xd[i], scale, zero, 0, 255);
    if (eb_has_output(n, out, 1))
        *(float *)out[1]->data = scale;
    if (eb_has_output(n, out, 2))
        *(uint8_t *)out[2]->data = (uint8_t)zero;
    return EB_OK;
}

/* A zeroed i32 tensor shaped like t. */
static eb_status alloc_i32(const eb_tensor *t, eb_tensor *out, const char *what, eb_err *err)
{
    *out = (eb_tensor){0};
    eb_tensor_copy_meta(out, t);
    out->dtype = EB_DT_I32;
    return eb_tensor_alloc(out, what, err);
}

/* out = t - zero (zero along m), widened to i32. */
static eb_status widen(const eb_tensor *t, const eb_tensor *zero, axis_map m, eb_tensor *out, eb_err *err)
{
    eb_status st = alloc_i32(t, out, "widened operand", err);
    if (st != EB_OK)
        return st;
    int32_t *od = out->data;
    for (int64_t i = 0; i < eb_tensor_numel(t); i++)
        od[i] = (int32_t)eb_dtype_get_i64(t->dtype, t->data, i) - zero_at(zero, grid_of(m, i));
    return EB_OK;
}

/* Per row of a MatMul operand a ([..., M, K]) and per column of b ([..., K, N]). */
static axis_map per_row(const eb_tensor *a, const eb_tensor *g)
{
    axis_map m = {a->rank ? a->shape[a->rank - 1] : 1, a->rank >= 2 ? a->shape[a->rank - 2] : 1, 0};
    if (!g || eb_tensor_numel(g) <= 1)
        m.count = 1;
    return m;
}
static axis_map per_col(const eb_tensor *b, const eb_tensor *g)
{
    axis_map m = {1, b->rank >= 2 ? b->shape[b->rank - 1] : 1, 0};
    if (!g || eb_tensor_numel(g) <= 1)
        m.count = 1;
    return m;
}
/* Per output channel of a Conv weight [M, C/group, k...]. */
static axis_map per_channel(const eb_tensor *w, const eb_tensor *g)
{
    axis_map m = {eb_tensor_numel(w) / (w->shape[0] ? w->shape[0] : 1), w->shape[0], 0};
    if (!g || eb_tensor_numel(g) <= 1)
        m.count = 1;
    return m;
}

/* acc = (a - a_zero) x (b - b_zero) on the i32 MatMul kernel; acc is i32,
 * shaped as the op's output. */
static eb_status int_matmul(const eb_node *n, const eb_tensor *a, const eb_tensor *az, const eb_tensor *b,
                            const eb_tensor *bz, eb_tensor *acc, eb_err *err)
{
    eb_tensor ai, bi;
    eb_status st = widen(a, az, per_row(a, az), &ai, err);
    if (st != EB_OK)
        return st;
    if ((st = widen(b, bz, per_col(b, bz), &bi, err)) == EB_OK) {
        const eb_tensor *args[2] = {&ai, &bi};
        eb_tensor *res[1] = {acc};
        st = eb_ref_matmul(n, args, res, err);
        eb_tensor_free_data(&bi);
    }
    eb_tensor_free_data(&ai);
    return st;
}

/* acc = conv(x - x_zero, w - w_zero) + bias on the i32 Conv kernel. */
static eb_status int_conv(const eb_node *n, const eb_tensor *x, const eb_tensor *xz, const eb_tensor *w,
                          const eb_tensor *wz, const eb_tensor *bias, eb_tensor *acc, eb_err *err)
{
    eb_tensor xi, wi;
    axis_map whole = {1, 1, 0};
    eb_status st = widen(x, xz, whole, &xi, err);
    if (st != EB_OK)
        return st;
    if ((st = widen(w, wz, per_channel(w, wz), &wi, err)) == EB_OK) {
        const eb_tensor *args[3] = {&xi, &wi, bias};
        eb_tensor *res[1] = {acc};
        st = eb_ref_conv(n, args, res, err);
        eb_tensor_free_data(&wi);
    }
    eb_tensor_free_data(&xi);
    return st;
}

eb_status eb_ref_matmul_integer(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    return int_matmul(n, in[0], eb_opt_in(n, in, 2), in[1], eb_opt_in(n, in, 3), out[0], err);
}

eb_status eb_ref_conv_integer(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    return int_conv(n, in[0], eb_opt_in(n, in, 2), in[1], eb_opt_in(n, in, 3), NULL, out[0], err);
}

/* y = saturate(rint((double)acc * m + zero)), m = (float)(s_in * s_w) / s_out:
 * the QLinear requantization stated at the top of this file. */
static int32_t requantize(int32_t acc, float s_in, float s_w, float s_out, int32_t zero, int32_t lo, int32_t hi)
{
    float m = (s_in * s_w) / s_out;
    double v = rint((double)acc * (double)m + (double)zero);
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

eb_status eb_ref_qlinear_matmul(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *a = in[0], *as = in[1], *b = in[3], *bs = in[4], *ys = in[6], *yz = in[7];
    eb_tensor *y = out[0], acc;
    eb_status st = check_scales(n, as, err);
    if (st == EB_OK && (st = check_scales(n, bs, err)) == EB_OK && (st = check_scales(n, ys, err)) == EB_OK)
        st = alloc_i32(y, &acc, "accumulators", err);
    if (st != EB_OK)
        return st;
    if ((st = int_matmul(n, a, in[2], b, in[5], &acc, err)) == EB_OK) {
        /* y is [..., M, N] (or [..., N], [..., M] for vector operands) */
        int64_t cols = b->rank >= 2 ? b->shape[b->rank - 1] : 1, rows = a->rank >= 2 ? a->shape[a->rank - 2] : 1;
        int32_t lo, hi;
        grid_range(y->dtype, &lo, &hi);
        const int32_t *ad = acc.data;
        for (int64_t i = 0; i < eb_tensor_numel(y); i++) {
            int64_t c = i % cols, r = (i / cols) % rows;
            int32_t v = requantize(ad[i], scale_at(as, r), scale_at(bs, c), scale_at(ys, r), zero_at(yz, r), lo, hi);
            eb_dtype_set_i64(y->dtype, y->data, i, v);
        }
    }
    eb_tensor_free_data(&acc);
    return st;
}

eb_status eb_ref_qlinear_conv(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *xs = in[1], *w = in[3], *ws = in[4], *ys = in[6], *yz = in[7];
    eb_tensor *y = out[0], acc;
    eb_status st = check_scales(n, xs, err);
    if (st == EB_OK && (st = check_scales(n, ws, err)) == EB_OK && (st = check_scales(n, ys, err)) == EB_OK)
        st = alloc_i32(y, &acc, "accumulators", err);
    if (st != EB_OK)
        return st;
    if ((st = int_conv(n, x, in[2], w, in[5], eb_opt_in(n, in, 8), &acc, err)) == EB_OK) {
        int64_t channels = y->shape[1], plane = eb_dims_product(y->shape + 2, y->rank - 2);
        int32_t lo, hi;
        grid_range(y->dtype, &lo, &hi);
        const int32_t *ad = acc.data;
        for (int64_t i = 0; i < eb_tensor_numel(y); i++) {
            int64_t c = (i / plane) % channels;
            int32_t v = requantize(ad[i], scale_at(xs, 0), scale_at(ws, c), scale_at(ys, 0), zero_at(yz, 0), lo, hi);
            eb_dtype_set_i64(y->dtype, y->data, i, v);
        }
    }
    eb_tensor_free_data(&acc);
    return st;
}
