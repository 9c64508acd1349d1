/* cpu_opt_pow.c - Pow by a constant exponent at opt=2, when no bigger
 * pattern took it (cpu_opt.c's patterns run first): x^2 as x * x (one
 * binary step reading x twice), x^0.5 as Sqrt (a unary step).  Listed
 * before any general Pow kernel's planner, which takes every other
 * exponent.  x^0.5 and sqrt differ only at -0 (-0 against +0) and -inf
 * (NaN against +inf). */
#include "runners/cpu/cpu_plan.h"

bool eb_cpu_plan_pow_const(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    float e;
    if (p->opt < 2 || n->op != EB_OP_POW || !single_output(n) || !const_scalar(p, n->in[1], &e) ||
        (e != 2.0f && e != 0.5f))
        return false;
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    if (!is_f32(x) || !is_f32(y) || !eb_tensor_same_shape(x, y) || p->pv[xv].is_const)
        return false;
    step *s = eb_cpu_new_step(p, e == 2.0f ? ST_BINARY : ST_UNARY, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_out = 1;
    s->out[0] = yv;
    if (e == 2.0f) {
        s->n_in = 2;
        s->in[0] = s->in[1] = xv; /* any layout: elementwise, no broadcast */
        s->bin.op = EB_OP_MUL;
        s->bin.rank = y->rank;
        for (int d = 0; d < y->rank; d++)
            s->bin.out[d] = s->bin.a[d] = s->bin.b[d] = y->shape[d];
        eb_cpu_note_fusion(p, "Pow(2)->Mul");
    } else {
        s->n_in = 1;
        s->in[0] = xv;
        s->unary.op = EB_OP_SQRT;
        eb_cpu_note_fusion(p, "Pow(0.5)->Sqrt");
    }
    p->pv[yv].layout = p->pv[xv].layout;
    return true;
}
