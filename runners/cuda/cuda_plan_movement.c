/* cuda_plan_movement.c - the cuda runner's planner for data movement:
 * Transpose (any dtype of 1 to 8 bytes, through the permuted strides),
 * Concat (one strided 2-D copy per input into its slot of each outer
 * row), Split (the reverse: one strided copy per output, the sizes those
 * shape inference gave the outputs) and Gather (int64 or int32 indices,
 * constant or computed).  Reshape, Flatten, Squeeze, Unsqueeze and Identity move nothing:
 * cuda_plan.c makes their outputs aliases of their inputs. */
#include <stdlib.h>

#include "runners/cuda/cuda_plan.h"

static bool plan_transpose(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    const eb_tensor *x = &p->g->values[n->in[0]].t, *y = &p->g->values[n->out[0]].t;
    size_t elem = eb_dtype_nbytes(x->dtype, 1);
    if (x->storage || (elem != 1 && elem != 2 && elem != 4 && elem != 8) || x->rank != y->rank || x->rank < 1)
        return false;
    int64_t xs[EB_MAX_RANK], s = 1;
    for (int d = x->rank - 1; d >= 0; d--) {
        xs[d] = s;
        s *= x->shape[d];
    }
    const int64_t *perm;
    int np = eb_attr_ints(n, "perm", &perm);
    if (np >= 0 && np != x->rank)
        return false;
    cu_step *st_ = eb_cu_new_step(p, CS_TRANSPOSE, ni, err);
    if (!st_) {
        *st = EB_ENOMEM;
        return false;
    }
    st_->rank = y->rank;
    for (int d = 0; d < y->rank; d++) {
        int64_t src = np < 0 ? y->rank - 1 - d : perm[d];
        if (src < 0)
            src += x->rank;
        if (src < 0 || src >= x->rank)
            return false;
        st_->shape[d] = y->shape[d];
        st_->st[d] = xs[src];
    }
    st_->count = eb_tensor_numel(y);
    st_->elem = (int)elem;
    st_->x = eb_cu_val_f32(p, n->in[0], st, err);
    st_->y = p->vals[n->out[0]].d;
    return *st == EB_OK && st_->x;
}

static bool plan_concat(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    const eb_tensor *y = &p->g->values[n->out[0]].t;
    int axis = (int)eb_attr_int(n, "axis", 0);
    if (axis < 0)
        axis += y->rank;
    if (axis < 0 || axis >= y->rank || n->n_in < 1)
        return false;
    size_t elem = eb_dtype_nbytes(y->dtype, 1);
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= y->shape[d];
    for (int d = axis + 1; d < y->rank; d++)
        inner *= y->shape[d];
    const void **parts = calloc((size_t)n->n_in, sizeof *parts);
    int64_t *bytes = calloc((size_t)n->n_in, sizeof *bytes);
    cu_step *s = parts && bytes ? eb_cu_new_step(p, CS_CONCAT, ni, err) : NULL;
    if (!s) {
        free(parts);
        free(bytes);
        *st = eb_errf(err, EB_ENOMEM, "cuda: out of memory");
        return false;
    }
    s->parts = parts;
    s->part_bytes = bytes;
    s->n_parts = n->n_in;
    for (int k = 0; k < n->n_in; k++) {
        int v = n->in[k];
        const eb_tensor *t = v >= 0 ? &p->g->values[v].t : NULL;
        if (!t || t->dtype != y->dtype || t->rank != y->rank || t->storage)
            return false; /* the walk drops the step (cuda_plan.c) */
        parts[k] = eb_cu_val_f32(p, v, st, err);
        bytes[k] = t->shape[axis] * inner * (int64_t)elem;
        if (*st != EB_OK || (!parts[k] && bytes[k] * outer > 0))
            return false;
    }
    s->outer = outer;
    s->cols = y->shape[axis] * inner * (int64_t)elem; /* the output row's bytes */
    s->y = p->vals[n->out[0]].d;
    return true;
}

static bool plan_gather(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], iv = n->in[1];
    if (xv < 0 || iv < 0 || !p->g->values[xv].shape_known || !p->g->values[iv].shape_known)
        return false;
    const eb_tensor *x = &p->g->values[xv].t, *ind = &p->g->values[iv].t, *y = &p->g->values[n->out[0]].t;
    size_t elem = eb_dtype_nbytes(x->dtype, 1);
    if (x->storage || ind->storage || x->rank < 1 || (elem != 1 && elem != 2 && elem != 4 && elem != 8) ||
        (ind->dtype != EB_DT_I64 && ind->dtype != EB_DT_I32) || y->dtype != x->dtype)
        return false;
    int axis = (int)eb_attr_int(n, "axis", 0);
    if (axis < 0)
        axis += x->rank;
    if (axis < 0 || axis >= x->rank)
        return false;
    cu_step *s = eb_cu_new_step(p, CS_GATHER, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->outer = 1;
    s->inner = 1;
    for (int d = 0; d < axis; d++)
        s->outer *= x->shape[d];
    for (int d = axis + 1; d < x->rank; d++)
        s->inner *= x->shape[d];
    s->rows = x->shape[axis];
    s->cols = eb_tensor_numel(ind);
    s->elem = (int)elem;
    s->op = ind->dtype == EB_DT_I64;
    s->y = p->vals[n->out[0]].d;
    if (!(s->x = eb_cu_val_f32(p, xv, st, err)) || !(s->w = eb_cu_val_f32(p, iv, st, err)))
        return false;
    return true;
}

static bool plan_split(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    if (n->in[0] < 0 || !p->g->values[n->in[0]].shape_known)
        return false;
    const eb_tensor *x = &p->g->values[n->in[0]].t;
    int axis = (int)eb_attr_int(n, "axis", 0);
    if (axis < 0)
        axis += x->rank;
    if (axis < 0 || axis >= x->rank || x->storage)
        return false;
    size_t elem = eb_dtype_nbytes(x->dtype, 1);
    int64_t outer = 1, inner = 1, total = 0;
    for (int d = 0; d < axis; d++)
        outer *= x->shape[d];
    for (int d = axis + 1; d < x->rank; d++)
        inner *= x->shape[d];
    for (int k = 0; k < n->n_out; k++) {
        int v = n->out[k];
        if (v < 0 || !p->g->values[v].shape_known || !p->vals[v].d || p->g->values[v].t.rank != x->rank ||
            p->g->values[v].t.dtype != x->dtype)
            return false;
        total += p->g->values[v].t.shape[axis];
    }
    if (total != x->shape[axis])
        return false;
    void **outs = calloc((size_t)n->n_out, sizeof *outs);
    int64_t *bytes = calloc((size_t)n->n_out, sizeof *bytes);
    cu_step *s = outs && bytes ? eb_cu_new_step(p, CS_SPLIT, ni, err) : NULL;
    if (!s) {
        free(outs);
        free(bytes);
        *st = eb_errf(err, EB_ENOMEM, "cuda: out of memory");
        return false;
    }
    s->outs = outs;
    s->part_bytes = bytes;
    s->n_parts = n->n_out;
    for (int k = 0; k < n->n_out; k++) {
        outs[k] = p->vals[n->out[k]].d;
        bytes[k] = p->g->values[n->out[k]].t.shape[axis] * inner * (int64_t)elem;
    }
    s->outer = outer;
    s->cols = x->shape[axis] * inner * (int64_t)elem; /* the input row's bytes */
    s->x = eb_cu_val_f32(p, n->in[0], st, err);
    return *st == EB_OK && s->x;
}

bool eb_cu_plan_movement(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    if (n->out[0] < 0 || !p->g->values[n->out[0]].shape_known || !p->vals[n->out[0]].d)
        return false;
    if (n->op == EB_OP_TRANSPOSE)
        return n->in[0] >= 0 && plan_transpose(p, ni, st, err);
    if (n->op == EB_OP_GATHER)
        return n->n_in == 2 && plan_gather(p, ni, st, err);
    if (n->op == EB_OP_SPLIT)
        return plan_split(p, ni, st, err);
    return plan_concat(p, ni, st, err); /* declined after adding its step: the walk drops it */
}
