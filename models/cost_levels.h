/* cost_levels.h - the cost model's bytes moved (cost.h), split by the
 * memory level that serves them, for a given cache hierarchy.
 *
 * The rule (one per tensor a run-time node reads or writes, as cost.c
 * counts bytes_moved):
 *   - a node's working set is the bytes it reads and writes (its inputs,
 *     weights included, and its outputs);
 *   - an activation (a value computed at run time, or a model input) is
 *     charged at the smallest level whose capacity holds the working set
 *     of the node that reads or writes it: producer and consumer meet in
 *     that level;
 *   - a weight (a constant) is read once per inference, so between two
 *     reads the whole model passes through the caches: it is charged at
 *     the smallest level that holds the model's footprint (its weights
 *     plus its peak live activations, cost.h's weight_bytes +
 *     activation_bytes);
 *   - what no level holds is charged to DRAM.
 * A capacity of 0 is a level that is absent or unknown: it holds nothing.
 * Each level's whole capacity is used (a shared LLC is taken as this
 * process's); associativity, prefetching and the runner's blocking are not
 * modelled.  Folded nodes move nothing. */
#ifndef EB_COST_LEVELS_H
#define EB_COST_LEVELS_H

#include <stdint.h>

#include "models/graph.h"

enum { EB_LEVEL_L1, EB_LEVEL_L2, EB_LEVEL_LLC, EB_LEVEL_DRAM, EB_LEVEL_COUNT };

/* "L1", "L2", "LLC", "DRAM" */
const char *eb_level_name(int level);

/* The smallest of the cache levels (capacity[0..3): L1D, L2, LLC, bytes)
 * that holds `bytes`, else EB_LEVEL_DRAM. */
int eb_level_for(const uint64_t capacity[EB_LEVEL_DRAM], uint64_t bytes);

/* Bytes per inference by level into out[EB_LEVEL_COUNT] (they sum to
 * eb_graph_cost's bytes_moved), by the rule above; *footprint gets the
 * model footprint the weights were placed by (may be NULL).  Needs a graph
 * whose shapes are inferred, like eb_graph_cost. */
void eb_graph_bytes_by_level(const eb_graph *g, const uint64_t capacity[EB_LEVEL_DRAM], uint64_t out[EB_LEVEL_COUNT],
                             uint64_t *footprint);

#endif
