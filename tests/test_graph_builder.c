/* test_graph_builder.c - see test_graph_builder.h. */
#include "tests/test_graph_builder.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference_kernels/ref.h"
#include "tests/test_util.h"

static float (*random_fn)(void);

void eb_mb_random_values(float (*fn)(void))
{
    random_fn = fn;
}

static float random_value(void)
{
    assert_non_null(random_fn); /* the driver names its generator first */
    return random_fn();
}

char *eb_mb_str(eb_mb *b, const char *s)
{
    assert_true(b->n_strs < EB_MB_STRS);
    char *c = strdup(s);
    assert_non_null(c);
    return b->strs[b->n_strs++] = c;
}

void eb_mb_begin(eb_mb *b, int opset)
{
    memset(b, 0, sizeof *b);
    b->opset = opset;
}

void eb_mb_input(eb_mb *b, const char *name, int rank, const int64_t *dims)
{
    eb_mb_input_typed(b, name, rank, dims, 1);
}

void eb_mb_input_typed(eb_mb *b, const char *name, int rank, const int64_t *dims, int onnx_type)
{
    int i = b->n_ins++;
    assert_true(i < EB_MB_IO && rank <= EB_MB_RANK);
    for (int d = 0; d < rank; d++) {
        b->dims[i][d] = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        b->dims[i][d].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        b->dims[i][d].dim_value = dims[d];
        b->dim_ptrs[i][d] = &b->dims[i][d];
    }
    b->shapes[i] = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    b->shapes[i].n_dim = (size_t)rank;
    b->shapes[i].dim = b->dim_ptrs[i];
    b->ttypes[i] = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    b->ttypes[i].has_elem_type = 1;
    b->ttypes[i].elem_type = onnx_type;
    b->ttypes[i].shape = &b->shapes[i];
    b->types[i] = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    b->types[i].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    b->types[i].tensor_type = &b->ttypes[i];
    b->ins[i] = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    b->ins[i].name = eb_mb_str(b, name);
    b->ins[i].type = &b->types[i];
    b->in_ptrs[i] = &b->ins[i];
}

void eb_mb_output(eb_mb *b, const char *name)
{
    int i = b->n_outs++;
    assert_true(i < EB_MB_IO);
    b->outs[i] = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    b->outs[i].name = eb_mb_str(b, name);
    b->out_ptrs[i] = &b->outs[i];
}

float *eb_mb_init(eb_mb *b, const char *name, int rank, const int64_t *dims, const float *data)
{
    int i = b->n_inits++;
    assert_true(i < EB_MB_INITS && rank <= EB_MB_RANK);
    size_t count = 1;
    for (int d = 0; d < rank; d++) {
        b->init_dims[i][d] = dims[d];
        count *= (size_t)dims[d];
    }
    float *v = malloc(sizeof(float) * (count ? count : 1));
    assert_non_null(v);
    for (size_t k = 0; k < count; k++)
        v[k] = data ? data[k] : random_value();
    b->init_data[i] = v;
    Onnx__TensorProto *t = &b->inits[i];
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = eb_mb_str(b, name);
    t->has_data_type = 1;
    t->data_type = 1;
    t->n_dims = (size_t)rank;
    t->dims = b->init_dims[i];
    t->n_float_data = count;
    t->float_data = v;
    b->init_ptrs[i] = t;
    return v;
}

float *eb_mb_init1(eb_mb *b, const char *name, int64_t n, const float *data)
{
    return eb_mb_init(b, name, 1, (int64_t[]){n}, data);
}

/* An int64 initializer of n values; n < 0: a scalar (rank 0) of vals[0]. */
void eb_mb_init_i64(eb_mb *b, const char *name, int n, const int64_t *vals)
{
    bool scalar = n < 0;
    n = scalar ? 1 : n;
    eb_mb_init(b, name, 1, (int64_t[]){0}, NULL);
    Onnx__TensorProto *t = &b->inits[b->n_inits - 1];
    int64_t *store = b->init_i64[b->n_inits - 1];
    assert_true(n <= 8);
    memcpy(store, vals, sizeof(int64_t) * (size_t)n);
    b->init_dims[b->n_inits - 1][0] = n;
    t->n_dims = scalar ? 0 : 1;
    t->data_type = 7;
    t->n_float_data = 0;
    t->n_int64_data = (size_t)n;
    t->int64_data = store;
}

void eb_mb_scalar(eb_mb *b, const char *name, float v)
{
    eb_mb_init(b, name, 0, NULL, &v);
}

/* Node op(ins) -> outs; names comma-separated, an empty name is omitted. */
void eb_mb_node(eb_mb *b, const char *op, const char *ins, const char *outs)
{
    int i = b->n_nodes++;
    assert_true(i < EB_MB_NODES);
    Onnx__NodeProto *n = &b->nodes[i];
    *n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    n->op_type = eb_mb_str(b, op);
    n->name = eb_mb_str(b, op);
    const char *lists[2] = {ins, outs};
    for (int l = 0; l < 2; l++) {
        const char *s = lists[l];
        size_t cnt = 0;
        while (s && *s) {
            size_t len = strcspn(s, ",");
            char buf[64];
            snprintf(buf, sizeof buf, "%.*s", (int)len, s);
            assert_true(cnt < (l ? (size_t)EB_MB_OUTS : 16u));
            if (l)
                b->node_out[i][cnt++] = eb_mb_str(b, buf);
            else
                b->node_in[i][cnt++] = eb_mb_str(b, buf);
            s += len + (s[len] == ',');
        }
        if (l) {
            n->n_output = cnt;
            n->output = b->node_out[i];
        } else {
            n->n_input = cnt;
            n->input = b->node_in[i];
        }
    }
    n->attribute = b->attr_ptrs[i];
    b->node_ptrs[i] = n;
}

Onnx__AttributeProto *eb_mb_attr(eb_mb *b, const char *name, Onnx__AttributeProto__AttributeType type)
{
    Onnx__NodeProto *n = &b->nodes[b->n_nodes - 1];
    assert_true(b->n_attrs < EB_MB_ATTRS && n->n_attribute < 8);
    Onnx__AttributeProto *a = &b->attrs[b->n_attrs++];
    *a = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
    a->name = eb_mb_str(b, name);
    a->has_type = 1;
    a->type = type;
    b->attr_ptrs[b->n_nodes - 1][n->n_attribute++] = a;
    return a;
}

void eb_mb_attr_int(eb_mb *b, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = eb_mb_attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    a->has_i = 1;
    a->i = v;
}

void eb_mb_attr_float(eb_mb *b, const char *name, float v)
{
    Onnx__AttributeProto *a = eb_mb_attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    a->has_f = 1;
    a->f = v;
}

void eb_mb_attr_ints(eb_mb *b, const char *name, int n, const int64_t *v)
{
    Onnx__AttributeProto *a = eb_mb_attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    int64_t *store = b->attr_ints[b->n_attrs - 1];
    assert_true(n <= 8);
    memcpy(store, v, sizeof(int64_t) * (size_t)n);
    a->n_ints = (size_t)n;
    a->ints = store;
}

void eb_mb_attr_string(eb_mb *b, const char *name, const char *v)
{
    Onnx__AttributeProto *a = eb_mb_attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    a->has_s = 1;
    a->s.data = (uint8_t *)eb_mb_str(b, v);
    a->s.len = strlen(v);
}

void eb_mb_attr_strings(eb_mb *b, const char *name, int n, const char *const *v, ProtobufCBinaryData *store)
{
    Onnx__AttributeProto *a = eb_mb_attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS);
    for (int i = 0; i < n; i++)
        store[i] = (ProtobufCBinaryData){strlen(v[i]), (uint8_t *)eb_mb_str(b, v[i])};
    a->n_strings = (size_t)n;
    a->strings = store;
}


/* Packs, loads and infers shapes; frees the builder's memory. */
eb_graph *eb_mb_load(eb_mb *b)
{
    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "test";
    graph.n_node = (size_t)b->n_nodes;
    graph.node = b->node_ptrs;
    graph.n_initializer = (size_t)b->n_inits;
    graph.initializer = b->init_ptrs;
    graph.n_input = (size_t)b->n_ins;
    graph.input = b->in_ptrs;
    graph.n_output = (size_t)b->n_outs;
    graph.output = b->out_ptrs;
    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsets[1] = {&opset};
    opset.domain = "";
    opset.has_version = 1;
    opset.version = b->opset;
    Onnx__ModelProto m = ONNX__MODEL_PROTO__INIT;
    m.has_ir_version = 1;
    m.ir_version = 8;
    m.producer_name = "edgebench tests";
    m.n_opset_import = 1;
    m.opset_import = opsets;
    m.graph = &graph;
    size_t len = onnx__model_proto__get_packed_size(&m);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    onnx__model_proto__pack(&m, buf);
    eb_graph *g = NULL;
    eb_err err = {{0}};
    eb_status st = eb_graph_load_buffer(buf, len, "test.onnx", NULL, &g, &err);
    if (st == EB_OK)
        st = eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err);
    if (st != EB_OK)
        fail_msg("building the test graph: %s", err.msg);
    free(buf);
    for (int i = 0; i < b->n_inits; i++)
        free(b->init_data[i]);
    for (int i = 0; i < b->n_strs; i++)
        free(b->strs[i]);
    return g;
}


void eb_mb_inputs(const eb_graph *g, eb_tensor *in, uint64_t *rng, float hi)
{
    for (int i = 0; i < g->n_inputs; i++) {
        eb_err err;
        eb_tensor_copy_meta(&in[i], &g->values[g->inputs[i]].t);
        in[i].data = NULL;
        assert_int_equal(eb_tensor_alloc(&in[i], "input", &err), EB_OK);
        for (int64_t k = 0; k < eb_tensor_numel(&in[i]); k++) {
            if (in[i].dtype == EB_DT_F32)
                ((float *)in[i].data)[k] = eb_test_nonzero(rng, hi);
            else if (in[i].dtype == EB_DT_BOOL)
                ((uint8_t *)in[i].data)[k] = (uint8_t)eb_test_int(rng, 0, 1);
            else
                eb_dtype_set_i64(in[i].dtype, in[i].data, k, eb_test_int(rng, 0, 50));
        }
    }
}
