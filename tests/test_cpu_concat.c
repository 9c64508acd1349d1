/* test_cpu_concat.c - Concat into slices (runners/cpu/cpu_opt_concat.c):
 * the producers of a Concat's inputs write straight into its output, and
 * the copy is gone, with outputs identical to ref.
 *
 * Graphs from the shared builder (test_graph_builder.h), random weights
 * and inputs (never zero: sign * [0.1, 1); seeded, the seed printed on
 * failure), run on ref and on cpu at opt=0, 1 and 2, threads 1 and 2, with
 * every ISA the machine runs forced in turn:
 *  - densenet-like: features from 1x1 (GEMM), 3x3 (im2row) and 3x3
 *    Winograd convolutions concatenated along the NHWC channels, each
 *    feature read by the later Concats too: only the one read by its
 *    Concat alone is written in place (the others must still be copied);
 *  - shufflenet-like: a Slice half passed through, the other half through
 *    a 1x1 conv, concatenated and shuffled;
 *  - a contiguous Concat (axis 0 of 2-D values) whose every piece becomes
 *    a view: no step runs for the Concat node at all.
 * The outputs match ref within the cpu runner's tolerance (relative L2
 * 1e-5); at opt >= 1 the plan's fusions name "Concat slices" and count the
 * Concats that absorbed a piece, at opt=0 nothing is absorbed; the number
 * of Concat steps left in the plan is checked where every piece is
 * absorbed (none). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/graph.h"
#include "runners/cpu/cpu_plan.h"
#include "runners/cpu/cpu_runner.h"
#include "runners/cpu/gemm.h"
#include "runners/runner.h"
#include "tests/test_graph_builder.h"
#include "tests/test_util.h"

#define TOL 1e-5

static uint64_t rng;

static float rand_nonzero(void)
{
    return eb_test_nonzero(&rng, 1.0f);
}

static int64_t rand_below(int64_t n)
{
    return (int64_t)(eb_test_rand(&rng) % (uint64_t)n);
}

static int setup(void **state)
{
    (void)state;
    rng = eb_test_seed();
    return 0;
}

typedef struct result {
    float *y;
    int64_t n;
    char fusions[256], fallbacks[256];
    int concat_steps; /* steps whose head node is a Concat */
} result;

static void run_variant(const char *name, int threads, int opt, const eb_graph *g, const eb_tensor *x, result *r)
{
    const eb_runner *rn = eb_runner_find(name);
    assert_non_null(rn);
    eb_variant v = eb_variant_default(name);
    v.threads = threads;
    if (strcmp(name, "cpu") == 0)
        v.opt = opt;
    eb_plan *p = NULL;
    eb_err err = {{0}};
    if (rn->prepare(g, &v, &p, &err) != EB_OK)
        fail_msg("%s prepare: %s", name, err.msg);
    eb_tensor out = {0};
    eb_tensor_copy_meta(&out, &g->values[g->outputs[0]].t);
    out.data = NULL;
    assert_int_equal(eb_tensor_alloc(&out, "y", &err), EB_OK);
    if (rn->run(p, x, &out, &err) != EB_OK)
        fail_msg("%s run: %s", name, err.msg);
    r->y = out.data;
    r->n = eb_tensor_numel(&out);
    eb_plan_info info;
    memset(&info, 0, sizeof info);
    rn->info(p, &info);
    snprintf(r->fusions, sizeof r->fusions, "%s", info.fusions);
    snprintf(r->fallbacks, sizeof r->fallbacks, "%s", info.fallbacks);
    r->concat_steps = 0;
    if (strcmp(name, "cpu") == 0)
        for (int si = 0; si < p->n_steps; si++)
            r->concat_steps += p->steps[si].node >= 0 && g->nodes[p->steps[si].node].op == EB_OP_CONCAT;
    rn->release(p);
}

static double rel_l2(const result *a, const result *e)
{
    double num = 0, den = 0;
    for (int64_t k = 0; k < e->n; k++) {
        double d = (double)a->y[k] - e->y[k];
        num += d * d;
        den += (double)e->y[k] * e->y[k];
    }
    return sqrt(num / den);
}

/* The number of Concats the fusions name as absorbed ("Concat slices xN"), 0 when absent. */
static int slices_count(const char *fusions)
{
    const char *s = strstr(fusions, "Concat slices x");
    return s ? atoi(s + strlen("Concat slices x")) : 0;
}

/* cpu at opt 0..2 (threads 1 and 2, every ISA) against ref on g; at opt
 * >= 1 `absorbed` Concats take pieces in place, and `steps_left` Concat
 * steps remain (-1: not checked); frees g. */
static void expect_concat(eb_graph *g, int absorbed, int steps_left, const char *what)
{
    eb_tensor x = {0};
    eb_err err;
    eb_tensor_copy_meta(&x, &g->values[g->inputs[0]].t);
    x.data = NULL;
    assert_int_equal(eb_tensor_alloc(&x, "x", &err), EB_OK);
    for (int64_t k = 0; k < eb_tensor_numel(&x); k++)
        ((float *)x.data)[k] = rand_nonzero();
    result want;
    run_variant("ref", 1, 0, g, &x, &want);
    int ran = 0;
    for (int isa = EB_ISA_GENERIC; isa < 16 && strcmp(eb_isa_name((eb_isa)isa), "?") != 0; isa++) {
        if (!eb_gemm_force_isa((eb_isa)isa))
            continue;
        ran++;
        for (int opt = 0; opt <= 2; opt++)
            for (int threads = 1; threads <= 2; threads++) {
                result got;
                run_variant("cpu", threads, opt, g, &x, &got);
                double e = rel_l2(&got, &want);
                const char *in = eb_isa_name((eb_isa)isa);
                if (!(e <= TOL))
                    fail_msg("%s [%s, opt=%d, %d threads]: relative L2 error %.3g > %.0e (fusions '%s')", what, in,
                             opt, threads, e, TOL, got.fusions);
                if (got.fallbacks[0])
                    fail_msg("%s [%s, opt=%d]: fell back to reference kernels: %s", what, in, opt, got.fallbacks);
                int n = slices_count(got.fusions);
                if (n != (opt >= 1 ? absorbed : 0))
                    fail_msg("%s [%s, opt=%d]: %d Concats wrote into slices, expected %d (fusions '%s')", what, in,
                             opt, n, opt >= 1 ? absorbed : 0, got.fusions);
                if (opt >= 1 && steps_left >= 0 && got.concat_steps != steps_left)
                    fail_msg("%s [%s, opt=%d]: %d Concat steps in the plan, expected %d", what, in, opt,
                             got.concat_steps, steps_left);
                free(got.y);
            }
    }
    eb_gemm_force_isa(EB_ISA_AUTO);
    assert_true(ran >= 1);
    free(want.y);
    eb_tensor_free_data(&x);
    eb_graph_free(g);
}

/* ---- densenet-like ------------------------------------------------------------------- */

/* x (n, c0, h, w) -> f0 = Relu(Conv1x1 x); a dense block of two layers,
 * each Relu(concat of all features so far) -> Conv kxk (pad k/2) -> the
 * next feature of `growth` channels; the block's output is the Concat of
 * f0, f1, f2.  f2 is read by the last Concat alone; f0 and f1 by both. */
static eb_graph *dense_graph(int64_t n, int64_t c0, int64_t h, int64_t w, int64_t growth, int k)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 4, (int64_t[]){n, c0, h, w});
    mb_init(&b, "w0", 4, (int64_t[]){c0, c0, 1, 1}, NULL);
    mb_init(&b, "w1", 4, (int64_t[]){growth, c0, k, k}, NULL);
    mb_init(&b, "w2", 4, (int64_t[]){growth, c0 + growth, k, k}, NULL);
    mb_init1(&b, "b1", growth, NULL);
    mb_node(&b, "Conv", "x,w0", "c0");
    mb_node(&b, "Relu", "c0", "f0");
    mb_node(&b, "Conv", "f0,w1,b1", "f1");
    mb_attr_ints(&b, "pads", 4, (int64_t[]){k / 2, k / 2, k / 2, k / 2});
    mb_node(&b, "Concat", "f0,f1", "cat1");
    mb_attr_int(&b, "axis", 1);
    mb_node(&b, "Relu", "cat1", "r1");
    mb_node(&b, "Conv", "r1,w2", "f2");
    mb_attr_ints(&b, "pads", 4, (int64_t[]){k / 2, k / 2, k / 2, k / 2});
    mb_node(&b, "Concat", "f0,f1,f2", "y");
    mb_attr_int(&b, "axis", 1);
    mb_output(&b, "y");
    return mb_load(&b);
}

static void concat__densenet_like_block__last_feature_written_in_place(void **state)
{
    (void)state;
    static const int64_t ODD[] = {3, 5, 7};
    for (int c = 0; c < 6; c++) {
        int64_t n = c % 3 == 2 ? 2 : 1, h = ODD[rand_below(3)], w = ODD[rand_below(3)];
        /* c >= 4: 16+ channels, stride 1, 3x3: the Winograd path writes the slice */
        int64_t c0 = c >= 4 ? 16 : 5 + 2 * (c % 2), growth = c >= 4 ? 16 : 3 + 2 * (c % 3);
        int k = c % 2 ? 3 : 1;
        if (c >= 4)
            k = 3;
        char what[128];
        snprintf(what, sizeof what, "dense block n=%lld c0=%lld growth=%lld %lldx%lld k=%d", (long long)n,
                 (long long)c0, (long long)growth, (long long)h, (long long)w, k);
        expect_concat(dense_graph(n, c0, h, w, growth, k), 1, 2, what);
    }
}

/* ---- shufflenet-like ------------------------------------------------------------------ */

/* x -> Conv1x1 r (c channels, NHWC); x1 = r[:, :c/2] passes, x2 = r[:, c/2:]
 * -> Conv1x1 + Relu; Concat(x1, branch) -> channel shuffle (g 2). */
static eb_graph *shuffle_unit_graph(int64_t c, int64_t h, int64_t w)
{
    int64_t half = c / 2;
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 4, (int64_t[]){1, c, h, w});
    mb_init(&b, "w0", 4, (int64_t[]){c, c, 1, 1}, NULL);
    mb_init(&b, "w1", 4, (int64_t[]){half, half, 1, 1}, NULL);
    mb_init_i64(&b, "s0", 1, (int64_t[]){0});
    mb_init_i64(&b, "sh", 1, (int64_t[]){half});
    mb_init_i64(&b, "se", 1, (int64_t[]){c});
    mb_init_i64(&b, "ax", 1, (int64_t[]){1});
    mb_init_i64(&b, "s5", 5, (int64_t[]){1, 2, half, h, w});
    mb_init_i64(&b, "s4", 4, (int64_t[]){1, c, h, w});
    mb_node(&b, "Conv", "x,w0", "r");
    mb_node(&b, "Slice", "r,s0,sh,ax", "x1");
    mb_node(&b, "Slice", "r,sh,se,ax", "x2");
    mb_node(&b, "Conv", "x2,w1", "b1");
    mb_node(&b, "Relu", "b1", "br");
    mb_node(&b, "Concat", "x1,br", "cat");
    mb_attr_int(&b, "axis", 1);
    mb_node(&b, "Reshape", "cat,s5", "a");
    mb_node(&b, "Transpose", "a", "t");
    mb_attr_ints(&b, "perm", 5, (int64_t[]){0, 2, 1, 3, 4});
    mb_node(&b, "Reshape", "t,s4", "y");
    mb_output(&b, "y");
    return mb_load(&b);
}

static void concat__shufflenet_like_unit__branch_written_in_place(void **state)
{
    (void)state;
    static const int64_t C[] = {6, 10, 14, 24};
    for (int c = 0; c < 4; c++)
        expect_concat(shuffle_unit_graph(C[c], 3 + 2 * (c % 2), 5), 1, 1, "shuffle unit");
}

/* ---- contiguous pieces: no copy at all -------------------------------------------------- */

/* a = x W (m x n), b = Relu(x') (m2 x n): Concat axis 0 -> Relu -> y; both
 * pieces are contiguous ranges of the output. */
static eb_graph *rows_graph(int64_t m, int64_t k, int64_t n)
{
    mb b;
    mb_begin(&b, 13);
    mb_input(&b, "x", 2, (int64_t[]){m, k});
    mb_init(&b, "w", 2, (int64_t[]){k, n}, NULL);
    mb_init(&b, "w2", 2, (int64_t[]){k, n}, NULL);
    mb_node(&b, "MatMul", "x,w", "a");
    mb_node(&b, "MatMul", "x,w2", "a2");
    mb_node(&b, "Sigmoid", "a2", "b");
    mb_node(&b, "Concat", "a,b", "cat");
    mb_attr_int(&b, "axis", 0);
    mb_node(&b, "Relu", "cat", "y");
    mb_output(&b, "y");
    return mb_load(&b);
}

static void concat__contiguous_pieces__are_views_and_no_concat_runs(void **state)
{
    (void)state;
    for (int c = 0; c < 4; c++)
        expect_concat(rows_graph(1 + 2 * c, 3 + c, 5 + 2 * c), 1, 0, "rows concat");
}

int main(void)
{
    mb_random_values(rand_nonzero);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concat__densenet_like_block__last_feature_written_in_place),
        cmocka_unit_test(concat__shufflenet_like_unit__branch_written_in_place),
        cmocka_unit_test(concat__contiguous_pieces__are_views_and_no_concat_runs),
    };
    return cmocka_run_group_tests_name("cpu_concat", tests, setup, NULL);
}
