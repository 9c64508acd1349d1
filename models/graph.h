/* graph.h - the graph IR: values, nodes in topological order, attributes.
 *
 * Every tensor the model names (graph input, initialiser, node output) is one
 * eb_value; nodes refer to values by index.  eb_graph_load returns a graph the
 * caller frees with eb_graph_free; the graph owns every name, attribute and
 * the data of initialisers and folded constants.  Shapes of intermediate
 * values are known only after eb_graph_infer_shapes (shape_infer.c). */
#ifndef EB_GRAPH_H
#define EB_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#include "models/tensor.h"
#include "models/ops.h"

typedef enum eb_attr_type {
    EB_ATTR_UNDEFINED = 0,
    EB_ATTR_FLOAT,
    EB_ATTR_INT,
    EB_ATTR_STRING,
    EB_ATTR_TENSOR,
    EB_ATTR_GRAPH, /* If's branches are imported (eb_attr.g); other ops' only named */
    EB_ATTR_FLOATS,
    EB_ATTR_INTS,
    EB_ATTR_STRINGS,
} eb_attr_type;

typedef struct eb_attr {
    char *name;
    eb_attr_type type;
    float f;
    int64_t i;
    char *s;          /* STRING: NUL-terminated copy */
    float *floats;    /* FLOATS */
    int64_t *ints;    /* INTS */
    char **strings;   /* STRINGS */
    size_t n;         /* element count of FLOATS / INTS / STRINGS */
    eb_tensor *t;     /* TENSOR: owned, data included */
    struct eb_graph *g; /* GRAPH of an If: the branch, owned (NULL for other ops' graphs) */
} eb_attr;

/* How a node the transforms quantized to int8 computes (models/transform.c
 * sets it; NULL on every other node).  Its weight is int8 storage; its
 * activation input is quantized to u8 before the integer product:
 * DYNAMIC from that input's own min and max on every run (ONNX
 * DynamicQuantizeLinear), STATIC with the calibrated in_scale/in_zero.  A
 * STATIC node with `requant` also rounds its float output to the u8 grid of
 * out_scale/out_zero (requantization between layers).  The arithmetic is
 * stated once, in reference_kernels/ref_quant.h. */
typedef enum eb_act_quant { EB_ACT_FLOAT = 0, EB_ACT_DYNAMIC, EB_ACT_STATIC } eb_act_quant;

typedef struct eb_node_quant {
    eb_act_quant act;
    float in_scale;   /* STATIC: x_q = saturate(round(x / in_scale) + in_zero), u8 */
    int32_t in_zero;
    bool requant;     /* STATIC: the output goes through the u8 grid below */
    float out_scale;
    int32_t out_zero;
} eb_node_quant;

typedef struct eb_node {
    eb_op op;       /* EB_OP_UNKNOWN when the suite does not implement the op */
    char *op_type;  /* as written in the file; "domain:Op" outside the ONNX domain */
    char *name;
    int opset;      /* opset of the node's domain, for version-dependent semantics */
    int n_in, n_out;
    int *in, *out;  /* value indices; -1 for an omitted optional input or output */
    int n_attrs;
    eb_attr *attrs;
    bool folded;    /* outputs were computed at load time; runners skip the node */
    eb_node_quant *quant; /* owned; NULL unless a transform quantized the node */
} eb_node;

typedef struct eb_value {
    char *name;
    eb_tensor t;          /* dtype and shape; data for constants (and bound inputs) */
    bool shape_known;
    bool is_const;        /* same data on every run: initialiser, Constant, folded */
    bool is_initializer;  /* a weight from the file (counted in params) */
    bool is_input;        /* fed by the caller at run time */
    bool data_bound;      /* t.data holds a caller-bound input value, or one computed from
                           * such values at load time: visible to shape rules, but not
                           * constant (runners compute it) */
    int producer;         /* node index, -1 for inputs and initialisers */
    char *dim_param[EB_MAX_RANK]; /* symbolic dim names of inputs; NULL when fixed */
} eb_value;

typedef struct eb_graph {
    char *path;           /* the file it came from, for messages */
    char *producer;       /* "pytorch 1.13.1" */
    int64_t ir_version;
    int64_t opset;        /* default-domain opset */
    int n_values, n_nodes, n_inputs, n_outputs;
    eb_value *values;
    eb_node *nodes;       /* topologically sorted */
    int *inputs;          /* value indices of graph inputs fed at run time */
    int *outputs;         /* value indices of graph outputs */
    /* A subgraph (an If branch) only: its values that name a value of an
     * enclosing graph.  The If node takes them as extra inputs after its
     * condition, branch by branch in attribute order, so that topological
     * order and liveness see them; outer[j] of a branch is fed by the node's
     * input 1 + (outer counts of the branches before it) + j. */
    int n_outer;
    int *outer;
} eb_graph;

/* Reads an ONNX model.  Checks structure (every input defined, no cycles,
 * declared sizes match data, external data stays in the model's folder) but
 * not shapes.  On failure returns EB_EFORMAT/EB_EIO/EB_ENOMEM with a message
 * naming the file and the problem, and *out is NULL. */
eb_status eb_graph_load(const char *path, eb_graph **out, eb_err *err);
/* The same from a buffer; `name` is used in messages and `dir` resolves
 * external data (NULL: external data refused). */
eb_status eb_graph_load_buffer(const void *buf, size_t len, const char *name, const char *dir,
                               eb_graph **out, eb_err *err);
void eb_graph_free(eb_graph *g);

/* Index of the value called `name`, or -1. */
int eb_graph_find_value(const eb_graph *g, const char *name);

/* Attribute lookup by name: NULL / the default when absent. */
const eb_attr *eb_node_attr(const eb_node *n, const char *name);
int64_t eb_attr_int(const eb_node *n, const char *name, int64_t def);
float eb_attr_float(const eb_node *n, const char *name, float def);
const char *eb_attr_string(const eb_node *n, const char *name, const char *def);
/* Element count of an INTS attribute and its array in *vals; -1 when absent. */
int eb_attr_ints(const eb_node *n, const char *name, const int64_t **vals);

/* Options for shape inference. */
typedef struct eb_shape_opts {
    int64_t batch;            /* value for a symbolic leading dim; 0 means 1 */
    int n_dims;               /* named symbolic dims set by the user: --dim NAME=N */
    struct {
        const char *name;
        int64_t value;
    } dims[8];
} eb_shape_opts;

/* Fixes the shape (and, with `with_data`, the data, visible to shape rules
 * such as Reshape's target shape) of graph input `input_index` before
 * inference.  The graph copies the data. */
eb_status eb_graph_bind_input(eb_graph *g, int input_index, const eb_tensor *value, bool with_data,
                              eb_err *err);

/* Infers every value's dtype and shape in node order, folding nodes whose
 * inputs are all constant with `fold` so that shape sub-graphs such as
 * Shape->Gather->Concat->Reshape resolve.  models/ has no kernels: the
 * caller passes the evaluator (bench and the tests pass eb_ref_eval, the
 * reference kernels).  fold NULL folds nothing; then a shape that needs a
 * folded value fails with EB_EUNSUPPORTED naming the node.  Fails on an
 * unknown op, a symbolic dim without a value, or inputs an op rejects; the
 * message names the file, the node and the reason. */
eb_status eb_graph_infer_shapes(eb_graph *g, const eb_shape_opts *opts, eb_node_eval_fn fold, eb_err *err);

/* Computes every value of g on inputs in[0..g->n_inputs) with `eval`,
 * node by node, into *vals (one tensor per value: constants borrowed from
 * g, the others allocated; free with eb_graph_values_free).  The inputs
 * must have the graph inputs' dtypes and shapes.  Fails with the node
 * that failed named; *vals is NULL then. */
eb_status eb_graph_eval_values(const eb_graph *g, const eb_tensor *in, eb_node_eval_fn eval, eb_tensor **vals,
                               eb_err *err);
void eb_graph_values_free(const eb_graph *g, eb_tensor *vals);

/* Distinct op types in the graph that the suite does not implement, as a
 * comma-separated list in buf; returns how many. */
int eb_graph_unknown_ops(const eb_graph *g, char *buf, size_t n);

#endif
