/* graph_inline.h - inlining an If whose condition shape inference knows
 * (models/ only: shape_infer.c calls it). */
#ifndef EB_GRAPH_INLINE_H
#define EB_GRAPH_INLINE_H

#include "models/graph.h"

/* Replaces node idx, an If whose condition (input 0) holds data, by the
 * nodes of the branch it takes, then one Identity per output from the
 * branch's outputs to the If's.  The branch's values get new names
 * "<If name>/<branch>/<name>"; its outer references become the values the
 * If took as extra inputs.  Node indices after idx shift; every value's
 * producer is updated.  EB_EINVAL when the condition is not one bool,
 * EB_EFORMAT when the branch is missing or does not match the node. */
eb_status eb_graph_inline_if(eb_graph *g, int idx, eb_err *err);

/* Frees what node n owns (attributes, names, input and output lists). */
void eb_node_free_fields(eb_node *n);

#endif
