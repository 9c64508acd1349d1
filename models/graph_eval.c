/* graph_eval.c - every value of a graph computed once, node by node, with
 * an evaluator the caller passes (models/ has no kernels: bench and
 * calibration pass the reference kernels).  Calibration observes the
 * layers' inputs and outputs on it; --layers compares two graphs' values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/graph.h"

void eb_graph_values_free(const eb_graph *g, eb_tensor *vals)
{
    for (int i = 0; vals && i < g->n_values; i++)
        if (!g->values[i].is_const)
            eb_tensor_free_data(&vals[i]);
    free(vals);
}

eb_status eb_graph_eval_values(const eb_graph *g, const eb_tensor *in, eb_node_eval_fn eval, eb_tensor **out,
                               eb_err *err)
{
    int max_io = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        max_io = g->nodes[i].n_in > max_io ? g->nodes[i].n_in : max_io;
        max_io = g->nodes[i].n_out > max_io ? g->nodes[i].n_out : max_io;
    }
    eb_tensor *vals = calloc((size_t)g->n_values + 1, sizeof *vals);
    const eb_tensor **a = calloc((size_t)max_io, sizeof *a);
    eb_tensor **b = calloc((size_t)max_io, sizeof *b);
    eb_status st = vals && a && b ? EB_OK : eb_errf(err, EB_ENOMEM, "out of memory for the graph's values");
    /* as the ref runner's plan: constants borrowed, the rest owned */
    for (int i = 0; st == EB_OK && i < g->n_values; i++) {
        const eb_value *val = &g->values[i];
        if (!val->shape_known)
            continue;
        vals[i] = val->t;
        if (val->is_const)
            continue;
        vals[i].data = NULL;
        vals[i].storage = NULL;
        st = eb_tensor_alloc(&vals[i], val->name, err);
    }
    for (int i = 0; st == EB_OK && i < g->n_inputs; i++) {
        eb_tensor *dst = &vals[g->inputs[i]];
        if (!eb_tensor_same_shape(&in[i], dst) || in[i].dtype != dst->dtype)
            st = eb_errf(err, EB_EINVAL, "%s: input %d does not match '%s'", g->path, i, g->values[g->inputs[i]].name);
        else
            memcpy(dst->data, in[i].data, eb_tensor_nbytes(dst));
    }
    for (int i = 0; st == EB_OK && i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        if (n->folded)
            continue;
        for (int j = 0; j < n->n_in; j++)
            a[j] = n->in[j] >= 0 ? &vals[n->in[j]] : NULL;
        for (int j = 0; j < n->n_out; j++)
            b[j] = n->out[j] >= 0 ? &vals[n->out[j]] : NULL;
        if ((st = eval(n, (const eb_tensor *const *)a, (eb_tensor *const *)b, err)) != EB_OK) {
            char where[256];
            snprintf(where, sizeof where, "%s: node %d '%.80s' (%.60s)", g->path, i, n->name, n->op_type);
            st = eb_err_prefix(err, st, where);
        }
    }
    free(a);
    free(b);
    if (st != EB_OK) {
        eb_graph_values_free(g, vals);
        vals = NULL;
    }
    *out = vals;
    return st;
}
