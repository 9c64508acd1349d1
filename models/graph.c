/* graph.c - lifetime of the graph IR and attribute lookup.
 * Loading lives in onnx_import.c, shapes in shape_infer.c. */
#include "models/graph.h"
#include "models/graph_inline.h"
#include "models/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void attr_free(eb_attr *a)
{
    free(a->name);
    free(a->s);
    free(a->floats);
    free(a->ints);
    for (size_t i = 0; a->strings && i < a->n; i++)
        free(a->strings[i]);
    free(a->strings);
    if (a->t) {
        eb_tensor_free_data(a->t);
        free(a->t);
    }
    eb_graph_free(a->g);
}

void eb_node_free_fields(eb_node *n)
{
    for (int k = 0; k < n->n_attrs; k++)
        attr_free(&n->attrs[k]);
    free(n->attrs);
    free(n->op_type);
    free(n->name);
    free(n->in);
    free(n->out);
    free(n->quant);
}

void eb_graph_free(eb_graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_nodes; i++) {
        eb_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_attrs; k++)
            attr_free(&n->attrs[k]);
        free(n->attrs);
        free(n->op_type);
        free(n->name);
        free(n->in);
        free(n->out);
        free(n->quant);
    }
    for (int i = 0; i < g->n_values; i++) {
        eb_value *v = &g->values[i];
        free(v->name);
        eb_tensor_free_data(&v->t);
        eb_storage_free(v->t.storage); /* the graph owns its constants' storage */
        for (int d = 0; d < EB_MAX_RANK; d++)
            free(v->dim_param[d]);
    }
    free(g->nodes);
    free(g->values);
    free(g->inputs);
    free(g->outputs);
    free(g->outer);
    free(g->path);
    free(g->producer);
    free(g);
}

int eb_graph_find_value(const eb_graph *g, const char *name)
{
    for (int i = 0; i < g->n_values; i++)
        if (strcmp(g->values[i].name, name) == 0)
            return i;
    return -1;
}

const eb_attr *eb_node_attr(const eb_node *n, const char *name)
{
    for (int i = 0; i < n->n_attrs; i++)
        if (strcmp(n->attrs[i].name, name) == 0)
            return &n->attrs[i];
    return NULL;
}

int64_t eb_attr_int(const eb_node *n, const char *name, int64_t def)
{
    const eb_attr *a = eb_node_attr(n, name);
    return a && a->type == EB_ATTR_INT ? a->i : def;
}

float eb_attr_float(const eb_node *n, const char *name, float def)
{
    const eb_attr *a = eb_node_attr(n, name);
    if (a && a->type == EB_ATTR_FLOAT)
        return a->f;
    /* some exporters write an integral float attribute as INT */
    if (a && a->type == EB_ATTR_INT)
        return (float)a->i;
    return def;
}

const char *eb_attr_string(const eb_node *n, const char *name, const char *def)
{
    const eb_attr *a = eb_node_attr(n, name);
    return a && a->type == EB_ATTR_STRING ? a->s : def;
}

int eb_attr_ints(const eb_node *n, const char *name, const int64_t **vals)
{
    const eb_attr *a = eb_node_attr(n, name);
    if (!a || a->type != EB_ATTR_INTS)
        return -1;
    *vals = a->ints;
    return (int)a->n;
}

/* Whether `op` is already a token of the ", "-separated list. */
static bool listed(const char *list, const char *op)
{
    size_t len = strlen(op);
    for (const char *p = list; (p = strstr(p, op)) != NULL; p += len)
        if ((p == list || p[-1] == ' ') && (p[len] == ',' || p[len] == '\0'))
            return true;
    return false;
}

/* Appends g's unknown op types, and those of its If branches, to buf. */
static void unknown_ops(const eb_graph *g, char *buf, size_t n, size_t *len, int *count)
{
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *nd = &g->nodes[i];
        for (int k = 0; k < nd->n_attrs; k++)
            if (nd->attrs[k].g)
                unknown_ops(nd->attrs[k].g, buf, n, len, count);
        if (nd->op != EB_OP_UNKNOWN || listed(buf, nd->op_type))
            continue;
        (*count)++;
        if (*len < n)
            *len += (size_t)snprintf(buf + *len, n - *len, "%s%s", *count > 1 ? ", " : "", nd->op_type);
    }
}

/* Branches count: an op used only in an If branch is listed too (the
 * branch taken is known only after shape inference). */
int eb_graph_unknown_ops(const eb_graph *g, char *buf, size_t n)
{
    int count = 0;
    size_t len = 0;
    char scratch[1];
    if (!n) {
        buf = scratch;
        n = sizeof scratch;
    }
    buf[0] = '\0';
    unknown_ops(g, buf, n, &len, &count);
    return count;
}
