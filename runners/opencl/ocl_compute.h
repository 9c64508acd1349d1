/* ocl_compute.h - the OpenCL runner's compute-heavy kernels: GEMM and
 * MatMul, convolution (im2col + GEMM, direct, depthwise) and pooling, each
 * with its bias and activation fused.  The lowering (ocl_plan*.c) calls
 * these in prepare; each returns a step (ocl.h) that run() enqueues.
 *
 * Weights come as the graph's host tensors: dense f32, or f16 storage
 * (quant=fp16, models/storage.h), which stays half on the device and is
 * read with vload_half (core OpenCL: no cl_khr_fp16 needed); the
 * arithmetic is fp32 either way.  A step owns the device copies it makes
 * (packed weights, scratch).  Tile sizes come from a per-device table
 * (ocl_tiles.c), or a one-off tuning run recorded in the program cache. */
#ifndef EB_RUNNERS_OCL_COMPUTE_H
#define EB_RUNNERS_OCL_COMPUTE_H

#include <stdint.h>

#include "models/tensor.h"
#include "runners/opencl/ocl.h"

/* C[b] = act(alpha * A[b] x B[b] + bias), A[b] m x k, B[b] k x n, C[b] m x n,
 * all row-major with the given batch strides (elements; 0 broadcasts one
 * matrix over the batch).  trans_b: B[b] is stored n x k. */
typedef struct eb_ocl_matmul_desc {
    int64_t batch, m, n, k;
    int64_t a_batch_stride, b_batch_stride, c_batch_stride;
    bool trans_b;
    float alpha;
    eb_ocl_act act;
    float lo, hi;            /* EB_OCL_ACT_CLIP's bounds */
} eb_ocl_matmul_desc;

/* B a constant (Gemm, MatMul by a weight): w is B as the graph holds it
 * (k x n, or n x k when trans_b), bias a host [n] vector or NULL. */
eb_status eb_ocl_gemm_make(const eb_ocl *o, const eb_ocl_matmul_desc *d, const eb_tensor *w, const float *bias,
                           eb_ocl_view a, eb_ocl_view c, eb_ocl_step *out, eb_err *err);
/* B computed at run time (the attention matmuls); bias none. */
eb_status eb_ocl_matmul_make(const eb_ocl *o, const eb_ocl_matmul_desc *d, eb_ocl_view a, eb_ocl_view b,
                             eb_ocl_view c, eb_ocl_step *out, eb_err *err);

/* 2-D convolution, NCHW (a 1-D one is h = kh = 1), weight [oc, c/group, kh, kw]. */
typedef struct eb_ocl_conv_desc {
    int64_t n, c, h, w;
    int64_t oc, oh, ow, kh, kw;
    int64_t stride_h, stride_w, pad_top, pad_left, dil_h, dil_w, group;
    eb_ocl_act act;
    float lo, hi;
} eb_ocl_conv_desc;

/* bias a host [oc] vector or NULL; picks direct, depthwise or im2col+GEMM. */
eb_status eb_ocl_conv_make(const eb_ocl *o, const eb_ocl_conv_desc *d, const eb_tensor *w, const float *bias,
                           eb_ocl_view x, eb_ocl_view y, eb_ocl_step *out, eb_err *err);

/* Max or average pooling, NCHW; a global pool is kh = h, kw = w. */
typedef struct eb_ocl_pool_desc {
    int64_t n, c, h, w, oh, ow, kh, kw;
    int64_t stride_h, stride_w, pad_top, pad_left, dil_h, dil_w;
    bool max;
    bool count_include_pad;  /* AveragePool */
} eb_ocl_pool_desc;

eb_status eb_ocl_pool_make(const eb_ocl *o, const eb_ocl_pool_desc *d, eb_ocl_view x, eb_ocl_view y,
                           eb_ocl_step *out, eb_err *err);

#endif
