/* cpu_fuse.c - epilogue fusion for the cpu runner's planners: what follows
 * a Conv, Gemm/MatMul or Add (a BatchNormalization folded into the weights,
 * a constant bias Add, Relu, Clip, Gelu, and PyTorch's Div-Erf-Add-Mul-Mul
 * GELU) becomes part of the step, its nodes marked done (fuse_node).
 * Nothing at opt=0; each fusion is recorded as "<head op>+<what>"
 * (eb_cpu_note_fusion), and at opt=2 a GELU written any other way
 * (cpu_opt_act.c) fuses too. */
#include "runners/cpu/cpu_plan.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

eb_status eb_cpu_epi_bias(epi *e, eb_err *err)
{
    if (!e->bias && !(e->bias = calloc((size_t)e->cout, sizeof(float))))
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    return EB_OK;
}

/* True when constant c, added to a value of shape y, adds one value per
 * index of y's dim `axis` (or one value everywhere). */
bool eb_cpu_per_axis_const(const eb_tensor *c, const eb_tensor *y, int axis)
{
    if (!is_f32(c) || c->rank > y->rank)
        return false;
    int64_t numel = eb_tensor_numel(c);
    if (numel == 1)
        return true;
    for (int d = 0; d < c->rank; d++) {
        int yd = y->rank - c->rank + d;
        if (c->shape[d] != 1 && (yd != axis || c->shape[d] != y->shape[yd]))
            return false;
    }
    return numel == y->shape[axis];
}

/* Folds node bn (BatchNormalization reading v) into e; false when it does
 * not qualify. */
static bool fold_bn(eb_plan *p, const eb_node *bn, epi *e, eb_err *err, eb_status *st)
{
    if (!e->allow_bn || !single_output(bn) || eb_attr_int(bn, "training_mode", 0) != 0 || bn->n_in != 5)
        return false;
    const eb_tensor *prm[4];
    for (int k = 0; k < 4; k++) {
        prm[k] = const_tensor(p, bn->in[k + 1]);
        if (!is_f32(prm[k]) || eb_tensor_numel(prm[k]) != e->cout)
            return false;
    }
    if (!e->scale) {
        if (!(e->scale = malloc(sizeof(float) * (size_t)e->cout))) {
            *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
            return false;
        }
        for (int c = 0; c < e->cout; c++)
            e->scale[c] = 1.0f;
    }
    if ((*st = eb_cpu_epi_bias(e, err)) != EB_OK)
        return false;
    double eps = eb_attr_float(bn, "epsilon", 1e-5f);
    const float *gm = prm[0]->data, *bt = prm[1]->data, *mean = prm[2]->data, *var = prm[3]->data;
    for (int c = 0; c < e->cout; c++) {
        double s = gm[c] / sqrt((double)var[c] + eps);
        e->scale[c] = (float)(e->scale[c] * s);
        e->bias[c] = (float)((e->bias[c] - mean[c]) * s + bt[c]);
    }
    return true;
}

/* Records that the step being planned took in `what`. */
static void note(eb_plan *p, const char *what)
{
    char name[64];
    snprintf(name, sizeof name, "%s+%s", p->g->nodes[p->planning].op_type, what);
    eb_cpu_note_fusion(p, name);
}

/* Follows v through the nodes that can become part of the epilogue; marks
 * them done and their intermediate values fused; returns the value the step
 * finally writes. */
int eb_cpu_fuse_epilogue(eb_plan *p, int v, epi *e, eb_err *err, eb_status *st)
{
    const eb_graph *g = p->g;
    *st = EB_OK;
    if (p->opt < 1)
        return v; /* opt=0: every node its own step */
    for (;;) {
        int c = sole_consumer(p, v);
        const eb_tensor *vt = &p->pv[v].t;
        if (c < 0) {
            if (e->act_only)
                return v;
            /* PyTorch's exact GELU: x/sqrt2 -> Erf -> +1 -> *x -> *0.5 */
            if (e->act != EB_ACT_NONE || p->is_output[v])
                return v;
            int gelu = p->opt >= 2 ? eb_cpu_fuse_act_epilogue(p, v, EB_CPU_ACT_GELU_ERF) : -1;
            if (gelu >= 0) { /* any other spelling of it (cpu_opt_act.c) */
                e->act = EB_ACT_GELU;
                note(p, "GELU");
                return gelu;
            }
            if (n_consumers(p, v) != 2)
                return v;
            const eb_node *dv = NULL, *mx = NULL;
            for (int i = p->cons_off[v]; i < p->cons_off[v + 1]; i++) {
                const eb_node *n = &g->nodes[p->cons[i]];
                if ((n->op == EB_OP_DIV || n->op == EB_OP_MUL) && n->in[0] == v && !dv)
                    dv = n;
                else if (n->op == EB_OP_MUL)
                    mx = n;
            }
            float k, one, half;
            if (!dv || !mx || !const_scalar(p, dv->in[1], &k))
                return v;
            if (!(dv->op == EB_OP_DIV ? fabsf(k - 1.41421356f) < 1e-5f : fabsf(k - 0.70710678f) < 1e-6f))
                return v;
            int erf_n = sole_consumer(p, dv->out[0]);
            if (erf_n < 0 || g->nodes[erf_n].op != EB_OP_ERF)
                return v;
            int add_n = sole_consumer(p, g->nodes[erf_n].out[0]);
            if (add_n < 0 || g->nodes[add_n].op != EB_OP_ADD)
                return v;
            const eb_node *an = &g->nodes[add_n];
            int other = an->in[0] == g->nodes[erf_n].out[0] ? an->in[1] : an->in[0];
            if (!const_scalar(p, other, &one) || one != 1.0f)
                return v;
            if (sole_consumer(p, an->out[0]) != (int)(mx - g->nodes))
                return v;
            if (!((mx->in[0] == v && mx->in[1] == an->out[0]) || (mx->in[1] == v && mx->in[0] == an->out[0])))
                return v;
            int half_n = sole_consumer(p, mx->out[0]);
            if (half_n < 0 || g->nodes[half_n].op != EB_OP_MUL)
                return v;
            const eb_node *hn = &g->nodes[half_n];
            other = hn->in[0] == mx->out[0] ? hn->in[1] : hn->in[0];
            if (!const_scalar(p, other, &half) || half != 0.5f)
                return v;
            if (!eb_tensor_same_shape(&p->pv[hn->out[0]].t, vt) || !is_f32(&p->pv[hn->out[0]].t))
                return v;
            const eb_node *chain[5] = {dv, &g->nodes[erf_n], an, mx, hn};
            for (int i = 0; i < 5; i++) {
                fuse_node(p, (int)(chain[i] - g->nodes));
                if (i < 4)
                    p->pv[chain[i]->out[0]].fused = true;
            }
            p->pv[v].fused = true;
            e->act = EB_ACT_GELU;
            note(p, "GELU");
            return hn->out[0];
        }
        const eb_node *n = &g->nodes[c];
        int next = n->n_out > 0 ? n->out[0] : -1;
        if (next < 0 || !is_f32(&p->pv[next].t) || !eb_tensor_same_shape(&p->pv[next].t, vt))
            return v;
        if (e->act_only && n->op != EB_OP_RELU && n->op != EB_OP_CLIP && n->op != EB_OP_GELU)
            return v;
        if (n->op == EB_OP_BATCH_NORM && e->act == EB_ACT_NONE && n->in[0] == v) {
            if (!fold_bn(p, n, e, err, st))
                return v;
        } else if (n->op == EB_OP_ADD && e->act == EB_ACT_NONE) {
            int other = n->in[0] == v ? n->in[1] : n->in[0];
            const eb_tensor *ct = const_tensor(p, other);
            if (n->in[0] == n->in[1] || !ct || !eb_cpu_per_axis_const(ct, vt, e->axis))
                return v;
            if ((*st = eb_cpu_epi_bias(e, err)) != EB_OK)
                return v;
            const float *cd = ct->data;
            bool one = eb_tensor_numel(ct) == 1;
            for (int i = 0; i < e->cout; i++)
                e->bias[i] += cd[one ? 0 : i];
        } else if (n->op == EB_OP_RELU && e->act == EB_ACT_NONE) {
            e->act = EB_ACT_RELU;
        } else if (n->op == EB_OP_CLIP && e->act == EB_ACT_NONE) {
            float lo = -FLT_MAX, hi = FLT_MAX;
            if (n->opset < 11) {
                lo = eb_attr_float(n, "min", -FLT_MAX);
                hi = eb_attr_float(n, "max", FLT_MAX);
            } else {
                int a = input_of(n, 1), b = input_of(n, 2);
                if ((a >= 0 && !const_scalar(p, a, &lo)) || (b >= 0 && !const_scalar(p, b, &hi)))
                    return v;
            }
            if (!(lo <= hi))
                return v;
            e->act = EB_ACT_CLIP;
            e->lo = lo;
            e->hi = hi;
        } else if (n->op == EB_OP_GELU && e->act == EB_ACT_NONE &&
                   strcmp(eb_attr_string(n, "approximate", "none"), "none") == 0) {
            e->act = EB_ACT_GELU;
        } else {
            return v;
        }
        note(p, n->op == EB_OP_BATCH_NORM ? "BatchNorm" : n->op_type);
        fuse_node(p, c);
        p->pv[v].fused = true;
        v = next;
    }
}
