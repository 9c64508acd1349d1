/* ref.h - prototypes of every reference kernel in ops.def, and their table.
 *
 * The reference kernels are the oracle: plain, obviously-correct C, fp32
 * first (plus the integer and bool types shape arithmetic needs).  Each
 * ref_<group>.c file holds the kernels of one family; the shape rules they
 * trust are in models/shape_<group>.c. */
#ifndef EB_REF_H
#define EB_REF_H

#include "models/graph.h"
#include "models/ops.h"
#include "models/tensor.h"

#define EB_OP(e, name, mi, ma, mo, mao, impl)                                                    \
    eb_status eb_ref_##impl(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, \
                            eb_err *err);
#include "models/ops.def"
#undef EB_OP

/* The reference kernel of each op (NULL for EB_OP_UNKNOWN), generated from
 * the `impl` column of models/ops.def. */
extern const eb_node_eval_fn eb_ref_kernels[EB_OP_COUNT];

/* Runs node n's reference kernel.  Has the type eb_node_eval_fn: this is
 * the evaluator that bench and the tests pass to eb_graph_infer_shapes to
 * fold constants. */
eb_status eb_ref_eval(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err);

#endif
