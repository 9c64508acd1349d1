/* test_quant_ops.c - the ONNX quantization ops (models/shape_quant.c,
 * reference_kernels/ref_quant_ops.c) against straightforward computations
 * written out here: random data on odd shapes, per-tensor and per-axis
 * grids, u8 and i8; and the bad inputs (zero scale, wrong zero-point dtype,
 * a per-axis grid of the wrong length, a bad bias), each refused by the
 * shape rule with a message that names it, and a zero scale that arrives
 * only at run time refused by the kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/shape_rules.h"
#include "reference_kernels/ref.h"
#include "tests/test_util.h"

static uint64_t g_rng;

#define MAX_ARGS 9

/* One node of op with n_in inputs and n_out outputs, value indices 0.. */
typedef struct one_node {
    int ins[MAX_ARGS], outs[3];
    eb_node n;
} one_node;

static void node_init(one_node *o, eb_op op, const char *op_type, int n_in, int n_out, eb_attr *attrs, int n_attrs)
{
    for (int k = 0; k < MAX_ARGS; k++)
        o->ins[k] = k;
    for (int k = 0; k < 3; k++)
        o->outs[k] = MAX_ARGS + k;
    o->n = (eb_node){.op = op, .op_type = (char *)op_type, .name = "q", .opset = 13, .n_in = n_in, .n_out = n_out,
                     .in = o->ins, .out = o->outs, .n_attrs = n_attrs, .attrs = attrs};
}

static eb_tensor make(eb_dtype dt, int rank, const int64_t *shape)
{
    eb_tensor t = {.dtype = dt, .rank = rank};
    for (int d = 0; d < rank; d++)
        t.shape[d] = shape[d];
    eb_err err;
    assert_int_equal(eb_tensor_alloc(&t, "test", &err), EB_OK);
    return t;
}

static eb_tensor scalar(eb_dtype dt, double v)
{
    eb_tensor t = make(dt, 0, NULL);
    eb_dtype_set_f64(dt, t.data, 0, v);
    return t;
}

/* Random values in [lo, hi] (integers for integer dtypes). */
static void fill(eb_tensor *t, double lo, double hi)
{
    for (int64_t i = 0; i < eb_tensor_numel(t); i++) {
        double u = eb_test_uniform(&g_rng, 0.0f, 1.0f);
        if (t->dtype == EB_DT_F32)
            ((float *)t->data)[i] = (float)(lo + u * (hi - lo));
        else
            eb_dtype_set_i64(t->dtype, t->data, i, (int64_t)floor(lo + u * (hi - lo + 1)));
    }
}

/* The op's shape rule, then (when it accepts) its reference kernel on
 * freshly allocated outputs; returns the first failing status. */
static eb_status run(one_node *o, const eb_tensor **in, eb_tensor *out, int n_out, eb_err *err)
{
    eb_tensor *outs[3] = {&out[0], n_out > 1 ? &out[1] : NULL, n_out > 2 ? &out[2] : NULL};
    for (int k = 0; k < n_out; k++)
        out[k] = (eb_tensor){0};
    eb_status st = eb_ops[o->n.op].shape(&o->n, in, outs, err);
    if (st != EB_OK)
        return st;
    for (int k = 0; k < n_out; k++)
        assert_int_equal(eb_tensor_alloc(&out[k], "out", err), EB_OK);
    return eb_ref_kernels[o->n.op](&o->n, in, outs, err);
}

static int32_t sat(double v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

static void free_all(eb_tensor *t, int n)
{
    for (int i = 0; i < n; i++)
        eb_tensor_free_data(&t[i]);
}

/* ---- QuantizeLinear / DequantizeLinear ------------------------------------------------- */

static void quantize__per_axis_i8__matches_direct(void **state)
{
    (void)state;
    for (int axis = -3; axis < 3; axis++) {
        int64_t shape[3] = {2, 3, 5};
        int ax = axis < 0 ? axis + 3 : axis;
        int64_t len = shape[ax];
        eb_tensor t[3] = {make(EB_DT_F32, 3, shape), make(EB_DT_F32, 1, &len), make(EB_DT_I8, 1, &len)}, y[1];
        fill(&t[0], -20, 20);
        fill(&t[1], 0.05, 0.5);
        fill(&t[2], -10, 10);
        eb_attr a = {.name = "axis", .type = EB_ATTR_INT, .i = axis};
        one_node o;
        node_init(&o, EB_OP_QUANTIZE_LINEAR, "QuantizeLinear", 3, 1, &a, 1);
        const eb_tensor *in[3] = {&t[0], &t[1], &t[2]};
        eb_err err = {{0}};
        assert_int_equal(run(&o, in, y, 1, &err), EB_OK);
        assert_int_equal(y[0].dtype, EB_DT_I8);
        int64_t inner = 1;
        for (int d = ax + 1; d < 3; d++)
            inner *= shape[d];
        for (int64_t i = 0; i < eb_tensor_numel(&t[0]); i++) {
            int64_t c = (i / inner) % len;
            float x = ((float *)t[0].data)[i], s = ((float *)t[1].data)[c];
            int32_t want = sat((double)lrintf(x / s) + ((int8_t *)t[2].data)[c], -128, 127);
            assert_int_equal(((int8_t *)y[0].data)[i], want);
        }
        /* and back: (q - zero) * scale */
        eb_tensor back[1];
        one_node d;
        node_init(&d, EB_OP_DEQUANTIZE_LINEAR, "DequantizeLinear", 3, 1, &a, 1);
        const eb_tensor *din[3] = {&y[0], &t[1], &t[2]};
        assert_int_equal(run(&d, din, back, 1, &err), EB_OK);
        for (int64_t i = 0; i < eb_tensor_numel(&t[0]); i++) {
            int64_t c = (i / inner) % len;
            float want = (float)(((int8_t *)y[0].data)[i] - ((int8_t *)t[2].data)[c]) * ((float *)t[1].data)[c];
            assert_true(((float *)back[0].data)[i] == want);
        }
        free_all(t, 3);
        free_all(y, 1);
        free_all(back, 1);
    }
}

static void quantize__no_zero_point__is_u8_and_ties_go_to_even(void **state)
{
    (void)state;
    int64_t n = 6;
    eb_tensor t[2] = {make(EB_DT_F32, 1, &n), scalar(EB_DT_F32, 1.0)}, y[1];
    const float x[6] = {0.5f, 1.5f, 2.5f, -0.5f, 300.0f, 254.5f};
    const uint8_t want[6] = {0, 2, 2, 0, 255, 254};
    memcpy(t[0].data, x, sizeof x);
    one_node o;
    node_init(&o, EB_OP_QUANTIZE_LINEAR, "QuantizeLinear", 2, 1, NULL, 0);
    const eb_tensor *in[2] = {&t[0], &t[1]};
    eb_err err = {{0}};
    assert_int_equal(run(&o, in, y, 1, &err), EB_OK);
    assert_int_equal(y[0].dtype, EB_DT_U8);
    assert_memory_equal(y[0].data, want, sizeof want);
    free_all(t, 2);
    free_all(y, 1);
}

static void dequantize__i32__is_exact_difference_times_scale(void **state)
{
    (void)state;
    int64_t n = 4;
    eb_tensor t[3] = {make(EB_DT_I32, 1, &n), scalar(EB_DT_F32, 0.5), scalar(EB_DT_I32, 0)}, y[1];
    const int32_t x[4] = {-7, 0, 123456, INT32_MIN};
    memcpy(t[0].data, x, sizeof x);
    one_node o;
    node_init(&o, EB_OP_DEQUANTIZE_LINEAR, "DequantizeLinear", 3, 1, NULL, 0);
    const eb_tensor *in[3] = {&t[0], &t[1], &t[2]};
    eb_err err = {{0}};
    assert_int_equal(run(&o, in, y, 1, &err), EB_OK);
    const float *yd = y[0].data;
    assert_true(yd[0] == -3.5f && yd[1] == 0.0f && yd[2] == 61728.0f && yd[3] == -1073741824.0f);
    free_all(t, 3);
    free_all(y, 1);
}

static void dynamic_quantize__grid_and_values(void **state)
{
    (void)state;
    int64_t n = 7;
    eb_tensor t[1] = {make(EB_DT_F32, 1, &n)}, y[3];
    one_node o;
    node_init(&o, EB_OP_DYNAMIC_QUANTIZE_LINEAR, "DynamicQuantizeLinear", 1, 3, NULL, 0);
    const eb_tensor *in[1] = {&t[0]};
    eb_err err = {{0}};
    /* all zeros: scale 1, zero 0 */
    assert_int_equal(run(&o, in, y, 3, &err), EB_OK);
    assert_true(*(float *)y[1].data == 1.0f);
    assert_int_equal(*(uint8_t *)y[2].data, 0);
    free_all(y, 3);
    /* random: the range widened to 0, scale = range / 255 */
    fill(&t[0], -3, 5);
    assert_int_equal(run(&o, in, y, 3, &err), EB_OK);
    float mn = 0, mx = 0;
    for (int i = 0; i < 7; i++)
        mn = fminf(mn, ((float *)t[0].data)[i]), mx = fmaxf(mx, ((float *)t[0].data)[i]);
    float s = (mx - mn) / 255.0f;
    int32_t z = sat((double)lrintf(-mn / s), 0, 255);
    assert_true(*(float *)y[1].data == s);
    assert_int_equal(*(uint8_t *)y[2].data, z);
    for (int i = 0; i < 7; i++)
        assert_int_equal(((uint8_t *)y[0].data)[i], sat((double)lrintf(((float *)t[0].data)[i] / s) + z, 0, 255));
    free_all(t, 1);
    free_all(y, 3);
}

/* ---- integer products ------------------------------------------------------------------ */

/* Expected (x - xz) conv (w - wz[m]) + b[m] for 2-D NCHW with group, strides, pads. */
static int64_t direct_conv(const eb_tensor *x, int32_t xz, const eb_tensor *w, const eb_tensor *wz,
                           const eb_tensor *b, int64_t group, int64_t stride, int64_t pad, int64_t nb, int64_t m,
                           int64_t oh, int64_t ow)
{
    int64_t c_in = x->shape[1], hh = x->shape[2], ww = x->shape[3], cg = c_in / group, mg = w->shape[0] / group;
    int64_t kh = w->shape[2], kw = w->shape[3];
    int32_t wzm = wz ? (int32_t)eb_dtype_get_i64(wz->dtype, wz->data, eb_tensor_numel(wz) == 1 ? 0 : m) : 0;
    int64_t acc = b ? ((int32_t *)b->data)[m] : 0;
    for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < kh; i++)
            for (int64_t j = 0; j < kw; j++) {
                int64_t ih = oh * stride - pad + i, iw = ow * stride - pad + j;
                if (ih < 0 || ih >= hh || iw < 0 || iw >= ww)
                    continue;
                int64_t xc = (m / mg) * cg + c;
                int64_t xv = eb_dtype_get_i64(x->dtype, x->data, ((nb * c_in + xc) * hh + ih) * ww + iw) - xz;
                int64_t wv = eb_dtype_get_i64(w->dtype, w->data, ((m * cg + c) * kh + i) * kw + j) - wzm;
                acc += xv * wv;
            }
    return acc;
}

static void conv__qlinear_and_integer__match_direct(void **state)
{
    (void)state;
    for (int trial = 0; trial < 6; trial++) {
        int64_t group = trial % 3 == 2 ? 3 : 1, stride = 1 + trial % 2, pad = trial % 3 == 0 ? 0 : 1;
        int64_t xs[4] = {2, 3, 5 + trial, 7}, m = group == 3 ? 6 : 5, ws[4] = {m, 3 / group, 3, 2}, mm = m;
        eb_dtype xdt = trial % 2 ? EB_DT_I8 : EB_DT_U8, wdt = trial % 4 < 2 ? EB_DT_I8 : EB_DT_U8;
        eb_dtype ydt = trial % 3 ? EB_DT_U8 : EB_DT_I8;
        bool per_channel = trial % 2 == 0;
        eb_tensor t[9] = {make(xdt, 4, xs), scalar(EB_DT_F32, 0.02), scalar(xdt, xdt == EB_DT_U8 ? 128 : -3),
                          make(wdt, 4, ws), per_channel ? make(EB_DT_F32, 1, &mm) : scalar(EB_DT_F32, 0.01),
                          per_channel ? make(wdt, 1, &mm) : scalar(wdt, 2), scalar(EB_DT_F32, 0.07),
                          scalar(ydt, ydt == EB_DT_U8 ? 120 : 5), make(EB_DT_I32, 1, &mm)};
        fill(&t[0], xdt == EB_DT_U8 ? 0 : -128, xdt == EB_DT_U8 ? 255 : 127);
        fill(&t[3], wdt == EB_DT_U8 ? 0 : -128, wdt == EB_DT_U8 ? 255 : 127);
        if (per_channel) {
            fill(&t[4], 0.002, 0.02);
            fill(&t[5], wdt == EB_DT_U8 ? 100 : -20, wdt == EB_DT_U8 ? 150 : 20);
        }
        fill(&t[8], -5000, 5000);
        int64_t pads[4] = {pad, pad, pad, pad}, strides[2] = {stride, stride};
        eb_attr attrs[3] = {{.name = "group", .type = EB_ATTR_INT, .i = group},
                            {.name = "pads", .type = EB_ATTR_INTS, .ints = pads, .n = 4},
                            {.name = "strides", .type = EB_ATTR_INTS, .ints = strides, .n = 2}};
        eb_err err = {{0}};
        one_node q;
        node_init(&q, EB_OP_QLINEAR_CONV, "QLinearConv", 9, 1, attrs, 3);
        const eb_tensor *qin[9] = {&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7], &t[8]};
        eb_tensor y[1], yi[1];
        assert_int_equal(run(&q, qin, y, 1, &err), EB_OK);
        one_node ci;
        node_init(&ci, EB_OP_CONV_INTEGER, "ConvInteger", 4, 1, attrs, 3);
        const eb_tensor *cin[4] = {&t[0], &t[3], &t[2], &t[5]};
        assert_int_equal(run(&ci, cin, yi, 1, &err), EB_OK);
        assert_int_equal(y[0].dtype, ydt);
        assert_int_equal(yi[0].dtype, EB_DT_I32);
        int32_t lo = ydt == EB_DT_U8 ? 0 : -128, hi = ydt == EB_DT_U8 ? 255 : 127;
        int32_t xz = (int32_t)eb_dtype_get_i64(xdt, t[2].data, 0), yz = (int32_t)eb_dtype_get_i64(ydt, t[7].data, 0);
        int64_t i = 0;
        for (int64_t nb = 0; nb < 2; nb++)
            for (int64_t c = 0; c < m; c++)
                for (int64_t oh = 0; oh < y[0].shape[2]; oh++)
                    for (int64_t ow = 0; ow < y[0].shape[3]; ow++, i++) {
                        int64_t acc = direct_conv(&t[0], xz, &t[3], &t[5], NULL, group, stride, pad, nb, c, oh, ow);
                        assert_int_equal(((int32_t *)yi[0].data)[i], acc);
                        acc += ((int32_t *)t[8].data)[c];
                        float ws_c = ((float *)t[4].data)[per_channel ? c : 0];
                        float mult = (0.02f * ws_c) / 0.07f;
                        int32_t want = sat(rint((double)acc * mult + yz), lo, hi);
                        assert_int_equal(eb_dtype_get_i64(ydt, y[0].data, i), want);
                    }
        assert_int_equal(i, eb_tensor_numel(&y[0]));
        free_all(t, 9);
        free_all(y, 1);
        free_all(yi, 1);
    }
}

static void matmul__qlinear_and_integer__match_direct(void **state)
{
    (void)state;
    for (int trial = 0; trial < 4; trial++) {
        int64_t as[3] = {3, 5, 7 + trial}, bs[2] = {7 + trial, 3 + trial}, rows = 5, cols = 3 + trial;
        eb_dtype adt = trial % 2 ? EB_DT_I8 : EB_DT_U8, bdt = trial < 2 ? EB_DT_I8 : EB_DT_U8;
        bool per_col = trial % 2 == 0, per_row = trial >= 2;
        eb_tensor t[8] = {make(adt, 3, as), per_row ? make(EB_DT_F32, 1, &rows) : scalar(EB_DT_F32, 0.03), per_row ? make(adt, 1, &rows) : scalar(adt, 1),
                          make(bdt, 2, bs), per_col ? make(EB_DT_F32, 1, &cols) : scalar(EB_DT_F32, 0.011),
                          per_col ? make(bdt, 1, &cols) : scalar(bdt, 3), scalar(EB_DT_F32, 0.2),
                          scalar(EB_DT_U8, 128)};
        fill(&t[0], adt == EB_DT_U8 ? 0 : -128, adt == EB_DT_U8 ? 255 : 127);
        fill(&t[3], bdt == EB_DT_U8 ? 0 : -128, bdt == EB_DT_U8 ? 255 : 127);
        if (per_row) {
            fill(&t[1], 0.01, 0.05);
            fill(&t[2], -5, 5);
        }
        if (per_col) {
            fill(&t[4], 0.005, 0.02);
            fill(&t[5], 0, 9);
        }
        eb_err err = {{0}};
        one_node q, mi;
        node_init(&q, EB_OP_QLINEAR_MATMUL, "QLinearMatMul", 8, 1, NULL, 0);
        node_init(&mi, EB_OP_MATMUL_INTEGER, "MatMulInteger", 4, 1, NULL, 0);
        const eb_tensor *qin[8] = {&t[0], &t[1], &t[2], &t[3], &t[4], &t[5], &t[6], &t[7]};
        const eb_tensor *iin[4] = {&t[0], &t[3], &t[2], &t[5]};
        eb_tensor y[1], yi[1];
        assert_int_equal(run(&q, qin, y, 1, &err), EB_OK);
        assert_int_equal(run(&mi, iin, yi, 1, &err), EB_OK);
        assert_int_equal(y[0].rank, 3);
        int64_t k = as[2];
        for (int64_t bt = 0; bt < 3; bt++)
            for (int64_t r = 0; r < rows; r++)
                for (int64_t c = 0; c < cols; c++) {
                    int64_t acc = 0;
                    int64_t az = eb_dtype_get_i64(adt, t[2].data, per_row ? r : 0);
                    int64_t bz = eb_dtype_get_i64(bdt, t[5].data, per_col ? c : 0);
                    for (int64_t p = 0; p < k; p++)
                        acc += (eb_dtype_get_i64(adt, t[0].data, (bt * rows + r) * k + p) - az) *
                               (eb_dtype_get_i64(bdt, t[3].data, p * cols + c) - bz);
                    int64_t i = (bt * rows + r) * cols + c;
                    assert_int_equal(((int32_t *)yi[0].data)[i], acc);
                    float mult = (((float *)t[1].data)[per_row ? r : 0] * ((float *)t[4].data)[per_col ? c : 0]) / 0.2f;
                    assert_int_equal(((uint8_t *)y[0].data)[i], sat(rint((double)acc * mult + 128), 0, 255));
                }
        free_all(t, 8);
        free_all(y, 1);
        free_all(yi, 1);
    }
}

/* ---- bad input ------------------------------------------------------------------------- */

static void expect_refused(one_node *o, const eb_tensor **in, eb_status want, const char *needle)
{
    eb_err err = {{0}};
    eb_tensor y[3];
    eb_status st = run(o, in, y, o->n.n_out, &err);
    if (st != want || !strstr(err.msg, needle))
        fail_msg("%s: status %d, message '%s'; wanted %d with '%s'", o->n.op_type, st, err.msg, want, needle);
}

static void bad__zero_scale_wrong_zero_dtype_wrong_axis_length__refused(void **state)
{
    (void)state;
    int64_t shape[2] = {4, 3}, three = 3, four = 4;
    eb_tensor x = make(EB_DT_F32, 2, shape), zero_scale = scalar(EB_DT_F32, 0.0), neg = scalar(EB_DT_F32, -1.0);
    eb_tensor s = scalar(EB_DT_F32, 0.1), z16 = scalar(EB_DT_I64, 0), s4 = make(EB_DT_F32, 1, &four);
    eb_tensor s3 = make(EB_DT_F32, 1, &three), z4 = make(EB_DT_U8, 1, &four), q = make(EB_DT_U8, 2, shape);
    eb_tensor zi8 = scalar(EB_DT_I8, 0);
    fill(&s4, 0.1, 0.2);
    fill(&s3, 0.1, 0.2);
    one_node ql, dq;
    node_init(&ql, EB_OP_QUANTIZE_LINEAR, "QuantizeLinear", 3, 1, NULL, 0);
    node_init(&dq, EB_OP_DEQUANTIZE_LINEAR, "DequantizeLinear", 3, 1, NULL, 0);
    const eb_tensor *a[3] = {&x, &zero_scale, NULL};
    ql.n.n_in = 2;
    expect_refused(&ql, a, EB_EINVAL, "must be positive");
    a[1] = &neg;
    expect_refused(&ql, a, EB_EINVAL, "must be positive");
    ql.n.n_in = 3;
    a[1] = &s, a[2] = &z16;
    expect_refused(&ql, a, EB_EINVAL, "zero point of y has dtype i64, expected u8 or i8");
    a[1] = &s4, a[2] = NULL; /* axis 1 has 3 values, the scale 4 */
    ql.n.n_in = 2;
    expect_refused(&ql, a, EB_EINVAL, "expected a scalar or [3]");
    a[1] = &s3, a[2] = &z4;
    ql.n.n_in = 3;
    expect_refused(&ql, a, EB_EINVAL, "must have the same shape");
    const eb_tensor *d[3] = {&q, &s, &zi8}; /* zero point i8 for u8 data */
    expect_refused(&dq, d, EB_EINVAL, "zero point of x has dtype i8, expected u8");
    eb_attr bad_axis = {.name = "axis", .type = EB_ATTR_INT, .i = 2};
    dq.n.attrs = &bad_axis, dq.n.n_attrs = 1;
    d[1] = &s3, d[2] = NULL;
    dq.n.n_in = 2;
    expect_refused(&dq, d, EB_EINVAL, "axis 2 out of range");
    expect_refused(&ql, (const eb_tensor *[3]){&q, &s, NULL}, EB_EUNSUPPORTED, "input x has dtype u8");

    /* QLinearConv: a bias of the wrong dtype, a per-channel scale of the wrong length */
    int64_t xs[4] = {1, 2, 4, 4}, ws[4] = {3, 2, 1, 1}, two = 2;
    eb_tensor cx = make(EB_DT_U8, 4, xs), cw = make(EB_DT_I8, 4, ws), cz = scalar(EB_DT_U8, 0), wz = scalar(EB_DT_I8, 0);
    eb_tensor fb = make(EB_DT_F32, 1, &three), ws2 = make(EB_DT_F32, 1, &two);
    fill(&ws2, 0.1, 0.2);
    one_node qc;
    node_init(&qc, EB_OP_QLINEAR_CONV, "QLinearConv", 9, 1, NULL, 0);
    const eb_tensor *c[9] = {&cx, &s, &cz, &cw, &s, &wz, &s, &cz, &fb};
    expect_refused(&qc, c, EB_EINVAL, "bias B has dtype f32, expected i32");
    c[4] = &ws2, c[8] = NULL;
    qc.n.n_in = 8;
    expect_refused(&qc, c, EB_EINVAL, "the scale of w is f32[2], expected a scalar or [3] (one per output channel)");
    c[4] = &s, c[7] = &wz; /* y's zero point may be i8: accepted */
    eb_tensor y[1];
    eb_err err = {{0}};
    assert_int_equal(run(&qc, c, y, 1, &err), EB_OK);
    assert_int_equal(y[0].dtype, EB_DT_I8);
    free_all(y, 1);

    eb_tensor all[] = {x, zero_scale, neg, s, z16, s4, s3, z4, q, zi8, cx, cw, cz, wz, fb, ws2};
    free_all(all, (int)(sizeof all / sizeof all[0]));
}

static void bad__zero_scale_at_run_time__kernel_refuses(void **state)
{
    (void)state;
    int64_t n = 3;
    eb_tensor x = make(EB_DT_F32, 1, &n), s = scalar(EB_DT_F32, 0.0), y = make(EB_DT_U8, 1, &n);
    fill(&x, -1, 1);
    one_node ql;
    node_init(&ql, EB_OP_QUANTIZE_LINEAR, "QuantizeLinear", 2, 1, NULL, 0);
    const eb_tensor *in[2] = {&x, &s};
    eb_tensor *out[1] = {&y};
    eb_err err = {{0}};
    assert_int_equal(eb_ref_kernels[EB_OP_QUANTIZE_LINEAR](&ql.n, in, out, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "QuantizeLinear: scale 0 at 0"));
    eb_tensor_free_data(&x);
    eb_tensor_free_data(&s);
    eb_tensor_free_data(&y);
}

int main(void)
{
    g_rng = eb_test_seed();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quantize__per_axis_i8__matches_direct),
        cmocka_unit_test(quantize__no_zero_point__is_u8_and_ties_go_to_even),
        cmocka_unit_test(dequantize__i32__is_exact_difference_times_scale),
        cmocka_unit_test(dynamic_quantize__grid_and_values),
        cmocka_unit_test(conv__qlinear_and_integer__match_direct),
        cmocka_unit_test(matmul__qlinear_and_integer__match_direct),
        cmocka_unit_test(bad__zero_scale_wrong_zero_dtype_wrong_axis_length__refused),
        cmocka_unit_test(bad__zero_scale_at_run_time__kernel_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
