/* cpu_plan_compressed.c - the cpu runner's planner for matrix products whose
 * constant weight is compressed (weight-only int4 groups, fp16, CSR, N:M):
 * one ST_WGEMM step that computes on the compressed weights as stored
 * (wgemm.h, repacked once here), so the plan holds the compressed bytes,
 * not an fp32 copy.
 *
 * What it takes (eb_cpu_compressed_takes, which decode_weights in
 * cpu_runner.c also asks, so that exactly these weights stay compressed and
 * every other compressed weight is decoded to fp32 as before) is where
 * bench_gemm measured the compressed kernel faster than the fp32 path for
 * the same shape (one thread, AVX-512; `build/bench_gemm --compressed`),
 * so that no variant is slower for this planner's choice:
 *  - Gemm (transA = 0, alpha = 1) and MatMul with a 2-D constant B, where
 *    the weight is
 *      int4 with groups along K (group a multiple of 16, K of 32) and X has
 *        at most EB_I4_MAX_M rows (1 row: 2.2-2.9x, 2 rows: 1.3x; 4 rows
 *        were 0.7x: the packed fp32 GEMM wins from there) - without zero
 *        points and with groups a multiple of 32, as the int8-activation
 *        GEMV (I4X: each row of X quantized to int8, int8 dots);
 *      fp16 and X is one row (1.6-2.1x; 2 rows were 0.9x);
 *      CSR whose rows are the outputs (as prune.c stores them), keeping at
 *        most EB_CSR_GEMV_MAX_KEPT of the weights for one row of X (80%
 *        sparse: 1.4x, 50%: 0.7x), or at most EB_CSR_TILE_MAX_KEPT for 3
 *        rows and more (the SpMM tiles; 90% sparse: 1.1-2.2x, 80%: 0.7-1.1x),
 *        one kept weight per output row of slack for the pruner's rounding;
 *  - Conv 1x1, stride 1, no padding, group 1, with such a CSR weight: in
 *    NHWC the activation is X[pixels][cin] and the convolution the product
 *    Y[pixels][cout] = X * W^T.  A following BatchNormalization folds into
 *    the (repacked) weights; bias and activations fuse as in the fp32
 *    planners (eb_cpu_fuse_epilogue).
 * N:M weights are decoded: their kernels (kernels.def, tested and printed by
 * bench_gemm) measured slower than fp32 (2:4 GEMV 0.7x, GEMM 0.55-0.7x). */
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>
#include <string.h>

#include "models/storage.h"

enum { EB_I4_MAX_M = 2 };
#define EB_CSR_GEMV_MAX_KEPT 0.2
#define EB_CSR_TILE_MAX_KEPT 0.1

/* The product's geometry: rows of X (m), reduction (k), outputs (n), and
 * whether the weight's rows are the outputs. */
typedef struct geom {
    int64_t m, k, n;
    bool by_output, conv;
} geom;

static bool conv_1x1(const eb_plan *p, const eb_node *nd, geom *gm)
{
    const eb_tensor *x = &p->pv[nd->in[0]].t, *w = &p->pv[nd->in[1]].t, *y = &p->pv[nd->out[0]].t;
    eb_win2d win;
    if (w->rank != 4 || w->shape[2] != 1 || w->shape[3] != 1 || eb_attr_int(nd, "group", 1) != 1 ||
        !eb_cpu_window_of(nd, x, y, 1, 1, &win))
        return false;
    if (win.sh != 1 || win.sw != 1 || win.pt || win.pl || win.pb || win.pr || win.oh != win.h || win.ow != win.w ||
        w->shape[1] != win.c || y->shape[1] != w->shape[0])
        return false;
    gm->m = (int64_t)win.n * win.h * win.w;
    gm->k = win.c;
    gm->n = w->shape[0];
    gm->by_output = gm->conv = true;
    return true;
}

static bool product(const eb_plan *p, const eb_node *nd, geom *gm)
{
    const eb_tensor *a = &p->pv[nd->in[0]].t, *b = &p->pv[nd->in[1]].t, *y = &p->pv[nd->out[0]].t;
    memset(gm, 0, sizeof *gm);
    if (b->rank != 2 || a->rank < 1)
        return false;
    if (nd->op == EB_OP_GEMM) {
        if (eb_attr_int(nd, "transA", 0) != 0 || eb_attr_float(nd, "alpha", 1.0f) != 1.0f || a->rank != 2 ||
            y->rank != 2)
            return false;
        gm->by_output = eb_attr_int(nd, "transB", 0) != 0;
        gm->m = a->shape[0];
        gm->k = a->shape[1];
        gm->n = y->shape[1];
    } else {
        if (a->rank < 2)
            return false;
        gm->k = a->shape[a->rank - 1];
        gm->n = b->shape[1];
        gm->m = gm->k > 0 ? eb_tensor_numel(a) / gm->k : 0;
    }
    return true;
}

bool eb_cpu_compressed_takes(const eb_plan *p, int ni)
{
    const eb_node *nd = &p->g->nodes[ni];
    if (nd->quant || nd->n_in < 2 || nd->in[0] < 0 || nd->in[1] < 0 || nd->n_out < 1 || nd->out[0] < 0 ||
        !single_output(nd))
        return false;
    const pval *wv = &p->pv[nd->in[1]];
    if (!wv->is_const || !wv->t.storage || !is_f32(&p->pv[nd->in[0]].t) || !is_f32(&p->pv[nd->out[0]].t))
        return false;
    geom gm;
    if (nd->op == EB_OP_CONV) {
        const eb_tensor *b = nd->n_in > 2 && nd->in[2] >= 0 ? const_tensor(p, nd->in[2]) : NULL;
        if (!conv_1x1(p, nd, &gm) || (nd->n_in > 2 && nd->in[2] >= 0 && (!is_f32(b) || eb_tensor_numel(b) != gm.n)))
            return false;
    } else if (nd->op == EB_OP_GEMM || nd->op == EB_OP_MATMUL) {
        if (!product(p, nd, &gm))
            return false;
        int cv = input_of(nd, 2);
        if (nd->op == EB_OP_GEMM && cv >= 0 && eb_attr_float(nd, "beta", 1.0f) != 0.0f) {
            const eb_tensor *c = const_tensor(p, cv); /* a bias per output column */
            if (!c || c->rank > 2 || (c->rank == 2 && c->shape[0] != 1) ||
                !eb_cpu_per_axis_const(c, &p->pv[nd->out[0]].t, 1))
                return false;
        }
    } else {
        return false;
    }
    if (gm.m < 1 || gm.k < 1 || gm.n < 1 || gm.m > INT32_MAX || gm.k > INT32_MAX || gm.n > INT32_MAX)
        return false;
    const eb_tensor *w = &wv->t;
    if (!eb_cweights_supported(w, gm.by_output))
        return false;
    const eb_storage *s = w->storage;
    switch (s->kind) {
    case EB_STORAGE_QUANT: return !gm.conv && gm.m <= EB_I4_MAX_M;
    case EB_STORAGE_F16: return !gm.conv && gm.m == 1;
    case EB_STORAGE_CSR: {
        if (gm.m == 2) /* two GEMVs: slower than the fp32 GEMM */
            return false;
        double most = gm.m == 1 ? EB_CSR_GEMV_MAX_KEPT : EB_CSR_TILE_MAX_KEPT;
        return (double)s->u.csr.nnz <= most * (double)gm.n * (double)gm.k + (double)gm.n;
    }
    default: return false;
    }
}

bool eb_cpu_plan_compressed(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    if (!eb_cpu_compressed_takes(p, ni))
        return false;
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], wv = n->in[1], cv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *y = &p->pv[yv].t;
    geom gm;
    if (n->op == EB_OP_CONV)
        conv_1x1(p, n, &gm);
    else
        product(p, n, &gm);
    epi e = {.cout = (int)gm.n, .axis = gm.conv ? 1 : y->rank - 1, .allow_bn = gm.conv};
    if (gm.conv && cv >= 0) {
        if ((*st = eb_cpu_epi_bias(&e, err)) != EB_OK)
            return false;
        memcpy(e.bias, const_tensor(p, cv)->data, sizeof(float) * (size_t)gm.n);
    } else if (n->op == EB_OP_GEMM && cv >= 0 && eb_attr_float(n, "beta", 1.0f) != 0.0f) {
        const eb_tensor *c = const_tensor(p, cv); /* checked by eb_cpu_compressed_takes */
        if ((*st = eb_cpu_epi_bias(&e, err)) != EB_OK)
            return false;
        float beta = eb_attr_float(n, "beta", 1.0f);
        bool one = eb_tensor_numel(c) == 1;
        for (int64_t i = 0; i < gm.n; i++)
            e.bias[i] = beta * ((const float *)c->data)[one ? 0 : i];
    }
    int out = eb_cpu_fuse_epilogue(p, yv, &e, err, st);
    int xin = *st != EB_OK ? -1 : eb_cpu_want_layout(p, xv, gm.conv ? LAY_NHWC : LAY_NCHW, err);
    step *s = xin < 0 ? NULL : eb_cpu_new_step(p, ST_WGEMM, ni, err);
    if (!s) {
        free(e.bias);
        free(e.scale);
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->n_in = 1;
    s->in[0] = xin;
    s->n_out = 1;
    s->out[0] = out;
    if (gm.conv)
        p->pv[out].layout = layout_neutral(&p->pv[out].t) ? LAY_NCHW : LAY_NHWC;
    s->wg.m = (int)gm.m;
    s->wg.bias = e.bias;
    SET_ACT(s->wg, e);
    /* int4 on one or two rows: the int8-activation GEMV where the layout
     * takes the weight (wgemm.h's I4X), else the float one */
    const eb_tensor *wt = &p->pv[wv].t;
    *st = wt->storage->kind == EB_STORAGE_QUANT && eb_cweights_i4x_supported(wt, gm.by_output)
              ? eb_cweights_pack_i4x(wt, gm.by_output, &s->wg.w, err)
              : eb_cweights_pack(wt, gm.by_output, &s->wg.w, err);
    s->scratch_bytes = sizeof(float) * eb_wgemm_scratch_floats(&s->wg.w, s->wg.m, p->threads); /* the arena's */
    if (*st == EB_OK && e.scale) /* a folded BatchNormalization */
        eb_cweights_scale_rows(&s->wg.w, e.scale);
    free(e.scale);
    return *st == EB_OK;
}
