/* test_ref_ops.c - the ops issue 13 added to the reference side (opsC's
 * group: Mod, BitShift, GatherElements, GatherND, ScatterElements,
 * ScatterND, TopK, NonZero, OneHot, the remaining Reduce ops and the simple
 * elementwise ops), on what the ONNX vectors (test_onnx_node) do not cover:
 * sign rules, reductions the vectors lack, and the bad inputs: indices out
 * of range refused by the shape rule when constant and by the kernel when
 * known only at run time, each with a message naming the problem (and,
 * through a whole model on the ref and cpu runners, the node); a
 * data-dependent output shape refused when the data is not known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/graph.h"
#include "models/onnx_tensor.h"
#include "models/shape_rules.h"
#include "reference_kernels/ref.h"
#include "runners/runner.h"
#include "tests/test_util.h"

#define MAX_ARGS 4

/* One node of op with n_in inputs and n_out outputs, value indices 0.. */
typedef struct one_node {
    int ins[MAX_ARGS], outs[2];
    eb_node n;
} one_node;

static void node_init(one_node *o, eb_op op, const char *op_type, int opset, int n_in, int n_out, eb_attr *attrs,
                      int n_attrs)
{
    for (int k = 0; k < MAX_ARGS; k++)
        o->ins[k] = k;
    for (int k = 0; k < 2; k++)
        o->outs[k] = MAX_ARGS + k;
    o->n = (eb_node){.op = op, .op_type = (char *)op_type, .name = "t", .opset = opset, .n_in = n_in,
                     .n_out = n_out, .in = o->ins, .out = o->outs, .n_attrs = n_attrs, .attrs = attrs};
}

/* A tensor of dtype dt and the given shape holding vals (converted). */
static eb_tensor make(eb_dtype dt, int rank, const int64_t *shape, const double *vals)
{
    eb_tensor t = {.dtype = dt, .rank = rank};
    for (int d = 0; d < rank; d++)
        t.shape[d] = shape[d];
    eb_err err;
    assert_int_equal(eb_tensor_alloc(&t, "test", &err), EB_OK);
    for (int64_t i = 0; vals && i < eb_tensor_numel(&t); i++)
        eb_dtype_set_f64(dt, t.data, i, vals[i]);
    return t;
}

static eb_attr attr_int(const char *name, int64_t v)
{
    return (eb_attr){.name = (char *)name, .type = EB_ATTR_INT, .i = v};
}

static eb_attr attr_str(const char *name, const char *s)
{
    return (eb_attr){.name = (char *)name, .type = EB_ATTR_STRING, .s = (char *)s};
}

/* The shape rule on `shape_in` (inputs as load time sees them: data NULL
 * where unknown), then the kernel on `in`, with fresh outputs. */
static eb_status run2(one_node *o, const eb_tensor **shape_in, const eb_tensor **in, eb_tensor *out, int n_out,
                      eb_err *err)
{
    eb_tensor *outs[2] = {&out[0], n_out > 1 ? &out[1] : NULL};
    for (int k = 0; k < n_out; k++)
        out[k] = (eb_tensor){0};
    eb_status st = eb_ops[o->n.op].shape(&o->n, shape_in, outs, err);
    if (st != EB_OK)
        return st;
    for (int k = 0; k < n_out; k++)
        assert_int_equal(eb_tensor_alloc(&out[k], "out", err), EB_OK);
    return eb_ref_kernels[o->n.op](&o->n, in, outs, err);
}

static eb_status run(one_node *o, const eb_tensor **in, eb_tensor *out, int n_out, eb_err *err)
{
    return run2(o, in, in, out, n_out, err);
}

static void expect_values(const eb_tensor *t, const double *want, int64_t count)
{
    assert_int_equal(eb_tensor_numel(t), count);
    for (int64_t i = 0; i < count; i++) {
        double v = eb_dtype_get_f64(t->dtype, t->data, i);
        if (isnan(want[i]))
            assert_true(isnan(v));
        else
            assert_float_equal(v, want[i], 1e-6 * (1 + fabs(want[i])));
    }
}

static void free_all(eb_tensor *t, int n)
{
    for (int i = 0; i < n; i++)
        eb_tensor_free_data(&t[i]);
}

/* ---- Mod, BitShift ----------------------------------------------------------- */

static void mod__sign_rules__divisor_or_dividend(void **state)
{
    (void)state;
    const int64_t s5[] = {6};
    const double a[] = {-4, 7, 5, -7, 3, -128}, b[] = {3, -3, -3, 3, 0, -1};
    const double py[] = {2, -2, -1, 2, 0, 0}, c[] = {-1, 1, 2, -1, 0, 0};
    eb_dtype dts[] = {EB_DT_I8, EB_DT_I32, EB_DT_I64};
    for (int k = 0; k < 3; k++)
        for (int f = 0; f < 2; f++) {
            eb_tensor x = make(dts[k], 1, s5, a), y = make(dts[k], 1, s5, b), out[1];
            eb_attr at = attr_int("fmod", f);
            one_node o;
            node_init(&o, EB_OP_MOD, "Mod", 13, 2, 1, &at, 1);
            const eb_tensor *in[2] = {&x, &y};
            eb_err err;
            assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
            expect_values(&out[0], f ? c : py, 6);
            free_all(out, 1);
            eb_tensor_free_data(&x);
            eb_tensor_free_data(&y);
        }
}

static void mod__float_without_fmod__refused(void **state)
{
    (void)state;
    const int64_t s1[] = {1};
    eb_tensor x = make(EB_DT_F32, 1, s1, NULL), out[1];
    one_node o;
    node_init(&o, EB_OP_MOD, "Mod", 13, 2, 1, NULL, 0);
    const eb_tensor *in[2] = {&x, &x};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "fmod=1"));
    eb_tensor_free_data(&x);
}

static void bitshift__width_or_more__gives_zero(void **state)
{
    (void)state;
    const int64_t s4[] = {4};
    const double a[] = {1, 255, 128, 3}, b[] = {7, 8, 9, 1};
    const double left[] = {128, 0, 0, 6}, right[] = {0, 0, 0, 1};
    for (int dir = 0; dir < 2; dir++) {
        eb_tensor x = make(EB_DT_U8, 1, s4, a), y = make(EB_DT_U8, 1, s4, b), out[1];
        eb_attr at = attr_str("direction", dir ? "RIGHT" : "LEFT");
        one_node o;
        node_init(&o, EB_OP_BIT_SHIFT, "BitShift", 11, 2, 1, &at, 1);
        const eb_tensor *in[2] = {&x, &y};
        eb_err err;
        assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
        expect_values(&out[0], dir ? right : left, 4);
        free_all(out, 1);
        eb_tensor_free_data(&x);
        eb_tensor_free_data(&y);
    }
}

/* ---- gathers and scatters ---------------------------------------------------- */

static void gather_elements__index_out_of_range__refused_at_load_and_at_run(void **state)
{
    (void)state;
    const int64_t s23[] = {2, 3}, s22[] = {2, 2};
    const double dv[] = {1, 2, 3, 4, 5, 6}, good[] = {0, -1, 2, 1}, bad[] = {0, 3, 1, 1};
    eb_tensor data = make(EB_DT_F32, 2, s23, dv), ig = make(EB_DT_I64, 2, s22, good),
              ib = make(EB_DT_I64, 2, s22, bad), out[1];
    eb_attr at = attr_int("axis", 1);
    one_node o;
    node_init(&o, EB_OP_GATHER_ELEMENTS, "GatherElements", 13, 2, 1, &at, 1);
    eb_err err;
    const eb_tensor *in[2] = {&data, &ig};
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    const double want[] = {1, 3, 6, 5}; /* negative -1 counts from the end */
    expect_values(&out[0], want, 4);
    free_all(out, 1);

    in[1] = &ib; /* constant: the shape rule refuses it */
    assert_int_equal(run(&o, in, out, 1, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "GatherElements: index 3"));
    assert_non_null(strstr(err.msg, "out of range [-3, 2]"));

    eb_tensor unknown = ib; /* known only at run time: the kernel refuses it */
    unknown.data = NULL;
    const eb_tensor *shape_in[2] = {&data, &unknown};
    assert_int_equal(run2(&o, shape_in, in, out, 1, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "out of range"));
    free_all(out, 1);
    eb_tensor_free_data(&data);
    eb_tensor_free_data(&ig);
    eb_tensor_free_data(&ib);
}

static void gather_nd__batch_dims_and_negative_indices(void **state)
{
    (void)state;
    const int64_t sd[] = {2, 2, 2}, si[] = {2, 1, 1}, s_bad[] = {2, 1, 1};
    const double dv[] = {0, 1, 2, 3, 4, 5, 6, 7}, iv[] = {-1, 0}, bad[] = {2, 0};
    eb_tensor data = make(EB_DT_I32, 3, sd, dv), idx = make(EB_DT_I64, 3, si, iv),
              ib = make(EB_DT_I64, 3, s_bad, bad), out[1];
    eb_attr at = attr_int("batch_dims", 1);
    one_node o;
    node_init(&o, EB_OP_GATHER_ND, "GatherND", 13, 2, 1, &at, 1);
    eb_err err;
    const eb_tensor *in[2] = {&data, &idx};
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    assert_int_equal(out[0].rank, 3); /* [2, 1] + [2] */
    const double want[] = {2, 3, 4, 5};
    expect_values(&out[0], want, 4);
    free_all(out, 1);
    in[1] = &ib;
    assert_int_equal(run(&o, in, out, 1, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "GatherND: index 2"));
    eb_tensor_free_data(&data);
    eb_tensor_free_data(&idx);
    eb_tensor_free_data(&ib);
}

static void scatter_elements__reductions__combine_in_order(void **state)
{
    (void)state;
    const int64_t s4[] = {4}, s3[] = {3};
    const double dv[] = {1, 5, 3, 7}, iv[] = {1, 1, -1}, uv[] = {4, 9, 2};
    const char *reds[] = {"none", "add", "mul", "max", "min"};
    const double want[5][4] = {{1, 9, 3, 2}, {1, 18, 3, 9}, {1, 180, 3, 14}, {1, 9, 3, 7}, {1, 4, 3, 2}};
    for (int r = 0; r < 5; r++) {
        eb_tensor data = make(EB_DT_F32, 1, s4, dv), idx = make(EB_DT_I32, 1, s3, iv), upd = make(EB_DT_F32, 1, s3, uv),
                  out[1];
        eb_attr at = attr_str("reduction", reds[r]);
        one_node o;
        node_init(&o, EB_OP_SCATTER_ELEMENTS, "ScatterElements", 18, 3, 1, &at, 1);
        const eb_tensor *in[3] = {&data, &idx, &upd};
        eb_err err;
        assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
        expect_values(&out[0], want[r], 4);
        free_all(out, 1);
        eb_tensor_free_data(&data);
        eb_tensor_free_data(&idx);
        eb_tensor_free_data(&upd);
    }
}

static void scatter__bad_reduction_and_bad_index__refused(void **state)
{
    (void)state;
    const int64_t s4[] = {4}, s21[] = {2, 1};
    const double dv[] = {1, 2, 3, 4}, iv[] = {0, -5}, uv[] = {9, 9};
    eb_tensor data = make(EB_DT_F32, 1, s4, dv), idx = make(EB_DT_I64, 2, s21, iv), upd = make(EB_DT_F32, 1, s21, uv),
              out[1];
    eb_attr at = attr_str("reduction", "sum");
    one_node o;
    node_init(&o, EB_OP_SCATTER_ND, "ScatterND", 18, 3, 1, &at, 1);
    const eb_tensor *in[3] = {&data, &idx, &upd};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "reduction 'sum'"));
    o.n.n_attrs = 0;
    assert_int_equal(run(&o, in, out, 1, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "ScatterND: index -5"));
    eb_tensor_free_data(&data);
    eb_tensor_free_data(&idx);
    eb_tensor_free_data(&upd);
}

/* ---- TopK, NonZero, OneHot ------------------------------------------------- */

static void topk__ties__lower_index_first_both_ways(void **state)
{
    (void)state;
    const int64_t s6[] = {6}, s1[] = {1};
    const double xv[] = {3, 1, 3, NAN, 1, 2}, kv[] = {4};
    const double big_v[] = {NAN, 3, 3, 2}, big_i[] = {3, 0, 2, 5};
    const double small_v[] = {1, 1, 2, 3}, small_i[] = {1, 4, 5, 0};
    for (int largest = 0; largest < 2; largest++) {
        eb_tensor x = make(EB_DT_F32, 1, s6, xv), k = make(EB_DT_I64, 1, s1, kv), out[2];
        eb_attr at = attr_int("largest", largest);
        one_node o;
        node_init(&o, EB_OP_TOP_K, "TopK", 11, 2, 2, &at, 1);
        const eb_tensor *in[2] = {&x, &k};
        eb_err err;
        assert_int_equal(run(&o, in, out, 2, &err), EB_OK);
        expect_values(&out[0], largest ? big_v : small_v, 4);
        expect_values(&out[1], largest ? big_i : small_i, 4);
        free_all(out, 2);
        eb_tensor_free_data(&x);
        eb_tensor_free_data(&k);
    }
}

static void topk__k_too_large_or_unknown__refused(void **state)
{
    (void)state;
    const int64_t s6[] = {6}, s1[] = {1};
    const double kv[] = {7};
    eb_tensor x = make(EB_DT_F32, 1, s6, NULL), k = make(EB_DT_I64, 1, s1, kv), out[2];
    one_node o;
    node_init(&o, EB_OP_TOP_K, "TopK", 11, 2, 2, NULL, 0);
    const eb_tensor *in[2] = {&x, &k};
    eb_err err;
    assert_int_equal(run(&o, in, out, 2, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "K=7"));
    eb_tensor unknown = k;
    unknown.data = NULL;
    in[1] = &unknown;
    assert_int_equal(run(&o, in, out, 2, &err), EB_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "known at load time"));
    eb_tensor_free_data(&x);
    eb_tensor_free_data(&k);
}

static void nonzero__data_unknown__unsupported_with_reason(void **state)
{
    (void)state;
    const int64_t s23[] = {2, 3};
    const double xv[] = {0, 1, 0, NAN, 0, 2};
    eb_tensor x = make(EB_DT_F32, 2, s23, xv), out[1];
    one_node o;
    node_init(&o, EB_OP_NON_ZERO, "NonZero", 13, 1, 1, NULL, 0);
    const eb_tensor *in[1] = {&x};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    assert_int_equal(out[0].shape[0], 2);
    const double want[] = {0, 1, 1, 1, 0, 2}; /* rows of (r, c): (0,1) (1,0) (1,2) */
    expect_values(&out[0], want, 6);
    free_all(out, 1);

    eb_tensor unknown = x;
    unknown.data = NULL;
    in[0] = &unknown;
    assert_int_equal(run(&o, in, out, 1, &err), EB_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "depends on the input's values"));

    /* sized at load time for 3, fed 2 at run time: refused, not truncated */
    const double other[] = {0, 1, 0, 0, 0, 2};
    eb_tensor x2 = make(EB_DT_F32, 2, s23, other);
    const eb_tensor *shape_in[1] = {&x}, *run_in[1] = {&x2};
    assert_int_equal(run2(&o, shape_in, run_in, out, 1, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "changed after shape inference"));
    free_all(out, 1);
    eb_tensor_free_data(&x);
    eb_tensor_free_data(&x2);
}

static void onehot__negative_and_out_of_range_indices(void **state)
{
    (void)state;
    const int64_t s3[] = {3}, s2[] = {2};
    const double iv[] = {-1, 5, 1}, dv[] = {3}, vv[] = {0, 7};
    eb_tensor idx = make(EB_DT_I64, 1, s3, iv), depth = make(EB_DT_F32, 0, NULL, dv),
              values = make(EB_DT_I32, 1, s2, vv), out[1];
    eb_attr at = attr_int("axis", 0);
    one_node o;
    node_init(&o, EB_OP_ONE_HOT, "OneHot", 11, 3, 1, &at, 1);
    const eb_tensor *in[3] = {&idx, &depth, &values};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    assert_int_equal(out[0].shape[0], 3); /* depth first: axis 0 */
    const double want[] = {0, 0, 0, /**/ 0, 0, 7, /**/ 7, 0, 0};
    expect_values(&out[0], want, 9);
    free_all(out, 1);
    eb_tensor_free_data(&idx);
    eb_tensor_free_data(&depth);
    eb_tensor_free_data(&values);
}

/* ---- the remaining Reduce ops ------------------------------------------------ */

static void reduce__axes_input_keepdims_and_noop(void **state)
{
    (void)state;
    const int64_t s23[] = {2, 3}, s1[] = {1};
    const double xv[] = {3, -4, 0, 1000, 1000, -1}, av[] = {1};
    struct {
        eb_op op;
        const char *name;
        double want[2];
    } cases[] = {
        {EB_OP_REDUCE_L1, "ReduceL1", {7, 2001}},
        {EB_OP_REDUCE_L2, "ReduceL2", {5, sqrt(2000001.0)}},
        {EB_OP_REDUCE_SUM_SQUARE, "ReduceSumSquare", {25, 2000001}},
        {EB_OP_REDUCE_LOG_SUM, "ReduceLogSum", {NAN, log(1999.0)}},
        /* 1000 + log(2 + e^-1001): no overflow although e^1000 is inf in double */
        {EB_OP_REDUCE_LOG_SUM_EXP, "ReduceLogSumExp", {log(exp(3) + exp(-4) + 1), 1000 + log(2 + exp(-1001))}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        eb_tensor x = make(EB_DT_F32, 2, s23, xv), axes = make(EB_DT_I64, 1, s1, av), out[1];
        one_node o;
        node_init(&o, cases[c].op, cases[c].name, 18, 2, 1, NULL, 0);
        const eb_tensor *in[2] = {&x, &axes};
        eb_err err;
        assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
        assert_int_equal(out[0].rank, 2); /* keepdims by default: [2, 1] */
        assert_int_equal(out[0].shape[1], 1);
        expect_values(&out[0], cases[c].want, 2);
        free_all(out, 1);

        /* no axes with noop_with_empty_axes=1: the identity */
        eb_attr noop = attr_int("noop_with_empty_axes", 1);
        o.n.attrs = &noop, o.n.n_attrs = 1, o.n.n_in = 1;
        assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
        expect_values(&out[0], xv, 6);
        free_all(out, 1);
        eb_tensor_free_data(&x);
        eb_tensor_free_data(&axes);
    }
}

static void reduce__l2_on_integers__unsupported(void **state)
{
    (void)state;
    const int64_t s2[] = {2};
    eb_tensor x = make(EB_DT_I32, 1, s2, NULL), out[1];
    one_node o;
    node_init(&o, EB_OP_REDUCE_L2, "ReduceL2", 13, 1, 1, NULL, 0);
    const eb_tensor *in[1] = {&x};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "ReduceL2: input has dtype i32"));
    eb_tensor_free_data(&x);
}

/* ---- simple elementwise and the rest ---------------------------------------- */

static void isinf__detect_flags(void **state)
{
    (void)state;
    const int64_t s4[] = {4};
    const double xv[] = {INFINITY, -INFINITY, NAN, 1};
    const double both[] = {1, 1, 0, 0}, pos_only[] = {1, 0, 0, 0}, nan_want[] = {0, 0, 1, 0};
    eb_tensor x = make(EB_DT_F32, 1, s4, xv), out[1];
    eb_attr at = attr_int("detect_negative", 0);
    one_node o;
    const eb_tensor *in[1] = {&x};
    eb_err err;
    node_init(&o, EB_OP_IS_INF, "IsInf", 10, 1, 1, NULL, 0);
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    assert_int_equal(out[0].dtype, EB_DT_BOOL);
    expect_values(&out[0], both, 4);
    free_all(out, 1);
    o.n.attrs = &at, o.n.n_attrs = 1;
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    expect_values(&out[0], pos_only, 4);
    free_all(out, 1);
    node_init(&o, EB_OP_IS_NAN, "IsNaN", 13, 1, 1, NULL, 0);
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    expect_values(&out[0], nan_want, 4);
    free_all(out, 1);
    eb_tensor_free_data(&x);
}

static void shrink__integers_truncated_like_cast(void **state)
{
    (void)state;
    const int64_t s5[] = {5};
    const double xv[] = {-3, -1, 0, 1, 3}, want[] = {-1, 0, 0, 0, 1}; /* -3 + 1.5 = -1.5 -> -1 */
    eb_tensor x = make(EB_DT_I32, 1, s5, xv), out[1];
    eb_attr at[2] = {{.name = "lambd", .type = EB_ATTR_FLOAT, .f = 1.5f},
                     {.name = "bias", .type = EB_ATTR_FLOAT, .f = 1.5f}};
    one_node o;
    node_init(&o, EB_OP_SHRINK, "Shrink", 9, 1, 1, at, 2);
    const eb_tensor *in[1] = {&x};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    expect_values(&out[0], want, 5);
    free_all(out, 1);
    eb_tensor_free_data(&x);
}

static void hardmax__ties_first_index(void **state)
{
    (void)state;
    const int64_t s23[] = {2, 3};
    const double xv[] = {2, 5, 5, -1, -1, -1}, want[] = {0, 1, 0, 1, 0, 0};
    eb_tensor x = make(EB_DT_F32, 2, s23, xv), out[1];
    one_node o;
    node_init(&o, EB_OP_HARDMAX, "Hardmax", 13, 1, 1, NULL, 0);
    const eb_tensor *in[1] = {&x};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    expect_values(&out[0], want, 6);
    free_all(out, 1);
    eb_tensor_free_data(&x);
}

static void eye_like__k_off_diagonal_and_dtype(void **state)
{
    (void)state;
    const int64_t s23[] = {2, 3};
    const double want[] = {0, 0, 1, 0, 0, 0};
    eb_tensor x = make(EB_DT_F32, 2, s23, NULL), out[1];
    eb_attr at[2] = {attr_int("k", 2), attr_int("dtype", 7 /* INT64 */)};
    one_node o;
    node_init(&o, EB_OP_EYE_LIKE, "EyeLike", 9, 1, 1, at, 2);
    const eb_tensor *in[1] = {&x};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    assert_int_equal(out[0].dtype, EB_DT_I64);
    expect_values(&out[0], want, 6);
    free_all(out, 1);
    eb_tensor_free_data(&x);
}

static void compress__condition_unknown_or_too_long__refused(void **state)
{
    (void)state;
    const int64_t s23[] = {2, 3}, s2[] = {2}, s4[] = {4};
    const double xv[] = {1, 2, 3, 4, 5, 6}, cv[] = {0, 1}, want[] = {2, 5};
    eb_tensor x = make(EB_DT_F32, 2, s23, xv), cond = make(EB_DT_BOOL, 1, s2, cv), lng = make(EB_DT_BOOL, 1, s4, NULL),
              out[1];
    eb_attr at = attr_int("axis", 1);
    one_node o;
    node_init(&o, EB_OP_COMPRESS, "Compress", 11, 2, 1, &at, 1);
    const eb_tensor *in[2] = {&x, &cond};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK); /* the third column dropped: past the condition */
    assert_int_equal(out[0].shape[1], 1);
    expect_values(&out[0], want, 2);
    free_all(out, 1);
    eb_tensor unknown = cond;
    unknown.data = NULL;
    in[1] = &unknown;
    assert_int_equal(run(&o, in, out, 1, &err), EB_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "depends on the condition's values"));
    in[1] = &lng;
    assert_int_equal(run(&o, in, out, 1, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "condition has 4 entries"));
    eb_tensor_free_data(&x);
    eb_tensor_free_data(&cond);
    eb_tensor_free_data(&lng);
}

static void cast_like__takes_the_second_inputs_dtype(void **state)
{
    (void)state;
    const int64_t s3[] = {3};
    const double xv[] = {-1.7, 2.5, 300}, want[] = {-1, 2, 300};
    eb_tensor x = make(EB_DT_F64, 1, s3, xv), like = make(EB_DT_I16, 0, NULL, NULL), out[1];
    one_node o;
    node_init(&o, EB_OP_CAST_LIKE, "CastLike", 15, 2, 1, NULL, 0);
    const eb_tensor *in[2] = {&x, &like};
    eb_err err;
    assert_int_equal(run(&o, in, out, 1, &err), EB_OK);
    assert_int_equal(out[0].dtype, EB_DT_I16);
    expect_values(&out[0], want, 3);
    free_all(out, 1);
    eb_tensor_free_data(&x);
    eb_tensor_free_data(&like);
}

/* ---- through a whole model: the messages name the node ------------------------ */

/* A one-node model y = GatherElements(x f32[2,3], i i64[2,2], axis=1) named
 * "pick"; i is an initialiser holding idx when idx is non-NULL, else a
 * second graph input. */
static uint8_t *gather_model(const int64_t *idx, size_t *len)
{
    Onnx__TensorShapeProto__Dimension d[2] = {ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT,
                                              ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT};
    Onnx__TensorShapeProto__Dimension di[2] = {ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT,
                                               ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT};
    Onnx__TensorShapeProto__Dimension *dp[2] = {&d[0], &d[1]}, *dip[2] = {&di[0], &di[1]};
    for (int k = 0; k < 2; k++) {
        d[k].value_case = di[k].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        d[k].dim_value = k ? 3 : 2;
        di[k].dim_value = 2;
    }
    Onnx__TensorShapeProto sx = ONNX__TENSOR_SHAPE_PROTO__INIT, si = ONNX__TENSOR_SHAPE_PROTO__INIT;
    sx.n_dim = si.n_dim = 2;
    sx.dim = dp;
    si.dim = dip;
    Onnx__TypeProto__Tensor tx = ONNX__TYPE_PROTO__TENSOR__INIT, ti = ONNX__TYPE_PROTO__TENSOR__INIT;
    tx.has_elem_type = ti.has_elem_type = 1;
    tx.elem_type = 1; /* FLOAT */
    ti.elem_type = 7; /* INT64 */
    tx.shape = &sx;
    ti.shape = &si;
    Onnx__TypeProto typx = ONNX__TYPE_PROTO__INIT, typi = ONNX__TYPE_PROTO__INIT;
    typx.value_case = typi.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    typx.tensor_type = &tx;
    typi.tensor_type = &ti;
    Onnx__ValueInfoProto x = ONNX__VALUE_INFO_PROTO__INIT, i = ONNX__VALUE_INFO_PROTO__INIT,
                         y = ONNX__VALUE_INFO_PROTO__INIT;
    x.name = "x", x.type = &typx;
    i.name = "i", i.type = &typi;
    y.name = "y";
    Onnx__ValueInfoProto *ins[2] = {&x, &i}, *outs[1] = {&y};

    Onnx__TensorProto init = ONNX__TENSOR_PROTO__INIT, *inits[1] = {&init};
    int64_t idims[2] = {2, 2};
    init.name = "i";
    init.has_data_type = 1;
    init.data_type = 7;
    init.n_dims = 2;
    init.dims = idims;
    init.n_int64_data = 4;
    init.int64_data = (int64_t *)idx;

    Onnx__AttributeProto axis = ONNX__ATTRIBUTE_PROTO__INIT, *attrs[1] = {&axis};
    axis.name = "axis";
    axis.has_type = 1;
    axis.type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    axis.has_i = 1;
    axis.i = 1;
    Onnx__NodeProto node = ONNX__NODE_PROTO__INIT, *nodes[1] = {&node};
    char *nin[2] = {"x", "i"}, *nout[1] = {"y"};
    node.op_type = "GatherElements";
    node.name = "pick";
    node.n_input = 2, node.input = nin;
    node.n_output = 1, node.output = nout;
    node.n_attribute = 1, node.attribute = attrs;

    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "g";
    graph.n_node = 1, graph.node = nodes;
    graph.n_initializer = idx ? 1 : 0, graph.initializer = inits;
    graph.n_input = idx ? 1 : 2, graph.input = ins;
    graph.n_output = 1, graph.output = outs;
    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsets[1] = {&opset};
    opset.domain = "";
    opset.has_version = 1;
    opset.version = 13;
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    m.has_ir_version = 1;
    m.ir_version = 8;
    m.n_opset_import = 1, m.opset_import = opsets;
    m.graph = &graph;
    *len = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    onnx__model_proto__pack(&m, buf);
    return buf;
}

static void model__index_out_of_range__refused_naming_the_node(void **state)
{
    (void)state;
    const int64_t bad[4] = {0, 1, 2, 3};
    size_t len;
    uint8_t *buf = gather_model(bad, &len);
    eb_graph *g = NULL;
    eb_err err = {{0}};
    assert_int_equal(eb_graph_load_buffer(buf, len, "gather.onnx", NULL, &g, &err), EB_OK);
    free(buf);
    /* a constant index: refused by shape inference */
    assert_int_equal(eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "'pick' (GatherElements)"));
    assert_non_null(strstr(err.msg, "index 3"));
    eb_graph_free(g);

    /* the same index arriving at run time: refused by each runner's run */
    buf = gather_model(NULL, &len);
    assert_int_equal(eb_graph_load_buffer(buf, len, "gather.onnx", NULL, &g, &err), EB_OK);
    free(buf);
    assert_int_equal(eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err), EB_OK);
    float xs[6] = {1, 2, 3, 4, 5, 6}, ys[4];
    int64_t is[4] = {0, 1, 2, 3};
    eb_tensor in[2] = {{.dtype = EB_DT_F32, .rank = 2, .shape = {2, 3}, .data = xs},
                       {.dtype = EB_DT_I64, .rank = 2, .shape = {2, 2}, .data = is}};
    eb_tensor out = {.dtype = EB_DT_F32, .rank = 2, .shape = {2, 2}, .data = ys};
    const char *runners[] = {"ref", "cpu"};
    for (int k = 0; k < 2; k++) {
        const eb_runner *r = eb_runner_find(runners[k]);
        if (!r)
            continue; /* not built in */
        eb_variant v = eb_variant_default(runners[k]);
        eb_plan *plan;
        assert_int_equal(r->prepare(g, &v, &plan, &err), EB_OK);
        assert_int_equal(r->run(plan, in, &out, &err), EB_EINVAL);
        assert_non_null(strstr(err.msg, "pick"));
        assert_non_null(strstr(err.msg, "GatherElements: index 3"));
        is[3] = -3; /* in range: counts from the end */
        assert_int_equal(r->run(plan, in, &out, &err), EB_OK);
        assert_true(ys[0] == 1 && ys[1] == 2 && ys[2] == 6 && ys[3] == 4);
        is[3] = 3;
        r->release(plan);
    }
    eb_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mod__sign_rules__divisor_or_dividend),
        cmocka_unit_test(mod__float_without_fmod__refused),
        cmocka_unit_test(bitshift__width_or_more__gives_zero),
        cmocka_unit_test(gather_elements__index_out_of_range__refused_at_load_and_at_run),
        cmocka_unit_test(gather_nd__batch_dims_and_negative_indices),
        cmocka_unit_test(scatter_elements__reductions__combine_in_order),
        cmocka_unit_test(scatter__bad_reduction_and_bad_index__refused),
        cmocka_unit_test(topk__ties__lower_index_first_both_ways),
        cmocka_unit_test(topk__k_too_large_or_unknown__refused),
        cmocka_unit_test(nonzero__data_unknown__unsupported_with_reason),
        cmocka_unit_test(onehot__negative_and_out_of_range_indices),
        cmocka_unit_test(reduce__axes_input_keepdims_and_noop),
        cmocka_unit_test(reduce__l2_on_integers__unsupported),
        cmocka_unit_test(isinf__detect_flags),
        cmocka_unit_test(shrink__integers_truncated_like_cast),
        cmocka_unit_test(hardmax__ties_first_index),
        cmocka_unit_test(eye_like__k_off_diagonal_and_dtype),
        cmocka_unit_test(compress__condition_unknown_or_too_long__refused),
        cmocka_unit_test(cast_like__takes_the_second_inputs_dtype),
        cmocka_unit_test(model__index_out_of_range__refused_naming_the_node),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
