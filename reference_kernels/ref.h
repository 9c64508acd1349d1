/* ref.h - prototypes of every shape rule and reference kernel in ops.def.
 *
 * The reference kernels are the oracle: plain, obviously-correct C, fp32
 * first (plus the integer and bool types shape arithmetic needs).  Each
 * ref_<group>.c file holds the shape rules and kernels of one family. */
#ifndef EB_REF_H
#define EB_REF_H

#include "models/graph.h"
#include "models/tensor.h"
#include "reference_kernels/ops.h"

#define EB_OP(e, name, mi, ma, mo, mao, impl)                                                      \
    eb_status eb_shape_##impl(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, \
                              eb_err *err);                                                        \
    eb_status eb_ref_##impl(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,   \
                            eb_err *err);
#include "reference_kernels/ops.def"
#undef EB_OP

/* Runs node n's reference kernel (dispatch through eb_ops). */
eb_status eb_ref_eval(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err);

#endif
