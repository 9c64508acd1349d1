/* shape_if.c - If: the op exists only until shape inference, which
 * replaces an If whose condition it knows (a constant, or a value computed
 * from bound inputs) by the nodes of the branch taken (graph_inline.c).
 * This rule, and the kernel (reference_kernels/ref_if.c), see only an If
 * whose condition is known at run time, which the suite does not run. */
#include "models/op_params.h"

eb_status eb_shape_if(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    (void)in;
    (void)out;
    return eb_errf(err, EB_EUNSUPPORTED, "If: node '%s': If with a condition known only at run time is not supported",
                   n->name);
}
