/* cpu_plan_pool.c - the cpu runner's planners for pooling: MaxPool and
 * AveragePool (NHWC row kernels) and the global pools. */
#include "runners/cpu/cpu_plan.h"

bool eb_cpu_plan_pool(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    if (!is_f32(x) || !is_f32(y) || !single_output(n))
        return false;
    int64_t ks[2];
    eb_win2d win;
    if (!eb_cpu_attr_ints2(n, "kernel_shape", 2, -1, ks) || ks[0] < 1 || ks[1] < 1 ||
        !eb_cpu_window_of(n, x, y, (int)ks[0], (int)ks[1], &win))
        return false;
    step *s = eb_cpu_one_in_one_out(p, ST_POOL, ni, xv, LAY_NHWC, yv, st, err);
    if (!s)
        return false;
    s->pool.win = win;
    s->pool.is_max = n->op == EB_OP_MAX_POOL;
    s->pool.count_pad = eb_attr_int(n, "count_include_pad", 0) == 1;
    s->pool.row = eb_kernel_pick(EB_KERNEL_POOL, p->isa)->fn.pool;
    p->pv[yv].layout = layout_neutral(y) ? LAY_NCHW : LAY_NHWC;
    return true;
}

bool eb_cpu_plan_gpool(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || x->rank != 4 || eb_tensor_numel(x) <= 0)
        return false;
    step *s = eb_cpu_one_in_one_out(p, ST_GPOOL, ni, xv, LAY_NHWC, yv, st, err);
    if (!s)
        return false; /* [N, C, 1, 1]: both layouts */
    s->pool.is_max = n->op == EB_OP_GLOBAL_MAX_POOL;
    s->pool.win.n = (int)x->shape[0];
    s->pool.win.c = (int)x->shape[1];
    s->pool.win.h = (int)x->shape[2];
    s->pool.win.w = (int)x->shape[3];
    return true;
}
