/* cpu_plan_reduce.c - the cpu runner's planner for ReduceMean, ReduceSum,
 * ReduceMax and ReduceMin on f32 (reduce_f32.c): axes from the attribute
 * or a constant input (eb_reduce_mask, as the shape rule reads them), with
 * or without keepdims.  The dims are taken in the order x is stored (NHWC
 * when x is NHWC and y's order allows, so spatial means need no
 * conversion), dims
 * of 1 dropped and neighbours of one kind merged, which picks the kernel's
 * row, column or general path. */
#include "models/op_params.h"
#include "runners/cpu/cpu_plan.h"

bool eb_cpu_plan_reduce(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0], av = input_of(n, 1);
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    if (!is_f32(x) || !is_f32(y) || x->rank < 1 || eb_tensor_numel(y) < 1 || (av >= 0 && !const_tensor(p, av)))
        return false;
    const eb_tensor *in[2] = {x, av >= 0 ? const_tensor(p, av) : NULL};
    bool mask[EB_MAX_RANK];
    eb_err ignored;
    if (eb_reduce_mask(n, in, mask, &ignored) != EB_OK)
        return false; /* the reference kernel reports it */
    bool keep = eb_attr_int(n, "keepdims", 1) != 0;
    /* an NHWC x is reduced as stored when y's elements come out in y's
     * order: keepdims (y NHWC too), or C not kept beside H or W (the
     * global average of mnasnet's and shufflenet's heads) */
    bool as_stored = x->rank == 4 && (keep || mask[1] || (mask[2] && mask[3]));
    lay l = p->pv[xv].layout == LAY_NHWC && !layout_neutral(x) && as_stored ? LAY_NHWC : LAY_NCHW;
    static const int NHWC[4] = {0, 2, 3, 1};
    eb_reduce r = {.op = n->op};
    int64_t count = 1;
    for (int k = 0; k < x->rank; k++) {
        int d = l == LAY_NHWC ? NHWC[k] : k;
        if (mask[d])
            count *= x->shape[d];
        if (x->shape[d] == 1)
            continue;
        if (r.rank > 0 && r.red[r.rank - 1] == mask[d]) {
            r.dims[r.rank - 1] *= x->shape[d];
        } else {
            r.dims[r.rank] = x->shape[d];
            r.red[r.rank++] = mask[d];
        }
    }
    if (count < 1)
        return false; /* an empty reduction: the reference's values */
    r.count = count;
    r.outer = r.inner = 1;
    int k = 0;
    if (k < r.rank && !r.red[k])
        r.outer = r.dims[k++];
    if (k < r.rank)
        k++; /* the reduced group (count) */
    if (k < r.rank && !r.red[k])
        r.inner = r.dims[k++];
    r.general = k < r.rank;
    step *s = eb_cpu_one_in_one_out(p, ST_REDUCE, ni, xv, l, yv, st, err);
    if (!s)
        return false;
    s->red = r;
    s->red.rows = eb_kernel_pick(EB_KERNEL_REDUCE, p->isa)->fn.reduce;
    p->pv[yv].layout = y->rank == 4 && !layout_neutral(y) ? l : LAY_NCHW;
    return true;
}
