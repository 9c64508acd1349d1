/* cpu_exec.c - executing the cpu runner's plan: the run loop (inputs in,
 * each step through its kind's exec (cpu_steps.c), outputs out, optionally
 * timed per step), and the profile's per-step labels (a step is named after the nodes it
 * executes; a layout conversion after the value it converts). */
#include "runners/cpu/cpu_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* One inference; with times (profile()), each step is timed too, into
 * times[si].ms.  run() passes NULL: no clock is read. */
eb_status eb_cpu_run_steps(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, eb_err *err)
{
    const eb_graph *g = p->g;
    for (int i = 0; i < g->n_inputs; i++) {
        const pval *v = &p->pv[g->inputs[i]];
        if (v->t.data && !v->is_const && eb_tensor_nbytes(&v->t) > 0) /* empty: a KV cache's past of length 0 */
            memcpy(v->t.data, in[i].data, eb_tensor_nbytes(&v->t));
    }
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        double t0 = times ? now_ms() : 0;
        eb_status st = eb_cpu_steps[s->kind].exec(p, s, err);
        if (times)
            times[si].ms = now_ms() - t0;
        if (st != EB_OK) {
            char where[256];
            if (s->node >= 0)
                snprintf(where, sizeof where, "%s: node %d '%.80s' (%.60s)", g->path, s->node, g->nodes[s->node].name,
                         g->nodes[s->node].op_type);
            else
                snprintf(where, sizeof where, "%s: layout conversion", g->path);
            return eb_err_prefix(err, st, where);
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const pval *v = &p->pv[g->outputs[i]];
        if (v->layout == LAY_NHWC && !layout_neutral(&v->t)) {
            const eb_tensor *t = &v->t;
            eb_layout_nhwc_to_nchw_f32((int)t->shape[0], (int)t->shape[1], (int)(t->shape[2] * t->shape[3]), t->data,
                                       out[i].data, p->tp);
        } else if (v->t.data) {
            memcpy(out[i].data, v->t.data, eb_tensor_nbytes(&v->t));
        }
    }
    return EB_OK;
}

/* Appends "+part" (or part, first) to buf[n]; false when it no longer fits. */
static bool join(char *buf, size_t n, const char *part)
{
    size_t len = strlen(buf);
    int w = snprintf(buf + len, n - len, "%s%s", len ? "+" : "", part);
    return w >= 0 && (size_t)w < n - len;
}

/* The name and op of every step: its head node and, on the last step of
 * that head, the nodes fused into it, in graph order; a conversion is
 * named after the value it converts. */
eb_status eb_cpu_build_labels(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    int *last = malloc(((size_t)g->n_nodes + 1) * sizeof *last);
    p->labels = calloc((size_t)p->n_steps + 1, sizeof *p->labels);
    char *name = malloc(4096), *op = malloc(1024);
    eb_status st = EB_OK;
    if (!last || !p->labels || !name || !op) {
        free(p->labels);
        p->labels = NULL;
        st = eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory for the profile", g->path);
        goto done;
    }
    for (int i = 0; i < g->n_nodes; i++)
        last[i] = -1;
    for (int si = 0; si < p->n_steps; si++)
        if (p->steps[si].node >= 0)
            last[p->steps[si].node] = si;
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        name[0] = op[0] = '\0';
        if (s->node < 0) {
            int gv = p->pv[s->in[0]].gv;
            snprintf(name, 4096, "%s %.200s", s->kind == ST_TO_NHWC ? "to NHWC:" : "to NCHW:",
                     gv >= 0 ? g->values[gv].name : "?");
            snprintf(op, 1024, "(layout)");
        } else {
            join(name, 4096, g->nodes[s->node].name);
            join(op, 1024, g->nodes[s->node].op_type);
            for (int j = s->node + 1; last[s->node] == si && j < g->n_nodes; j++)
                if (p->node_done[j] && p->fused_head[j] == s->node) {
                    join(name, 4096, g->nodes[j].name);
                    join(op, 1024, g->nodes[j].op_type);
                }
        }
        eb_node_time_set(p->labels, p->n_steps, si, name, op, 0);
    }
done:
    free(last);
    free(name);
    free(op);
    return st;
}
