/* ocl_plan_norm.c - lowering of Softmax/LogSoftmax (any axis, both opset
 * semantics), LayerNormalization (Scale and B one value per normalised
 * element), BatchNormalization (inference, constant per-channel
 * statistics, folded at prepare into (x - mean) * a + b) and the Reduce ops
 * onto norm.cl.  f32 only; the rest goes to the fallback. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>

#include "models/op_params.h"
#include "runners/opencl/ocl_plan.h"

/* norm.cl's eb_reduce op codes */
enum { RED_SUM, RED_MEAN, RED_MAX, RED_MIN, RED_PROD, RED_L1, RED_L2, RED_LOG_SUM, RED_LOG_SUM_EXP, RED_SUM_SQUARE };

static bool f32(const eb_plan *p, int v)
{
    return v >= 0 && p->g->values[v].shape_known && eb_ocl_value(p, v)->dtype == EB_DT_F32 &&
           eb_tensor_numel(eb_ocl_value(p, v)) <= INT32_MAX;
}

/* Node `node`'s one step with one launch of `kernel` over n items. */
static eb_ocl_lower one_launch(eb_plan *p, int node, const char *kernel, const char *method, size_t n,
                               eb_ocl_pstep **s, eb_ocl_args *a, eb_err *err)
{
    if (!(*s = eb_ocl_add_step(p, node, node, err)))
        return EB_OCL_FAILED;
    snprintf((*s)->step.method, sizeof (*s)->step.method, "%s", method);
    if (n && eb_ocl_launch_1d(p, &(*s)->step, kernel, n, a, err) != EB_OK)
        return EB_OCL_FAILED;
    return EB_OCL_LOWERED;
}

static eb_ocl_lower lower_softmax(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    if (!f32(p, n->in[0]) || !f32(p, n->out[0]))
        return EB_OCL_NO_KERNEL;
    const eb_tensor *x = eb_ocl_value(p, n->in[0]);
    int axis;
    if (!eb_softmax_axis(n, x, &axis))
        return EB_OCL_NO_KERNEL;
    int64_t outer = 1, len = 1, inner = 1;
    for (int d = 0; d < x->rank; d++) {
        if (d < axis)
            outer *= x->shape[d];
        else if (d == axis || n->opset < 13)
            len *= x->shape[d];
        else
            inner *= x->shape[d];
    }
    eb_ocl_view vx, vy;
    if (eb_ocl_value_view(p, n->in[0], &vx, err) != EB_OK || eb_ocl_value_view(p, n->out[0], &vy, err) != EB_OK)
        return EB_OCL_FAILED;
    eb_ocl_pstep *s;
    eb_ocl_args a;
    size_t rows = (size_t)(outer * inner);
    if (one_launch(p, node, "eb_softmax", "one run per work item", len ? rows : 0, &s, &a, err) != EB_OCL_LOWERED)
        return EB_OCL_FAILED;
    if (!len || !rows)
        return EB_OCL_LOWERED;
    eb_ocl_arg_mem(&a, vx.mem);
    eb_ocl_arg_mem(&a, vy.mem);
    eb_ocl_arg_int(&a, (int)outer);
    eb_ocl_arg_int(&a, (int)len);
    eb_ocl_arg_int(&a, (int)inner);
    eb_ocl_arg_int(&a, n->op == EB_OP_LOG_SOFTMAX);
    return eb_ocl_args_check(&a, "eb_softmax", err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

static eb_ocl_lower lower_layer_norm(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0)
            return EB_OCL_NO_KERNEL; /* Mean / InvStdDev asked for */
    int bias = n->n_in > 2 ? n->in[2] : -1;
    if (!f32(p, n->in[0]) || !f32(p, n->in[1]) || !f32(p, n->out[0]) || (bias >= 0 && !f32(p, bias)))
        return EB_OCL_NO_KERNEL;
    const eb_tensor *x = eb_ocl_value(p, n->in[0]);
    int axis;
    if (!eb_layer_norm_axis(n, x->rank, &axis))
        return EB_OCL_NO_KERNEL;
    int64_t rows = 1, len = 1;
    for (int d = 0; d < x->rank; d++)
        *(d < axis ? &rows : &len) *= x->shape[d];
    /* Scale and B: one value per normalised element (their dims are x's
     * from axis on, with leading 1s); other broadcasts fall back */
    int in_params[2] = {n->in[1], bias};
    for (int k = 0; k < 2; k++) {
        if (in_params[k] < 0)
            continue;
        const eb_tensor *t = eb_ocl_value(p, in_params[k]);
        if (eb_tensor_numel(t) != len || t->rank > x->rank)
            return EB_OCL_NO_KERNEL;
        for (int d = 0; d < t->rank; d++) {
            int xd = x->rank - t->rank + d;
            if (t->shape[d] != (xd >= axis ? x->shape[xd] : 1))
                return EB_OCL_NO_KERNEL;
        }
    }
    eb_ocl_view vx, vs, vb, vy;
    if (eb_ocl_value_view(p, n->in[0], &vx, err) != EB_OK || eb_ocl_value_view(p, n->in[1], &vs, err) != EB_OK ||
        (bias >= 0 && eb_ocl_value_view(p, bias, &vb, err) != EB_OK) ||
        eb_ocl_value_view(p, n->out[0], &vy, err) != EB_OK)
        return EB_OCL_FAILED;
    eb_ocl_pstep *s;
    eb_ocl_args a;
    if (one_launch(p, node, "eb_layer_norm", "one row per work item", len ? (size_t)rows : 0, &s, &a, err) !=
        EB_OCL_LOWERED)
        return EB_OCL_FAILED;
    if (!len || !rows)
        return EB_OCL_LOWERED;
    eb_ocl_arg_mem(&a, vx.mem);
    eb_ocl_arg_mem(&a, vs.mem);
    eb_ocl_arg_mem(&a, bias >= 0 ? vb.mem : vs.mem);
    eb_ocl_arg_mem(&a, vy.mem);
    eb_ocl_arg_int(&a, (int)rows);
    eb_ocl_arg_int(&a, (int)len);
    eb_ocl_arg_float(&a, eb_attr_float(n, "epsilon", 1e-5f));
    eb_ocl_arg_int(&a, bias >= 0);
    return eb_ocl_args_check(&a, "eb_layer_norm", err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

static eb_ocl_lower lower_batch_norm(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0)
            return EB_OCL_NO_KERNEL; /* the training statistics */
    if (!f32(p, n->in[0]) || !f32(p, n->out[0]))
        return EB_OCL_NO_KERNEL;
    const eb_tensor *x = eb_ocl_value(p, n->in[0]);
    if (x->rank < 2)
        return EB_OCL_NO_KERNEL;
    int64_t channels = x->shape[1], inner = 1;
    for (int d = 2; d < x->rank; d++)
        inner *= x->shape[d];
    const float *prm[4]; /* scale, B, mean, var */
    for (int k = 0; k < 4; k++) {
        int v = n->in[1 + k];
        prm[k] = eb_ocl_const_data(p, v);
        if (!prm[k] || eb_ocl_value(p, v)->dtype != EB_DT_F32 || eb_bn_per_activation(x, eb_ocl_value(p, v)) ||
            eb_tensor_numel(eb_ocl_value(p, v)) != channels)
            return EB_OCL_NO_KERNEL;
    }
    double eps = eb_attr_float(n, "epsilon", 1e-5f);
    float *pk = malloc((size_t)(3 * channels + 1) * sizeof *pk);
    if (!pk)
        return eb_errf(err, EB_ENOMEM, "opencl: out of memory for BatchNormalization"), EB_OCL_FAILED;
    for (int64_t c = 0; c < channels; c++) {
        pk[c] = prm[2][c];
        pk[channels + c] = (float)(prm[0][c] / sqrt((double)prm[3][c] + eps));
        pk[2 * channels + c] = prm[1][c];
    }
    eb_ocl_view vx, vy;
    eb_ocl_pstep *s;
    eb_ocl_args a;
    cl_mem pm;
    int64_t count = eb_tensor_numel(x);
    eb_ocl_lower r = EB_OCL_FAILED;
    if (eb_ocl_value_view(p, n->in[0], &vx, err) == EB_OK && eb_ocl_value_view(p, n->out[0], &vy, err) == EB_OK &&
        one_launch(p, node, "eb_batch_norm", "per-channel affine", (size_t)count, &s, &a, err) == EB_OCL_LOWERED &&
        eb_ocl_plan_own(p, &s->step, (size_t)(3 * channels) * sizeof *pk, pk, &pm, err) == EB_OK)
        r = EB_OCL_LOWERED;
    free(pk);
    if (r != EB_OCL_LOWERED || !count)
        return r;
    eb_ocl_arg_mem(&a, vx.mem);
    eb_ocl_arg_mem(&a, pm);
    eb_ocl_arg_mem(&a, vy.mem);
    eb_ocl_arg_int(&a, (int)count);
    eb_ocl_arg_int(&a, (int)channels);
    eb_ocl_arg_int(&a, (int)inner);
    return eb_ocl_args_check(&a, "eb_batch_norm", err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

static eb_ocl_lower lower_reduce(eb_plan *p, int node, int op, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    if (!f32(p, n->in[0]) || !f32(p, n->out[0]))
        return EB_OCL_NO_KERNEL;
    if (n->n_in > 1 && n->in[1] >= 0 && !eb_ocl_const_data(p, n->in[1]))
        return EB_OCL_NO_KERNEL; /* axes computed at run time */
    const eb_tensor *in[2] = {eb_ocl_value(p, n->in[0]), n->n_in > 1 && n->in[1] >= 0 ? eb_ocl_value(p, n->in[1]) : NULL};
    const eb_tensor *x = in[0];
    bool mask[EB_MAX_RANK];
    eb_err ignore;
    if (eb_reduce_mask(n, in, mask, &ignore) != EB_OK)
        return EB_OCL_NO_KERNEL;
    int64_t xs[EB_MAX_RANK], kd[EB_MAX_RANK], ks[1][EB_MAX_RANK], rd[EB_MAX_RANK], rs[1][EB_MAX_RANK];
    eb_ocl_strides(x, x->rank, false, xs);
    int kr = 0, rr = 0;
    int64_t rcount = 1;
    for (int d = 0; d < x->rank; d++) {
        if (mask[d]) {
            rd[rr] = x->shape[d], rs[0][rr++] = xs[d];
            rcount *= x->shape[d];
        } else {
            kd[kr] = x->shape[d], ks[0][kr++] = xs[d];
        }
    }
    if (rr == 0 || rcount == 0 || rcount > INT32_MAX)
        return EB_OCL_NO_KERNEL; /* an identity (noop_with_empty_axes) or an empty set: the reference's rules */
    kr = eb_ocl_coalesce(kr, kd, 1, ks);
    rr = eb_ocl_coalesce(rr, rd, 1, rs);
    int kdi[8], ksi[8], rdi[8], rsi[8];
    if (!eb_ocl_to_int8(kr, kd, kdi) || !eb_ocl_to_int8(kr, ks[0], ksi) || !eb_ocl_to_int8(rr, rd, rdi) ||
        !eb_ocl_to_int8(rr, rs[0], rsi))
        return EB_OCL_NO_KERNEL;
    int64_t count = eb_tensor_numel(eb_ocl_value(p, n->out[0]));
    eb_ocl_view vx, vy;
    eb_ocl_pstep *s;
    eb_ocl_args a;
    if (eb_ocl_value_view(p, n->in[0], &vx, err) != EB_OK || eb_ocl_value_view(p, n->out[0], &vy, err) != EB_OK ||
        one_launch(p, node, "eb_reduce", "one output per work item", (size_t)count, &s, &a, err) != EB_OCL_LOWERED)
        return EB_OCL_FAILED;
    if (!count)
        return EB_OCL_LOWERED;
    eb_ocl_arg_mem(&a, vx.mem);
    eb_ocl_arg_mem(&a, vy.mem);
    eb_ocl_arg_int(&a, (int)count);
    eb_ocl_arg_int(&a, op);
    eb_ocl_arg_int(&a, kr);
    eb_ocl_arg_int8(&a, kdi);
    eb_ocl_arg_int8(&a, ksi);
    eb_ocl_arg_int(&a, rr);
    eb_ocl_arg_int8(&a, rdi);
    eb_ocl_arg_int8(&a, rsi);
    eb_ocl_arg_int(&a, (int)rcount);
    return eb_ocl_args_check(&a, "eb_reduce", err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

eb_ocl_lower eb_ocl_lower_norm(eb_plan *p, int node, eb_err *err)
{
    switch (p->g->nodes[node].op) {
    case EB_OP_SOFTMAX:
    case EB_OP_LOG_SOFTMAX: return lower_softmax(p, node, err);
    case EB_OP_LAYER_NORM: return lower_layer_norm(p, node, err);
    case EB_OP_BATCH_NORM: return lower_batch_norm(p, node, err);
    case EB_OP_REDUCE_SUM: return lower_reduce(p, node, RED_SUM, err);
    case EB_OP_REDUCE_MEAN: return lower_reduce(p, node, RED_MEAN, err);
    case EB_OP_REDUCE_MAX: return lower_reduce(p, node, RED_MAX, err);
    case EB_OP_REDUCE_MIN: return lower_reduce(p, node, RED_MIN, err);
    case EB_OP_REDUCE_PROD: return lower_reduce(p, node, RED_PROD, err);
    case EB_OP_REDUCE_L1: return lower_reduce(p, node, RED_L1, err);
    case EB_OP_REDUCE_L2: return lower_reduce(p, node, RED_L2, err);
    case EB_OP_REDUCE_LOG_SUM: return lower_reduce(p, node, RED_LOG_SUM, err);
    case EB_OP_REDUCE_LOG_SUM_EXP: return lower_reduce(p, node, RED_LOG_SUM_EXP, err);
    case EB_OP_REDUCE_SUM_SQUARE: return lower_reduce(p, node, RED_SUM_SQUARE, err);
    default: return EB_OCL_NO_KERNEL;
    }
}
