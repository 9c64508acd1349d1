/* cuda_plan.c - building the cuda runner's plan (cuda_plan.h): the device
 * buffer of every value, constants uploaded on first use (decoded from
 * their compressed storage; a quant=fp16 GEMM weight as its fp16 bits),
 * the consumer counts that decide what may fuse, and the walk over the
 * graph that hands each node to its family's planner, or to the reference
 * fallback when none takes it. */
#include "runners/cuda/cuda_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"

eb_status eb_cu_fail(eb_err *err, cudaError_t e, const char *what)
{
    return eb_errf(err, EB_EIO, "cuda: %s: %s", what, cudaGetErrorString(e));
}

cu_step *eb_cu_new_step(eb_plan *p, cu_step_kind kind, int node, eb_err *err)
{
    if (p->n_steps == p->cap_steps) {
        int nc = p->cap_steps ? p->cap_steps * 2 : 64;
        cu_step *ns = realloc(p->steps, (size_t)nc * sizeof *ns);
        if (!ns) {
            eb_errf(err, EB_ENOMEM, "cuda: out of memory building the plan");
            return NULL;
        }
        p->steps = ns;
        p->cap_steps = nc;
    }
    cu_step *s = &p->steps[p->n_steps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->node = node;
    if (node >= 0) {
        snprintf(s->what, sizeof s->what, "%s", p->g->nodes[node].name);
        snprintf(s->ops, sizeof s->ops, "%s", p->g->nodes[node].op_type);
    }
    return s;
}

void eb_cu_step_label(const eb_plan *p, cu_step *s, int ni)
{
    size_t k = strlen(s->what), o = strlen(s->ops);
    snprintf(s->what + k, sizeof s->what - k, "+%s", p->g->nodes[ni].name);
    snprintf(s->ops + o, sizeof s->ops - o, "+%s", p->g->nodes[ni].op_type);
}

bool eb_cu_is_f32(const eb_plan *p, int v)
{
    return v >= 0 && p->g->values[v].shape_known && p->g->values[v].t.dtype == EB_DT_F32;
}

bool eb_cu_is_const(const eb_plan *p, int v)
{
    return v >= 0 && p->g->values[v].is_const;
}

int eb_cu_only_consumer(const eb_plan *p, int v)
{
    if (v < 0 || p->uses[v] != 1)
        return -1;
    for (int i = 0; i < p->g->n_nodes; i++) {
        const eb_node *n = &p->g->nodes[i];
        if (n->folded)
            continue;
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k] == v)
                return i;
    }
    return -1; /* a graph output */
}

/* a constant scalar input of node n, or def when omitted */
static bool const_scalar(const eb_plan *p, const eb_node *n, int k, float def, float *out)
{
    *out = def;
    if (k >= n->n_in || n->in[k] < 0)
        return true;
    const eb_value *v = &p->g->values[n->in[k]];
    if (!v->is_const || v->t.dtype != EB_DT_F32 || eb_tensor_numel(&v->t) != 1 || !v->t.data)
        return false;
    *out = ((const float *)v->t.data)[0];
    return true;
}

int eb_cu_fusable_act(eb_plan *p, int v, int *act, float *lo, float *hi)
{
    int c = eb_cu_only_consumer(p, v);
    if (c < 0)
        return -1;
    const eb_node *n = &p->g->nodes[c];
    if (n->n_out != 1 || !eb_cu_is_f32(p, n->out[0]))
        return -1;
    if (n->op == EB_OP_RELU) {
        *act = EB_CU_ACT_RELU;
        return c;
    }
    if (n->op == EB_OP_CLIP) {
        if (n->opset < 11) {
            *lo = eb_attr_float(n, "min", -3.4028234663852886e38f);
            *hi = eb_attr_float(n, "max", 3.4028234663852886e38f);
        } else if (!const_scalar(p, n, 1, -3.4028234663852886e38f, lo) ||
                   !const_scalar(p, n, 2, 3.4028234663852886e38f, hi)) {
            return -1;
        }
        *act = EB_CU_ACT_CLIP;
        return c;
    }
    return -1;
}

float *eb_cu_upload_f32(eb_plan *p, const float *h, size_t n, eb_status *st, eb_err *err)
{
    void *d = NULL;
    if ((*st = eb_cu_mem_alloc(&p->mem, n * sizeof(float), "constant", &d, err)) != EB_OK)
        return NULL;
    cudaError_t e = cudaMemcpy(d, h, n * sizeof(float), cudaMemcpyHostToDevice);
    if (e != cudaSuccess) {
        *st = eb_cu_fail(err, e, "uploading a constant");
        return NULL;
    }
    p->info.weight_bytes += n * sizeof(float);
    return d;
}

/* a constant's data up to the device, dense (decoded when compressed) */
static eb_status upload_const(eb_plan *p, int v, eb_err *err)
{
    const eb_value *val = &p->g->values[v];
    cu_val *cv = &p->vals[v];
    size_t bytes = eb_tensor_nbytes(&val->t);
    eb_status st;
    if (val->t.storage) {
        if (val->t.dtype != EB_DT_F32)
            return EB_OK; /* not on the device; the fallback reads it from the graph */
        int64_t numel = eb_tensor_numel(&val->t);
        float *h = malloc((size_t)(numel > 0 ? numel : 1) * sizeof *h);
        if (!h)
            return eb_errf(err, EB_ENOMEM, "cuda: out of memory decoding '%s'", val->name);
        st = eb_storage_to_dense(&val->t, h, err);
        cv->d = st == EB_OK ? eb_cu_upload_f32(p, h, (size_t)numel, &st, err) : NULL;
        free(h);
        cv->uploaded = st == EB_OK;
        return st;
    }
    if (!val->t.data)
        return EB_OK;
    if ((st = eb_cu_mem_alloc(&p->mem, bytes, val->name, &cv->d, err)) != EB_OK)
        return st;
    cudaError_t e = cudaMemcpy(cv->d, val->t.data, bytes, cudaMemcpyHostToDevice);
    if (e != cudaSuccess)
        return eb_cu_fail(err, e, "uploading a constant");
    p->info.weight_bytes += bytes;
    cv->uploaded = true;
    return EB_OK;
}

const void *eb_cu_val_f32(eb_plan *p, int v, eb_status *st, eb_err *err)
{
    *st = EB_OK;
    if (v < 0)
        return NULL;
    if (p->g->values[v].is_const && !p->vals[v].uploaded && (*st = upload_const(p, v, err)) != EB_OK)
        return NULL;
    return p->vals[v].d;
}

const void *eb_cu_val_gemm(eb_plan *p, int v, int *half, eb_status *st, eb_err *err)
{
    *half = 0;
    *st = EB_OK;
    const eb_value *val = v >= 0 ? &p->g->values[v] : NULL;
    if (!val || !p->half_weights || !val->is_const || eb_tensor_storage_kind(&val->t) != EB_STORAGE_F16)
        return eb_cu_val_f32(p, v, st, err);
    cu_val *cv = &p->vals[v];
    if (!cv->half) {
        size_t bytes = (size_t)eb_tensor_numel(&val->t) * 2;
        if ((*st = eb_cu_mem_alloc(&p->mem, bytes, val->name, &cv->half, err)) != EB_OK)
            return NULL;
        cudaError_t e = cudaMemcpy(cv->half, val->t.storage->u.f16.data, bytes, cudaMemcpyHostToDevice);
        if (e != cudaSuccess) {
            *st = eb_cu_fail(err, e, "uploading an fp16 weight");
            return NULL;
        }
        p->info.weight_bytes += bytes;
    }
    *half = 1;
    return cv->half;
}

/* ---- values ---------------------------------------------------------------- */

/* Reshape and its kind move no data: the output is the input's buffer */
static bool is_alias(const eb_plan *p, const eb_node *n)
{
    switch (n->op) {
    case EB_OP_RESHAPE:
    case EB_OP_FLATTEN:
    case EB_OP_SQUEEZE:
    case EB_OP_UNSQUEEZE:
    case EB_OP_IDENTITY: break;
    case EB_OP_DROPOUT: /* inference: the input, when the mask is not asked for */
        if (n->n_out > 1 && n->out[1] >= 0)
            return false;
        break;
    default: return false;
    }
    int x = n->in[0], y = n->out[0];
    return x >= 0 && y >= 0 && p->g->values[x].shape_known && p->g->values[y].shape_known &&
           p->g->values[x].t.dtype == p->g->values[y].t.dtype && !p->g->values[x].t.storage &&
           eb_tensor_nbytes(&p->g->values[x].t) == eb_tensor_nbytes(&p->g->values[y].t);
}

static eb_status count_uses(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    if (!(p->uses = calloc((size_t)g->n_values + 1, sizeof *p->uses)) ||
        !(p->fused = calloc((size_t)g->n_nodes + 1, sizeof *p->fused)))
        return eb_errf(err, EB_ENOMEM, "cuda: out of memory");
    for (int i = 0; i < g->n_nodes; i++)
        if (!g->nodes[i].folded)
            for (int k = 0; k < g->nodes[i].n_in; k++)
                if (g->nodes[i].in[k] >= 0)
                    p->uses[g->nodes[i].in[k]]++;
    for (int i = 0; i < g->n_outputs; i++)
        p->uses[g->outputs[i]]++;
    return EB_OK;
}

/* a device buffer for every computed value, in node order so that an alias
 * finds its source's buffer already there */
static eb_status alloc_values(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    eb_status st;
    for (int i = 0; i < g->n_inputs; i++) {
        const eb_value *v = &g->values[g->inputs[i]];
        if ((st = eb_cu_mem_alloc(&p->mem, eb_tensor_nbytes(&v->t), v->name, &p->vals[g->inputs[i]].d, err)) != EB_OK)
            return st;
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        if (n->folded)
            continue;
        if (is_alias(p, n)) {
            const void *src = eb_cu_val_f32(p, n->in[0], &st, err);
            if (st != EB_OK)
                return st;
            if (src) {
                p->vals[n->out[0]].d = (void *)src;
                continue;
            }
        }
        for (int k = 0; k < n->n_out; k++) {
            int v = n->out[k];
            if (v < 0 || !g->values[v].shape_known || p->vals[v].d)
                continue;
            size_t bytes = eb_tensor_nbytes(&g->values[v].t);
            if ((st = eb_cu_mem_alloc(&p->mem, bytes, g->values[v].name, &p->vals[v].d, err)) != EB_OK)
                return st;
            p->info.activation_bytes += bytes;
        }
    }
    return EB_OK;
}

/* ---- the fallback ------------------------------------------------------------ */

static eb_status host_copy(eb_plan *p, int v, eb_err *err)
{
    cu_val *cv = &p->vals[v];
    if (cv->host.data || p->g->values[v].is_const)
        return EB_OK;
    eb_tensor_copy_meta(&cv->host, &p->g->values[v].t);
    eb_status st = eb_tensor_alloc(&cv->host, p->g->values[v].name, err);
    if (st == EB_OK)
        p->info.scratch_bytes += eb_tensor_nbytes(&cv->host);
    return st;
}

static eb_status plan_fallback(eb_plan *p, int ni, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    eb_status st = eb_fallback_prepare(&p->fb, p->g, ni, err);
    for (int k = 0; st == EB_OK && k < n->n_in; k++)
        if (n->in[k] >= 0)
            st = host_copy(p, n->in[k], err);
    for (int k = 0; st == EB_OK && k < n->n_out; k++)
        if (n->out[k] >= 0 && p->g->values[n->out[k]].shape_known)
            st = host_copy(p, n->out[k], err);
    if (st == EB_OK && !eb_cu_new_step(p, CS_FALLBACK, ni, err))
        st = EB_ENOMEM;
    return st;
}

/* ---- the walk ------------------------------------------------------------------ */

typedef bool (*planner)(eb_plan *p, int ni, eb_status *st, eb_err *err);

static planner planner_of(eb_op op)
{
    switch (op) {
    case EB_OP_GEMM: return eb_cu_plan_gemm;
    case EB_OP_MATMUL: return eb_cu_plan_matmul;
    case EB_OP_CONV: return eb_cu_plan_conv;
    case EB_OP_MAX_POOL:
    case EB_OP_AVERAGE_POOL:
    case EB_OP_GLOBAL_AVG_POOL:
    case EB_OP_GLOBAL_MAX_POOL: return eb_cu_plan_pool;
    case EB_OP_SOFTMAX:
    case EB_OP_LOG_SOFTMAX:
    case EB_OP_LAYER_NORM: return eb_cu_plan_rows;
    case EB_OP_TRANSPOSE:
    case EB_OP_CONCAT:
    case EB_OP_GATHER:
    case EB_OP_SPLIT: return eb_cu_plan_movement;
    default: return eb_cu_plan_eltwise; /* the elementwise ops, BatchNormalization; others it declines */
    }
}

eb_status eb_cu_plan_build(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    eb_status st;
    if (!(p->vals = calloc((size_t)g->n_values + 1, sizeof *p->vals)))
        return eb_errf(err, EB_ENOMEM, "cuda: out of memory");
    if ((st = count_uses(p, err)) != EB_OK || (st = eb_fallback_init(&p->fb, g, err)) != EB_OK ||
        (st = alloc_values(p, err)) != EB_OK)
        return st;
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        if (n->folded || p->fused[i])
            continue;
        if (is_alias(p, n) && p->vals[n->out[0]].d && p->vals[n->out[0]].d == p->vals[n->in[0]].d)
            continue;
        st = EB_OK;
        int before = p->n_steps;
        if (!n->quant && planner_of(n->op)(p, i, &st, err))
            continue;
        if (st != EB_OK)
            return st;
        while (p->n_steps > before) { /* a planner that declined after adding its step */
            p->n_steps--;
            free(p->steps[p->n_steps].parts);
            free(p->steps[p->n_steps].outs);
            free(p->steps[p->n_steps].part_bytes);
        }
        if ((st = plan_fallback(p, i, err)) != EB_OK)
            return st;
    }
    if (p->col_bytes && (st = eb_cu_mem_alloc(&p->mem, p->col_bytes, "im2col scratch", (void **)&p->col, err)) != EB_OK)
        return st;
    p->info.scratch_bytes += p->col_bytes;
    for (int i = 0; i < p->n_steps; i++)
        if (p->steps[i].kind == CS_CONV)
            p->steps[i].col = p->col;
    return EB_OK;
}
