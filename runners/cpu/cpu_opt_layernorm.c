/* cpu_opt_layernorm.c - LayerNorm as exporters write it before opset 17
 * (PyTorch's nn.LayerNorm at opset 13), fused into the runner's layernorm
 * step (ST_LAYERNORM) at opt=2:
 *
 *   mean = ReduceMean(x, axes)          d = Sub(x, mean)
 *   var  = ReduceMean(Pow(d, 2), axes)  (or Mul(d, d))
 *   y    = Add(Mul(Div(d, Sqrt(Add(var, eps))), gamma), beta)
 *
 * Checked: both ReduceMeans keep dims and reduce the same trailing axes
 * (the normalised tail), the exponent is the constant 2, eps is a
 * constant scalar >= 0, gamma and beta (beta may be absent) are constants
 * with one value per element of the tail, and every value in between is
 * read only inside the pattern (d by the square and the Div) and is no
 * graph output.  Anything else - another axis, exponent 3, a mean used
 * elsewhere - is left to the nodes' own planners. */
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>

/* The first reduced axis of a keepdims ReduceMean over x's trailing dims
 * (axis..rank-1), or -1. */
static int tail_axis(const eb_plan *p, const eb_node *n, int rank)
{
    if (n->op != EB_OP_REDUCE_MEAN || !single_output(n) || eb_attr_int(n, "keepdims", 1) != 1 || rank < 1 ||
        rank > 31)
        return -1;
    const int64_t *ax = NULL;
    int count = eb_attr_ints(n, "axes", &ax);
    int64_t from_input[EB_MAX_RANK];
    if (count < 0 && input_of(n, 1) >= 0) { /* opset 18: axes is an input */
        const eb_tensor *t = const_tensor(p, n->in[1]);
        if (!t || t->dtype != EB_DT_I64 || eb_tensor_numel(t) > EB_MAX_RANK)
            return -1;
        count = (int)eb_tensor_numel(t);
        for (int i = 0; i < count; i++)
            from_input[i] = ((const int64_t *)t->data)[i];
        ax = from_input;
    }
    if (count <= 0)
        return -1; /* every axis (or noop_with_empty_axes): not a row norm */
    unsigned mask = 0;
    for (int i = 0; i < count; i++) {
        int64_t a = ax[i] < 0 ? ax[i] + rank : ax[i];
        if (a < 0 || a >= rank)
            return -1;
        mask |= 1u << a;
    }
    int first = rank - count;
    return mask == ((1u << rank) - 1) - ((1u << first) - 1) ? first : -1;
}

/* A constant with one value per element of x's dims axis.. */
static bool tail_const(const eb_plan *p, int v, const eb_tensor *x, int axis)
{
    return const_tensor(p, v) && eb_cpu_layernorm_param(&p->pv[v].t, x, axis);
}

/* The sole reader of v when it is an `op` node, else NULL. */
static const eb_node *next_op(const eb_plan *p, int v, eb_op op)
{
    int c = sole_consumer(p, v);
    return c >= 0 && p->g->nodes[c].op == op && single_output(&p->g->nodes[c]) ? &p->g->nodes[c] : NULL;
}

/* For a binary node reading v: its other input. */
static int other_in(const eb_node *n, int v)
{
    return n->in[0] == v ? n->in[1] : n->in[0];
}

bool eb_cpu_fuse_layernorm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_graph *g = p->g;
    const eb_node *rm1 = &g->nodes[ni];
    if (rm1->op != EB_OP_REDUCE_MEAN)
        return false;
    int xv = rm1->in[0];
    const eb_tensor *x = &p->pv[xv].t;
    int axis = is_f32(x) ? tail_axis(p, rm1, x->rank) : -1;
    if (axis < 0)
        return false;
    int mean = rm1->out[0];
    const eb_node *sub = next_op(p, mean, EB_OP_SUB);
    if (!sub || sub->in[0] != xv || sub->in[1] != mean)
        return false;
    int d = sub->out[0];
    if (p->is_output[d] || !eb_tensor_same_shape(&p->pv[d].t, x))
        return false;
    /* d's readers: the square and the Div, nothing else */
    const eb_node *sq = NULL, *div = NULL;
    for (int i = p->cons_off[d]; i < p->cons_off[d + 1]; i++) {
        const eb_node *c = &g->nodes[p->cons[i]];
        float two;
        if (c == sq || c == div)
            continue;
        if (!sq && ((c->op == EB_OP_POW && c->in[0] == d && const_scalar(p, c->in[1], &two) && two == 2.0f) ||
                    (c->op == EB_OP_MUL && c->in[0] == d && c->in[1] == d)))
            sq = c;
        else if (!div && c->op == EB_OP_DIV && c->in[0] == d && c->in[1] != d)
            div = c;
        else
            return false;
    }
    if (!sq || !div || p->node_done[sq - g->nodes] || p->node_done[div - g->nodes])
        return false;
    const eb_node *rm2 = next_op(p, sq->out[0], EB_OP_REDUCE_MEAN);
    if (!rm2 || rm2->in[0] != sq->out[0] || tail_axis(p, rm2, x->rank) != axis)
        return false;
    const eb_node *add_eps = next_op(p, rm2->out[0], EB_OP_ADD);
    float eps;
    if (!add_eps || !const_scalar(p, other_in(add_eps, rm2->out[0]), &eps) || !(eps >= 0.0f))
        return false;
    const eb_node *sqr = next_op(p, add_eps->out[0], EB_OP_SQRT);
    if (!sqr || sole_consumer(p, sqr->out[0]) != (int)(div - g->nodes) || div->in[1] != sqr->out[0])
        return false;
    const eb_node *mul = next_op(p, div->out[0], EB_OP_MUL);
    if (!mul || !tail_const(p, other_in(mul, div->out[0]), x, axis))
        return false;
    int gamma = other_in(mul, div->out[0]), beta = -1, y = mul->out[0];
    const eb_node *add_b = next_op(p, y, EB_OP_ADD);
    if (add_b && tail_const(p, other_in(add_b, y), x, axis)) {
        beta = other_in(add_b, y);
        y = add_b->out[0];
    } else {
        add_b = NULL;
    }
    if (!is_f32(&p->pv[y].t) || !eb_tensor_same_shape(&p->pv[y].t, x))
        return false;
    eb_cpu_layernorm ln = {.x = xv, .axis = axis, .gamma = gamma, .beta = beta, .eps = eps, .y = y};
    if (!eb_cpu_layernorm_step(p, ni, &ln, st, err))
        return false;
    const eb_node *chain[] = {sub, sq, rm2, add_eps, sqr, div, mul, add_b};
    p->pv[mean].fused = true;
    for (size_t k = 0; k < sizeof chain / sizeof chain[0]; k++) {
        if (!chain[k])
            continue;
        fuse_node(p, (int)(chain[k] - g->nodes));
        if (chain[k]->out[0] != y)
            p->pv[chain[k]->out[0]].fused = true;
    }
    eb_cpu_note_fusion(p, "LayerNorm");
    return true;
}
