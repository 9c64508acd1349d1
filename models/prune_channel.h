/* prune_channel.h - structured channel pruning (prune=channel:P) as a
 * graph transform: output channels of Conv/Gemm/MatMul layers are removed
 * by L1 norm and every consumer's input shrinks with them, so the graph
 * really gets smaller.  The rules (channel groups, residual adds, depthwise
 * chains, what is left alone and why) are written at the top of
 * prune_channel.c. */
#ifndef EB_PRUNE_CHANNEL_H
#define EB_PRUNE_CHANNEL_H

#include <stdbool.h>

#include "models/graph.h"
#include "models/status.h"
#include "models/transform.h"

/* Removes the fraction `fraction` (0 < fraction < 1) of output channels, by
 * L1 norm, of every prunable channel group of g (shapes already inferred),
 * and shrinks the consumers' inputs.  skip (n_nodes entries, may be NULL)
 * marks nodes whose output channels must be kept.  Appends one
 * eb_layer_change per Conv/Gemm/MatMul layer changed or left alone (`note`
 * says why) to rep via eb_transform_report_add, and counts rewritten
 * constants in rep->tensors_changed.  Runs eb_graph_infer_shapes again at
 * the end with `fold` (the caller passes eb_ref_eval) and `opts`.
 * EB_EINVAL for a fraction outside (0, 1); on any failure the graph may be
 * half rewritten and must be freed. */
eb_status eb_prune_channels(eb_graph *g, double fraction, const bool *skip, const eb_shape_opts *opts,
                            eb_node_eval_fn fold, eb_transform_report *rep, eb_err *err);

#endif
