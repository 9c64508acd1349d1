/* ref_runner.c - the `ref` runner: the reference kernels, one node at a
 * time, single-threaded, fp32, and every compressed format the reference
 * kernels compute on (reference_kernels/ref_quant.h).  It is the oracle the other
 * runners and every compressed variant are compared against, so it stays
 * simple: one buffer per intermediate value, no reuse, no fusion.  Its
 * kernels are plain C, recorded as isa "c"; the keys of other runners
 * (threads, isa, opt, gemm, math) away from their defaults are refused
 * (unsupported, with the reason: eb_runner_keys_default), not ignored, so
 * that a result never claims a setting that did not apply.  Its profile() times
 * each node it runs (one entry per node, folded constants excluded). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reference_kernels/ref.h"
#include "models/storage.h"
#include "runners/runner.h"

struct eb_plan {
    const eb_graph *g;
    eb_tensor *vals;          /* one per graph value; constants borrow graph data */
    const eb_tensor **in;     /* scratch argument arrays for the widest node */
    eb_tensor **out;
    eb_plan_info info;
};

static bool ref_supports(const eb_graph *g, const eb_variant *v, char *why, size_t n)
{
    return eb_runner_keys_default("ref", v, 0, why, n) && eb_runner_ops_known(g, why, n);
}

static void ref_release(eb_plan *p)
{
    if (!p)
        return;
    for (int i = 0; p->vals && i < p->g->n_values; i++)
        if (!p->g->values[i].is_const)
            eb_tensor_free_data(&p->vals[i]);
    free(p->vals);
    free(p->in);
    free(p->out);
    free(p);
}

static eb_status ref_prepare(const eb_graph *g, const eb_variant *v, eb_plan **out, eb_err *err)
{
    (void)v;
    *out = NULL;
    eb_status cs = eb_runner_check_storage(g, err); /* run() trusts every storage */
    if (cs != EB_OK)
        return eb_err_prefix(err, cs, g->path);
    eb_plan *p = calloc(1, sizeof *p);
    int max_io = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        max_io = g->nodes[i].n_in > max_io ? g->nodes[i].n_in : max_io;
        max_io = g->nodes[i].n_out > max_io ? g->nodes[i].n_out : max_io;
    }
    if (!p || !(p->vals = calloc((size_t)g->n_values + 1, sizeof *p->vals)) ||
        !(p->in = calloc((size_t)max_io, sizeof *p->in)) || !(p->out = calloc((size_t)max_io, sizeof *p->out))) {
        ref_release(p);
        return eb_errf(err, EB_ENOMEM, "%s: ref: out of memory", g->path);
    }
    p->g = g;
    p->info.scratch_bytes = (size_t)max_io * (sizeof *p->in + sizeof *p->out); /* the argument arrays */
    for (int i = 0; i < g->n_values; i++) {
        const eb_value *val = &g->values[i];
        if (!val->shape_known)
            continue; /* produced by nothing we run (an unused optional output) */
        p->vals[i] = val->t;
        if (val->is_const) {
            p->info.weight_bytes += (size_t)eb_tensor_stored_bytes(&val->t);
            continue;
        }
        p->vals[i].data = NULL;
        eb_status st = eb_tensor_alloc(&p->vals[i], val->name, err);
        if (st != EB_OK) {
            ref_release(p);
            return eb_err_prefix(err, st, g->path);
        }
        if (!val->is_input)
            p->info.activation_bytes += eb_tensor_nbytes(&val->t);
    }
    *out = p;
    return EB_OK;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* One inference; with times (profile()), each node is timed too, and the
 * node count goes to *n_times.  run() passes NULL: no clock is read. */
static eb_status run_nodes(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max,
                           int *n_times, eb_err *err)
{
    const eb_graph *g = p->g;
    int k = 0;
    for (int i = 0; i < g->n_inputs; i++) /* an empty input (a KV cache's past of length 0) has no data */
        if (eb_tensor_nbytes(&p->vals[g->inputs[i]]) > 0)
            memcpy(p->vals[g->inputs[i]].data, in[i].data, eb_tensor_nbytes(&p->vals[g->inputs[i]]));
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        if (n->folded)
            continue;
        for (int j = 0; j < n->n_in; j++)
            p->in[j] = n->in[j] >= 0 ? &p->vals[n->in[j]] : NULL;
        for (int j = 0; j < n->n_out; j++)
            p->out[j] = n->out[j] >= 0 ? &p->vals[n->out[j]] : NULL;
        double t0 = times ? now_ms() : 0;
        eb_status st = eb_ref_eval(n, p->in, p->out, err);
        if (times)
            eb_node_time_set(times, max, k++, n->name, n->op_type, now_ms() - t0);
        if (st != EB_OK) {
            char where[256];
            snprintf(where, sizeof where, "%s: node %d '%.80s' (%.60s)", g->path, i, n->name, n->op_type);
            return eb_err_prefix(err, st, where);
        }
    }
    for (int i = 0; i < g->n_outputs; i++)
        memcpy(out[i].data, p->vals[g->outputs[i]].data, eb_tensor_nbytes(&p->vals[g->outputs[i]]));
    if (n_times)
        *n_times = k;
    return EB_OK;
}

static eb_status ref_run(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_err *err)
{
    return run_nodes(p, in, out, NULL, 0, NULL, err);
}

static eb_status ref_profile(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max, int *n,
                             eb_err *err)
{
    static eb_node_time none; /* a place to point at when max is 0 */
    return run_nodes(p, in, out, times ? times : &none, times ? max : 0, n, err);
}

static void ref_info(const eb_plan *p, eb_plan_info *out)
{
    *out = p->info;
    snprintf(out->isa, sizeof out->isa, "c");
}

const eb_runner eb_runner_ref = {
    .name = "ref",
    .description = "reference kernels: single-threaded fp32, the accuracy baseline",
    .supports = ref_supports,
    .prepare = ref_prepare,
    .run = ref_run,
    .info = ref_info,
    .release = ref_release,
    .profile = ref_profile,
    .devices = eb_runner_host_devices,
};
