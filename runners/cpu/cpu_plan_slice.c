/* cpu_plan_slice.c - the cpu runner's planners for Slice, Pad and Split
 * along an outer axis.
 *
 * A Slice that takes one contiguous range of x (dims before the sliced one
 * picked singly, dims after it whole, step 1) is a view: its output aliases
 * x's bytes from an offset (pval.alias_off), with no copy, as a Split
 * whose pieces are contiguous (nothing but dims of 1 before the axis) is a
 * set of views.  Any other Slice (steps, negative ones too, several axes)
 * and every Pad (constant, edge, reflect, wrap) is an index-map copy
 * (remap.c) in the layout x is stored in.  The parameters are read by the
 * same functions as the shape rule and the reference kernels
 * (eb_slice_params, eb_pad_plan_make, eb_split_plan), so they must be
 * constants; anything else falls back. */
#include "models/op_params.h"
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>
#include <string.h>

/* Bytes per element, 0 for what the copy does not move (packed i4). */
static size_t elem_bytes(const eb_tensor *t)
{
    return t->dtype > EB_DT_UNDEFINED && t->dtype < EB_DT_COUNT && eb_whole_bytes(t->dtype)
               ? eb_dtypes[t->dtype].size
               : 0;
}

/* in[] for the parameter readers: x, then the node's other inputs, which
 * must be constants (NULL when omitted); false when one is computed. */
static bool const_inputs(const eb_plan *p, const eb_node *n, const eb_tensor **in)
{
    in[0] = &p->pv[n->in[0]].t;
    for (int k = 1; k < n->n_in; k++) {
        in[k] = n->in[k] >= 0 ? const_tensor(p, n->in[k]) : NULL;
        if (n->in[k] >= 0 && !in[k])
            return false;
    }
    return true;
}

/* The layout a copy of x runs in: x's own (its dims permuted by `order`). */
static lay copy_layout(const eb_plan *p, int xv, int order[EB_MAX_RANK])
{
    const eb_tensor *x = &p->pv[xv].t;
    bool nhwc = p->pv[xv].layout == LAY_NHWC && x->rank == 4 && !layout_neutral(x) && !p->pv[xv].is_const;
    static const int NHWC[4] = {0, 2, 3, 1};
    for (int d = 0; d < x->rank; d++)
        order[d] = nhwc ? NHWC[d] : d;
    return nhwc ? LAY_NHWC : LAY_NCHW;
}

/* Adds the remap step x -> y from the logical maps (maps[d]: y->shape[d]
 * values each, owned by the call) in layout l / order; x's dims are
 * xdims (y's rank: Expand aligns x's on the right); merges the inner
 * dims that copy whole. */
static bool add_remap_dims(eb_plan *p, int ni, int xv, const int64_t *xdims, int yv, int64_t *maps, lay l,
                           const int order[EB_MAX_RANK], const unsigned char *fill, eb_status *st, eb_err *err)
{
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    eb_remap r = {.maps = maps, .es = elem_bytes(x)};
    r.block = r.es;
    int64_t *lmap[EB_MAX_RANK];
    int64_t *m = maps;
    for (int d = 0; d < y->rank; d++) {
        lmap[d] = m;
        m += y->shape[d];
    }
    int64_t in_dims[EB_MAX_RANK];
    r.rank = y->rank;
    for (int k = 0; k < y->rank; k++) {
        r.out[k] = y->shape[order[k]];
        in_dims[k] = xdims[order[k]];
        r.map[k] = lmap[order[k]];
    }
    /* inner dims copied whole become part of the block */
    while (r.rank > 1) {
        int k = r.rank - 1;
        bool whole = r.out[k] == in_dims[k];
        for (int64_t i = 0; whole && i < r.out[k]; i++)
            whole = r.map[k][i] == i;
        if (!whole)
            break;
        r.block *= (size_t)in_dims[k];
        r.rank--;
    }
    r.in_stride[r.rank - 1] = 1;
    for (int k = r.rank - 2; k >= 0; k--)
        r.in_stride[k] = r.in_stride[k + 1] * in_dims[k + 1];
    if (fill)
        memcpy(r.fill, fill, r.es);
    r.fill_zero = true;
    for (size_t b = 0; b < r.es; b++)
        r.fill_zero = r.fill_zero && r.fill[b] == 0;
    int xin = eb_cpu_want_layout(p, xv, l, err);
    step *s = xin < 0 || eb_remap_prepare(&r, err) != EB_OK ? NULL : eb_cpu_new_step(p, ST_REMAP, ni, err);
    if (!s) {
        eb_remap_release(&r);
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = s->n_out = 1;
    s->in[0] = xin;
    s->out[0] = yv;
    s->remap = r;
    p->pv[yv].layout = layout_neutral(y) ? LAY_NCHW : l;
    return true;
}

static bool add_remap(eb_plan *p, int ni, int xv, int yv, int64_t *maps, lay l, const int order[EB_MAX_RANK],
                      const unsigned char *fill, eb_status *st, eb_err *err)
{
    return add_remap_dims(p, ni, xv, p->pv[xv].t.shape, yv, maps, l, order, fill, st, err);
}

/* y as a view of x's bytes [off, off + size(y)) stored in layout l: a
 * constant x gives a constant y. */
static bool add_view(eb_plan *p, int ni, int xv, int yv, size_t off, lay l, eb_status *st, eb_err *err)
{
    if (p->pv[xv].is_const) {
        p->pv[yv].is_const = true;
        p->pv[yv].t.data = (char *)p->pv[xv].t.data + off;
        return true;
    }
    step *s = eb_cpu_one_in_one_out(p, ST_VIEW, ni, xv, l, yv, st, err);
    if (!s)
        return false;
    p->pv[yv].alias = s->in[0];
    p->pv[yv].alias_off = off;
    p->pv[yv].layout = l;
    return true;
}

static int64_t *alloc_maps(const eb_tensor *y, eb_status *st, eb_err *err)
{
    int64_t total = 0;
    for (int d = 0; d < y->rank; d++)
        total += y->shape[d];
    int64_t *m = malloc(sizeof(int64_t) * (size_t)(total + 1));
    if (!m)
        *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    return m;
}

bool eb_cpu_plan_slice(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    const eb_tensor *in[5] = {NULL};
    size_t es = elem_bytes(x);
    if (es == 0 || n->n_in > 5 || y->dtype != x->dtype || x->rank < 1 || y->rank != x->rank || eb_tensor_numel(y) < 1 ||
        !const_inputs(p, n, in))
        return false;
    int64_t first[EB_MAX_RANK], step_[EB_MAX_RANK], count[EB_MAX_RANK];
    eb_err ignored;
    if (eb_slice_params(n, in, x, first, step_, count, &ignored) != EB_OK)
        return false;
    for (int d = 0; d < x->rank; d++)
        if (count[d] != y->shape[d])
            return false;
    /* a view when it is one contiguous range of x as stored */
    if (p->pv[xv].is_const || p->pv[xv].layout == LAY_NCHW || layout_neutral(x)) {
        int d = 0;
        while (d < x->rank && count[d] == 1)
            d++;
        bool contiguous = d == x->rank || step_[d] == 1;
        for (int e = d + 1; e < x->rank && contiguous; e++)
            contiguous = first[e] == 0 && step_[e] == 1 && count[e] == x->shape[e];
        if (contiguous) {
            int64_t stride[EB_MAX_RANK];
            eb_row_major_strides(x, stride);
            size_t off = 0;
            for (int e = 0; e < x->rank; e++)
                off += (size_t)(first[e] * stride[e]) * es;
            return add_view(p, ni, xv, yv, off, LAY_NCHW, st, err);
        }
    }
    int64_t *maps = alloc_maps(y, st, err);
    if (!maps)
        return false;
    int64_t *m = maps;
    for (int d = 0; d < y->rank; d++)
        for (int64_t i = 0; i < y->shape[d]; i++)
            *m++ = first[d] + i * step_[d];
    int order[EB_MAX_RANK];
    lay l = copy_layout(p, xv, order);
    return add_remap(p, ni, xv, yv, maps, l, order, NULL, st, err);
}

/* A Pad of zeros on H and W only, read by nothing but a Conv (PyTorch
 * exports these): the Conv is planned here, on the Pad's input with the
 * pads added to its own, and the Pad has no step. */
static bool fold_into_conv(eb_plan *p, int ni, const eb_pad_plan *pp, const unsigned char *fill, size_t es,
                           eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    int c = sole_consumer(p, yv);
    if (p->opt < 1 || c < 0 || pp->mode != EB_PAD_CONSTANT || p->pv[xv].t.rank != 4 || !is_f32(&p->pv[xv].t))
        return false;
    const eb_node *cn = &p->g->nodes[c];
    const char *ap = eb_attr_string(cn, "auto_pad", "NOTSET");
    int wv = input_of(cn, 1), bv = input_of(cn, 2);
    if (cn->op != EB_OP_CONV || cn->quant || cn->in[0] != yv || (strcmp(ap, "NOTSET") && strcmp(ap, "VALID")) ||
        wv < 0 || !p->pv[wv].is_const || (bv >= 0 && !p->pv[bv].is_const) || eb_cpu_compressed_takes(p, c))
        return false;
    for (size_t b = 0; b < es; b++)
        if (fill[b])
            return false;
    for (int d = 0; d < 4; d++)
        if (pp->before[d] < 0 || pp->after[d] < 0 || pp->before[d] > 1 << 16 || pp->after[d] > 1 << 16 ||
            (d < 2 && (pp->before[d] || pp->after[d])))
            return false;
    int pads[4] = {(int)pp->before[2], (int)pp->before[3], (int)pp->after[2], (int)pp->after[3]};
    int planning = p->planning;
    p->planning = c; /* what the Conv's epilogue fuses belongs to its step */
    bool ok = eb_cpu_plan_conv_padded(p, c, xv, pads, st, err);
    p->planning = planning;
    if (!ok)
        return false;
    eb_cpu_note_fusion(p, "Pad+Conv");
    p->node_done[c] = true;
    p->fused_head[c] = c;
    p->pv[yv].fused = true;
    return true;
}

bool eb_cpu_plan_pad(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    const eb_tensor *in[4] = {NULL};
    size_t es = elem_bytes(x);
    if (es == 0 || es > 16 || n->n_in > 4 || y->dtype != x->dtype || x->rank < 1 || y->rank != x->rank ||
        eb_tensor_numel(y) < 1 || eb_tensor_numel(x) < 1 || !const_inputs(p, n, in))
        return false;
    eb_pad_plan pp;
    int64_t shape[EB_MAX_RANK];
    eb_err ignored;
    if (eb_pad_plan_make(n, in, x, &pp, shape, &ignored) != EB_OK)
        return false;
    unsigned char fill[16] = {0};
    const eb_tensor *cv = n->opset >= 11 && n->n_in > 2 ? in[2] : NULL;
    if (n->opset < 11)
        eb_dtype_set_f64(x->dtype, fill, 0, eb_attr_float(n, "value", 0.0f));
    else if (cv && eb_tensor_numel(cv) == 1)
        memcpy(fill, cv->data, es);
    if (fold_into_conv(p, ni, &pp, fill, es, st, err) || *st != EB_OK)
        return *st == EB_OK;
    int order[EB_MAX_RANK];
    lay l = copy_layout(p, xv, order);
    bool identity = true; /* PyTorch's Pad of zeros before an AveragePool */
    for (int d = 0; d < x->rank; d++)
        identity = identity && pp.before[d] == 0 && pp.after[d] == 0;
    if (identity)
        return add_view(p, ni, xv, yv, 0, l, st, err);
    int64_t *maps = alloc_maps(y, st, err);
    if (!maps)
        return false;
    int64_t *m = maps;
    for (int d = 0; d < y->rank; d++)
        for (int64_t i = 0; i < y->shape[d]; i++)
            *m++ = eb_pad_source(&pp, d, i);
    return add_remap(p, ni, xv, yv, maps, l, order, fill, st, err);
}

/* Split along an axis with only dims of 1 before it: each piece is a
 * contiguous range of x, so a view. */
bool eb_cpu_plan_split_view(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0];
    const eb_tensor *x = &p->pv[xv].t;
    const eb_tensor *in[2] = {NULL};
    size_t es = elem_bytes(x);
    if (es == 0 || n->n_in > 2 || n->n_out > MAX_STEP_IO || p->pv[xv].is_const || !const_inputs(p, n, in) ||
        (p->pv[xv].layout == LAY_NHWC && !layout_neutral(x)))
        return false;
    int axis;
    int64_t *sizes = NULL;
    eb_err ignored;
    if (eb_split_plan(n, in, x, &axis, &sizes, &ignored) != EB_OK)
        return false;
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; d++)
        outer *= x->shape[d];
    for (int d = axis + 1; d < x->rank; d++)
        inner *= x->shape[d];
    bool ok = outer == 1;
    for (int k = 0; ok && k < n->n_out; k++)
        ok = n->out[k] < 0 || (p->pv[n->out[k]].t.dtype == x->dtype &&
                               eb_tensor_numel(&p->pv[n->out[k]].t) == sizes[k] * inner);
    step *s = ok ? eb_cpu_new_step(p, ST_VIEW, ni, err) : NULL;
    if (!s) {
        free(sizes);
        if (ok)
            *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 1;
    s->in[0] = xv;
    s->n_out = n->n_out;
    size_t off = 0;
    for (int k = 0; k < n->n_out; k++) {
        int v = n->out[k];
        s->out[k] = v;
        if (v >= 0) {
            p->pv[v].alias = xv;
            p->pv[v].alias_off = off;
            p->pv[v].layout = LAY_NCHW;
        }
        off += (size_t)(sizes[k] * inner) * es;
    }
    free(sizes);
    return true;
}

/* Expand (broadcast x to a constant shape) and Tile (constant repeats):
 * index maps that repeat x's elements, in NCHW order. */
bool eb_cpu_plan_expand_tile(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    const eb_tensor *in[2] = {NULL};
    if (elem_bytes(x) == 0 || n->n_in != 2 || y->dtype != x->dtype || y->rank < 1 || y->rank < x->rank ||
        eb_tensor_numel(y) < 1 || !const_inputs(p, n, in))
        return false;
    if (n->op == EB_OP_TILE && x->rank != y->rank)
        return false;
    int64_t xdims[EB_MAX_RANK];
    for (int d = 0; d < y->rank; d++) {
        int xd = d - (y->rank - x->rank);
        xdims[d] = xd >= 0 ? x->shape[xd] : 1;
        bool ok = n->op == EB_OP_TILE ? xdims[d] > 0 && y->shape[d] % xdims[d] == 0
                                      : xdims[d] == y->shape[d] || xdims[d] == 1;
        if (!ok)
            return false;
    }
    int64_t *maps = alloc_maps(y, st, err);
    if (!maps)
        return false;
    int64_t *m = maps;
    for (int d = 0; d < y->rank; d++)
        for (int64_t i = 0; i < y->shape[d]; i++)
            *m++ = n->op == EB_OP_TILE ? i % xdims[d] : xdims[d] == 1 ? 0 : i;
    int order[EB_MAX_RANK];
    for (int d = 0; d < y->rank; d++)
        order[d] = d;
    return add_remap_dims(p, ni, xv, xdims, yv, maps, LAY_NCHW, order, NULL, st, err);
}
