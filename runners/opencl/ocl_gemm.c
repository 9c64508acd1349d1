/* ocl_gemm.c - the OpenCL runner's GEMM and MatMul steps (ocl_compute.h),
 * and the GEMM launch, weight packing and argument helpers that the
 * convolution steps share (ocl_gemm.h).
 *
 * Gemm packs its constant B once, in prepare, into the k-major layout
 * padded to whole tiles that kernels/gemm.cl reads without checks (f16
 * storage stays half); MatMul reads its run-time B as stored, with checks.
 * Both compute in fp32 and fuse alpha, bias and activation into the store. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "runners/opencl/ocl_compute.h"
#include "runners/opencl/ocl_gemm.h"

void eb_ocl_arg(cl_kernel k, cl_uint *i, size_t size, const void *v, cl_int *rc)
{
    cl_int r = clSetKernelArg(k, (*i)++, size, v);
    if (*rc == CL_SUCCESS)
        *rc = r;
}

eb_status eb_ocl_step_own(const eb_ocl *o, eb_ocl_step *s, size_t bytes, const void *host, cl_mem *out, eb_err *err)
{
    if (s->n_owned >= EB_OCL_MAX_OWNED)
        return eb_errf(err, EB_EINVAL, "opencl step: more than %d buffers", EB_OCL_MAX_OWNED);
    eb_status st = eb_ocl_buffer(o, bytes ? bytes : 4, host, out, err);
    if (st != EB_OK)
        return st;
    s->owned[s->n_owned++] = *out;
    s->owned_bytes += bytes;
    return EB_OK;
}

eb_status eb_ocl_weight_get(const eb_tensor *w, eb_ocl_weight *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    if (w->dtype != EB_DT_F32)
        return eb_errf(err, EB_EUNSUPPORTED, "opencl: weight of type %s, expected f32", eb_dtype_name(w->dtype));
    switch (eb_tensor_storage_kind(w)) {
    case EB_STORAGE_DENSE:
        out->f32 = w->data;
        return w->data ? EB_OK : eb_errf(err, EB_EINVAL, "opencl: weight without data");
    case EB_STORAGE_F16:
        out->f16 = w->storage->u.f16.data;
        return EB_OK;
    default: { /* sparse or quantized: computed dense here */
        int64_t numel = eb_tensor_numel(w);
        out->owned = malloc(sizeof(float) * (size_t)(numel > 0 ? numel : 1));
        if (!out->owned)
            return eb_errf(err, EB_ENOMEM, "opencl: decoding a weight of %lld values", (long long)numel);
        out->f32 = out->owned;
        return eb_storage_to_dense(w, out->owned, err);
    }
    }
}

eb_status eb_ocl_pack(const eb_ocl *o, const eb_ocl_weight *w, int64_t count, int64_t stride, int64_t x, int64_t k,
                      int64_t x_stride, int64_t k_stride, int64_t kp, int64_t xp, eb_ocl_step *s, cl_mem *out,
                      eb_err *err)
{
    size_t es = w->f16 ? sizeof(uint16_t) : sizeof(float);
    size_t n = (size_t)count * (size_t)kp * (size_t)xp;
    void *buf = calloc(n ? n : 1, es); /* zero padding: +0 in f32 and f16 alike */
    if (!buf)
        return eb_errf(err, EB_ENOMEM, "opencl: packing a weight of %zu values", n);
    for (int64_t i = 0; i < count; i++)
        for (int64_t kk = 0; kk < k; kk++) {
            size_t dst = ((size_t)i * (size_t)kp + (size_t)kk) * (size_t)xp;
            int64_t src = i * stride + kk * k_stride;
            if (w->f16)
                for (int64_t xx = 0; xx < x; xx++)
                    ((uint16_t *)buf)[dst + (size_t)xx] = w->f16[src + xx * x_stride];
            else
                for (int64_t xx = 0; xx < x; xx++)
                    ((float *)buf)[dst + (size_t)xx] = w->f32[src + xx * x_stride];
        }
    eb_status st = eb_ocl_step_own(o, s, n * es, buf, out, err);
    free(buf);
    return st;
}

/* the largest element index an operand's kernel arithmetic reaches (int) */
static bool fits_int(int64_t v)
{
    return v >= 0 && v <= INT_MAX;
}

eb_status eb_ocl_gemm_launch(const eb_ocl *o, const eb_ocl_tile *t, const eb_ocl_gemm_args *g, eb_ocl_launch *out,
                             eb_err *err)
{
    static const char mode_letter[] = "rkph";
    bool a_rows = g->a_mode == EB_OCL_OPD_ROWS, b_rows = g->b_mode == EB_OCL_OPD_ROWS;
    int64_t a_span = a_rows ? g->m * g->lda : eb_ocl_round_up(g->k, t->tk) * g->lda;
    int64_t b_span = b_rows ? g->n * g->ldb : eb_ocl_round_up(g->k, t->tk) * g->ldb;
    if (!fits_int(a_span) || !fits_int(b_span) || !fits_int(g->m * g->ldc) || !fits_int(g->batch * g->groups) ||
        !fits_int(g->bias_gs * g->groups) || !fits_int(g->k + t->tk))
        return eb_errf(err, EB_EUNSUPPORTED, "opencl gemm %lldx%lldx%lld: a matrix of more than 2^31 values",
                       (long long)g->m, (long long)g->n, (long long)g->k);
    char name[48];
    snprintf(name, sizeof name, "eb_gemm_%c%c_%s", mode_letter[g->a_mode], mode_letter[g->b_mode], t->name);
    memset(out, 0, sizeof *out);
    eb_status st = eb_ocl_kernel(o, name, &out->kernel, err);
    if (st != EB_OK)
        return st;
    cl_long a_off = g->a_off, b_off = g->b_off, c_off = g->c_off;
    cl_int m = (cl_int)g->m, n = (cl_int)g->n, k = (cl_int)g->k;
    cl_int lda = (cl_int)g->lda, ldb = (cl_int)g->ldb, ldc = (cl_int)g->ldc, groups = (cl_int)g->groups;
    cl_long a_bs = g->a_bs, a_gs = g->a_gs, b_bs = g->b_bs, b_gs = g->b_gs, c_bs = g->c_bs, c_gs = g->c_gs;
    cl_int bias_gs = (cl_int)g->bias_gs, bias_mode = !g->bias ? 0 : g->bias_per_row ? 2 : 1, act = (cl_int)g->act;
    cl_float alpha = g->alpha, lo = g->lo, hi = g->hi;
    cl_uint i = 0;
    cl_int rc = CL_SUCCESS;
    cl_kernel kn = out->kernel;
    EB_OCL_ARG(kn, &i, g->a, &rc);
    EB_OCL_ARG(kn, &i, g->b, &rc);
    EB_OCL_ARG(kn, &i, g->c, &rc);
    eb_ocl_arg(kn, &i, sizeof(cl_mem), g->bias ? &g->bias : NULL, &rc); /* NULL: no buffer */
    EB_OCL_ARG(kn, &i, a_off, &rc);
    EB_OCL_ARG(kn, &i, b_off, &rc);
    EB_OCL_ARG(kn, &i, c_off, &rc);
    EB_OCL_ARG(kn, &i, m, &rc);
    EB_OCL_ARG(kn, &i, n, &rc);
    EB_OCL_ARG(kn, &i, k, &rc);
    EB_OCL_ARG(kn, &i, lda, &rc);
    EB_OCL_ARG(kn, &i, ldb, &rc);
    EB_OCL_ARG(kn, &i, ldc, &rc);
    EB_OCL_ARG(kn, &i, groups, &rc);
    EB_OCL_ARG(kn, &i, a_bs, &rc);
    EB_OCL_ARG(kn, &i, a_gs, &rc);
    EB_OCL_ARG(kn, &i, b_bs, &rc);
    EB_OCL_ARG(kn, &i, b_gs, &rc);
    EB_OCL_ARG(kn, &i, c_bs, &rc);
    EB_OCL_ARG(kn, &i, c_gs, &rc);
    EB_OCL_ARG(kn, &i, bias_gs, &rc);
    EB_OCL_ARG(kn, &i, alpha, &rc);
    EB_OCL_ARG(kn, &i, bias_mode, &rc);
    EB_OCL_ARG(kn, &i, act, &rc);
    EB_OCL_ARG(kn, &i, lo, &rc);
    EB_OCL_ARG(kn, &i, hi, &rc);
    if (rc != CL_SUCCESS) {
        clReleaseKernel(out->kernel);
        out->kernel = NULL;
        return eb_errf(err, EB_EINVAL, "opencl: %s's arguments: %s", name, eb_ocl_error_name(rc));
    }
    size_t wx = (size_t)(t->tn / t->rn), wy = (size_t)(t->tm / t->rm);
    out->dims = 3;
    out->local[0] = wx;
    out->local[1] = wy;
    out->local[2] = 1;
    out->global[0] = (size_t)((g->n + t->tn - 1) / t->tn) * wx;
    out->global[1] = (size_t)((g->m + t->tm - 1) / t->tm) * wy;
    out->global[2] = (size_t)(g->batch * g->groups);
    return EB_OK;
}

static eb_status check_desc(const eb_ocl_matmul_desc *d, eb_err *err)
{
    if (d->batch < 0 || d->m < 0 || d->n < 0 || d->k < 0 || d->a_batch_stride < 0 || d->b_batch_stride < 0 ||
        d->c_batch_stride < 0)
        return eb_errf(err, EB_EINVAL, "opencl gemm: negative size or stride");
    return EB_OK;
}

static bool empty(const eb_ocl_matmul_desc *d)
{
    return d->batch == 0 || d->m == 0 || d->n == 0;
}

eb_status eb_ocl_gemm_make(const eb_ocl *o, const eb_ocl_matmul_desc *d, const eb_tensor *w, const float *bias,
                           eb_ocl_view a, eb_ocl_view c, eb_ocl_step *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    eb_status st = check_desc(d, err);
    if (st != EB_OK)
        return st;
    int64_t nb = d->b_batch_stride ? d->batch : 1, need = (nb - 1) * d->b_batch_stride + d->k * d->n;
    if (eb_tensor_numel(w) < need)
        return eb_errf(err, EB_EINVAL, "opencl gemm: weight of %lld values, the GEMM reads %lld",
                       (long long)eb_tensor_numel(w), (long long)need);
    if (empty(d))
        return EB_OK;
    const eb_ocl_tile *t = eb_ocl_tile_pick(o, d->m, d->n, d->k);
    int64_t kp = eb_ocl_round_up(d->k, t->tk), np = eb_ocl_round_up(d->n, t->tn);
    eb_ocl_weight wt;
    cl_mem packed = NULL, bias_mem = NULL;
    st = eb_ocl_weight_get(w, &wt, err);
    if (st == EB_OK)
        st = eb_ocl_pack(o, &wt, nb, d->b_batch_stride, d->n, d->k, d->trans_b ? d->k : 1, d->trans_b ? 1 : d->n, kp,
                         np, out, &packed, err);
    free(wt.owned);
    if (st == EB_OK && bias)
        st = eb_ocl_step_own(o, out, sizeof(float) * (size_t)d->n, bias, &bias_mem, err);
    if (st == EB_OK) {
        eb_ocl_gemm_args g = {
            .a_mode = EB_OCL_OPD_ROWS, .b_mode = wt.f16 ? EB_OCL_OPD_PACKED_F16 : EB_OCL_OPD_PACKED,
            .a = a.mem, .b = packed, .c = c.mem, .bias = bias_mem,
            .a_off = (int64_t)a.offset, .c_off = (int64_t)c.offset,
            .m = d->m, .n = d->n, .k = d->k, .lda = d->k, .ldb = np, .ldc = d->n,
            .batch = d->batch, .groups = 1,
            .a_bs = d->a_batch_stride, .b_bs = d->b_batch_stride ? kp * np : 0, .c_bs = d->c_batch_stride,
            .alpha = d->alpha, .act = d->act, .lo = d->lo, .hi = d->hi,
        };
        st = eb_ocl_gemm_launch(o, t, &g, &out->launch[0], err);
    }
    if (st != EB_OK) {
        eb_ocl_step_release(out);
        return st;
    }
    out->n_launch = 1;
    snprintf(out->method, sizeof out->method, "gemm %s tile%s", t->name, wt.f16 ? " f16 weights" : "");
    return EB_OK;
}

eb_status eb_ocl_matmul_make(const eb_ocl *o, const eb_ocl_matmul_desc *d, eb_ocl_view a, eb_ocl_view b,
                             eb_ocl_view c, eb_ocl_step *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    eb_status st = check_desc(d, err);
    if (st != EB_OK || empty(d))
        return st;
    const eb_ocl_tile *t = eb_ocl_tile_pick(o, d->m, d->n, d->k);
    eb_ocl_gemm_args g = {
        .a_mode = EB_OCL_OPD_ROWS, .b_mode = d->trans_b ? EB_OCL_OPD_ROWS : EB_OCL_OPD_KMAJOR,
        .a = a.mem, .b = b.mem, .c = c.mem,
        .a_off = (int64_t)a.offset, .b_off = (int64_t)b.offset, .c_off = (int64_t)c.offset,
        .m = d->m, .n = d->n, .k = d->k, .lda = d->k, .ldb = d->trans_b ? d->k : d->n, .ldc = d->n,
        .batch = d->batch, .groups = 1,
        .a_bs = d->a_batch_stride, .b_bs = d->b_batch_stride, .c_bs = d->c_batch_stride,
        .alpha = d->alpha, .act = d->act, .lo = d->lo, .hi = d->hi,
    };
    st = eb_ocl_gemm_launch(o, t, &g, &out->launch[0], err);
    if (st != EB_OK)
        return st;
    out->n_launch = 1;
    snprintf(out->method, sizeof out->method, "matmul %s tile", t->name);
    return EB_OK;
}
