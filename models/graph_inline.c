/* graph_inline.c - an If whose condition is known becomes the nodes of the
 * branch it takes.
 *
 * PyTorch exports If around shape logic (`if x.size(0) == 1:`), where the
 * condition folds to a constant once shapes are known.  Shape inference
 * (shape_infer.c) calls eb_graph_inline_if on reaching such an If; the
 * spliced nodes are then inferred like any other, nested Ifs included.
 * The branch (eb_attr.g, imported by onnx_import.c) hands its values and
 * nodes over: tensors and attributes move, nothing is copied.  An If whose
 * condition comes from bound inputs (data_bound) is inlined for those
 * values, as Reshape takes its shape from them: the plan is for the inputs
 * it was made with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/graph_inline.h"

static char *joined(const char *a, const char *b, const char *c)
{
    size_t len = strlen(a) + strlen(b) + strlen(c) + 3;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s/%s/%s", a, b, c);
    return s;
}

eb_status eb_graph_inline_if(eb_graph *g, int idx, eb_err *err)
{
    eb_node *n = &g->nodes[idx];
    char where[256], prefix[128];
    snprintf(where, sizeof where, "%s: node %d '%.80s' (If)", g->path, idx, n->name);
    snprintf(prefix, sizeof prefix, "%.100s", *n->name ? n->name : "If");
    const eb_value *cv = &g->values[n->in[0]];
    if (cv->t.dtype != EB_DT_BOOL || eb_tensor_numel(&cv->t) != 1)
        return eb_errf(err, EB_EINVAL, "%s: the condition '%s' must be one bool", where, cv->name);
    if (!cv->t.data)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: If with a condition known only at run time is not supported", where);
    const char *want = ((const uint8_t *)cv->t.data)[0] ? "then_branch" : "else_branch";
    eb_graph *s = NULL;
    int base = 1;
    for (int k = 0; k < n->n_attrs && !s; k++) {
        if (n->attrs[k].type != EB_ATTR_GRAPH || !n->attrs[k].g)
            continue;
        if (strcmp(n->attrs[k].name, want) == 0)
            s = n->attrs[k].g;
        else
            base += n->attrs[k].g->n_outer;
    }
    if (!s)
        return eb_errf(err, EB_EFORMAT, "%s: no %s graph", where, want);
    if (s->n_inputs || s->n_outputs != n->n_out || base + s->n_outer > n->n_in)
        return eb_errf(err, EB_EFORMAT, "%s: %s has %d inputs and %d outputs; the node has %d outputs", where, want,
                       s->n_inputs, s->n_outputs, n->n_out);

    int n_ident = 0, add_n, add_v = s->n_values - s->n_outer;
    for (int k = 0; k < n->n_out; k++)
        n_ident += n->out[k] >= 0;
    add_n = s->n_nodes + n_ident;
    int *vm = malloc(((size_t)s->n_values + 1) * sizeof *vm);
    char **names = calloc((size_t)add_v + (size_t)add_n + 1, sizeof *names);
    eb_node *nodes = calloc((size_t)g->n_nodes + (size_t)add_n, sizeof *nodes);
    eb_value *vals = realloc(g->values, ((size_t)g->n_values + (size_t)add_v + 1) * sizeof *vals);
    if (vals)
        g->values = vals;
    eb_status st = vm && names && nodes && vals ? EB_OK : eb_errf(err, EB_ENOMEM, "%s: out of memory", where);
    /* every name first, so that a failure leaves the graph as it was */
    int nn = 0;
    for (int v = 0; v < s->n_values && st == EB_OK; v++) {
        vm[v] = -2;
        for (int j = 0; j < s->n_outer; j++)
            if (s->outer[j] == v)
                vm[v] = n->in[base + j];
        if (vm[v] == -2 && !(names[nn++] = joined(prefix, want, s->values[v].name)))
            st = eb_errf(err, EB_ENOMEM, "%s: out of memory", where);
    }
    for (int k = 0; k < add_n && st == EB_OK; k++) {
        char out_name[32];
        snprintf(out_name, sizeof out_name, "output_%d", k - s->n_nodes);
        if (!(names[nn++] = joined(prefix, want, k < s->n_nodes ? s->nodes[k].name : out_name)))
            st = eb_errf(err, EB_ENOMEM, "%s: out of memory", where);
    }
    eb_node *ident = nodes + idx + s->n_nodes;
    for (int k = 0, j = 0; k < n->n_out && st == EB_OK; k++) {
        if (n->out[k] < 0)
            continue;
        eb_node *id = &ident[j++];
        id->in = malloc(2 * sizeof *id->in);
        id->out = malloc(2 * sizeof *id->out);
        id->attrs = calloc(1, sizeof *id->attrs);
        id->op_type = malloc(sizeof "Identity");
        if (!id->in || !id->out || !id->attrs || !id->op_type)
            st = eb_errf(err, EB_ENOMEM, "%s: out of memory", where);
    }
    if (st != EB_OK) {
        for (int k = 0; names && k < nn; k++)
            free(names[k]);
        for (int j = 0; nodes && j < n_ident; j++)
            eb_node_free_fields(&ident[j]);
        free(vm);
        free(names);
        free(nodes);
        return st;
    }

    nn = 0;
    for (int v = 0; v < s->n_values; v++) {
        if (vm[v] != -2)
            continue;
        eb_value *sv = &s->values[v], *nv = &g->values[g->n_values];
        memset(nv, 0, sizeof *nv);
        nv->name = names[nn++];
        nv->t = sv->t; /* moves the data (initialisers, Constant values) */
        memset(&sv->t, 0, sizeof sv->t);
        nv->shape_known = sv->shape_known;
        nv->is_const = sv->is_const;
        nv->is_initializer = sv->is_initializer;
        nv->producer = -1;
        vm[v] = g->n_values++;
    }
    memcpy(nodes, g->nodes, (size_t)idx * sizeof *nodes);
    for (int k = 0; k < s->n_nodes; k++) {
        eb_node *m = &nodes[idx + k];
        *m = s->nodes[k]; /* moves attributes, nested branches included */
        free(m->name);
        m->name = names[nn++];
        for (int i = 0; i < m->n_in; i++)
            if (m->in[i] >= 0)
                m->in[i] = vm[m->in[i]];
        for (int i = 0; i < m->n_out; i++)
            if (m->out[i] >= 0)
                m->out[i] = vm[m->out[i]];
    }
    s->n_nodes = 0;
    for (int k = 0, j = 0; k < n->n_out; k++) {
        if (n->out[k] < 0)
            continue;
        eb_node *id = &ident[j++];
        memcpy(id->op_type, "Identity", sizeof "Identity");
        id->op = EB_OP_IDENTITY;
        id->name = names[nn++];
        id->opset = n->opset;
        id->n_in = id->n_out = 1;
        id->in[0] = vm[s->outputs[k]];
        id->out[0] = n->out[k];
    }
    memcpy(nodes + idx + add_n, g->nodes + idx + 1, (size_t)(g->n_nodes - idx - 1) * sizeof *nodes);
    eb_node_free_fields(&g->nodes[idx]); /* the If, both branches with it */
    free(g->nodes);
    g->nodes = nodes;
    g->n_nodes += add_n - 1;
    for (int v = 0; v < g->n_values; v++)
        if (!g->values[v].is_input)
            g->values[v].producer = -1;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_out; k++)
            if (g->nodes[i].out[k] >= 0)
                g->values[g->nodes[i].out[k]].producer = i;
    free(vm);
    free(names);
    return EB_OK;
}
