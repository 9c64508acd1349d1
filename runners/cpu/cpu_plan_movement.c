/* cpu_plan_movement.c - the cpu runner's planners for data movement:
 * Transpose, the views (Reshape, Flatten, Squeeze, Unsqueeze, Identity,
 * Dropout alias their input), Concat/Split and Gather. */
#include "runners/cpu/cpu_plan.h"

bool eb_cpu_plan_transpose(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || !is_f32(&p->pv[yv].t) || x->rank < 1)
        return false;
    const int64_t *perm;
    int np = eb_attr_ints(n, "perm", &perm);
    if (np >= 0 && np != x->rank)
        return false;
    step *s = eb_cpu_one_in_one_out(p, ST_TRANSPOSE, ni, xv, LAY_NCHW, yv, st, err);
    if (!s)
        return false;
    s->tr.rank = x->rank;
    for (int d = 0; d < x->rank; d++) {
        s->tr.shape[d] = x->shape[d];
        s->tr.perm[d] = np >= 0 ? (int)perm[d] : x->rank - 1 - d;
    }
    return true;
}

/* No output past the first is read or a graph output (Dropout's mask as
 * PyTorch exports it). */
static bool only_first_output_used(const eb_plan *p, const eb_node *n)
{
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0 && (p->is_output[n->out[k]] || n_consumers(p, n->out[k]) > 0))
            return false;
    return true;
}

/* Views: the output is the input's bytes under another shape. */
bool eb_cpu_plan_view(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    if (!only_first_output_used(p, n) || p->pv[xv].t.dtype != p->pv[yv].t.dtype ||
        eb_tensor_nbytes(&p->pv[xv].t) != eb_tensor_nbytes(&p->pv[yv].t))
        return false;
    if (n->op == EB_OP_DROPOUT) {
        /* inference (no training_mode input, or a constant false one), or
         * training with a constant ratio of 0 (an identity too) */
        int tm = input_of(n, 2);
        const eb_tensor *t = const_tensor(p, tm);
        float ratio = -1.0f;
        bool zero_ratio = const_scalar(p, input_of(n, 1), &ratio) && ratio == 0.0f;
        if (tm >= 0 && (!t || t->dtype != EB_DT_BOOL || (*(const uint8_t *)t->data != 0 && !zero_ratio)))
            return false;
        if (eb_attr_int(n, "training_mode", 0) != 0 && !zero_ratio)
            return false;
    }
    if (p->pv[xv].is_const) {
        /* a view of a constant is that constant */
        p->pv[yv].is_const = true;
        p->pv[yv].t.data = p->pv[xv].t.data;
        return true;
    }
    bool keeps_layout = n->op == EB_OP_IDENTITY || n->op == EB_OP_DROPOUT;
    step *s = eb_cpu_one_in_one_out(p, ST_VIEW, ni, xv, keeps_layout ? p->pv[xv].layout : LAY_NCHW, yv, st, err);
    if (!s)
        return false;
    p->pv[yv].alias = s->in[0];
    p->pv[yv].layout = keeps_layout ? p->pv[s->in[0]].layout : LAY_NCHW;
    return true;
}

/* Bytes per element, 0 for what the movement kernels do not move. */
static size_t elem_size(const eb_tensor *t)
{
    return t->dtype > EB_DT_UNDEFINED && t->dtype < EB_DT_COUNT ? eb_dtypes[t->dtype].size : 0;
}

static int64_t dims_product(const eb_tensor *t, int from, int to)
{
    int64_t p = 1;
    for (int d = from; d < to; d++)
        p *= t->shape[d];
    return p;
}

/* Concat (inputs -> slots of each outer row) and Split (the reverse). */
bool eb_cpu_plan_concat_split(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    bool concat = n->op == EB_OP_CONCAT;
    int whole = concat ? n->out[0] : n->in[0];
    int pieces = concat ? n->n_in : n->n_out;
    const int *piece = concat ? n->in : n->out;
    const eb_tensor *w = &p->pv[whole].t;
    size_t es = elem_size(w);
    int axis;
    if (es == 0 || pieces > MAX_STEP_IO || pieces < 1 || !eb_norm_axis(eb_attr_int(n, "axis", 0), w->rank, &axis))
        return false;
    if (!concat && n->n_in > 1 && !const_tensor(p, n->in[1]))
        return false;
    int ids[MAX_STEP_IO];
    /* along the channels of NHWC values (densenet's Concats after its
     * convolutions): the same copies with pixels as the outer rows, and no
     * layout conversion on either side */
    lay l = LAY_NCHW;
    if (w->rank == 4 && axis == 1 && es == sizeof(float) && w->dtype == EB_DT_F32) {
        for (int k = 0; k < pieces && concat; k++)
            if (piece[k] >= 0 && !p->pv[piece[k]].is_const && p->pv[piece[k]].layout == LAY_NHWC &&
                !layout_neutral(&p->pv[piece[k]].t))
                l = LAY_NHWC;
        if (!concat && p->pv[whole].layout == LAY_NHWC && !layout_neutral(w))
            l = LAY_NHWC;
    }
    for (int k = 0; k < pieces; k++) {
        if (piece[k] < 0 || !p->g->values[piece[k]].shape_known || p->pv[piece[k]].t.dtype != w->dtype ||
            p->pv[piece[k]].t.rank != w->rank)
            return false;
        ids[k] = concat ? eb_cpu_want_layout(p, piece[k], l, err) : piece[k];
        if (ids[k] < 0) {
            *st = EB_ENOMEM;
            return false;
        }
    }
    int src = concat ? whole : eb_cpu_want_layout(p, whole, l, err);
    step *s = src < 0 ? NULL : eb_cpu_new_step(p, concat ? ST_CONCAT : ST_SPLIT, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    bool nhwc = l == LAY_NHWC; /* outer rows: the pixels; each piece: its channels */
    s->mv.outer = nhwc ? w->shape[0] * w->shape[2] * w->shape[3] : dims_product(w, 0, axis);
    s->mv.inner = (size_t)(nhwc ? w->shape[1] : dims_product(w, axis, w->rank)) * es;
    for (int k = 0; k < pieces; k++) {
        const eb_tensor *t = &p->pv[ids[k]].t;
        s->mv.part[k] = (size_t)(nhwc ? t->shape[1] : dims_product(t, axis, t->rank)) * es;
        if (concat)
            s->in[k] = ids[k];
        else
            s->out[k] = ids[k];
    }
    if (concat) {
        s->n_in = pieces;
        s->n_out = 1;
        s->out[0] = whole;
        p->pv[whole].layout = nhwc && !layout_neutral(w) ? LAY_NHWC : LAY_NCHW;
        eb_cpu_concat_slices(p, ni, s); /* producers writing into its slices (opt >= 1) */
    } else {
        s->n_in = 1;
        s->in[0] = src;
        s->n_out = pieces;
        for (int k = 0; k < pieces; k++)
            p->pv[ids[k]].layout = nhwc && !layout_neutral(&p->pv[ids[k]].t) ? LAY_NHWC : LAY_NCHW;
    }
    return true;
}

bool eb_cpu_plan_gather(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int dv = n->in[0], iv = n->in[1], yv = n->out[0];
    const eb_tensor *d = &p->pv[dv].t, *idx = &p->pv[iv].t;
    size_t es = elem_size(d);
    int axis;
    if (es == 0 || (idx->dtype != EB_DT_I32 && idx->dtype != EB_DT_I64) || d->rank < 1 ||
        !eb_norm_axis(eb_attr_int(n, "axis", 0), d->rank, &axis) || p->pv[yv].t.dtype != d->dtype)
        return false;
    int din = eb_cpu_want_layout(p, dv, LAY_NCHW, err), iin = eb_cpu_want_layout(p, iv, LAY_NCHW, err);
    step *s = din < 0 || iin < 0 ? NULL : eb_cpu_new_step(p, ST_GATHER, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 2;
    s->in[0] = din;
    s->in[1] = iin;
    s->n_out = 1;
    s->out[0] = yv;
    s->mv.outer = dims_product(d, 0, axis);
    s->mv.axis_dim = d->shape[axis];
    s->mv.inner = (size_t)dims_product(d, axis + 1, d->rank) * es;
    s->mv.n_idx = eb_tensor_numel(idx);
    return true;
}
