/* test_cpu_opt.c - the cpu runner's graph optimizer (runners/cpu/cpu_opt*.c)
 * and its levels, against the ref runner.
 *
 * Each pattern is built here as a small graph (test_graph_builder.h) and
 * run on ref and on cpu at opt=0, 1 and 2 with the same random inputs
 * (magnitudes in [0.1, 2), random signs; seeded, the seed printed on
 * failure).  Every level's outputs must match ref by relative L2 error
 * within TOL = 1e-5 (the cpu runner's tolerance, test_cpu_runner.c); at
 * opt=2 the plan's fusions must name the pattern (and no node may fall
 * back to a reference kernel when the whole graph is the pattern), at
 * opt=0 nothing is fused.  For each pattern a near miss (another reduce
 * axis, exponent 4, a GELU constant off by 1e-3 relative, HardSigmoid's
 * default slope) must not be fused and must still be right.
 *
 * Elementwise chains: random chains of 2 to 6 ops (unary ops, Pow by a
 * constant, Add/Sub/Mul/Div with a scalar, a broadcast constant, a second
 * input or the value itself) on random odd shapes, some of several
 * blocks, on every ISA the machine runs: opt=2 is one "Eltwise chain"
 * step (exactly, no fallback) within CHAIN_TOL of opt=0's separate steps,
 * at 1 and 2 threads; an intermediate read twice or a graph output in the
 * middle ends a chain; chains after a Conv+Relu epilogue (NHWC and NCHW
 * operands) and after SiLU leave those fusions as they were.
 *
 * Also: the opt= key's parsing and canonical text, the record's fusions in
 * the result, and the levels on Conv+BN+Relu (BN not folded at opt=0,
 * folded and named at 1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/variant.h"
#include "models/graph.h"
#include "models/onnx_tensor.h"
#include "reference_kernels/ref.h"
#include "runners/cpu/cpu_runner.h"
#include "runners/cpu/gemm.h"
#include "runners/runner.h"
#include "tests/test_graph_builder.h"
#include "tests/test_util.h"

#define TOL 1e-5
/* a fused chain against the same ops at opt=0: the same float operations,
 * but for e^x on AVX2 plans (2 ulp), grown by the ops after it */
#define CHAIN_TOL 1e-5

static uint64_t rng;

/* A value never zero: sign * [0.1, 2). */
static float rand_nonzero(void)
{
    return eb_test_nonzero(&rng, 2.0f);
}

static int setup(void **state)
{
    (void)state;
    rng = eb_test_seed();
    return 0;
}

/* ---- running a graph on ref and on cpu at a level ------------------------------ */

typedef struct outs {
    int n;
    eb_tensor t[4];
} outs;

/* Runs g on runner `name` at level opt (cpu) and threads; info receives
 * the plan's record. */
static void run_on(const char *name, int opt, int threads, const eb_graph *g, const eb_tensor *in, outs *o,
                   eb_plan_info *info)
{
    const eb_runner *r = eb_runner_find(name);
    assert_non_null(r);
    eb_variant v = eb_variant_default(name);
    v.threads = threads;
    v.opt = opt;
    char why[256] = "";
    if (!r->supports(g, &v, why, sizeof why))
        fail_msg("%s does not support the graph: %s", name, why);
    eb_plan *p = NULL;
    eb_err err = {{0}};
    if (r->prepare(g, &v, &p, &err) != EB_OK)
        fail_msg("%s prepare: %s", name, err.msg);
    o->n = g->n_outputs;
    for (int i = 0; i < o->n; i++) {
        eb_tensor_copy_meta(&o->t[i], &g->values[g->outputs[i]].t);
        o->t[i].data = NULL;
        assert_int_equal(eb_tensor_alloc(&o->t[i], "output", &err), EB_OK);
    }
    if (r->run(p, in, o->t, &err) != EB_OK)
        fail_msg("%s run: %s", name, err.msg);
    if (info)
        r->info(p, info);
    r->release(p);
}

static double rel_l2(const outs *got, const outs *want)
{
    double worst = 0;
    for (int i = 0; i < want->n; i++) {
        const float *a = got->t[i].data, *e = want->t[i].data;
        double num = 0, den = 0;
        for (int64_t k = 0; k < eb_tensor_numel(&want->t[i]); k++) {
            if (isnan(a[k]) != isnan(e[k]))
                return INFINITY;
            if (isnan(e[k]))
                continue;
            num += ((double)a[k] - e[k]) * ((double)a[k] - e[k]);
            den += (double)e[k] * e[k];
        }
        double r = den > 0 ? sqrt(num / den) : sqrt(num);
        worst = r > worst ? r : worst;
    }
    return worst;
}

static void outs_free(outs *o)
{
    for (int i = 0; i < o->n; i++)
        eb_tensor_free_data(&o->t[i]);
}

/* g on ref, then on cpu at opt 0, 1 and 2 (threads 1, and 2 at opt=2):
 * every level within TOL of ref; at opt=2 the fusions name `pattern`
 * (fused) or do not (!fused); opt=0 fuses nothing.  With no_fallback, the
 * opt=2 plan runs no node on a reference kernel.  Frees g. */
static void expect_opt(eb_graph *g, const char *pattern, bool fused, bool no_fallback, const char *what)
{
    eb_tensor in[8] = {{0}};
    assert_true(g->n_inputs <= 8 && g->n_outputs <= 4);
    mb_inputs(g, in, &rng, 2.0f);
    outs want = {0};
    run_on("ref", 2, 1, g, in, &want, NULL);
    for (int run = 0; run < 4; run++) {
        int opt = run < 3 ? run : 2, threads = run < 3 ? 1 : 2;
        outs got = {0};
        eb_plan_info info;
        run_on("cpu", opt, threads, g, in, &got, &info);
        double e = rel_l2(&got, &want);
        outs_free(&got);
        if (!(e <= TOL))
            fail_msg("%s: opt=%d threads=%d: rel. L2 error %g > %g (fusions '%s')", what, opt, threads, e, TOL,
                     info.fusions);
        if (opt == 0 && info.fusions[0])
            fail_msg("%s: opt=0 fused '%s'", what, info.fusions);
        bool named = strstr(info.fusions, pattern) != NULL;
        if (opt == 2 && named != fused)
            fail_msg("%s: opt=2 fusions '%s' %s '%s'", what, info.fusions, fused ? "lack" : "name", pattern);
        if (opt < 2 && named && strcmp(pattern, "Conv+") != 0)
            fail_msg("%s: opt=%d fused '%s' (a level-2 pattern)", what, opt, pattern);
        if (opt == 2 && no_fallback && info.fallbacks[0])
            fail_msg("%s: opt=2 fell back: %s", what, info.fallbacks);
    }
    outs_free(&want);
    for (int i = 0; i < g->n_inputs; i++)
        eb_tensor_free_data(&in[i]);
    eb_graph_free(g);
}

/* ---- decomposed LayerNorm ------------------------------------------------------ */

typedef struct ln_spec {
    int64_t axes1[2], axes2[2]; /* the two ReduceMeans' axes */
    int n_axes;
    float expo;                 /* Pow's exponent */
    bool mul_sq;                /* Mul(d, d) for the square */
    bool beta;                  /* the final Add */
    bool mean_out;              /* mean is a graph output too */
} ln_spec;

static eb_graph *ln_graph(const ln_spec *s)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 3, (int64_t[]){2, 5, 24});
    int64_t pd[2] = {5, 24};
    mb_init(&b, "gamma", s->n_axes, pd + 2 - s->n_axes, NULL);
    mb_init(&b, "beta", s->n_axes, pd + 2 - s->n_axes, NULL);
    mb_scalar(&b, "eps", 1e-5f);
    mb_scalar(&b, "expo", s->expo);
    mb_node(&b, "ReduceMean", "x", "mean");
    mb_attr_ints(&b, "axes", s->n_axes, s->axes1);
    mb_node(&b, "Sub", "x,mean", "d");
    mb_node(&b, s->mul_sq ? "Mul" : "Pow", s->mul_sq ? "d,d" : "d,expo", "sq");
    mb_node(&b, "ReduceMean", "sq", "var");
    mb_attr_ints(&b, "axes", s->n_axes, s->axes2);
    mb_node(&b, "Add", "var,eps", "ve");
    mb_node(&b, "Sqrt", "ve", "sd");
    mb_node(&b, "Div", "d,sd", "n");
    mb_node(&b, "Mul", "gamma,n", s->beta ? "m" : "y"); /* gamma first: either order */
    if (s->beta)
        mb_node(&b, "Add", "m,beta", "y");
    mb_output(&b, "y");
    if (s->mean_out)
        mb_output(&b, "mean");
    return mb_load(&b);
}

static void layernorm__decomposed__fuses_into_one_step(void **state)
{
    (void)state;
    expect_opt(ln_graph(&(ln_spec){{-1}, {-1}, 1, 2.0f, false, true, false}), "LayerNorm x1", true, true,
               "LayerNorm, Pow(d, 2)");
    expect_opt(ln_graph(&(ln_spec){{2}, {-1}, 1, 2.0f, true, true, false}), "LayerNorm x1", true, true,
               "LayerNorm, Mul(d, d), axes 2 and -1");
    expect_opt(ln_graph(&(ln_spec){{-2, -1}, {1, 2}, 2, 2.0f, false, false, false}), "LayerNorm x1", true, true,
               "LayerNorm over the last two dims, no beta");
}

static void layernorm__near_misses__are_not_fused_and_stay_right(void **state)
{
    (void)state;
    expect_opt(ln_graph(&(ln_spec){{1}, {1}, 1, 2.0f, false, true, false}), "LayerNorm", false, false,
               "reduce over axis 1, not the last");
    expect_opt(ln_graph(&(ln_spec){{-1}, {1}, 1, 2.0f, false, true, false}), "LayerNorm", false, false,
               "the two means over different axes");
    expect_opt(ln_graph(&(ln_spec){{-1}, {-1}, 1, 4.0f, false, true, false}), "LayerNorm", false, false,
               "exponent 4 (an even power: an odd one averages to near 0 and the division amplifies rounding)");
    expect_opt(ln_graph(&(ln_spec){{-1}, {-1}, 1, 2.0f, false, true, true}), "LayerNorm", false, false,
               "the mean is a graph output too");
}

/* ---- activations written out ----------------------------------------------------- */

/* Runs body with each ISA this machine runs forced in turn. */
static void on_every_isa(void (*body)(void))
{
    static const eb_isa isas[] = {EB_ISA_GENERIC, EB_ISA_AVX2, EB_ISA_AVX512, EB_ISA_NEON};
    int ran = 0;
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
        if (!eb_gemm_force_isa(isas[i]))
            continue;
        body();
        ran++;
    }
    eb_gemm_force_isa(EB_ISA_AUTO);
    assert_true(ran >= 1);
}

/* GELU's tanh form as GPT-2 writes it (Pow(x, 3), kappa * cube) when
 * torch_form is false, else as torch.onnx's gelu(approximate='tanh')
 * (x * x * x, cube * kappa, 0.5 first). */
static eb_graph *gelu_tanh_graph(bool torch_form, float kappa, float scale)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, scale != 1.0f ? "x0" : "x", 2, (int64_t[]){3, 40});
    if (scale != 1.0f) { /* x far out: where e^2z saturates */
        mb_scalar(&b, "scale", scale);
        mb_node(&b, "Mul", "x0,scale", "x");
    }
    mb_scalar(&b, "kappa", kappa);
    mb_scalar(&b, "beta", 0.7978845608f);
    mb_scalar(&b, "one", 1.0f);
    mb_scalar(&b, "half", 0.5f);
    if (torch_form) {
        mb_node(&b, "Mul", "x,x", "xx");
        mb_node(&b, "Mul", "x,xx", "cube");
        mb_node(&b, "Mul", "cube,kappa", "k");
    } else {
        mb_scalar(&b, "three", 3.0f);
        mb_node(&b, "Pow", "x,three", "cube");
        mb_node(&b, "Mul", "kappa,cube", "k");
    }
    mb_node(&b, "Add", "x,k", "s");
    mb_node(&b, "Mul", "beta,s", "t");
    mb_node(&b, "Tanh", "t", "th");
    mb_node(&b, "Add", torch_form ? "one,th" : "th,one", "a");
    if (torch_form) {
        mb_node(&b, "Mul", "x,a", "xa");
        mb_node(&b, "Mul", "half,xa", "y");
    } else {
        mb_node(&b, "Mul", "half,x", "h");
        mb_node(&b, "Mul", "h,a", "y");
    }
    mb_output(&b, "y");
    return mb_load(&b);
}

static void gelu_tanh_cases(void)
{
    expect_opt(gelu_tanh_graph(false, 0.044715f, 1), "GELU(tanh) x1", true, true, "GELU tanh, GPT-2's spelling");
    expect_opt(gelu_tanh_graph(true, 0.044715f, 1), "GELU(tanh) x1", true, true, "GELU tanh, torch.onnx's spelling");
    expect_opt(gelu_tanh_graph(true, 0.044715f, 60), "GELU(tanh) x1", true, true, "GELU tanh on [-120, 120]");
    expect_opt(gelu_tanh_graph(false, 0.0448f, 1), "GELU", false, false, "kappa 0.0448 instead of 0.044715");
}

/* on every ISA: ST_ACT has an AVX2 loop and a scalar one (tails, generic) */
static void gelu_tanh__both_spellings__fuse_and_a_wrong_constant_does_not(void **state)
{
    (void)state;
    on_every_isa(gelu_tanh_cases);
}

/* x * Sigmoid(scale * x) (scale 1: SiLU; 1.702: QuickGELU, not SiLU). */
static eb_graph *silu_graph(float scale)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 4, (int64_t[]){1, 6, 5, 7});
    if (scale > 100) { /* SiLU of x * scale: x far out, where e^-x saturates */
        mb_scalar(&b, "scale", scale);
        mb_node(&b, "Mul", "x,scale", "x1");
        mb_node(&b, "Sigmoid", "x1", "s");
        mb_node(&b, "Mul", "s,x1", "y");
        mb_output(&b, "y");
        return mb_load(&b);
    }
    if (scale != 1.0f) {
        mb_scalar(&b, "scale", scale);
        mb_node(&b, "Mul", "x,scale", "xs");
        mb_node(&b, "Sigmoid", "xs", "s");
    } else {
        mb_node(&b, "Sigmoid", "x", "s");
    }
    mb_node(&b, "Mul", "s,x", "y");
    mb_output(&b, "y");
    return mb_load(&b);
}

static void silu_cases(void)
{
    expect_opt(silu_graph(1.0f), "SiLU x1", true, true, "SiLU");
    expect_opt(silu_graph(200.0f), "SiLU x1", true, true, "SiLU on [-400, 400]");
    expect_opt(silu_graph(1.702f), "SiLU", false, false, "x * Sigmoid(1.702 x)");
    /* equal to SiLU on [-20, 20] only: the far probes see the clamp */
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 2, (int64_t[]){3, 20});
    mb_scalar(&b, "lo", -20.0f);
    mb_scalar(&b, "hi", 20.0f);
    mb_node(&b, "Clip", "x,lo,hi", "c");
    mb_node(&b, "Sigmoid", "x", "s");
    mb_node(&b, "Mul", "c,s", "y");
    mb_output(&b, "y");
    expect_opt(mb_load(&b), "SiLU", false, true, "Clip(x, -20, 20) * Sigmoid(x)");
}

/* on every ISA: ST_ACT has an AVX2 loop and a scalar one (tails, generic) */
static void silu__x_times_sigmoid__fuses_and_quick_gelu_does_not(void **state)
{
    (void)state;
    on_every_isa(silu_cases);
}

/* HardSwish as x * HardSigmoid(x) (alpha), or x * Clip(x + 3, 0, 6) / 6. */
static eb_graph *hard_swish_graph(bool clip_form, float alpha)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 2, (int64_t[]){4, 33});
    if (clip_form) {
        mb_scalar(&b, "three", 3.0f);
        mb_scalar(&b, "zero", 0.0f);
        mb_scalar(&b, "six", 6.0f);
        mb_node(&b, "Add", "x,three", "x3");
        mb_node(&b, "Clip", "x3,zero,six", "c");
        mb_node(&b, "Mul", "x,c", "xc");
        mb_node(&b, "Div", "xc,six", "y");
    } else {
        mb_node(&b, "HardSigmoid", "x", "h");
        mb_attr_float(&b, "alpha", alpha);
        mb_node(&b, "Mul", "x,h", "y");
    }
    mb_output(&b, "y");
    return mb_load(&b);
}

static void hard_swish_cases(void)
{
    expect_opt(hard_swish_graph(false, 1.0f / 6.0f), "HardSwish x1", true, true, "x * HardSigmoid(x)");
    expect_opt(hard_swish_graph(true, 0), "HardSwish x1", true, true, "x * Clip(x + 3, 0, 6) / 6");
    expect_opt(hard_swish_graph(false, 0.2f), "HardSwish", false, false, "x * HardSigmoid(x), alpha 0.2");
}

/* on every ISA: ST_ACT has an AVX2 loop and a scalar one (tails, generic) */
static void hard_swish__both_spellings__fuse_and_the_default_slope_does_not(void **state)
{
    (void)state;
    on_every_isa(hard_swish_cases);
}

/* MatMul -> PyTorch's exact GELU with its operands in another order than
 * cpu_fuse.c's matcher knows (0.5 * y first): opt=2 makes it the GEMM's
 * epilogue. */
static void gelu_erf__reordered_after_matmul__becomes_the_epilogue(void **state)
{
    (void)state;
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 2, (int64_t[]){5, 16});
    mb_init(&b, "w", 2, (int64_t[]){16, 12}, NULL);
    mb_scalar(&b, "half", 0.5f);
    mb_scalar(&b, "rs2", 0.70710678f);
    mb_scalar(&b, "one", 1.0f);
    mb_node(&b, "MatMul", "x,w", "y");
    mb_node(&b, "Mul", "y,half", "h");
    mb_node(&b, "Mul", "y,rs2", "ys");
    mb_node(&b, "Erf", "ys", "e");
    mb_node(&b, "Add", "one,e", "a");
    mb_node(&b, "Mul", "a,h", "z");
    mb_output(&b, "z");
    expect_opt(mb_load(&b), "MatMul+GELU x1", true, true, "MatMul, then 0.5 y (1 + erf(y / sqrt 2))");
}

/* ---- Pow by a constant ----------------------------------------------------------- */

static eb_graph *pow_graph(float e)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 2, (int64_t[]){3, 50});
    mb_scalar(&b, "e", e);
    mb_node(&b, "Abs", "x", "ax"); /* x^0.5 wants x >= 0 */
    mb_node(&b, "Pow", "ax,e", "y");
    mb_output(&b, "y");
    mb_output(&b, "ax"); /* read twice: no Abs -> Pow chain */
    return mb_load(&b);
}

static void pow__by_2_and_half__are_mul_and_sqrt(void **state)
{
    (void)state;
    expect_opt(pow_graph(2.0f), "Pow(2)->Mul x1", true, true, "Pow(x, 2)");
    expect_opt(pow_graph(0.5f), "Pow(0.5)->Sqrt x1", true, true, "Pow(x, 0.5)");
    expect_opt(pow_graph(3.0f), "Pow(", false, false, "Pow(x, 3)");
}

/* ---- channel shuffle ------------------------------------------------------------- */

/* ShuffleNet's: (n, c, h, w) -> Reshape (n, g, c/g, h, w) -> Transpose
 * perm -> Reshape (n, c, h, w); perm (0, 2, 1, 3, 4) is the shuffle. */
static eb_graph *shuffle_graph(const int64_t *perm, bool conv)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 4, (int64_t[]){2, 12, 5, 3});
    mb_init_i64(&b, "s5", 5, (int64_t[]){2, 2, 6, 5, 3});
    mb_init_i64(&b, "s4", 4, (int64_t[]){2, 12, 5, 3});
    if (conv) { /* its output is NHWC: the shuffle permutes each pixel's channels */
        mb_init(&b, "w", 4, (int64_t[]){12, 12, 1, 1}, NULL);
        mb_node(&b, "Conv", "x,w", "r");
    } else {
        mb_node(&b, "Relu", "x", "r"); /* an activation, not the graph's input */
    }
    mb_node(&b, "Reshape", "r,s5", "a");
    mb_node(&b, "Transpose", "a", "t");
    mb_attr_ints(&b, "perm", 5, perm);
    mb_node(&b, "Reshape", "t,s4", "y");
    mb_output(&b, "y");
    return mb_load(&b);
}

/* An NHWC conv output shuffled in g groups (the cpu kernel has a path for
 * g = 2 and one for other g). */
static eb_graph *shuffle_graph_groups(int64_t g)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 4, (int64_t[]){2, 12, 5, 3});
    mb_init_i64(&b, "s5", 5, (int64_t[]){2, g, 12 / g, 5, 3});
    mb_init_i64(&b, "s4", 4, (int64_t[]){2, 12, 5, 3});
    mb_init(&b, "w", 4, (int64_t[]){12, 12, 1, 1}, NULL);
    mb_node(&b, "Conv", "x,w", "r");
    mb_node(&b, "Reshape", "r,s5", "a");
    mb_node(&b, "Transpose", "a", "t");
    mb_attr_ints(&b, "perm", 5, (int64_t[]){0, 2, 1, 3, 4});
    mb_node(&b, "Reshape", "t,s4", "y");
    mb_output(&b, "y");
    return mb_load(&b);
}

static void shuffle__reshape_transpose_reshape__is_one_copy(void **state)
{
    (void)state;
    expect_opt(shuffle_graph((int64_t[]){0, 2, 1, 3, 4}, false), "ChannelShuffle x1", true, true, "channel shuffle");
    expect_opt(shuffle_graph((int64_t[]){0, 2, 1, 3, 4}, true), "ChannelShuffle x1", true, true,
               "channel shuffle of an NHWC conv output");
    expect_opt(shuffle_graph_groups(3), "ChannelShuffle x1", true, true, "channel shuffle in 3 groups, NHWC");
    expect_opt(shuffle_graph_groups(4), "ChannelShuffle x1", true, true, "channel shuffle in 4 groups, NHWC");
    expect_opt(shuffle_graph((int64_t[]){0, 1, 2, 4, 3}, false), "ChannelShuffle", false, true,
               "a transpose of h and w");
}

/* ---- squeeze-and-excitation ------------------------------------------------------- */

/* Conv (NHWC out) -> GlobalAveragePool -> 1x1 (+bias) -> act -> 1x1 (+bias)
 * -> gate -> Mul with the Conv's output.  act: 0 none, 1 Relu, 2 SiLU. */
static eb_graph *se_graph(int act, const char *gate)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 4, (int64_t[]){2, 16, 5, 4});
    mb_init(&b, "w0", 4, (int64_t[]){16, 16, 1, 1}, NULL);
    mb_init(&b, "w1", 4, (int64_t[]){4, 16, 1, 1}, NULL);
    mb_init1(&b, "b1", 4, NULL);
    mb_init(&b, "w2", 4, (int64_t[]){16, 4, 1, 1}, NULL);
    mb_init1(&b, "b2", 16, NULL);
    mb_node(&b, "Conv", "x,w0", "a");
    mb_node(&b, "GlobalAveragePool", "a", "p");
    mb_node(&b, "Conv", "p,w1,b1", act ? "h0" : "h");
    if (act == 1)
        mb_node(&b, "Relu", "h0", "h");
    if (act == 2) {
        mb_node(&b, "Sigmoid", "h0", "hs");
        mb_node(&b, "Mul", "h0,hs", "h");
    }
    mb_node(&b, "Conv", "h,w2,b2", "z");
    mb_node(&b, gate, "z", "s");
    if (strcmp(gate, "HardSigmoid") == 0)
        mb_attr_float(&b, "alpha", 1.0f / 6.0f);
    mb_node(&b, "Mul", "s,a", "y");
    mb_output(&b, "y");
    return mb_load(&b);
}

static void se__pool_1x1_act_1x1_gate_mul__is_one_step(void **state)
{
    (void)state;
    expect_opt(se_graph(1, "Sigmoid"), "SqueezeExcite x1", true, true, "SE, Relu, Sigmoid");
    expect_opt(se_graph(2, "Sigmoid"), "SqueezeExcite x1", true, true, "SE, SiLU, Sigmoid (efficientnet)");
    expect_opt(se_graph(1, "HardSigmoid"), "SqueezeExcite x1", true, true, "SE, Relu, HardSigmoid (mobilenet_v3)");
    expect_opt(se_graph(0, "Sigmoid"), "SqueezeExcite x1", true, true, "SE, no activation");
    expect_opt(se_graph(1, "Tanh"), "SqueezeExcite", false, true, "a Tanh gate");
}

/* ---- elementwise chains ----------------------------------------------------------- */

/* Runs g at opt=0 and at opt=2 (threads 1 and 2) with the same inputs:
 * opt=2 within CHAIN_TOL of opt=0 (relative L2), with fusions exactly
 * `fusions` and no fallback; opt=0 fuses nothing.  Frees g. */
static void expect_chain(eb_graph *g, const char *fusions, const char *what)
{
    eb_tensor in[4] = {{0}};
    assert_true(g->n_inputs <= 4 && g->n_outputs <= 4);
    mb_inputs(g, in, &rng, 2.0f);
    outs want = {0};
    eb_plan_info info;
    run_on("cpu", 0, 1, g, in, &want, &info);
    if (info.fusions[0])
        fail_msg("%s: opt=0 fused '%s'", what, info.fusions);
    for (int threads = 1; threads <= 2; threads++) {
        outs got = {0};
        run_on("cpu", 2, threads, g, in, &got, &info);
        double e = rel_l2(&got, &want);
        outs_free(&got);
        if (!(e <= CHAIN_TOL))
            fail_msg("%s: opt=2 threads=%d against opt=0: rel. L2 error %g > %g (fusions '%s')", what, threads, e,
                     CHAIN_TOL, info.fusions);
        if (strcmp(info.fusions, fusions) != 0)
            fail_msg("%s: opt=2 fused '%s', expected '%s'", what, info.fusions, fusions);
        if (info.fallbacks[0])
            fail_msg("%s: opt=2 fell back: %s", what, info.fallbacks);
    }
    outs_free(&want);
    for (int i = 0; i < g->n_inputs; i++)
        eb_tensor_free_data(&in[i]);
    eb_graph_free(g);
}

static int rand_below(int n)
{
    return (int)(eb_test_rand(&rng) % (uint64_t)n);
}

/* A constant that broadcasts to shape (rank r): per channel (dim 1 of a
 * rank >= 3 shape, ones after it), the last dim, or each dim kept or 1 at
 * random (leading ones dropped at random). */
static void bcast_const(mb *b, const char *name, int r, const int64_t *shape)
{
    int64_t d[EB_MAX_RANK];
    int kind = rand_below(3), cr = r;
    for (int k = 0; k < r; k++)
        d[k] = shape[k];
    if (kind == 0 && r >= 3) { /* (C, 1, ...) */
        cr = r - 1;
        for (int k = 1; k < r; k++)
            d[k - 1] = k == 1 ? shape[1] : 1;
    } else if (kind == 1 || r < 3) { /* (W) */
        cr = 1;
        d[0] = shape[r - 1];
    } else {
        for (int k = 0; k < r; k++)
            d[k] = rand_below(2) ? shape[k] : 1;
        int drop = rand_below(r);
        for (int k = 0; k < drop && d[k] == 1; k++, cr--)
            memmove(d, d + 1, sizeof(int64_t) * (size_t)(r - 1));
    }
    mb_init(b, name, cr, d, NULL);
}

/* A random chain of `len` elementwise ops on x (a second input z of x's
 * shape is a possible operand), its values kept far from overflow and
 * from the domain edges (Sqrt after a non-negative value only, Div by an
 * operand that is never near zero): bound tracks max |value|. */
static eb_graph *random_chain(int len, int r, const int64_t *shape, char *desc, size_t dn)
{
    static const char *const UNARY[] = {"Relu", "LeakyRelu", "Sigmoid", "Tanh",        "Abs", "Neg", "Exp",
                                        "Sqrt", "Clip",      "HardSigmoid", "HardSwish", "Erf", "Pow"};
    static const char *const BINARY[] = {"Add", "Sub", "Mul", "Div"};
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", r, shape);
    mb_input(&b, "z", r, shape);
    double bound = 2.0;
    bool nonneg = false;
    char cur[16] = "x";
    size_t dl = (size_t)snprintf(desc, dn, "shape (");
    for (int k = 0; k < r; k++)
        dl += (size_t)snprintf(desc + dl, dn - dl, "%s%lld", k ? "," : "", (long long)shape[k]);
    dl += (size_t)snprintf(desc + dl, dn - dl, "):");
    for (int i = 0; i < len; i++) {
        char out[16], ins[64], cname[16];
        snprintf(out, sizeof out, i == len - 1 ? "y" : "t%d", i);
        snprintf(cname, sizeof cname, "c%d", i);
        const char *op = NULL, *arg = "";
        for (int tries = 0; !op; tries++) {
            bool unary = rand_below(2);
            op = unary ? UNARY[rand_below(13)] : BINARY[rand_below(4)];
            if ((!strcmp(op, "Sqrt") && !nonneg) || (!strcmp(op, "Exp") && bound > 8))
                op = NULL;
        }
        if (!strcmp(op, "Pow")) {
            float e = bound <= 20 ? (rand_below(2) ? 2.0f : 3.0f) : 1.0f;
            e = nonneg && rand_below(3) == 0 ? 0.5f : e;
            mb_scalar(&b, cname, e);
            snprintf(ins, sizeof ins, "%s,%s", cur, cname);
            mb_node(&b, op, ins, out);
            bound = pow(bound, e);
            nonneg = nonneg || e == 2.0f;
            arg = e == 2.0f ? "2" : e == 3.0f ? "3" : e == 0.5f ? "0.5" : "1";
        } else if (!strcmp(op, "Clip")) {
            char lo[16], hi[16];
            snprintf(lo, sizeof lo, "lo%d", i);
            snprintf(hi, sizeof hi, "hi%d", i);
            mb_scalar(&b, lo, -1.0f);
            mb_scalar(&b, hi, 1.5f);
            snprintf(ins, sizeof ins, "%s,%s,%s", cur, lo, hi);
            mb_node(&b, op, ins, out);
            bound = 1.5;
            nonneg = false;
        } else if (strcmp(op, "Add") && strcmp(op, "Sub") && strcmp(op, "Mul") && strcmp(op, "Div")) {
            mb_node(&b, op, cur, out);
            if (!strcmp(op, "LeakyRelu"))
                mb_attr_float(&b, "alpha", 0.1f);
            if (!strcmp(op, "HardSigmoid"))
                mb_attr_float(&b, "alpha", 0.25f);
            bool squash = !strcmp(op, "Sigmoid") || !strcmp(op, "Tanh") || !strcmp(op, "HardSigmoid") ||
                          !strcmp(op, "Erf");
            bound = squash ? 1.0 : !strcmp(op, "Exp") ? exp(bound) : !strcmp(op, "Sqrt") ? sqrt(bound) : bound;
            nonneg = !strcmp(op, "Relu") || !strcmp(op, "Sigmoid") || !strcmp(op, "Abs") || !strcmp(op, "Exp") ||
                     !strcmp(op, "Sqrt") || !strcmp(op, "HardSigmoid") || (nonneg && strcmp(op, "Neg") &&
                                                                             strcmp(op, "LeakyRelu") &&
                                                                             strcmp(op, "HardSwish") &&
                                                                             strcmp(op, "Tanh") && strcmp(op, "Erf"));
        } else {
            /* the operand: scalar, broadcast constant, z, or the value itself */
            int kind = rand_below(4);
            const char *other = cname;
            if (kind == 0)
                mb_scalar(&b, cname, rand_nonzero());
            else if (kind == 1)
                bcast_const(&b, cname, r, shape);
            else if (kind == 2)
                other = "z";
            else if (!strcmp(op, "Mul") && bound <= 100)
                other = cur; /* v * v */
            else
                mb_scalar(&b, cname, rand_nonzero());
            /* the value on the right of Sub; never a divisor */
            bool left = !strcmp(op, "Sub") && rand_below(2);
            snprintf(ins, sizeof ins, "%s,%s", left ? other : cur, left ? cur : other);
            mb_node(&b, op, ins, out);
            arg = other == cur ? "self" : kind == 0 || kind == 3 ? "scalar" : kind == 1 ? "bcast" : "z";
            bound = other == cur ? bound * bound : !strcmp(op, "Mul") ? bound * 2 : !strcmp(op, "Div") ? bound * 10
                                                                                                    : bound + 2;
            nonneg = other == cur;
        }
        dl += (size_t)snprintf(desc + dl, dl < dn ? dn - dl : 0, " %s%s%s", op, *arg ? "/" : "", arg);
        snprintf(cur, sizeof cur, "%s", out);
    }
    mb_output(&b, "y");
    return mb_load(&b);
}

static void random_chain_cases(void)
{
    static const int64_t DIMS[] = {1, 2, 3, 5, 7, 9, 16, 17, 33, 37};
    for (int c = 0; c < 24; c++) {
        int r = 1 + rand_below(4), len = 2 + rand_below(5);
        int64_t shape[4], total = 1;
        for (int k = 0; k < r; k++) {
            shape[k] = DIMS[rand_below(10)];
            shape[k] = total * shape[k] > 20000 ? 1 : shape[k]; /* at most 20000 values */
            total *= shape[k];
        }
        if (c % 6 == 0) { /* some large enough for several blocks and two threads' pieces */
            for (int k = 0; k < r; k++)
                shape[k] = k == r - 2 ? 3 : 1;
            shape[r - 1] = 6007 + rand_below(8000);
        }
        char desc[400];
        eb_graph *g = random_chain(len, r, shape, desc, sizeof desc);
        /* a binary op and a Relu/Clip: the binary step's own epilogue */
        const eb_node *n0 = &g->nodes[0], *n1 = &g->nodes[1];
        bool epi = len == 2 && n0->n_in == 2 && n0->op != EB_OP_POW && n0->op != EB_OP_CLIP &&
                   (n1->op == EB_OP_RELU || n1->op == EB_OP_CLIP);
        char what[480], epi_name[64];
        snprintf(what, sizeof what, "chain %d (%s isa): %s", c, eb_isa_name(eb_gemm_isa()), desc);
        snprintf(epi_name, sizeof epi_name, "%s+%s x1", n0->op_type, n1->op_type);
        expect_chain(g, epi ? epi_name : "Eltwise chain x1", what);
    }
}

/* on every ISA: the chain has AVX2 forms of most ops and scalar loops */
static void chain__random_chains__one_step_equal_to_opt0_on_every_isa(void **state)
{
    (void)state;
    on_every_isa(random_chain_cases);
}

/* x -> Mul(2) -> a -> Tanh -> y1, and a -> Sigmoid -> y2 when `second`
 * (else a is read once, by Tanh). */
static eb_graph *fork_graph(bool second)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 3, (int64_t[]){2, 7, 33});
    mb_scalar(&b, "two", 2.0f);
    mb_node(&b, "Mul", "x,two", "a");
    mb_node(&b, "Tanh", "a", "y1");
    mb_output(&b, "y1");
    if (second) {
        mb_node(&b, "Sigmoid", "a", "y2");
        mb_output(&b, "y2");
    }
    return mb_load(&b);
}

static void chain__intermediate_read_twice__is_not_fused(void **state)
{
    (void)state;
    expect_chain(fork_graph(false), "Eltwise chain x1", "Mul -> Tanh");
    expect_chain(fork_graph(true), "", "Mul -> a, read by Tanh and by Sigmoid");
    /* a graph output in the middle is read outside the chain too */
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 2, (int64_t[]){5, 9});
    mb_scalar(&b, "two", 2.0f);
    mb_node(&b, "Mul", "x,two", "a");
    mb_node(&b, "Tanh", "a", "y");
    mb_output(&b, "y");
    mb_output(&b, "a");
    expect_chain(mb_load(&b), "", "Mul -> a (a graph output) -> Tanh");
}

/* Conv (NHWC out) + Relu, then a chain on it: the epilogue keeps the Relu,
 * the chain takes the rest, in NHWC with a full-shape value (z, NCHW:
 * converted), or in NCHW with a per-channel or a full-shape constant;
 * SiLU before a chain stays SiLU. */
static void chain__after_epilogue_and_activation__both_named(void **state)
{
    (void)state;
    static const char *const ADD_IN[] = {"u,z", "cc,u", "u,cf"};
    static const char *const WHAT[] = {"Conv+Relu, chain with z (NHWC)", "Conv+Relu, chain with a per-channel Add",
                                       "Conv+Relu, chain with a full-shape constant (NCHW)"};
    for (int k = 0; k < 3; k++) {
        mb b;
        mb_begin(&b, 13);
        mb_input(&b, "x", 4, (int64_t[]){1, 8, 5, 7});
        mb_input(&b, "z", 4, (int64_t[]){1, 12, 5, 7});
        mb_init(&b, "w", 4, (int64_t[]){12, 8, 1, 1}, NULL);
        mb_init(&b, "cc", 3, (int64_t[]){12, 1, 1}, NULL);
        mb_init(&b, "cf", 4, (int64_t[]){1, 12, 5, 7}, NULL);
        mb_scalar(&b, "s", 0.5f);
        mb_node(&b, "Conv", "x,w", "c");
        mb_node(&b, "Relu", "c", "r");
        mb_node(&b, "Sigmoid", "r", "t");
        mb_node(&b, "Mul", "t,s", "u");
        mb_node(&b, "Add", ADD_IN[k], "y");
        mb_output(&b, "y");
        expect_chain(mb_load(&b), "Conv+Relu x1, Eltwise chain x1", WHAT[k]);
    }
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 2, (int64_t[]){3, 40});
    mb_scalar(&b, "s", 0.5f);
    mb_scalar(&b, "one", 1.0f);
    mb_node(&b, "Sigmoid", "x", "sg");
    mb_node(&b, "Mul", "x,sg", "si");
    mb_node(&b, "Mul", "si,s", "m");
    mb_node(&b, "Add", "m,one", "y");
    mb_output(&b, "y");
    expect_chain(mb_load(&b), "SiLU x1, Eltwise chain x1", "SiLU, then Mul -> Add");
}

/* ---- attention ------------------------------------------------------------------- */

typedef struct attn_spec {
    int64_t b, h, m, n, d, dv;
    int scale;        /* 0 none, 1 Mul by 1/sqrt(d), 2 Div by sqrt(d) */
    int mask;         /* 0 none, 1 input [b,1,m,n], 2 constant [m,n], 3 input [n], 4 input [b,h,m,n] */
    bool mask_first;  /* Add(mask, s) */
    bool kv_shared;   /* K and V without the batch dim: [h,n,d], broadcast over b */
    bool scores_out;  /* the scores are a graph output too: not fused */
    int where;        /* 0 none, 1 Where(cond, fill, s) (masked_fill), 2 Where(cond, s, fill) */
    bool late;        /* V and cond computed after the scores (the step waits for the last MatMul) */
    float fill;
} attn_spec;

/* q [b,h,m,d], k [b,h,n,d] transposed to kt, v [b,h,n,dv]: the pattern as
 * PyTorch exports it (scores, scale, mask, Softmax, MatMul). */
static eb_graph *attn_graph(const attn_spec *a)
{
    mb b;
    mb_begin(&b, 13);
    int64_t kv_rank = a->kv_shared ? 3 : 4;
    const int64_t *kv_dims = a->kv_shared ? (int64_t[]){a->h, a->n, a->d} : (int64_t[]){a->b, a->h, a->n, a->d};
    const int64_t *v_dims = a->kv_shared ? (int64_t[]){a->h, a->n, a->dv} : (int64_t[]){a->b, a->h, a->n, a->dv};
    mb_input(&b, "q", 4, (int64_t[]){a->b, a->h, a->m, a->d});
    mb_input(&b, "k", (int)kv_rank, kv_dims);
    mb_input(&b, "v", (int)kv_rank, v_dims);
    if (a->where) { /* cond = ca > cb, a random pattern ([m, n] against [m, 1]) */
        mb_input(&b, "ca", 2, (int64_t[]){a->m, a->n});
        mb_input(&b, "cb", 2, (int64_t[]){a->m, 1});
        mb_scalar(&b, "fill", a->fill);
    }
    if (!a->late) {
        mb_node(&b, "Relu", "v", "vr");
        if (a->where)
            mb_node(&b, "Greater", "ca,cb", "cond");
    }
    switch (a->mask) {
    case 1: mb_input(&b, "mask", 4, (int64_t[]){a->b, 1, a->m, a->n}); break;
    case 2: mb_init(&b, "mask", 2, (int64_t[]){a->m, a->n}, NULL); break;
    case 3: mb_input(&b, "mask", 1, (int64_t[]){a->n}); break;
    case 4: mb_input(&b, "mask", 4, (int64_t[]){a->b, a->h, a->m, a->n}); break;
    default: break;
    }
    mb_node(&b, "Transpose", "k", "kt");
    mb_attr_ints(&b, "perm", (int)kv_rank, a->kv_shared ? (int64_t[]){0, 2, 1} : (int64_t[]){0, 1, 3, 2});
    mb_node(&b, "MatMul", "q,kt", "s0");
    const char *s = "s0";
    if (a->scale) {
        mb_scalar(&b, "c", a->scale == 1 ? 1.0f / sqrtf((float)a->d) : sqrtf((float)a->d));
        mb_node(&b, a->scale == 1 ? "Mul" : "Div", "s0,c", "s1");
        s = "s1";
    }
    if (a->late) {
        mb_node(&b, "Relu", "v", "vr");
        if (a->where)
            mb_node(&b, "Greater", "ca,cb", "cond");
    }
    if (a->where) {
        char ins[32];
        snprintf(ins, sizeof ins, a->where == 1 ? "cond,fill,%s" : "cond,%s,fill", s);
        mb_node(&b, "Where", ins, "sw");
        s = "sw";
    }
    if (a->mask) {
        char ins[16];
        snprintf(ins, sizeof ins, a->mask_first ? "mask,%s" : "%s,mask", s);
        mb_node(&b, "Add", ins, "s2");
        s = "s2";
    }
    mb_node(&b, "Softmax", s, "p");
    mb_attr_int(&b, "axis", -1);
    mb_node(&b, "MatMul", "p,vr", "y");
    mb_output(&b, "y");
    if (a->scores_out)
        mb_output(&b, "s0");
    return mb_load(&b);
}

static void attention_cases(void)
{
    /* random shapes: one to three blocks of query rows, a block of one row
     * when there are many keys, each mask broadcast and both scale forms */
    for (int c = 0; c < 16; c++) {
        attn_spec a = {1 + (int64_t)(eb_test_rand(&rng) % 2), 1 + (int64_t)(eb_test_rand(&rng) % 3),
                       1 + (int64_t)(eb_test_rand(&rng) % 150), 1 + (int64_t)(eb_test_rand(&rng) % 300),
                       1 + (int64_t)(eb_test_rand(&rng) % 24), 1 + (int64_t)(eb_test_rand(&rng) % 24),
                       (int)(eb_test_rand(&rng) % 3), (int)(eb_test_rand(&rng) % 5), eb_test_rand(&rng) & 1,
                       eb_test_rand(&rng) % 4 == 0, false, (int)(eb_test_rand(&rng) % 3),
                       eb_test_rand(&rng) & 1, c % 3 ? -1e4f : -INFINITY};
        if (c == 0)
            a.n = 40000, a.m = 3, a.b = a.h = 1, a.scale = 1; /* one query row per block */
        if (!a.scale && a.d > 4) /* unscaled scores of d products: keep softmax well conditioned */
            a.d = 4;
        char what[200];
        snprintf(what, sizeof what,
                 "attention (%s isa) b%ld h%ld m%ld n%ld d%ld dv%ld scale %d mask %d where %d fill %g%s%s%s",
                 eb_isa_name(eb_gemm_isa()), (long)a.b, (long)a.h, (long)a.m, (long)a.n, (long)a.d, (long)a.dv,
                 a.scale, a.mask, a.where, a.fill, a.mask_first ? " first" : "", a.kv_shared ? " shared K/V" : "",
                 a.late ? " late V" : "");
        expect_opt(attn_graph(&a), "Attention x1", true, false, what);
    }
}

static void attention__scores_to_output__is_one_step_on_every_isa(void **state)
{
    (void)state;
    on_every_isa(attention_cases);
    /* the scores read elsewhere (here: a graph output) stay unfused */
    expect_opt(attn_graph(&(attn_spec){1, 2, 5, 7, 4, 3, 1, 1, false, false, true, 0, false, 0}), "Attention",
               false, false, "attention whose scores are a graph output");
    /* GPT-2's order, torch.where(causal, scores, min) then the padding mask,
     * the causal mask built after the scores */
    expect_opt(attn_graph(&(attn_spec){2, 2, 9, 9, 8, 8, 2, 4, false, false, false, 2, true, -3.4e38f}),
               "Attention x1", true, false, "attention with Where then Add, built late");
}

/* ---- the levels on the basic fusions ----------------------------------------------- */

/* Conv (pads 1) -> BatchNormalization -> Relu. */
static eb_graph *conv_bn_relu_graph(void)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 4, (int64_t[]){1, 3, 9, 9});
    mb_init(&b, "w", 4, (int64_t[]){4, 3, 3, 3}, NULL);
    mb_init1(&b, "g", 4, NULL);
    mb_init1(&b, "b", 4, NULL);
    mb_init1(&b, "m", 4, NULL);
    mb_init1(&b, "v", 4, (float[]){0.5f, 1.5f, 0.25f, 2.0f});
    mb_node(&b, "Conv", "x,w", "c");
    mb_attr_ints(&b, "pads", 4, (int64_t[]){1, 1, 1, 1});
    mb_node(&b, "BatchNormalization", "c,g,b,m,v", "n");
    mb_node(&b, "Relu", "n", "y");
    mb_output(&b, "y");
    return mb_load(&b);
}

static void levels__conv_bn_relu__folded_from_opt_1(void **state)
{
    (void)state;
    /* "Conv+" is fused from opt=1 on; expect_opt checks opt=0 fuses nothing */
    expect_opt(conv_bn_relu_graph(), "Conv+", true, false, "Conv+BN+Relu");
    /* and names both at opt=1 */
    eb_graph *g = conv_bn_relu_graph();
    eb_tensor in[1] = {{0}};
    mb_inputs(g, in, &rng, 2.0f);
    outs o = {0};
    eb_plan_info info;
    run_on("cpu", 1, 1, g, in, &o, &info);
    assert_string_equal(info.fusions, "Conv+BatchNorm x1, Conv+Relu x1");
    outs_free(&o);
    run_on("cpu", 0, 1, g, in, &o, &info);
    assert_string_equal(info.fusions, "");
    outs_free(&o);
    eb_tensor_free_data(&in[0]);
    eb_graph_free(g);
}

/* ---- the opt= key -------------------------------------------------------------- */

static void variant__opt_key__parses_and_is_canonical(void **state)
{
    (void)state;
    eb_variant_list l = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_variant_parse("cpu:opt={0,1,2}", &l, &err), EB_OK);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.items[0].opt, 0);
    assert_string_equal(l.items[0].spec, "cpu:opt=0");
    assert_string_equal(l.items[1].spec, "cpu:opt=1");
    assert_int_equal(l.items[2].opt, 2);
    assert_string_equal(l.items[2].spec, "cpu"); /* the default is not written */
    eb_variant_list_free(&l);
    assert_int_equal(eb_variant_parse("cpu:threads=2,opt=1", &l, &err), EB_OK);
    assert_string_equal(l.items[0].spec, "cpu:threads=2,opt=1");
    eb_variant_list_free(&l);
    assert_int_equal(eb_variant_parse("cpu:opt=3", &l, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "opt must be an integer <= 2"));
    assert_int_equal(eb_variant_default("cpu").opt, 2);
    /* ref has no optimizer: another level is refused, with the reason */
    eb_variant v = eb_variant_default("ref");
    v.opt = 1;
    char why[256] = "";
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 2, (int64_t[]){2, 3});
    mb_node(&b, "Relu", "x", "y");
    mb_output(&b, "y");
    eb_graph *g = mb_load(&b);
    assert_false(eb_runner_find("ref")->supports(g, &v, why, sizeof why));
    assert_non_null(strstr(why, "opt=1"));
    eb_graph_free(g);
}

int main(void)
{
    mb_random_values(rand_nonzero); /* the builder's initializers */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(layernorm__decomposed__fuses_into_one_step, setup),
        cmocka_unit_test_setup(layernorm__near_misses__are_not_fused_and_stay_right, setup),
        cmocka_unit_test_setup(gelu_tanh__both_spellings__fuse_and_a_wrong_constant_does_not, setup),
        cmocka_unit_test_setup(silu__x_times_sigmoid__fuses_and_quick_gelu_does_not, setup),
        cmocka_unit_test_setup(hard_swish__both_spellings__fuse_and_the_default_slope_does_not, setup),
        cmocka_unit_test_setup(gelu_erf__reordered_after_matmul__becomes_the_epilogue, setup),
        cmocka_unit_test_setup(pow__by_2_and_half__are_mul_and_sqrt, setup),
        cmocka_unit_test_setup(shuffle__reshape_transpose_reshape__is_one_copy, setup),
        cmocka_unit_test_setup(se__pool_1x1_act_1x1_gate_mul__is_one_step, setup),
        cmocka_unit_test_setup(chain__random_chains__one_step_equal_to_opt0_on_every_isa, setup),
        cmocka_unit_test_setup(chain__intermediate_read_twice__is_not_fused, setup),
        cmocka_unit_test_setup(chain__after_epilogue_and_activation__both_named, setup),
        cmocka_unit_test_setup(attention__scores_to_output__is_one_step_on_every_isa, setup),
        cmocka_unit_test_setup(levels__conv_bn_relu__folded_from_opt_1, setup),
        cmocka_unit_test_setup(variant__opt_key__parses_and_is_canonical, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
