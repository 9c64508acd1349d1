/* cpu_plan_gemm.c - the cpu runner's planners for the GEMM family: Conv
 * (im2row/direct/Winograd GEMM, or the depthwise kernel when groups equal
 * the channels), Gemm and MatMul with a 2-D B (one packed GEMM), and
 * MatMul with a run-time B (attention: packed per batch matrix). */
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>
#include <string.h>

bool eb_cpu_plan_conv(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    static const int none[4] = {0, 0, 0, 0};
    return eb_cpu_plan_conv_padded(p, ni, p->g->nodes[ni].in[0], none, st, err);
}

/* Conv node ni reading xv, with pads[4] (top, left, bottom, right) of zeros
 * more around it than its own: a Pad folded into it (cpu_plan_slice.c). */
bool eb_cpu_plan_conv_padded(eb_plan *p, int ni, int xv, const int pads[4], eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int wv = n->in[1], bv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *w = &p->pv[wv].t, *y = &p->pv[yv].t;
    const eb_tensor *b = bv >= 0 ? &p->pv[bv].t : NULL;
    if (!is_f32(x) || !is_f32(w) || !is_f32(y) || (b && !is_f32(b)) || w->rank != 4)
        return false;
    int64_t groups = eb_attr_int(n, "group", 1);
    eb_win2d win;
    if (!eb_cpu_window_of(n, x, y, (int)w->shape[2], (int)w->shape[3], &win) || groups < 1 || win.c % groups)
        return false;
    win.pt += pads[0], win.pl += pads[1], win.pb += pads[2], win.pr += pads[3];
    int cout = (int)y->shape[1];
    bool runtime = !p->pv[wv].is_const || (bv >= 0 && !p->pv[bv].is_const);
    bool depthwise = groups == win.c && cout == win.c && w->shape[1] == 1;

    epi e = {.cout = cout, .axis = 1, .allow_bn = !runtime};
    int out = yv;
    if (!runtime) {
        if (b && (*st = eb_cpu_epi_bias(&e, err)) == EB_OK)
            memcpy(e.bias, b->data, sizeof(float) * (size_t)cout);
        if (*st == EB_OK)
            out = eb_cpu_fuse_epilogue(p, yv, &e, err, st);
        if (*st != EB_OK) {
            free(e.bias);
            free(e.scale);
            return false;
        }
    }
    int xin = eb_cpu_want_layout(p, xv, LAY_NHWC, err);
    int win_v = runtime && xin >= 0 ? eb_cpu_want_layout(p, wv, LAY_NCHW, err) : -1; /* W computed at run time */
    step *s = xin < 0 || win_v < -1 ? NULL : eb_cpu_new_step(p, depthwise ? ST_DWCONV : ST_CONV, ni, err);
    if (!s) {
        free(e.bias);
        free(e.scale);
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 3;
    s->in[0] = xin;
    s->in[1] = win_v;
    s->in[2] = runtime ? bv : -1;
    s->n_out = 1;
    s->out[0] = out;
    s->runtime_w = runtime;
    p->pv[out].layout = layout_neutral(&p->pv[out].t) ? LAY_NCHW : LAY_NHWC;
    if (depthwise) {
        s->dw.win = win;
        s->dw.row = eb_kernel_pick(EB_KERNEL_DWCONV, p->isa)->fn.dwconv;
        SET_ACT(s->dw, e);
        if (!runtime)
            *st = eb_dwconv2d_pack(&s->dw, w->data, e.scale, e.bias, err);
    } else {
        s->conv.win = win;
        s->conv.cout = cout;
        s->conv.groups = (int)groups;
        SET_ACT(s->conv, e);
        if (!runtime) {
            *st = eb_conv2d_pack(&s->conv, w->data, e.scale, e.bias, err);
        } else {
            eb_conv2d_geometry(&s->conv); /* weights are packed per run */
        }
        s->scratch_bytes = sizeof(float) * eb_conv2d_scratch_floats(&s->conv);
    }
    free(e.bias);
    free(e.scale);
    return *st == EB_OK;
}

/* Gemm (transA = 0) and MatMul with a 2-D B: one GEMM over all rows of A. */
bool eb_cpu_plan_gemm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], bv = n->in[1], cv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *a = &p->pv[av].t, *b = &p->pv[bv].t, *y = &p->pv[yv].t;
    if (!is_f32(a) || !is_f32(b) || !is_f32(y))
        return false;
    bool is_gemm = n->op == EB_OP_GEMM;
    bool trans_b = is_gemm && eb_attr_int(n, "transB", 0) != 0;
    float alpha = is_gemm ? eb_attr_float(n, "alpha", 1.0f) : 1.0f;
    float beta = is_gemm ? eb_attr_float(n, "beta", 1.0f) : 1.0f;
    int64_t k, nn, m;
    if (is_gemm) {
        if (eb_attr_int(n, "transA", 0) != 0)
            return false;
        m = a->shape[0];
        k = a->shape[1];
        nn = y->shape[1];
    } else {
        if (a->rank < 2 || b->rank < 2)
            return false;
        for (int d = 0; d < b->rank - 2; d++)
            if (b->shape[d] != 1)
                return false;
        if (b->rank > a->rank) /* B's leading 1s would add dims to Y */
            return false;
        k = a->shape[a->rank - 1];
        nn = b->shape[b->rank - 1];
        m = k > 0 ? eb_tensor_numel(a) / k : 0;
    }
    if (m < 1 || k < 1 || nn < 1 || m > INT32_MAX || k > INT32_MAX || nn > INT32_MAX)
        return false;
    bool runtime = !p->pv[bv].is_const;
    if (runtime && alpha != 1.0f)
        return false;
    epi e = {.cout = (int)nn, .axis = y->rank - 1};
    if (is_gemm && cv >= 0 && beta != 0.0f) {
        const eb_tensor *c = const_tensor(p, cv);
        if (!c || c->rank > 2 || (c->rank == 2 && c->shape[0] != 1) || !eb_cpu_per_axis_const(c, y, 1))
            return false;
        if ((*st = eb_cpu_epi_bias(&e, err)) != EB_OK)
            return false;
        bool one = eb_tensor_numel(c) == 1;
        for (int i = 0; i < nn; i++)
            e.bias[i] = beta * ((const float *)c->data)[one ? 0 : i];
    }
    int out = eb_cpu_fuse_epilogue(p, yv, &e, err, st);
    int ain = *st != EB_OK ? -2 : eb_cpu_want_layout(p, av, LAY_NCHW, err);
    int bin = ain < 0 || !runtime ? -1 : eb_cpu_want_layout(p, bv, LAY_NCHW, err);
    step *s = ain < 0 || bin < -1 ? NULL : eb_cpu_new_step(p, ST_GEMM, ni, err);
    if (!s) {
        free(e.bias);
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->n_in = 2;
    s->in[0] = ain;
    s->in[1] = bin;
    s->n_out = 1;
    s->out[0] = out;
    s->runtime_w = runtime;
    s->gemm.m = (int)m;
    s->gemm.n = (int)nn;
    s->gemm.k = (int)k;
    s->gemm.trans_b = trans_b;
    s->gemm.bias = e.bias;
    SET_ACT(s->gemm, e);
    if (!runtime) {
        const float *bd = b->data;
        float *scaled = NULL;
        if (alpha != 1.0f) {
            size_t cnt = (size_t)k * (size_t)nn;
            if (!(scaled = malloc(sizeof(float) * cnt))) {
                *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
                return false;
            }
            for (size_t i = 0; i < cnt; i++)
                scaled[i] = bd[i] * alpha;
            bd = scaled;
        }
        *st = eb_gemm_pack_b(bd, (int)k, (int)nn, trans_b ? (int)k : (int)nn, trans_b, &s->gemm.pb, err);
        free(scaled);
    }
    return *st == EB_OK;
}

/* MatMul with a B computed at run time (attention): per batch matrix, B is
 * packed then multiplied. */
bool eb_cpu_plan_matmul_batched(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], bv = n->in[1], yv = n->out[0];
    const eb_tensor *a = &p->pv[av].t, *b = &p->pv[bv].t, *y = &p->pv[yv].t;
    if (!is_f32(a) || !is_f32(b) || !is_f32(y) || a->rank < 2 || b->rank < 2)
        return false;
    int ain = eb_cpu_want_layout(p, av, LAY_NCHW, err), bin = eb_cpu_want_layout(p, bv, LAY_NCHW, err);
    step *s = ain < 0 || bin < 0 ? NULL : eb_cpu_new_step(p, ST_MATMUL, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->mm.m = a->shape[a->rank - 2];
    s->mm.k = a->shape[a->rank - 1];
    s->mm.n = b->shape[b->rank - 1];
    if (s->mm.m > INT32_MAX || s->mm.k > INT32_MAX || s->mm.n > INT32_MAX) {
        p->n_steps--;
        return false;
    }
    eb_tensor ab = {.dtype = EB_DT_F32, .rank = a->rank - 2}, bb = {.dtype = EB_DT_F32, .rank = b->rank - 2};
    memcpy(ab.shape, a->shape, sizeof(int64_t) * (size_t)ab.rank);
    memcpy(bb.shape, b->shape, sizeof(int64_t) * (size_t)bb.rank);
    const eb_tensor *bs[2] = {&ab, &bb};
    s->mm.yb.dtype = EB_DT_F32;
    if (eb_broadcast_shapes("MatMul", bs, 2, &s->mm.yb, err) != EB_OK) {
        p->n_steps--;
        return false;
    }
    eb_broadcast_strides(&ab, &s->mm.yb, s->mm.sa);
    eb_broadcast_strides(&bb, &s->mm.yb, s->mm.sb);
    s->mm.batches = eb_tensor_numel(&s->mm.yb);
    s->n_in = 2;
    s->in[0] = ain;
    s->in[1] = bin;
    s->n_out = 1;
    s->out[0] = yv;
    return true;
}
