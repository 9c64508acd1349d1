/* cost_levels.c - bytes moved by memory level (the rule is in
 * cost_levels.h).  The bytes of each value are counted as cost.c counts
 * them, so that the levels add up to bytes_moved. */
#include "models/cost_levels.h"

#include <stdlib.h>

#include "models/cost.h"
#include "models/storage.h"

const char *eb_level_name(int level)
{
    static const char *const names[EB_LEVEL_COUNT] = {"L1", "L2", "LLC", "DRAM"};
    return level >= 0 && level < EB_LEVEL_COUNT ? names[level] : "?";
}

int eb_level_for(const uint64_t capacity[EB_LEVEL_DRAM], uint64_t bytes)
{
    for (int l = 0; l < EB_LEVEL_DRAM; l++)
        if (capacity[l] > 0 && bytes <= capacity[l])
            return l;
    return EB_LEVEL_DRAM;
}

/* as cost.c's known_bytes: stored bytes, 0 when the shape is unknown */
static uint64_t value_bytes(const eb_value *v)
{
    if (v->shape_known && v->t.storage)
        return eb_tensor_stored_bytes(&v->t);
    size_t b = v->shape_known ? eb_tensor_nbytes(&v->t) : SIZE_MAX;
    return b == SIZE_MAX ? 0 : b;
}

void eb_graph_bytes_by_level(const eb_graph *g, const uint64_t capacity[EB_LEVEL_DRAM], uint64_t out[EB_LEVEL_COUNT],
                             uint64_t *footprint)
{
    for (int l = 0; l < EB_LEVEL_COUNT; l++)
        out[l] = 0;
    eb_cost total;
    eb_cost *per = calloc((size_t)g->n_nodes + 1, sizeof *per);
    if (!per) { /* advisory, like the cost itself: nothing charged */
        if (footprint)
            *footprint = 0;
        return;
    }
    eb_graph_cost(g, &total, per);
    uint64_t foot = total.weight_bytes + total.activation_bytes;
    if (footprint)
        *footprint = foot;
    int weight_level = eb_level_for(capacity, foot);
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        if (n->folded)
            continue;
        int node_level = eb_level_for(capacity, per[i].bytes_moved);
        for (int k = 0; k < n->n_in; k++) {
            if (n->in[k] < 0)
                continue;
            const eb_value *v = &g->values[n->in[k]];
            out[v->is_const ? weight_level : node_level] += value_bytes(v);
        }
        for (int k = 0; k < n->n_out; k++)
            if (n->out[k] >= 0 && !g->values[n->out[k]].is_const)
                out[node_level] += value_bytes(&g->values[n->out[k]]);
    }
    free(per);
}
