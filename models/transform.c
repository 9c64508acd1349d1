/* transform.c - the compression hook (transform.h): decides whether a
 * variant's pruning and quantization apply, finds the layers they work on,
 * runs them in order (channel pruning, which changes shapes; then weight
 * pruning; then quantization) and records what they did layer by layer.
 *
 * The layers are the Conv, Gemm and MatMul nodes whose weight (input 1) is
 * a constant f32 tensor read by that node only.  Kept dense by default:
 * the first and the last layer (prune-skip=first|last), whose few weights
 * carry the most accuracy; prune-skip=none prunes them too.  Quantization
 * keeps nothing in fp32 unless quant-skip says so. */
#include "models/transform.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/prune_channel.h"
#include "models/storage.h"
#include "models/transform_layers.h"

/* Bytes of g's constants as stored. */
static size_t constant_bytes(const eb_graph *g)
{
    size_t sum = 0;
    for (int i = 0; i < g->n_values; i++)
        if (g->values[i].is_const)
            sum += eb_tensor_stored_bytes(&g->values[i].t);
    return sum;
}

eb_status eb_transform_report_add(eb_transform_report *rep, const eb_layer_change *c, eb_err *err)
{
    eb_layer_change *grown = realloc(rep->layers, ((size_t)rep->n_layers + 1) * sizeof *grown);
    if (!grown)
        return eb_errf(err, EB_ENOMEM, "out of memory recording the transforms");
    rep->layers = grown;
    rep->layers[rep->n_layers++] = *c;
    return EB_OK;
}

void eb_transform_report_free(eb_transform_report *rep)
{
    if (!rep)
        return;
    free(rep->layers);
    rep->layers = NULL;
    rep->n_layers = 0;
}

/* How many times value v is read: node inputs and graph outputs. */
static int readers(const eb_graph *g, int v)
{
    int count = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int j = 0; j < g->nodes[i].n_in; j++)
            count += g->nodes[i].in[j] == v;
    for (int i = 0; i < g->n_outputs; i++)
        count += g->outputs[i] == v;
    return count;
}

int eb_find_layers(const eb_graph *g, eb_layer **out)
{
    eb_layer *l = calloc((size_t)g->n_nodes + 1, sizeof *l);
    int n = 0;
    for (int i = 0; l && i < g->n_nodes; i++) {
        const eb_node *nd = &g->nodes[i];
        if (nd->folded || nd->n_in < 2 || nd->in[1] < 0 ||
            (nd->op != EB_OP_CONV && nd->op != EB_OP_GEMM && nd->op != EB_OP_MATMUL))
            continue;
        const eb_value *w = &g->values[nd->in[1]];
        if (!w->is_const || w->t.dtype != EB_DT_F32 || (!w->t.data && !w->t.storage) || readers(g, nd->in[1]) != 1)
            continue;
        if (nd->op == EB_OP_CONV ? w->t.rank < 3 : w->t.rank != 2)
            continue;
        eb_layer *c = &l[n];
        c->node = i;
        c->weight = nd->in[1];
        bool trans_b = nd->op == EB_OP_GEMM && eb_attr_int(nd, "transB", 0) != 0;
        c->out_axis = nd->op == EB_OP_CONV || trans_b ? 0 : 1;
        c->transposed = c->out_axis == 1;
        c->outputs = w->t.shape[c->out_axis];
        if (c->outputs <= 0)
            continue;
        c->k = eb_tensor_numel(&w->t) / c->outputs;
        c->red_axis = c->out_axis == 0 ? 1 : 0;
        c->red_dims = nd->op == EB_OP_CONV ? w->t.rank - 1 : 1;
        n++;
    }
    *out = l;
    return l ? n : -1;
}

eb_status eb_skip_layers(const eb_graph *g, const eb_layer *layers, int n, const char *list, const char *key,
                         bool *skip, eb_err *err)
{
    char buf[EB_SKIP_LIST_MAX];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
        if (strcmp(tok, "none") == 0)
            continue;
        if (strcmp(tok, "first") == 0 || strcmp(tok, "last") == 0) {
            if (n > 0)
                skip[tok[0] == 'f' ? 0 : n - 1] = true;
            continue;
        }
        int found = 0;
        for (int i = 0; i < n; i++)
            if (strcmp(g->nodes[layers[i].node].name, tok) == 0)
                skip[i] = true, found++;
        if (!found)
            return eb_errf(err, EB_EINVAL, "%s: no Conv, Gemm or MatMul layer with a constant weight is named '%s'%s%s",
                           key, tok, n > 0 ? " (the first is " : "", n > 0 ? g->nodes[layers[0].node].name : "");
    }
    return EB_OK;
}

void eb_layer_note(eb_layer_change *c, const char *fmt, ...)
{
    size_t k = strlen(c->note);
    if (k > 0 && k + 2 < sizeof c->note)
        k += (size_t)snprintf(c->note + k, sizeof c->note - k, "; ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->note + k, sizeof c->note - k, fmt, ap);
    va_end(ap);
}

double eb_dense_sparsity(const eb_tensor *t)
{
    int64_t numel = eb_tensor_numel(t), zeros = 0;
    if (!t->data || numel <= 0 || t->dtype != EB_DT_F32)
        return 0;
    const float *x = t->data;
    for (int64_t i = 0; i < numel; i++)
        zeros += x[i] == 0.0f;
    return (double)zeros / (double)numel;
}

eb_layer_change eb_layer_change_of(const eb_graph *g, const eb_layer *l)
{
    eb_layer_change c = {0};
    const eb_node *nd = &g->nodes[l->node];
    const eb_tensor *w = &g->values[l->weight].t;
    snprintf(c.node, sizeof c.node, "%s", nd->name);
    snprintf(c.op, sizeof c.op, "%s", nd->op_type);
    snprintf(c.weight, sizeof c.weight, "%s", g->values[l->weight].name);
    snprintf(c.storage, sizeof c.storage, "%s", eb_storage_kind_name(eb_tensor_storage_kind(w)));
    c.sparsity = eb_dense_sparsity(w);
    c.bytes_before = c.bytes_after = eb_tensor_stored_bytes(w);
    return c;
}

/* The layers pruning leaves dense: the variant's prune-skip, or the default. */
static const char *prune_skip(const eb_compress_spec *spec)
{
    return spec->prune_skip[0] ? spec->prune_skip : "first|last";
}

/* Channel pruning: the layers prune-skip names keep their outputs. */
static eb_status prune_channels(eb_graph *g, const eb_compress_spec *spec, const eb_transform_opts *o,
                                eb_transform_report *r, eb_err *err)
{
    eb_layer *layers;
    int n = eb_find_layers(g, &layers);
    bool *skip = calloc((size_t)n + 1, sizeof *skip), *node_skip = calloc((size_t)g->n_nodes + 1, sizeof *node_skip);
    eb_status st = n < 0 || !skip || !node_skip ? eb_errf(err, EB_ENOMEM, "out of memory") : EB_OK;
    if (st == EB_OK)
        st = eb_skip_layers(g, layers, n, prune_skip(spec), "prune-skip", skip, err);
    for (int i = 0; st == EB_OK && i < n; i++)
        node_skip[layers[i].node] = skip[i];
    if (st == EB_OK && o->only_node)
        for (int i = 0; i < g->n_nodes; i++)
            node_skip[i] = strcmp(g->nodes[i].name, o->only_node) != 0;
    if (st == EB_OK)
        st = eb_prune_channels(g, spec->fraction, node_skip, o->shape, o->eval, r, err);
    free(layers);
    free(skip);
    free(node_skip);
    return st;
}

/* Appends c to r, or, when channel pruning already recorded its layer,
 * adds what the later transforms did to that entry: one entry per layer. */
static eb_status add_or_merge(eb_transform_report *r, const eb_layer_change *c, eb_err *err)
{
    for (int i = 0; i < r->n_layers; i++) {
        eb_layer_change *e = &r->layers[i];
        if (strcmp(e->node, c->node) != 0)
            continue;
        snprintf(e->weight, sizeof e->weight, "%s", c->weight);
        snprintf(e->storage, sizeof e->storage, "%s", c->storage);
        snprintf(e->act, sizeof e->act, "%s", c->act);
        e->sparsity = c->sparsity;
        e->bytes_after = c->bytes_after;
        e->scale_min = c->scale_min, e->scale_max = c->scale_max;
        e->in_scale = c->in_scale, e->in_zero = c->in_zero;
        e->out_scale = c->out_scale, e->out_zero = c->out_zero;
        if (c->note[0])
            eb_layer_note(e, "%s", c->note);
        return EB_OK;
    }
    return eb_transform_report_add(r, c, err);
}

eb_status eb_compress_check(const eb_graph *g, const eb_compress_spec *spec, bool have_calib, eb_err *err)
{
    if (eb_compress_spec_is_none(spec))
        return EB_OK;
    if (spec->quant == EB_QUANT_INT8_STATIC && !have_calib)
        return eb_errf(err, EB_EINVAL, "quant=int8-static needs calibration data: %s is not a zoo model with a dataset; "
                                       "give --inputs DIR", g->path);
    eb_layer *layers;
    int n = eb_find_layers(g, &layers);
    bool *skip = calloc((size_t)n + 1, sizeof *skip);
    eb_status st = n < 0 || !skip ? eb_errf(err, EB_ENOMEM, "out of memory") : EB_OK;
    if (st == EB_OK && spec->prune != EB_PRUNE_NONE)
        st = eb_skip_layers(g, layers, n, prune_skip(spec), "prune-skip", skip, err);
    if (st == EB_OK && spec->quant != EB_QUANT_NONE)
        st = eb_skip_layers(g, layers, n, spec->quant_skip, "quant-skip", skip, err);
    if (st == EB_OK && spec->quant == EB_QUANT_INT4 && spec->group_set && spec->prune != EB_PRUNE_CHANNEL) {
        int group = spec->group > 0 ? spec->group : 32, fit = 0;
        for (int i = 0; i < n; i++)
            fit += layers[i].k % group == 0;
        if (n > 0 && fit == 0)
            st = eb_errf(err, EB_EINVAL, "group=%d divides the reduction length of no layer of %s (the first, %s, has %lld)",
                         group, g->path, g->nodes[layers[0].node].name, (long long)layers[0].k);
    }
    free(layers);
    free(skip);
    return st;
}

eb_status eb_graph_compress(eb_graph *g, const eb_compress_spec *spec, const eb_transform_opts *opts,
                            eb_transform_report *rep, eb_err *err)
{
    eb_transform_report r = {.applied = "none"};
    eb_transform_opts none = {0};
    const eb_transform_opts *o = opts ? opts : &none;
    r.bytes_before = r.bytes_after = constant_bytes(g);
    if (rep)
        *rep = r;
    if (eb_compress_spec_is_none(spec))
        return EB_OK;
    eb_compress_spec_describe(spec, r.applied, sizeof r.applied);
    eb_status st = EB_OK;
    if (spec->prune == EB_PRUNE_CHANNEL)
        st = o->eval ? prune_channels(g, spec, o, &r, err)
                     : eb_errf(err, EB_EINVAL, "channel pruning needs an evaluator to infer shapes again");

    eb_layer *layers = NULL;
    int n = st == EB_OK ? eb_find_layers(g, &layers) : 0;
    bool *pskip = calloc((size_t)n + 1, sizeof *pskip), *qskip = calloc((size_t)n + 1, sizeof *qskip);
    eb_layer_change *ch = calloc((size_t)n + 1, sizeof *ch);
    if (st == EB_OK && (n < 0 || !pskip || !qskip || !ch))
        st = eb_errf(err, EB_ENOMEM, "out of memory");
    for (int i = 0; st == EB_OK && i < n; i++)
        ch[i] = eb_layer_change_of(g, &layers[i]);
    bool weights = spec->prune == EB_PRUNE_FRACTION || spec->prune == EB_PRUNE_NM;
    if (st == EB_OK && weights)
        st = eb_skip_layers(g, layers, n, prune_skip(spec), "prune-skip", pskip, err);
    if (st == EB_OK && spec->quant != EB_QUANT_NONE)
        st = eb_skip_layers(g, layers, n, spec->quant_skip, "quant-skip", qskip, err);
    if (st == EB_OK && o->only_node) /* sensitivity: one layer at a time */
        for (int i = 0; i < n; i++)
            pskip[i] = qskip[i] = pskip[i] || qskip[i] || strcmp(g->nodes[layers[i].node].name, o->only_node) != 0;
    if (st == EB_OK && weights)
        st = eb_prune_weights(g, layers, n, pskip, spec, spec->quant != EB_QUANT_NONE, ch, &r.tensors_changed, err);
    if (st == EB_OK && spec->quant != EB_QUANT_NONE)
        st = eb_quantize_weights(g, layers, n, qskip, spec, o, ch, &r.tensors_changed, err);
    if (st == EB_OK && (weights || spec->quant != EB_QUANT_NONE)) {
        if (spec->quant == EB_QUANT_INT8_STATIC)
            r.calib_inputs = o->n_calib;
        for (int i = 0; st == EB_OK && i < n; i++) {
            const eb_tensor *w = &g->values[layers[i].weight].t;
            snprintf(ch[i].storage, sizeof ch[i].storage, "%s", eb_storage_kind_name(eb_tensor_storage_kind(w)));
            ch[i].bytes_after = eb_tensor_stored_bytes(w);
            st = add_or_merge(&r, &ch[i], err);
        }
    }
    r.bytes_after = constant_bytes(g);
    free(layers);
    free(pskip);
    free(qskip);
    free(ch);
    if (rep)
        *rep = r;
    else
        eb_transform_report_free(&r);
    return st;
}
