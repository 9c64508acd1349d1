/* cuda_plan_gemm.c - the cuda runner's planners for what runs as a GEMM:
 * Gemm (transposes as strides, its C as a bias vector), MatMul (batched,
 * with a batch broadcast by stride 0; a 2-D weight folds the batch into
 * M) and Conv (1x1 stride-1 convolutions straight as a GEMM over each
 * image, the others through im2col; depthwise on its own kernel).  Each
 * takes the Relu or Clip that alone consumes its output as an epilogue,
 * MatMul also a following Add of a bias vector. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/op_attrs.h"
#include "models/op_params.h"
#include "runners/cuda/cuda_plan.h"

static eb_cu_gemm gemm_init(const eb_plan *p)
{
    eb_cu_gemm g;
    memset(&g, 0, sizeof g);
    g.batch = 1;
    g.alpha = 1.0f;
    g.math = p->math;
    return g;
}

/* fuses the Relu / Clip after value *v into g, marking its node */
static void take_act(eb_plan *p, cu_step *s, int *v, int *act, float *lo, float *hi)
{
    int c = eb_cu_fusable_act(p, *v, act, lo, hi);
    if (c < 0)
        return;
    p->fused[c] = true;
    eb_cu_step_label(p, s, c);
    *v = p->g->nodes[c].out[0];
}

static bool fits_int(int64_t x)
{
    return x >= 0 && x <= 0x7fffffff;
}

/* a constant bias for an [m, n] product from c (Gemm's C, an Add's other
 * input): one value per column or per row, times beta; NULL when c is of
 * another shape */
static float *bias_of(eb_plan *p, int cv, int64_t m, int64_t n, float beta, int *per_row, eb_status *st, eb_err *err)
{
    const eb_value *v = &p->g->values[cv];
    *st = EB_OK;
    if (!v->is_const || v->t.dtype != EB_DT_F32 || v->t.storage || !v->t.data || v->t.rank > 2)
        return NULL;
    const float *h = v->t.data;
    int64_t numel = eb_tensor_numel(&v->t);
    int64_t rows = v->t.rank == 2 ? v->t.shape[0] : 1;
    size_t len;
    if (numel == n && rows == 1) {
        *per_row = 0;
        len = (size_t)n;
    } else if (v->t.rank == 2 && rows == m && v->t.shape[1] == 1) {
        *per_row = 1;
        len = (size_t)m;
    } else if (numel == 1) {
        *per_row = 0;
        len = (size_t)n;
    } else {
        return NULL;
    }
    float *tmp = malloc(len * sizeof *tmp);
    if (!tmp) {
        *st = eb_errf(err, EB_ENOMEM, "cuda: out of memory");
        return NULL;
    }
    for (size_t i = 0; i < len; i++)
        tmp[i] = beta * (numel == 1 ? h[0] : h[i]);
    float *d = eb_cu_upload_f32(p, tmp, len, st, err);
    free(tmp);
    return d;
}

bool eb_cu_plan_gemm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], bv = n->in[1], cv = n->n_in > 2 ? n->in[2] : -1, yv = n->out[0];
    if (!eb_cu_is_f32(p, av) || !eb_cu_is_f32(p, bv) || !eb_cu_is_f32(p, yv) || (cv >= 0 && !eb_cu_is_f32(p, cv)))
        return false;
    const eb_tensor *a = &p->g->values[av].t, *b = &p->g->values[bv].t;
    if (a->rank != 2 || b->rank != 2)
        return false;
    bool ta = eb_attr_int(n, "transA", 0) != 0, tb = eb_attr_int(n, "transB", 0) != 0;
    int64_t m = ta ? a->shape[1] : a->shape[0], k = ta ? a->shape[0] : a->shape[1];
    int64_t nn = tb ? b->shape[0] : b->shape[1];
    if (!fits_int(m) || !fits_int(nn) || !fits_int(k))
        return false;
    eb_cu_gemm g = gemm_init(p);
    g.m = (int)m, g.n = (int)nn, g.k = (int)k;
    g.alpha = eb_attr_float(n, "alpha", 1.0f);
    if (cv >= 0 && !(g.bias = bias_of(p, cv, m, nn, eb_attr_float(n, "beta", 1.0f), &g.bias_per_row, st, err)))
        return false;
    g.a_rs = ta ? 1 : k, g.a_cs = ta ? m : 1;
    g.b_rs = tb ? 1 : nn, g.b_cs = tb ? k : 1;
    g.c_rs = nn;
    if (!(g.a = eb_cu_val_gemm(p, av, &g.a_half, st, err)) || !(g.b = eb_cu_val_gemm(p, bv, &g.b_half, st, err)))
        return false;
    cu_step *s = eb_cu_new_step(p, CS_GEMM, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    take_act(p, s, &yv, &g.act, &g.lo, &g.hi);
    g.c = p->vals[yv].d;
    s->gemm = g;
    return true;
}

/* the batch stride of a MatMul operand t (rank r) against y's batch dims:
 * 0 when its batch is 1, its matrix size when its batch dims are y's;
 * -1 for a partial broadcast */
static int64_t batch_stride(const eb_tensor *t, const eb_tensor *y, int64_t batch)
{
    int64_t tb = 1;
    for (int d = 0; d < t->rank - 2; d++)
        tb *= t->shape[d];
    if (tb == 1)
        return 0;
    if (tb != batch || t->rank != y->rank)
        return -1;
    for (int d = 0; d < t->rank - 2; d++)
        if (t->shape[d] != y->shape[d])
            return -1;
    return t->shape[t->rank - 2] * t->shape[t->rank - 1];
}

bool eb_cu_plan_matmul(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], bv = n->in[1], yv = n->out[0];
    if (!eb_cu_is_f32(p, av) || !eb_cu_is_f32(p, bv) || !eb_cu_is_f32(p, yv))
        return false;
    const eb_tensor *a = &p->g->values[av].t, *b = &p->g->values[bv].t, *y = &p->g->values[yv].t;
    if (a->rank < 2 || b->rank < 2 || y->rank < 2)
        return false;
    int64_t m = a->shape[a->rank - 2], k = a->shape[a->rank - 1], nn = b->shape[b->rank - 1];
    int64_t batch = eb_tensor_numel(y) / (m * nn > 0 ? m * nn : 1);
    eb_cu_gemm g = gemm_init(p);
    if (b->rank == 2) { /* a weight: A's batch folds into M */
        m = eb_tensor_numel(a) / (k > 0 ? k : 1);
        batch = 1;
        g.b_bs = 0;
    } else if ((g.b_bs = batch_stride(b, y, batch)) < 0 || (g.a_bs = batch_stride(a, y, batch)) < 0) {
        return false;
    }
    if (!fits_int(m) || !fits_int(nn) || !fits_int(k) || !fits_int(batch))
        return false;
    g.m = (int)m, g.n = (int)nn, g.k = (int)k, g.batch = (int)batch;
    g.a_rs = k, g.a_cs = 1;
    g.b_rs = nn, g.b_cs = 1;
    g.c_rs = nn, g.c_bs = m * nn;
    if (!(g.a = eb_cu_val_gemm(p, av, &g.a_half, st, err)) || !(g.b = eb_cu_val_gemm(p, bv, &g.b_half, st, err)))
        return false;
    cu_step *s = eb_cu_new_step(p, CS_GEMM, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    /* a following Add of a bias vector [n] */
    int c = eb_cu_only_consumer(p, yv);
    if (c >= 0 && p->g->nodes[c].op == EB_OP_ADD && eb_cu_is_f32(p, p->g->nodes[c].out[0]) &&
        eb_tensor_same_shape(&p->g->values[p->g->nodes[c].out[0]].t, y)) {
        const eb_node *add = &p->g->nodes[c];
        int other = add->in[0] == yv ? add->in[1] : add->in[0];
        const eb_tensor *bt = &p->g->values[other].t;
        if (other >= 0 && bt->rank == 1 && bt->shape[0] == nn &&
            (g.bias = bias_of(p, other, m, nn, 1.0f, &g.bias_per_row, st, err)) != NULL) {
            p->fused[c] = true;
            eb_cu_step_label(p, s, c);
            yv = add->out[0];
        } else if (*st != EB_OK) {
            return false;
        }
    }
    take_act(p, s, &yv, &g.act, &g.lo, &g.hi);
    g.c = p->vals[yv].d;
    s->gemm = g;
    return true;
}

bool eb_cu_plan_conv(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], wv = n->in[1], bv = n->n_in > 2 ? n->in[2] : -1, yv = n->out[0];
    if (!eb_cu_is_f32(p, xv) || !eb_cu_is_const(p, wv) || !eb_cu_is_f32(p, wv) || !eb_cu_is_f32(p, yv) ||
        (bv >= 0 && !eb_cu_is_f32(p, bv)))
        return false;
    const eb_tensor *x = &p->g->values[xv].t, *w = &p->g->values[wv].t, *y = &p->g->values[yv].t;
    if (x->rank != 4 || y->rank != 4)
        return false;
    eb_window geo;
    int64_t groups;
    eb_err ignored;
    if (eb_conv_geometry(n, x, w, &geo, &groups, &ignored) != EB_OK || geo.nd != 2)
        return false;
    int64_t dims[] = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], y->shape[1], y->shape[2], y->shape[3]};
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
        if (!fits_int(dims[i]))
            return false;
    eb_cu_win win = {(int)dims[0], (int)dims[1], (int)dims[2], (int)dims[3], (int)dims[4], (int)dims[5], (int)dims[6],
                     (int)geo.kernel[0], (int)geo.kernel[1], (int)geo.stride[0], (int)geo.stride[1], (int)geo.dil[0],
                     (int)geo.dil[1], (int)geo.pad_begin[0], (int)geo.pad_begin[1], (int)geo.pad_end[0],
                     (int)geo.pad_end[1]};
    const float *bias = NULL;
    if (bv >= 0 && !(bias = eb_cu_val_f32(p, bv, st, err)))
        return false;
    int64_t cg = win.c / groups, mg = win.oc / groups, kk = cg * win.kh * win.kw, pix = (int64_t)win.oh * win.ow;
    if (!fits_int(kk) || !fits_int(pix))
        return false;
    cu_step *s;
    if (groups == win.c && win.oc == win.c && cg == 1) { /* depthwise */
        const float *wt = eb_cu_val_f32(p, wv, st, err);
        if (!wt || !(s = eb_cu_new_step(p, CS_DEPTHWISE, ni, err))) {
            *st = *st != EB_OK ? *st : EB_ENOMEM;
            return false;
        }
        s->x = eb_cu_val_f32(p, xv, st, err);
        s->w = wt;
        s->b = bias;
        s->win = win;
        take_act(p, s, &yv, &s->act, &s->p0, &s->p1);
        s->y = p->vals[yv].d;
        return true;
    }
    eb_cu_gemm g = gemm_init(p);
    if (!(g.a = eb_cu_val_gemm(p, wv, &g.a_half, st, err)))
        return false;
    g.m = (int)mg, g.n = (int)pix, g.k = (int)kk;
    g.a_rs = kk, g.a_cs = 1;
    g.b_rs = pix, g.b_cs = 1;
    g.c_rs = pix;
    g.bias = bias;
    g.bias_per_row = 1;
    bool direct = groups == 1 && win.kh == 1 && win.kw == 1 && win.sh == 1 && win.sw == 1 && win.ph == 0 &&
                  win.pw == 0 && win.peh == 0 && win.pew == 0 && win.oh == win.h && win.ow == win.w;
    if (!(s = eb_cu_new_step(p, direct ? CS_GEMM : CS_CONV, ni, err))) {
        *st = EB_ENOMEM;
        return false;
    }
    take_act(p, s, &yv, &g.act, &g.lo, &g.hi);
    g.c = p->vals[yv].d;
    if (direct) { /* Y[img] (m x pix) = W (m x c) X[img] (c x pix) */
        g.b = eb_cu_val_f32(p, xv, st, err);
        g.batch = win.n;
        g.b_bs = (int64_t)win.c * pix;
        g.c_bs = (int64_t)win.oc * pix;
    } else {
        size_t need = (size_t)kk * (size_t)pix * sizeof(float);
        if (need > p->col_bytes)
            p->col_bytes = need;
        s->x = eb_cu_val_f32(p, xv, st, err);
        s->groups = (int)groups;
        s->win = win;
    }
    s->gemm = g;
    return true;
}
