/* test_graph_builder.h - a small ONNX model builder for the test drivers
 * that run graphs on the runners (test_cpu_runner.c, test_cpu_opt.c):
 * inputs, initializers, nodes with attributes and outputs are written
 * into protobuf-c structures, packed, loaded with eb_graph_load_buffer and
 * shape-inferred, so that a test graph goes through the same import as a
 * model file.  Failures stop the test (cmocka assertions).
 *
 *   mb b;
 *   mb_begin(&b, 13);
 *   mb_input(&b, "x", 2, (int64_t[]){3, 5});
 *   mb_node(&b, "Relu", "x", "y");
 *   mb_output(&b, "y");
 *   eb_graph *g = mb_load(&b);
 *
 * Initializers given no data get random values from the generator the
 * driver names with eb_mb_random_values (each driver has its own range). */
#ifndef EB_TEST_GRAPH_BUILDER_H
#define EB_TEST_GRAPH_BUILDER_H

#include <stdint.h>

#include "models/graph.h"
#include "models/onnx_tensor.h"

enum { EB_MB_NODES = 24, EB_MB_ATTRS = 64, EB_MB_INITS = 16, EB_MB_IO = 8, EB_MB_DIMS = 64, EB_MB_STRS = 160,
       EB_MB_OUTS = 8, EB_MB_RANK = 8 };

typedef struct eb_mb {
    int opset;
    Onnx__NodeProto nodes[EB_MB_NODES];
    Onnx__NodeProto *node_ptrs[EB_MB_NODES];
    char *node_in[EB_MB_NODES][16], *node_out[EB_MB_NODES][EB_MB_OUTS];
    Onnx__AttributeProto attrs[EB_MB_ATTRS];
    Onnx__AttributeProto *attr_ptrs[EB_MB_NODES][8];
    int64_t attr_ints[EB_MB_ATTRS][8];
    int n_nodes, n_attrs;
    Onnx__TensorProto inits[EB_MB_INITS];
    Onnx__TensorProto *init_ptrs[EB_MB_INITS];
    int64_t init_dims[EB_MB_INITS][EB_MB_RANK];
    float *init_data[EB_MB_INITS];
    int64_t init_i64[EB_MB_INITS][8];
    int n_inits;
    Onnx__ValueInfoProto ins[EB_MB_IO], outs[EB_MB_IO];
    Onnx__ValueInfoProto *in_ptrs[EB_MB_IO], *out_ptrs[EB_MB_IO];
    Onnx__TypeProto types[EB_MB_IO];
    Onnx__TypeProto__Tensor ttypes[EB_MB_IO];
    Onnx__TensorShapeProto shapes[EB_MB_IO];
    Onnx__TensorShapeProto__Dimension dims[EB_MB_IO][EB_MB_RANK];
    Onnx__TensorShapeProto__Dimension *dim_ptrs[EB_MB_IO][EB_MB_RANK];
    int n_ins, n_outs;
    char *strs[EB_MB_STRS];
    int n_strs;
} eb_mb;

/* The generator of initializer values given no data (required before the
 * first such initializer). */
void eb_mb_random_values(float (*fn)(void));
char *eb_mb_str(eb_mb *b, const char *s);
void eb_mb_begin(eb_mb *b, int opset);
/* A graph input of f32 (eb_mb_input) or of an ONNX element type. */
void eb_mb_input(eb_mb *b, const char *name, int rank, const int64_t *dims);
void eb_mb_input_typed(eb_mb *b, const char *name, int rank, const int64_t *dims, int onnx_type);
void eb_mb_output(eb_mb *b, const char *name);
/* An f32 initializer; data NULL: random values.  Returns its data. */
float *eb_mb_init(eb_mb *b, const char *name, int rank, const int64_t *dims, const float *data);
float *eb_mb_init1(eb_mb *b, const char *name, int64_t n, const float *data);
/* An int64 initializer of n values; n < 0: a rank-0 scalar of vals[0]. */
void eb_mb_init_i64(eb_mb *b, const char *name, int n, const int64_t *vals);
/* An f32 scalar (rank 0) initializer. */
void eb_mb_scalar(eb_mb *b, const char *name, float v);
/* Node op(ins) -> outs; names comma-separated, an empty name is omitted.
 * The attributes that follow are the last node's. */
void eb_mb_node(eb_mb *b, const char *op, const char *ins, const char *outs);
/* A new attribute of the last node, to be filled in by the caller. */
Onnx__AttributeProto *eb_mb_attr(eb_mb *b, const char *name, Onnx__AttributeProto__AttributeType type);
void eb_mb_attr_int(eb_mb *b, const char *name, int64_t v);
void eb_mb_attr_float(eb_mb *b, const char *name, float v);
void eb_mb_attr_ints(eb_mb *b, const char *name, int n, const int64_t *v);
void eb_mb_attr_string(eb_mb *b, const char *name, const char *v);
/* A STRINGS attribute of n names; the list lives in *store (n entries). */
void eb_mb_attr_strings(eb_mb *b, const char *name, int n, const char *const *v, ProtobufCBinaryData *store);
/* Packs, loads and infers shapes; frees the builder's memory. */
eb_graph *eb_mb_load(eb_mb *b);
/* Allocates in[i] for each input of g and fills it from *rng: f32 never
 * zero (eb_test_nonzero up to hi), bool 0 or 1, integers in [0, 50]. */
void eb_mb_inputs(const eb_graph *g, eb_tensor *in, uint64_t *rng, float hi);

/* The short names the drivers write (macros, not symbols: the drivers'
 * code reads as before the builder was shared). */
typedef eb_mb mb;
#define mb_attr eb_mb_attr
#define mb_attr_float eb_mb_attr_float
#define mb_attr_int eb_mb_attr_int
#define mb_attr_ints eb_mb_attr_ints
#define mb_attr_string eb_mb_attr_string
#define mb_attr_strings eb_mb_attr_strings
#define mb_begin eb_mb_begin
#define mb_init eb_mb_init
#define mb_init1 eb_mb_init1
#define mb_init_i64 eb_mb_init_i64
#define mb_input eb_mb_input
#define mb_input_typed eb_mb_input_typed
#define mb_inputs eb_mb_inputs
#define mb_load eb_mb_load
#define mb_node eb_mb_node
#define mb_output eb_mb_output
#define mb_random_values eb_mb_random_values
#define mb_scalar eb_mb_scalar
#define mb_str eb_mb_str

#endif
