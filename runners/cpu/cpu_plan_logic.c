/* cpu_plan_logic.c - the cpu runner's planners for the ops on mixed
 * dtypes that attention masks are built from (logic.c): Cast between f32,
 * i64, i32 and bool (to the same dtype it is a view, eb_cpu_plan_view),
 * the comparisons to bool and Where, all with numpy broadcasting.  Their
 * buffers are plain row-major (NCHW): an NHWC f32 input is converted first,
 * since the layout conversions move f32 only. */
#include "reference_kernels/ref_util.h"
#include "runners/cpu/cpu_plan.h"

/* bc from y's shape and the inputs' (aligned on the right). */
static void bcast_of(const eb_plan *p, const int *ins, int n_in, int yv, eb_bcast *bc)
{
    const eb_tensor *y = &p->pv[yv].t;
    eb_tensor one = *y;
    if (y->rank == 0) { /* a scalar: one row of one */
        one.rank = 1;
        one.shape[0] = 1;
    }
    bc->rank = one.rank;
    for (int d = 0; d < one.rank; d++)
        bc->out[d] = one.shape[d];
    for (int k = 0; k < n_in; k++)
        eb_broadcast_strides(&p->pv[ins[k]].t, &one, bc->st[k]);
}

/* The inputs in NCHW (a conversion step first where needed); false when
 * out of memory. */
static bool nchw_inputs(eb_plan *p, const eb_node *n, int *ins, int n_in, eb_status *st, eb_err *err)
{
    for (int k = 0; k < n_in; k++)
        if ((ins[k] = eb_cpu_want_layout(p, n->in[k], LAY_NCHW, err)) < 0) {
            *st = EB_ENOMEM;
            return false;
        }
    return true;
}

bool eb_cpu_plan_cast(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    if (!eb_cast_supported(x->dtype) || !eb_cast_supported(y->dtype) || eb_tensor_numel(x) != eb_tensor_numel(y))
        return false;
    step *s = eb_cpu_one_in_one_out(p, ST_CAST, ni, xv, LAY_NCHW, yv, st, err);
    if (!s)
        return false;
    s->lg.src = x->dtype;
    s->lg.dst = y->dtype;
    return true;
}

bool eb_cpu_plan_compare(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int yv = n->out[0];
    const eb_tensor *a = &p->pv[n->in[0]].t, *b = &p->pv[n->in[1]].t;
    if (n->opset < 7 || a->dtype != b->dtype || !eb_cast_supported(a->dtype) || p->pv[yv].t.dtype != EB_DT_BOOL ||
        eb_tensor_numel(&p->pv[yv].t) < 1)
        return false;
    int ins[2];
    if (!nchw_inputs(p, n, ins, 2, st, err))
        return false;
    step *s = eb_cpu_new_step(p, ST_COMPARE, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 2;
    s->in[0] = ins[0];
    s->in[1] = ins[1];
    s->n_out = 1;
    s->out[0] = yv;
    s->lg.op = n->op;
    s->lg.src = a->dtype;
    bcast_of(p, ins, 2, yv, &s->lg.bc);
    return true;
}

bool eb_cpu_plan_where(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int yv = n->out[0];
    const eb_tensor *c = &p->pv[n->in[0]].t, *y = &p->pv[yv].t;
    if (c->dtype != EB_DT_BOOL || !eb_cast_supported(y->dtype) || p->pv[n->in[1]].t.dtype != y->dtype ||
        p->pv[n->in[2]].t.dtype != y->dtype || eb_tensor_numel(y) < 1)
        return false;
    int ins[3];
    if (!nchw_inputs(p, n, ins, 3, st, err))
        return false;
    step *s = eb_cpu_new_step(p, ST_WHERE, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 3;
    for (int k = 0; k < 3; k++)
        s->in[k] = ins[k];
    s->n_out = 1;
    s->out[0] = yv;
    s->lg.dst = y->dtype;
    bcast_of(p, ins, 3, yv, &s->lg.bc);
    return true;
}
