/* ops.h - the op enum and the per-op table built from ops.def.
 *
 * For every op: its ONNX name, input/output arity and its shape rule.  The
 * runners, shape inference and the tests walk this table; nothing else
 * lists ops.  The kernels that compute an op live above this layer (the
 * reference ones in reference_kernels/, keyed by the same enum); models/
 * reaches them only through an eb_node_eval_fn its caller passes in. */
#ifndef EB_OPS_H
#define EB_OPS_H

#include "models/status.h"

#define EB_VARIADIC 1000000

typedef enum eb_op {
    EB_OP_UNKNOWN = 0,
#define EB_OP(e, name, mi, ma, mo, mao, impl) EB_OP_##e,
#include "models/ops.def"
#undef EB_OP
    EB_OP_COUNT
} eb_op;

struct eb_node;
struct eb_tensor;

/* Shape rule: from the node's attributes and its inputs' dtypes and shapes
 * (in[i] is NULL for an omitted optional input; in[i]->data is non-NULL
 * only when the value is known at load time), set each output's dtype, rank
 * and shape.  Rejects what the op cannot take with EB_EINVAL, or
 * EB_EUNSUPPORTED for valid ONNX the suite does not implement (a dtype, a
 * mode, a shape input that is not constant); the message starts with the op.
 * Validation lives here, so kernels trust their inputs (TFLM's rule). */
typedef eb_status (*eb_shape_fn)(const struct eb_node *n, const struct eb_tensor *const *in,
                                 struct eb_tensor *const *out, eb_err *err);

/* Evaluator: computes a node's outputs (already allocated with the shapes
 * the shape rule gave; out[i] is NULL for an omitted optional output).  A
 * reference kernel has this type, and so has what constant folding calls
 * (eb_graph_infer_shapes). */
typedef eb_status (*eb_node_eval_fn)(const struct eb_node *n, const struct eb_tensor *const *in,
                                     struct eb_tensor *const *out, eb_err *err);

typedef struct eb_op_info {
    const char *name;
    int min_in, max_in, min_out, max_out;
    eb_shape_fn shape;
} eb_op_info;

extern const eb_op_info eb_ops[EB_OP_COUNT];

/* EB_OP_UNKNOWN for a name not in ops.def. */
eb_op eb_op_from_name(const char *onnx_name);
const char *eb_op_name(eb_op op);

#endif
