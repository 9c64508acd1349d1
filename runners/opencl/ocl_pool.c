/* ocl_pool.c - the OpenCL runner's pooling step (ocl_compute.h): max and
 * average pooling, NCHW, with kernels/pool.cl.  A window that covers the
 * whole plane with one output and no pads (GlobalMaxPool,
 * GlobalAveragePool, or a pool written that way) is reduced by a
 * work-group per plane; anything else takes one output per work-item.
 *
 * The bottom and right pads are implied by oh and ow: as far as the last
 * window reaches past the input.  That is exact for average pooling with
 * count_include_pad except under ceil_mode, where ONNX counts only the
 * explicit pads (the lowering knows the attributes and can refuse it). */
#include <stdio.h>
#include <string.h>

#include "runners/opencl/ocl_compute.h"
#include "runners/opencl/ocl_gemm.h"

enum { POOL_WG_MAX = 256 }; /* pool.cl's */

static int64_t implied_pad(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t dil, int64_t pad_begin)
{
    int64_t reach = (out - 1) * stride + (k - 1) * dil + 1 - pad_begin - in;
    return reach > 0 ? reach : 0;
}

eb_status eb_ocl_pool_make(const eb_ocl *o, const eb_ocl_pool_desc *d, eb_ocl_view x, eb_ocl_view y,
                           eb_ocl_step *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    if (d->n < 0 || d->c < 0 || d->h < 1 || d->w < 1 || d->oh < 0 || d->ow < 0 || d->kh < 1 || d->kw < 1 ||
        d->stride_h < 1 || d->stride_w < 1 || d->dil_h < 1 || d->dil_w < 1 || d->pad_top < 0 || d->pad_left < 0)
        return eb_errf(err, EB_EINVAL, "opencl pool: bad geometry");
    if (d->n * d->c * d->h * d->w > INT32_MAX || d->n * d->c * d->oh * d->ow > INT32_MAX)
        return eb_errf(err, EB_EUNSUPPORTED, "opencl pool: more than 2^31 values in a tensor");
    if (d->n == 0 || d->c == 0 || d->oh == 0 || d->ow == 0)
        return EB_OK;
    bool global = d->oh == 1 && d->ow == 1 && d->kh == d->h && d->kw == d->w && d->pad_top == 0 && d->pad_left == 0;
    eb_ocl_launch *l = &out->launch[0];
    eb_status st = eb_ocl_kernel(o, global ? "eb_pool_global" : "eb_pool", &l->kernel, err);
    if (st != EB_OK)
        return st;
    cl_long x_off = (cl_long)x.offset, y_off = (cl_long)y.offset;
    cl_int is_max = d->max;
    cl_uint i = 0;
    cl_int rc = CL_SUCCESS;
    EB_OCL_ARG(l->kernel, &i, x.mem, &rc);
    EB_OCL_ARG(l->kernel, &i, x_off, &rc);
    EB_OCL_ARG(l->kernel, &i, y.mem, &rc);
    EB_OCL_ARG(l->kernel, &i, y_off, &rc);
    l->dims = global ? 1 : 3;
    if (global) {
        /* a power of two work-items a plane, no more than the plane needs */
        size_t wg = 1, plane = (size_t)(d->h * d->w);
        while (wg * 2 <= POOL_WG_MAX && wg * 2 <= plane && (o->max_work_group == 0 || wg * 2 <= o->max_work_group))
            wg *= 2;
        cl_int plane_i = (cl_int)plane;
        EB_OCL_ARG(l->kernel, &i, plane_i, &rc);
        EB_OCL_ARG(l->kernel, &i, is_max, &rc);
        l->local[0] = wg;
        l->global[0] = wg * (size_t)(d->n * d->c);
    } else {
        cl_int v[16] = {(cl_int)d->h,
                        (cl_int)d->w,
                        (cl_int)d->oh,
                        (cl_int)d->ow,
                        (cl_int)d->kh,
                        (cl_int)d->kw,
                        (cl_int)d->stride_h,
                        (cl_int)d->stride_w,
                        (cl_int)d->pad_top,
                        (cl_int)d->pad_left,
                        (cl_int)implied_pad(d->h, d->oh, d->kh, d->stride_h, d->dil_h, d->pad_top),
                        (cl_int)implied_pad(d->w, d->ow, d->kw, d->stride_w, d->dil_w, d->pad_left),
                        (cl_int)d->dil_h,
                        (cl_int)d->dil_w,
                        is_max,
                        d->count_include_pad};
        for (size_t j = 0; j < sizeof v / sizeof v[0]; j++)
            EB_OCL_ARG(l->kernel, &i, v[j], &rc);
        l->global[0] = (size_t)d->ow;
        l->global[1] = (size_t)d->oh;
        l->global[2] = (size_t)(d->n * d->c);
    }
    if (rc != CL_SUCCESS) {
        clReleaseKernel(l->kernel);
        l->kernel = NULL;
        return eb_errf(err, EB_EINVAL, "opencl pool: arguments: %s", eb_ocl_error_name(rc));
    }
    out->n_launch = 1;
    snprintf(out->method, sizeof out->method, "%s%s", global ? "global " : "", d->max ? "maxpool" : "avgpool");
    return EB_OK;
}
