/* sensitivity.c - one layer compressed at a time, its cost against the
 * fp32 graph, the ranking and the suggested skip set (see sensitivity.h). */
#include "bench/sensitivity.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/evaluate.h"
#include "bench/inputs.h"
#include "bench/layer_drift.h"
#include "bench/metrics_drift.h"
#include "models/transform.h"
#include "reference_kernels/ref.h"
#include "runners/runner.h"

/* The model as the harness loads it: inputs bound, shapes inferred. */
static eb_status load_graph(const eb_sensitivity_setup *s, eb_graph **g, eb_err *err)
{
    char sha[65];
    eb_status st = eb_model_load(s->model_path, g, sha, err);
    if (st == EB_OK && s->inputs_dir)
        st = eb_inputs_bind_files(*g, s->inputs_dir, err);
    if (st == EB_OK)
        st = eb_graph_infer_shapes(*g, s->shape, eb_ref_eval, err);
    return st;
}

/* The figure of g: top-1 on the test images, or the outputs on s->in
 * (outs: g->n_outputs tensors borrowed from the values, left in *vals). */
static eb_status measure(const eb_sensitivity_setup *s, const eb_graph *g, int64_t count, double *top1,
                         eb_tensor **vals, eb_err *err)
{
    if (!s->zoo)
        return eb_graph_eval_values(g, s->in, eb_ref_eval, vals, err);
    const eb_runner *r = eb_runner_find("ref");
    if (!r)
        return eb_errf(err, EB_EUNSUPPORTED, "the ref runner is not built in");
    eb_variant v = eb_variant_default("ref");
    eb_plan *plan = NULL;
    eb_tensor *outs = calloc((size_t)g->n_outputs + 1, sizeof *outs);
    eb_task_metric tm = {0};
    eb_status st = outs ? r->prepare(g, &v, &plan, err) : eb_errf(err, EB_ENOMEM, "out of memory");
    if (st == EB_OK)
        st = eb_evaluate(r, plan, g, s->zoo, s->ds, count, outs, &tm, err);
    if (plan)
        r->release(plan);
    for (int i = 0; outs && i < g->n_outputs; i++)
        eb_tensor_free_data(&outs[i]);
    free(outs);
    if (st == EB_OK && !tm.available)
        st = eb_errf(err, EB_EUNSUPPORTED, "%s", tm.reason);
    *top1 = tm.value;
    return st;
}

/* rel L2 of g's outputs in vals against the fp32 graph's in bvals. */
static double outputs_rel_l2(const eb_graph *base, const eb_tensor *bvals, const eb_graph *g, const eb_tensor *vals)
{
    enum { MAX_OUT = 16 };
    eb_tensor o[MAX_OUT], b[MAX_OUT];
    int n = g->n_outputs < MAX_OUT ? g->n_outputs : MAX_OUT;
    for (int i = 0; i < n; i++) {
        o[i] = vals[g->outputs[i]];
        b[i] = bvals[base->outputs[i]];
    }
    eb_drift d;
    eb_drift_compute(o, b, n, &d);
    return d.available ? d.rel_l2 : NAN;
}

/* How much worse compressing the layer made things: top-1 lost, or rel L2. */
static double cost_of(const eb_layer_cost *c)
{
    return strcmp(c->metric, "top1_delta") == 0 ? -c->value : c->value;
}

static int by_cost(const void *a, const void *b)
{
    double x = cost_of(a), y = cost_of(b);
    if (isnan(x) || isnan(y)) /* NaN first: it is the worst there is */
        return isnan(y) - isnan(x);
    return (x < y) - (x > y);
}

void eb_sensitivity_rank(eb_sensitivity *out, const eb_compress_spec *spec)
{
    qsort(out->layers, (size_t)out->n_layers, sizeof *out->layers, by_cost);
    snprintf(out->skip_key, sizeof out->skip_key, "%s", spec && spec->quant == EB_QUANT_NONE ? "prune-skip" : "quant-skip");
    snprintf(out->rule, sizeof out->rule,
             "the fewest worst-ranked layers whose costs sum to at least half the total positive cost");
    double total = 0;
    for (int i = 0; i < out->n_layers; i++) {
        double c = cost_of(&out->layers[i]);
        total += isnan(c) ? 0 : c > 0 ? c : 0;
    }
    out->skip[0] = '\0';
    size_t off = 0;
    double sum = 0;
    for (int i = 0; i < out->n_layers && (total > 0 || isnan(cost_of(&out->layers[i]))); i++) {
        double c = cost_of(&out->layers[i]);
        if (!isnan(c) && (c <= 0 || sum >= total / 2))
            break;
        int w = snprintf(out->skip + off, sizeof out->skip - off, "%s%s", off ? "|" : "", out->layers[i].node);
        if (w < 0 || (size_t)w >= sizeof out->skip - off) {
            out->skip[off] = '\0'; /* a name that does not fit ends the list */
            break;
        }
        off += (size_t)w;
        sum += isnan(c) ? 0 : c;
    }
}

eb_status eb_sensitivity_measure(const eb_sensitivity_setup *s, const eb_compressed_layer *layers, int n,
                                 eb_sensitivity *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->requested = true;
    const char *metric = s->zoo ? "top1_delta" : "rel_l2";
    snprintf(out->metric, sizeof out->metric, "%s", metric);
    int64_t count = s->eval_count < EB_SENSITIVITY_MAX_EVAL ? s->eval_count : EB_SENSITIVITY_MAX_EVAL;
    eb_graph *base = NULL;
    eb_tensor *bvals = NULL;
    double base_top1 = 0;
    eb_status st = load_graph(s, &base, err);
    if (st == EB_OK)
        st = measure(s, base, count, &base_top1, &bvals, err);
    if (st == EB_OK && !(out->layers = calloc((size_t)n + 1, sizeof *out->layers)))
        st = eb_errf(err, EB_ENOMEM, "out of memory for the sensitivity");
    for (int i = 0; st == EB_OK && i < n; i++) {
        /* what the full compression changed: a stored format, or channels removed */
        if (strcmp(layers[i].storage, "dense") == 0 && layers[i].channels_after == layers[i].channels_before)
            continue;
        eb_graph *g = NULL;
        eb_tensor *vals = NULL;
        double top1 = 0;
        eb_transform_opts xo = {.shape = s->shape, .eval = eb_ref_eval, .n_calib = s->n_calib, .calib = s->calib,
                                .only_node = layers[i].node};
        st = load_graph(s, &g, err);
        if (st == EB_OK)
            st = eb_graph_compress(g, s->spec, &xo, NULL, err);
        if (st == EB_OK)
            st = measure(s, g, count, &top1, &vals, err);
        if (st == EB_OK) {
            eb_layer_cost *c = &out->layers[out->n_layers++];
            snprintf(c->node, sizeof c->node, "%s", layers[i].node);
            snprintf(c->op, sizeof c->op, "%s", layers[i].op);
            snprintf(c->metric, sizeof c->metric, "%s", metric);
            c->value = s->zoo ? top1 - base_top1 : outputs_rel_l2(base, bvals, g, vals);
        } else {
            char where[160];
            snprintf(where, sizeof where, "layer %.128s alone", layers[i].node);
            st = eb_err_prefix(err, st, where);
        }
        if (vals)
            eb_graph_values_free(g, vals);
        eb_graph_free(g);
    }
    if (bvals)
        eb_graph_values_free(base, bvals);
    eb_graph_free(base);
    if (st != EB_OK) {
        free(out->layers);
        out->layers = NULL;
        out->n_layers = 0;
        snprintf(out->reason, sizeof out->reason, "%.159s", err->msg);
        return st;
    }
    out->eval_images = s->zoo ? count : 0;
    out->baseline = s->zoo ? base_top1 : 0;
    out->available = true;
    eb_sensitivity_rank(out, s->spec);
    return EB_OK;
}
