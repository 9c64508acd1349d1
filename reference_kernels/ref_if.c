/* ref_if.c - If: never run.  Shape inference inlines an If whose condition
 * it knows (models/graph_inline.c) and refuses one it does not
 * (models/shape_if.c), so no plan holds an If. */
#include "reference_kernels/ref.h"

eb_status eb_ref_if(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    (void)in;
    (void)out;
    return eb_errf(err, EB_EUNSUPPORTED, "If: node '%s': If with a condition known only at run time is not supported",
                   n->name);
}
