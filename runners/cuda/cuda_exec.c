/* cuda_exec.c - one inference of the cuda runner's plan: the inputs go up,
 * the steps are launched in order on the plan's stream, the outputs come
 * down, and four CUDA events split the time into upload, compute and
 * download (summed into eb_plan_info.phases).  A fallback step waits for
 * the stream, copies its node's inputs to the host, runs the reference
 * kernel there and copies the outputs back: its whole time, host part
 * included, lands in compute.  Every copy goes on the plan's stream (a
 * non-blocking one, which the legacy default stream's cudaMemcpy would not
 * be ordered against), so the kernels after a fallback see its outputs.
 * profile() (times != NULL) also records an event pair around each step. */
#include <stdio.h>
#include <string.h>

#include "runners/cuda/cuda_plan.h"

#define CK(call, what)                                                                                               \
    do {                                                                                                             \
        cudaError_t e_ = (call);                                                                                     \
        if (e_ != cudaSuccess)                                                                                       \
            return eb_cu_fail(err, e_, what);                                                                        \
    } while (0)

static eb_status run_gemm(eb_plan *p, const eb_cu_gemm *g, eb_err *err)
{
    if (p->cublas) {
        eb_err ignored;
        eb_status st = eb_cu_cublas_gemm(p->cublas, g, p->stream, &ignored);
        if (st == EB_OK)
            return EB_OK;
        if (st != EB_EUNSUPPORTED) /* a layout cuBLAS does not take runs on our kernel */
            return eb_errf(err, st, "cuda: %s", ignored.msg);
    }
    CK(eb_cu_gemm_run(g, p->stream), "gemm launch");
    return EB_OK;
}

static eb_status run_conv(eb_plan *p, const cu_step *s, eb_err *err)
{
    const eb_cu_win *w = &s->win;
    int64_t pix = (int64_t)w->oh * w->ow, cg = w->c / s->groups, mg = w->oc / s->groups;
    for (int img = 0; img < w->n; img++)
        for (int gr = 0; gr < s->groups; gr++) {
            CK(eb_cu_im2col(s->x, s->col, w, img, (int)(gr * cg), (int)cg, p->stream), "im2col launch");
            eb_cu_gemm g = s->gemm;
            g.a = (const char *)g.a + (size_t)(gr * mg * g.k) * (g.a_half ? 2 : 4);
            g.b = s->col;
            g.c += ((int64_t)img * w->oc + gr * mg) * pix;
            if (g.bias)
                g.bias += gr * mg;
            eb_status st = run_gemm(p, &g, err);
            if (st != EB_OK)
                return st;
        }
    return EB_OK;
}

static eb_status run_fallback(eb_plan *p, const cu_step *s, eb_err *err)
{
    const eb_node *n = &p->g->nodes[s->node];
    CK(cudaStreamSynchronize(p->stream), "waiting before a fallback node");
    for (int k = 0; k < n->n_in; k++) {
        int v = n->in[k];
        if (v < 0) {
            p->fb.in[k] = NULL;
            continue;
        }
        if (p->g->values[v].is_const) {
            p->fb.in[k] = &p->g->values[v].t;
            continue;
        }
        cu_val *cv = &p->vals[v];
        CK(cudaMemcpyAsync(cv->host.data, cv->d, eb_tensor_nbytes(&cv->host), cudaMemcpyDeviceToHost, p->stream),
           "copying a fallback node's input down");
        p->fb.in[k] = &cv->host;
    }
    CK(cudaStreamSynchronize(p->stream), "copying a fallback node's inputs down");
    for (int k = 0; k < n->n_out; k++) {
        int v = n->out[k];
        p->fb.out[k] = v >= 0 && p->vals[v].host.data ? &p->vals[v].host : NULL;
    }
    eb_status st = eb_fallback_run(&p->fb, n, err);
    if (st != EB_OK)
        return st;
    for (int k = 0; k < n->n_out; k++) {
        int v = n->out[k];
        if (v >= 0 && p->vals[v].host.data && p->vals[v].d)
            CK(cudaMemcpyAsync(p->vals[v].d, p->vals[v].host.data, eb_tensor_nbytes(&p->vals[v].host),
                               cudaMemcpyHostToDevice, p->stream),
               "copying a fallback node's output up");
    }
    return EB_OK;
}

static eb_status run_step(eb_plan *p, const cu_step *s, eb_err *err)
{
    cudaStream_t q = p->stream;
    switch (s->kind) {
    case CS_GEMM: return run_gemm(p, &s->gemm, err);
    case CS_CONV: return run_conv(p, s, err);
    case CS_DEPTHWISE: CK(eb_cu_depthwise(s->x, s->w, s->b, s->y, &s->win, s->act, s->p0, s->p1, q), "depthwise"); break;
    case CS_POOL: CK(eb_cu_pool(s->x, s->y, &s->win, s->op, s->flag, q), "pool"); break;
    case CS_BINARY: CK(eb_cu_binary(s->op, s->x, s->w, s->y, &s->bc, s->count, q), "binary"); break;
    case CS_UNARY: CK(eb_cu_unary(s->op, s->x, s->y, s->count, s->p0, s->p1, q), "unary"); break;
    case CS_AFFINE:
        CK(eb_cu_channel_affine(s->x, s->w, s->b, s->y, s->outer, s->cols, s->inner, q), "batch norm");
        break;
    case CS_SOFTMAX: CK(eb_cu_softmax(s->x, s->y, s->rows, s->cols, s->op, q), "softmax"); break;
    case CS_LAYERNORM: CK(eb_cu_layernorm(s->x, s->w, s->b, s->y, s->rows, s->cols, s->p0, q), "layernorm"); break;
    case CS_TRANSPOSE:
        CK(eb_cu_transpose(s->x, s->y, s->rank, s->shape, s->st, s->count, s->elem, q), "transpose");
        break;
    case CS_CONCAT: {
        int64_t off = 0;
        for (int k = 0; k < s->n_parts; k++) {
            if (s->part_bytes[k] > 0 && s->outer > 0)
                CK(cudaMemcpy2DAsync((char *)s->y + off, (size_t)s->cols, s->parts[k], (size_t)s->part_bytes[k],
                                     (size_t)s->part_bytes[k], (size_t)s->outer, cudaMemcpyDeviceToDevice, q),
                   "concat copy");
            off += s->part_bytes[k];
        }
        break;
    }
    case CS_SPLIT: {
        int64_t off = 0;
        for (int k = 0; k < s->n_parts; k++) {
            if (s->part_bytes[k] > 0 && s->outer > 0)
                CK(cudaMemcpy2DAsync(s->outs[k], (size_t)s->part_bytes[k], (const char *)s->x + off, (size_t)s->cols,
                                     (size_t)s->part_bytes[k], (size_t)s->outer, cudaMemcpyDeviceToDevice, q),
                   "split copy");
            off += s->part_bytes[k];
        }
        break;
    }
    case CS_GATHER:
        CK(eb_cu_gather(s->x, s->w, s->op, s->y, s->outer, s->rows, s->cols, s->inner, s->elem, q), "gather");
        break;
    case CS_FALLBACK: return run_fallback(p, s, err);
    }
    return EB_OK;
}

static double elapsed(cudaEvent_t a, cudaEvent_t b)
{
    float ms = 0;
    return cudaEventElapsedTime(&ms, a, b) == cudaSuccess ? (double)ms : 0.0;
}

eb_status eb_cu_execute(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max, int *n,
                        eb_err *err)
{
    const eb_graph *g = p->g;
    cudaStream_t q = p->stream;
    CK(cudaEventRecord(p->ev[0], q), "event");
    for (int i = 0; i < g->n_inputs; i++)
        CK(cudaMemcpyAsync(p->vals[g->inputs[i]].d, in[i].data, eb_tensor_nbytes(&in[i]), cudaMemcpyHostToDevice, q),
           "input upload");
    CK(cudaEventRecord(p->ev[1], q), "event");
    cudaEvent_t t0 = NULL, t1 = NULL;
    if (times) {
        CK(cudaEventCreate(&t0), "event");
        if (cudaEventCreate(&t1) != cudaSuccess) {
            cudaEventDestroy(t0);
            return eb_errf(err, EB_EIO, "cuda: cannot create an event");
        }
    }
    eb_status st = EB_OK;
    for (int i = 0; i < p->n_steps && st == EB_OK; i++) {
        const cu_step *s = &p->steps[i];
        if (times)
            cudaEventRecord(t0, q);
        st = run_step(p, s, err);
        if (times && st == EB_OK) {
            cudaEventRecord(t1, q);
            cudaEventSynchronize(t1);
            eb_node_time_set(times, max, i, s->what, s->ops, elapsed(t0, t1));
        }
        if (st != EB_OK) {
            char where[256];
            snprintf(where, sizeof where, "%s: step %d '%.80s' (%.60s)", g->path, i, s->what, s->ops);
            st = eb_err_prefix(err, st, where);
        }
    }
    if (times) {
        cudaEventDestroy(t0);
        cudaEventDestroy(t1);
        *n = p->n_steps;
    }
    if (st != EB_OK)
        return st;
    CK(cudaEventRecord(p->ev[2], q), "event");
    for (int i = 0; i < g->n_outputs; i++)
        CK(cudaMemcpyAsync(out[i].data, p->vals[g->outputs[i]].d, eb_tensor_nbytes(&out[i]), cudaMemcpyDeviceToHost,
                           q),
           "output download");
    CK(cudaEventRecord(p->ev[3], q), "event");
    CK(cudaStreamSynchronize(q), "the inference");
    CK(cudaGetLastError(), "a kernel");
    p->info.phases.runs++;
    p->info.phases.upload_ms += elapsed(p->ev[0], p->ev[1]);
    p->info.phases.compute_ms += elapsed(p->ev[1], p->ev[2]);
    p->info.phases.download_ms += elapsed(p->ev[2], p->ev[3]);
    return EB_OK;
}
