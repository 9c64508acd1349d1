/* cuda_plan_rows.c - the cuda runner's planner for the row-wise ops:
 * Softmax and LogSoftmax where they reduce over the trailing dims (always
 * before opset 13, which coerces to 2-D; from 13, when the axis is the
 * last), and LayerNormalization without its Mean / InvStdDev outputs. */
#include "models/op_params.h"
#include "runners/cuda/cuda_plan.h"

bool eb_cu_plan_rows(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    if (!eb_cu_is_f32(p, xv) || !eb_cu_is_f32(p, yv))
        return false;
    const eb_tensor *x = &p->g->values[xv].t;
    int axis;
    int64_t cols = 1, numel = eb_tensor_numel(x);
    if (n->op == EB_OP_LAYER_NORM) {
        for (int k = 1; k < n->n_out; k++)
            if (n->out[k] >= 0 && p->uses[n->out[k]] > 0)
                return false;
        if (!eb_layer_norm_axis(n, x->rank, &axis))
            return false;
    } else if (!eb_softmax_axis(n, x, &axis) || (n->opset >= 13 && axis != x->rank - 1)) {
        return false;
    }
    for (int d = axis; d < x->rank; d++)
        cols *= x->shape[d];
    if (cols <= 0 || numel <= 0)
        return false;
    const void *scale = NULL, *bias = NULL;
    if (n->op == EB_OP_LAYER_NORM) {
        int sv = n->in[1], bv = n->n_in > 2 ? n->in[2] : -1;
        if (!eb_cu_is_f32(p, sv) || eb_tensor_numel(&p->g->values[sv].t) != cols ||
            (bv >= 0 && (!eb_cu_is_f32(p, bv) || eb_tensor_numel(&p->g->values[bv].t) != cols)))
            return false;
        if (!(scale = eb_cu_val_f32(p, sv, st, err)) || (bv >= 0 && !(bias = eb_cu_val_f32(p, bv, st, err))))
            return false;
    }
    cu_step *s = eb_cu_new_step(p, n->op == EB_OP_LAYER_NORM ? CS_LAYERNORM : CS_SOFTMAX, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->x = eb_cu_val_f32(p, xv, st, err);
    s->w = scale;
    s->b = bias;
    s->y = p->vals[yv].d;
    s->rows = numel / cols;
    s->cols = cols;
    s->op = n->op == EB_OP_LOG_SOFTMAX;
    s->p0 = eb_attr_float(n, "epsilon", 1e-5f);
    return *st == EB_OK;
}
