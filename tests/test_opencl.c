/* test_opencl.c - the `opencl` runner (runners/opencl/ocl_runner.c and its
 * lowering, ocl_plan*.c) against the `ref` runner, its oracle.
 *
 * Every check runs the same graph on both runners with the same random
 * inputs (never zero: magnitudes in [0.1, 1), random signs; seeded, the
 * seed printed on failure) and compares every output by relative L2 error,
 * ||opencl - ref|| / ||ref||, which must stay at or below TOL = 1e-5 (the
 * kernels compute in fp32 with OpenCL's builtins, the reference in double:
 * a few ulp apart).  The single-op graphs cover each of the runner's own
 * kernels on random shapes (ranks 1 to 6, broadcasting, random axes) and
 * also check that no node fell back to the reference kernels; further
 * tests cover the fallback between kernels, the aliasing of reshapes, the
 * fusions (elementwise chains, Conv+Relu), the record's fields (time split
 * from profiling events, program cache, notes, device memory), profile(),
 * the variant keys it refuses, and the zoo.
 *
 * Every test skips visibly, with the reason, where the runner is not built
 * (make OPENCL=no, or no OpenCL SDK) or there is no OpenCL device (CI has
 * PoCL, the CPU as a device). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test_graph_builder.h"
#include "tests/test_util.h"

#if EB_HAVE_OPENCL
#include "models/graph.h"
#include "models/onnx_tensor.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "runners/opencl/ocl.h"
#include "runners/runner.h"

#define TOL 1e-5

extern const eb_runner eb_runner_opencl; /* runners/opencl/ocl_runner.c */

static uint64_t rng;

static int setup(void **state)
{
    (void)state;
    rng = eb_test_seed();
    return 0;
}

/* Skips (with the reason) when there is no OpenCL device. */
static void need_device(void)
{
    eb_device d[4];
    if (eb_ocl_devices(d, 4) == 0) {
        print_message("skipped: no OpenCL device (no ICD or platform; Debian: pocl-opencl-icd)\n");
        skip();
    }
}

/* A value never zero: sign * [0.1, 1). */
static float rand_nonzero(void)
{
    return eb_test_nonzero(&rng, 1.0f);
}

static int rand_int(int lo, int hi) /* [lo, hi] */
{
    return eb_test_int(&rng, lo, hi);
}

/* ---- running a graph on ref and opencl ------------------------------------- */

typedef struct run_out {
    int n;
    eb_tensor t[8];
} run_out;

static void out_alloc(const eb_graph *g, run_out *o)
{
    o->n = g->n_outputs;
    assert_true(o->n <= 8);
    for (int i = 0; i < o->n; i++) {
        eb_err err;
        eb_tensor_copy_meta(&o->t[i], &g->values[g->outputs[i]].t);
        o->t[i].data = NULL;
        assert_int_equal(eb_tensor_alloc(&o->t[i], "output", &err), EB_OK);
    }
}

static void out_free(run_out *o)
{
    for (int i = 0; i < o->n; i++)
        eb_tensor_free_data(&o->t[i]);
    o->n = 0;
}

/* Prepares g on runner `name` with variant v (default when NULL). */
static eb_plan *prepare_on(const char *name, const eb_variant *v, const eb_graph *g)
{
    const eb_runner *r = eb_runner_find(name);
    assert_non_null(r);
    eb_variant dv = eb_variant_default(name);
    v = v ? v : &dv;
    char why[512] = "";
    if (!r->supports(g, v, why, sizeof why))
        fail_msg("%s does not support the graph: %s", name, why);
    eb_plan *p = NULL;
    eb_err err = {{0}};
    if (r->prepare(g, v, &p, &err) != EB_OK)
        fail_msg("%s prepare: %s", name, err.msg);
    return p;
}

static void run_plan(const char *name, eb_plan *p, const eb_graph *g, const eb_tensor *in, run_out *o)
{
    eb_err err = {{0}};
    out_alloc(g, o);
    if (eb_runner_find(name)->run(p, in, o->t, &err) != EB_OK)
        fail_msg("%s run: %s", name, err.msg);
}

/* Relative L2 error of got against want over every f32 output (other
 * dtypes must match exactly: their error counts as 1). */
static double rel_l2(const run_out *got, const run_out *want)
{
    double worst = 0;
    for (int i = 0; i < want->n; i++) {
        int64_t n = eb_tensor_numel(&want->t[i]);
        if (want->t[i].dtype != EB_DT_F32) {
            if (memcmp(got->t[i].data, want->t[i].data, eb_tensor_nbytes(&want->t[i])) != 0)
                worst = 1;
            continue;
        }
        const float *a = got->t[i].data, *e = want->t[i].data;
        double num = 0, den = 0;
        for (int64_t k = 0; k < n; k++) {
            if (isnan(a[k]) != isnan(e[k]))
                return INFINITY;
            if (isnan(e[k]))
                continue;
            double d = (double)a[k] - e[k];
            num += d * d;
            den += (double)e[k] * e[k];
        }
        double r = den > 0 ? sqrt(num / den) : sqrt(num);
        worst = r > worst ? r : worst;
    }
    return worst;
}

/* ref vs opencl on g (two runs of the opencl plan, which must agree
 * exactly); fallbacks gets the plan's reference-kernel ops; frees g. */
static double compare_in(eb_graph *g, eb_tensor *in, char *fallbacks, size_t fn);

static double compare(eb_graph *g, char *fallbacks, size_t fn)
{
    eb_tensor in[8] = {{0}};
    assert_true(g->n_inputs <= 8);
    mb_inputs(g, in, &rng, 1.0f);
    return compare_in(g, in, fallbacks, fn);
}

/* compare() on the given inputs, which it frees */
static double compare_in(eb_graph *g, eb_tensor *in, char *fallbacks, size_t fn)
{
    run_out want = {0}, got = {0}, again = {0};
    eb_plan *pr = prepare_on("ref", NULL, g);
    run_plan("ref", pr, g, in, &want);
    eb_runner_find("ref")->release(pr);
    eb_plan *p = prepare_on("opencl", NULL, g);
    run_plan("opencl", p, g, in, &got);
    run_plan("opencl", p, g, in, &again);
    for (int i = 0; i < got.n; i++)
        assert_memory_equal(again.t[i].data, got.t[i].data, eb_tensor_nbytes(&got.t[i]));
    eb_plan_info info;
    eb_runner_find("opencl")->info(p, &info);
    if (fallbacks)
        snprintf(fallbacks, fn, "%s", info.fallbacks);
    eb_runner_find("opencl")->release(p);
    double e = rel_l2(&got, &want);
    out_free(&want);
    out_free(&got);
    out_free(&again);
    for (int i = 0; i < g->n_inputs; i++)
        eb_tensor_free_data(&in[i]);
    eb_graph_free(g);
    return e;
}

/* Asserts opencl matches ref on g with no node on the fallback; frees g. */
static void expect_match(eb_graph *g, const char *what)
{
    char fb[256];
    double e = compare(g, fb, sizeof fb);
    if (!(e <= TOL))
        fail_msg("%s: relative L2 error %.3g > %.0e", what, e, TOL);
    if (fb[0])
        fail_msg("%s: fell back to the reference kernels: %s", what, fb);
}

/* A random shape of rank r, dims in [1, hi]. */
static void rand_shape(int r, int hi, int64_t *dims)
{
    for (int d = 0; d < r; d++)
        dims[d] = rand_int(1, hi);
}

/* ---- elementwise (eltwise.cl) ---------------------------------------------- */

static void binary__broadcast__random_shapes_match_ref(void **state)
{
    (void)state;
    need_device();
    static const char *const ops[] = {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "PRelu"};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int trial = 0; trial < 6; trial++) {
            int ra = rand_int(1, 6), rb = rand_int(1, ra);
            int64_t da[6], db[6];
            rand_shape(ra, 4, da);
            for (int d = 0; d < rb; d++) /* b's dims: a's trailing ones, some broadcast */
                db[d] = rand_int(0, 2) ? da[ra - rb + d] : 1;
            bool swap = strcmp(ops[o], "PRelu") != 0 && rand_int(0, 1); /* PRelu broadcasts its slope only */
            mb b;
            mb_begin(&b, 17);
            mb_input(&b, "a", swap ? rb : ra, swap ? db : da);
            bool const_b = rand_int(0, 1);
            if (const_b)
                mb_init(&b, "b", swap ? ra : rb, swap ? da : db, NULL);
            else
                mb_input(&b, "b", swap ? ra : rb, swap ? da : db);
            if (strcmp(ops[o], "Pow") == 0) { /* a positive base: a real power */
                mb_node(&b, "Abs", "a", "pa");
                mb_node(&b, "Pow", "pa,b", "y");
            } else {
                mb_node(&b, ops[o], "a,b", "y");
            }
            mb_output(&b, "y");
            char what[128];
            snprintf(what, sizeof what, "%s a rank %d, b rank %d%s%s", ops[o], ra, rb, swap ? " (swapped)" : "",
                     const_b ? " (b constant)" : "");
            expect_match(mb_load(&b), what);
        }
}

static void unary__every_op_matches_ref(void **state)
{
    (void)state;
    need_device();
    static const char *const ops[] = {"Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh",
                                      "Erf", "Gelu", "Sqrt", "Neg", "Abs", "Exp", "Log", "Reciprocal", "Floor",
                                      "Ceil", "Round", "Sign", "Sin", "Cos", "Softplus", "Elu", "Selu", "Softsign",
                                      "Celu", "ThresholdedRelu"};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int variant = 0; variant < 2; variant++) {
            int r = rand_int(1, 5);
            int64_t d[5];
            rand_shape(r, 6, d);
            mb b;
            mb_begin(&b, 20);
            mb_input(&b, "x", r, d);
            /* scaled to [-3, 3) so that the activations' bends are crossed */
            mb_scalar(&b, "three", 3.0f);
            mb_node(&b, "Mul", "x,three", "xs");
            const char *in = "xs";
            if (!strcmp(ops[o], "Sqrt") || !strcmp(ops[o], "Log")) {
                mb_node(&b, "Abs", "xs", "ax");
                in = "ax";
            }
            char ins[64];
            snprintf(ins, sizeof ins, "%s", in);
            if (!strcmp(ops[o], "Clip")) {
                mb_scalar(&b, "lo", variant ? -0.5f : -1.5f);
                mb_scalar(&b, "hi", 1.25f);
                snprintf(ins, sizeof ins, variant ? "%s,lo,hi" : "%s,,hi", in);
            }
            mb_node(&b, ops[o], ins, "y");
            if (variant && (!strcmp(ops[o], "LeakyRelu") || !strcmp(ops[o], "Elu") || !strcmp(ops[o], "Celu") ||
                            !strcmp(ops[o], "ThresholdedRelu")))
                mb_attr_float(&b, "alpha", 0.3f);
            if (variant && !strcmp(ops[o], "HardSigmoid"))
                mb_attr_float(&b, "alpha", 0.25f), mb_attr_float(&b, "beta", 0.4f);
            if (variant && !strcmp(ops[o], "Gelu"))
                mb_attr_string(&b, "approximate", "tanh");
            mb_output(&b, "y");
            if (variant) /* read twice: the op runs alone (variant 0: fused after the Mul or Abs) */
                mb_output(&b, in);
            char what[96];
            snprintf(what, sizeof what, "%s (variant %d, rank %d)", ops[o], variant, r);
            expect_match(mb_load(&b), what);
        }
}

static void compare_logic_not__broadcast_match_ref(void **state)
{
    (void)state;
    need_device();
    static const char *const cmp[] = {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"};
    static const char *const logic[] = {"And", "Or", "Xor"};
    for (int trial = 0; trial < 5; trial++) {
        int r = rand_int(1, 5);
        int64_t d[5], db[5];
        rand_shape(r, 4, d);
        for (int k = 0; k < r; k++)
            db[k] = rand_int(0, 1) ? d[k] : 1;
        mb b;
        mb_begin(&b, 17);
        mb_input(&b, "x", r, d);
        mb_input(&b, "y", r, db);
        mb_input_typed(&b, "p", r, d, 9);
        mb_input_typed(&b, "q", r, db, 9);
        /* floor(3x) and floor(3y): few values, so equal pairs occur */
        mb_scalar(&b, "three", 3.0f);
        mb_node(&b, "Mul", "x,three", "x3");
        mb_node(&b, "Floor", "x3", "fx");
        mb_node(&b, "Mul", "y,three", "y3");
        mb_node(&b, "Floor", "y3", "fy");
        mb_node(&b, cmp[trial], "fx,fy", "c");
        mb_output(&b, "c");
        mb_node(&b, logic[trial % 3], "p,q", "l");
        mb_output(&b, "l");
        mb_node(&b, "Not", "c", "nc");
        mb_output(&b, "nc");
        char what[64];
        snprintf(what, sizeof what, "%s, %s, Not", cmp[trial], logic[trial % 3]);
        expect_match(mb_load(&b), what);
    }
}

static void where__broadcast_matches_ref(void **state)
{
    (void)state;
    need_device();
    for (int trial = 0; trial < 6; trial++) {
        int r = rand_int(1, 5);
        int64_t d[5], dc[5], dy[5];
        rand_shape(r, 4, d);
        for (int k = 0; k < r; k++)
            dc[k] = rand_int(0, 1) ? d[k] : 1, dy[k] = rand_int(0, 1) ? d[k] : 1;
        mb b;
        mb_begin(&b, 17);
        mb_input_typed(&b, "c", r, dc, 9);
        mb_input(&b, "x", r, d);
        mb_input(&b, "y", r, dy);
        mb_node(&b, "Where", "c,x,y", "out");
        mb_output(&b, "out");
        expect_match(mb_load(&b), "Where");
    }
}

/* ---- normalisations and reductions (norm.cl) ------------------------------- */

static void softmax__any_axis_both_opsets_match_ref(void **state)
{
    (void)state;
    need_device();
    static const char *const ops[] = {"Softmax", "LogSoftmax"};
    for (int o = 0; o < 2; o++)
        for (int opset = 11; opset <= 13; opset += 2)
            for (int trial = 0; trial < 4; trial++) {
                int r = rand_int(1, 5);
                int64_t d[5];
                rand_shape(r, 7, d);
                int axis = rand_int(-r, r - 1);
                mb b;
                mb_begin(&b, opset);
                mb_input(&b, "x", r, d);
                mb_scalar(&b, "k", 4.0f);
                mb_node(&b, "Mul", "x,k", "xs");
                mb_node(&b, ops[o], "xs", "y");
                mb_attr_int(&b, "axis", axis);
                mb_output(&b, "y");
                char what[96];
                snprintf(what, sizeof what, "%s opset %d rank %d axis %d", ops[o], opset, r, axis);
                expect_match(mb_load(&b), what);
            }
}

static void layer_norm__axes_with_and_without_bias_match_ref(void **state)
{
    (void)state;
    need_device();
    for (int trial = 0; trial < 8; trial++) {
        int r = rand_int(1, 4);
        int64_t d[4];
        rand_shape(r, 9, d);
        int axis = rand_int(0, r - 1);
        mb b;
        mb_begin(&b, 17);
        mb_input(&b, "x", r, d);
        mb_init(&b, "scale", r - axis, d + axis, NULL);
        bool bias = trial % 2;
        if (bias)
            mb_init(&b, "bias", r - axis, d + axis, NULL);
        mb_node(&b, "LayerNormalization", bias ? "x,scale,bias" : "x,scale", "y");
        mb_attr_int(&b, "axis", rand_int(0, 1) ? axis : axis - r);
        mb_attr_float(&b, "epsilon", 1e-3f);
        mb_output(&b, "y");
        expect_match(mb_load(&b), bias ? "LayerNormalization with bias" : "LayerNormalization");
    }
}

static void batch_norm__ranks_2_to_5_match_ref(void **state)
{
    (void)state;
    need_device();
    for (int r = 2; r <= 5; r++) {
        int64_t d[5];
        rand_shape(r, 5, d);
        float var[8];
        for (int c = 0; c < d[1]; c++)
            var[c] = eb_test_uniform(&rng, 0.1f, 2.0f);
        mb b;
        mb_begin(&b, 15);
        mb_input(&b, "x", r, d);
        mb_init(&b, "scale", 1, &d[1], NULL);
        mb_init(&b, "B", 1, &d[1], NULL);
        mb_init(&b, "mean", 1, &d[1], NULL);
        mb_init(&b, "var", 1, &d[1], var);
        mb_node(&b, "BatchNormalization", "x,scale,B,mean,var", "y");
        mb_output(&b, "y");
        expect_match(mb_load(&b), "BatchNormalization");
    }
}

static void reduce__random_axes_match_ref(void **state)
{
    (void)state;
    need_device();
    static const char *const ops[] = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd",
                                      "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (int trial = 0; trial < 4; trial++) {
            int r = rand_int(1, 5);
            int64_t d[5], axes[5];
            rand_shape(r, 5, d);
            int na = 0;
            for (int k = 0; k < r; k++)
                if (rand_int(0, 1))
                    axes[na++] = rand_int(0, 1) ? k : k - r;
            if (na == 0)
                axes[na++] = r - 1;
            mb b;
            mb_begin(&b, 18);
            mb_input(&b, "x", r, d);
            mb_init_i64(&b, "axes", na, axes);
            mb_node(&b, ops[o], "x,axes", "y");
            mb_attr_int(&b, "keepdims", trial % 2);
            mb_output(&b, "y");
            char what[96];
            snprintf(what, sizeof what, "%s rank %d, %d axes", ops[o], r, na);
            expect_match(mb_load(&b), what);
        }
    /* ReduceSum at opset 13 takes its axes as an input, the others as an attribute before 18 */
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 3, (int64_t[]){3, 4, 5});
    mb_node(&b, "ReduceMean", "x", "y");
    mb_attr_ints(&b, "axes", 2, (int64_t[]){0, 2});
    mb_output(&b, "y");
    expect_match(mb_load(&b), "ReduceMean axes attribute");
}

/* ---- data movement (movement.cl) and aliases -------------------------------- */

static void transpose__random_perms_match_ref(void **state)
{
    (void)state;
    need_device();
    for (int trial = 0; trial < 10; trial++) {
        int r = rand_int(1, 6);
        int64_t d[6], perm[6];
        rand_shape(r, 4, d);
        for (int k = 0; k < r; k++)
            perm[k] = k;
        for (int k = r - 1; k > 0; k--) {
            int j = rand_int(0, k);
            int64_t t = perm[k];
            perm[k] = perm[j], perm[j] = t;
        }
        mb b;
        mb_begin(&b, 17);
        mb_input(&b, "x", r, d);
        mb_node(&b, "Transpose", "x", "y");
        mb_attr_ints(&b, "perm", r, perm);
        mb_output(&b, "y");
        expect_match(mb_load(&b), "Transpose");
    }
}

static void concat__two_to_six_inputs_match_ref(void **state)
{
    (void)state;
    need_device();
    for (int k = 2; k <= 6; k++) { /* more than four: the node takes several steps */
        int r = rand_int(1, 4), axis = rand_int(0, r - 1);
        int64_t d[4];
        rand_shape(r, 4, d);
        mb b;
        mb_begin(&b, 17);
        char ins[64] = "", name[8];
        for (int i = 0; i < k; i++) {
            d[axis] = rand_int(1, 4);
            snprintf(name, sizeof name, "x%d", i);
            if (i == 1)
                mb_init(&b, name, r, d, NULL); /* a constant among them */
            else
                mb_input(&b, name, r, d);
            snprintf(ins + strlen(ins), sizeof ins - strlen(ins), "%s%s", i ? "," : "", name);
        }
        mb_node(&b, "Concat", ins, "y");
        mb_attr_int(&b, "axis", rand_int(0, 1) ? axis : axis - r);
        mb_output(&b, "y");
        expect_match(mb_load(&b), "Concat");
    }
}

static void slice_split_gather_expand__match_ref(void **state)
{
    (void)state;
    need_device();
    for (int trial = 0; trial < 4; trial++) {
        mb b;
        mb_begin(&b, 18);
        mb_input(&b, "x", 4, (int64_t[]){3, 7, 6, 5});
        /* Slice: negative start, a negative step, an axis out of order */
        mb_init_i64(&b, "st", 3, (int64_t[]){-1, 1, 0});
        mb_init_i64(&b, "en", 3, (int64_t[]){-100, 6, 2});
        mb_init_i64(&b, "ax", 3, (int64_t[]){2, 1, 0});
        mb_init_i64(&b, "sp", 3, (int64_t[]){-2, 2, 1});
        mb_node(&b, "Slice", "x,st,en,ax,sp", "s");
        mb_output(&b, "s");
        /* Split along axis 1 into 2, 4 and 1 */
        mb_init_i64(&b, "parts", 3, (int64_t[]){2, 4, 1});
        mb_node(&b, "Split", "x,parts", "p0,p1,p2");
        mb_attr_int(&b, "axis", 1);
        mb_output(&b, "p0");
        mb_output(&b, "p1");
        mb_output(&b, "p2");
        /* Gather along a random axis, indices constant (one negative) */
        int axis = rand_int(0, 3);
        mb_init_i64(&b, "idx", 4, (int64_t[]){0, -1, 2, 1});
        mb_node(&b, "Gather", "x,idx", "g");
        mb_attr_int(&b, "axis", axis);
        mb_output(&b, "g");
        /* Gather of one index (a scalar): the axis disappears */
        mb_init_i64(&b, "one", -1, (int64_t[]){1});
        mb_node(&b, "Gather", "x,one", "g1");
        mb_attr_int(&b, "axis", axis);
        mb_output(&b, "g1");
        /* Expand [7, 1, 5] to [2, 3, 7, 4, 5] */
        mb_init_i64(&b, "shape", 5, (int64_t[]){2, 3, 7, 4, 5});
        mb_init_i64(&b, "s1", 3, (int64_t[]){0, 0, 0});
        mb_init_i64(&b, "e1", 3, (int64_t[]){1, 7, 1});
        mb_init_i64(&b, "a1", 3, (int64_t[]){0, 1, 2});
        mb_node(&b, "Slice", "x,s1,e1,a1", "x1"); /* [1, 7, 1, 5] */
        mb_node(&b, "Expand", "x1,shape", "e");
        mb_output(&b, "e");
        expect_match(mb_load(&b), "Slice, Split, Gather, Expand");
    }
}

static void gather__run_time_indices_match_ref(void **state)
{
    (void)state;
    need_device();
    for (int trial = 0; trial < 6; trial++) {
        int r = rand_int(1, 4), axis = rand_int(0, r - 1), ni = rand_int(1, 3);
        int64_t d[4], di[3];
        rand_shape(r, 5, d);
        rand_shape(ni, 3, di);
        bool i32 = trial % 2;
        mb b;
        mb_begin(&b, 13);
        mb_input(&b, "x", r, d);
        mb_input_typed(&b, "idx", ni, di, i32 ? 6 : 7);
        mb_node(&b, "Gather", "x,idx", "y");
        mb_attr_int(&b, "axis", axis);
        mb_output(&b, "y");
        eb_graph *g = mb_load(&b);
        eb_tensor in[2] = {{0}};
        mb_inputs(g, in, &rng, 1.0f);
        for (int64_t k = 0; k < eb_tensor_numel(&in[1]); k++) /* in [-len, len): negative ones count from the end */
            eb_dtype_set_i64(in[1].dtype, in[1].data, k, rand_int((int)-d[axis], (int)d[axis] - 1));
        char fb[256];
        double e = compare_in(g, in, fb, sizeof fb);
        if (!(e <= TOL) || fb[0])
            fail_msg("Gather (%s indices): error %.3g, fallbacks '%s'", i32 ? "i32" : "i64", e, fb);
    }
}

static void reshapes__alias_their_input(void **state)
{
    (void)state;
    need_device();
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 3, (int64_t[]){2, 3, 4});
    mb_node(&b, "Relu", "x", "r");
    mb_init_i64(&b, "shape", 2, (int64_t[]){6, 4});
    mb_node(&b, "Reshape", "r,shape", "a");
    mb_node(&b, "Flatten", "a", "f");
    mb_init_i64(&b, "ax", 1, (int64_t[]){0});
    mb_node(&b, "Unsqueeze", "f,ax", "u");
    mb_node(&b, "Squeeze", "u,ax", "q");
    mb_node(&b, "Identity", "q", "i");
    mb_node(&b, "Neg", "i", "y");
    mb_output(&b, "y");
    mb_output(&b, "u"); /* an aliased value as a graph output too */
    eb_graph *g = mb_load(&b);
    /* the profile lists the two kernels only: the reshapes take no step */
    eb_tensor in[1] = {{0}};
    mb_inputs(g, in, &rng, 1.0f);
    eb_plan *p = prepare_on("opencl", NULL, g);
    run_out o = {0};
    out_alloc(g, &o);
    eb_node_time times[16];
    int n = 0;
    eb_err err = {{0}};
    assert_int_equal(eb_runner_opencl.profile(p, in, o.t, times, 16, &n, &err), EB_OK);
    assert_int_equal(n, 2);
    assert_string_equal(times[0].op, "Relu");
    assert_string_equal(times[1].op, "Neg");
    const float *x = in[0].data, *y = o.t[0].data, *u = o.t[1].data;
    for (int k = 0; k < 24; k++) {
        assert_true(y[k] == -(x[k] < 0 ? 0 : x[k]));
        assert_true(u[k] == (x[k] < 0 ? 0 : x[k]));
    }
    out_free(&o);
    eb_tensor_free_data(&in[0]);
    eb_runner_opencl.release(p);
    expect_match(g, "reshape chain");
}

/* ---- the fallback, fusion, the record, profile, variants ---------------------- */

static void fallback__between_kernels_counted_and_correct(void **state)
{
    (void)state;
    need_device();
    /* Atan has no OpenCL kernel: its input comes back from the device, its
     * output goes out again to the kernel after it */
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 2, (int64_t[]){5, 7});
    mb_input(&b, "z", 2, (int64_t[]){1, 7});
    mb_node(&b, "Add", "x,z", "a");
    mb_node(&b, "Atan", "a", "t");
    mb_node(&b, "Mul", "t,z", "m");
    mb_node(&b, "Atan", "m", "y");
    mb_output(&b, "y");
    mb_output(&b, "a");
    char fb[256];
    double e = compare(mb_load(&b), fb, sizeof fb);
    assert_true(e <= TOL);
    assert_string_equal(fb, "Atan x2");
}

static void fusion__elementwise_chains_one_step(void **state)
{
    (void)state;
    need_device();
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 3, (int64_t[]){2, 5, 7});
    mb_input(&b, "z", 1, (int64_t[]){7});
    mb_node(&b, "Add", "x,z", "a");
    mb_node(&b, "Relu", "a", "r");        /* Add+Relu */
    mb_node(&b, "Sigmoid", "r", "s");
    mb_node(&b, "LeakyRelu", "s", "l");   /* Sigmoid+LeakyRelu */
    mb_attr_float(&b, "alpha", 0.2f);
    mb_node(&b, "Tanh", "l", "t");        /* alone: LeakyRelu went with Sigmoid */
    mb_node(&b, "Mul", "t,x", "m");
    mb_node(&b, "Exp", "m", "y");         /* Mul+Exp */
    mb_node(&b, "Abs", "y", "w");         /* y is a graph output: Exp+Abs must not fuse */
    mb_output(&b, "y");
    mb_output(&b, "w");
    eb_graph *g = mb_load(&b);
    eb_plan *p = prepare_on("opencl", NULL, g);
    eb_plan_info info;
    eb_runner_opencl.info(p, &info);
    assert_string_equal(info.fusions, "Add+Relu x1, Sigmoid+LeakyRelu x1, Mul+Exp x1");
    eb_tensor in[2] = {{0}};
    mb_inputs(g, in, &rng, 1.0f);
    run_out o = {0};
    out_alloc(g, &o);
    eb_node_time times[8];
    int n = 0;
    eb_err err = {{0}};
    assert_int_equal(eb_runner_opencl.profile(p, in, o.t, times, 8, &n, &err), EB_OK);
    assert_int_equal(n, 5);
    assert_string_equal(times[0].op, "Add+Relu");
    assert_string_equal(times[0].name, "Add+Relu");
    assert_string_equal(times[1].op, "Sigmoid+LeakyRelu");
    assert_string_equal(times[2].op, "Tanh");
    assert_string_equal(times[3].op, "Mul+Exp");
    assert_string_equal(times[4].op, "Abs");
    out_free(&o);
    for (int i = 0; i < 2; i++)
        eb_tensor_free_data(&in[i]);
    eb_runner_opencl.release(p);
    expect_match(g, "elementwise chains");
}

static void fusion__conv_relu_one_step(void **state)
{
    (void)state;
    need_device();
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 4, (int64_t[]){1, 3, 9, 8});
    mb_init(&b, "w", 4, (int64_t[]){4, 3, 3, 3}, NULL);
    mb_init(&b, "bias", 1, (int64_t[]){4}, NULL);
    mb_node(&b, "Conv", "x,w,bias", "c");
    mb_attr_ints(&b, "pads", 4, (int64_t[]){1, 1, 1, 1});
    mb_node(&b, "Relu", "c", "y");
    mb_output(&b, "y");
    eb_graph *g = mb_load(&b);
    eb_plan *p = prepare_on("opencl", NULL, g);
    eb_plan_info info;
    eb_runner_opencl.info(p, &info);
    assert_string_equal(info.fallbacks, "");
    eb_tensor in[1] = {{0}};
    mb_inputs(g, in, &rng, 1.0f);
    run_out o = {0};
    out_alloc(g, &o);
    eb_node_time times[4];
    int n = 0;
    eb_err err = {{0}};
    assert_int_equal(eb_runner_opencl.profile(p, in, o.t, times, 4, &n, &err), EB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(times[0].op, "Conv+Relu");
    eb_plan_info info2;
    eb_runner_opencl.info(p, &info2);
    assert_string_equal(info2.fusions, "Conv+Relu x1");
    out_free(&o);
    eb_tensor_free_data(&in[0]);
    eb_runner_opencl.release(p);
    expect_match(g, "Conv+Relu");
}

static void info__phases_cache_notes_and_device_bytes(void **state)
{
    (void)state;
    need_device();
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 2, (int64_t[]){16, 32});
    mb_node(&b, "Sigmoid", "x", "s");
    mb_node(&b, "Softmax", "s", "y");
    mb_output(&b, "y");
    eb_graph *g = mb_load(&b);
    eb_tensor in[1] = {{0}};
    mb_inputs(g, in, &rng, 1.0f);
    eb_plan *p = prepare_on("opencl", NULL, g);
    eb_plan_info info;
    eb_runner_opencl.info(p, &info);
    assert_int_equal(info.phases.runs, 0);
    assert_true(!strcmp(info.program_cache, "hit") || !strcmp(info.program_cache, "miss"));
    assert_string_equal(info.isa, "opencl");
    assert_string_equal(info.fallbacks, "");
    assert_true(info.device_bytes >= 3 * 16 * 32 * sizeof(float)); /* x, s and y on the device */
    eb_ocl o;
    eb_err err = {{0}};
    assert_int_equal(eb_ocl_open(0, &o, &err), EB_OK);
    if (o.is_cpu)
        assert_non_null(strstr(info.notes, "timings are CPU timings"));
    else
        assert_null(strstr(info.notes, "CPU timings"));
    eb_ocl_close(&o);
    /* the prepare just made stored the program: a second one hits the cache */
    eb_plan *p2 = prepare_on("opencl", NULL, g);
    eb_plan_info info2;
    eb_runner_opencl.info(p2, &info2);
    assert_string_equal(info2.program_cache, "hit");
    eb_runner_opencl.release(p2);
    run_out o1 = {0};
    for (int r = 0; r < 3; r++) {
        run_plan("opencl", p, g, in, &o1);
        out_free(&o1);
    }
    eb_runner_opencl.info(p, &info);
    assert_int_equal(info.phases.runs, 3);
    assert_true(info.phases.upload_ms > 0 && info.phases.compute_ms > 0 && info.phases.download_ms > 0);
    eb_tensor_free_data(&in[0]);
    eb_runner_opencl.release(p);
    eb_graph_free(g);
}

static void variants__refused_with_reasons(void **state)
{
    (void)state;
    need_device();
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 1, (int64_t[]){4});
    mb_node(&b, "Relu", "x", "y");
    mb_output(&b, "y");
    eb_graph *g = mb_load(&b);
    char why[512];
    eb_variant v = eb_variant_default("opencl");
    v.threads = 2;
    assert_false(eb_runner_opencl.supports(g, &v, why, sizeof why));
    assert_non_null(strstr(why, "threads=2"));
    v = eb_variant_default("opencl");
    snprintf(v.isa, sizeof v.isa, "avx2");
    assert_false(eb_runner_opencl.supports(g, &v, why, sizeof why));
    assert_non_null(strstr(why, "isa=avx2"));
    v = eb_variant_default("opencl");
    v.opt = 1;
    assert_false(eb_runner_opencl.supports(g, &v, why, sizeof why));
    assert_non_null(strstr(why, "opt=1"));
    v = eb_variant_default("opencl");
    snprintf(v.prune, sizeof v.prune, "0.5");
    assert_false(eb_runner_opencl.supports(g, &v, why, sizeof why));
    assert_non_null(strstr(why, "prune=0.5"));
    /* int8: unsupported at prepare, naming the extension */
    v = eb_variant_default("opencl");
    snprintf(v.quant, sizeof v.quant, "int8");
    eb_plan *p = NULL;
    eb_err err = {{0}};
    assert_int_equal(eb_runner_opencl.prepare(g, &v, &p, &err), EB_EUNSUPPORTED);
    assert_null(p);
    assert_non_null(strstr(err.msg, "cl_khr_integer_dot_product"));
    /* a device that does not exist */
    v = eb_variant_default("opencl");
    v.device = 999;
    assert_int_not_equal(eb_runner_opencl.prepare(g, &v, &p, &err), EB_OK);
    assert_null(p);
    eb_graph_free(g);
}

static void models__zoo_match_ref(void **state)
{
    (void)state;
    need_device();
    static const char *const models[] = {"fmnist-mlp", "fmnist-cnn", "fmnist-dwsep", "fmnist-vit"};
    int ran = 0;
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        if (!eb_zoo_find(models[m])) {
            printf("  (zoo:%s not in this build's zoo)\n", models[m]);
            continue;
        }
        char ref[64];
        snprintf(ref, sizeof ref, "zoo:%s", models[m]);
        eb_graph *g = NULL;
        eb_err err = {{0}};
        eb_status st = eb_model_load(ref, &g, NULL, &err);
        if (st == EB_OK)
            st = eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err);
        if (st != EB_OK)
            fail_msg("%s: %s", ref, err.msg);
        char fb[256];
        double e = compare(g, fb, sizeof fb);
        printf("  %-14s relative L2 %.2e, fallbacks: %s\n", models[m], e, fb[0] ? fb : "none");
        if (!(e <= TOL))
            fail_msg("%s: relative L2 error %.3g > %.0e", ref, e, TOL);
        if (fb[0]) /* the target: every zoo node on the device */
            fail_msg("%s: fell back to the reference kernels: %s", ref, fb);
        ran++;
    }
    if (!ran) {
        print_message("skipped: no zoo model in this build\n");
        skip();
    }
}

int main(void)
{
    eb_mb_random_values(rand_nonzero);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binary__broadcast__random_shapes_match_ref),
        cmocka_unit_test(unary__every_op_matches_ref),
        cmocka_unit_test(compare_logic_not__broadcast_match_ref),
        cmocka_unit_test(where__broadcast_matches_ref),
        cmocka_unit_test(softmax__any_axis_both_opsets_match_ref),
        cmocka_unit_test(layer_norm__axes_with_and_without_bias_match_ref),
        cmocka_unit_test(batch_norm__ranks_2_to_5_match_ref),
        cmocka_unit_test(reduce__random_axes_match_ref),
        cmocka_unit_test(transpose__random_perms_match_ref),
        cmocka_unit_test(concat__two_to_six_inputs_match_ref),
        cmocka_unit_test(slice_split_gather_expand__match_ref),
        cmocka_unit_test(gather__run_time_indices_match_ref),
        cmocka_unit_test(reshapes__alias_their_input),
        cmocka_unit_test(fallback__between_kernels_counted_and_correct),
        cmocka_unit_test(fusion__elementwise_chains_one_step),
        cmocka_unit_test(fusion__conv_relu_one_step),
        cmocka_unit_test(info__phases_cache_notes_and_device_bytes),
        cmocka_unit_test(variants__refused_with_reasons),
        cmocka_unit_test(models__zoo_match_ref),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}

#else /* the runner is not built */

static void opencl__not_built(void **state)
{
    (void)state;
    print_message("skipped: the opencl runner is not built (make OPENCL=no, or no OpenCL SDK: pkg-config OpenCL)\n");
    skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(opencl__not_built)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
