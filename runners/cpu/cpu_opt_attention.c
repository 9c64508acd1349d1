/* cpu_opt_attention.c - scaled dot-product attention as one step
 * (ST_ATTENTION, attention_f32.h) at opt=2, as the exporters write it out:
 *
 *   s = MatMul(Q, KT)                    KT: K transposed, [..., d, n]
 *   s = Mul(s, c) | Div(s, c)            optional, c a constant scalar
 *   s = Where(cond, fill, s) | Where(cond, s, fill)
 *                                        optional: a causal mask (masked_fill,
 *                                        torch.where), fill a constant scalar
 *   s = Add(s, mask) | Add(mask, s)      optional, mask broadcast to s
 *   p = Softmax(s)                       over the last axis
 *   y = MatMul(p, V)                     V: [..., n, dv]
 *
 * Checked: every value in between is read only by the next node of the
 * pattern and is no graph output; the values f32 (cond bool); the batch
 * dims of Q, KT and V broadcast to y's.  The step runs in the first
 * MatMul's place when V and the masks are computed by then; otherwise
 * (a decoder that builds its causal mask after the scores) the pattern's
 * nodes are set aside there and the step runs in the last MatMul's place,
 * where everything it reads is computed.  It never holds more than a
 * block of rows of the scores. */
#include "runners/cpu/cpu_plan.h"

#include <string.h>

typedef struct match {
    int mm1, sc, wh, add, sm, mm2;  /* nodes, -1 absent */
    int q, kt, v, cond, mask, s;    /* values: inputs, the scores */
    float scale, fill;
    bool fill_when;
} match;

/* The one node that reads v and is part of the pattern: not yet planned,
 * or set aside for the step at node `tail` (>= 0). */
static int reader(const eb_plan *p, int v, eb_op op, int tail)
{
    if (v < 0 || p->is_output[v] || n_consumers(p, v) != 1)
        return -1;
    int c = p->cons[p->cons_off[v]];
    const eb_node *n = &p->g->nodes[c];
    if (n->op != op || !single_output(n) || (p->node_done[c] && (tail < 0 || p->fused_head[c] != tail)))
        return -1;
    return c;
}

/* Whether value v is computed by the time node ni runs. */
static bool ready_at(const eb_plan *p, int v, int ni)
{
    int pr = p->g->values[p->pv[v].gv].producer;
    return pr < 0 || (pr < ni && (!p->node_done[pr] || p->fused_head[pr] < ni));
}

/* The pattern from MatMul node mm1 (nodes set aside for `tail` count as
 * free); false when it is not there. */
static bool match_from(const eb_plan *p, int mm1, int tail, match *m)
{
    const eb_node *nodes = p->g->nodes, *n = &nodes[mm1];
    *m = (match){mm1, -1, -1, -1, -1, -1, n->in[0], n->in[1], -1, -1, -1, n->out[0], 1.0f, 0.0f, false};
    if (!is_f32(&p->pv[m->q].t) || !is_f32(&p->pv[m->kt].t) || const_tensor(p, m->q) || const_tensor(p, m->kt))
        return false;
    int cur = m->s;
    float c;
    if ((m->sc = reader(p, cur, EB_OP_MUL, tail)) < 0)
        m->sc = reader(p, cur, EB_OP_DIV, tail);
    if (m->sc >= 0) {
        n = &nodes[m->sc];
        int other = n->in[0] == cur ? n->in[1] : n->in[0];
        if (!const_scalar(p, other, &c) || (n->op == EB_OP_DIV && (n->in[0] != cur || c == 0.0f)))
            return false;
        m->scale = n->op == EB_OP_DIV ? 1.0f / c : c;
        cur = n->out[0];
    }
    if ((m->wh = reader(p, cur, EB_OP_WHERE, tail)) >= 0) {
        n = &nodes[m->wh];
        int fill = n->in[1] == cur ? n->in[2] : n->in[1];
        m->cond = n->in[0];
        m->fill_when = n->in[2] == cur;
        if (n->in[1] == n->in[2] || m->cond == cur || !const_scalar(p, fill, &m->fill) ||
            p->pv[m->cond].t.dtype != EB_DT_BOOL)
            return false;
        cur = n->out[0];
    }
    if ((m->add = reader(p, cur, EB_OP_ADD, tail)) >= 0) {
        n = &nodes[m->add];
        m->mask = n->in[0] == cur ? n->in[1] : n->in[0];
        if (m->mask == cur || !is_f32(&p->pv[m->mask].t))
            return false;
        cur = n->out[0];
    }
    int axis;
    if ((m->sm = reader(p, cur, EB_OP_SOFTMAX, tail)) < 0)
        return false;
    n = &nodes[m->sm];
    if (!eb_norm_axis(eb_attr_int(n, "axis", n->opset < 13 ? 1 : -1), p->pv[cur].t.rank, &axis) ||
        axis != p->pv[cur].t.rank - 1)
        return false;
    if ((m->mm2 = reader(p, n->out[0], EB_OP_MATMUL, -1)) < 0 || nodes[m->mm2].in[0] != n->out[0])
        return false;
    m->v = nodes[m->mm2].in[1];
    /* the values in between: f32, the scores' shape */
    const int between[] = {m->s, m->sc, m->wh, m->add, m->sm};
    for (size_t k = 0; k < sizeof between / sizeof between[0]; k++) {
        const eb_tensor *t = between[k] < 0 ? NULL : &p->pv[k ? nodes[between[k]].out[0] : m->s].t;
        if (t && (!is_f32(t) || !eb_tensor_same_shape(t, &p->pv[m->s].t)))
            return false;
    }
    return true;
}

/* The batch dims of t (all but the last two), as a shape-only tensor. */
static eb_tensor batch_dims(const eb_tensor *t)
{
    eb_tensor b = {.dtype = EB_DT_F32, .rank = t->rank - 2};
    memcpy(b.shape, t->shape, sizeof(int64_t) * (size_t)b.rank);
    return b;
}

/* A mask of value v broadcast to the scores s; false when it is not. */
static bool mask_of(const eb_plan *p, int v, const eb_tensor *s, eb_attn_mask *mk)
{
    const eb_tensor *t = &p->pv[v].t;
    int64_t full[EB_MAX_RANK];
    if (t->rank > s->rank)
        return false;
    for (int d = 0; d < t->rank; d++) {
        int64_t td = t->shape[d], sd = s->shape[s->rank - t->rank + d];
        if (td != sd && td != 1)
            return false;
    }
    eb_broadcast_strides(t, s, full);
    mk->on = true;
    memcpy(mk->srow, full, sizeof(int64_t) * (size_t)(s->rank - 1));
    mk->col = full[s->rank - 1];
    return true;
}

/* The kernel's geometry; false when the shapes do not fit it. */
static bool geometry(const eb_plan *p, const match *m, eb_attention *a)
{
    const eb_tensor *q = &p->pv[m->q].t, *kt = &p->pv[m->kt].t, *v = &p->pv[m->v].t, *s = &p->pv[m->s].t;
    const eb_tensor *y = &p->pv[p->g->nodes[m->mm2].out[0]].t;
    if (q->rank < 2 || kt->rank < 2 || v->rank < 2 || s->rank != y->rank || !is_f32(v) || !is_f32(y))
        return false;
    a->m = q->shape[q->rank - 2];
    a->d = q->shape[q->rank - 1];
    a->n = kt->shape[kt->rank - 1];
    a->dv = v->shape[v->rank - 1];
    if (kt->shape[kt->rank - 2] != a->d || v->shape[v->rank - 2] != a->n || a->d < 1 || a->n < 1 ||
        a->m > INT32_MAX || a->d > INT32_MAX || a->n > INT32_MAX || a->dv > INT32_MAX)
        return false;
    eb_tensor qb = batch_dims(q), kb = batch_dims(kt), vb = batch_dims(v), yb = batch_dims(y);
    const eb_tensor *bs[3] = {&qb, &kb, &vb};
    eb_err err;
    a->yb = (eb_tensor){.dtype = EB_DT_F32};
    if (eb_broadcast_shapes("Attention", bs, 3, &a->yb, &err) != EB_OK || !eb_tensor_same_shape(&yb, &a->yb) ||
        y->shape[y->rank - 2] != a->m || y->shape[y->rank - 1] != a->dv)
        return false;
    eb_broadcast_strides(&qb, &a->yb, a->sq);
    eb_broadcast_strides(&kb, &a->yb, a->sk);
    eb_broadcast_strides(&vb, &a->yb, a->sv);
    a->batches = eb_tensor_numel(&a->yb);
    a->rows = (eb_tensor){.dtype = EB_DT_F32, .rank = s->rank - 1};
    memcpy(a->rows.shape, s->shape, sizeof(int64_t) * (size_t)a->rows.rank);
    if ((m->cond >= 0 && !mask_of(p, m->cond, s, &a->sel)) || (m->mask >= 0 && !mask_of(p, m->mask, s, &a->add)))
        return false;
    a->scale = m->scale;
    a->fill = m->fill;
    a->fill_when = m->fill_when;
    a->block = eb_attention_block(a->n);
    a->exp_sum = eb_kernel_pick(EB_KERNEL_SOFTMAX, p->isa)->fn.softmax;
    a->isa = p->isa;
    return true;
}

/* The step, at the node being planned (mm1 or, set aside, mm2). */
static bool emit(eb_plan *p, const match *m, const eb_attention *a, eb_status *st, eb_err *err)
{
    int ins[5] = {m->q, m->kt, m->v, m->cond, m->mask};
    for (int k = 0; k < 5; k++)
        if (ins[k] >= 0 && (ins[k] = eb_cpu_want_layout(p, ins[k], LAY_NCHW, err)) < 0) {
            *st = EB_ENOMEM;
            return false;
        }
    step *s = eb_cpu_new_step(p, ST_ATTENTION, p->planning, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->attn = *a;
    s->n_in = 5;
    memcpy(s->in, ins, sizeof ins);
    s->n_out = 1;
    s->out[0] = p->g->nodes[m->mm2].out[0];
    s->scratch_bytes = sizeof(float) * eb_attention_scratch_floats(a, p->threads);
    const int nodes[] = {m->mm1, m->sc, m->wh, m->add, m->sm, m->mm2};
    for (size_t k = 0; k < sizeof nodes / sizeof nodes[0]; k++)
        if (nodes[k] >= 0 && nodes[k] != p->planning) {
            fuse_node(p, nodes[k]);
            if (nodes[k] != m->mm2)
                p->pv[p->g->nodes[nodes[k]].out[0]].fused = true;
        }
    eb_cpu_note_fusion(p, "Attention");
    return true;
}

/* Node ni (a MatMul) closes a pattern set aside for it: its first MatMul. */
static int set_aside_head(const eb_plan *p, int ni)
{
    const eb_graph *g = p->g;
    int v = g->nodes[ni].in[0];
    for (int hops = 0; hops < 5; hops++) {
        int pr = g->values[p->pv[v].gv].producer;
        if (pr < 0 || !p->node_done[pr] || p->fused_head[pr] != ni)
            return -1;
        const eb_node *n = &g->nodes[pr];
        if (n->op == EB_OP_MATMUL)
            return pr;
        int next = -1; /* the input of n on the chain: the one set aside too */
        for (int k = 0; k < n->n_in && next < 0; k++) {
            int ik = n->in[k], ipr = ik >= 0 ? g->values[p->pv[ik].gv].producer : -1;
            if (ipr >= 0 && p->node_done[ipr] && p->fused_head[ipr] == ni)
                next = ik;
        }
        if (next < 0)
            return -1;
        v = next;
    }
    return -1;
}

bool eb_cpu_fuse_attention(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    if (p->g->nodes[ni].op != EB_OP_MATMUL)
        return false;
    match m;
    eb_attention a = {0};
    int head = set_aside_head(p, ni);
    if (head >= 0) { /* everything it reads is computed now */
        if (match_from(p, head, ni, &m) && m.mm2 == ni && geometry(p, &m, &a))
            return emit(p, &m, &a, st, err);
        /* the nodes set aside would never run: an error, not a wrong answer */
        *st = eb_errf(err, EB_EUNSUPPORTED, "cpu: the attention set aside at node %d no longer matches", head);
        return false;
    }
    if (!match_from(p, ni, -1, &m) || !geometry(p, &m, &a))
        return false;
    const int late[] = {m.v, m.cond, m.mask};
    bool now = true;
    for (int k = 0; k < 3; k++)
        now = now && (late[k] < 0 || ready_at(p, late[k], ni));
    if (now)
        return emit(p, &m, &a, st, err);
    /* set the pattern aside for its last MatMul (its inputs are computed
     * by then, the graph being in topological order) */
    const int nodes[] = {m.mm1, m.sc, m.wh, m.add, m.sm};
    for (size_t k = 0; k < sizeof nodes / sizeof nodes[0]; k++)
        if (nodes[k] >= 0) {
            p->node_done[nodes[k]] = true;
            p->fused_head[nodes[k]] = m.mm2;
        }
    return true;
}

eb_status eb_cpu_exec_attention(eb_plan *p, const step *s, eb_err *err)
{
    const eb_attention *a = &s->attn;
    float *scratch = (float *)((char *)p->arena + p->items[s->scratch_item].offset);
    const void *cond = s->in[3] >= 0 ? p->pv[s->in[3]].t.data : NULL;
    const void *mask = s->in[4] >= 0 ? p->pv[s->in[4]].t.data : NULL;
    eb_status st = eb_attention_f32(a, p->pv[s->in[0]].t.data, p->pv[s->in[1]].t.data, p->pv[s->in[2]].t.data, cond,
                                    mask, p->pv[s->out[0]].t.data, scratch, p->tp);
    return st == EB_OK ? EB_OK : eb_errf(err, st, "Attention: out of memory packing K and V");
}
