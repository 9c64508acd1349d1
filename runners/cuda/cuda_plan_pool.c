/* cuda_plan_pool.c - the cuda runner's planner for pooling over NCHW:
 * MaxPool (without its Indices output), AveragePool, and the global pools
 * as a window over the whole image.  The window's geometry (ceil_mode,
 * auto_pad) is the shape rule's own, eb_window_geometry. */
#include "models/op_attrs.h"
#include "runners/cuda/cuda_plan.h"

bool eb_cu_plan_pool(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    if (!eb_cu_is_f32(p, xv) || !eb_cu_is_f32(p, yv) || (n->n_out > 1 && n->out[1] >= 0))
        return false;
    const eb_tensor *x = &p->g->values[xv].t, *y = &p->g->values[yv].t;
    if (x->rank != 4 || y->rank != 4)
        return false;
    for (int d = 0; d < 4; d++)
        if (x->shape[d] > 0x7fffffff || y->shape[d] > 0x7fffffff)
            return false;
    eb_cu_win w = {(int)x->shape[0], (int)x->shape[1], (int)x->shape[2], (int)x->shape[3], (int)y->shape[1],
                   (int)y->shape[2], (int)y->shape[3], (int)x->shape[2], (int)x->shape[3], 1, 1, 1, 1, 0, 0, 0, 0};
    bool global = n->op == EB_OP_GLOBAL_AVG_POOL || n->op == EB_OP_GLOBAL_MAX_POOL;
    if (!global) {
        const int64_t *ks;
        if (eb_attr_ints(n, "kernel_shape", &ks) != 2)
            return false;
        eb_window g = {.nd = 2, .in = {x->shape[2], x->shape[3]}, .kernel = {ks[0], ks[1]}};
        eb_err ignored;
        if (eb_window_geometry(n, n->op_type, true, &g, &ignored) != EB_OK || g.out[0] != y->shape[2] ||
            g.out[1] != y->shape[3])
            return false;
        w.kh = (int)g.kernel[0], w.kw = (int)g.kernel[1];
        w.sh = (int)g.stride[0], w.sw = (int)g.stride[1];
        w.dh = (int)g.dil[0], w.dw = (int)g.dil[1];
        w.ph = (int)g.pad_begin[0], w.pw = (int)g.pad_begin[1];
        w.peh = (int)g.pad_end[0], w.pew = (int)g.pad_end[1];
    }
    cu_step *s = eb_cu_new_step(p, CS_POOL, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->win = w;
    s->op = n->op == EB_OP_MAX_POOL || n->op == EB_OP_GLOBAL_MAX_POOL;
    s->flag = n->op == EB_OP_AVERAGE_POOL && eb_attr_int(n, "count_include_pad", 0) == 1;
    s->x = eb_cu_val_f32(p, xv, st, err);
    s->y = p->vals[yv].d;
    return *st == EB_OK;
}
