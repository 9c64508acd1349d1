/* cost.h - static cost of a graph: parameters, MACs, FLOPs, bytes.
 *
 * Conventions (say them once, use them everywhere): a multiply-add is one
 * MAC and two FLOPs; any other arithmetic on one element (add, compare,
 * exp, erf, ...) is one FLOP; data movement (Reshape, Transpose, Gather,
 * Concat, ...) is zero FLOPs.  Folded nodes cost nothing at run time.
 * Weights are counted as stored: a compressed weight (storage.h) by its
 * storage's bytes, its nonzeros for macs_nonzero.  Params are the elements of the stored float/int8/int4 tensors (the
 * initialisers and Constant outputs) that run-time nodes read, directly or
 * through copies folded at load (Identity, Transpose, Cast of a weight);
 * integer shape and index tensors are not weights.  Each stored tensor
 * counts once however many nodes share it.  A node whose op has no FLOP
 * rule (or whose shapes are unknown) is `uncounted`: its MACs and FLOPs are
 * left out of the totals, and say so, rather than being taken as 0. */
#ifndef EB_COST_H
#define EB_COST_H

#include <stddef.h>
#include <stdint.h>

#include "models/graph.h"

typedef struct eb_cost {
    int64_t params;
    int64_t macs;
    int64_t macs_nonzero;        /* MACs whose weight is not zero: Conv, Gemm and MatMul
                                  * scaled by their constant weight's density (pruning
                                  * lowers it; macs counts every weight) */
    int64_t flops;
    int64_t flops_nonzero;       /* flops less the 2 FLOPs of each MAC on a zero weight */
    uint64_t weight_bytes;       /* bytes of those params as stored */
    uint64_t bytes_moved;        /* inputs read + outputs written, per inference */
    uint64_t activation_bytes;   /* peak bytes of live non-constant values in node order */
    uint64_t activation_total;   /* sum of all non-constant values' bytes */
    int64_t uncounted;           /* nodes whose FLOPs are unknown (per node: 1 or 0) */
} eb_cost;

/* Costs of the whole graph into *total and, when per_node is not NULL, of
 * each node into per_node[0..g->n_nodes) (per-node params count a shared
 * weight at every reader; activation fields hold the node's output bytes).
 * Needs a graph whose shapes are inferred; nodes whose shapes are not
 * known are uncounted and their values count 0 bytes. */
void eb_graph_cost(const eb_graph *g, eb_cost *total, eb_cost *per_node);

/* The MACs and other FLOPs of node n alone, by the conventions above;
 * false when its op has no FLOP rule or a shape it touches is not known
 * (shape inference asks before it folds a node: folding runs the node in
 * the process that loads the model). */
bool eb_node_flops(const eb_graph *g, const eb_node *n, int64_t *macs, int64_t *other);

#endif
