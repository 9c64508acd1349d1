/* cpu_plan.c - building the cpu runner's plan: the steps and buffers
 * (cpu_plan.h), the conversions between NCHW and NHWC, a node's 2-D window,
 * and the walk over the graph that hands each node to its op's planner
 * (cpu_plan_<family>.c), or to the reference fallback when none takes it. */
#include "runners/cpu/cpu_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

eb_status eb_cpu_grow(void **arr, int *cap, int need, size_t elem, eb_err *err)
{
    if (need <= *cap)
        return EB_OK;
    int nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *na = realloc(*arr, (size_t)nc * elem);
    if (!na)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory building the plan");
    memset((char *)na + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
    *arr = na;
    *cap = nc;
    return EB_OK;
}

step *eb_cpu_new_step(eb_plan *p, step_kind kind, int node, eb_err *err)
{
    if (eb_cpu_grow((void **)&p->steps, &p->cap_steps, p->n_steps + 1, sizeof(step), err) != EB_OK)
        return NULL;
    step *s = &p->steps[p->n_steps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->node = node;
    s->scratch_item = -1;
    for (int k = 0; k < MAX_STEP_IO; k++)
        s->in[k] = s->out[k] = -1;
    return s;
}

/* The pval holding v in layout `want`, adding a conversion step (once per
 * value) when v is stored in the other one. */
int eb_cpu_want_layout(eb_plan *p, int v, lay want, eb_err *err)
{
    if (v < 0 || p->pv[v].is_const || p->pv[v].layout == want || layout_neutral(&p->pv[v].t))
        return v;
    if (p->pv[v].twin >= 0)
        return p->pv[v].twin;
    if (eb_cpu_grow((void **)&p->pv, &p->cap_pv, p->n_pv + 1, sizeof(pval), err) != EB_OK)
        return -2;
    int t = p->n_pv++;
    p->pv[t] = p->pv[v];
    p->pv[t].gv = -1;
    p->pv[t].layout = want;
    p->pv[t].twin = v;
    p->pv[t].alias = -1;
    p->pv[t].alias_off = 0;
    p->pv[v].twin = t;
    step *s = eb_cpu_new_step(p, want == LAY_NHWC ? ST_TO_NHWC : ST_TO_NCHW, -1, err);
    if (!s)
        return -2;
    s->n_in = s->n_out = 1;
    s->in[0] = v;
    s->out[0] = t;
    return t;
}

/* A step with one input, x (converted to layout `want` first when it is
 * stored in the other one), and one output, y.  NULL, with *st set, when
 * out of memory. */
step *eb_cpu_one_in_one_out(eb_plan *p, step_kind kind, int ni, int xv, lay want, int yv, eb_status *st,
                            eb_err *err)
{
    int xin = eb_cpu_want_layout(p, xv, want, err);
    step *s = xin < 0 ? NULL : eb_cpu_new_step(p, kind, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return NULL;
    }
    s->n_in = s->n_out = 1;
    s->in[0] = xin;
    s->out[0] = yv;
    return s;
}

/* ---- window geometry from a node ---------------------------------------------- */

/* eb_attr_ints_range as a yes/no for the fast kernels, which also want
 * every value small enough for their window arithmetic in int. */
bool eb_cpu_attr_ints2(const eb_node *n, const char *name, int count, int64_t def, int64_t *v)
{
    eb_err ignored;
    if (eb_attr_ints_range(n, name, count, def, 0, v, &ignored) != EB_OK)
        return false;
    for (int i = 0; i < count; i++)
        if (v[i] > 1 << 20)
            return false;
    return true;
}

/* 2-D window of a Conv or pool node from x's and y's shapes (y is what
 * shape inference gave) and the kernel size; false for what the fast
 * kernels do not take. */
bool eb_cpu_window_of(const eb_node *n, const eb_tensor *x, const eb_tensor *y, int kh, int kw, eb_win2d *w)
{
    if (x->rank != 4 || y->rank != 4)
        return false;
    for (int d = 0; d < 4; d++)
        if (x->shape[d] < 1 || x->shape[d] > INT32_MAX / 4 || y->shape[d] < 1 || y->shape[d] > INT32_MAX / 4)
            return false;
    int64_t st[2], dil[2], pads[4];
    if (!eb_cpu_attr_ints2(n, "strides", 2, 1, st) || !eb_cpu_attr_ints2(n, "dilations", 2, 1, dil) ||
        !eb_cpu_attr_ints2(n, "pads", 4, 0, pads))
        return false;
    if (st[0] < 1 || st[1] < 1 || dil[0] < 1 || dil[1] < 1)
        return false;
    memset(w, 0, sizeof *w);
    w->n = (int)x->shape[0];
    w->c = (int)x->shape[1];
    w->h = (int)x->shape[2];
    w->w = (int)x->shape[3];
    w->oh = (int)y->shape[2];
    w->ow = (int)y->shape[3];
    w->kh = kh;
    w->kw = kw;
    w->sh = (int)st[0];
    w->sw = (int)st[1];
    w->dh = (int)dil[0];
    w->dw = (int)dil[1];
    const char *ap = eb_attr_string(n, "auto_pad", "NOTSET");
    bool upper = strcmp(ap, "SAME_UPPER") == 0, lower = strcmp(ap, "SAME_LOWER") == 0;
    if (upper || lower) {
        int64_t ins[2] = {w->h, w->w}, outs[2] = {w->oh, w->ow}, k[2] = {kh, kw};
        int64_t b[2], e[2];
        for (int d = 0; d < 2; d++) {
            int64_t total = (outs[d] - 1) * st[d] + (k[d] - 1) * dil[d] + 1 - ins[d];
            if (total < 0)
                total = 0;
            b[d] = upper ? total / 2 : total - total / 2;
            e[d] = total - b[d];
        }
        w->pt = (int)b[0], w->pl = (int)b[1], w->pb = (int)e[0], w->pr = (int)e[1];
    } else if (strcmp(ap, "VALID") != 0) {
        w->pt = (int)pads[0], w->pl = (int)pads[1], w->pb = (int)pads[2], w->pr = (int)pads[3];
    }
    return true;
}

eb_status eb_cpu_plan_ref(eb_plan *p, int ni, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int *ins = malloc(sizeof(int) * (size_t)(n->n_in + 1)), *outs = malloc(sizeof(int) * (size_t)(n->n_out + 1));
    if (!ins || !outs) {
        free(ins);
        free(outs);
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    }
    /* conversions first: they run before the node */
    for (int k = 0; k < n->n_in; k++)
        if ((ins[k] = eb_cpu_want_layout(p, n->in[k], LAY_NCHW, err)) < -1) {
            free(ins);
            free(outs);
            return EB_ENOMEM;
        }
    for (int k = 0; k < n->n_out; k++) {
        int v = n->out[k];
        outs[k] = v >= 0 && p->g->values[v].shape_known ? v : -1;
    }
    step *s = eb_cpu_new_step(p, ST_REF, ni, err);
    if (!s) {
        free(ins);
        free(outs);
        return EB_ENOMEM;
    }
    s->ref_in = ins;
    s->ref_out = outs;
    return eb_fallback_prepare(&p->fb, p->g, ni, err);
}

/* ---- building the plan -------------------------------------------------------- */

eb_status eb_cpu_build_consumers(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    p->cons_off = calloc((size_t)g->n_values + 2, sizeof(int));
    p->is_output = calloc((size_t)g->n_values + 1, sizeof(bool));
    p->node_done = calloc((size_t)g->n_nodes + 1, sizeof(bool));
    p->fused_head = calloc((size_t)g->n_nodes + 1, sizeof(int));
    int total = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (!g->nodes[i].folded)
            total += g->nodes[i].n_in;
    p->cons = malloc(sizeof(int) * (size_t)(total + 1));
    if (!p->cons_off || !p->is_output || !p->node_done || !p->fused_head || !p->cons)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    for (int i = 0; i < g->n_outputs; i++)
        p->is_output[g->outputs[i]] = true;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; !g->nodes[i].folded && k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] >= 0)
                p->cons_off[g->nodes[i].in[k] + 1]++;
    for (int v = 0; v < g->n_values; v++)
        p->cons_off[v + 1] += p->cons_off[v];
    int *fill = calloc((size_t)g->n_values + 1, sizeof(int));
    if (!fill)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; !g->nodes[i].folded && k < g->nodes[i].n_in; k++) {
            int v = g->nodes[i].in[k];
            if (v >= 0)
                p->cons[p->cons_off[v] + fill[v]++] = i;
        }
    free(fill);
    return EB_OK;
}

/* The planners of each op, tried in turn (MatMul: one GEMM over a 2-D B,
 * else per batch matrix); ops without a row that eb_unary_supported takes
 * go to the unary planner, the rest to the reference fallback. */
enum { MAX_PLANNERS = 3 };
typedef bool (*eb_cpu_planner)(eb_plan *p, int ni, eb_status *st, eb_err *err);
static const eb_cpu_planner PLANNERS[EB_OP_COUNT][MAX_PLANNERS] = {
    [EB_OP_CONV] = {eb_cpu_plan_compressed, eb_cpu_plan_conv},
    [EB_OP_MAX_POOL] = {eb_cpu_plan_pool},
    [EB_OP_AVERAGE_POOL] = {eb_cpu_plan_pool},
    [EB_OP_GLOBAL_AVG_POOL] = {eb_cpu_plan_gpool},
    [EB_OP_GLOBAL_MAX_POOL] = {eb_cpu_plan_gpool},
    [EB_OP_GEMM] = {eb_cpu_plan_compressed, eb_cpu_plan_gemm},
    [EB_OP_MATMUL] = {eb_cpu_plan_compressed, eb_cpu_plan_gemm, eb_cpu_plan_matmul_batched},
    [EB_OP_ADD] = {eb_cpu_plan_binary},
    [EB_OP_SUB] = {eb_cpu_plan_binary},
    [EB_OP_MUL] = {eb_cpu_plan_binary},
    [EB_OP_DIV] = {eb_cpu_plan_binary},
    [EB_OP_SOFTMAX] = {eb_cpu_plan_softmax},
    [EB_OP_LOG_SOFTMAX] = {eb_cpu_plan_softmax},
    [EB_OP_LAYER_NORM] = {eb_cpu_plan_layernorm},
    [EB_OP_TRANSPOSE] = {eb_cpu_plan_transpose},
    [EB_OP_CONCAT] = {eb_cpu_plan_concat_split},
    [EB_OP_SPLIT] = {eb_cpu_plan_split_view, eb_cpu_plan_concat_split},
    [EB_OP_GATHER] = {eb_cpu_plan_gather},
    [EB_OP_RESHAPE] = {eb_cpu_plan_view},
    [EB_OP_FLATTEN] = {eb_cpu_plan_view},
    [EB_OP_SQUEEZE] = {eb_cpu_plan_view},
    [EB_OP_UNSQUEEZE] = {eb_cpu_plan_view},
    [EB_OP_IDENTITY] = {eb_cpu_plan_view},
    [EB_OP_DROPOUT] = {eb_cpu_plan_view},
    /* op coverage, group opsB */
    [EB_OP_LSTM] = {eb_cpu_plan_rnn},
    [EB_OP_GRU] = {eb_cpu_plan_rnn},
    [EB_OP_RNN] = {eb_cpu_plan_rnn},
    [EB_OP_RESIZE] = {eb_cpu_plan_resize},
    [EB_OP_UPSAMPLE] = {eb_cpu_plan_resize},
    [EB_OP_CONV_TRANSPOSE] = {eb_cpu_plan_conv_transpose},
    /* cpuops */
    [EB_OP_BATCH_NORM] = {eb_cpu_plan_batchnorm},
    [EB_OP_REDUCE_MEAN] = {eb_cpu_plan_reduce},
    [EB_OP_REDUCE_SUM] = {eb_cpu_plan_reduce},
    [EB_OP_REDUCE_MAX] = {eb_cpu_plan_reduce},
    [EB_OP_REDUCE_MIN] = {eb_cpu_plan_reduce},
    [EB_OP_SLICE] = {eb_cpu_plan_slice},
    [EB_OP_PAD] = {eb_cpu_plan_pad},
    /* the graph optimizer's no-op removal and Pow by 2 or 0.5 (cpu_opt_*.c) come first */
    [EB_OP_POW] = {eb_cpu_plan_pow_const, eb_cpu_plan_pow},
    [EB_OP_EXPAND] = {eb_cpu_plan_expand_tile},
    [EB_OP_TILE] = {eb_cpu_plan_expand_tile},
    [EB_OP_CAST] = {eb_cpu_plan_cast_noop, eb_cpu_plan_cast},
    [EB_OP_EQUAL] = {eb_cpu_plan_compare},
    [EB_OP_LESS] = {eb_cpu_plan_compare},
    [EB_OP_LESS_OR_EQUAL] = {eb_cpu_plan_compare},
    [EB_OP_GREATER] = {eb_cpu_plan_compare},
    [EB_OP_GREATER_OR_EQUAL] = {eb_cpu_plan_compare},
    [EB_OP_WHERE] = {eb_cpu_plan_where},
    /* ops13: moves by position or index (cpu_plan_index.c) */
    [EB_OP_TRILU] = {eb_cpu_plan_index},
    [EB_OP_CUMSUM] = {eb_cpu_plan_index},
    [EB_OP_GATHER_ELEMENTS] = {eb_cpu_plan_index},
    [EB_OP_GATHER_ND] = {eb_cpu_plan_index},
    [EB_OP_SCATTER_ELEMENTS] = {eb_cpu_plan_index},
    [EB_OP_SCATTER] = {eb_cpu_plan_index},
    [EB_OP_SCATTER_ND] = {eb_cpu_plan_index},
    [EB_OP_TOP_K] = {eb_cpu_plan_index},
    [EB_OP_EINSUM] = {eb_cpu_plan_einsum},
};
static const eb_cpu_planner UNARY[MAX_PLANNERS] = {eb_cpu_plan_unary};
static const eb_cpu_planner NO_PLANNER[MAX_PLANNERS] = {NULL};
/* quantized nodes (eb_node_quant): the int8 kernels */
static const eb_cpu_planner QUANT_PLANNERS[EB_OP_COUNT][MAX_PLANNERS] = {
    [EB_OP_CONV] = {eb_cpu_plan_qconv},
    [EB_OP_GEMM] = {eb_cpu_plan_qgemm},
    [EB_OP_MATMUL] = {eb_cpu_plan_qgemm},
};

eb_status eb_cpu_build_steps(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        if (n->folded || p->node_done[i])
            continue;
        p->planning = i;
        eb_status st = EB_OK;
        bool fast = false;
        const eb_cpu_planner *pl = n->quant ? (QUANT_PLANNERS[n->op][0] ? QUANT_PLANNERS[n->op] : NO_PLANNER)
                                            : PLANNERS[n->op];
        if (!pl[0] && pl != NO_PLANNER && eb_unary_supported(n->op))
            pl = UNARY;
        /* opt=2's pattern fusions that start here (cpu_opt.c), then the
         * op's planners in turn, until one adds a step or fails */
        fast = !n->quant && eb_cpu_plan_patterns(p, i, &st, err);
        for (int k = 0; k < MAX_PLANNERS && pl[k] && !fast && st == EB_OK; k++)
            fast = pl[k](p, i, &st, err);
        if (st != EB_OK) {
            char where[200];
            snprintf(where, sizeof where, "%s: node %d '%.80s' (%.40s)", g->path, i, n->name, n->op_type);
            return eb_err_prefix(err, st, where);
        }
        if (!fast && (st = eb_cpu_plan_ref(p, i, err)) != EB_OK)
            return st;
    }
    /* a node set aside for a later one (cpu_opt_attention.c) runs only in
     * that node's step: one that never came is an error, not a node
     * silently left out */
    bool *heads = calloc((size_t)g->n_nodes + 1, sizeof(bool));
    if (!heads)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    for (int si = 0; si < p->n_steps; si++)
        if (p->steps[si].node >= 0)
            heads[p->steps[si].node] = true;
    for (int i = 0; i < g->n_nodes; i++)
        if (p->node_done[i] && p->fused_head[i] > i && !heads[p->fused_head[i]]) {
            free(heads);
            return eb_errf(err, EB_EUNSUPPORTED, "%s: node %d '%.80s' was set aside for node %d, which no step runs",
                           g->path, i, g->nodes[i].name, p->fused_head[i]);
        }
    free(heads);
    return EB_OK;
}
