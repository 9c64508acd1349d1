/* test_ref_spatial.c - the shape rules and reference kernels of Resize,
 * ConvTranspose, DepthToSpace/SpaceToDepth, InstanceNormalization, PRelu
 * and Einsum beyond what the ONNX vectors (test_onnx_node) cover: bad
 * inputs refused with EB_EINVAL (EB_EUNSUPPORTED for valid ONNX the suite
 * does not implement), Resize-18's axes and keep_aspect_ratio_policy,
 * half_pixel_symmetric (a Resize-19 example from the ONNX operator docs),
 * Einsum's ellipsis and diagonals against plain loops, and the depth/space
 * pair as inverses, on random data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "tests/test_util.h"

static uint64_t rng;

static int setup(void **state)
{
    (void)state;
    rng = eb_test_seed();
    return 0;
}

static eb_tensor make(eb_dtype dt, int rank, const int64_t *shape)
{
    eb_tensor t = {.dtype = dt, .rank = rank};
    memcpy(t.shape, shape, (size_t)rank * sizeof *shape);
    eb_err err = {{0}};
    assert_int_equal(eb_tensor_alloc(&t, "t", &err), EB_OK);
    return t;
}

static eb_tensor random_f32(int rank, const int64_t *shape)
{
    eb_tensor t = make(EB_DT_F32, rank, shape);
    for (int64_t i = 0; i < eb_tensor_numel(&t); i++)
        ((float *)t.data)[i] = eb_test_uniform(&rng, -2, 2);
    return t;
}

static eb_tensor i64s(int n, const int64_t *v)
{
    eb_tensor t = make(EB_DT_I64, 1, (int64_t[]){n});
    memcpy(t.data, v, (size_t)n * sizeof *v);
    return t;
}

static eb_tensor f32s(int n, const float *v)
{
    eb_tensor t = make(EB_DT_F32, 1, (int64_t[]){n});
    memcpy(t.data, v, (size_t)n * sizeof *v);
    return t;
}

static eb_node node(eb_op op, int opset, int n_in, eb_attr *attrs, int n_attrs)
{
    static int ins[20] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}, outs[1] = {20};
    return (eb_node){.op = op, .op_type = (char *)eb_op_name(op), .name = "n", .opset = opset, .n_in = n_in,
                     .n_out = 1, .in = ins, .out = outs, .n_attrs = n_attrs, .attrs = attrs};
}

static eb_attr attr_s(const char *name, const char *s)
{
    return (eb_attr){.name = (char *)name, .type = EB_ATTR_STRING, .s = (char *)s};
}

static eb_attr attr_i(const char *name, int64_t i)
{
    return (eb_attr){.name = (char *)name, .type = EB_ATTR_INT, .i = i};
}

static eb_attr attr_ints(const char *name, int n, int64_t *v)
{
    return (eb_attr){.name = (char *)name, .type = EB_ATTR_INTS, .ints = v, .n = (size_t)n};
}

/* Runs the shape rule, then (when it accepts) the reference kernel into *y
 * (allocated; the caller frees it).  Returns the first failure. */
static eb_status run(const eb_node *n, const eb_tensor *const *in, eb_tensor *y, char *msg)
{
    eb_err err = {{0}};
    eb_tensor *outs[1] = {y};
    memset(y, 0, sizeof *y);
    eb_status st = eb_ops[n->op].shape(n, in, outs, &err);
    if (st == EB_OK && (st = eb_tensor_alloc(y, "y", &err)) == EB_OK)
        st = eb_ref_kernels[n->op](n, in, outs, &err);
    if (msg)
        snprintf(msg, 256, "%s", err.msg);
    return st;
}

static void free_all(eb_tensor *t, int n)
{
    for (int i = 0; i < n; i++)
        eb_tensor_free_data(&t[i]);
}

/* ---- Resize ------------------------------------------------------------- */

static void resize__bad_inputs__refused_with_reasons(void **state)
{
    (void)state;
    eb_tensor x = random_f32(4, (int64_t[]){1, 2, 3, 4});
    eb_tensor scales = f32s(4, (float[]){1, 1, 2, 2}), bad_scales = f32s(4, (float[]){1, 1, -2, 2});
    eb_tensor short_scales = f32s(3, (float[]){1, 2, 2}), sizes = i64s(4, (int64_t[]){1, 2, 6, 8});
    eb_tensor neg_sizes = i64s(4, (int64_t[]){1, 2, -6, 8}), y;
    char msg[256];
    eb_attr linear[] = {attr_s("mode", "linear")};
    eb_node n = node(EB_OP_RESIZE, 13, 4, linear, 1);

    const eb_tensor *both[4] = {&x, NULL, &scales, &sizes};
    assert_int_equal(run(&n, both, &y, msg), EB_EINVAL);
    assert_non_null(strstr(msg, "both scales and sizes"));
    const eb_tensor *none[4] = {&x, NULL, NULL, NULL};
    assert_int_equal(run(&n, none, &y, msg), EB_EINVAL);
    const eb_tensor *neg[4] = {&x, NULL, &bad_scales, NULL};
    assert_int_equal(run(&n, neg, &y, msg), EB_EINVAL);
    assert_non_null(strstr(msg, "scales[2]"));
    const eb_tensor *few[4] = {&x, NULL, &short_scales, NULL};
    assert_int_equal(run(&n, few, &y, msg), EB_EINVAL);
    const eb_tensor *negz[4] = {&x, NULL, NULL, &neg_sizes};
    assert_int_equal(run(&n, negz, &y, msg), EB_EINVAL);

    eb_attr bad_mode[] = {attr_s("mode", "bicubic")};
    eb_node nb = node(EB_OP_RESIZE, 13, 4, bad_mode, 1);
    const eb_tensor *ok[4] = {&x, NULL, &scales, NULL};
    assert_int_equal(run(&nb, ok, &y, msg), EB_EINVAL);
    eb_attr aa[] = {attr_s("mode", "linear"), attr_i("antialias", 1)};
    eb_node na = node(EB_OP_RESIZE, 18, 4, aa, 2);
    assert_int_equal(run(&na, ok, &y, msg), EB_EUNSUPPORTED);
    assert_non_null(strstr(msg, "antialias"));

    /* scales computed at run time: the output shape cannot be known */
    eb_tensor runtime = scales;
    runtime.data = NULL;
    const eb_tensor *rt[4] = {&x, NULL, &runtime, NULL};
    assert_int_equal(run(&n, rt, &y, msg), EB_EUNSUPPORTED);
    free_all((eb_tensor[]){x, scales, bad_scales, short_scales, sizes, neg_sizes}, 6);
}

/* Resize-18: sizes for axes 2 and 3 only, with both aspect-ratio policies,
 * linear half_pixel; the output's corner is the mean of X's 2x2 corner
 * when the common scale is 1/2. */
static void resize__axes_and_keep_aspect_ratio_policy(void **state)
{
    (void)state;
    eb_tensor x = random_f32(4, (int64_t[]){1, 2, 4, 6}), sizes = i64s(2, (int64_t[]){3, 3}), y;
    int64_t axes[2] = {2, 3};
    const eb_tensor *in[4] = {&x, NULL, NULL, &sizes};
    eb_attr a1[] = {attr_s("mode", "linear"), attr_ints("axes", 2, axes),
                    attr_s("keep_aspect_ratio_policy", "not_larger")};
    eb_node n = node(EB_OP_RESIZE, 18, 4, a1, 3);
    assert_int_equal(run(&n, in, &y, NULL), EB_OK);
    assert_int_equal(y.rank, 4);
    int64_t want[4] = {1, 2, 2, 3}; /* scale min(3/4, 3/6) = 0.5 */
    for (int d = 0; d < 4; d++)
        assert_int_equal(y.shape[d], want[d]);
    const float *xd = x.data, *yd = y.data;
    for (int c = 0; c < 2; c++) {
        const float *xc = xd + c * 24;
        double mean = (xc[0] + xc[1] + xc[6] + xc[7]) / 4.0;
        assert_true(fabs(yd[c * 6] - mean) < 1e-5);
    }
    eb_tensor_free_data(&y);

    eb_attr a2[] = {attr_s("mode", "linear"), attr_ints("axes", 2, axes),
                    attr_s("keep_aspect_ratio_policy", "not_smaller")};
    eb_node n2 = node(EB_OP_RESIZE, 18, 4, a2, 3);
    assert_int_equal(run(&n2, in, &y, NULL), EB_OK);
    assert_int_equal(y.shape[2], 3); /* scale max(3/4, 3/6) = 0.75: 4 * 0.75 = 3, 6 * 0.75 = 4.5 -> 5 */
    assert_int_equal(y.shape[3], 5);
    eb_tensor_free_data(&y);

    int64_t bad_axes[2] = {2, 2};
    eb_attr a3[] = {attr_s("mode", "linear"), attr_ints("axes", 2, bad_axes)};
    eb_node n3 = node(EB_OP_RESIZE, 18, 4, a3, 2);
    assert_int_equal(run(&n3, in, &y, NULL), EB_EINVAL);
    free_all((eb_tensor[]){x, sizes}, 2);
}

/* The ONNX operator docs' half_pixel_symmetric example (a Resize-19
 * vector, newer than the installed test data). */
static void resize__half_pixel_symmetric__matches_the_onnx_example(void **state)
{
    (void)state;
    eb_tensor x = f32s(4, (float[]){1, 2, 3, 4}), scales = f32s(4, (float[]){1, 1, 2.3f, 2.94f}), y;
    x.rank = 4;
    x.shape[0] = x.shape[1] = 1;
    x.shape[2] = x.shape[3] = 2;
    const eb_tensor *in[3] = {&x, NULL, &scales};
    eb_attr a[] = {attr_s("mode", "linear"), attr_s("coordinate_transformation_mode", "half_pixel_symmetric")};
    eb_node n = node(EB_OP_RESIZE, 19, 3, a, 2);
    assert_int_equal(run(&n, in, &y, NULL), EB_OK);
    assert_int_equal(y.shape[2], 4);
    assert_int_equal(y.shape[3], 5);
    static const double want[20] = {1.0,        1.15986395, 1.5,        1.84013605, 2.0,
                                    1.56521738, 1.72508133, 2.06521738, 2.40535343, 2.56521738,
                                    2.43478262, 2.59464657, 2.93478262, 3.27491867, 3.43478262,
                                    3.0,        3.15986395, 3.5,        3.84013605, 4.0};
    for (int i = 0; i < 20; i++)
        assert_true(fabs(((float *)y.data)[i] - want[i]) < 1e-5);
    free_all((eb_tensor[]){x, scales, y}, 3);
}

/* ---- ConvTranspose ------------------------------------------------------ */

static void conv_transpose__bad_weight_and_pads__refused(void **state)
{
    (void)state;
    eb_tensor x = random_f32(4, (int64_t[]){1, 4, 3, 3}), w = random_f32(4, (int64_t[]){3, 2, 3, 3}), y;
    char msg[256];
    const eb_tensor *in[2] = {&x, &w};
    eb_node n = node(EB_OP_CONV_TRANSPOSE, 17, 2, NULL, 0);
    assert_int_equal(run(&n, in, &y, msg), EB_EINVAL); /* W has 3 input channels, X 4 */
    assert_non_null(strstr(msg, "ConvTranspose"));
    eb_tensor w4 = random_f32(4, (int64_t[]){4, 2, 3, 3});
    const eb_tensor *in4[2] = {&x, &w4};
    int64_t pads[4] = {3, 3, 3, 3};
    eb_attr a[] = {attr_ints("pads", 4, pads)};
    eb_node np = node(EB_OP_CONV_TRANSPOSE, 17, 2, a, 1);
    assert_int_equal(run(&np, in4, &y, msg), EB_EINVAL); /* 5 - 6 - 6 < 0 */
    int64_t group = 3;
    eb_attr g[] = {attr_i("group", group)};
    eb_node ng = node(EB_OP_CONV_TRANSPOSE, 17, 2, g, 1);
    assert_int_equal(run(&ng, in4, &y, msg), EB_EINVAL); /* 3 does not divide 4 channels */
    free_all((eb_tensor[]){x, w, w4}, 3);
}

/* Stride-1, unpadded, single-channel ConvTranspose is a full correlation
 * with the flipped kernel: checked against that direct sum. */
static void conv_transpose__stride1_equals_full_convolution(void **state)
{
    (void)state;
    for (int trial = 0; trial < 8; trial++) {
        int64_t h = 1 + (int64_t)(eb_test_rand(&rng) % 5), wd = 1 + (int64_t)(eb_test_rand(&rng) % 5);
        int64_t kh = 1 + (int64_t)(eb_test_rand(&rng) % 3), kw = 1 + (int64_t)(eb_test_rand(&rng) % 3);
        eb_tensor x = random_f32(4, (int64_t[]){1, 1, h, wd}), w = random_f32(4, (int64_t[]){1, 1, kh, kw}), y;
        const eb_tensor *in[2] = {&x, &w};
        eb_node n = node(EB_OP_CONV_TRANSPOSE, 17, 2, NULL, 0);
        assert_int_equal(run(&n, in, &y, NULL), EB_OK);
        int64_t oh = h + kh - 1, ow = wd + kw - 1;
        assert_int_equal(y.shape[2], oh);
        assert_int_equal(y.shape[3], ow);
        const float *xd = x.data, *wdata = w.data;
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++) {
                double s = 0;
                for (int64_t a = 0; a < kh; a++)
                    for (int64_t b = 0; b < kw; b++)
                        if (i - a >= 0 && i - a < h && j - b >= 0 && j - b < wd)
                            s += (double)xd[(i - a) * wd + j - b] * wdata[a * kw + b];
                assert_true(fabs(((float *)y.data)[i * ow + j] - s) < 1e-5);
            }
        free_all((eb_tensor[]){x, w, y}, 3);
    }
}

/* ---- DepthToSpace / SpaceToDepth ---------------------------------------- */

static void depth_space__dcr_inverts_space_to_depth_and_bad_blocks_refused(void **state)
{
    (void)state;
    eb_tensor x = random_f32(4, (int64_t[]){2, 3, 4, 6}), d, back;
    eb_attr a[] = {attr_i("blocksize", 2)};
    eb_node s2d = node(EB_OP_SPACE_TO_DEPTH, 13, 1, a, 1), d2s = node(EB_OP_DEPTH_TO_SPACE, 13, 1, a, 1);
    const eb_tensor *in[1] = {&x};
    assert_int_equal(run(&s2d, in, &d, NULL), EB_OK);
    assert_int_equal(d.shape[1], 12);
    const eb_tensor *in2[1] = {&d};
    assert_int_equal(run(&d2s, in2, &back, NULL), EB_OK);
    char why[256];
    assert_true(eb_test_tensors_close(&back, &x, 0, 0, why, sizeof why));
    eb_attr a3[] = {attr_i("blocksize", 4)};
    eb_node bad = node(EB_OP_SPACE_TO_DEPTH, 13, 1, a3, 1);
    eb_tensor y;
    assert_int_equal(run(&bad, in, &y, NULL), EB_EINVAL); /* 4 does not divide W = 6 */
    eb_node bad2 = node(EB_OP_DEPTH_TO_SPACE, 13, 1, a3, 1);
    assert_int_equal(run(&bad2, in, &y, NULL), EB_EINVAL); /* 16 does not divide C = 3 */
    eb_attr am[] = {attr_i("blocksize", 2), attr_s("mode", "XYZ")};
    eb_node badm = node(EB_OP_DEPTH_TO_SPACE, 13, 1, am, 2);
    assert_int_equal(run(&badm, in2, &y, NULL), EB_EINVAL);
    free_all((eb_tensor[]){x, d, back}, 3);
}

/* ---- InstanceNormalization, PRelu --------------------------------------- */

static void instance_norm_and_prelu__bad_shapes_refused(void **state)
{
    (void)state;
    eb_tensor x = random_f32(4, (int64_t[]){1, 3, 2, 2}), s2 = random_f32(1, (int64_t[]){2});
    eb_tensor s3 = random_f32(1, (int64_t[]){3}), slope = random_f32(1, (int64_t[]){5}), y;
    char msg[256];
    eb_node in_n = node(EB_OP_INSTANCE_NORM, 6, 3, NULL, 0);
    const eb_tensor *in[3] = {&x, &s2, &s3};
    assert_int_equal(run(&in_n, in, &y, msg), EB_EINVAL);
    assert_non_null(strstr(msg, "scale"));
    eb_node pr = node(EB_OP_PRELU, 16, 2, NULL, 0);
    const eb_tensor *pin[2] = {&x, &slope};
    assert_int_equal(run(&pr, pin, &y, msg), EB_EINVAL);
    assert_non_null(strstr(msg, "slope"));
    /* a per-channel slope [C, 1, 1] broadcasts */
    eb_tensor sc = random_f32(3, (int64_t[]){3, 1, 1});
    const eb_tensor *cin[2] = {&x, &sc};
    assert_int_equal(run(&pr, cin, &y, msg), EB_OK);
    for (int64_t i = 0; i < 12; i++) {
        float v = ((float *)x.data)[i], s = ((float *)sc.data)[i / 4];
        assert_true(fabsf(((float *)y.data)[i] - (v < 0 ? v * s : v)) < 1e-6f);
    }
    free_all((eb_tensor[]){x, s2, s3, slope, sc, y}, 6);
}

/* ---- Einsum ------------------------------------------------------------- */

static eb_status einsum(const char *eq, int n_in, const eb_tensor *const *in, eb_tensor *y)
{
    eb_attr a[] = {attr_s("equation", eq)};
    eb_node n = node(EB_OP_EINSUM, 12, n_in, a, 1);
    return run(&n, in, y, NULL);
}

static void einsum__ellipsis_diagonal_trace_against_loops(void **state)
{
    (void)state;
    /* batched diagonal with a broadcast ellipsis: "...ii->...i" */
    eb_tensor a = random_f32(4, (int64_t[]){2, 3, 4, 4}), y;
    const eb_tensor *in1[1] = {&a};
    assert_int_equal(einsum("...ii->...i", 1, in1, &y), EB_OK);
    assert_int_equal(y.rank, 3);
    for (int64_t b = 0; b < 6; b++)
        for (int64_t i = 0; i < 4; i++)
            assert_true(((float *)y.data)[b * 4 + i] == ((float *)a.data)[b * 16 + i * 4 + i]);
    eb_tensor_free_data(&y);

    /* implicit trace: "ii" -> scalar */
    eb_tensor m = random_f32(2, (int64_t[]){5, 5});
    const eb_tensor *in2[1] = {&m};
    assert_int_equal(einsum("ii", 1, in2, &y), EB_OK);
    assert_int_equal(y.rank, 0);
    double tr = 0;
    for (int i = 0; i < 5; i++)
        tr += ((float *)m.data)[i * 6];
    assert_true(fabs(((float *)y.data)[0] - tr) < 1e-5);
    eb_tensor_free_data(&y);

    /* broadcast batch matmul, implicit output "...ik": [2,1,3,4] x [5,4,2] */
    eb_tensor p = random_f32(4, (int64_t[]){2, 1, 3, 4}), q = random_f32(3, (int64_t[]){5, 4, 2});
    const eb_tensor *in3[2] = {&p, &q};
    assert_int_equal(einsum("...ij, ...jk", 2, in3, &y), EB_OK);
    int64_t want[4] = {2, 5, 3, 2};
    assert_int_equal(y.rank, 4);
    for (int d = 0; d < 4; d++)
        assert_int_equal(y.shape[d], want[d]);
    for (int64_t b0 = 0; b0 < 2; b0++)
        for (int64_t b1 = 0; b1 < 5; b1++)
            for (int64_t i = 0; i < 3; i++)
                for (int64_t k = 0; k < 2; k++) {
                    double s = 0;
                    for (int64_t j = 0; j < 4; j++)
                        s += (double)((float *)p.data)[(b0 * 3 + i) * 4 + j] * ((float *)q.data)[(b1 * 4 + j) * 2 + k];
                    assert_true(fabs(((float *)y.data)[((b0 * 5 + b1) * 3 + i) * 2 + k] - s) < 1e-5);
                }
    eb_tensor_free_data(&y);

    /* malformed equations and mismatched sizes */
    assert_int_equal(einsum("ij,jk->ik", 1, in2, &y), EB_EINVAL); /* two terms, one input */
    assert_int_equal(einsum("ij->ix", 1, in2, &y), EB_EINVAL);    /* x in no input */
    assert_int_equal(einsum("i1->i", 1, in2, &y), EB_EINVAL);
    assert_int_equal(einsum("ijk", 1, in2, &y), EB_EINVAL);       /* 3 letters, rank 2 */
    const eb_tensor *bad[2] = {&m, &a};
    assert_int_equal(einsum("ij,abjc->i", 2, bad, &y), EB_EINVAL); /* j: 5 and 3 */
    /* valid ONNX beyond what the parser holds: unsupported, not invalid */
    const eb_tensor *many[17];
    for (int k = 0; k < 17; k++)
        many[k] = &m;
    assert_int_equal(einsum("ij,ij,ij,ij,ij,ij,ij,ij,ij,ij,ij,ij,ij,ij,ij,ij,ij", 17, many, &y), EB_EUNSUPPORTED);
    free_all((eb_tensor[]){a, m, p, q}, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resize__bad_inputs__refused_with_reasons),
        cmocka_unit_test(resize__axes_and_keep_aspect_ratio_policy),
        cmocka_unit_test(resize__half_pixel_symmetric__matches_the_onnx_example),
        cmocka_unit_test(conv_transpose__bad_weight_and_pads__refused),
        cmocka_unit_test(conv_transpose__stride1_equals_full_convolution),
        cmocka_unit_test(depth_space__dcr_inverts_space_to_depth_and_bad_blocks_refused),
        cmocka_unit_test(instance_norm_and_prelu__bad_shapes_refused),
        cmocka_unit_test(einsum__ellipsis_diagonal_trace_against_loops),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
