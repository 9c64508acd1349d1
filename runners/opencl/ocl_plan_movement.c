/* ocl_plan_movement.c - lowering of the data movement ops: the reshapes
 * (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout in inference,
 * Cast to the same type) alias their input's buffer, no copy; Transpose,
 * Slice, Split, Concat and Expand are strided copies (movement.cl), Gather
 * a gather kernel (constant indices checked at prepare, or indices computed
 * at run time: an embedding lookup).  Any dtype of 1, 4 or 8 bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"
#include "runners/opencl/ocl_plan.h"

static bool known(const eb_plan *p, int v)
{
    return v >= 0 && p->g->values[v].shape_known;
}

static int elem_size(const eb_plan *p, int v)
{
    eb_dtype dt = eb_ocl_value(p, v)->dtype;
    if (dt == EB_DT_I4)
        return 0;
    int s = (int)eb_dtype_nbytes(dt, 1);
    return s == 1 || s == 4 || s == 8 ? s : 0;
}

/* The graph's tensors of node n's inputs (NULL for omitted ones). */
static void inputs_of(const eb_plan *p, const eb_node *n, const eb_tensor *in[16])
{
    for (int k = 0; k < 16; k++)
        in[k] = k < n->n_in && n->in[k] >= 0 ? eb_ocl_value(p, n->in[k]) : NULL;
}

/* Step s of node gets a strided copy (a new step when s is full or NULL). */
static eb_status add_copy(eb_plan *p, int node, eb_ocl_pstep **s, int esize, cl_mem x, int64_t xo, cl_mem y,
                          int64_t yo, int rank, const int64_t *dims_in, const int64_t *xs_in, const int64_t *ys_in,
                          eb_err *err)
{
    int64_t dims[EB_MAX_RANK], st[2][EB_MAX_RANK], count = 1;
    for (int d = 0; d < rank; d++) {
        dims[d] = dims_in[d], st[0][d] = xs_in[d], st[1][d] = ys_in[d];
        count *= dims[d];
    }
    if (count == 0)
        return EB_OK;
    int r = eb_ocl_coalesce(rank, dims, 2, st);
    int di[8], xi[8], yi[8];
    if (count > INT32_MAX || xo > INT32_MAX || yo > INT32_MAX || !eb_ocl_to_int8(r, dims, di) ||
        !eb_ocl_to_int8(r, st[0], xi) || !eb_ocl_to_int8(r, st[1], yi))
        return eb_errf(err, EB_EUNSUPPORTED, "opencl: copy too large for int indexing");
    if (!*s || (*s)->step.n_launch == EB_OCL_MAX_LAUNCH)
        if (!(*s = eb_ocl_add_step(p, node, node, err)))
            return EB_ENOMEM;
    char kernel[32];
    snprintf(kernel, sizeof kernel, "eb_copy_strided%d", esize);
    snprintf((*s)->step.method, sizeof (*s)->step.method, "strided copy rank %d", r);
    eb_ocl_args a;
    eb_status st_ = eb_ocl_launch_1d(p, &(*s)->step, kernel, (size_t)count, &a, err);
    if (st_ != EB_OK)
        return st_;
    eb_ocl_arg_mem(&a, x);
    eb_ocl_arg_int(&a, (int)xo);
    eb_ocl_arg_mem(&a, y);
    eb_ocl_arg_int(&a, (int)yo);
    eb_ocl_arg_int(&a, (int)count);
    eb_ocl_arg_int(&a, r);
    eb_ocl_arg_int8(&a, di);
    eb_ocl_arg_int8(&a, xi);
    eb_ocl_arg_int8(&a, yi);
    return eb_ocl_args_check(&a, kernel, err);
}

/* Views of input 0 and output k, and checks common to the copies. */
static eb_ocl_lower views(eb_plan *p, const eb_node *n, int k, eb_ocl_view *x, eb_ocl_view *y, eb_err *err)
{
    if (!known(p, n->in[0]) || !known(p, n->out[k]) || !elem_size(p, n->in[0]) ||
        eb_tensor_numel(eb_ocl_value(p, n->in[0])) > INT32_MAX)
        return EB_OCL_NO_KERNEL;
    if (eb_ocl_value_view(p, n->in[0], x, err) != EB_OK || eb_ocl_value_view(p, n->out[k], y, err) != EB_OK)
        return EB_OCL_FAILED;
    return EB_OCL_LOWERED;
}

static eb_ocl_lower lower_alias(eb_plan *p, int node)
{
    const eb_node *n = &p->g->nodes[node];
    int x = n->in[0], y = n->out[0];
    if (!known(p, x) || !known(p, y) || p->g->values[x].is_const || p->slot_of[x] < 0)
        return EB_OCL_NO_KERNEL;
    if (eb_ocl_value(p, x)->dtype != eb_ocl_value(p, y)->dtype ||
        eb_tensor_nbytes(eb_ocl_value(p, x)) != eb_tensor_nbytes(eb_ocl_value(p, y)))
        return EB_OCL_NO_KERNEL;
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0)
            return EB_OCL_NO_KERNEL; /* Dropout's mask */
    if (n->op == EB_OP_DROPOUT && n->n_in > 2 && n->in[2] >= 0) {
        const uint8_t *train = eb_ocl_const_data(p, n->in[2]);
        if (!train || train[0])
            return EB_OCL_NO_KERNEL; /* training mode, or not known to be off */
    }
    eb_ocl_alias(p, y, x);
    p->skip[node] = true;
    return EB_OCL_LOWERED;
}

static eb_ocl_lower lower_transpose(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    eb_ocl_view x, y;
    eb_ocl_lower r = views(p, n, 0, &x, &y, err);
    if (r != EB_OCL_LOWERED)
        return r;
    const eb_tensor *xt = eb_ocl_value(p, n->in[0]), *yt = eb_ocl_value(p, n->out[0]);
    int perm[EB_MAX_RANK];
    eb_err ignore;
    if (eb_transpose_perm(n, xt->rank, perm, &ignore) != EB_OK)
        return EB_OCL_NO_KERNEL;
    int64_t xs[EB_MAX_RANK], ps[EB_MAX_RANK], ys[EB_MAX_RANK];
    eb_ocl_strides(xt, xt->rank, false, xs);
    eb_ocl_strides(yt, yt->rank, false, ys);
    for (int d = 0; d < yt->rank; d++)
        ps[d] = xs[perm[d]];
    eb_ocl_pstep *s = NULL;
    if (add_copy(p, node, &s, elem_size(p, n->in[0]), x.mem, 0, y.mem, 0, yt->rank, yt->shape, ps, ys, err) != EB_OK)
        return EB_OCL_FAILED;
    if (!s && !eb_ocl_add_step(p, node, node, err)) /* an empty tensor: a step that launches nothing */
        return EB_OCL_FAILED;
    return EB_OCL_LOWERED;
}

static eb_ocl_lower lower_slice(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    const eb_tensor *in[16];
    inputs_of(p, n, in);
    for (int k = 1; k < n->n_in; k++)
        if (in[k] && !eb_ocl_const_data(p, n->in[k]))
            return EB_OCL_NO_KERNEL; /* starts/ends/axes/steps computed at run time */
    const eb_tensor *xt = in[0], *yt = eb_ocl_value(p, n->out[0]);
    int64_t first[EB_MAX_RANK], step[EB_MAX_RANK], count[EB_MAX_RANK];
    eb_err ignore;
    if (!known(p, n->in[0]) || eb_slice_params(n, in, xt, first, step, count, &ignore) != EB_OK)
        return EB_OCL_NO_KERNEL;
    eb_ocl_view x, y;
    eb_ocl_lower r = views(p, n, 0, &x, &y, err);
    if (r != EB_OCL_LOWERED)
        return r;
    int64_t xs[EB_MAX_RANK], ss[EB_MAX_RANK], ys[EB_MAX_RANK], off = 0;
    eb_ocl_strides(xt, xt->rank, false, xs);
    eb_ocl_strides(yt, yt->rank, false, ys);
    for (int d = 0; d < xt->rank; d++) {
        ss[d] = xs[d] * step[d];
        off += count[d] ? first[d] * xs[d] : 0;
    }
    eb_ocl_pstep *s = NULL;
    if (add_copy(p, node, &s, elem_size(p, n->in[0]), x.mem, off, y.mem, 0, xt->rank, count, ss, ys, err) != EB_OK)
        return EB_OCL_FAILED;
    if (!s && !eb_ocl_add_step(p, node, node, err))
        return EB_OCL_FAILED;
    return EB_OCL_LOWERED;
}

static eb_ocl_lower lower_split(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    const eb_tensor *in[16];
    inputs_of(p, n, in);
    if (n->n_in > 1 && in[1] && !eb_ocl_const_data(p, n->in[1]))
        return EB_OCL_NO_KERNEL;
    int axis;
    int64_t *sizes;
    eb_err ignore;
    if (!known(p, n->in[0]) || eb_split_plan(n, in, in[0], &axis, &sizes, &ignore) != EB_OK)
        return EB_OCL_NO_KERNEL;
    const eb_tensor *xt = in[0];
    int64_t xs[EB_MAX_RANK], ys[EB_MAX_RANK], dims[EB_MAX_RANK], at = 0;
    eb_ocl_strides(xt, xt->rank, false, xs);
    eb_ocl_pstep *s = NULL;
    eb_ocl_lower r = EB_OCL_LOWERED;
    for (int k = 0; k < n->n_out && r == EB_OCL_LOWERED; k++) {
        if (n->out[k] < 0) {
            at += sizes[k];
            continue;
        }
        eb_ocl_view x, y;
        if ((r = views(p, n, k, &x, &y, err)) != EB_OCL_LOWERED)
            break;
        const eb_tensor *yt = eb_ocl_value(p, n->out[k]);
        for (int d = 0; d < xt->rank; d++)
            dims[d] = yt->shape[d];
        eb_ocl_strides(yt, yt->rank, false, ys);
        if (add_copy(p, node, &s, elem_size(p, n->in[0]), x.mem, at * xs[axis], y.mem, 0, xt->rank, dims, xs, ys,
                     err) != EB_OK)
            r = EB_OCL_FAILED;
        at += sizes[k];
    }
    free(sizes);
    if (r == EB_OCL_LOWERED && !s && !eb_ocl_add_step(p, node, node, err))
        return EB_OCL_FAILED;
    return r;
}

static eb_ocl_lower lower_concat(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    const eb_tensor *yt = eb_ocl_value(p, n->out[0]);
    if (!known(p, n->out[0]) || !elem_size(p, n->out[0]) || eb_tensor_numel(yt) > INT32_MAX)
        return EB_OCL_NO_KERNEL;
    for (int k = 0; k < n->n_in; k++)
        if (!known(p, n->in[k]) || eb_ocl_value(p, n->in[k])->dtype != yt->dtype)
            return EB_OCL_NO_KERNEL;
    int axis = (int)eb_attr_int(n, "axis", 1);
    axis += axis < 0 ? yt->rank : 0;
    if (axis < 0 || axis >= yt->rank)
        return EB_OCL_NO_KERNEL;
    eb_ocl_view y;
    if (eb_ocl_value_view(p, n->out[0], &y, err) != EB_OK)
        return EB_OCL_FAILED;
    int64_t ys[EB_MAX_RANK], xs[EB_MAX_RANK], at = 0;
    eb_ocl_strides(yt, yt->rank, false, ys);
    eb_ocl_pstep *s = NULL;
    for (int k = 0; k < n->n_in; k++) {
        const eb_tensor *xt = eb_ocl_value(p, n->in[k]);
        eb_ocl_view x;
        if (eb_ocl_value_view(p, n->in[k], &x, err) != EB_OK)
            return EB_OCL_FAILED;
        eb_ocl_strides(xt, xt->rank, false, xs);
        if (add_copy(p, node, &s, elem_size(p, n->out[0]), x.mem, 0, y.mem, at * ys[axis], yt->rank, xt->shape, xs,
                     ys, err) != EB_OK)
            return EB_OCL_FAILED;
        at += xt->shape[axis];
    }
    if (!s && !eb_ocl_add_step(p, node, node, err))
        return EB_OCL_FAILED;
    return EB_OCL_LOWERED;
}

static eb_ocl_lower lower_expand(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    eb_ocl_view x, y;
    eb_ocl_lower r = views(p, n, 0, &x, &y, err);
    if (r != EB_OCL_LOWERED)
        return r;
    const eb_tensor *xt = eb_ocl_value(p, n->in[0]), *yt = eb_ocl_value(p, n->out[0]);
    if (xt->rank > yt->rank)
        return EB_OCL_NO_KERNEL;
    int64_t xs[EB_MAX_RANK], ys[EB_MAX_RANK];
    eb_ocl_strides(xt, yt->rank, true, xs);
    eb_ocl_strides(yt, yt->rank, false, ys);
    eb_ocl_pstep *s = NULL;
    if (add_copy(p, node, &s, elem_size(p, n->in[0]), x.mem, 0, y.mem, 0, yt->rank, yt->shape, xs, ys, err) != EB_OK)
        return EB_OCL_FAILED;
    if (!s && !eb_ocl_add_step(p, node, node, err))
        return EB_OCL_FAILED;
    return EB_OCL_LOWERED;
}

/* Gather's launch: x, the indices' buffer, y and the sizes. */
static eb_ocl_lower gather_args(eb_ocl_args *a, const char *kernel, cl_mem x, cl_mem idx, cl_mem y, int64_t count,
                                int64_t inner, int64_t n_idx, int64_t len, eb_err *err)
{
    eb_ocl_arg_mem(a, x);
    eb_ocl_arg_mem(a, idx);
    eb_ocl_arg_mem(a, y);
    eb_ocl_arg_int(a, (int)count);
    eb_ocl_arg_int(a, (int)inner);
    eb_ocl_arg_int(a, (int)n_idx);
    eb_ocl_arg_int(a, (int)len);
    return eb_ocl_args_check(a, kernel, err) == EB_OK ? EB_OCL_LOWERED : EB_OCL_FAILED;
}

static eb_ocl_lower lower_gather(eb_plan *p, int node, eb_err *err)
{
    const eb_node *n = &p->g->nodes[node];
    const eb_tensor *xt = eb_ocl_value(p, n->in[0]), *it = eb_ocl_value(p, n->in[1]);
    const void *idx = eb_ocl_const_data(p, n->in[1]);
    int axis;
    eb_err ignore;
    if (!known(p, n->in[1]) || (it->dtype != EB_DT_I64 && it->dtype != EB_DT_I32) || !known(p, n->in[0]) ||
        eb_gather_axis(n, xt, &axis, &ignore) != EB_OK || (p->g->values[n->in[1]].is_const && !idx))
        return EB_OCL_NO_KERNEL;
    int64_t n_idx = eb_tensor_numel(it), len = xt->shape[axis], inner = 1;
    for (int d = axis + 1; d < xt->rank; d++)
        inner *= xt->shape[d];
    int64_t count = eb_tensor_numel(eb_ocl_value(p, n->out[0]));
    if (n_idx > INT32_MAX || count > INT32_MAX)
        return EB_OCL_NO_KERNEL;
    char kernel[32];
    if (!idx) { /* indices computed at run time: the kernel reads them as they are */
        eb_ocl_view x, y, iv;
        eb_ocl_lower r = views(p, n, 0, &x, &y, err);
        if (r != EB_OCL_LOWERED)
            return r;
        eb_ocl_pstep *s = eb_ocl_add_step(p, node, node, err);
        if (!s || eb_ocl_value_view(p, n->in[1], &iv, err) != EB_OK)
            return EB_OCL_FAILED;
        snprintf(s->step.method, sizeof s->step.method, "gather, run-time indices");
        if (count == 0)
            return EB_OCL_LOWERED;
        snprintf(kernel, sizeof kernel, "eb_gather%d_%s", elem_size(p, n->in[0]), it->dtype == EB_DT_I64 ? "i64" : "i32");
        eb_ocl_args a;
        if (eb_ocl_launch_1d(p, &s->step, kernel, (size_t)count, &a, err) != EB_OK)
            return EB_OCL_FAILED;
        return gather_args(&a, kernel, x.mem, iv.mem, y.mem, count, inner, n_idx, len, err);
    }
    int *ix = malloc((size_t)(n_idx ? n_idx : 1) * sizeof *ix);
    if (!ix)
        return eb_errf(err, EB_ENOMEM, "opencl: out of memory for Gather indices"), EB_OCL_FAILED;
    for (int64_t j = 0; j < n_idx; j++) {
        int64_t v = it->dtype == EB_DT_I64 ? ((const int64_t *)idx)[j] : ((const int32_t *)idx)[j];
        v += v < 0 ? len : 0;
        if (v < 0 || v >= len) {
            free(ix);
            return EB_OCL_NO_KERNEL; /* the reference kernel says what is wrong */
        }
        ix[j] = (int)v;
    }
    eb_ocl_view x, y;
    eb_ocl_lower r = views(p, n, 0, &x, &y, err);
    eb_ocl_pstep *s = r == EB_OCL_LOWERED ? eb_ocl_add_step(p, node, node, err) : NULL;
    if (r == EB_OCL_LOWERED && !s)
        r = EB_OCL_FAILED;
    if (r != EB_OCL_LOWERED || count == 0) {
        free(ix);
        return r;
    }
    cl_mem im;
    eb_status st = eb_ocl_plan_own(p, &s->step, (size_t)n_idx * sizeof *ix, ix, &im, err);
    free(ix);
    snprintf(kernel, sizeof kernel, "eb_gather%d", elem_size(p, n->in[0]));
    eb_ocl_args a;
    if (st != EB_OK || eb_ocl_launch_1d(p, &s->step, kernel, (size_t)count, &a, err) != EB_OK)
        return EB_OCL_FAILED;
    snprintf(s->step.method, sizeof s->step.method, "gather");
    return gather_args(&a, kernel, x.mem, im, y.mem, count, inner, n_idx, len, err);
}

eb_ocl_lower eb_ocl_lower_movement(eb_plan *p, int node, eb_err *err)
{
    switch (p->g->nodes[node].op) {
    case EB_OP_RESHAPE:
    case EB_OP_FLATTEN:
    case EB_OP_SQUEEZE:
    case EB_OP_UNSQUEEZE:
    case EB_OP_IDENTITY:
    case EB_OP_DROPOUT:
    case EB_OP_CAST: return lower_alias(p, node);
    case EB_OP_TRANSPOSE: return lower_transpose(p, node, err);
    case EB_OP_SLICE: return lower_slice(p, node, err);
    case EB_OP_SPLIT: return lower_split(p, node, err);
    case EB_OP_CONCAT: return lower_concat(p, node, err);
    case EB_OP_EXPAND: return lower_expand(p, node, err);
    case EB_OP_GATHER: return lower_gather(p, node, err);
    default: return EB_OCL_NO_KERNEL;
    }
}
