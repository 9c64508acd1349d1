/* cpu_plan_resample.c - the cpu runner's planners for upsampling: 2-D
 * Resize/Upsample (nearest, linear and cubic over H and W, or D, H and W
 * of NCDHW values) and 1-D and 2-D
 * ConvTranspose (GEMM + col2im: NHWC, 1-D on N, C, L; resample_f32.h).
 *
 * Resize runs in NCHW or NHWC, whichever keeps layout conversions off
 * the larger side.  Both decode the node with the functions the shape rule and the
 * reference kernel use (eb_resize_plan_make and eb_resize_taps,
 * eb_conv_transpose_geometry), so the fast path cannot mean something
 * else; what they do not take (resizing N or C, tf_crop_and_resize's
 * extrapolation) goes to the
 * reference fallback. */
#include "models/op_params.h"
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>
#include <string.h>

/* Dim d maps every output index to the same input index with weight 1. */
static bool identity_axis(const eb_resize_plan *rp, int d, int64_t len)
{
    for (int64_t o = 0; o < len; o++) {
        int64_t idx[4];
        double w[4], at_o = 0, elsewhere = 0;
        int k = eb_resize_taps(rp, d, len, o, idx, w);
        if (k == 0)
            return false;
        for (int i = 0; i < k; i++)
            if (idx[i] == o) /* cubic on a dim of 1: taps of both signs on the one element, summing to 1 */
                at_o += w[i];
            else
                elsewhere += w[i] < 0 ? -w[i] : w[i];
        if (at_o != 1.0 || elsewhere != 0.0)
            return false;
    }
    return true;
}

/* The taps of axis d (2, 3 or 4) into owned tables; false when some output
 * coordinate extrapolates or out of memory. */
static bool axis_tables(const eb_resize_plan *rp, int d, int64_t in_len, int64_t len, int taps, int32_t **idx_out,
                        float **w_out)
{
    int32_t *ti = malloc(sizeof(int32_t) * (size_t)(len * taps));
    float *tw = malloc(sizeof(float) * (size_t)(len * taps));
    bool ok = ti && tw;
    for (int64_t o = 0; ok && o < len; o++) {
        int64_t idx[4];
        double w[4];
        ok = eb_resize_taps(rp, d, in_len, o, idx, w) == taps;
        for (int i = 0; ok && i < taps; i++) {
            ti[o * taps + i] = (int32_t)idx[i];
            tw[o * taps + i] = (float)w[i];
        }
    }
    if (!ok) {
        free(ti);
        free(tw);
        return false;
    }
    *idx_out = ti;
    *w_out = tw;
    return true;
}

bool eb_cpu_plan_resize(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    if (!is_f32(x) || !is_f32(y) || (x->rank != 4 && x->rank != 5) || y->rank != x->rank || !single_output(n) ||
        n->n_in > 4)
        return false;
    int r3 = x->rank == 5; /* 3-D: NCDHW, resized over D, H and W */
    for (int d = 0; d < x->rank; d++)
        if (x->shape[d] < 1 || y->shape[d] < 1 || x->shape[d] > INT32_MAX / 4 || y->shape[d] > INT32_MAX / 4)
            return false;
    if (eb_tensor_numel(x) > INT32_MAX || eb_tensor_numel(y) > INT32_MAX)
        return false;
    const eb_tensor *ins[4] = {NULL, NULL, NULL, NULL};
    for (int k = 0; k < n->n_in; k++)
        ins[k] = n->in[k] >= 0 ? &p->g->values[n->in[k]].t : NULL;
    eb_resize_plan rp;
    eb_err ignored;
    if (eb_resize_plan_make(n, ins, &rp, &ignored) != EB_OK)
        return false;
    for (int d = 0; d < x->rank; d++)
        if (rp.out[d] != y->shape[d])
            return false;
    if (y->shape[0] != x->shape[0] || y->shape[1] != x->shape[1] || !identity_axis(&rp, 0, x->shape[0]) ||
        !identity_axis(&rp, 1, x->shape[1]))
        return false;
    eb_resize2d r = {.n = (int)x->shape[0], .c = (int)x->shape[1], .h = (int)x->shape[2 + r3],
                     .w = (int)x->shape[3 + r3], .oh = (int)y->shape[2 + r3], .ow = (int)y->shape[3 + r3],
                     .taps = rp.mode == EB_RESIZE_NEAREST ? 1 : rp.mode == EB_RESIZE_CUBIC ? 4 : 2,
                     .d = r3 ? (int)x->shape[2] : 0, .od = r3 ? (int)y->shape[2] : 0};
    if ((r3 && !axis_tables(&rp, 2, x->shape[2], y->shape[2], r.taps, &r.iz, &r.wz)) ||
        !axis_tables(&rp, 2 + r3, x->shape[2 + r3], y->shape[2 + r3], r.taps, &r.iy, &r.wy) ||
        !axis_tables(&rp, 3 + r3, x->shape[3 + r3], y->shape[3 + r3], r.taps, &r.ix, &r.wx)) {
        eb_resize2d_free(&r);
        return false;
    }
    /* NHWC when the input already is and the output feeds more of the
     * NHWC kernels; NCHW when the input is NCHW or the output leaves the
     * graph, so that an upsampled (larger) output is never converted */
    r.nchw = r3 || p->pv[xv].layout == LAY_NCHW || p->is_output[n->out[0]];
    lay want = r.nchw ? LAY_NCHW : LAY_NHWC;
    step *s = eb_cpu_one_in_one_out(p, ST_RESIZE, ni, xv, want, yv, st, err);
    if (!s) {
        eb_resize2d_free(&r);
        return false;
    }
    s->rs = r;
    p->pv[yv].layout = layout_neutral(y) ? LAY_NCHW : want;
    return true;
}

/* The ST_DECONV step of node ni for weights (and bias) computed at run
 * time: geometry d, no packed weights; exec packs them each run. */
static bool deconv_runtime_step(eb_plan *p, int ni, const eb_deconv2d *d, int one, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int bv = input_of(n, 2);
    if (bv >= 0 && eb_tensor_numel(&p->pv[bv].t) != d->m)
        return false;
    int win = eb_cpu_want_layout(p, n->in[1], LAY_NCHW, err), bin = bv >= 0 ? eb_cpu_want_layout(p, bv, LAY_NCHW, err) : -1;
    step *s = win < 0 || bin < -1 ? NULL : eb_cpu_one_in_one_out(p, ST_DECONV, ni, n->in[0], one ? LAY_NCHW : LAY_NHWC,
                                                                n->out[0], st, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->dc = *d;
    s->runtime_w = true;
    s->n_in = bv >= 0 ? 3 : 2;
    s->in[1] = win;
    s->in[2] = bin;
    s->scratch_bytes = sizeof(float) * eb_deconv2d_scratch_floats(d);
    p->pv[n->out[0]].layout = one || layout_neutral(&p->pv[n->out[0]].t) ? LAY_NCHW : LAY_NHWC;
    return true;
}

bool eb_cpu_plan_conv_transpose(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], wv = n->in[1], bv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t, *w = const_tensor(p, wv), *b = const_tensor(p, bv);
    /* weights (and bias) computed at run time: packed per run (ST_DECONV's runtime_w) */
    bool runtime_w = !w || (bv >= 0 && !b);
    if (runtime_w) {
        w = &p->pv[wv].t;
        b = bv >= 0 ? &p->pv[bv].t : NULL;
        if (!p->g->values[wv].shape_known || w->storage || (b && b->storage))
            return false;
    }
    if (!is_f32(x) || !is_f32(y) || !is_f32(w) || (!runtime_w && !w->data) || w->storage ||
        (x->rank != 3 && x->rank != 4) || y->rank != x->rank ||
        (bv >= 0 && (!is_f32(b) || (!runtime_w && !b->data) || b->storage)))
        return false;
    eb_window g;
    int64_t group;
    eb_err ignored;
    if (eb_conv_transpose_geometry(n, x, w, &g, &group, &ignored) != EB_OK)
        return false;
    for (int d = 0; d < x->rank; d++)
        if (x->shape[d] < 1 || y->shape[d] < 1 || x->shape[d] > INT32_MAX / 4 || y->shape[d] > INT32_MAX / 4)
            return false;
    /* as 2-D: a 1-D node is one row (H = 1, a 1-tap kernel along it) */
    int one = x->rank == 3;
    int64_t in2[2] = {1, 1}, out2[2] = {1, 1}, k2[2] = {1, 1}, s2[2] = {1, 1}, d2[2] = {1, 1}, p2[2] = {0, 0};
    for (int d = 0; d < g.nd; d++) {
        in2[one + d] = g.in[d];
        out2[one + d] = g.out[d];
        k2[one + d] = g.kernel[d];
        s2[one + d] = g.stride[d];
        d2[one + d] = g.dil[d];
        p2[one + d] = g.pad_begin[d];
    }
    for (int d = 0; d < 2; d++)
        if (k2[d] > 1 << 12 || s2[d] > 1 << 12 || d2[d] > 1 << 12 || p2[d] > 1 << 20 || p2[d] < -(1 << 20))
            return false;
    int64_t mg = w->shape[1], taps = k2[0] * k2[1];
    if (in2[0] * in2[1] * taps * mg > INT32_MAX || in2[0] * in2[1] * x->shape[1] > INT32_MAX ||
        taps * mg > INT32_MAX / 4 || eb_tensor_numel(y) > INT32_MAX)
        return false;
    eb_deconv2d d = {.n = (int)x->shape[0], .c = (int)x->shape[1], .h = (int)in2[0], .w = (int)in2[1],
                     .m = (int)(mg * group), .oh = (int)out2[0], .ow = (int)out2[1], .kh = (int)k2[0],
                     .kw = (int)k2[1], .sh = (int)s2[0], .sw = (int)s2[1], .dh = (int)d2[0], .dw = (int)d2[1],
                     .pt = (int)p2[0], .pl = (int)p2[1], .group = (int)group, .nchw = one};
    if (runtime_w)
        return deconv_runtime_step(p, ni, &d, one, st, err);
    if (b) {
        d.bias = malloc(sizeof(float) * (size_t)d.m);
        if (!d.bias) {
            *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
            return false;
        }
        memcpy(d.bias, b->data, sizeof(float) * (size_t)d.m);
    }
    if ((*st = eb_deconv2d_pack(&d, w->data, err)) != EB_OK) {
        eb_deconv2d_free(&d);
        return false;
    }
    /* 1-D values are N, C, L in either layout */
    step *s = eb_cpu_one_in_one_out(p, ST_DECONV, ni, xv, one ? LAY_NCHW : LAY_NHWC, yv, st, err);
    if (!s) {
        eb_deconv2d_free(&d);
        return false;
    }
    s->dc = d;
    s->scratch_bytes = sizeof(float) * eb_deconv2d_scratch_floats(&d);
    p->pv[yv].layout = one || layout_neutral(y) ? LAY_NCHW : LAY_NHWC;
    return true;
}
