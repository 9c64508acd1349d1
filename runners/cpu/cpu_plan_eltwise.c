/* cpu_plan_eltwise.c - the cpu runner's planners for elementwise and row
 * ops: unary functions, broadcasting binary ops (with a fused activation),
 * Softmax/LogSoftmax and LayerNormalization over the last axis. */
#include "runners/cpu/cpu_plan.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

bool eb_cpu_unary_params(const eb_plan *p, const eb_node *n, eb_unary_params *out)
{
    if (!eb_unary_supported(n->op))
        return false;
    eb_unary_params up = {.op = n->op};
    switch (n->op) {
    case EB_OP_LEAKY_RELU: up.alpha = eb_attr_float(n, "alpha", 0.01f); break;
    case EB_OP_HARD_SIGMOID:
        up.alpha = eb_attr_float(n, "alpha", 0.2f);
        up.beta = eb_attr_float(n, "beta", 0.5f);
        break;
    case EB_OP_ELU: up.alpha = eb_attr_float(n, "alpha", 1.0f); break;
    case EB_OP_SELU: /* beta carries gamma (ref_unary.c's defaults) */
        up.alpha = eb_attr_float(n, "alpha", 1.67326319217681884765625f);
        up.beta = eb_attr_float(n, "gamma", 1.05070102214813232421875f);
        break;
    case EB_OP_GELU: up.gelu_tanh = strcmp(eb_attr_string(n, "approximate", "none"), "tanh") == 0; break;
    case EB_OP_CLIP:
        up.lo = -FLT_MAX;
        up.hi = FLT_MAX;
        if (n->opset < 11) {
            up.lo = eb_attr_float(n, "min", -FLT_MAX);
            up.hi = eb_attr_float(n, "max", FLT_MAX);
        } else {
            int a = input_of(n, 1), b = input_of(n, 2);
            if ((a >= 0 && !const_scalar(p, a, &up.lo)) || (b >= 0 && !const_scalar(p, b, &up.hi)))
                return false;
        }
        break;
    default: break;
    }
    *out = up;
    return true;
}

bool eb_cpu_plan_unary(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    eb_unary_params up;
    if (!is_f32(&p->pv[xv].t) || !is_f32(&p->pv[yv].t) || !eb_cpu_unary_params(p, n, &up))
        return false;
    step *s = eb_cpu_new_step(p, ST_UNARY, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->unary = up;
    s->n_in = s->n_out = 1;
    s->in[0] = xv; /* any layout: elementwise */
    s->out[0] = yv;
    p->pv[yv].layout = p->pv[xv].is_const ? LAY_NCHW : p->pv[xv].layout;
    return true;
}

bool eb_cpu_plan_binary(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], bv = n->in[1], yv = n->out[0];
    const eb_tensor *a = &p->pv[av].t, *b = &p->pv[bv].t, *y = &p->pv[yv].t;
    if (!is_f32(a) || !is_f32(b) || !is_f32(y))
        return false;
    /* NHWC when an input is NHWC and the op is elementwise without any
     * broadcast other than a scalar */
    lay l = LAY_NCHW;
    int ins[2] = {av, bv};
    bool flat = true, any_nhwc = false;
    for (int i = 0; i < 2; i++) {
        const pval *v = &p->pv[ins[i]];
        if (eb_tensor_numel(&v->t) == 1)
            continue;
        if (!eb_tensor_same_shape(&v->t, y) || v->is_const)
            flat = false;
        if (!v->is_const && v->layout == LAY_NHWC && !layout_neutral(&v->t))
            any_nhwc = true;
    }
    if (flat && any_nhwc)
        l = LAY_NHWC;
    int ain = eb_cpu_want_layout(p, av, l, err), bin = ain < 0 ? ain : eb_cpu_want_layout(p, bv, l, err);
    epi e = {.cout = 1, .axis = 0};
    int out = yv;
    int c = sole_consumer(p, yv);
    if (c >= 0 && (p->g->nodes[c].op == EB_OP_RELU || p->g->nodes[c].op == EB_OP_CLIP))
        out = eb_cpu_fuse_epilogue(p, yv, &e, err, st);
    step *s = ain < 0 || bin < 0 || *st != EB_OK ? NULL : eb_cpu_new_step(p, ST_BINARY, ni, err);
    if (!s) {
        free(e.bias);
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->n_in = 2;
    s->in[0] = ain;
    s->in[1] = bin;
    s->n_out = 1;
    s->out[0] = out;
    s->bin.op = n->op;
    s->bin.rank = y->rank;
    SET_ACT(s->bin, e);
    for (int d = 0; d < y->rank; d++) {
        int da = d - (y->rank - a->rank), db = d - (y->rank - b->rank);
        s->bin.out[d] = y->shape[d];
        s->bin.a[d] = da >= 0 ? a->shape[da] : 1;
        s->bin.b[d] = db >= 0 ? b->shape[db] : 1;
    }
    p->pv[out].layout = layout_neutral(&p->pv[out].t) ? LAY_NCHW : l;
    return true;
}

bool eb_cpu_plan_softmax(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || !is_f32(&p->pv[yv].t) || x->rank < 1)
        return false;
    int axis;
    if (!eb_norm_axis(eb_attr_int(n, "axis", n->opset < 13 ? 1 : -1), x->rank, &axis))
        return false;
    if (n->opset >= 13 && axis != x->rank - 1)
        return false;
    int64_t cols = 1;
    for (int d = axis; d < x->rank; d++)
        cols *= x->shape[d];
    if (cols < 1)
        return false;
    step *s = eb_cpu_one_in_one_out(p, ST_SOFTMAX, ni, xv, LAY_NCHW, yv, st, err);
    if (!s)
        return false;
    s->rows.cols = cols;
    s->rows.rows = eb_tensor_numel(x) / cols;
    s->rows.log = n->op == EB_OP_LOG_SOFTMAX;
    s->rows.exp_sum = eb_kernel_pick(EB_KERNEL_SOFTMAX, p->isa)->fn.softmax;
    return true;
}

bool eb_cpu_layernorm_param(const eb_tensor *t, const eb_tensor *x, int axis)
{
    if (!is_f32(t) || t->rank > x->rank)
        return false;
    for (int d = 0; d < t->rank; d++) {
        int xd = x->rank - t->rank + d;
        if (xd < axis ? t->shape[d] != 1 : t->shape[d] != x->shape[xd])
            return false;
    }
    return true;
}

bool eb_cpu_layernorm_step(eb_plan *p, int ni, const eb_cpu_layernorm *ln, eb_status *st, eb_err *err)
{
    const eb_tensor *x = &p->pv[ln->x].t;
    int64_t cols = 1;
    for (int d = ln->axis; d < x->rank; d++)
        cols *= x->shape[d];
    if (cols < 1 || !eb_cpu_layernorm_param(&p->pv[ln->gamma].t, x, ln->axis) ||
        (ln->beta >= 0 && !eb_cpu_layernorm_param(&p->pv[ln->beta].t, x, ln->axis)))
        return false;
    int xin = eb_cpu_want_layout(p, ln->x, LAY_NCHW, err), gin = eb_cpu_want_layout(p, ln->gamma, LAY_NCHW, err);
    int bin = eb_cpu_want_layout(p, ln->beta, LAY_NCHW, err);
    step *s = xin < 0 || gin < 0 || bin < -1 ? NULL : eb_cpu_new_step(p, ST_LAYERNORM, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 3;
    s->in[0] = xin;
    s->in[1] = gin;
    s->in[2] = bin;
    s->n_out = 1;
    s->out[0] = ln->y;
    s->rows.cols = cols;
    s->rows.rows = eb_tensor_numel(x) / cols;
    s->rows.eps = ln->eps;
    p->pv[ln->y].layout = LAY_NCHW;
    return true;
}

bool eb_cpu_plan_layernorm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || !is_f32(&p->pv[n->out[0]].t) || !single_output(n) || x->rank < 1)
        return false;
    int64_t a = eb_attr_int(n, "axis", -1);
    if (a < -(int64_t)x->rank || a >= x->rank)
        return false;
    eb_cpu_layernorm ln = {.x = xv, .axis = (int)(a < 0 ? a + x->rank : a), .gamma = n->in[1],
                           .beta = input_of(n, 2), .eps = eb_attr_float(n, "epsilon", 1e-5f), .y = n->out[0]};
    return eb_cpu_layernorm_step(p, ni, &ln, st, err);
}

/* Pow with a constant scalar exponent (any numeric dtype): a unary step,
 * x*x for 2 and sqrtf for 0.5 (the decomposed LayerNorm's Pow), powf
 * otherwise; a computed or broadcast exponent falls back. */
bool eb_cpu_plan_pow(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], ev = n->in[1], yv = n->out[0];
    const eb_tensor *et = const_tensor(p, ev);
    if (!is_f32(&p->pv[xv].t) || !is_f32(&p->pv[yv].t) || !et || eb_tensor_numel(et) != 1 ||
        !eb_is_numeric(et->dtype) || !eb_tensor_same_shape(&p->pv[xv].t, &p->pv[yv].t))
        return false;
    double e = eb_dtype_get_f64(et->dtype, et->data, 0);
    if ((double)(float)e != e)
        return false; /* an exponent float cannot hold */
    step *s = eb_cpu_new_step(p, ST_UNARY, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->unary = (eb_unary_params){.op = EB_OP_POW, .alpha = (float)e};
    s->n_in = s->n_out = 1;
    s->in[0] = xv; /* any layout: elementwise */
    s->out[0] = yv;
    p->pv[yv].layout = p->pv[xv].is_const ? LAY_NCHW : p->pv[xv].layout;
    return true;
}
