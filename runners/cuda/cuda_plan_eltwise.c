/* cuda_plan_eltwise.c - the cuda runner's planner for elementwise ops:
 * the broadcasting binary ops (an input's stride is 0 along the dims it
 * broadcasts), the unary activations, and inference BatchNormalization,
 * whose constant statistics are folded on the host into one scale and
 * shift per channel.  Everything is fp32; other dtypes fall back. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runners/cuda/cuda_plan.h"

/* y's strides into input t, right-aligned, 0 where t broadcasts */
static void bcast_strides(const eb_tensor *t, const eb_tensor *y, int64_t *st)
{
    int64_t s = 1;
    for (int d = y->rank - 1; d >= 0; d--) {
        int td = d - (y->rank - t->rank);
        if (td < 0 || t->shape[td] == 1) {
            st[d] = 0;
        } else {
            st[d] = s;
        }
        if (td >= 0)
            s *= t->shape[td];
    }
}

static int binary_op(eb_op op)
{
    switch (op) {
    case EB_OP_ADD:
    case EB_OP_SUM: return EB_CU_ADD;
    case EB_OP_SUB: return EB_CU_SUB;
    case EB_OP_MUL: return EB_CU_MUL;
    case EB_OP_DIV: return EB_CU_DIV;
    case EB_OP_POW: return EB_CU_POW;
    case EB_OP_MAX: return EB_CU_MAX;
    case EB_OP_MIN: return EB_CU_MIN;
    default: return -1;
    }
}

/* the unary op and its parameters; -1 for one this runner has no kernel for */
static int unary_op(const eb_plan *p, const eb_node *n, float *p0, float *p1)
{
    switch (n->op) {
    case EB_OP_RELU: return EB_CU_RELU;
    case EB_OP_SIGMOID: return EB_CU_SIGMOID;
    case EB_OP_TANH: return EB_CU_TANH;
    case EB_OP_ERF: return EB_CU_ERF;
    case EB_OP_EXP: return EB_CU_EXP;
    case EB_OP_LOG: return EB_CU_LOG;
    case EB_OP_SQRT: return EB_CU_SQRT;
    case EB_OP_NEG: return EB_CU_NEG;
    case EB_OP_ABS: return EB_CU_ABS;
    case EB_OP_RECIPROCAL: return EB_CU_RECIP;
    case EB_OP_HARD_SWISH: return EB_CU_HSWISH;
    case EB_OP_LEAKY_RELU: *p0 = eb_attr_float(n, "alpha", 0.01f); return EB_CU_LEAKY;
    case EB_OP_HARD_SIGMOID:
        *p0 = eb_attr_float(n, "alpha", 0.2f);
        *p1 = eb_attr_float(n, "beta", 0.5f);
        return EB_CU_HSIGMOID;
    case EB_OP_GELU: return strcmp(eb_attr_string(n, "approximate", "none"), "none") == 0 ? EB_CU_GELU : -1;
    case EB_OP_CLIP: {
        /* the planner's epilogue rule reads the bounds; reuse it on a lone Clip */
        *p0 = -3.4028234663852886e38f, *p1 = 3.4028234663852886e38f;
        if (n->opset < 11) {
            *p0 = eb_attr_float(n, "min", *p0);
            *p1 = eb_attr_float(n, "max", *p1);
            return EB_CU_CLIP;
        }
        for (int k = 1; k < n->n_in && k < 3; k++) {
            int v = n->in[k];
            if (v < 0)
                continue;
            const eb_value *val = &p->g->values[v];
            if (!val->is_const || val->t.dtype != EB_DT_F32 || !val->t.data || eb_tensor_numel(&val->t) != 1)
                return -1;
            *(k == 1 ? p0 : p1) = ((const float *)val->t.data)[0];
        }
        return EB_CU_CLIP;
    }
    default: return -1;
    }
}

static bool plan_batch_norm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0)
            return false;
    if (eb_attr_int(n, "training_mode", 0) != 0)
        return false;
    const eb_tensor *x = &p->g->values[n->in[0]].t;
    if (x->rank < 2)
        return false;
    int64_t c = x->shape[1];
    const float *prm[4];
    for (int k = 1; k < 5; k++) {
        const eb_value *v = &p->g->values[n->in[k]];
        if (!v->is_const || v->t.dtype != EB_DT_F32 || v->t.storage || !v->t.data || eb_tensor_numel(&v->t) != c)
            return false;
        prm[k - 1] = v->t.data;
    }
    float eps = eb_attr_float(n, "epsilon", 1e-5f);
    float *h = malloc((size_t)(2 * c) * sizeof *h);
    if (!h) {
        *st = eb_errf(err, EB_ENOMEM, "cuda: out of memory");
        return false;
    }
    for (int64_t i = 0; i < c; i++) { /* scale, B, mean, var */
        h[i] = (float)(prm[0][i] / sqrt((double)prm[3][i] + eps));
        h[c + i] = prm[1][i] - prm[2][i] * h[i];
    }
    float *d = eb_cu_upload_f32(p, h, (size_t)(2 * c), st, err);
    free(h);
    cu_step *s = d ? eb_cu_new_step(p, CS_AFFINE, ni, err) : NULL;
    if (!s) {
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->x = eb_cu_val_f32(p, n->in[0], st, err);
    s->w = d;
    s->b = d + c;
    s->y = p->vals[n->out[0]].d;
    s->outer = x->shape[0];
    s->cols = c;
    s->inner = eb_tensor_numel(x) / (x->shape[0] * c > 0 ? x->shape[0] * c : 1);
    return *st == EB_OK;
}

bool eb_cu_plan_eltwise(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    if (n->n_out != 1 || !eb_cu_is_f32(p, n->out[0]))
        return false;
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && !eb_cu_is_f32(p, n->in[k]) && n->op != EB_OP_CLIP)
            return false;
    const eb_tensor *y = &p->g->values[n->out[0]].t;
    if (n->op == EB_OP_BATCH_NORM)
        return plan_batch_norm(p, ni, st, err);
    int op = binary_op(n->op);
    if (op >= 0) {
        if (n->n_in != 2 || n->in[0] < 0 || n->in[1] < 0)
            return false;
        cu_step *s = eb_cu_new_step(p, CS_BINARY, ni, err);
        if (!s) {
            *st = EB_ENOMEM;
            return false;
        }
        s->op = op;
        s->bc.rank = y->rank;
        for (int d = 0; d < y->rank; d++)
            s->bc.shape[d] = y->shape[d];
        bcast_strides(&p->g->values[n->in[0]].t, y, s->bc.a_st);
        bcast_strides(&p->g->values[n->in[1]].t, y, s->bc.b_st);
        s->count = eb_tensor_numel(y);
        if (!(s->x = eb_cu_val_f32(p, n->in[0], st, err)) || !(s->w = eb_cu_val_f32(p, n->in[1], st, err)))
            return false;
        s->y = p->vals[n->out[0]].d;
        return true;
    }
    float p0 = 0, p1 = 0;
    if (n->n_in < 1 || n->in[0] < 0 || !eb_cu_is_f32(p, n->in[0]) || (op = unary_op(p, n, &p0, &p1)) < 0)
        return false;
    cu_step *s = eb_cu_new_step(p, CS_UNARY, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->op = op;
    s->p0 = p0, s->p1 = p1;
    s->count = eb_tensor_numel(y);
    s->x = eb_cu_val_f32(p, n->in[0], st, err);
    s->y = p->vals[n->out[0]].d;
    return *st == EB_OK && s->x;
}
