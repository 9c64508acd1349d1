/* fallback.c - per-node fallback to the reference kernels (fallback.h):
 * the counts per op, the argument lists, and the run of one node through
 * eb_ref_eval with its outputs zeroed first. */
#include "runners/fallback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference_kernels/ref.h"

eb_status eb_fallback_init(eb_fallback *f, const eb_graph *g, eb_err *err)
{
    memset(f, 0, sizeof *f);
    f->max_io = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        f->max_io = g->nodes[i].n_in > f->max_io ? g->nodes[i].n_in : f->max_io;
        f->max_io = g->nodes[i].n_out > f->max_io ? g->nodes[i].n_out : f->max_io;
    }
    f->in = calloc((size_t)f->max_io, sizeof *f->in);
    f->out = calloc((size_t)f->max_io, sizeof *f->out);
    if (!f->in || !f->out) {
        eb_fallback_release(f);
        return eb_errf(err, EB_ENOMEM, "%s: out of memory for the reference fallback", g->path);
    }
    return EB_OK;
}

void eb_fallback_release(eb_fallback *f)
{
    free(f->in);
    free(f->out);
    f->in = NULL;
    f->out = NULL;
}

eb_status eb_fallback_prepare(eb_fallback *f, const eb_graph *g, int node, eb_err *err)
{
    const eb_node *n = &g->nodes[node];
    if (n->op <= EB_OP_UNKNOWN || n->op >= EB_OP_COUNT || !eb_ref_kernels[n->op])
        return eb_errf(err, EB_EUNSUPPORTED, "%s: node %d '%s' (%s): no reference kernel to fall back to", g->path,
                       node, n->name, n->op_type);
    f->count[n->op]++;
    f->nodes++;
    return EB_OK;
}

eb_status eb_fallback_run(eb_fallback *f, const eb_node *n, eb_err *err)
{
    for (int k = 0; k < n->n_out; k++)
        if (f->out[k]) /* the contract: outputs arrive zeroed */
            memset(f->out[k]->data, 0, eb_tensor_nbytes(f->out[k]));
    return eb_ref_eval(n, f->in, f->out, err);
}

const char *eb_fallback_describe(eb_fallback *f)
{
    size_t len = 0;
    f->text[0] = '\0';
    for (int op = 0; op < EB_OP_COUNT; op++) {
        if (!f->count[op])
            continue;
        int w = snprintf(f->text + len, sizeof f->text - len, "%s%s x%d", len ? ", " : "", eb_op_name((eb_op)op),
                         f->count[op]);
        if (w < 0 || (size_t)w >= sizeof f->text - len)
            break;
        len += (size_t)w;
    }
    return f->text;
}
