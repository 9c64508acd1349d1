/* cpu_plan_index.c - the cpu runner's planner for the ops that move
 * elements by position or index (Trilu, CumSum, GatherElements, GatherND,
 * ScatterElements/Scatter, ScatterND, TopK) and its ST_INDEX step, whose
 * kernels are index_ops.c.
 *
 * The parameters are read in prepare by the shape rules' own functions
 * (models/op_params.h) when they are constants; Trilu's k and CumSum's
 * axis may be computed (read at run time), TopK's K is the output's
 * length on its axis.  The indices may be computed (checked at run time).
 * Every buffer is plain row-major: an NHWC input is converted first.
 * What a kernel does not take falls back: CumSum on f16/u32/u64, TopK on
 * anything but f32, a scatter reduction on anything but f32. */
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>
#include <string.h>

/* The node's inputs as the parameter readers see them (constants carry
 * their data; NULL for an omitted one). */
static void node_inputs(const eb_plan *p, const eb_node *n, const eb_tensor **in, int max)
{
    for (int k = 0; k < max; k++)
        in[k] = k < n->n_in && n->in[k] >= 0 ? &p->pv[n->in[k]].t : NULL;
}

static bool whole_bytes(const eb_tensor *t)
{
    return t->dtype > EB_DT_UNDEFINED && t->dtype < EB_DT_COUNT && eb_whole_bytes(t->dtype) &&
           eb_dtypes[t->dtype].size > 0;
}

static bool int_index(const eb_tensor *t)
{
    return t->dtype == EB_DT_I32 || t->dtype == EB_DT_I64;
}

/* Decodes node n into op; false for what the kernels do not take. */
static bool index_params(const eb_plan *p, const eb_node *n, eb_index_op *op)
{
    const eb_tensor *in[3];
    node_inputs(p, n, in, 3);
    const eb_tensor *x = in[0], *y = &p->pv[n->out[0]].t;
    eb_err ignored;
    memset(op, 0, sizeof *op);
    op->op = n->op_type;
    if (!x || !whole_bytes(x) || y->dtype != x->dtype || eb_tensor_numel(y) < 1)
        return false;
    switch (n->op) {
    case EB_OP_TRILU: {
        bool has_k = n->n_in > 1 && n->in[1] >= 0;
        const eb_tensor *k = has_k ? const_tensor(p, n->in[1]) : NULL;
        /* k computed: read at run time (the shape rule checked it is one i64) */
        op->runtime_param = has_k && !k;
        if (x->rank < 2 || eb_trilu_k(n, op->runtime_param ? in[1] : k, &op->k, &ignored) != EB_OK)
            return false;
        op->kind = EB_IX_TRILU;
        op->upper = eb_attr_int(n, "upper", 1) != 0;
        return true;
    }
    case EB_OP_CUMSUM: {
        const eb_tensor *a = const_tensor(p, n->in[1]);
        /* an axis computed: read at run time */
        op->runtime_param = !a;
        if ((x->dtype != EB_DT_F32 && x->dtype != EB_DT_F64 && x->dtype != EB_DT_I32 && x->dtype != EB_DT_I64) ||
            x->rank < 1 || eb_cumsum_axis(n, x, a ? a : in[1], &op->axis, &ignored) != EB_OK ||
            (!op->runtime_param && op->axis < 0))
            return false;
        op->kind = EB_IX_CUMSUM;
        op->exclusive = eb_attr_int(n, "exclusive", 0) != 0;
        op->reverse = eb_attr_int(n, "reverse", 0) != 0;
        return true;
    }
    case EB_OP_GATHER_ELEMENTS:
    case EB_OP_SCATTER_ELEMENTS:
    case EB_OP_SCATTER: {
        bool scatter = n->op != EB_OP_GATHER_ELEMENTS;
        if (!in[1] || !int_index(in[1]) || in[1]->rank != x->rank || x->rank < 1 ||
            !eb_norm_axis(eb_attr_int(n, "axis", 0), x->rank, &op->axis))
            return false;
        op->kind = scatter ? EB_IX_SCATTER_ELEMENTS : EB_IX_GATHER_ELEMENTS;
        break;
    }
    case EB_OP_GATHER_ND:
    case EB_OP_SCATTER_ND:
        if (!in[1] || !int_index(in[1]) || in[1]->rank < 1)
            return false;
        op->kind = n->op == EB_OP_GATHER_ND ? EB_IX_GATHER_ND : EB_IX_SCATTER_ND;
        op->batch_dims = n->op == EB_OP_GATHER_ND ? (int)eb_attr_int(n, "batch_dims", 0) : 0;
        if (op->batch_dims < 0 || op->batch_dims >= in[1]->rank)
            return false;
        break;
    case EB_OP_TOP_K: {
        if (x->dtype != EB_DT_F32 || (n->n_out > 1 && n->out[1] >= 0 && p->pv[n->out[1]].t.dtype != EB_DT_I64))
            return false;
        if (n->opset >= 10 && n->n_in > 1 && n->in[1] >= 0 && !const_tensor(p, n->in[1])) {
            /* K computed: the shape rule took it for the output's shape, so it is that */
            if (!eb_norm_axis(eb_attr_int(n, "axis", -1), x->rank, &op->axis))
                return false;
            op->k = y->shape[op->axis];
        } else {
            const eb_tensor *kin[2] = {x, n->n_in > 1 && n->in[1] >= 0 ? const_tensor(p, n->in[1]) : NULL};
            if (eb_topk_params(n, kin, &op->axis, &op->k, &ignored) != EB_OK)
                return false;
        }
        op->kind = EB_IX_TOPK;
        op->largest = eb_attr_int(n, "largest", 1) != 0;
        return true;
    }
    default: return false;
    }
    if (op->kind == EB_IX_SCATTER_ELEMENTS || op->kind == EB_IX_SCATTER_ND) {
        if (!in[2] || in[2]->dtype != x->dtype || eb_scatter_reduction(n, x->dtype, &op->red, &ignored) != EB_OK ||
            (op->red != EB_SCATTER_NONE && x->dtype != EB_DT_F32))
            return false;
    }
    return true;
}

bool eb_cpu_plan_index(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    eb_index_op op;
    if (n->n_out > 2 || !index_params(p, n, &op))
        return false;
    int n_in = op.kind == EB_IX_SCATTER_ELEMENTS || op.kind == EB_IX_SCATTER_ND ? 3
               : op.kind == EB_IX_TOPK || (op.kind == EB_IX_TRILU && !op.runtime_param) ? 1
                                                                                         : 2;
    int ins[3];
    for (int k = 0; k < n_in; k++)
        if ((ins[k] = eb_cpu_want_layout(p, n->in[k], LAY_NCHW, err)) < 0) {
            *st = EB_ENOMEM;
            return false;
        }
    step *s = eb_cpu_new_step(p, ST_INDEX, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = n_in;
    for (int k = 0; k < n_in; k++)
        s->in[k] = ins[k];
    s->n_out = op.kind == EB_IX_TOPK ? 2 : 1;
    s->out[0] = n->out[0];
    s->out[1] = op.kind == EB_IX_TOPK && n->n_out > 1 ? n->out[1] : -1;
    const eb_tensor *tin[3];
    for (int k = 0; k < n_in; k++)
        tin[k] = &p->pv[ins[k]].t;
    s->ix = op;
    s->scratch_bytes = eb_index_scratch_bytes(&op, tin);
    return true;
}

eb_status eb_cpu_exec_index(eb_plan *p, const step *s, eb_err *err)
{
    const eb_tensor *in[3] = {NULL};
    eb_tensor *out[2] = {NULL};
    for (int k = 0; k < s->n_in; k++)
        in[k] = &p->pv[s->in[k]].t;
    for (int k = 0; k < s->n_out; k++)
        out[k] = s->out[k] >= 0 ? &p->pv[s->out[k]].t : NULL;
    void *scratch = s->scratch_item >= 0 ? (char *)p->arena + p->items[s->scratch_item].offset : NULL;
    return eb_index_run(&s->ix, in, out, scratch, p->tp, err);
}
