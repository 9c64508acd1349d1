/* fallback.h - per-node fallback to the reference kernels, a service any
 * runner uses for the nodes it has no kernel of its own for (cpu today; a
 * GPU runner would copy the node's inputs to the host, run it here and
 * copy the outputs back).
 *
 * prepare: eb_fallback_init once per plan (argument lists sized for the
 * graph's widest node), then eb_fallback_prepare for each node the runner
 * hands over: it checks that a reference kernel exists and counts the node
 * under its op.  run: fill f->in[k] / f->out[k] for the node's inputs and
 * outputs (NULL for an omitted one) and call eb_fallback_run, which zeroes
 * the outputs (the reference kernels' contract) and runs the node.
 * eb_fallback_describe gives the counts as "Gather x1, Split x4" ("" when
 * nothing fell back), what eb_plan_info.fallbacks reports. */
#ifndef EB_RUNNERS_FALLBACK_H
#define EB_RUNNERS_FALLBACK_H

#include "models/graph.h"
#include "models/status.h"

typedef struct eb_fallback {
    int count[EB_OP_COUNT]; /* nodes handed over, per op */
    int nodes;              /* their sum */
    int max_io;             /* length of in[] and out[] */
    const eb_tensor **in;   /* the running node's arguments, filled by the runner */
    eb_tensor **out;
    char text[512];         /* eb_fallback_describe's */
} eb_fallback;

/* Zeroes f and sizes its argument lists for g's widest node. */
eb_status eb_fallback_init(eb_fallback *f, const eb_graph *g, eb_err *err);
void eb_fallback_release(eb_fallback *f);

/* Node `node` of g will run on its reference kernel: counted.  Fails
 * (EB_EUNSUPPORTED) when the op has none. */
eb_status eb_fallback_prepare(eb_fallback *f, const eb_graph *g, int node, eb_err *err);

/* Runs n on its reference kernel with f->in / f->out (outputs zeroed first). */
eb_status eb_fallback_run(eb_fallback *f, const eb_node *n, eb_err *err);

/* "Conv x1, Gather x2" in op order, "" when no node fell back; the string
 * belongs to f and holds until the next call. */
const char *eb_fallback_describe(eb_fallback *f);

#endif
