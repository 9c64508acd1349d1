/* test_cost.c - the static cost of a graph (models/cost.c): each stored
 * tensor counted once in params, however many nodes read it and through
 * however many load-time copies; MACs and FLOPs by the documented rules;
 * a node whose FLOPs the cost model cannot know listed as uncounted;
 * bytes moved split by memory level (models/cost_levels.c) for fake
 * cache hierarchies sized against the model's tensors.
 *
 * Models are built here with the generated protobuf-c types, small enough
 * that every expected number is worked out by hand in the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cost.h"
#include "models/cost_levels.h"
#include "models/graph.h"
#include "models/onnx_tensor.h"
#include "reference_kernels/ref.h"

/* ---- a small model builder -------------------------------------------- */

typedef struct init_spec {
    const char *name;
    int rank;
    int64_t dims[2];
} init_spec;

typedef struct node_spec {
    const char *op;
    const char *in[2]; /* NULL: fewer inputs */
    const char *out;
} node_spec;

/* The graph: float input "x" of shape x_dims, the initialisers (float,
 * filled with small values), the nodes in order, output `out`. */
typedef struct graph_spec {
    int64_t x_dims[2];
    const init_spec *inits;
    int n_inits;
    const node_spec *nodes;
    int n_nodes;
    const char *out;
} graph_spec;

#define MAX_ITEMS 8

static uint8_t *pack(const graph_spec *gs, size_t *len)
{
    static float data[64];
    for (int i = 0; i < 64; i++)
        data[i] = 0.125f * (float)(i % 7 + 1);

    Onnx__TensorProto inits[MAX_ITEMS], *init_ptrs[MAX_ITEMS];
    assert_true(gs->n_inits <= MAX_ITEMS && gs->n_nodes <= MAX_ITEMS);
    for (int i = 0; i < gs->n_inits; i++) {
        const init_spec *is = &gs->inits[i];
        onnx__tensor_proto__init(&inits[i]);
        inits[i].name = (char *)is->name;
        inits[i].has_data_type = 1;
        inits[i].data_type = 1; /* FLOAT */
        inits[i].n_dims = (size_t)is->rank;
        inits[i].dims = (int64_t *)is->dims;
        size_t numel = 1;
        for (int d = 0; d < is->rank; d++)
            numel *= (size_t)is->dims[d];
        assert_true(numel <= 64);
        inits[i].n_float_data = numel;
        inits[i].float_data = data;
        init_ptrs[i] = &inits[i];
    }

    Onnx__TensorShapeProto__Dimension d0 = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT, d1 = d0;
    d0.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d0.dim_value = gs->x_dims[0];
    d1.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d1.dim_value = gs->x_dims[1];
    Onnx__TensorShapeProto__Dimension *dims[2] = {&d0, &d1};
    Onnx__TensorShapeProto shape = ONNX__TENSOR_SHAPE_PROTO__INIT;
    shape.n_dim = 2;
    shape.dim = dims;
    Onnx__TypeProto__Tensor tt = ONNX__TYPE_PROTO__TENSOR__INIT;
    tt.has_elem_type = 1;
    tt.elem_type = 1;
    tt.shape = &shape;
    Onnx__TypeProto type = ONNX__TYPE_PROTO__INIT;
    type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    type.tensor_type = &tt;
    Onnx__ValueInfoProto x = ONNX__VALUE_INFO_PROTO__INIT, y = ONNX__VALUE_INFO_PROTO__INIT;
    x.name = "x";
    x.type = &type;
    y.name = (char *)gs->out;
    Onnx__ValueInfoProto *ins[1] = {&x}, *outs[1] = {&y};

    Onnx__NodeProto nodes[MAX_ITEMS], *node_ptrs[MAX_ITEMS];
    char *node_in[MAX_ITEMS][2], *node_out[MAX_ITEMS][1];
    for (int i = 0; i < gs->n_nodes; i++) {
        const node_spec *ns = &gs->nodes[i];
        onnx__node_proto__init(&nodes[i]);
        nodes[i].op_type = (char *)ns->op;
        nodes[i].name = (char *)ns->out;
        nodes[i].n_input = ns->in[1] ? 2 : 1;
        node_in[i][0] = (char *)ns->in[0];
        node_in[i][1] = (char *)ns->in[1];
        nodes[i].input = node_in[i];
        node_out[i][0] = (char *)ns->out;
        nodes[i].n_output = 1;
        nodes[i].output = node_out[i];
        node_ptrs[i] = &nodes[i];
    }

    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "g";
    graph.n_node = (size_t)gs->n_nodes;
    graph.node = node_ptrs;
    graph.n_initializer = (size_t)gs->n_inits;
    graph.initializer = init_ptrs;
    graph.n_input = 1;
    graph.input = ins;
    graph.n_output = 1;
    graph.output = outs;

    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsets[1] = {&opset};
    opset.domain = "";
    opset.has_version = 1;
    opset.version = 17;
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    m.has_ir_version = 1;
    m.ir_version = 8;
    m.producer_name = "edgebench-test";
    m.n_opset_import = 1;
    m.opset_import = opsets;
    m.graph = &graph;

    *len = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    onnx__model_proto__pack(&m, buf);
    return buf;
}

/* Loads gs and infers shapes; the inference status goes to *infer. */
static eb_graph *load(const graph_spec *gs, eb_status *infer)
{
    size_t len;
    uint8_t *buf = pack(gs, &len);
    eb_graph *g = NULL;
    eb_err err = {{0}};
    eb_status st = eb_graph_load_buffer(buf, len, "cost.onnx", NULL, &g, &err);
    free(buf);
    if (st != EB_OK)
        fail_msg("load: %s", err.msg);
    *infer = eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err);
    return g;
}

static eb_graph *load_ok(const graph_spec *gs)
{
    eb_status st;
    eb_graph *g = load(gs, &st);
    assert_int_equal(st, EB_OK);
    return g;
}

/* ---- params: each stored tensor once ------------------------------------ */

static void params__weight_read_by_two_nodes__counted_once(void **state)
{
    (void)state;
    const init_spec w[] = {{"w", 2, {2, 3}}};
    const node_spec n[] = {{"Add", {"x", "w"}, "a"}, {"Mul", {"a", "w"}, "y"}};
    graph_spec gs = {{2, 3}, w, 1, n, 2, "y"};
    eb_graph *g = load_ok(&gs);
    eb_cost total, per[2];
    eb_graph_cost(g, &total, per);
    assert_int_equal(total.params, 6);
    assert_int_equal(total.weight_bytes, 6 * sizeof(float));
    /* each reader sees the whole weight */
    assert_int_equal(per[0].params, 6);
    assert_int_equal(per[1].params, 6);
    assert_int_equal(total.flops, 6 + 6);
    assert_int_equal(total.uncounted, 0);
    eb_graph_free(g);
}

/* PyTorch's exporter shares an initialiser by Identity nodes; they are
 * folded at load into copies, which are not stored tensors of their own */
static void params__weight_shared_through_identity__counted_once(void **state)
{
    (void)state;
    const init_spec w[] = {{"w", 2, {2, 3}}};
    const node_spec n[] = {
        {"Identity", {"w", NULL}, "w1"}, {"Identity", {"w1", NULL}, "w2"}, /* a copy of a copy */
        {"Add", {"x", "w"}, "a"},        {"Add", {"a", "w1"}, "b"},
        {"Add", {"b", "w2"}, "y"},
    };
    graph_spec gs = {{2, 3}, w, 1, n, 5, "y"};
    eb_graph *g = load_ok(&gs);
    assert_true(g->nodes[0].folded && g->nodes[1].folded);
    eb_cost total, per[5];
    eb_graph_cost(g, &total, per);
    assert_int_equal(total.params, 6);
    assert_int_equal(total.weight_bytes, 6 * sizeof(float));
    assert_int_equal(per[0].params, 0); /* folded: costs nothing at run time */
    assert_int_equal(per[1].params, 0);
    assert_int_equal(per[3].params, 6); /* reads the stored w through w1 */
    assert_int_equal(per[4].params, 6);
    assert_int_equal(total.flops, 3 * 6);
    eb_graph_free(g);
}

/* A weight used as is by one node and transposed (folded at load) by
 * another is still one stored tensor */
static void params__weight_also_transposed_at_load__counted_once(void **state)
{
    (void)state;
    const init_spec w[] = {{"w", 2, {3, 3}}};
    const node_spec n[] = {
        {"Transpose", {"w", NULL}, "wt"},
        {"MatMul", {"x", "w"}, "a"},
        {"MatMul", {"a", "wt"}, "y"},
    };
    graph_spec gs = {{2, 3}, w, 1, n, 3, "y"};
    eb_graph *g = load_ok(&gs);
    eb_cost total, per[3];
    eb_graph_cost(g, &total, per);
    assert_int_equal(total.params, 9);
    assert_int_equal(total.weight_bytes, 9 * sizeof(float));
    assert_int_equal(per[2].params, 9);
    /* [2,3] x [3,3]: 2*3 outputs of 3 MACs each, twice */
    assert_int_equal(total.macs, 2 * 18);
    assert_int_equal(total.flops, 2 * 2 * 18);
    eb_graph_free(g);
}

/* two stored tensors with equal contents are two tensors */
static void params__two_initialisers__both_counted(void **state)
{
    (void)state;
    const init_spec w[] = {{"w", 2, {2, 3}}, {"v", 2, {2, 3}}};
    const node_spec n[] = {{"Add", {"x", "w"}, "a"}, {"Add", {"a", "v"}, "y"}};
    graph_spec gs = {{2, 3}, w, 2, n, 2, "y"};
    eb_graph *g = load_ok(&gs);
    eb_cost total;
    eb_graph_cost(g, &total, NULL);
    assert_int_equal(total.params, 12);
    eb_graph_free(g);
}

/* Clip's bound is the op's setting, not a weight (mobilenet_v2's 70
 * ReLU6 bounds are no parameters); the Add weight beside it is */
static void params__clip_bound__is_not_a_parameter(void **state)
{
    (void)state;
    const init_spec w[] = {{"lo", 0, {0, 0}}, {"w", 2, {2, 3}}};
    const node_spec n[] = {{"Clip", {"x", "lo"}, "c"}, {"Add", {"c", "w"}, "y"}};
    graph_spec gs = {{2, 3}, w, 2, n, 2, "y"};
    eb_graph *g = load_ok(&gs);
    eb_cost total;
    eb_graph_cost(g, &total, NULL);
    assert_int_equal(total.params, 6);
    assert_int_equal(total.weight_bytes, 24);
    eb_graph_free(g);
}

/* ---- FLOPs: unknown is never 0 ------------------------------------------ */

static void flops__op_without_a_rule__is_uncounted(void **state)
{
    (void)state;
    const init_spec w[] = {{"w", 2, {2, 2}}};
    const node_spec n[] = {{"Add", {"x", "w"}, "a"}, {"Det", {"a", NULL}, "y"}};
    graph_spec gs = {{2, 2}, w, 1, n, 2, "y"};
    eb_status st;
    eb_graph *g = load(&gs, &st);
    assert_int_equal(st, EB_EUNSUPPORTED); /* the suite lacks Det */
    eb_cost total, per[2];
    /* inference stopped at Det: its output has no shape */
    eb_graph_cost(g, &total, per);
    assert_int_equal(per[0].uncounted, 0);
    assert_int_equal(per[0].flops, 4);
    assert_int_equal(per[1].uncounted, 1);
    assert_int_equal(total.uncounted, 1);
    assert_int_equal(total.flops, 4); /* what is known, and the rest is listed */
    /* even with every shape known, the cost model has no rule for Det */
    int y = eb_graph_find_value(g, "y");
    assert_true(y >= 0);
    g->values[y].t.dtype = EB_DT_F32;
    g->values[y].t.rank = 0;
    g->values[y].shape_known = true;
    eb_graph_cost(g, &total, per);
    assert_int_equal(per[1].uncounted, 1);
    assert_int_equal(per[1].flops, 0);
    assert_int_equal(per[1].bytes_moved, 4 * sizeof(float) + sizeof(float));
    assert_int_equal(total.uncounted, 1);
    assert_int_equal(total.params, 4);
    eb_graph_free(g);
}

/* ---- bytes by memory level -------------------------------------------- */

/* x[1,8] -> MatMul(x, w[8,8]) -> a[1,8] -> Relu -> y[1,8], float:
 * MatMul moves x 32 + w 256 + a 32 = 320 bytes (its working set), Relu
 * a 32 + y 32 = 64; the footprint is w 256 + peak live activations 64. */
static eb_graph *mlp(void)
{
    static const init_spec w[] = {{"w", 2, {8, 8}}};
    static const node_spec n[] = {{"MatMul", {"x", "w"}, "a"}, {"Relu", {"a", NULL}, "y"}};
    graph_spec gs = {{1, 8}, w, 1, n, 2, "y"};
    return load_ok(&gs);
}

static void levels(const eb_graph *g, uint64_t l1, uint64_t l2, uint64_t llc, uint64_t out[EB_LEVEL_COUNT],
                   uint64_t *foot)
{
    const uint64_t cap[EB_LEVEL_DRAM] = {l1, l2, llc};
    eb_graph_bytes_by_level(g, cap, out, foot);
    eb_cost total;
    eb_graph_cost(g, &total, NULL);
    assert_int_equal(out[0] + out[1] + out[2] + out[3], total.bytes_moved); /* every byte once */
}

static void levels__model_that_fits_l2__is_charged_to_l2(void **state)
{
    (void)state;
    eb_graph *g = mlp();
    uint64_t b[EB_LEVEL_COUNT], foot;
    levels(g, 32, 512, 4096, b, &foot); /* no working set fits the 32 B L1 */
    assert_int_equal(foot, 256 + 64);
    assert_int_equal(b[EB_LEVEL_L1], 0);
    assert_int_equal(b[EB_LEVEL_L2], 384);
    assert_int_equal(b[EB_LEVEL_LLC], 0);
    assert_int_equal(b[EB_LEVEL_DRAM], 0);
    /* a 64 B L1 holds Relu's working set: its 64 bytes move there */
    levels(g, 64, 512, 4096, b, &foot);
    assert_int_equal(b[EB_LEVEL_L1], 64);
    assert_int_equal(b[EB_LEVEL_L2], 320);
    eb_graph_free(g);
}

static void levels__model_that_overflows_the_llc__is_charged_to_dram(void **state)
{
    (void)state;
    eb_graph *g = mlp();
    uint64_t b[EB_LEVEL_COUNT], foot;
    /* the footprint (320 B) and MatMul's working set (320 B) overflow a 128 B LLC:
     * the weight and MatMul's activations from DRAM; Relu's 64 B still in L2 */
    levels(g, 16, 64, 128, b, &foot);
    assert_int_equal(b[EB_LEVEL_L1], 0);
    assert_int_equal(b[EB_LEVEL_L2], 64);
    assert_int_equal(b[EB_LEVEL_LLC], 0);
    assert_int_equal(b[EB_LEVEL_DRAM], 256 + 64);
    /* an LLC just large enough takes the weight and MatMul back */
    levels(g, 16, 64, 320, b, &foot);
    assert_int_equal(b[EB_LEVEL_LLC], 320);
    assert_int_equal(b[EB_LEVEL_DRAM], 0);
    eb_graph_free(g);
}

/* weights are read once per inference: they stay in a level only when the
 * whole model does, however small each node's working set */
static void levels__weights_by_the_model_footprint__activations_by_the_node(void **state)
{
    (void)state;
    static const init_spec w[] = {{"w1", 2, {8, 8}}, {"w2", 2, {8, 8}}};
    static const node_spec n[] = {{"MatMul", {"x", "w1"}, "a"}, {"MatMul", {"a", "w2"}, "y"}};
    graph_spec gs = {{1, 8}, w, 2, n, 2, "y"};
    eb_graph *g = load_ok(&gs);
    uint64_t b[EB_LEVEL_COUNT], foot;
    /* each node: 32 + 256 + 32 = 320 B, fits the 400 B L2; the model: 512 + 64 = 576 B does not */
    levels(g, 16, 400, 1024, b, &foot);
    assert_int_equal(foot, 512 + 64);
    assert_int_equal(b[EB_LEVEL_L2], 4 * 32); /* x, a (written), a (read), y */
    assert_int_equal(b[EB_LEVEL_LLC], 512);   /* both weights */
    assert_int_equal(b[EB_LEVEL_L1] + b[EB_LEVEL_DRAM], 0);
    eb_graph_free(g);
}

static void levels__unknown_caches__hold_nothing(void **state)
{
    (void)state;
    eb_graph *g = mlp();
    uint64_t b[EB_LEVEL_COUNT], foot;
    levels(g, 0, 0, 0, b, &foot);
    assert_int_equal(b[EB_LEVEL_DRAM], 384);
    /* an unknown L2 is skipped, not taken as 0 bytes of room at L2 */
    levels(g, 16, 0, 4096, b, &foot);
    assert_int_equal(b[EB_LEVEL_L2], 0);
    assert_int_equal(b[EB_LEVEL_LLC], 384);
    const uint64_t cap[EB_LEVEL_DRAM] = {16, 0, 4096};
    assert_int_equal(eb_level_for(cap, 16), EB_LEVEL_L1);
    assert_int_equal(eb_level_for(cap, 17), EB_LEVEL_LLC);
    assert_int_equal(eb_level_for(cap, 4097), EB_LEVEL_DRAM);
    assert_string_equal(eb_level_name(EB_LEVEL_LLC), "LLC");
    eb_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(params__weight_read_by_two_nodes__counted_once),
        cmocka_unit_test(params__weight_shared_through_identity__counted_once),
        cmocka_unit_test(params__weight_also_transposed_at_load__counted_once),
        cmocka_unit_test(params__two_initialisers__both_counted),
        cmocka_unit_test(params__clip_bound__is_not_a_parameter),
        cmocka_unit_test(flops__op_without_a_rule__is_uncounted),
        cmocka_unit_test(levels__model_that_fits_l2__is_charged_to_l2),
        cmocka_unit_test(levels__model_that_overflows_the_llc__is_charged_to_dram),
        cmocka_unit_test(levels__weights_by_the_model_footprint__activations_by_the_node),
        cmocka_unit_test(levels__unknown_caches__hold_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
