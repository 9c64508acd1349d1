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


/* ---- hand-built graphs: a resnet-style and a mobilenet_v2-style net ---- */

#define HB_MAX_VALUES 64
#define HB_MAX_NODES 32

static eb_graph *hb_new(void)
{
    eb_graph *g = calloc(1, sizeof *g);
    assert_non_null(g);
    g->path = strdup("hand.onnx");
    g->opset = 17;
    g->values = calloc(HB_MAX_VALUES, sizeof *g->values);
    g->nodes = calloc(HB_MAX_NODES, sizeof *g->nodes);
    g->inputs = malloc(sizeof *g->inputs);
    g->outputs = malloc(sizeof *g->outputs);
    assert_true(g->values && g->nodes && g->inputs && g->outputs);
    return g;
}

/* A value; with seed, a constant of random data in [-1, 1) (a weight). */
static int hb_value(eb_graph *g, const char *name, int rank, const int64_t *shape, uint64_t *seed)
{
    assert_true(g->n_values < HB_MAX_VALUES);
    int v = g->n_values++;
    eb_value *x = &g->values[v];
    x->name = strdup(name);
    x->producer = -1;
    x->t.dtype = EB_DT_F32;
    x->t.rank = rank;
    if (rank > 0)
        memcpy(x->t.shape, shape, (size_t)rank * sizeof *shape);
    if (seed) {
        eb_err err = {{0}};
        assert_int_equal(eb_tensor_alloc(&x->t, name, &err), EB_OK);
        for (int64_t i = 0; i < eb_tensor_numel(&x->t); i++)
            ((float *)x->t.data)[i] = eb_test_uniform(seed, -1, 1);
        x->is_const = x->is_initializer = x->shape_known = true;
    }
    return v;
}

static void hb_attr(eb_node *n, const char *name, int count, int64_t v)
{
    eb_attr *a = &n->attrs[n->n_attrs++];
    a->name = strdup(name);
    if (count == 0) {
        a->type = EB_ATTR_INT;
        a->i = v;
        return;
    }
    a->type = EB_ATTR_INTS;
    a->n = (size_t)count;
    a->ints = malloc((size_t)count * sizeof *a->ints);
    for (int i = 0; i < count; i++)
        a->ints[i] = v;
}

/* A node of op with inputs ins[0..n_in), output value `name`. */
static eb_node *hb_node(eb_graph *g, eb_op op, const char *name, const int *ins, int n_in)
{
    assert_true(g->n_nodes < HB_MAX_NODES);
    eb_node *n = &g->nodes[g->n_nodes];
    n->op = op;
    n->op_type = strdup(eb_op_name(op));
    n->name = strdup(name);
    n->opset = 17;
    n->n_in = n_in;
    n->in = malloc((size_t)n_in * sizeof *n->in);
    memcpy(n->in, ins, (size_t)n_in * sizeof *ins);
    n->n_out = 1;
    n->out = malloc(sizeof *n->out);
    n->out[0] = hb_value(g, name, 0, NULL, NULL);
    g->values[n->out[0]].producer = g->n_nodes++;
    n->attrs = calloc(4, sizeof *n->attrs);
    return n;
}

/* Conv cin -> cout, k x k, same padding, stride, group; returns its output. */
static int hb_conv(eb_graph *g, const char *name, int x, int64_t cin, int64_t cout, int64_t k, int64_t stride,
                   int64_t group, uint64_t *seed)
{
    char wn[64], bn[64];
    snprintf(wn, sizeof wn, "%s.w", name);
    snprintf(bn, sizeof bn, "%s.b", name);
    int w = hb_value(g, wn, 4, (int64_t[]){cout, cin / group, k, k}, seed);
    int b = hb_value(g, bn, 1, (int64_t[]){cout}, seed);
    eb_node *n = hb_node(g, EB_OP_CONV, name, (int[]){x, w, b}, 3);
    hb_attr(n, "pads", 4, k / 2);
    hb_attr(n, "strides", 2, stride);
    hb_attr(n, "group", 0, group);
    return n->out[0];
}

static int hb_unary(eb_graph *g, eb_op op, const char *name, int x)
{
    if (op != EB_OP_CLIP)
        return hb_node(g, op, name, &x, 1)->out[0];
    /* Clip(0, 6): ReLU6, bounds as scalar constants */
    char lo[64], hi[64];
    snprintf(lo, sizeof lo, "%s.min", name);
    snprintf(hi, sizeof hi, "%s.max", name);
    int a = hb_value(g, lo, 0, NULL, NULL), b = hb_value(g, hi, 0, NULL, NULL);
    eb_err err = {{0}};
    assert_int_equal(eb_tensor_alloc(&g->values[a].t, lo, &err), EB_OK);
    assert_int_equal(eb_tensor_alloc(&g->values[b].t, hi, &err), EB_OK);
    *(float *)g->values[a].t.data = 0;
    *(float *)g->values[b].t.data = 6;
    g->values[a].is_const = g->values[a].shape_known = g->values[b].is_const = g->values[b].shape_known = true;
    return hb_node(g, EB_OP_CLIP, name, (int[]){x, a, b}, 3)->out[0];
}

/* GlobalAveragePool -> Flatten -> Gemm (c -> classes, transB=1) -> output. */
static void hb_head(eb_graph *g, int x, int64_t c, int64_t classes, uint64_t *seed)
{
    int p = hb_node(g, EB_OP_GLOBAL_AVG_POOL, "gap", &x, 1)->out[0];
    int f = hb_node(g, EB_OP_FLATTEN, "flatten", &p, 1)->out[0];
    int w = hb_value(g, "fc.w", 2, (int64_t[]){classes, c}, seed);
    int b = hb_value(g, "fc.b", 1, (int64_t[]){classes}, seed);
    eb_node *n = hb_node(g, EB_OP_GEMM, "fc", (int[]){f, w, b}, 3);
    hb_attr(n, "transB", 0, 1);
    g->n_outputs = 1;
    g->outputs[0] = n->out[0];
    eb_err err = {{0}};
    if (eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err) != EB_OK)
        fail_msg("%s", err.msg);
}

static int hb_input(eb_graph *g, int64_t c)
{
    int x = hb_value(g, "x", 4, (int64_t[]){1, c, 8, 8}, NULL);
    g->values[x].is_input = g->values[x].shape_known = true;
    g->n_inputs = 1;
    g->inputs[0] = x;
    return x;
}

/* Stem, a BasicBlock, and a downsampling BasicBlock with its 1x1
 * projection: groups {stem, b1.conv2} and {b2.conv2, b2.down} meet at
 * residual Adds. */
static eb_graph *resnet_style(uint64_t *seed)
{
    eb_graph *g = hb_new();
    int x = hb_input(g, 3);
    int s = hb_unary(g, EB_OP_RELU, "stem.relu", hb_conv(g, "stem", x, 3, 8, 3, 1, 1, seed));
    int a = hb_unary(g, EB_OP_RELU, "b1.relu1", hb_conv(g, "b1.conv1", s, 8, 8, 3, 1, 1, seed));
    int c = hb_conv(g, "b1.conv2", a, 8, 8, 3, 1, 1, seed);
    int r = hb_unary(g, EB_OP_RELU, "b1.relu2", hb_node(g, EB_OP_ADD, "b1.add", (int[]){c, s}, 2)->out[0]);
    int d = hb_unary(g, EB_OP_RELU, "b2.relu1", hb_conv(g, "b2.conv1", r, 8, 16, 3, 2, 1, seed));
    int e = hb_conv(g, "b2.conv2", d, 16, 16, 3, 1, 1, seed);
    int p = hb_conv(g, "b2.down", r, 8, 16, 1, 2, 1, seed);
    int o = hb_unary(g, EB_OP_RELU, "b2.relu2", hb_node(g, EB_OP_ADD, "b2.add", (int[]){e, p}, 2)->out[0]);
    hb_head(g, o, 16, 4, seed);
    return g;
}

/* Stem, then an inverted residual: 1x1 expansion, 3x3 depthwise, 1x1
 * projection, residual Add with the stem: groups {stem, proj} and the
 * depthwise chain {expand, dw}. */
static eb_graph *mobilenet_style(uint64_t *seed)
{
    eb_graph *g = hb_new();
    int x = hb_input(g, 4);
    int s = hb_unary(g, EB_OP_CLIP, "stem.clip", hb_conv(g, "stem", x, 4, 8, 1, 1, 1, seed));
    int e = hb_unary(g, EB_OP_CLIP, "ir.clip1", hb_conv(g, "ir.expand", s, 8, 24, 1, 1, 1, seed));
    int d = hb_unary(g, EB_OP_CLIP, "ir.clip2", hb_conv(g, "ir.dw", e, 24, 24, 3, 1, 24, seed));
    int p = hb_conv(g, "ir.proj", d, 24, 8, 1, 1, 1, seed);
    int a = hb_node(g, EB_OP_ADD, "ir.add", (int[]){p, s}, 2)->out[0];
    hb_head(g, a, 8, 3, seed);
    return g;
}

/* Expected removed channels of a group of producers (Conv weights, dim 0):
 * the sum of each one's L1 norms over its mean, floor(p*C) lowest, ties
 * to the higher index. */
static void group_removed(const eb_graph *g, const char *const *names, int count, double p, bool *gone, int64_t *c)
{
    double score[64] = {0};
    for (int k = 0; k < count; k++) {
        const eb_tensor *w = &g->values[g->nodes[node_named(g, names[k])].in[1]].t;
        *c = w->shape[0];
        int64_t inner = eb_tensor_numel(w) / *c;
        double l1[64] = {0}, mean = 0;
        for (int64_t j = 0; j < *c; j++) {
            for (int64_t i = 0; i < inner; i++)
                l1[j] += fabs(((const float *)w->data)[j * inner + i]);
            mean += l1[j] / (double)*c;
        }
        for (int64_t j = 0; j < *c; j++)
            score[j] += l1[j] / mean;
    }
    int64_t remove = (int64_t)floor(p * (double)*c);
    memset(gone, 0, (size_t)*c * sizeof *gone);
    for (int64_t r = 0; r < remove; r++) {
        int64_t best = -1;
        for (int64_t j = 0; j < *c; j++)
            if (!gone[j] && (best < 0 || score[j] < score[best] || (score[j] == score[best] && j > best)))
                best = j;
        gone[best] = true;
    }
}

typedef struct hb_group {
    const char *producers[3];
    int n;
    const char *depthwise; /* a depthwise Conv of the group, or NULL */
} hb_group;

/* Prunes a fresh copy of a hand-built net at p; for every group: every
 * producer keeps exactly the expected channels (its weight rows are the
 * original rows, in order); then the pruned net computes what the
 * original computes with the removed channels zeroed (weights and bias,
 * depthwise ones too). */
static void check_groups(eb_graph *(*make)(uint64_t *), const hb_group *groups, int n_groups, double p)
{
    uint64_t seed0 = eb_test_seed(), s1 = seed0, s2 = seed0;
    eb_graph *orig = make(&s1), *g = make(&s2);
    eb_transform_report rep = {0};
    eb_err err = {{0}};
    if (eb_prune_channels(g, p, NULL, NULL, eb_ref_eval, &rep, &err) != EB_OK)
        fail_msg("%s", err.msg);
    for (int q = 0; q < n_groups; q++) {
        bool gone[64];
        int64_t c = 0;
        group_removed(orig, groups[q].producers, groups[q].n, p, gone, &c);
        for (int k = 0; k <= groups[q].n; k++) {
            const char *name = k < groups[q].n ? groups[q].producers[k] : groups[q].depthwise;
            if (!name)
                continue;
            int i = node_named(orig, name);
            const eb_tensor *w0 = &orig->values[orig->nodes[i].in[1]].t;
            const eb_tensor *w1 = &g->values[g->nodes[i].in[1]].t;
            assert_int_equal(w1->shape[0], c - (int64_t)floor(p * (double)c));
            const eb_layer_change *ch = change_of(&rep, name);
            assert_int_equal(ch->channels_after, w1->shape[0]);
            /* rows of the kept channels, in order (the input dim may be
             * pruned too: compare the leading input channels of kept rows
             * only when it was not) */
            int64_t row0 = eb_tensor_numel(w0) / c, row1 = eb_tensor_numel(w1) / w1->shape[0], kept = 0;
            for (int64_t j = 0; j < c; j++) {
                if (gone[j])
                    continue;
                if (row0 == row1)
                    assert_memory_equal((const float *)w1->data + kept * row1, (const float *)w0->data + j * row0,
                                        (size_t)row0 * sizeof(float));
                kept++;
            }
            for (int64_t j = 0; j < c; j++)
                if (gone[j])
                    zero_channel(orig, &orig->nodes[i], j);
        }
    }
    float *x = random_input(g, &s1);
    int64_t na, nb;
    float *ya = run_ref(g, x, &na), *yb = run_ref(orig, x, &nb);
    assert_int_equal(na, nb);
    for (int64_t i = 0; i < na; i++)
        if (fabsf(ya[i] - yb[i]) > 1e-5f * (1 + fabsf(yb[i])))
            fail_msg("output %lld: pruned %g, zeroed original %g", (long long)i, ya[i], yb[i]);
    free(x);
    free(ya);
    free(yb);
    eb_transform_report_free(&rep);
    eb_graph_free(orig);
    eb_graph_free(g);
}

static void resnet_style__residual_groups__lose_the_same_channels(void **state)
{
    (void)state;
    const hb_group groups[] = {
        {{"stem", "b1.conv2"}, 2, NULL},
        {{"b1.conv1"}, 1, NULL},
        {{"b2.conv1"}, 1, NULL},
        {{"b2.conv2", "b2.down"}, 2, NULL},
    };
    check_groups(resnet_style, groups, 4, 0.5);
}

static void mobilenet_style__depthwise_chain_and_residual__pruned_consistently(void **state)
{
    (void)state;
    const hb_group groups[] = {
        {{"stem", "ir.proj"}, 2, NULL},
        {{"ir.expand"}, 1, "ir.dw"},
    };
    check_groups(mobilenet_style, groups, 2, 0.3);
    /* the depthwise Conv's group follows its channels */
    uint64_t seed = 1;
    eb_graph *g = mobilenet_style(&seed);
    eb_transform_report rep = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_prune_channels(g, 0.3, NULL, NULL, eb_ref_eval, &rep, &err), EB_OK);
    const eb_node *dw = &g->nodes[node_named(g, "ir.dw")];
    assert_int_equal(eb_attr_int(dw, "group", 0), 24 - 7);
    assert_int_equal(g->values[dw->in[1]].t.shape[0], 24 - 7);
    eb_transform_report_free(&rep);
    eb_graph_free(g);
}

static void resnet_style__skip_on_one_residual_producer__keeps_the_whole_group(void **state)
{
    (void)state;
    uint64_t seed = 1;
    eb_graph *g = resnet_style(&seed);
    bool skip[HB_MAX_NODES] = {false};
    skip[node_named(g, "b2.down")] = true;
    eb_transform_report rep = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_prune_channels(g, 0.5, skip, NULL, eb_ref_eval, &rep, &err), EB_OK);
    const eb_layer_change *a = change_of(&rep, "b2.conv2"), *b = change_of(&rep, "b2.down");
    assert_int_equal(a->channels_after, 16);
    assert_int_equal(b->channels_after, 16);
    assert_non_null(strstr(a->note, "'b2.down' is kept (skip)"));
    assert_non_null(strstr(b->note, "'b2.down' is kept (skip)"));
    assert_int_equal(change_of(&rep, "stem")->channels_after, 4);
    eb_transform_report_free(&rep);
    eb_graph_free(g);
}

static void concat__groups_feeding_it__are_left_alone_with_the_reason(void **state)
{
    (void)state;
    uint64_t seed = 1;
    eb_graph *g = hb_new();
    int x = hb_input(g, 3);
    int a = hb_unary(g, EB_OP_RELU, "a.relu", hb_conv(g, "a", x, 3, 4, 3, 1, 1, &seed));
    int b = hb_conv(g, "b", x, 3, 4, 1, 1, 1, &seed);
    eb_node *cat = hb_node(g, EB_OP_CONCAT, "cat", (int[]){a, b}, 2);
    hb_attr(cat, "axis", 0, 1);
    int c = hb_conv(g, "c", cat->out[0], 8, 8, 3, 1, 1, &seed);
    hb_head(g, c, 8, 2, &seed);
    eb_transform_report rep = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_prune_channels(g, 0.5, NULL, NULL, eb_ref_eval, &rep, &err), EB_OK);
    for (int k = 0; k < 2; k++) {
        const eb_layer_change *ch = change_of(&rep, k ? "b" : "a");
        assert_int_equal(ch->channels_after, 4);
        assert_non_null(strstr(ch->note, "feeds Concat 'cat'"));
    }
    /* c, after the Concat, is pruned; its input keeps 8 channels */
    assert_int_equal(change_of(&rep, "c")->channels_after, 4);
    assert_int_equal(g->values[g->nodes[node_named(g, "c")].in[1]].t.shape[1], 8);
    eb_transform_report_free(&rep);
    eb_graph_free(g);
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
        cmocka_unit_test(resnet_style__residual_groups__lose_the_same_channels),
        cmocka_unit_test(mobilenet_style__depthwise_chain_and_residual__pruned_consistently),
        cmocka_unit_test(resnet_style__skip_on_one_residual_producer__keeps_the_whole_group),
        cmocka_unit_test(concat__groups_feeding_it__are_left_alone_with_the_reason),
        cmocka_unit_test(only_layer_feeding_the_output__is_left_alone_with_the_reason),
        cmocka_unit_test(skip__marked_layer__keeps_its_channels_and_says_so),
        cmocka_unit_test(fraction_outside_0_1__is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
