/* test_onnx_import.c - ONNX import and shape inference on good and bad input.
 *
 * Models are built here with the generated protobuf-c types, so each test
 * states exactly what is wrong with its file.  The bad-input tests check
 * that a truncated, bit-flipped, mis-sized or hostile model gives a clear
 * error (never a crash, never a huge allocation); run them under
 * `make test SANITIZE=1` to have ASan watch every path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/graph.h"
#include "models/onnx_tensor.h"
#include "reference_kernels/ref.h"
#include "runners/runner.h"
#include "tests/test_util.h"

/* ---- a small model builder -------------------------------------------- */

typedef struct model_spec {
    const char *op;           /* op of the single node: y = op(x, w) */
    int64_t x_dims[2];
    int64_t w_dims[2];
    size_t w_values;          /* floats actually stored for w */
    const char *node_in0;     /* name of the node's first input */
    const char *node_out;     /* name of the node's output */
    const char *w_external;   /* external data location for w, or NULL */
} model_spec;

static model_spec good_spec(void)
{
    return (model_spec){"Add", {2, 3}, {2, 3}, 6, "x", "y", NULL};
}

/* Packs the model described by s into a malloc'd buffer. */
static uint8_t *pack_model(const model_spec *s, size_t *len)
{
    static float w_data[64];
    for (int i = 0; i < 64; i++)
        w_data[i] = 0.25f * (float)(i + 1) * (i % 2 ? -1.0f : 1.0f);

    Onnx__TensorProto w = ONNX__TENSOR_PROTO__INIT;
    int64_t w_dims[2] = {s->w_dims[0], s->w_dims[1]};
    w.name = "w";
    w.has_data_type = 1;
    w.data_type = 1;
    w.n_dims = 2;
    w.dims = w_dims;
    Onnx__StringStringEntryProto loc = ONNX__STRING_STRING_ENTRY_PROTO__INIT, *locs[1] = {&loc};
    if (s->w_external) {
        loc.key = "location";
        loc.value = (char *)s->w_external;
        w.has_data_location = 1;
        w.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
        w.n_external_data = 1;
        w.external_data = locs;
    } else {
        w.n_float_data = s->w_values;
        w.float_data = w_data;
    }

    Onnx__TensorShapeProto__Dimension d0 = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT, d1 = d0;
    d0.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d0.dim_value = s->x_dims[0];
    d1.value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
    d1.dim_value = s->x_dims[1];
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
    y.name = "y";
    Onnx__ValueInfoProto *ins[1] = {&x}, *outs[1] = {&y};

    Onnx__NodeProto node = ONNX__NODE_PROTO__INIT;
    char *node_in[2] = {(char *)s->node_in0, "w"}, *node_out[1] = {(char *)s->node_out};
    node.op_type = (char *)s->op;
    node.name = "the_node";
    node.n_input = 2;
    node.input = node_in;
    node.n_output = 1;
    node.output = node_out;
    Onnx__NodeProto *nodes[1] = {&node};
    Onnx__TensorProto *inits[1] = {&w};

    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "g";
    graph.n_node = 1;
    graph.node = nodes;
    graph.n_initializer = 1;
    graph.initializer = inits;
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

/* Loads and infers from a buffer; returns the status of the first failing
 * step and leaves the graph (or NULL) in *out. */
static eb_status load_and_infer(const void *buf, size_t len, const char *dir, eb_graph **out, eb_err *err)
{
    eb_status st = eb_graph_load_buffer(buf, len, "test.onnx", dir, out, err);
    if (st == EB_OK)
        st = eb_graph_infer_shapes(*out, NULL, eb_ref_eval, err);
    return st;
}

static void expect_failure(const model_spec *s, eb_status want, const char *needle)
{
    size_t len;
    uint8_t *buf = pack_model(s, &len);
    eb_graph *g = NULL;
    eb_err err = {{0}};
    eb_status st = load_and_infer(buf, len, NULL, &g, &err);
    if (st != want || !strstr(err.msg, needle))
        fail_msg("status %s, message '%s'; expected %s with '%s'", eb_status_name(st), err.msg, eb_status_name(want),
                 needle);
    assert_non_null(strstr(err.msg, "test.onnx"));
    eb_graph_free(g);
    free(buf);
}

/* ---- tests -------------------------------------------------------------- */

static void import__valid_model__infers_shapes_and_runs_on_ref(void **state)
{
    (void)state;
    model_spec s = good_spec();
    size_t len;
    uint8_t *buf = pack_model(&s, &len);
    eb_graph *g = NULL;
    eb_err err = {{0}};
    assert_int_equal(load_and_infer(buf, len, NULL, &g, &err), EB_OK);
    free(buf);
    assert_int_equal(g->n_inputs, 1);
    assert_int_equal(g->opset, 17);
    const eb_tensor *y = &g->values[g->outputs[0]].t;
    assert_int_equal(y->dtype, EB_DT_F32);
    assert_int_equal(y->rank, 2);
    assert_int_equal(y->shape[1], 3);

    const eb_runner *r = eb_runner_find("ref");
    eb_variant v = eb_variant_default("ref");
    eb_plan *plan;
    assert_int_equal(r->prepare(g, &v, &plan, &err), EB_OK);
    float xs[6], ys[6];
    uint64_t seed = eb_test_seed();
    for (int i = 0; i < 6; i++)
        xs[i] = eb_test_uniform(&seed, -2, 2);
    eb_tensor in = {.dtype = EB_DT_F32, .rank = 2, .shape = {2, 3}, .data = xs};
    eb_tensor out = {.dtype = EB_DT_F32, .rank = 2, .shape = {2, 3}, .data = ys};
    assert_int_equal(r->run(plan, &in, &out, &err), EB_OK);
    const float *w = g->values[eb_graph_find_value(g, "w")].t.data;
    for (int i = 0; i < 6; i++)
        assert_true(ys[i] == xs[i] + w[i]);
    r->release(plan);
    eb_graph_free(g);
}

static void import__empty_file__fails_naming_the_file(void **state)
{
    (void)state;
    eb_graph *g;
    eb_err err = {{0}};
    assert_int_equal(eb_graph_load_buffer("", 0, "test.onnx", NULL, &g, &err), EB_EFORMAT);
    assert_null(g);
    assert_non_null(strstr(err.msg, "test.onnx: empty file"));
}

static void import__text_file__is_not_an_onnx_model(void **state)
{
    (void)state;
    const char *text = "Hello, this is a README, not a model.\n";
    eb_graph *g;
    eb_err err = {{0}};
    assert_int_equal(eb_graph_load_buffer(text, strlen(text), "test.onnx", NULL, &g, &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "not an ONNX model"));
}

static void import__missing_file__fails_with_io_error(void **state)
{
    (void)state;
    eb_graph *g;
    eb_err err = {{0}};
    assert_int_equal(eb_graph_load("/nonexistent/model.onnx", &g, &err), EB_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/model.onnx"));
}

static void import__every_truncation__fails_cleanly(void **state)
{
    (void)state;
    model_spec s = good_spec();
    size_t len;
    uint8_t *buf = pack_model(&s, &len);
    int failures = 0;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *part = malloc(cut ? cut : 1); /* exact size, so ASan sees overreads */
        memcpy(part, buf, cut);
        eb_graph *g = NULL;
        eb_err err = {{0}};
        if (load_and_infer(part, cut, NULL, &g, &err) != EB_OK) {
            failures++;
            assert_true(strlen(err.msg) > 0);
        }
        eb_graph_free(g);
        free(part);
    }
    /* a prefix that ends on a field boundary can be a valid smaller message;
     * every other one must be refused */
    assert_true(failures >= (int)len - 8);
    free(buf);
}

static void import__every_bit_flip__never_crashes(void **state)
{
    (void)state;
    model_spec s = good_spec();
    size_t len;
    uint8_t *buf = pack_model(&s, &len);
    const eb_runner *r = eb_runner_find("ref");
    int failures = 0;
    for (size_t bit = 0; bit < len * 8; bit++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, buf, len);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        eb_graph *g = NULL;
        eb_err err = {{0}};
        eb_variant v = eb_variant_default("ref");
        char why[256];
        if (load_and_infer(copy, len, NULL, &g, &err) != EB_OK || !r->supports(g, &v, why, sizeof why)) {
            failures++;
        } else {
            /* it still describes a runnable model: run it */
            eb_plan *plan;
            if (r->prepare(g, &v, &plan, &err) == EB_OK) {
                eb_tensor in = g->values[g->inputs[0]].t, out = g->values[g->outputs[0]].t;
                in.data = out.data = NULL;
                if (eb_tensor_alloc(&in, "in", &err) == EB_OK && eb_tensor_alloc(&out, "out", &err) == EB_OK)
                    r->run(plan, &in, &out, &err);
                eb_tensor_free_data(&in);
                eb_tensor_free_data(&out);
                r->release(plan);
            }
        }
        eb_graph_free(g);
        free(copy);
    }
    assert_true(failures > 0);
    free(buf);
}

static void initializer__fewer_values_than_dims__fails(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.w_values = 5;
    expect_failure(&s, EB_EFORMAT, "initializer 'w': declares 6 elements but holds 5");
}

static void initializer__overflowing_dims__fails(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.w_dims[0] = INT64_C(1) << 40;
    s.w_dims[1] = INT64_C(1) << 40;
    expect_failure(&s, EB_EFORMAT, "overflows");
}

static void initializer__huge_dims_without_data__fails_without_allocating(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.w_dims[0] = INT64_C(1) << 30;
    s.w_dims[1] = INT64_C(1) << 20; /* 4 PiB of floats declared, 6 stored */
    expect_failure(&s, EB_EFORMAT, "holds 6");
}

static void input__shape_larger_than_memory__fails(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.x_dims[0] = INT64_C(1) << 30;
    s.x_dims[1] = INT64_C(1) << 20;
    expect_failure(&s, EB_ENOMEM, "more than");
}

static void node__unknown_op__is_unsupported_and_named(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.op = "FancyNewOp";
    expect_failure(&s, EB_EUNSUPPORTED, "op 'FancyNewOp' is not supported");
}

static void node__undefined_input__fails(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.node_in0 = "nobody_makes_this";
    expect_failure(&s, EB_EFORMAT, "input 'nobody_makes_this' is not a graph input");
}

static void node__wrong_shapes__fail_in_shape_inference(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.w_dims[0] = 4;
    s.w_dims[1] = 5;
    s.w_values = 20;
    expect_failure(&s, EB_EINVAL, "do not broadcast");
}

static void graph__output_not_produced__fails(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.node_out = "z";
    expect_failure(&s, EB_EFORMAT, "graph output 'y' is not produced");
}

static void graph__self_loop__is_a_cycle(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.node_in0 = "y"; /* y = Add(y, w) */
    expect_failure(&s, EB_EFORMAT, "cycle");
}

/* Writes the model with w external at `location` into a fresh folder and
 * loads it from there. */
static eb_status load_external(const char *location, bool write_data, eb_graph **g, eb_err *err)
{
    model_spec s = good_spec();
    s.w_external = location;
    size_t len;
    uint8_t *buf = pack_model(&s, &len);
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s", eb_test_tmpdir());
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    assert_true(eb_test_write_file(path, buf, len));
    free(buf);
    if (write_data) {
        float w[6] = {1, 2, 3, 4, 5, 6};
        char wpath[300];
        snprintf(wpath, sizeof wpath, "%s/%s", dir, location);
        assert_true(eb_test_write_file(wpath, w, sizeof w));
    }
    return eb_graph_load(path, g, err);
}

static void external_data__inside_the_folder__loads(void **state)
{
    (void)state;
    eb_graph *g;
    eb_err err = {{0}};
    assert_int_equal(load_external("weights.bin", true, &g, &err), EB_OK);
    const float *w = g->values[eb_graph_find_value(g, "w")].t.data;
    assert_true(w[0] == 1.0f && w[5] == 6.0f);
    eb_graph_free(g);
}

static void external_data__leaving_the_folder__is_refused(void **state)
{
    (void)state;
    eb_graph *g;
    eb_err err = {{0}};
    assert_int_equal(load_external("../../../../../../etc/passwd", false, &g, &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "leaves the model's folder"));
    assert_int_equal(load_external("/etc/passwd", false, &g, &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "absolute"));
}

static void external_data__shorter_than_declared__fails(void **state)
{
    (void)state;
    model_spec s = good_spec();
    s.w_dims[1] = 30; /* 60 floats declared, the file below holds 6 */
    s.w_external = "weights.bin";
    size_t len;
    uint8_t *buf = pack_model(&s, &len);
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s", eb_test_tmpdir());
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    assert_true(eb_test_write_file(path, buf, len));
    free(buf);
    float w[6] = {0};
    snprintf(path, sizeof path, "%s/weights.bin", dir);
    assert_true(eb_test_write_file(path, w, sizeof w));
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    eb_graph *g;
    eb_err err = {{0}};
    assert_int_equal(eb_graph_load(path, &g, &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "shorter"));
}

static void tensor_pb__save_then_load__round_trips(void **state)
{
    (void)state;
    float data[12];
    uint64_t seed = eb_test_seed();
    for (int i = 0; i < 12; i++)
        data[i] = eb_test_uniform(&seed, -10, 10);
    eb_tensor t = {.dtype = EB_DT_F32, .rank = 3, .shape = {2, 3, 2}, .data = data}, back = {0};
    char path[300];
    snprintf(path, sizeof path, "%s/t.pb", eb_test_tmpdir());
    eb_err err = {{0}};
    assert_int_equal(eb_tensor_save_pb(path, &t, "t", &err), EB_OK);
    char *name = NULL;
    assert_int_equal(eb_tensor_load_pb(path, &back, &name, &err), EB_OK);
    assert_string_equal(name, "t");
    assert_true(eb_tensor_same_shape(&t, &back));
    assert_memory_equal(back.data, data, sizeof data);
    free(name);
    eb_tensor_free_data(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(import__valid_model__infers_shapes_and_runs_on_ref),
        cmocka_unit_test(import__empty_file__fails_naming_the_file),
        cmocka_unit_test(import__text_file__is_not_an_onnx_model),
        cmocka_unit_test(import__missing_file__fails_with_io_error),
        cmocka_unit_test(import__every_truncation__fails_cleanly),
        cmocka_unit_test(import__every_bit_flip__never_crashes),
        cmocka_unit_test(initializer__fewer_values_than_dims__fails),
        cmocka_unit_test(initializer__overflowing_dims__fails),
        cmocka_unit_test(initializer__huge_dims_without_data__fails_without_allocating),
        cmocka_unit_test(input__shape_larger_than_memory__fails),
        cmocka_unit_test(node__unknown_op__is_unsupported_and_named),
        cmocka_unit_test(node__undefined_input__fails),
        cmocka_unit_test(node__wrong_shapes__fail_in_shape_inference),
        cmocka_unit_test(graph__output_not_produced__fails),
        cmocka_unit_test(graph__self_loop__is_a_cycle),
        cmocka_unit_test(external_data__inside_the_folder__loads),
        cmocka_unit_test(external_data__leaving_the_folder__is_refused),
        cmocka_unit_test(external_data__shorter_than_declared__fails),
        cmocka_unit_test(tensor_pb__save_then_load__round_trips),
    };
    return cmocka_run_group_tests_name("onnx_import", tests, NULL, NULL);
}
