/* ocl_conv.c - the OpenCL runner's convolution step (ocl_compute.h): picks
 * one of four ways for a 2-D NCHW convolution and prepares it.
 *
 *   depthwise      group == c == oc: kernels/conv.cl's eb_conv_dw;
 *   1x1 gemm       a 1x1 kernel, stride 1, no pads: the input already is
 *                  the GEMM's [c][h * w] operand (gemm.cl, no copy);
 *   direct         few output channels a group (or, on GPUs, a small
 *                  reduction per output): a work-item sums the windows of 8
 *                  outputs along a row for 4 channels, no scratch (the rule
 *                  by device type is below);
 *   im2col + gemm  everything else: the columns into a scratch buffer the
 *                  step owns, then the GEMM with the packed weights as A.
 * The GEMM ones pack each group's weights k-major and padded to the tile
 * (ocl_gemm.c); the others copy them as they are.  f16 weights stay half.
 * EB_OCL_CONV=direct or im2col (environment) forces the way for anything
 * but depthwise and 1x1 convolutions: to measure the choice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/opencl/ocl_compute.h"
#include "runners/opencl/ocl_gemm.h"

/* On GPUs, below this reduction length (or EB_OCL_DIRECT_OC output
 * channels a group) the direct kernel saves writing and re-reading the
 * im2col columns (a guess from the GEMM tile's k step: no GPU measured).
 * On CPUs (PoCL, timed with EB_OCL_CONV forced both ways) direct won at
 * stride 1 up to 24 output channels a group (c 1..64, 3x3 and 5x5, 14x14
 * to 56x56: 1.2-4x) and lost at 32 and at stride 2. */
enum { EB_OCL_DIRECT_K = 16, EB_OCL_DIRECT_OC = 4, EB_OCL_DIRECT_CPU_OC = 24 };

static eb_status check(const eb_ocl_conv_desc *d, const eb_tensor *w, eb_err *err)
{
    if (d->n < 0 || d->c < 1 || d->h < 1 || d->w < 1 || d->oc < 1 || d->oh < 0 || d->ow < 0 || d->kh < 1 ||
        d->kw < 1 || d->stride_h < 1 || d->stride_w < 1 || d->dil_h < 1 || d->dil_w < 1 || d->pad_top < 0 ||
        d->pad_left < 0 || d->group < 1 || d->c % d->group || d->oc % d->group)
        return eb_errf(err, EB_EINVAL, "opencl conv: bad geometry (c %lld, oc %lld, group %lld)", (long long)d->c,
                       (long long)d->oc, (long long)d->group);
    if (eb_tensor_numel(w) != d->oc * (d->c / d->group) * d->kh * d->kw)
        return eb_errf(err, EB_EINVAL, "opencl conv: weight of %lld values, expected %lld",
                       (long long)eb_tensor_numel(w), (long long)(d->oc * (d->c / d->group) * d->kh * d->kw));
    int64_t big = d->n * d->c * d->h * d->w;
    if (big > INT32_MAX || d->n * d->oc * d->oh * d->ow > INT32_MAX || d->n * d->c * d->kh * d->kw > INT32_MAX)
        return eb_errf(err, EB_EUNSUPPORTED, "opencl conv: more than 2^31 values in a tensor");
    return EB_OK;
}

/* eb_conv_direct / eb_conv_dw's arguments (conv.cl's CONV_ARGS) */
static eb_status window_launch(const eb_ocl *o, const char *name, const eb_ocl_conv_desc *d, eb_ocl_view x,
                               cl_mem wt, cl_mem bias, eb_ocl_view y, eb_ocl_launch *l, eb_err *err)
{
    eb_status st = eb_ocl_kernel(o, name, &l->kernel, err);
    if (st != EB_OK)
        return st;
    cl_long x_off = (cl_long)x.offset, y_off = (cl_long)y.offset;
    cl_int v[16] = {(cl_int)d->c,        (cl_int)d->h,        (cl_int)d->w,       (cl_int)d->oc,
                    (cl_int)d->oh,       (cl_int)d->ow,       (cl_int)d->kh,      (cl_int)d->kw,
                    (cl_int)d->stride_h, (cl_int)d->stride_w, (cl_int)d->pad_top, (cl_int)d->pad_left,
                    (cl_int)d->dil_h,    (cl_int)d->dil_w,    (cl_int)d->group,   (cl_int)d->act};
    cl_float lo = d->lo, hi = d->hi;
    cl_uint i = 0;
    cl_int rc = CL_SUCCESS;
    EB_OCL_ARG(l->kernel, &i, x.mem, &rc);
    EB_OCL_ARG(l->kernel, &i, x_off, &rc);
    EB_OCL_ARG(l->kernel, &i, wt, &rc);
    eb_ocl_arg(l->kernel, &i, sizeof(cl_mem), bias ? &bias : NULL, &rc);
    EB_OCL_ARG(l->kernel, &i, y.mem, &rc);
    EB_OCL_ARG(l->kernel, &i, y_off, &rc);
    for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
        EB_OCL_ARG(l->kernel, &i, v[j], &rc);
    EB_OCL_ARG(l->kernel, &i, lo, &rc);
    EB_OCL_ARG(l->kernel, &i, hi, &rc);
    if (rc != CL_SUCCESS) {
        clReleaseKernel(l->kernel);
        l->kernel = NULL;
        return eb_errf(err, EB_EINVAL, "opencl: %s's arguments: %s", name, eb_ocl_error_name(rc));
    }
    l->dims = 3;
    l->global[1] = (size_t)d->oh;
    l->global[2] = (size_t)(d->n * d->oc);
    return EB_OK;
}

static eb_status im2col_launch(const eb_ocl *o, const eb_ocl_conv_desc *d, eb_ocl_view x, cl_mem col,
                               eb_ocl_launch *l, eb_err *err)
{
    eb_status st = eb_ocl_kernel(o, "eb_conv_im2col", &l->kernel, err);
    if (st != EB_OK)
        return st;
    cl_long x_off = (cl_long)x.offset;
    cl_int v[13] = {(cl_int)d->c,        (cl_int)d->h,        (cl_int)d->w,       (cl_int)d->oh,
                    (cl_int)d->ow,       (cl_int)d->kh,       (cl_int)d->kw,      (cl_int)d->stride_h,
                    (cl_int)d->stride_w, (cl_int)d->pad_top,  (cl_int)d->pad_left, (cl_int)d->dil_h,
                    (cl_int)d->dil_w};
    cl_uint i = 0;
    cl_int rc = CL_SUCCESS;
    EB_OCL_ARG(l->kernel, &i, x.mem, &rc);
    EB_OCL_ARG(l->kernel, &i, x_off, &rc);
    EB_OCL_ARG(l->kernel, &i, col, &rc);
    for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
        EB_OCL_ARG(l->kernel, &i, v[j], &rc);
    if (rc != CL_SUCCESS) {
        clReleaseKernel(l->kernel);
        l->kernel = NULL;
        return eb_errf(err, EB_EINVAL, "opencl: eb_conv_im2col's arguments: %s", eb_ocl_error_name(rc));
    }
    l->dims = 3;
    l->global[0] = (size_t)(d->oh * d->ow);
    l->global[1] = (size_t)(d->c * d->kh * d->kw);
    l->global[2] = (size_t)d->n;
    return EB_OK;
}

/* the GEMM ways: y[b][g] = W[g] x cols[b][g], W packed per group as A */
static eb_status gemm_way(const eb_ocl *o, const eb_ocl_conv_desc *d, const eb_ocl_weight *wt, const float *bias,
                          eb_ocl_view x, eb_ocl_view y, bool pointwise, eb_ocl_step *s, eb_err *err)
{
    int64_t cg = d->c / d->group, ocg = d->oc / d->group, kk = cg * d->kh * d->kw, ohw = d->oh * d->ow;
    const eb_ocl_tile *t = eb_ocl_tile_pick(o, ocg, ohw, kk);
    int64_t kp = eb_ocl_round_up(kk, t->tk), mp = eb_ocl_round_up(ocg, t->tm);
    cl_mem packed, bias_mem = NULL, col = NULL;
    eb_status st = eb_ocl_pack(o, wt, d->group, ocg * kk, ocg, kk, kk, 1, kp, mp, s, &packed, err);
    if (st == EB_OK && bias)
        st = eb_ocl_step_own(o, s, sizeof(float) * (size_t)d->oc, bias, &bias_mem, err);
    if (st == EB_OK && !pointwise) {
        st = eb_ocl_step_own(o, s, sizeof(float) * (size_t)(d->n * d->c * d->kh * d->kw * ohw), NULL, &col, err);
        if (st == EB_OK)
            st = im2col_launch(o, d, x, col, &s->launch[s->n_launch], err);
        if (st == EB_OK)
            s->n_launch++;
    }
    if (st != EB_OK)
        return st;
    eb_ocl_gemm_args g = {
        .a_mode = wt->f16 ? EB_OCL_OPD_PACKED_F16 : EB_OCL_OPD_PACKED, .b_mode = EB_OCL_OPD_KMAJOR,
        .a = packed, .b = pointwise ? x.mem : col, .c = y.mem, .bias = bias_mem,
        .b_off = pointwise ? (int64_t)x.offset : 0, .c_off = (int64_t)y.offset,
        .m = ocg, .n = ohw, .k = kk, .lda = mp, .ldb = ohw, .ldc = ohw,
        .batch = d->n, .groups = d->group,
        .a_gs = kp * mp, .b_bs = d->c * d->kh * d->kw * ohw, .b_gs = kk * ohw,
        .c_bs = d->oc * ohw, .c_gs = ocg * ohw, .bias_gs = ocg, .bias_per_row = true,
        .alpha = 1.0f, .act = d->act, .lo = d->lo, .hi = d->hi,
    };
    st = eb_ocl_gemm_launch(o, t, &g, &s->launch[s->n_launch], err);
    if (st != EB_OK)
        return st;
    s->n_launch++;
    snprintf(s->method, sizeof s->method, "conv %s %s tile%s", pointwise ? "1x1 gemm" : "im2col+gemm", t->name,
             wt->f16 ? " f16 weights" : "");
    return EB_OK;
}

eb_status eb_ocl_conv_make(const eb_ocl *o, const eb_ocl_conv_desc *d, const eb_tensor *w, const float *bias,
                           eb_ocl_view x, eb_ocl_view y, eb_ocl_step *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    eb_status st = check(d, w, err);
    if (st != EB_OK || d->n == 0 || d->oh == 0 || d->ow == 0)
        return st;
    eb_ocl_weight wt;
    st = eb_ocl_weight_get(w, &wt, err);
    int64_t cg = d->c / d->group, ocg = d->oc / d->group;
    bool depthwise = d->group == d->c && d->oc == d->c;
    bool pointwise = d->kh == 1 && d->kw == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_top == 0 &&
                     d->pad_left == 0 && d->oh == d->h && d->ow == d->w;
    bool direct = o->is_cpu ? d->stride_w == 1 && ocg <= EB_OCL_DIRECT_CPU_OC
                            : cg * d->kh * d->kw < EB_OCL_DIRECT_K || ocg <= EB_OCL_DIRECT_OC;
    const char *force = getenv("EB_OCL_CONV"); /* "direct" or "im2col": for measuring the choice */
    if (force && !pointwise)
        direct = strcmp(force, "direct") == 0;
    if (st == EB_OK && !depthwise && (pointwise || !direct)) {
        st = gemm_way(o, d, &wt, bias, x, y, pointwise, out, err);
    } else if (st == EB_OK) {
        /* the window kernels read the weights as the graph holds them */
        size_t es = wt.f16 ? sizeof(uint16_t) : sizeof(float);
        const void *host = wt.f16 ? (const void *)wt.f16 : (const void *)wt.f32;
        cl_mem wmem, bias_mem = NULL;
        st = eb_ocl_step_own(o, out, es * (size_t)eb_tensor_numel(w), host, &wmem, err);
        if (st == EB_OK && bias)
            st = eb_ocl_step_own(o, out, sizeof(float) * (size_t)d->oc, bias, &bias_mem, err);
        char name[32];
        snprintf(name, sizeof name, "eb_conv_%s%s", depthwise ? "dw" : "direct", wt.f16 ? "_h" : "");
        if (st == EB_OK)
            st = window_launch(o, name, d, x, wmem, bias_mem, y, &out->launch[0], err);
        if (st == EB_OK) {
            out->n_launch = 1;
            /* conv.cl's CONV_DW_X outputs a work-item; direct: 8 outputs for CONV_DIRECT_OC channels */
            out->launch[0].global[0] = (size_t)(depthwise ? (d->ow + 3) / 4 : (d->ow + 7) / 8);
            if (!depthwise)
                out->launch[0].global[2] = (size_t)(d->n * d->group * ((ocg + 3) / 4));
            snprintf(out->method, sizeof out->method, "conv %s%s", depthwise ? "depthwise" : "direct",
                     wt.f16 ? " f16 weights" : "");
        }
    }
    free(wt.owned);
    if (st != EB_OK)
        eb_ocl_step_release(out);
    return st;
}
