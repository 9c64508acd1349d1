/* test_prune_channel.c - structured channel pruning (models/prune_channel.c)
 * on the zoo's chains (cnn, mlp, depthwise-separable), on the exported
 * resnet18 and mobilenet_v2 when models/cache has them (skipped, saying
 * so, otherwise), and on the cases it must leave alone.
 *
 * The exactness check: a pruned chain without BatchNormalization computes
 * what the original computes with the removed channels' weights and bias
 * zeroed, and the removed channels are the lowest-L1 ones, computed here
 * independently of the transform. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/cost.h"
#include "models/graph.h"
#include "models/prune_channel.h"
#include "reference_kernels/ref.h"
#include "runners/runner.h"
#include "tests/test_util.h"

static eb_graph *load(const char *path)
{
    eb_graph *g = NULL;
    eb_err err = {{0}};
    if (eb_graph_load(path, &g, &err) != EB_OK || eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err) != EB_OK)
        fail_msg("%s: %s", path, err.msg);
    return g;
}

static int64_t params(const eb_graph *g)
{
    eb_cost c;
    eb_graph_cost(g, &c, NULL);
    return c.params;
}

/* Runs g on ref with x (shape of input 0); returns the malloc'd output 0. */
static float *run_ref(const eb_graph *g, const float *x, int64_t *n_out)
{
    const eb_runner *r = eb_runner_find("ref");
    eb_variant v = eb_variant_default("ref");
    eb_plan *plan;
    eb_err err = {{0}};
    if (r->prepare(g, &v, &plan, &err) != EB_OK)
        fail_msg("prepare: %s", err.msg);
    eb_tensor in = g->values[g->inputs[0]].t;
    in.data = (void *)x;
    eb_tensor out = g->values[g->outputs[0]].t;
    *n_out = eb_tensor_numel(&out);
    out.data = calloc((size_t)*n_out, sizeof(float));
    assert_non_null(out.data);
    if (r->run(plan, &in, &out, &err) != EB_OK)
        fail_msg("run: %s", err.msg);
    r->release(plan);
    return out.data;
}

static float *random_input(const eb_graph *g, uint64_t *seed)
{
    int64_t n = eb_tensor_numel(&g->values[g->inputs[0]].t);
    float *x = malloc((size_t)n * sizeof *x);
    assert_non_null(x);
    for (int64_t i = 0; i < n; i++)
        x[i] = eb_test_uniform(seed, -1, 1);
    return x;
}

static int node_named(const eb_graph *g, const char *name)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i].name, name) == 0)
            return i;
    fail_msg("no node '%s'", name);
    return -1;
}

static const eb_layer_change *change_of(const eb_transform_report *rep, const char *node)
{
    for (int i = 0; i < rep->n_layers; i++)
        if (strcmp(rep->layers[i].node, node) == 0)
            return &rep->layers[i];
    fail_msg("no report entry for '%s'", node);
    return NULL;
}

/* Output-channel dim of a producer's weight: Conv 0; Gemm transB ? 0 : 1. */
static int out_dim(const eb_node *n)
{
    return n->op == EB_OP_CONV ? 0 : n->op == EB_OP_GEMM && eb_attr_int(n, "transB", 0) ? 0 : 1;
}

/* The channels the rule removes, computed here: floor(P*C) lowest L1 norms,
 * on ties the higher index goes.  gone[c] set for removed c. */
static void expected_removed(const eb_tensor *w, int dim, double p, bool *gone)
{
    int64_t c = w->shape[dim], outer = 1, inner = 1;
    for (int d = 0; d < dim; d++)
        outer *= w->shape[d];
    for (int d = dim + 1; d < w->rank; d++)
        inner *= w->shape[d];
    double *l1 = calloc((size_t)c, sizeof *l1);
    assert_non_null(l1);
    const float *x = w->data;
    for (int64_t a = 0; a < outer; a++)
        for (int64_t j = 0; j < c; j++)
            for (int64_t i = 0; i < inner; i++)
                l1[j] += fabs(x[(a * c + j) * inner + i]);
    int64_t remove = (int64_t)floor(p * (double)c);
    memset(gone, 0, (size_t)c * sizeof *gone);
    for (int64_t r = 0; r < remove; r++) {
        int64_t best = -1;
        for (int64_t j = 0; j < c; j++)
            if (!gone[j] && (best < 0 || l1[j] < l1[best] || (l1[j] == l1[best] && j > best)))
                best = j;
        gone[best] = true;
    }
    free(l1);
}

/* Zeroes output channel j of node n's weight and bias in place. */
static void zero_channel(eb_graph *g, const eb_node *n, int64_t j)
{
    eb_tensor *w = &g->values[n->in[1]].t;
    int dim = out_dim(n);
    int64_t c = w->shape[dim], outer = 1, inner = 1;
    for (int d = 0; d < dim; d++)
        outer *= w->shape[d];
    for (int d = dim + 1; d < w->rank; d++)
        inner *= w->shape[d];
    float *x = w->data;
    for (int64_t a = 0; a < outer; a++)
        for (int64_t i = 0; i < inner; i++)
            x[(a * c + j) * inner + i] = 0;
    if (n->n_in > 2 && n->in[2] >= 0)
        ((float *)g->values[n->in[2]].t.data)[j] = 0;
}

/* Prunes `path` at p; checks, for the producers named (a chain without
 * BatchNormalization), that the kept channels are those of the rule and
 * that the pruned graph computes what the original with the removed
 * channels zeroed computes. */
static void check_chain(const char *path, double p, const char *const *pruned, int n_pruned, const char *kept_node)
{
    eb_graph *orig = load(path), *g = load(path);
    int64_t before = params(g);
    eb_transform_report rep = {0};
    eb_err err = {{0}};
    if (eb_prune_channels(g, p, NULL, NULL, eb_ref_eval, &rep, &err) != EB_OK)
        fail_msg("%s", err.msg);
    int64_t after = params(g);
    assert_true(after < before);
    for (int k = 0; k < n_pruned; k++) {
        int i = node_named(orig, pruned[k]);
        const eb_node *n = &orig->nodes[i];
        const eb_tensor *w = &orig->values[n->in[1]].t;
        int dim = out_dim(n);
        int64_t c = w->shape[dim];
        bool *gone = calloc((size_t)c, sizeof *gone);
        assert_non_null(gone);
        expected_removed(w, dim, p, gone);
        const eb_layer_change *ch = change_of(&rep, pruned[k]);
        assert_int_equal(ch->channels_before, c);
        assert_int_equal(ch->channels_after, c - (int64_t)floor(p * (double)c));
        assert_string_equal(ch->note, "");
        assert_true(ch->bytes_after < ch->bytes_before);
        /* the pruned weight's output channels are the kept ones, in order */
        const eb_tensor *pw = &g->values[g->nodes[i].in[1]].t;
        assert_int_equal(pw->shape[dim], ch->channels_after);
        for (int64_t j = 0; j < c; j++)
            if (gone[j])
                zero_channel(orig, n, j);
        free(gone);
    }
    const eb_layer_change *last = change_of(&rep, kept_node);
    assert_int_equal(last->channels_after, last->channels_before);
    assert_non_null(strstr(last->note, "graph output"));
    assert_true(rep.tensors_changed > 0);

    uint64_t seed = eb_test_seed();
    float *x = random_input(g, &seed);
    int64_t na, nb;
    float *ya = run_ref(g, x, &na), *yb = run_ref(orig, x, &nb);
    assert_int_equal(na, nb);
    for (int64_t i = 0; i < na; i++)
        if (fabsf(ya[i] - yb[i]) > 1e-5f * (1 + fabsf(yb[i])))
            fail_msg("%s: output %lld: pruned %g, zeroed original %g", path, (long long)i, ya[i], yb[i]);
    print_message("%s at channel:%g: params %lld -> %lld\n", path, p, (long long)before, (long long)after);
    free(x);
    free(ya);
    free(yb);
    eb_transform_report_free(&rep);
    eb_graph_free(orig);
    eb_graph_free(g);
}

static void cnn__channel_0_3__removes_the_lowest_l1_channels_and_matches_zeroed_weights(void **state)
{
    (void)state;
    const char *pruned[] = {"/conv1/Conv", "/conv2/Conv", "/fc1/Gemm"};
    check_chain("models/zoo/fmnist-cnn.onnx", 0.3, pruned, 3, "/fc2/Gemm");
}

static void mlp__channel_0_5__removes_the_lowest_l1_neurons_and_matches_zeroed_weights(void **state)
{
    (void)state;
    const char *pruned[] = {"/fc1/Gemm", "/fc2/Gemm"};
    check_chain("models/zoo/fmnist-mlp.onnx", 0.5, pruned, 2, "/fc3/Gemm");
}

/* Prunes g at p and checks what holds for every graph: shapes infer again,
 * the output keeps its shape, ref runs it, params shrink, every depthwise
 * Conv's group matches its weight.  Prints the figures. */
static void check_any(const char *path, double p, int *n_pruned)
{
    eb_graph *g = load(path);
    eb_tensor y0 = g->values[g->outputs[0]].t;
    int64_t before = params(g);
    eb_transform_report rep = {0};
    eb_err err = {{0}};
    if (eb_prune_channels(g, p, NULL, NULL, eb_ref_eval, &rep, &err) != EB_OK)
        fail_msg("%s", err.msg);
    int64_t after = params(g);
    assert_true(after < before);
    assert_true(eb_tensor_same_shape(&y0, &g->values[g->outputs[0]].t));
    int pruned = 0, alone = 0;
    for (int i = 0; i < rep.n_layers; i++) {
        const eb_layer_change *c = &rep.layers[i];
        assert_string_equal(c->storage, "dense");
        if (c->channels_after < c->channels_before) {
            pruned++;
            assert_string_equal(c->note, "");
        } else {
            alone++;
            assert_true(c->note[0] != '\0');
            print_message("  left alone: %s: %s\n", c->node, c->note);
        }
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        int64_t group = eb_attr_int(n, "group", 1);
        if (n->op == EB_OP_CONV && group > 1)
            assert_int_equal(group, g->values[n->in[1]].t.shape[0]);
    }
    uint64_t seed = eb_test_seed();
    float *x = random_input(g, &seed);
    int64_t ny;
    float *y = run_ref(g, x, &ny);
    assert_int_equal(ny, eb_tensor_numel(&y0));
    for (int64_t i = 0; i < ny; i++)
        assert_true(isfinite(y[i]));
    print_message("%s at channel:%g: params %lld -> %lld; %d layers pruned, %d left alone, %d constants rewritten\n",
                  path, p, (long long)before, (long long)after, pruned, alone, rep.tensors_changed);
    *n_pruned = pruned;
    free(x);
    free(y);
    eb_transform_report_free(&rep);
    eb_graph_free(g);
}

static void dwsep__channel_0_3__prunes_through_the_depthwise_chain(void **state)
{
    (void)state;
    int pruned;
    check_any("models/zoo/fmnist-dwsep.onnx", 0.3, &pruned);
    assert_true(pruned > 0);
}

static void resnet18__channel_0_3__prunes_residual_groups_consistently(void **state)
{
    (void)state;
    const char *path = "models/cache/resnet18/model.onnx";
    if (access(path, R_OK) != 0) {
        print_message("skipped: %s absent (make zoo-large exports it)\n", path);
        skip();
    }
    int pruned;
    check_any(path, 0.3, &pruned);
    assert_true(pruned > 0);
}

static void mobilenet_v2__channel_0_3__prunes_depthwise_chains_and_residuals(void **state)
{
    (void)state;
    const char *path = "models/cache/mobilenet_v2/model.onnx";
    if (access(path, R_OK) != 0) {
        print_message("skipped: %s absent (make zoo-large exports it)\n", path);
        skip();
    }
    int pruned;
    check_any(path, 0.3, &pruned);
    assert_true(pruned > 0);
}

/* A hand-built graph: input [1,2,3,3] -> Conv (W [4,2,1,1]) -> output. */
static eb_graph *one_conv(void)
{
    eb_graph *g = calloc(1, sizeof *g);
    assert_non_null(g);
    g->path = strdup("hand.onnx");
    g->opset = 17;
    g->n_values = 3;
    g->values = calloc(3, sizeof *g->values);
    const char *names[] = {"x", "w", "y"};
    for (int i = 0; i < 3; i++) {
        g->values[i].name = strdup(names[i]);
        g->values[i].producer = -1;
        g->values[i].t.dtype = EB_DT_F32;
    }
    g->values[0].t.rank = 4;
    memcpy(g->values[0].t.shape, (int64_t[]){1, 2, 3, 3}, 4 * sizeof(int64_t));
    g->values[0].is_input = g->values[0].shape_known = true;
    g->values[1].t.rank = 4;
    memcpy(g->values[1].t.shape, (int64_t[]){4, 2, 1, 1}, 4 * sizeof(int64_t));
    eb_err err = {{0}};
    assert_int_equal(eb_tensor_alloc(&g->values[1].t, "w", &err), EB_OK);
    for (int i = 0; i < 8; i++)
        ((float *)g->values[1].t.data)[i] = (float)(i + 1);
    g->values[1].is_const = g->values[1].is_initializer = g->values[1].shape_known = true;
    g->values[2].producer = 0;
    g->n_nodes = 1;
    g->nodes = calloc(1, sizeof *g->nodes);
    eb_node *n = &g->nodes[0];
    n->op = EB_OP_CONV;
    n->op_type = strdup("Conv");
    n->name = strdup("conv");
    n->opset = 17;
    n->n_in = 2;
    n->n_out = 1;
    n->in = malloc(2 * sizeof *n->in);
    n->out = malloc(sizeof *n->out);
    n->in[0] = 0, n->in[1] = 1, n->out[0] = 2;
    g->n_inputs = g->n_outputs = 1;
    g->inputs = malloc(sizeof *g->inputs);
    g->outputs = malloc(sizeof *g->outputs);
    g->inputs[0] = 0, g->outputs[0] = 2;
    assert_int_equal(eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err), EB_OK);
    return g;
}

static void only_layer_feeding_the_output__is_left_alone_with_the_reason(void **state)
{
    (void)state;
    eb_graph *g = one_conv();
    eb_transform_report rep = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_prune_channels(g, 0.5, NULL, NULL, eb_ref_eval, &rep, &err), EB_OK);
    assert_int_equal(rep.n_layers, 1);
    assert_int_equal(rep.layers[0].channels_before, 4);
    assert_int_equal(rep.layers[0].channels_after, 4);
    assert_int_equal(rep.layers[0].bytes_after, rep.layers[0].bytes_before);
    assert_non_null(strstr(rep.layers[0].note, "feeds the graph output 'y'"));
    assert_int_equal(rep.tensors_changed, 0);
    assert_int_equal(g->values[1].t.shape[0], 4);
    eb_transform_report_free(&rep);
    eb_graph_free(g);
}

static void skip__marked_layer__keeps_its_channels_and_says_so(void **state)
{
    (void)state;
    eb_graph *g = load("models/zoo/fmnist-cnn.onnx");
    bool *skip = calloc((size_t)g->n_nodes, sizeof *skip);
    assert_non_null(skip);
    skip[node_named(g, "/conv1/Conv")] = true;
    eb_transform_report rep = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_prune_channels(g, 0.3, skip, NULL, eb_ref_eval, &rep, &err), EB_OK);
    const eb_layer_change *c1 = change_of(&rep, "/conv1/Conv"), *c2 = change_of(&rep, "/conv2/Conv");
    assert_int_equal(c1->channels_after, c1->channels_before);
    assert_non_null(strstr(c1->note, "skip"));
    assert_true(c2->channels_after < c2->channels_before);
    /* conv2 keeps all 16 input channels of the skipped conv1 */
    assert_int_equal(g->values[g->nodes[node_named(g, "/conv2/Conv")].in[1]].t.shape[1], c1->channels_before);
    free(skip);
    eb_transform_report_free(&rep);
    eb_graph_free(g);
}

static void fraction_outside_0_1__is_refused(void **state)
{
    (void)state;
    eb_graph *g = one_conv();
    eb_err err = {{0}};
    eb_transform_report rep = {0};
    assert_int_equal(eb_prune_channels(g, 0, NULL, NULL, eb_ref_eval, &rep, &err), EB_EINVAL);
    assert_int_equal(eb_prune_channels(g, 1, NULL, NULL, eb_ref_eval, &rep, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "outside (0, 1)"));
    eb_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cnn__channel_0_3__removes_the_lowest_l1_channels_and_matches_zeroed_weights),
        cmocka_unit_test(mlp__channel_0_5__removes_the_lowest_l1_neurons_and_matches_zeroed_weights),
        cmocka_unit_test(dwsep__channel_0_3__prunes_through_the_depthwise_chain),
        cmocka_unit_test(resnet18__channel_0_3__prunes_residual_groups_consistently),
        cmocka_unit_test(mobilenet_v2__channel_0_3__prunes_depthwise_chains_and_residuals),
        cmocka_unit_test(only_layer_feeding_the_output__is_left_alone_with_the_reason),
        cmocka_unit_test(skip__marked_layer__keeps_its_channels_and_says_so),
        cmocka_unit_test(fraction_outside_0_1__is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
