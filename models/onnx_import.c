/* onnx_import.c - ONNX ModelProto -> eb_graph.
 *
 * The protobuf is decoded by protobuf-c code generated at build time from
 * the system's onnx/onnx.proto; this file only translates and checks.  What
 * it guarantees to later stages: every node input names a value that exists
 * (or is an omitted optional input, -1), every value has at most one
 * producer, nodes are in topological order, initialisers hold exactly the
 * data their dims declare.  Shapes are the business of shape_infer.c.
 * The branches of If nodes are imported as graphs of their own (eb_attr.g),
 * their references to enclosing graphs' values listed (eb_graph.outer) and
 * added to the If's inputs; shape inference inlines the branch taken
 * (graph_inline.c). */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/graph.h"
#include "models/onnx_tensor.h"

/* Name -> value index, open addressing; only alive during the import. */
typedef struct name_map {
    int *slots; /* value index + 1; 0 = empty */
    size_t mask;
} name_map;

typedef struct importer {
    struct importer *parent; /* the enclosing graph's, for an If branch; NULL for the model's graph */
    eb_graph *g;
    const char *name; /* file name for messages */
    const char *dir;
    int cap_values;
    name_map map;
    eb_err *err;
} importer;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static int map_find(const importer *im, const char *name)
{
    for (size_t i = fnv1a(name) & im->map.mask;; i = (i + 1) & im->map.mask) {
        int v = im->map.slots[i];
        if (v == 0)
            return -1;
        if (strcmp(im->g->values[v - 1].name, name) == 0)
            return v - 1;
    }
}

static void map_put(importer *im, const char *name, int idx)
{
    size_t i = fnv1a(name) & im->map.mask;
    while (im->map.slots[i])
        i = (i + 1) & im->map.mask;
    im->map.slots[i] = idx + 1;
}

static eb_status oom(importer *im)
{
    return eb_errf(im->err, EB_ENOMEM, "%s: out of memory while importing", im->name);
}

/* Appends a value called `name`; fails if the name is taken. */
static eb_status add_value(importer *im, const char *name, int *idx)
{
    if (map_find(im, name) >= 0)
        return eb_errf(im->err, EB_EFORMAT, "%s: tensor name '%s' is defined twice", im->name, name);
    eb_graph *g = im->g;
    if (g->n_values >= im->cap_values)
        return eb_errf(im->err, EB_EFORMAT, "%s: more values than the graph declares", im->name);
    eb_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    v->name = strdup(name);
    if (!v->name)
        return oom(im);
    v->producer = -1;
    v->t.rank = -1; /* unknown until a type says or inference runs */
    map_put(im, v->name, g->n_values);
    *idx = g->n_values++;
    return EB_OK;
}

/* The value `name` as graph im sees it: its own, or, in a branch, an
 * enclosing graph's, which then gets a local value listed in g->outer (see
 * eb_graph.outer).  *idx is -1 when no graph in scope has the name. */
static eb_status lookup(importer *im, const char *name, int *idx)
{
    *idx = map_find(im, name);
    if (*idx >= 0 || !im->parent)
        return EB_OK;
    int outer;
    eb_status st = lookup(im->parent, name, &outer);
    if (st != EB_OK || outer < 0)
        return st;
    if ((st = add_value(im, name, idx)) != EB_OK)
        return st;
    im->g->outer[im->g->n_outer++] = *idx;
    return EB_OK;
}

static eb_status import_initializers(importer *im, const Onnx__GraphProto *gp)
{
    if (gp->n_sparse_initializer)
        return eb_errf(im->err, EB_EUNSUPPORTED, "%s: sparse initializers are not supported", im->name);
    for (size_t i = 0; i < gp->n_initializer; i++) {
        const Onnx__TensorProto *tp = gp->initializer[i];
        const char *nm = tp->name ? tp->name : "";
        if (!*nm)
            return eb_errf(im->err, EB_EFORMAT, "%s: initializer %zu has no name", im->name, i);
        int idx;
        eb_status st = add_value(im, nm, &idx);
        if (st != EB_OK)
            return st;
        char what[256];
        snprintf(what, sizeof what, "%s: initializer '%s'", im->name, nm);
        eb_value *v = &im->g->values[idx];
        if ((st = eb_tensor_from_onnx(tp, what, im->dir, &v->t, im->err)) != EB_OK) {
            v->t.rank = -1;
            return st;
        }
        v->is_const = v->is_initializer = v->shape_known = true;
    }
    return EB_OK;
}

/* Reads a graph input's declared type: dtype and dims, symbolic ones as -1
 * with their name kept for messages and --dim. */
static eb_status import_input_type(importer *im, const Onnx__ValueInfoProto *vi, eb_value *v)
{
    const Onnx__TypeProto *tp = vi->type;
    if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE || !tp->tensor_type)
        return eb_errf(im->err, EB_EUNSUPPORTED, "%s: input '%s' is not a tensor (sequences, maps and optionals are not supported)",
                       im->name, v->name);
    const Onnx__TypeProto__Tensor *tt = tp->tensor_type;
    v->t.dtype = eb_dtype_from_onnx(tt->elem_type);
    if (v->t.dtype == EB_DT_UNDEFINED)
        return eb_errf(im->err, EB_EUNSUPPORTED, "%s: input '%s' has data type %s, not supported", im->name, v->name,
                       eb_onnx_type_name(tt->elem_type));
    if (!tt->shape) {
        v->t.rank = -1; /* unknown rank: must be bound before inference */
        return EB_OK;
    }
    if (tt->shape->n_dim > EB_MAX_RANK)
        return eb_errf(im->err, EB_EUNSUPPORTED, "%s: input '%s' has rank %zu, more than %d", im->name, v->name,
                       tt->shape->n_dim, EB_MAX_RANK);
    v->t.rank = (int)tt->shape->n_dim;
    for (int d = 0; d < v->t.rank; d++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
        if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE && dim->dim_value >= 0) {
            v->t.shape[d] = dim->dim_value;
        } else {
            v->t.shape[d] = -1;
            const char *p = dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && dim->dim_param
                                ? dim->dim_param : "?";
            if (!(v->dim_param[d] = strdup(p)))
                return oom(im);
        }
    }
    return EB_OK;
}

static eb_status import_inputs(importer *im, const Onnx__GraphProto *gp)
{
    eb_graph *g = im->g;
    g->inputs = calloc(gp->n_input + 1, sizeof *g->inputs);
    if (!g->inputs)
        return oom(im);
    for (size_t i = 0; i < gp->n_input; i++) {
        const char *nm = gp->input[i]->name ? gp->input[i]->name : "";
        if (!*nm)
            return eb_errf(im->err, EB_EFORMAT, "%s: graph input %zu has no name", im->name, i);
        if (map_find(im, nm) >= 0 && g->values[map_find(im, nm)].is_initializer)
            continue; /* IR < 4 lists initialisers among the inputs */
        int idx;
        eb_status st = add_value(im, nm, &idx);
        if (st == EB_OK)
            st = import_input_type(im, gp->input[i], &g->values[idx]);
        if (st != EB_OK)
            return st;
        g->values[idx].is_input = true;
        g->inputs[g->n_inputs++] = idx;
    }
    return EB_OK;
}

static char *binary_strdup(ProtobufCBinaryData b)
{
    char *s = malloc(b.len + 1);
    if (s) {
        if (b.len)
            memcpy(s, b.data, b.len);
        s[b.len] = '\0';
    }
    return s;
}

/* Attribute type from the fields set, for old files that omit `type`. */
static Onnx__AttributeProto__AttributeType guess_attr_type(const Onnx__AttributeProto *a)
{
    if (a->has_type)
        return a->type;
    if (a->has_f) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    if (a->has_i) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    if (a->has_s) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    if (a->t) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    if (a->g) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
    if (a->n_floats) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    if (a->n_ints) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    if (a->n_strings) return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static eb_status import_attr(importer *im, const Onnx__AttributeProto *ap, const char *node_desc, eb_attr *a)
{
    if (!(a->name = strdup(ap->name ? ap->name : "")))
        return oom(im);
    switch (guess_attr_type(ap)) {
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
        a->type = EB_ATTR_FLOAT;
        a->f = ap->f;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
        a->type = EB_ATTR_INT;
        a->i = ap->i;
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
        a->type = EB_ATTR_STRING;
        if (!(a->s = binary_strdup(ap->s)))
            return oom(im);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
        a->type = EB_ATTR_FLOATS;
        a->n = ap->n_floats;
        if (!(a->floats = malloc((a->n + 1) * sizeof *a->floats)))
            return oom(im);
        if (a->n)
            memcpy(a->floats, ap->floats, a->n * sizeof *a->floats);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
        a->type = EB_ATTR_INTS;
        a->n = ap->n_ints;
        if (!(a->ints = malloc((a->n + 1) * sizeof *a->ints)))
            return oom(im);
        if (a->n)
            memcpy(a->ints, ap->ints, a->n * sizeof *a->ints);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
        a->type = EB_ATTR_STRINGS;
        if (!(a->strings = calloc(ap->n_strings + 1, sizeof *a->strings)))
            return oom(im);
        for (; a->n < ap->n_strings; a->n++)
            if (!(a->strings[a->n] = binary_strdup(ap->strings[a->n])))
                return oom(im);
        break;
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR: {
        if (!ap->t)
            return eb_errf(im->err, EB_EFORMAT, "%s: %s: tensor attribute '%s' is empty", im->name, node_desc, a->name);
        if (!(a->t = calloc(1, sizeof *a->t)))
            return oom(im);
        char what[256];
        snprintf(what, sizeof what, "%s: %s: attribute '%s'", im->name, node_desc, a->name);
        eb_status st = eb_tensor_from_onnx(ap->t, what, im->dir, a->t, im->err);
        if (st != EB_OK)
            return st;
        a->type = EB_ATTR_TENSOR;
        break;
    }
    case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
        a->type = EB_ATTR_GRAPH;
        break;
    default:
        a->type = EB_ATTR_UNDEFINED; /* sparse tensors, type protos, lists of tensors/graphs */
        break;
    }
    return EB_OK;
}

static int domain_opset(const Onnx__ModelProto *m, const char *domain)
{
    bool dflt = !domain || !*domain || strcmp(domain, "ai.onnx") == 0;
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const char *d = m->opset_import[i]->domain;
        bool d_dflt = !d || !*d || strcmp(d, "ai.onnx") == 0;
        if ((dflt && d_dflt) || (!dflt && d && strcmp(d, domain) == 0))
            return (int)m->opset_import[i]->version;
    }
    return -1;
}

/* First pass over nodes: op, name, attributes and output values. */
static eb_status import_node(importer *im, const Onnx__ModelProto *m, const Onnx__NodeProto *np, int i)
{
    eb_node *n = &im->g->nodes[i];
    const char *domain = np->domain ? np->domain : "";
    const char *op_type = np->op_type ? np->op_type : "";
    bool dflt = !*domain || strcmp(domain, "ai.onnx") == 0;
    size_t len = strlen(domain) + strlen(op_type) + 2;
    if (!(n->op_type = malloc(len)))
        return oom(im);
    snprintf(n->op_type, len, "%s%s%s", dflt ? "" : domain, dflt ? "" : ":", op_type);
    n->op = dflt ? eb_op_from_name(op_type) : EB_OP_UNKNOWN;
    n->opset = domain_opset(m, domain);
    if (!(n->name = strdup(np->name ? np->name : "")))
        return oom(im);
    char desc[200];
    snprintf(desc, sizeof desc, "node %d '%.80s' (%.60s)", i, n->name, n->op_type);
    if (n->opset < 0)
        return eb_errf(im->err, EB_EFORMAT, "%s: %s: no opset imported for domain '%s'", im->name, desc, domain);

    n->in = malloc((np->n_input + 1) * sizeof *n->in);
    n->out = malloc((np->n_output + 1) * sizeof *n->out);
    n->attrs = calloc(np->n_attribute + 1, sizeof *n->attrs);
    if (!n->in || !n->out || !n->attrs)
        return oom(im);
    n->n_in = (int)np->n_input;
    for (size_t k = 0; k < np->n_attribute; k++) {
        n->n_attrs++;
        eb_status st = import_attr(im, np->attribute[k], desc, &n->attrs[k]);
        if (st != EB_OK)
            return st;
    }
    n->n_out = (int)np->n_output;
    for (size_t k = 0; k < np->n_output; k++) {
        const char *nm = np->output[k] ? np->output[k] : "";
        n->out[k] = -1;
        if (!*nm)
            continue; /* omitted optional output */
        int idx;
        eb_status st = add_value(im, nm, &idx);
        if (st != EB_OK)
            return eb_err_prefix(im->err, st, desc);
        im->g->values[idx].producer = i;
        n->out[k] = idx;
    }
    return EB_OK;
}

/* Second pass: resolve input names now that every output exists. */
static eb_status resolve_inputs(importer *im, const Onnx__GraphProto *gp)
{
    for (int i = 0; i < im->g->n_nodes; i++) {
        const Onnx__NodeProto *np = gp->node[i];
        eb_node *n = &im->g->nodes[i];
        for (int k = 0; k < n->n_in; k++) {
            const char *nm = np->input[k] ? np->input[k] : "";
            n->in[k] = -1;
            eb_status st = *nm ? lookup(im, nm, &n->in[k]) : EB_OK;
            if (st != EB_OK)
                return st;
            if (*nm && n->in[k] < 0)
                return eb_errf(im->err, EB_EFORMAT,
                               "%s: node %d '%s' (%s): input '%s' is not a graph input, an initializer or any node's output",
                               im->name, i, n->name, n->op_type, nm);
        }
    }
    return EB_OK;
}

static eb_status import_outputs(importer *im, const Onnx__GraphProto *gp)
{
    eb_graph *g = im->g;
    if (!(g->outputs = calloc(gp->n_output + 1, sizeof *g->outputs)))
        return oom(im);
    if (gp->n_output == 0)
        return eb_errf(im->err, EB_EFORMAT, "%s: the graph has no outputs", im->name);
    for (size_t i = 0; i < gp->n_output; i++) {
        const char *nm = gp->output[i]->name ? gp->output[i]->name : "";
        int idx;
        eb_status st = lookup(im, nm, &idx);
        if (st != EB_OK)
            return st;
        if (idx < 0)
            return eb_errf(im->err, EB_EFORMAT, "%s: graph output '%s' is not produced by any node", im->name, nm);
        g->outputs[g->n_outputs++] = idx;
    }
    return EB_OK;
}

/* Min-heap of node indices, for topo_sort. */
static void heap_push(int *h, int *n, int v)
{
    int i = (*n)++;
    for (; i > 0 && h[(i - 1) / 2] > v; i = (i - 1) / 2)
        h[i] = h[(i - 1) / 2];
    h[i] = v;
}

static int heap_pop(int *h, int *n)
{
    int top = h[0], v = h[--*n], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= v)
            break;
        h[i] = h[c];
        i = c;
    }
    if (*n)
        h[i] = v;
    return top;
}

/* Kahn's algorithm: stable (of the ready nodes, the first in the file goes
 * first, so an already sorted graph is unchanged); a cycle is an error.
 * O((nodes + edges) log nodes): a graph listed in reverse (a file's
 * choice) costs no more than a sorted one. */
static eb_status topo_sort(importer *im)
{
    eb_graph *g = im->g;
    int nn = g->n_nodes, nv = g->n_values;
    size_t n_edges = 0;
    for (int i = 0; i < nn; i++)
        n_edges += (size_t)g->nodes[i].n_in;
    int *pending = calloc((size_t)nn + 1, sizeof *pending); /* unproduced inputs per node */
    int *order = malloc(((size_t)nn + 1) * sizeof *order);
    int *heap = malloc(((size_t)nn + 1) * sizeof *heap);
    int *first = calloc((size_t)nv + 2, sizeof *first); /* value v's readers: users[first[v]..first[v+1]) */
    int *users = malloc((n_edges + 1) * sizeof *users);
    int *fill = malloc(((size_t)nv + 1) * sizeof *fill); /* the next free slot of each value's readers */
    eb_node *sorted = malloc(((size_t)nn + 1) * sizeof *sorted);
    eb_status st = EB_OK;
    if (!pending || !order || !heap || !first || !users || !fill || !sorted) {
        st = oom(im);
        goto out;
    }
    for (int i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++) {
            int v = g->nodes[i].in[k];
            if (v >= 0 && g->values[v].producer >= 0) {
                pending[i]++;
                first[v + 1]++;
            }
        }
    for (int v = 0; v < nv; v++)
        first[v + 1] += first[v];
    for (int v = 0; v < nv; v++)
        fill[v] = first[v];
    for (int i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++) {
            int v = g->nodes[i].in[k];
            if (v >= 0 && g->values[v].producer >= 0)
                users[fill[v]++] = i;
        }
    int n_heap = 0, n_sorted = 0;
    for (int i = 0; i < nn; i++)
        if (pending[i] == 0)
            heap_push(heap, &n_heap, i);
    while (n_heap) {
        int i = heap_pop(heap, &n_heap);
        order[n_sorted++] = i;
        pending[i] = -1;
        for (int k = 0; k < g->nodes[i].n_out; k++) {
            int v = g->nodes[i].out[k];
            for (int u = v >= 0 ? first[v] : 0; v >= 0 && u < first[v + 1]; u++)
                if (--pending[users[u]] == 0)
                    heap_push(heap, &n_heap, users[u]);
        }
    }
    if (n_sorted < nn) {
        for (int i = 0; i < nn; i++)
            if (pending[i] >= 0) {
                st = eb_errf(im->err, EB_EFORMAT, "%s: node %d '%s' (%s) is part of a cycle", im->name, i,
                             g->nodes[i].name, g->nodes[i].op_type);
                break;
            }
        goto out;
    }
    for (int i = 0; i < nn; i++)
        sorted[i] = g->nodes[order[i]];
    memcpy(g->nodes, sorted, (size_t)nn * sizeof *sorted);
    for (int i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].n_out; k++)
            if (g->nodes[i].out[k] >= 0)
                g->values[g->nodes[i].out[k]].producer = i;
out:
    free(pending);
    free(order);
    free(heap);
    free(first);
    free(users);
    free(fill);
    free(sorted);
    return st;
}

static eb_status import_graph(importer *im, const Onnx__ModelProto *m, const Onnx__GraphProto *gp, size_t cap);

static eb_status import_model(importer *im, const Onnx__ModelProto *m)
{
    const Onnx__GraphProto *gp = m->graph;
    eb_graph *g = im->g;
    g->ir_version = m->ir_version;
    g->opset = domain_opset(m, "");
    size_t plen = strlen(m->producer_name ? m->producer_name : "") + strlen(m->producer_version ? m->producer_version : "") + 2;
    if (!(g->producer = malloc(plen)))
        return oom(im);
    snprintf(g->producer, plen, "%s%s%s", m->producer_name ? m->producer_name : "",
             m->producer_version && *m->producer_version ? " " : "", m->producer_version ? m->producer_version : "");

    size_t cap = gp->n_initializer + gp->n_input;
    for (size_t i = 0; i < gp->n_node; i++)
        cap += gp->node[i]->n_output;
    return import_graph(im, m, gp, cap);
}

/* Names graph gp and the graphs inside it can mention: a bound on a
 * branch's values, its outer references included. */
static size_t names_bound(const Onnx__GraphProto *gp)
{
    size_t cap = gp->n_initializer + gp->n_input + gp->n_output;
    for (size_t i = 0; i < gp->n_node; i++) {
        cap += gp->node[i]->n_output + gp->node[i]->n_input;
        for (size_t k = 0; k < gp->node[i]->n_attribute; k++)
            if (gp->node[i]->attribute[k]->g)
                cap += names_bound(gp->node[i]->attribute[k]->g);
    }
    return cap;
}

/* Imports the branches of every If node of im's graph (other ops' graphs
 * stay names: nothing runs them) and appends each branch's outer
 * references to the node's inputs. */
static eb_status import_branches(importer *im, const Onnx__ModelProto *m, const Onnx__GraphProto *gp)
{
    for (int i = 0; i < im->g->n_nodes; i++) {
        eb_node *n = &im->g->nodes[i];
        if (n->op != EB_OP_IF)
            continue;
        const Onnx__NodeProto *np = gp->node[i];
        for (int k = 0; k < n->n_attrs; k++) {
            const Onnx__GraphProto *sub_gp = np->attribute[k]->g;
            if (n->attrs[k].type != EB_ATTR_GRAPH || !sub_gp)
                continue;
            char name[512];
            snprintf(name, sizeof name, "%s: node %d '%.80s' (If) %.60s", im->name, i, n->name, n->attrs[k].name);
            importer sub = {.parent = im, .name = name, .dir = im->dir, .err = im->err};
            eb_status st = EB_OK;
            size_t cap = names_bound(sub_gp);
            if (cap >= INT_MAX / 4)
                return eb_errf(im->err, EB_EFORMAT, "%s: too many tensors (%zu)", name, cap);
            if (!(sub.g = calloc(1, sizeof *sub.g)) || !(sub.g->path = strdup(im->g->path)) ||
                !(sub.g->outer = calloc(cap + 1, sizeof *sub.g->outer)))
                st = oom(im);
            if (st == EB_OK) {
                sub.g->opset = im->g->opset;
                sub.g->ir_version = im->g->ir_version;
                st = import_graph(&sub, m, sub_gp, cap);
            }
            free(sub.map.slots);
            int *grown = st == EB_OK ? realloc(n->in, ((size_t)n->n_in + (size_t)sub.g->n_outer + 1) * sizeof *grown)
                                     : NULL;
            if (st == EB_OK && !grown)
                st = oom(im);
            if (st != EB_OK) {
                eb_graph_free(sub.g);
                return st;
            }
            n->in = grown;
            for (int j = 0; j < sub.g->n_outer; j++) {
                int idx;
                if ((st = lookup(im, sub.g->values[sub.g->outer[j]].name, &idx)) != EB_OK) {
                    eb_graph_free(sub.g);
                    return st;
                }
                n->in[n->n_in++] = idx;
            }
            n->attrs[k].g = sub.g;
        }
    }
    return EB_OK;
}

/* Values, inputs, nodes and outputs of graph gp (the model's or a branch)
 * into im->g, with room for cap values. */
static eb_status import_graph(importer *im, const Onnx__ModelProto *m, const Onnx__GraphProto *gp, size_t cap)
{
    eb_graph *g = im->g;
    if (cap >= INT_MAX / 4 || gp->n_node >= INT_MAX / 4)
        return eb_errf(im->err, EB_EFORMAT, "%s: too many tensors (%zu)", im->name, cap);
    size_t slots = 16;
    while (slots < 2 * cap)
        slots *= 2;
    im->cap_values = (int)cap;
    im->map.mask = slots - 1;
    if (!(im->map.slots = calloc(slots, sizeof *im->map.slots)) ||
        !(g->values = calloc(cap + 1, sizeof *g->values)) || !(g->nodes = calloc(gp->n_node + 1, sizeof *g->nodes)))
        return oom(im);

    eb_status st;
    if ((st = import_initializers(im, gp)) != EB_OK || (st = import_inputs(im, gp)) != EB_OK)
        return st;
    for (size_t i = 0; i < gp->n_node; i++) {
        g->n_nodes++;
        if ((st = import_node(im, m, gp->node[i], (int)i)) != EB_OK)
            return st;
    }
    if ((st = resolve_inputs(im, gp)) != EB_OK || (st = import_branches(im, m, gp)) != EB_OK ||
        (st = import_outputs(im, gp)) != EB_OK)
        return st;
    return topo_sort(im);
}

eb_status eb_graph_load_buffer(const void *buf, size_t len, const char *name, const char *dir, eb_graph **out,
                               eb_err *err)
{
    *out = NULL;
    if (len == 0)
        return eb_errf(err, EB_EFORMAT, "%s: empty file, not an ONNX model", name);
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, len, buf);
    if (!m)
        return eb_errf(err, EB_EFORMAT, "%s: not an ONNX model (protobuf decoding failed: truncated or corrupt)", name);
    eb_status st;
    if (!m->has_ir_version || m->ir_version <= 0 || !m->graph) {
        st = eb_errf(err, EB_EFORMAT, "%s: not an ONNX model (no %s)", name, m->graph ? "ir_version" : "graph");
    } else {
        importer im = {.name = name, .dir = dir, .err = err};
        im.g = calloc(1, sizeof *im.g);
        if (!im.g || !(im.g->path = strdup(name))) {
            free(im.g);
            im.g = NULL;
            st = eb_errf(err, EB_ENOMEM, "%s: out of memory", name);
        } else {
            st = import_model(&im, m);
        }
        free(im.map.slots);
        if (st == EB_OK)
            *out = im.g;
        else
            eb_graph_free(im.g);
    }
    onnx__model_proto__free_unpacked(m, NULL);
    return st;
}

eb_status eb_graph_load(const char *path, eb_graph **out, eb_err *err)
{
    *out = NULL;
    void *buf;
    size_t len;
    eb_status st = eb_read_file(path, &buf, &len, err);
    if (st != EB_OK)
        return st;
    char *tmp = strdup(path);
    if (!tmp) {
        free(buf);
        return eb_errf(err, EB_ENOMEM, "%s: out of memory", path);
    }
    st = eb_graph_load_buffer(buf, len, path, dirname(tmp), out, err);
    free(tmp);
    free(buf);
    return st;
}
