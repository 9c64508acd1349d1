/* cpu_steps.c - what each kind of the cpu runner's steps does: the exec,
 * release and bytes functions of the rows of cpu_steps.def, and the table
 * eb_cpu_steps[] the runner walks instead of switching over the kind
 * (the run loop, release, the weight bytes, in-place placement, the dump).
 *
 * An exec function runs one step on the plan's arena; it trusts what
 * prepare validated (TFLM's rule), except Gather's run-time indices. */
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>
#include <string.h>

static float *f32(const eb_plan *p, int v)
{
    return v >= 0 ? (float *)p->pv[v].t.data : NULL;
}

/* ---- ref: a node on its reference kernel (runners/fallback.h) ----------------------------------------- */

static eb_status exec_ref(eb_plan *p, const step *s, eb_err *err)
{
    const eb_node *n = &p->g->nodes[s->node];
    for (int k = 0; k < n->n_in; k++)
        p->fb.in[k] = s->ref_in[k] >= 0 ? &p->pv[s->ref_in[k]].t : NULL;
    for (int k = 0; k < n->n_out; k++)
        p->fb.out[k] = s->ref_out[k] >= 0 ? &p->pv[s->ref_out[k]].t : NULL;
    return eb_fallback_run(&p->fb, n, err);
}

static void release_ref(step *s)
{
    free(s->ref_in);
    free(s->ref_out);
}

/* ---- convolutions ------------------------------------------------------------------ */

static eb_status exec_conv(eb_plan *p, const step *s, eb_err *err)
{
    eb_threadpool *tp = p->tp;
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

static void release_conv(step *s)
{
    eb_conv2d_release(&s->conv);
}

static size_t bytes_conv(const step *s)
{
    return eb_conv2d_weight_bytes(&s->conv);
}

static eb_status exec_dwconv(eb_plan *p, const step *s, eb_err *err)
{
    eb_threadpool *tp = p->tp;
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

static void release_dwconv(step *s)
{
    eb_dwconv2d_release(&s->dw);
}

static size_t bytes_dwconv(const step *s)
{
    return eb_dwconv2d_weight_bytes(&s->dw);
}

/* ---- quantized layers (conv_i8.h) --------------------------------------------------- */

static void *scratch_of(const eb_plan *p, const step *s)
{
    return s->scratch_item >= 0 ? (char *)p->arena + p->items[s->scratch_item].offset : NULL;
}

static eb_status exec_qconv(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_conv_i8_nhwc(&s->qconv, p->pv[s->in[0]].t.data, p->pv[s->out[0]].t.data, scratch_of(p, s), p->tp);
    return EB_OK;
}

static void release_qconv(step *s)
{
    eb_conv_i8_release(&s->qconv);
}

static size_t bytes_qconv(const step *s)
{
    return eb_conv_i8_bytes(&s->qconv);
}

static eb_status exec_qdwconv(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_dwconv_i8_nhwc(&s->qdw, f32(p, s->in[0]), p->pv[s->out[0]].t.data, scratch_of(p, s), p->tp);
    return EB_OK;
}

static void release_qdwconv(step *s)
{
    eb_dwconv_i8_release(&s->qdw);
}

static size_t bytes_qdwconv(const step *s)
{
    return eb_dwconv_i8_bytes(&s->qdw);
}

static eb_status exec_qgemm(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_qgemm_run(&s->qgemm, p->pv[s->in[0]].t.data, p->pv[s->out[0]].t.data, scratch_of(p, s), p->tp);
    return EB_OK;
}

static void release_qgemm(step *s)
{
    eb_qgemm_release(&s->qgemm);
}

static size_t bytes_qgemm(const step *s)
{
    return eb_qgemm_bytes(&s->qgemm);
}

/* ---- pooling ------------------------------------------------------------------------ */

static eb_status exec_pool(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_pool2d_nhwc_f32(&s->pool, f32(p, s->in[0]), f32(p, s->out[0]), p->tp);
    return EB_OK;
}

static eb_status exec_gpool(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_global_pool_nhwc_f32(s->pool.win.n, s->pool.win.h * s->pool.win.w, s->pool.win.c, s->pool.is_max,
                            f32(p, s->in[0]), f32(p, s->out[0]), p->tp);
    return EB_OK;
}

/* ---- matrix products ------------------------------------------------------------------ */

static eb_status exec_gemm(eb_plan *p, const step *s, eb_err *err)
{
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
    eb_gemm_f32(s->gemm.m, s->gemm.n, s->gemm.k, f32(p, s->in[0]), s->gemm.k, pb, f32(p, s->out[0]), s->gemm.n, &ep,
                p->tp);
    eb_gemm_packed_free(tmp);
    return EB_OK;
}

static void release_gemm(step *s)
{
    eb_gemm_packed_free(s->gemm.pb);
    free(s->gemm.bias);
}

static size_t bytes_gemm(const step *s)
{
    size_t b = s->gemm.pb ? eb_gemm_packed_bytes(s->gemm.pb) : 0;
    return b + (s->gemm.bias ? sizeof(float) * (size_t)s->gemm.n : 0);
}

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

static eb_status exec_matmul(eb_plan *p, const step *s, eb_err *err)
{
    eb_threadpool *tp = p->tp;
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

/* ---- elementwise and rows ------------------------------------------------------------- */

static eb_status exec_unary(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_unary_f32(&s->unary, f32(p, s->in[0]), f32(p, s->out[0]), eb_tensor_numel(&p->pv[s->out[0]].t), p->tp);
    return EB_OK;
}

static eb_status exec_binary(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_binary_f32(s->bin.op, s->bin.rank, s->bin.out, f32(p, s->in[0]), s->bin.a, f32(p, s->in[1]), s->bin.b,
                  f32(p, s->out[0]), s->bin.act, s->bin.lo, s->bin.hi, p->tp);
    return EB_OK;
}

static eb_status exec_softmax(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_softmax_rows_f32(s->rows.rows, s->rows.cols, f32(p, s->in[0]), f32(p, s->out[0]), s->rows.log, s->rows.exp_sum,
                        p->tp);
    return EB_OK;
}

static eb_status exec_layernorm(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_layernorm_rows_f32(s->rows.rows, s->rows.cols, f32(p, s->in[0]), f32(p, s->in[1]), f32(p, s->in[2]),
                          s->rows.eps, f32(p, s->out[0]), p->tp);
    return EB_OK;
}

/* ---- data movement -------------------------------------------------------------------- */

static eb_status exec_transpose(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_transpose_f32(s->tr.rank, s->tr.shape, s->tr.perm, f32(p, s->in[0]), f32(p, s->out[0]), p->tp);
    return EB_OK;
}

static eb_status exec_view(eb_plan *p, const step *s, eb_err *err)
{
    (void)p, (void)s, (void)err;
    return EB_OK;
}

static eb_status exec_concat_split(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    bool concat = s->kind == ST_CONCAT;
    size_t off = 0;
    for (int k = 0; k < (concat ? s->n_in : s->n_out); k++) {
        if (concat && s->in[k] < 0) { /* written in its slice by its producer (cpu_opt_concat.c) */
            off += s->mv.part[k];
            continue;
        }
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
            eb_copy_blocks(&c, p->tp);
        off += s->mv.part[k];
    }
    return EB_OK;
}

static eb_status exec_gather(eb_plan *p, const step *s, eb_err *err)
{
    const eb_tensor *idx = &p->pv[s->in[1]].t;
    return eb_gather_rows(p->pv[s->in[0]].t.data, s->mv.outer, s->mv.axis_dim, s->mv.inner, idx->data,
                          idx->dtype == EB_DT_I64, s->mv.n_idx, p->pv[s->out[0]].t.data, p->tp, err);
}

static eb_status exec_layout(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    const eb_tensor *t = &p->pv[s->in[0]].t;
    int n = (int)t->shape[0], c = (int)t->shape[1], hw = (int)(t->shape[2] * t->shape[3]);
    if (s->kind == ST_TO_NHWC)
        eb_layout_nchw_to_nhwc_f32(n, c, hw, f32(p, s->in[0]), f32(p, s->out[0]), p->tp);
    else
        eb_layout_nhwc_to_nchw_f32(n, c, hw, f32(p, s->in[0]), f32(p, s->out[0]), p->tp);
    return EB_OK;
}

/* ---- products on compressed weights (cpu_plan_compressed.c, wgemm.h) ------------------------------ */

static eb_status exec_wgemm(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_epilogue ep = {.bias = s->wg.bias, .act = s->wg.act, .lo = s->wg.lo, .hi = s->wg.hi};
    float *scratch = s->scratch_item >= 0 ? (float *)((char *)p->arena + p->items[s->scratch_item].offset) : NULL;
    eb_wgemm(&s->wg.w, p->isa, s->wg.m, f32(p, s->in[0]), (size_t)s->wg.w.k, f32(p, s->out[0]), (size_t)s->wg.w.n,
             &ep, scratch, p->tp);
    return EB_OK;
}

static void release_wgemm(step *s)
{
    eb_cweights_free(&s->wg.w);
    free(s->wg.bias);
}

static size_t bytes_wgemm(const step *s)
{
    return eb_cweights_bytes(&s->wg.w) + (s->wg.bias ? sizeof(float) * (size_t)s->wg.w.n : 0);
}

/* ---- upsampling (cpu_plan_resample.c, resample_f32.h) ---------------------------------------- */

static eb_status exec_resize(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_resize2d_nhwc_f32(&s->rs, f32(p, s->in[0]), f32(p, s->out[0]), p->tp);
    return EB_OK;
}

static void release_resize(step *s)
{
    eb_resize2d_free(&s->rs);
}

static eb_status exec_deconv(eb_plan *p, const step *s, eb_err *err)
{
    if (!s->runtime_w) {
        eb_deconv2d_f32(&s->dc, f32(p, s->in[0]), f32(p, s->out[0]), scratch_of(p, s), p->tp);
        return EB_OK;
    }
    /* weights computed at run time: packed for this run (the bias is read where it is) */
    eb_deconv2d d = s->dc;
    d.pb = NULL;
    d.bias = NULL;
    eb_status st = eb_deconv2d_pack(&d, f32(p, s->in[1]), err);
    if (st == EB_OK) {
        d.bias = s->n_in > 2 ? f32(p, s->in[2]) : NULL;
        eb_deconv2d_f32(&d, f32(p, s->in[0]), f32(p, s->out[0]), scratch_of(p, s), p->tp);
        d.bias = NULL; /* not ours */
    }
    eb_deconv2d_free(&d);
    return st;
}

static void release_deconv(step *s)
{
    eb_deconv2d_free(&s->dc);
}

static size_t bytes_deconv(const step *s)
{
    return eb_deconv2d_weight_bytes(&s->dc);
}
/* ---- per-channel affine, reductions, index-map copies (cpuops) ------------------------------ */

static eb_status exec_affine(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_channel_affine_f32(&s->aff, f32(p, s->in[0]), f32(p, s->out[0]), p->tp);
    return EB_OK;
}

static void release_affine(step *s)
{
    free(s->aff.scale);
    free(s->aff.shift);
}

static size_t bytes_affine(const step *s)
{
    return 2 * sizeof(float) * (size_t)s->aff.c;
}

static eb_status exec_reduce(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_reduce_f32(&s->red, f32(p, s->in[0]), f32(p, s->out[0]), p->tp);
    return EB_OK;
}

static eb_status exec_remap(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_remap_copy(&s->remap, p->pv[s->in[0]].t.data, p->pv[s->out[0]].t.data, p->tp);
    return EB_OK;
}

static void release_remap(step *s)
{
    eb_remap_release(&s->remap);
}

static eb_status exec_cast(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    const eb_tensor *x = &p->pv[s->in[0]].t;
    eb_cast(s->lg.src, s->lg.dst, eb_tensor_numel(x), x->data, p->pv[s->out[0]].t.data, p->tp);
    return EB_OK;
}

static eb_status exec_compare(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_compare(s->lg.op, s->lg.src, &s->lg.bc, p->pv[s->in[0]].t.data, p->pv[s->in[1]].t.data,
               p->pv[s->out[0]].t.data, p->tp);
    return EB_OK;
}

static eb_status exec_where(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_where(&s->lg.bc, eb_dtypes[s->lg.dst].size, p->pv[s->in[0]].t.data, p->pv[s->in[1]].t.data,
             p->pv[s->in[2]].t.data, p->pv[s->out[0]].t.data, p->tp);
    return EB_OK;
}

/* ---- the table ---------------------------------------------------------------------------- */

const eb_cpu_step_kind eb_cpu_steps[ST_COUNT] = {
#define EB_CPU_STEP(kind, name, exec, release, bytes, in_place) [kind] = {name, exec, release, bytes, in_place},
#include "runners/cpu/cpu_steps.def"
#undef EB_CPU_STEP
};
