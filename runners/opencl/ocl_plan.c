/* ocl_plan.c - lowering a graph onto one OpenCL device (ocl_plan.h): the
 * slots of the values, the walk over the nodes that asks each family's
 * lowerer for launches (ocl_plan_<family>.c) and hands the rest to the
 * reference fallback, and the small services the lowerers share (device
 * views of values, kernel arguments, stride arithmetic). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "runners/opencl/ocl_plan.h"

const eb_tensor *eb_ocl_value(const eb_plan *p, int v)
{
    return &p->g->values[v].t;
}

const void *eb_ocl_const_data(const eb_plan *p, int v)
{
    const eb_value *val = &p->g->values[v];
    return val->is_const && !val->t.storage ? val->t.data : NULL;
}

/* Value v's slot, made on first use: constants point at the graph's data,
 * computed values get a zeroed host mirror. */
static int slot_for(eb_plan *p, int v, eb_err *err)
{
    if (p->slot_of[v] >= 0)
        return p->slot_of[v];
    const eb_value *val = &p->g->values[v];
    eb_ocl_slot *s = &p->slots[p->n_slots];
    memset(s, 0, sizeof *s);
    s->bytes = val->shape_known ? eb_tensor_nbytes(&val->t) : 0;
    s->is_const = val->is_const;
    if (s->bytes == SIZE_MAX)
        return eb_errf(err, EB_ENOMEM, "%s: value '%s' is too large", p->g->path, val->name), -1;
    if (val->is_const) {
        s->host = val->t.data; /* NULL when stored compressed: the fallback reads the storage */
        s->host_valid = true;
    } else {
        if (!(s->host = calloc(1, s->bytes ? s->bytes : 1)))
            return eb_errf(err, EB_ENOMEM, "%s: out of memory for value '%s'", p->g->path, val->name), -1;
        s->host_valid = true; /* zeroes, as the reference runner starts */
        if (!val->is_input)
            p->info.activation_bytes += s->bytes;
    }
    p->slot_of[v] = p->n_slots++;
    p->vals[v] = val->t;
    if (!val->is_const)
        p->vals[v].data = s->host;
    return p->slot_of[v];
}

void eb_ocl_alias(eb_plan *p, int dst, int src)
{
    p->slot_of[dst] = p->slot_of[src];
    eb_tensor_copy_meta(&p->vals[dst], &p->g->values[dst].t);
    p->vals[dst].data = p->slots[p->slot_of[src]].host;
    p->vals[dst].storage = NULL;
}

eb_status eb_ocl_value_view(eb_plan *p, int v, eb_ocl_view *out, eb_err *err)
{
    int si = slot_for(p, v, err);
    if (si < 0)
        return EB_ENOMEM;
    eb_ocl_slot *s = &p->slots[si];
    out->offset = 0;
    if (s->mem) {
        out->mem = s->mem;
        return EB_OK;
    }
    const eb_value *val = &p->g->values[v];
    size_t bytes = s->bytes ? s->bytes : 4; /* OpenCL has no empty buffers */
    if (!s->is_const) {
        eb_status st = eb_ocl_buffer(&p->o, bytes, NULL, &s->mem, err);
        if (st != EB_OK)
            return eb_err_prefix(err, st, val->name);
        p->info.device_bytes += bytes;
        s->dev_valid = false;
        out->mem = s->mem;
        return EB_OK;
    }
    /* a constant: its data once, as f32 when stored compressed */
    const void *host = val->t.data;
    float *dense = NULL;
    if (val->t.storage) {
        int64_t count = eb_tensor_numel(&val->t);
        if (!(dense = malloc((size_t)(count > 0 ? count : 1) * sizeof *dense)))
            return eb_errf(err, EB_ENOMEM, "%s: out of memory decoding '%s'", p->g->path, val->name);
        eb_status st = eb_storage_to_dense(&val->t, dense, err);
        if (st != EB_OK) {
            free(dense);
            return st;
        }
        host = dense;
    }
    eb_status st = eb_ocl_buffer(&p->o, bytes, s->bytes ? host : NULL, &s->mem, err);
    free(dense);
    if (st != EB_OK)
        return eb_err_prefix(err, st, val->name);
    p->info.device_bytes += bytes;
    s->dev_valid = true;
    out->mem = s->mem;
    return EB_OK;
}

eb_ocl_pstep *eb_ocl_add_step(eb_plan *p, int node, int last, eb_err *err)
{
    if (p->n_steps == p->cap_steps) {
        int cap = p->cap_steps ? 2 * p->cap_steps : 64;
        eb_ocl_pstep *s = realloc(p->steps, (size_t)cap * sizeof *s);
        if (!s)
            return eb_errf(err, EB_ENOMEM, "%s: out of memory for the plan", p->g->path), NULL;
        p->steps = s;
        p->cap_steps = cap;
    }
    eb_ocl_pstep *s = &p->steps[p->n_steps++];
    memset(s, 0, sizeof *s);
    s->node = node;
    s->last = last;
    return s;
}

eb_status eb_ocl_launch_1d(const eb_plan *p, eb_ocl_step *s, const char *kernel, size_t n, eb_ocl_args *a,
                           eb_err *err)
{
    memset(a, 0, sizeof *a);
    if (s->n_launch == EB_OCL_MAX_LAUNCH)
        return eb_errf(err, EB_EINVAL, "opencl: too many launches in one step (%s)", kernel);
    eb_status st = eb_ocl_kernel(&p->o, kernel, &a->k, err);
    if (st != EB_OK)
        return st;
    eb_ocl_launch *l = &s->launch[s->n_launch++];
    memset(l, 0, sizeof *l);
    l->kernel = a->k;
    l->dims = 1;
    l->global[0] = n;
    return EB_OK;
}

void eb_ocl_arg_mem(eb_ocl_args *a, cl_mem m)
{
    cl_int rc = clSetKernelArg(a->k, a->next++, sizeof m, &m);
    a->rc = a->rc ? a->rc : rc;
}

void eb_ocl_arg_int(eb_ocl_args *a, int v)
{
    cl_int rc = clSetKernelArg(a->k, a->next++, sizeof(cl_int), &v);
    a->rc = a->rc ? a->rc : rc;
}

void eb_ocl_arg_float(eb_ocl_args *a, float v)
{
    cl_int rc = clSetKernelArg(a->k, a->next++, sizeof(cl_float), &v);
    a->rc = a->rc ? a->rc : rc;
}

void eb_ocl_arg_int8(eb_ocl_args *a, const int v[8])
{
    cl_int8 w;
    for (int i = 0; i < 8; i++)
        w.s[i] = v[i];
    cl_int rc = clSetKernelArg(a->k, a->next++, sizeof w, &w);
    a->rc = a->rc ? a->rc : rc;
}

eb_status eb_ocl_args_check(const eb_ocl_args *a, const char *kernel, eb_err *err)
{
    if (a->rc != CL_SUCCESS)
        return eb_errf(err, EB_EIO, "opencl: kernel %s: argument %u: %s", kernel, a->next, eb_ocl_error_name(a->rc));
    return EB_OK;
}

eb_status eb_ocl_plan_own(const eb_plan *p, eb_ocl_step *s, size_t bytes, const void *host, cl_mem *out,
                          eb_err *err)
{
    if (s->n_owned == EB_OCL_MAX_OWNED)
        return eb_errf(err, EB_EINVAL, "opencl: too many buffers in one step");
    eb_status st = eb_ocl_buffer(&p->o, bytes ? bytes : 4, bytes ? host : NULL, out, err);
    if (st != EB_OK)
        return st;
    s->owned[s->n_owned++] = *out;
    s->owned_bytes += bytes ? bytes : 4;
    return EB_OK;
}

void eb_ocl_strides(const eb_tensor *t, int rank, bool bcast, int64_t out[EB_MAX_RANK])
{
    /* t's dims right-aligned against `rank` dims (numpy broadcasting) */
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) {
        int td = d - (rank - t->rank);
        int64_t dim = td >= 0 ? t->shape[td] : 1;
        out[d] = bcast && dim == 1 ? 0 : s;
        s *= dim;
    }
}

int eb_ocl_coalesce(int rank, int64_t dims[EB_MAX_RANK], int n_ops, int64_t (*strides)[EB_MAX_RANK])
{
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (dims[d] == 1)
            continue; /* contributes nothing to any offset */
        bool merge = r > 0;
        for (int k = 0; merge && k < n_ops; k++)
            merge = strides[k][r - 1] == strides[k][d] * dims[d];
        if (merge) {
            dims[r - 1] *= dims[d];
            for (int k = 0; k < n_ops; k++)
                strides[k][r - 1] = strides[k][d];
            continue;
        }
        dims[r] = dims[d];
        for (int k = 0; k < n_ops; k++)
            strides[k][r] = strides[k][d];
        r++;
    }
    if (r == 0) { /* a single element */
        dims[0] = 1;
        for (int k = 0; k < n_ops; k++)
            strides[k][0] = 0;
        r = 1;
    }
    return r;
}

bool eb_ocl_to_int8(int rank, const int64_t *v, int out[8])
{
    if (rank > 8)
        return false;
    for (int i = 0; i < 8; i++) {
        int64_t x = i < rank ? v[i] : 0;
        if (x > INT_MAX || x < INT_MIN)
            return false;
        out[i] = (int)x;
    }
    return true;
}

int eb_ocl_next_unary(const eb_plan *p, int i, int *op, float *p0, float *p1)
{
    const eb_graph *g = p->g;
    int y = g->nodes[i].out[0];
    if (y < 0 || p->consumers[y] != 1)
        return -1; /* read twice, or a graph output: it must exist */
    for (int j = i + 1; j < g->n_nodes; j++) {
        const eb_node *n = &g->nodes[j];
        bool reads = false;
        for (int k = 0; !n->folded && k < n->n_in; k++)
            reads = reads || n->in[k] == y;
        if (!reads)
            continue;
        if (n->in[0] != y || n->n_out < 1 || n->out[0] < 0 || !p->g->values[n->out[0]].shape_known ||
            g->values[n->out[0]].t.dtype != EB_DT_F32 || !eb_ocl_unary_code(p, n, op, p0, p1))
            return -1;
        return j;
    }
    return -1;
}

void eb_ocl_fused(eb_plan *p, int node, int last)
{
    if (last == node)
        return;
    p->skip[last] = true;
    char pat[48];
    snprintf(pat, sizeof pat, "%.23s+%.23s", p->g->nodes[node].op_type, p->g->nodes[last].op_type);
    int k = 0;
    while (k < p->n_fused && strcmp(p->fused[k].pattern, pat) != 0)
        k++;
    if (k == (int)(sizeof p->fused / sizeof p->fused[0]))
        return; /* the count table is full: the fusion still runs */
    if (k == p->n_fused)
        snprintf(p->fused[p->n_fused++].pattern, sizeof p->fused[0].pattern, "%s", pat);
    p->fused[k].count++;
}

/* Node i to the reference kernels: its outputs get host slots. */
static eb_status lower_fallback(eb_plan *p, int i, eb_err *err)
{
    const eb_node *n = &p->g->nodes[i];
    for (int k = 0; k < n->n_out; k++)
        if (n->out[k] >= 0 && slot_for(p, n->out[k], err) < 0)
            return EB_ENOMEM;
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && slot_for(p, n->in[k], err) < 0)
            return EB_ENOMEM;
    eb_status st = eb_fallback_prepare(&p->fb, p->g, i, err);
    if (st != EB_OK)
        return st;
    eb_ocl_pstep *s = eb_ocl_add_step(p, i, i, err);
    if (!s)
        return EB_ENOMEM;
    s->fallback = true;
    return EB_OK;
}

eb_status eb_ocl_plan_lower(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    size_t nv = (size_t)g->n_values + 1;
    if (!(p->slot_of = malloc(nv * sizeof *p->slot_of)) || !(p->slots = calloc(nv, sizeof *p->slots)) ||
        !(p->vals = calloc(nv, sizeof *p->vals)) || !(p->consumers = calloc(nv, sizeof *p->consumers)) ||
        !(p->skip = calloc((size_t)g->n_nodes + 1, sizeof *p->skip)))
        return eb_errf(err, EB_ENOMEM, "%s: out of memory for the plan", g->path);
    eb_status st = eb_fallback_init(&p->fb, g, err);
    if (st != EB_OK)
        return st;
    for (size_t v = 0; v < nv; v++)
        p->slot_of[v] = -1;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; !g->nodes[i].folded && k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] >= 0)
                p->consumers[g->nodes[i].in[k]]++;
    for (int i = 0; i < g->n_outputs; i++)
        p->consumers[g->outputs[i]]++;
    for (int v = 0; v < g->n_values; v++) {
        const eb_value *val = &g->values[v];
        if (val->is_const)
            p->info.weight_bytes += (size_t)eb_tensor_stored_bytes(&val->t);
        if (val->is_input && slot_for(p, v, err) < 0)
            return EB_ENOMEM;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].folded || p->skip[i])
            continue;
        eb_ocl_lower r = eb_ocl_lower_compute(p, i, err);
        if (r == EB_OCL_NO_KERNEL)
            r = eb_ocl_lower_eltwise(p, i, err);
        if (r == EB_OCL_NO_KERNEL)
            r = eb_ocl_lower_movement(p, i, err);
        if (r == EB_OCL_NO_KERNEL)
            r = eb_ocl_lower_norm(p, i, err);
        if (r == EB_OCL_FAILED) {
            char where[256];
            snprintf(where, sizeof where, "%s: node %d '%.80s' (%.60s)", g->path, i, g->nodes[i].name,
                     g->nodes[i].op_type);
            return eb_err_prefix(err, EB_EIO, where);
        }
        if (r == EB_OCL_NO_KERNEL && (st = lower_fallback(p, i, err)) != EB_OK)
            return st;
    }
    /* every value a graph output reads has a slot (a constant output, or an
     * input passed straight through) */
    for (int i = 0; i < g->n_outputs; i++)
        if (slot_for(p, g->outputs[i], err) < 0)
            return EB_ENOMEM;
    for (int s = 0; s < p->n_steps; s++) {
        p->max_launch += p->steps[s].step.n_launch;
        p->info.device_bytes += p->steps[s].step.owned_bytes;
    }
    if (p->max_launch && !(p->ev = calloc((size_t)p->max_launch, sizeof *p->ev)))
        return eb_errf(err, EB_ENOMEM, "%s: out of memory for the plan", g->path);
    snprintf(p->info.fallbacks, sizeof p->info.fallbacks, "%s", eb_fallback_describe(&p->fb));
    for (int k = 0; k < p->n_fused; k++) {
        size_t len = strlen(p->info.fusions);
        snprintf(p->info.fusions + len, sizeof p->info.fusions - len, "%s%s x%d", k ? ", " : "", p->fused[k].pattern,
                 p->fused[k].count);
    }
    return EB_OK;
}

void eb_ocl_plan_free(eb_plan *p)
{
    for (int s = 0; s < p->n_steps; s++)
        if (!p->steps[s].fallback)
            eb_ocl_step_release(&p->steps[s].step);
    for (int s = 0; s < p->n_slots; s++) {
        if (p->slots[s].mem)
            clReleaseMemObject(p->slots[s].mem);
        if (!p->slots[s].is_const)
            free(p->slots[s].host);
    }
    eb_fallback_release(&p->fb);
    free(p->steps);
    free(p->slots);
    free(p->slot_of);
    free(p->vals);
    free(p->consumers);
    free(p->skip);
    free(p->ev);
}
