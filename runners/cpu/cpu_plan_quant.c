/* cpu_plan_quant.c - the cpu runner's planners for quantized nodes (the
 * int8 layers the transforms make, eb_node_quant): Conv (dense, grouped or
 * depthwise), Gemm (transA = 0) and MatMul with a constant 2-D weight,
 * onto the int8 kernels of conv_i8.h.  A quantized node these cannot take
 * (a weight zero point other than 0, a run-time weight, int8 with groups)
 * goes to the reference kernels, counted as a fallback.
 *
 * The epilogue fuses what the fp32 planners fuse (a bias Add, Relu, Clip,
 * GELU; never a BatchNormalization, which would change the int8 weights),
 * except that after a requantizing layer only an activation fuses: the
 * rounding must stay between the layer and a following Add. */
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "runners/cpu/conv_i8.h"

/* The int8 weight of node n, when the kernels can take it: a constant,
 * symmetric (every zero point 0), per tensor or per output channel along
 * channel_axis. */
static const eb_storage_quant *int8_weight(const eb_plan *p, const eb_node *n, int channel_axis, int64_t channels)
{
    const pval *w = &p->pv[n->in[1]];
    const eb_storage *s = w->t.storage;
    if (!w->is_const || !s || s->kind != EB_STORAGE_QUANT)
        return NULL;
    const eb_storage_quant *q = &s->u.quant;
    if (q->stored != EB_DT_I8 || q->group > 0 || (q->n_scales != 1 && (q->axis != channel_axis || q->n_scales != channels)))
        return NULL;
    for (int64_t i = 0; i < q->n_scales; i++)
        if (q->zero_point[i] != 0)
            return NULL;
    const int8_t *d = q->data;
    for (int64_t i = 0, len = eb_tensor_numel(&w->t); i < len; i++)
        if (d[i] == -128) /* outside the symmetric range the kernels rely on */
            return NULL;
    return q;
}

/* The epilogue after value v, fused; returns the value the step writes.
 * After a requantizing layer only an activation: a bias Add or a
 * BatchNormalization must come after the rounding, which the epilogue
 * does after its bias. */
static int fuse_epilogue(eb_plan *p, const eb_node *n, int v, epi *e, eb_status *st, eb_err *err)
{
    e->act_only = n->quant->act == EB_ACT_STATIC && n->quant->requant;
    return eb_cpu_fuse_epilogue(p, v, e, err, st);
}

/* The layer's bias: its own (own, NULL for none) plus what the epilogue
 * fused (e->bias, a following Add); e->bias is freed by the caller. */
static const float *layer_bias(const float *own, epi *e)
{
    if (!e->bias)
        return own;
    for (int j = 0; own && j < e->cout; j++)
        e->bias[j] = own[j] + e->bias[j];
    return e->bias;
}

bool eb_cpu_plan_qconv(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], bv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *w = &p->pv[n->in[1]].t, *y = &p->pv[yv].t;
    const eb_tensor *b = bv >= 0 ? const_tensor(p, bv) : NULL;
    if (!is_f32(x) || !is_f32(y) || w->rank != 4 || y->rank != 4 || (bv >= 0 && !is_f32(b)))
        return false;
    int cout = (int)y->shape[1];
    const eb_storage_quant *wq = int8_weight(p, n, 0, cout);
    int64_t groups = eb_attr_int(n, "group", 1);
    eb_win2d win;
    if (!wq || !eb_cpu_window_of(n, x, y, (int)w->shape[2], (int)w->shape[3], &win) || groups < 1 || win.c % groups ||
        cout % groups)
        return false;
    bool depthwise = groups == win.c && cout == win.c && w->shape[1] == 1;
    if (depthwise && !eb_dwconv_i8_exact(win.kh * win.kw))
        return false;
    epi e = {.cout = cout, .axis = 1};
    int out = fuse_epilogue(p, n, yv, &e, st, err);
    int xin = *st != EB_OK ? -1 : eb_cpu_want_layout(p, xv, LAY_NHWC, err);
    step *s = xin < 0 ? NULL : eb_cpu_new_step(p, depthwise ? ST_QDWCONV : ST_QCONV, ni, err);
    if (!s) {
        free(e.bias);
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->n_in = 1;
    s->in[0] = xin;
    s->n_out = 1;
    s->out[0] = out;
    p->pv[out].layout = layout_neutral(&p->pv[out].t) ? LAY_NCHW : LAY_NHWC;
    const float *bias = layer_bias(b ? b->data : NULL, &e);
    if (depthwise) {
        s->qdw.win = win;
        s->qdw.row = eb_kernel_pick(EB_KERNEL_DWCONV_I8, p->isa)->fn.dwconv_i8;
        if ((*st = eb_qlayer_init(&s->qdw.q, n->quant, wq->scale, wq->n_scales, cout, 1.0f, bias, e.act, e.lo, e.hi, err)) == EB_OK)
            *st = eb_dwconv_i8_pack(&s->qdw, wq->data, err);
        s->scratch_bytes = eb_dwconv_i8_scratch_bytes(&s->qdw);
    } else {
        s->qconv.win = win;
        s->qconv.cout = cout;
        s->qconv.groups = (int)groups;
        if ((*st = eb_qlayer_init(&s->qconv.q, n->quant, wq->scale, wq->n_scales, cout, 1.0f, bias, e.act, e.lo, e.hi, err)) == EB_OK)
            *st = eb_conv_i8_pack(&s->qconv, wq->data, err);
        s->scratch_bytes = eb_conv_i8_scratch_bytes(&s->qconv);
    }
    free(e.bias);
    return *st == EB_OK;
}

/* Gemm (transA = 0) and MatMul with a constant 2-D int8 weight. */
bool eb_cpu_plan_qgemm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], cv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *a = &p->pv[av].t, *b = &p->pv[n->in[1]].t, *y = &p->pv[yv].t;
    bool is_gemm = n->op == EB_OP_GEMM;
    if (!is_f32(a) || !is_f32(y) || b->rank != 2 || a->rank < (is_gemm ? 2 : 1) ||
        (is_gemm && (a->rank != 2 || eb_attr_int(n, "transA", 0) != 0)))
        return false;
    bool trans_b = is_gemm && eb_attr_int(n, "transB", 0) != 0;
    int64_t k = a->shape[a->rank - 1], nn = y->shape[y->rank - 1], m = k > 0 ? eb_tensor_numel(a) / k : 0;
    const eb_storage_quant *wq = int8_weight(p, n, trans_b ? 0 : 1, nn);
    if (!wq || m < 1 || k < 1 || nn < 1 || m > INT32_MAX || k > 65535 || nn > INT32_MAX)
        return false;
    float alpha = is_gemm ? eb_attr_float(n, "alpha", 1.0f) : 1.0f;
    float beta = is_gemm ? eb_attr_float(n, "beta", 1.0f) : 1.0f;
    float *bias = NULL;
    if (is_gemm && cv >= 0 && beta != 0.0f) {
        const eb_tensor *c = const_tensor(p, cv);
        if (!is_f32(c) || c->rank > 2 || (c->rank == 2 && c->shape[0] != 1) || !eb_cpu_per_axis_const(c, y, 1))
            return false;
        if (!(bias = malloc(sizeof(float) * (size_t)nn))) {
            *st = eb_errf(err, EB_ENOMEM, "Gemm: out of memory");
            return false;
        }
        bool one = eb_tensor_numel(c) == 1;
        for (int64_t j = 0; j < nn; j++)
            bias[j] = beta * ((const float *)c->data)[one ? 0 : j]; /* as the reference computes beta * C */
    }
    epi e = {.cout = (int)nn, .axis = y->rank - 1};
    int out = fuse_epilogue(p, n, yv, &e, st, err);
    int ain = *st != EB_OK ? -1 : eb_cpu_want_layout(p, av, LAY_NCHW, err);
    step *s = ain < 0 ? NULL : eb_cpu_new_step(p, ST_QGEMM, ni, err);
    if (!s) {
        free(bias);
        free(e.bias);
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->n_in = 1;
    s->in[0] = ain;
    s->n_out = 1;
    s->out[0] = out;
    s->qgemm.m = (int)m;
    s->qgemm.n = (int)nn;
    s->qgemm.k = (int)k;
    if ((*st = eb_qlayer_init(&s->qgemm.q, n->quant, wq->scale, wq->n_scales, (int)nn, alpha, layer_bias(bias, &e),
                              e.act, e.lo, e.hi, err)) == EB_OK)
        *st = eb_gemm_i8_pack_b(wq->data, (int)k, (int)nn, trans_b ? (int)k : (int)nn, trans_b, &s->qgemm.pb, err);
    free(bias);
    free(e.bias);
    s->scratch_bytes = eb_qgemm_scratch_bytes(&s->qgemm);
    return *st == EB_OK;
}
