/* ref_eval.c - the reference kernel table, generated from models/ops.def,
 * and eb_ref_eval, the dispatch through it. */
#include "reference_kernels/ref.h"

const eb_node_eval_fn eb_ref_kernels[EB_OP_COUNT] = {
    [EB_OP_UNKNOWN] = NULL,
#define EB_OP(e, name, mi, ma, mo, mao, impl) [EB_OP_##e] = eb_ref_##impl,
#include "models/ops.def"
#undef EB_OP
};

eb_status eb_ref_eval(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    if (n->op <= EB_OP_UNKNOWN || n->op >= EB_OP_COUNT)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: op not implemented", n->op_type);
    return eb_ref_kernels[n->op](n, in, out, err);
}
