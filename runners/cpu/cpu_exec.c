/* cpu_exec.c - executing the cpu runner's plan: each step's kernel call,
 * the run loop (inputs in, steps, outputs out, optionally timed per step),
 * and the profile's per-step labels (a step is named after the nodes it
 * executes; a layout conversion after the value it converts). */
#include "runners/cpu/cpu_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reference_kernels/ref.h"

typedef struct mm_ctx {
    const step *s;
    const float *a, *b;
    float *y;
    eb_status st;
    eb_isa isa; /* the plan's: worker threads pack B for it */
} mm_ctx;

static void mm_batch(void *arg, int task, int worker)
{
    (void)worker;
    mm_ctx *c = arg;
    const step *s = c->s;
    int64_t a0 = eb_broadcast_offset(&s->mm.yb, s->mm.sa, task) * s->mm.m * s->mm.k;
    int64_t b0 = eb_broadcast_offset(&s->mm.yb, s->mm.sb, task) * s->mm.k * s->mm.n;
    eb_packed_b *pb = NULL;
    eb_err err;
    eb_isa prev = eb_gemm_thread_isa(c->isa);
    eb_status st = eb_gemm_pack_b(c->b + b0, (int)s->mm.k, (int)s->mm.n, (int)s->mm.n, false, &pb, &err);
    eb_gemm_thread_isa(prev);
    if (st != EB_OK) {
        c->st = EB_ENOMEM;
        return;
    }
    eb_gemm_f32((int)s->mm.m, (int)s->mm.n, (int)s->mm.k, c->a + a0, (int)s->mm.k, pb,
                c->y + (int64_t)task * s->mm.m * s->mm.n, (int)s->mm.n, NULL, NULL);
    eb_gemm_packed_free(pb);
}

static float *f32(const eb_plan *p, int v)
{
    return v >= 0 ? (float *)p->pv[v].t.data : NULL;
}

static eb_status run_step(eb_plan *p, const step *s, eb_err *err)
{
    eb_threadpool *tp = p->tp;
    switch (s->kind) {
    case ST_REF: {
        const eb_node *n = &p->g->nodes[s->node];
        for (int k = 0; k < n->n_in; k++)
            p->ref_in[k] = s->ref_in[k] >= 0 ? &p->pv[s->ref_in[k]].t : NULL;
        for (int k = 0; k < n->n_out; k++) {
            p->ref_out[k] = s->ref_out[k] >= 0 ? &p->pv[s->ref_out[k]].t : NULL;
            if (p->ref_out[k]) /* the contract: outputs arrive zeroed */
                memset(p->ref_out[k]->data, 0, eb_tensor_nbytes(p->ref_out[k]));
        }
        return eb_ref_eval(n, p->ref_in, p->ref_out, err);
    }
    case ST_CONV: {
        float *scratch = s->scratch_item >= 0 ? (float *)((char *)p->arena + p->items[s->scratch_item].offset) : NULL;
        if (!s->runtime_w) {
            eb_conv2d_nhwc_f32(&s->conv, f32(p, s->in[0]), f32(p, s->out[0]), scratch, tp);
            return EB_OK;
        }
        eb_conv2d c = s->conv;
        c.packed = NULL;
        c.bias = NULL;
        eb_status st = eb_conv2d_pack(&c, f32(p, s->in[1]), NULL, f32(p, s->in[2]), err);
        if (st != EB_OK)
            return st;
        eb_conv2d_nhwc_f32(&c, f32(p, s->in[0]), f32(p, s->out[0]), scratch, tp);
        eb_conv2d_release(&c);
        return EB_OK;
    }
    case ST_DWCONV: {
        if (!s->runtime_w) {
            eb_dwconv2d_nhwc_f32(&s->dw, f32(p, s->in[0]), f32(p, s->out[0]), tp);
            return EB_OK;
        }
        eb_dwconv2d d = s->dw;
        d.w = d.bias = NULL;
        eb_status st = eb_dwconv2d_pack(&d, f32(p, s->in[1]), NULL, f32(p, s->in[2]), err);
        if (st != EB_OK)
            return st;
        eb_dwconv2d_nhwc_f32(&d, f32(p, s->in[0]), f32(p, s->out[0]), tp);
        eb_dwconv2d_release(&d);
        return EB_OK;
    }
    case ST_POOL: eb_pool2d_nhwc_f32(&s->pool, f32(p, s->in[0]), f32(p, s->out[0]), tp); return EB_OK;
    case ST_GPOOL:
        eb_global_pool_nhwc_f32(s->pool.win.n, s->pool.win.h * s->pool.win.w, s->pool.win.c, s->pool.is_max,
                                f32(p, s->in[0]), f32(p, s->out[0]), tp);
        return EB_OK;
    case ST_GEMM: {
        eb_epilogue ep = {.bias = s->gemm.bias, .act = s->gemm.act, .lo = s->gemm.lo, .hi = s->gemm.hi};
        const eb_packed_b *pb = s->gemm.pb;
        eb_packed_b *tmp = NULL;
        if (!pb) {
            int ldb = s->gemm.trans_b ? s->gemm.k : s->gemm.n;
            eb_status st = eb_gemm_pack_b(f32(p, s->in[1]), s->gemm.k, s->gemm.n, ldb, s->gemm.trans_b, &tmp, err);
            if (st != EB_OK)
                return st;
            pb = tmp;
        }
        eb_gemm_f32(s->gemm.m, s->gemm.n, s->gemm.k, f32(p, s->in[0]), s->gemm.k, pb, f32(p, s->out[0]), s->gemm.n,
                    &ep, tp);
        eb_gemm_packed_free(tmp);
        return EB_OK;
    }
    case ST_MATMUL: {
        mm_ctx c = {s, f32(p, s->in[0]), f32(p, s->in[1]), f32(p, s->out[0]), EB_OK, p->isa};
        int64_t count = s->mm.batches;
        if (s->mm.m * s->mm.n == 0)
            return EB_OK;
        if (s->mm.k == 0) {
            memset(c.y, 0, sizeof(float) * (size_t)(count * s->mm.m * s->mm.n));
            return EB_OK;
        }
        if (tp && count >= eb_threadpool_size(tp)) {
            eb_threadpool_run(tp, (int)count, mm_batch, &c);
        } else {
            for (int64_t i = 0; i < count && c.st == EB_OK; i++) {
                int64_t a0 = eb_broadcast_offset(&s->mm.yb, s->mm.sa, i) * s->mm.m * s->mm.k;
                int64_t b0 = eb_broadcast_offset(&s->mm.yb, s->mm.sb, i) * s->mm.k * s->mm.n;
                eb_packed_b *pb = NULL;
                eb_status st = eb_gemm_pack_b(c.b + b0, (int)s->mm.k, (int)s->mm.n, (int)s->mm.n, false, &pb, err);
                if (st != EB_OK)
                    return st;
                eb_gemm_f32((int)s->mm.m, (int)s->mm.n, (int)s->mm.k, c.a + a0, (int)s->mm.k, pb,
                            c.y + i * s->mm.m * s->mm.n, (int)s->mm.n, NULL, tp);
                eb_gemm_packed_free(pb);
            }
        }
        if (c.st != EB_OK)
            return eb_errf(err, c.st, "MatMul: out of memory packing B");
        return EB_OK;
    }
    case ST_UNARY:
        eb_unary_f32(&s->unary, f32(p, s->in[0]), f32(p, s->out[0]), eb_tensor_numel(&p->pv[s->out[0]].t), tp);
        return EB_OK;
    case ST_BINARY:
        eb_binary_f32(s->bin.op, s->bin.rank, s->bin.out, f32(p, s->in[0]), s->bin.a, f32(p, s->in[1]), s->bin.b,
                      f32(p, s->out[0]), s->bin.act, s->bin.lo, s->bin.hi, tp);
        return EB_OK;
    case ST_SOFTMAX:
        eb_softmax_rows_f32(s->rows.rows, s->rows.cols, f32(p, s->in[0]), f32(p, s->out[0]), s->rows.log, tp);
        return EB_OK;
    case ST_LAYERNORM:
        eb_layernorm_rows_f32(s->rows.rows, s->rows.cols, f32(p, s->in[0]), f32(p, s->in[1]), f32(p, s->in[2]),
                              s->rows.eps, f32(p, s->out[0]), tp);
        return EB_OK;
    case ST_TRANSPOSE:
        eb_transpose_f32(s->tr.rank, s->tr.shape, s->tr.perm, f32(p, s->in[0]), f32(p, s->out[0]), tp);
        return EB_OK;
    case ST_VIEW: return EB_OK;
    case ST_CONCAT:
    case ST_SPLIT: {
        bool concat = s->kind == ST_CONCAT;
        size_t off = 0;
        for (int k = 0; k < (concat ? s->n_in : s->n_out); k++) {
            char *whole = concat ? p->pv[s->out[0]].t.data : p->pv[s->in[0]].t.data;
            char *piece = concat ? p->pv[s->in[k]].t.data : p->pv[s->out[k]].t.data;
            eb_copy c = {.len = s->mv.part[k], .outer = s->mv.outer};
            if (concat) {
                c.src = piece;
                c.dst = whole + off;
                c.src_stride = (int64_t)s->mv.part[k];
                c.dst_stride = (int64_t)s->mv.inner;
            } else {
                c.src = whole + off;
                c.dst = piece;
                c.src_stride = (int64_t)s->mv.inner;
                c.dst_stride = (int64_t)s->mv.part[k];
            }
            if (c.len)
                eb_copy_blocks(&c, tp);
            off += s->mv.part[k];
        }
        return EB_OK;
    }
    case ST_GATHER: {
        const eb_tensor *idx = &p->pv[s->in[1]].t;
        return eb_gather_rows(p->pv[s->in[0]].t.data, s->mv.outer, s->mv.axis_dim, s->mv.inner, idx->data,
                              idx->dtype == EB_DT_I64, s->mv.n_idx, p->pv[s->out[0]].t.data, tp, err);
    }
    case ST_TO_NHWC:
    case ST_TO_NCHW: {
        const eb_tensor *t = &p->pv[s->in[0]].t;
        int n = (int)t->shape[0], c = (int)t->shape[1], hw = (int)(t->shape[2] * t->shape[3]);
        if (s->kind == ST_TO_NHWC)
            eb_layout_nchw_to_nhwc_f32(n, c, hw, f32(p, s->in[0]), f32(p, s->out[0]), tp);
        else
            eb_layout_nhwc_to_nchw_f32(n, c, hw, f32(p, s->in[0]), f32(p, s->out[0]), tp);
        return EB_OK;
    }
    }
    return EB_OK;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* One inference; with times (profile()), each step is timed too, into
 * times[si].ms.  run() passes NULL: no clock is read. */
eb_status eb_cpu_run_steps(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, eb_err *err)
{
    const eb_graph *g = p->g;
    for (int i = 0; i < g->n_inputs; i++) {
        const pval *v = &p->pv[g->inputs[i]];
        if (v->t.data && !v->is_const)
            memcpy(v->t.data, in[i].data, eb_tensor_nbytes(&v->t));
    }
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        double t0 = times ? now_ms() : 0;
        eb_status st = run_step(p, s, err);
        if (times)
            times[si].ms = now_ms() - t0;
        if (st != EB_OK) {
            char where[256];
            if (s->node >= 0)
                snprintf(where, sizeof where, "%s: node %d '%.80s' (%.60s)", g->path, s->node, g->nodes[s->node].name,
                         g->nodes[s->node].op_type);
            else
                snprintf(where, sizeof where, "%s: layout conversion", g->path);
            return eb_err_prefix(err, st, where);
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const pval *v = &p->pv[g->outputs[i]];
        if (v->layout == LAY_NHWC && !layout_neutral(&v->t)) {
            const eb_tensor *t = &v->t;
            eb_layout_nhwc_to_nchw_f32((int)t->shape[0], (int)t->shape[1], (int)(t->shape[2] * t->shape[3]), t->data,
                                       out[i].data, p->tp);
        } else if (v->t.data) {
            memcpy(out[i].data, v->t.data, eb_tensor_nbytes(&v->t));
        }
    }
    return EB_OK;
}

/* Appends "+part" (or part, first) to buf[n]; false when it no longer fits. */
static bool join(char *buf, size_t n, const char *part)
{
    size_t len = strlen(buf);
    int w = snprintf(buf + len, n - len, "%s%s", len ? "+" : "", part);
    return w >= 0 && (size_t)w < n - len;
}

/* The name and op of every step: its head node and, on the last step of
 * that head, the nodes fused into it, in graph order; a conversion is
 * named after the value it converts. */
eb_status eb_cpu_build_labels(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    int *last = malloc(((size_t)g->n_nodes + 1) * sizeof *last);
    p->labels = calloc((size_t)p->n_steps + 1, sizeof *p->labels);
    char *name = malloc(4096), *op = malloc(1024);
    eb_status st = EB_OK;
    if (!last || !p->labels || !name || !op) {
        free(p->labels);
        p->labels = NULL;
        st = eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory for the profile", g->path);
        goto done;
    }
    for (int i = 0; i < g->n_nodes; i++)
        last[i] = -1;
    for (int si = 0; si < p->n_steps; si++)
        if (p->steps[si].node >= 0)
            last[p->steps[si].node] = si;
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        name[0] = op[0] = '\0';
        if (s->node < 0) {
            int gv = p->pv[s->in[0]].gv;
            snprintf(name, 4096, "%s %.200s", s->kind == ST_TO_NHWC ? "to NHWC:" : "to NCHW:",
                     gv >= 0 ? g->values[gv].name : "?");
            snprintf(op, 1024, "(layout)");
        } else {
            join(name, 4096, g->nodes[s->node].name);
            join(op, 1024, g->nodes[s->node].op_type);
            for (int j = s->node + 1; last[s->node] == si && j < g->n_nodes; j++)
                if (p->node_done[j] && p->fused_head[j] == s->node) {
                    join(name, 4096, g->nodes[j].name);
                    join(op, 1024, g->nodes[j].op_type);
                }
        }
        eb_node_time_set(p->labels, p->n_steps, si, name, op, 0);
    }
done:
    free(last);
    free(name);
    free(op);
    return st;
}
