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
 * rounding must stay between the layer and a following Add.
 *
 * Static chains: where a quantized layer's output is read by one static
 * quantized layer only (expansion -> depthwise -> projection in a
 * MobileNet), the producer writes that reader's input already on its
 * grid (u8 for a GEMM layer, x_q - x_zero as floats for a depthwise one)
 * and the reader skips its quantization pass: the same eb_quantize of the
 * same float, one pass and three bytes per value fewer.  Both sides
 * decide with the same predicates (qconv_fits, qgemm_fits), so a value on
 * a grid always reaches the int8 layer that expects it. */
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

/* What a quantized Conv needs to run on the int8 kernels. */
typedef struct qconv_shape {
    const eb_storage_quant *wq;
    eb_win2d win;
    int cout, groups;
    bool depthwise;
} qconv_shape;

static bool qconv_fits(const eb_plan *p, int ni, qconv_shape *q)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], bv = input_of(n, 2);
    const eb_tensor *x = &p->pv[xv].t, *w = &p->pv[n->in[1]].t, *y = &p->pv[n->out[0]].t;
    if (!(is_f32(x) || p->pv[xv].on_grid) || !is_f32(y) || w->rank != 4 || y->rank != 4 ||
        (bv >= 0 && !is_f32(const_tensor(p, bv))))
        return false;
    q->cout = (int)y->shape[1];
    q->wq = int8_weight(p, n, 0, q->cout);
    int64_t groups = eb_attr_int(n, "group", 1);
    if (!q->wq || !eb_cpu_window_of(n, x, y, (int)w->shape[2], (int)w->shape[3], &q->win) || groups < 1 ||
        groups > INT32_MAX || q->win.c % groups || q->cout % groups)
        return false;
    q->groups = (int)groups;
    q->depthwise = groups == q->win.c && q->cout == q->win.c && w->shape[1] == 1;
    return !q->depthwise || eb_dwconv_i8_exact(q->win.kh * q->win.kw);
}

/* What a quantized Gemm (transA = 0) or MatMul with a constant 2-D weight
 * needs. */
typedef struct qgemm_shape {
    const eb_storage_quant *wq;
    int64_t m, k, n;
    bool trans_b;
} qgemm_shape;

static bool qgemm_fits(const eb_plan *p, int ni, qgemm_shape *q)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], cv = input_of(n, 2);
    const eb_tensor *a = &p->pv[av].t, *b = &p->pv[n->in[1]].t, *y = &p->pv[n->out[0]].t;
    bool is_gemm = n->op == EB_OP_GEMM;
    if (!(is_f32(a) || p->pv[av].on_grid) || !is_f32(y) || b->rank != 2 || a->rank < 1 ||
        (is_gemm && (a->rank != 2 || eb_attr_int(n, "transA", 0) != 0)))
        return false;
    q->trans_b = is_gemm && eb_attr_int(n, "transB", 0) != 0;
    q->k = a->shape[a->rank - 1];
    q->n = y->shape[y->rank - 1];
    q->m = q->k > 0 ? eb_tensor_numel(a) / q->k : 0;
    if (q->m < 1 || q->k < 1 || q->n < 1 || q->m > INT32_MAX || q->k > 65535 || q->n > INT32_MAX)
        return false;
    if (is_gemm && cv >= 0 && eb_attr_float(n, "beta", 1.0f) != 0.0f) {
        const eb_tensor *c = const_tensor(p, cv);
        if (!is_f32(c) || c->rank > 2 || (c->rank == 2 && c->shape[0] != 1) || !eb_cpu_per_axis_const(c, y, 1))
            return false;
    }
    return (q->wq = int8_weight(p, n, q->trans_b ? 0 : 1, q->n)) != NULL;
}

/* Whether the GEMM layers (conv, gemm) write their outputs onto a next
 * layer's grid, which eb_gemm_i8's epilogue can do (the depthwise rows
 * always do): only on more than one thread.  On one the separate
 * vectorized quantization pass was measured faster than the same
 * divisions inside an epilogue-bound GEMM (mobilenet_v2 int8-static, 4
 * interleaved rounds: about 8% slower fused at 1 thread, 20% faster at 2,
 * where the pass is a second parallel region over memory). */
static bool gemm_out_modes(const eb_plan *p)
{
    return p->threads > 1;
}

/* The mode a quantized layer writes value v in (conv: NHWC, else rows):
 * F32, or, when v's one reader is a static quantized layer of the same
 * layout family that the int8 kernels take, that reader's input grid. */
static eb_i8_out next_grid(const eb_plan *p, int v, bool conv, float *scale, int32_t *zero)
{
    int c = sole_consumer(p, v);
    const eb_node *n = c >= 0 ? &p->g->nodes[c] : NULL;
    if (!n || !n->quant || n->quant->act != EB_ACT_STATIC || n->in[0] != v || p->pv[v].t.dtype != EB_DT_F32)
        return EB_I8_OUT_F32;
    *scale = n->quant->in_scale;
    *zero = n->quant->in_zero;
    qconv_shape qc;
    qgemm_shape qg;
    if (n->op == EB_OP_CONV)
        return conv && qconv_fits(p, c, &qc) ? (qc.depthwise ? EB_I8_OUT_GRID_F32 : EB_I8_OUT_U8) : EB_I8_OUT_F32;
    return !conv && (n->op == EB_OP_GEMM || n->op == EB_OP_MATMUL) && qgemm_fits(p, c, &qg) ? EB_I8_OUT_U8
                                                                                        : EB_I8_OUT_F32;
}

/* Sets q's output mode for value out, and out's plan buffer to match. */
static void set_output(eb_plan *p, eb_qlayer *q, int out, bool conv, bool may)
{
    q->out = may ? next_grid(p, out, conv, &q->next_scale, &q->next_zero) : EB_I8_OUT_F32;
    if (q->out == EB_I8_OUT_F32)
        return;
    p->pv[out].on_grid = true;
    if (q->out == EB_I8_OUT_U8)
        p->pv[out].t.dtype = EB_DT_U8;
}

/* The input is on this layer's grid (a producer wrote it so): checked. */
static bool input_on_grid(const eb_plan *p, const eb_node *n, int xin, eb_status *st, eb_err *err)
{
    if (!p->pv[xin].on_grid)
        return false;
    if (n->quant->act != EB_ACT_STATIC)
        *st = eb_errf(err, EB_EINVAL, "%s: internal: an input on a grid, the layer not static", n->op_type);
    return true;
}

bool eb_cpu_plan_qconv(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], bv = input_of(n, 2), yv = n->out[0];
    qconv_shape q;
    if (!qconv_fits(p, ni, &q)) {
        if (p->pv[xv].on_grid)
            *st = eb_errf(err, EB_EINVAL, "%s: internal: an input on a grid reached a layer the int8 kernels refuse", n->name);
        return false;
    }
    const eb_tensor *b = bv >= 0 ? const_tensor(p, bv) : NULL;
    epi e = {.cout = q.cout, .axis = 1};
    int out = fuse_epilogue(p, n, yv, &e, st, err);
    int xin = *st != EB_OK ? -1 : eb_cpu_want_layout(p, xv, LAY_NHWC, err);
    step *s = xin < 0 ? NULL : eb_cpu_new_step(p, q.depthwise ? ST_QDWCONV : ST_QCONV, ni, err);
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
    eb_qlayer *ql = q.depthwise ? &s->qdw.q : &s->qconv.q;
    if ((*st = eb_qlayer_init(ql, n->quant, q.wq->scale, q.wq->n_scales, q.cout, 1.0f, bias, e.act, e.lo, e.hi,
                              err)) == EB_OK) {
        ql->in_grid = input_on_grid(p, n, xin, st, err);
        set_output(p, ql, out, true, q.depthwise ? e.act != EB_ACT_GELU : gemm_out_modes(p));
    }
    if (*st == EB_OK && q.depthwise) {
        s->qdw.win = q.win;
        s->qdw.row = eb_kernel_pick(EB_KERNEL_DWCONV_I8, p->isa)->fn.dwconv_i8;
        *st = eb_dwconv_i8_pack(&s->qdw, q.wq->data, err);
        s->scratch_bytes = eb_dwconv_i8_scratch_bytes(&s->qdw);
    } else if (*st == EB_OK) {
        s->qconv.win = q.win;
        s->qconv.cout = q.cout;
        s->qconv.groups = q.groups;
        *st = eb_conv_i8_pack(&s->qconv, q.wq->data, err);
        s->scratch_bytes = eb_conv_i8_scratch_bytes(&s->qconv);
    }
    free(e.bias);
    return *st == EB_OK;
}

bool eb_cpu_plan_qgemm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], cv = input_of(n, 2), yv = n->out[0];
    qgemm_shape q;
    if (!qgemm_fits(p, ni, &q)) {
        if (p->pv[av].on_grid)
            *st = eb_errf(err, EB_EINVAL, "%s: internal: an input on a grid reached a layer the int8 kernels refuse", n->name);
        return false;
    }
    bool is_gemm = n->op == EB_OP_GEMM;
    float alpha = is_gemm ? eb_attr_float(n, "alpha", 1.0f) : 1.0f;
    float beta = is_gemm ? eb_attr_float(n, "beta", 1.0f) : 1.0f;
    float *bias = NULL;
    if (is_gemm && cv >= 0 && beta != 0.0f) {
        const eb_tensor *c = const_tensor(p, cv);
        if (!(bias = malloc(sizeof(float) * (size_t)q.n))) {
            *st = eb_errf(err, EB_ENOMEM, "Gemm: out of memory");
            return false;
        }
        bool one = eb_tensor_numel(c) == 1;
        for (int64_t j = 0; j < q.n; j++)
            bias[j] = beta * ((const float *)c->data)[one ? 0 : j]; /* as the reference computes beta * C */
    }
    epi e = {.cout = (int)q.n, .axis = p->pv[yv].t.rank - 1};
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
    s->qgemm.m = (int)q.m;
    s->qgemm.n = (int)q.n;
    s->qgemm.k = (int)q.k;
    eb_qlayer *ql = &s->qgemm.q;
    if ((*st = eb_qlayer_init(ql, n->quant, q.wq->scale, q.wq->n_scales, (int)q.n, alpha, layer_bias(bias, &e), e.act,
                              e.lo, e.hi, err)) == EB_OK) {
        ql->in_grid = input_on_grid(p, n, ain, st, err);
        set_output(p, ql, out, false, gemm_out_modes(p));
    }
    if (*st == EB_OK)
        *st = eb_gemm_i8_pack_b(q.wq->data, (int)q.k, (int)q.n, q.trans_b ? (int)q.k : (int)q.n, q.trans_b,
                                &s->qgemm.pb, err);
    free(bias);
    free(e.bias);
    s->scratch_bytes = eb_qgemm_scratch_bytes(&s->qgemm);
    return *st == EB_OK;
}
