/* cpu_opt_attention.c - scaled dot-product attention as one step
 * (ST_ATTENTION, attention_f32.h) at opt=2, as the exporters write it out:
 *
 *   s = MatMul(Q, KT)                    KT: K transposed, [..., d, n]
 *   s = Mul(s, c) | Div(s, c)            optional, c a constant scalar
 *   s = Add(s, mask) | Add(mask, s)      optional, mask broadcast to s
 *   p = Softmax(s)                       over the last axis
 *   y = MatMul(p, V)                     V: [..., n, dv]
 *
 * Checked: every value in between is read only by the next node of the
 * pattern and is no graph output; all f32; the batch dims of Q, KT and V
 * broadcast to y's; V and the mask are computed before the first MatMul
 * (the step runs in its place), which is where the exporters put them.
 * The fused step never holds more than a block of rows of the scores. */
#include "runners/cpu/cpu_plan.h"

#include <string.h>

static const eb_node *next_op(const eb_plan *p, int v, eb_op op)
{
    int c = sole_consumer(p, v);
    return c >= 0 && p->g->nodes[c].op == op && single_output(&p->g->nodes[c]) ? &p->g->nodes[c] : NULL;
}

/* Whether value v is computed by the time node ni runs. */
static bool ready_at(const eb_plan *p, int v, int ni)
{
    int pr = p->g->values[p->pv[v].gv].producer;
    return pr < 0 || (pr < ni && (!p->node_done[pr] || p->fused_head[pr] < ni));
}

/* The softmax over the last axis of an f32 tensor of `rank` dims. */
static bool last_axis_softmax(const eb_node *n, int rank)
{
    int axis;
    return n && eb_norm_axis(eb_attr_int(n, "axis", n->opset < 13 ? 1 : -1), rank, &axis) && axis == rank - 1;
}

/* The batch dims of t (all but the last two), as a shape-only tensor. */
static eb_tensor batch_dims(const eb_tensor *t)
{
    eb_tensor b = {.dtype = EB_DT_F32, .rank = t->rank - 2};
    memcpy(b.shape, t->shape, sizeof(int64_t) * (size_t)b.rank);
    return b;
}

/* Fills the kernel's geometry; false when the shapes do not fit it. */
static bool geometry(const eb_plan *p, int qv, int kv, int vv, int mv, int sv, int yv, eb_attention *a)
{
    const eb_tensor *q = &p->pv[qv].t, *kt = &p->pv[kv].t, *v = &p->pv[vv].t, *s = &p->pv[sv].t,
                    *y = &p->pv[yv].t;
    if (q->rank < 2 || kt->rank < 2 || v->rank < 2 || s->rank != y->rank)
        return false;
    a->m = q->shape[q->rank - 1 - 1];
    a->d = q->shape[q->rank - 1];
    a->n = kt->shape[kt->rank - 1];
    a->dv = v->shape[v->rank - 1];
    if (kt->shape[kt->rank - 2] != a->d || v->shape[v->rank - 2] != a->n || a->d < 1 || a->n < 1 ||
        a->m > INT32_MAX || a->d > INT32_MAX || a->n > INT32_MAX || a->dv > INT32_MAX)
        return false;
    eb_tensor qb = batch_dims(q), kb = batch_dims(kt), vb = batch_dims(v);
    const eb_tensor *bs[3] = {&qb, &kb, &vb};
    eb_err err;
    a->yb = (eb_tensor){.dtype = EB_DT_F32};
    if (eb_broadcast_shapes("Attention", bs, 3, &a->yb, &err) != EB_OK)
        return false;
    eb_tensor yb = batch_dims(y);
    if (!eb_tensor_same_shape(&yb, &a->yb) || y->shape[y->rank - 2] != a->m || y->shape[y->rank - 1] != a->dv)
        return false;
    eb_broadcast_strides(&qb, &a->yb, a->sq);
    eb_broadcast_strides(&kb, &a->yb, a->sk);
    eb_broadcast_strides(&vb, &a->yb, a->sv);
    a->batches = eb_tensor_numel(&a->yb);
    a->has_mask = mv >= 0;
    if (a->has_mask) {
        const eb_tensor *mk = &p->pv[mv].t;
        int64_t full[EB_MAX_RANK];
        if (!is_f32(mk) || mk->rank > s->rank)
            return false;
        eb_broadcast_strides(mk, s, full);
        a->rows = (eb_tensor){.dtype = EB_DT_F32, .rank = s->rank - 1};
        memcpy(a->rows.shape, s->shape, sizeof(int64_t) * (size_t)a->rows.rank);
        memcpy(a->smask, full, sizeof(int64_t) * (size_t)a->rows.rank);
        a->mask_col = full[s->rank - 1];
    }
    a->block = eb_attention_block(a->n);
    return true;
}

bool eb_cpu_fuse_attention(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_graph *g = p->g;
    const eb_node *mm1 = &g->nodes[ni];
    if (mm1->op != EB_OP_MATMUL)
        return false;
    int qv = mm1->in[0], kv = mm1->in[1], sv = mm1->out[0], cur = sv, mv = -1;
    if (!is_f32(&p->pv[qv].t) || !is_f32(&p->pv[kv].t) || !is_f32(&p->pv[sv].t) || const_tensor(p, qv) ||
        const_tensor(p, kv))
        return false;
    float scale = 1.0f;
    const eb_node *sc = next_op(p, cur, EB_OP_MUL), *add;
    if (!sc)
        sc = next_op(p, cur, EB_OP_DIV);
    if (sc) {
        float c;
        int other = sc->in[0] == cur ? sc->in[1] : sc->in[0];
        if (!const_scalar(p, other, &c) || (sc->op == EB_OP_DIV && (sc->in[0] != cur || c == 0.0f)))
            return false;
        scale = sc->op == EB_OP_DIV ? 1.0f / c : c;
        cur = sc->out[0];
    }
    if ((add = next_op(p, cur, EB_OP_ADD))) {
        mv = add->in[0] == cur ? add->in[1] : add->in[0];
        if (mv == cur || !ready_at(p, mv, ni))
            return false;
        cur = add->out[0];
    }
    const eb_node *sm = next_op(p, cur, EB_OP_SOFTMAX);
    if (!sm || !last_axis_softmax(sm, p->pv[cur].t.rank))
        return false;
    const eb_node *mm2 = next_op(p, sm->out[0], EB_OP_MATMUL);
    if (!mm2 || mm2->in[0] != sm->out[0] || !ready_at(p, mm2->in[1], ni))
        return false;
    int vv = mm2->in[1], yv = mm2->out[0];
    const int between[] = {sv, sc ? sc->out[0] : -1, add ? add->out[0] : -1, sm->out[0]};
    for (size_t k = 0; k < sizeof between / sizeof between[0]; k++)
        if (between[k] >= 0 && (!is_f32(&p->pv[between[k]].t) ||
                                !eb_tensor_same_shape(&p->pv[between[k]].t, &p->pv[sv].t)))
            return false;
    eb_attention a = {.scale = scale, .isa = p->isa};
    if (!is_f32(&p->pv[vv].t) || !is_f32(&p->pv[yv].t) || !geometry(p, qv, kv, vv, mv, sv, yv, &a))
        return false;
    a.exp_sum = eb_kernel_pick(EB_KERNEL_SOFTMAX, p->isa)->fn.softmax;
    int ins[4] = {qv, kv, vv, mv};
    for (int k = 0; k < 4; k++)
        if (ins[k] >= 0 && (ins[k] = eb_cpu_want_layout(p, ins[k], LAY_NCHW, err)) < 0) {
            *st = EB_ENOMEM;
            return false;
        }
    step *s = eb_cpu_new_step(p, ST_ATTENTION, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->attn = a;
    s->n_in = mv >= 0 ? 4 : 3;
    memcpy(s->in, ins, sizeof(int) * (size_t)s->n_in);
    s->n_out = 1;
    s->out[0] = yv;
    s->scratch_bytes = sizeof(float) * eb_attention_scratch_floats(&a, p->threads);
    const eb_node *chain[] = {sc, add, sm, mm2};
    for (size_t k = 0; k < sizeof chain / sizeof chain[0]; k++)
        if (chain[k])
            fuse_node(p, (int)(chain[k] - g->nodes));
    for (size_t k = 0; k < sizeof between / sizeof between[0]; k++)
        if (between[k] >= 0)
            p->pv[between[k]].fused = true;
    eb_cpu_note_fusion(p, "Attention");
    return true;
}

eb_status eb_cpu_exec_attention(eb_plan *p, const step *s, eb_err *err)
{
    const eb_attention *a = &s->attn;
    float *scratch = (float *)((char *)p->arena + p->items[s->scratch_item].offset);
    eb_status st = eb_attention_f32(a, p->pv[s->in[0]].t.data, p->pv[s->in[1]].t.data, p->pv[s->in[2]].t.data,
                                    a->has_mask ? p->pv[s->in[3]].t.data : NULL, p->pv[s->out[0]].t.data, scratch,
                                    p->tp);
    return st == EB_OK ? EB_OK : eb_errf(err, st, "Attention: out of memory packing K and V");
}
