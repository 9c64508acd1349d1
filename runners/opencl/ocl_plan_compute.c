/* ocl_plan_compute.c - lowering of the compute-heavy ops onto the kernels
 * of ocl_compute.h: Conv (1-D and 2-D, grouped, depthwise), Gemm, MatMul
 * (by a constant: a GEMM; of two computed operands: the batched matmul),
 * MaxPool, AveragePool and the global pools.  A Relu or Clip (constant
 * bounds) that is the only reader of a Conv/Gemm/MatMul output is fused
 * into the compute call's activation: one step, the Relu's output written
 * directly.  Weights go to the compute API as the graph holds them (dense
 * f32, or f16 storage under quant=fp16); other storages fall back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"
#include "models/storage.h"
#include "runners/opencl/ocl_compute.h"
#include "runners/opencl/ocl_plan.h"

static bool f32(const eb_plan *p, int v)
{
    return v >= 0 && p->g->values[v].shape_known && eb_ocl_value(p, v)->dtype == EB_DT_F32;
}

/* A weight the compute kernels read: constant, dense f32 or f16 storage. */
static bool weight_ok(const eb_plan *p, int v)
{
    if (v < 0 || !p->g->values[v].is_const || eb_ocl_value(p, v)->dtype != EB_DT_F32)
        return false;
    eb_storage_kind k = eb_tensor_storage_kind(eb_ocl_value(p, v));
    return k == EB_STORAGE_DENSE || k == EB_STORAGE_F16;
}

/* A constant's values as f32 (malloc'd; decoded from its storage), NULL
 * when it is not a constant or cannot be decoded. */
static float *const_f32(const eb_plan *p, int v)
{
    if (!weight_ok(p, v))
        return NULL;
    const eb_tensor *t = eb_ocl_value(p, v);
    int64_t count = eb_tensor_numel(t);
    float *out = malloc((size_t)(count > 0 ? count : 1) * sizeof *out);
    eb_err ignore;
    if (out && eb_storage_to_dense(t, out, &ignore) != EB_OK) {
        free(out);
        return NULL;
    }
    return out;
}

/* The node that fuses into node i's output as the compute call's
 * activation: a Relu or a Clip (constant bounds) that is its one reader;
 * -1 when none.  *out_v gets the value the fused step writes. */
static int fusable_act(const eb_plan *p, int i, eb_ocl_act *act, float *lo, float *hi, int *out_v)
{
    int op;
    float p0, p1;
    int j = eb_ocl_next_unary(p, i, &op, &p0, &p1);
    eb_op kind = j >= 0 ? p->g->nodes[j].op : EB_OP_UNKNOWN;
    *act = EB_OCL_ACT_NONE;
    *out_v = p->g->nodes[i].out[0];
    if (kind != EB_OP_RELU && kind != EB_OP_CLIP)
        return -1;
    *act = kind == EB_OP_RELU ? EB_OCL_ACT_RELU : EB_OCL_ACT_CLIP;
    *lo = p0, *hi = p1;
    *out_v = p->g->nodes[j].out[0];
    return j;
}

/* One step for node..last from a made compute step. */
static eb_ocl_lower add(eb_plan *p, int node, int last, eb_ocl_step *made, eb_err *err)
{
    eb_ocl_pstep *s = eb_ocl_add_step(p, node, last, err);
    if (!s) {
        eb_ocl_step_release(made);
        return EB_OCL_FAILED;
    }
    s->step = *made;
    eb_ocl_fused(p, node, last);
    return EB_OCL_LOWERED;
}

static eb_ocl_lower lower_conv(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    int bias_v = n->n_in > 2 ? n->in[2] : -1;
    if (!f32(p, n->in[0]) || !weight_ok(p, n->in[1]) || (bias_v >= 0 && !weight_ok(p, bias_v)) ||
        !f32(p, n->out[0]) || n->quant)
        return EB_OCL_NO_KERNEL;
    const eb_tensor *x = eb_ocl_value(p, n->in[0]), *w = eb_ocl_value(p, n->in[1]);
    eb_window g;
    int64_t group;
    eb_err ignore;
    if (eb_conv_geometry(n, x, w, &g, &group, &ignore) != EB_OK || g.nd < 1 || g.nd > 2)
        return EB_OCL_NO_KERNEL;
    bool two = g.nd == 2;
    eb_ocl_conv_desc d = {
        .n = x->shape[0], .c = x->shape[1], .h = two ? g.in[0] : 1, .w = g.in[two],
        .oc = w->shape[0], .oh = two ? g.out[0] : 1, .ow = g.out[two],
        .kh = two ? g.kernel[0] : 1, .kw = g.kernel[two],
        .stride_h = two ? g.stride[0] : 1, .stride_w = g.stride[two],
        .pad_top = two ? g.pad_begin[0] : 0, .pad_left = g.pad_begin[two],
        .dil_h = two ? g.dil[0] : 1, .dil_w = g.dil[two], .group = group,
    };
    int y;
    int last = fusable_act(p, node, &d.act, &d.lo, &d.hi, &y);
    last = last < 0 ? node : last;
    float *bias = NULL;
    if (bias_v >= 0 && !(bias = const_f32(p, bias_v)))
        return EB_OCL_NO_KERNEL;
    eb_ocl_view vx, vy;
    eb_ocl_step made = {0};
    eb_status st = EB_OK;
    if ((st = eb_ocl_value_view(p, n->in[0], &vx, err)) == EB_OK && (st = eb_ocl_value_view(p, y, &vy, err)) == EB_OK)
        st = eb_ocl_conv_make(&p->o, &d, w, bias, vx, vy, &made, err);
    free(bias);
    if (st == EB_EUNSUPPORTED)
        return EB_OCL_NO_KERNEL; /* a configuration the kernels refuse: the reference runs it */
    if (st != EB_OK)
        return EB_OCL_FAILED;
    return add(p, node, last, &made, err);
}

/* Gemm's bias: beta * C as a host [n] vector (C of n values, or one);
 * false when C has another shape (a full [m, n] matrix) */
static bool gemm_bias(const eb_plan *p, const eb_node *n, int64_t cols, float **out)
{
    *out = NULL;
    int c = n->n_in > 2 ? n->in[2] : -1;
    float beta = eb_attr_float(n, "beta", 1.0f);
    if (c < 0 || beta == 0)
        return c < 0 || weight_ok(p, c);
    const eb_tensor *ct = eb_ocl_value(p, c);
    int64_t count = eb_tensor_numel(ct);
    if (count != cols && count != 1)
        return false;
    if (count == cols && ct->rank == 2 && ct->shape[1] != cols)
        return false;
    float *v = const_f32(p, c), *b = v ? malloc((size_t)(cols > 0 ? cols : 1) * sizeof *b) : NULL;
    if (!b) {
        free(v);
        return false;
    }
    for (int64_t j = 0; j < cols; j++)
        b[j] = beta * v[count == 1 ? 0 : j];
    free(v);
    *out = b;
    return true;
}

/* Gemm and MatMul's common end: the activation after node fused into the
 * epilogue, then a GEMM against the constant weight w (with bias), or,
 * without one, the run-time matmul of the node's two inputs. */
static eb_ocl_lower emit_matmul(eb_plan *p, int node, eb_ocl_matmul_desc *d, const eb_tensor *w, const float *bias,
                                eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    int y;
    int last = fusable_act(p, node, &d->act, &d->lo, &d->hi, &y);
    last = last < 0 ? node : last;
    eb_ocl_view va, vb, vy;
    eb_ocl_step made = {0};
    eb_status st;
    if ((st = eb_ocl_value_view(p, n->in[0], &va, err)) == EB_OK && (st = eb_ocl_value_view(p, y, &vy, err)) == EB_OK) {
        if (w)
            st = eb_ocl_gemm_make(&p->o, d, w, bias, va, vy, &made, err);
        else if ((st = eb_ocl_value_view(p, n->in[1], &vb, err)) == EB_OK)
            st = eb_ocl_matmul_make(&p->o, d, va, vb, vy, &made, err);
    }
    if (st == EB_EUNSUPPORTED)
        return EB_OCL_NO_KERNEL;
    if (st != EB_OK)
        return EB_OCL_FAILED;
    return add(p, node, last, &made, err);
}

static eb_ocl_lower lower_gemm(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    if (!f32(p, n->in[0]) || !f32(p, n->in[1]) || !f32(p, n->out[0]) || n->quant ||
        eb_attr_int(n, "transA", 0) != 0)
        return EB_OCL_NO_KERNEL;
    const eb_tensor *a = eb_ocl_value(p, n->in[0]), *b = eb_ocl_value(p, n->in[1]), *yt = eb_ocl_value(p, n->out[0]);
    if (a->rank != 2 || b->rank != 2 || yt->rank != 2)
        return EB_OCL_NO_KERNEL;
    bool tb = eb_attr_int(n, "transB", 0) != 0, b_const = weight_ok(p, n->in[1]);
    eb_ocl_matmul_desc d = {
        .batch = 1, .m = a->shape[0], .k = a->shape[1], .n = yt->shape[1], .trans_b = tb,
        .alpha = eb_attr_float(n, "alpha", 1.0f),
    };
    float *bias = NULL;
    if (!gemm_bias(p, n, d.n, &bias))
        return EB_OCL_NO_KERNEL;
    if (!b_const && (bias || (n->n_in > 2 && n->in[2] >= 0))) {
        free(bias);
        return EB_OCL_NO_KERNEL; /* the run-time matmul adds no bias */
    }
    eb_ocl_lower r = emit_matmul(p, node, &d, b_const ? b : NULL, bias, err);
    free(bias);
    return r;
}

/* The batch stride of operand t (rank r >= 2) against the output's batch
 * dims: 0 when t has no batch (all 1), its matrix size when its batch dims
 * are the output's; -1 for a partial broadcast. */
static int64_t batch_stride(const eb_tensor *t, const eb_tensor *y)
{
    int64_t tb = 1, yb = 1;
    for (int d = 0; d < t->rank - 2; d++)
        tb *= t->shape[d];
    for (int d = 0; d < y->rank - 2; d++)
        yb *= y->shape[d];
    if (tb == 1)
        return 0;
    if (tb != yb)
        return -1;
    for (int d = 0; d < t->rank - 2; d++)
        if (t->shape[t->rank - 3 - d] != y->shape[y->rank - 3 - d])
            return -1;
    return t->shape[t->rank - 2] * t->shape[t->rank - 1];
}

static eb_ocl_lower lower_matmul(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    if (!f32(p, n->in[0]) || !f32(p, n->in[1]) || !f32(p, n->out[0]) || n->quant)
        return EB_OCL_NO_KERNEL;
    const eb_tensor *a = eb_ocl_value(p, n->in[0]), *b = eb_ocl_value(p, n->in[1]), *yt = eb_ocl_value(p, n->out[0]);
    if (a->rank < 2 || b->rank < 2)
        return EB_OCL_NO_KERNEL;
    int64_t m = a->shape[a->rank - 2], k = a->shape[a->rank - 1], cols = b->shape[b->rank - 1];
    eb_ocl_matmul_desc d = {.k = k, .n = cols, .alpha = 1.0f};
    bool b_const = weight_ok(p, n->in[1]) && b->rank == 2;
    if (b_const) { /* one weight for every row of every batch: one GEMM */
        d.batch = 1;
        d.m = eb_tensor_numel(a) / (k ? k : 1);
        if (k == 0)
            return EB_OCL_NO_KERNEL;
    } else {
        int64_t sa = batch_stride(a, yt), sb = batch_stride(b, yt);
        if (sa < 0 || sb < 0)
            return EB_OCL_NO_KERNEL;
        d.batch = eb_tensor_numel(yt) / (m * cols > 0 ? m * cols : 1);
        d.m = m;
        d.a_batch_stride = sa, d.b_batch_stride = sb, d.c_batch_stride = m * cols;
        if (m * cols == 0)
            return EB_OCL_NO_KERNEL;
    }
    return emit_matmul(p, node, &d, b_const ? b : NULL, NULL, err);
}

static eb_ocl_lower lower_pool(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    if (!f32(p, n->in[0]) || !f32(p, n->out[0]) || (n->n_out > 1 && n->out[1] >= 0))
        return EB_OCL_NO_KERNEL; /* MaxPool's Indices */
    const eb_tensor *x = eb_ocl_value(p, n->in[0]);
    if (x->rank != 3 && x->rank != 4)
        return EB_OCL_NO_KERNEL;
    bool two = x->rank == 4;
    int64_t h = two ? x->shape[2] : 1, w = x->shape[x->rank - 1];
    eb_ocl_pool_desc d = {.n = x->shape[0], .c = x->shape[1], .h = h, .w = w};
    if (n->op == EB_OP_GLOBAL_AVG_POOL || n->op == EB_OP_GLOBAL_MAX_POOL) {
        d.oh = d.ow = 1, d.kh = h, d.kw = w;
        d.stride_h = d.stride_w = d.dil_h = d.dil_w = 1;
        d.max = n->op == EB_OP_GLOBAL_MAX_POOL;
    } else {
        eb_window g;
        eb_err ignore;
        if (eb_pool_geometry(n, x, &g, &ignore) != EB_OK || g.nd != x->rank - 2)
            return EB_OCL_NO_KERNEL;
        d.oh = two ? g.out[0] : 1, d.ow = g.out[two];
        d.kh = two ? g.kernel[0] : 1, d.kw = g.kernel[two];
        d.stride_h = two ? g.stride[0] : 1, d.stride_w = g.stride[two];
        d.pad_top = two ? g.pad_begin[0] : 0, d.pad_left = g.pad_begin[two];
        d.dil_h = two ? g.dil[0] : 1, d.dil_w = g.dil[two];
        d.max = eb_is_max_pool(n);
        d.count_include_pad = eb_attr_int(n, "count_include_pad", 0) != 0;
    }
    eb_ocl_view vx, vy;
    eb_ocl_step made = {0};
    eb_status st;
    if ((st = eb_ocl_value_view(p, n->in[0], &vx, err)) == EB_OK &&
        (st = eb_ocl_value_view(p, n->out[0], &vy, err)) == EB_OK)
        st = eb_ocl_pool_make(&p->o, &d, vx, vy, &made, err);
    if (st == EB_EUNSUPPORTED)
        return EB_OCL_NO_KERNEL;
    if (st != EB_OK)
        return EB_OCL_FAILED;
    return add(p, node, node, &made, err);
}

eb_ocl_lower eb_ocl_lower_compute(eb_plan *p, int node, eb_err *err)
{
    switch (p->g->nodes[node].op) {
    case EB_OP_CONV: return lower_conv(p, node, err);
    case EB_OP_GEMM: return lower_gemm(p, node, err);
    case EB_OP_MATMUL: return lower_matmul(p, node, err);
    case EB_OP_MAX_POOL:
    case EB_OP_AVERAGE_POOL:
    case EB_OP_GLOBAL_AVG_POOL:
    case EB_OP_GLOBAL_MAX_POOL: return lower_pool(p, node, err);
    default: return EB_OCL_NO_KERNEL;
    }
}
