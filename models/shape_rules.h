/* shape_rules.h - prototypes of every shape rule named in ops.def.
 *
 * eb_shape_<impl> lives in models/shape_<family>.c; ops.c puts it in the op
 * table.  Each rule has the type eb_shape_fn (ops.h). */
#ifndef EB_SHAPE_RULES_H
#define EB_SHAPE_RULES_H

#include "models/graph.h"
#include "models/ops.h"
#include "models/tensor.h"

#define EB_OP(e, name, mi, ma, mo, mao, impl)                                                      \
    eb_status eb_shape_##impl(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, \
                              eb_err *err);
#include "models/ops.def"
#undef EB_OP

#endif
