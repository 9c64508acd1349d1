/* cu_kernels.h - the cuda runner's kernels as the host C code sees them:
 * one launcher per kernel family, each defined in a .cu file beside this
 * one (built by nvcc) and callable from C.  A launcher only enqueues work
 * on the stream it is given and returns the launch error (cudaSuccess when
 * queued); nothing here synchronises.  Tensors are dense, row-major fp32
 * unless a field says otherwise; element counts and strides are in
 * elements, not bytes. */
#ifndef EB_CUDA_KERNELS_H
#define EB_CUDA_KERNELS_H

#include <stdint.h>

#include <cuda_runtime_api.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Epilogues fused into GEMM, convolution and depthwise: bias, then one of these. */
enum { EB_CU_ACT_NONE = 0, EB_CU_ACT_RELU, EB_CU_ACT_CLIP };

/* Precision of the GEMM inputs: fp32 on the CUDA cores, or on the tensor
 * cores (wmma) rounded to tf32, fp16 or bf16; fp32 accumulation always. */
enum { EB_CU_MATH_FP32 = 0, EB_CU_MATH_TF32, EB_CU_MATH_FP16, EB_CU_MATH_BF16 };

/* C[b](m, n) = act(alpha * sum_k A[b](m, k) * B[b](k, n) + bias), b < batch.
 * Each operand is addressed by strides, so that transposes and broadcast
 * batches (stride 0) need no copy: A[b](m, k) = a[b * a_bs + m * a_rs + k * a_cs];
 * a_half: a holds IEEE fp16 (a quant=fp16 weight), else fp32.  B likewise.
 * C[b](m, n) = c[b * c_bs + m * c_rs + n].  bias: NULL, one per column
 * (bias_per_row 0) or one per row (1). */
typedef struct eb_cu_gemm {
    int m, n, k, batch;
    const void *a;
    int64_t a_rs, a_cs, a_bs;
    int a_half;
    const void *b;
    int64_t b_rs, b_cs, b_bs;
    int b_half;
    float *c;
    int64_t c_rs, c_bs;
    float alpha;
    const float *bias;
    int bias_per_row;
    int act;
    float lo, hi; /* EB_CU_ACT_CLIP's bounds */
    int math;
} eb_cu_gemm;

cudaError_t eb_cu_gemm_run(const eb_cu_gemm *g, cudaStream_t s);
/* The epilogue alone, in place on C (after a GEMM that has none: cuBLAS). */
cudaError_t eb_cu_epilogue_run(const eb_cu_gemm *g, cudaStream_t s);

/* A 2-D window over NCHW: convolution, depthwise and pooling. */
typedef struct eb_cu_win {
    int n, c, h, w;      /* input */
    int oc, oh, ow;      /* output (oc: channels; pooling and depthwise: c) */
    int kh, kw, sh, sw, dh, dw, ph, pw; /* kernel, strides, dilations, top / left pads */
    int peh, pew;        /* bottom / right pads (average pooling's count_include_pad) */
} eb_cu_win;

/* im2col of image `img`, channels [c0, c0 + cg): col[(ci * kh + i) * kw + j][oy * ow + ox]. */
cudaError_t eb_cu_im2col(const float *x, float *col, const eb_cu_win *w, int img, int c0, int cg, cudaStream_t s);
/* Depthwise convolution (groups == channels, one filter per channel,
 * weights [c, 1, kh, kw]) with bias and activation fused. */
cudaError_t eb_cu_depthwise(const float *x, const float *wt, const float *bias, float *y, const eb_cu_win *w,
                            int act, float lo, float hi, cudaStream_t s);

/* Max / average pooling (avg: count_include_pad or not); global pooling is
 * the window over the whole image. */
cudaError_t eb_cu_pool(const float *x, float *y, const eb_cu_win *w, int is_max, int count_pad, cudaStream_t s);

/* Broadcasting elementwise: y[i] = op(a[...], b[...]) over rank-`rank` y;
 * a_st / b_st: each input's stride per output dim (0 where it broadcasts). */
enum { EB_CU_ADD = 0, EB_CU_SUB, EB_CU_MUL, EB_CU_DIV, EB_CU_POW, EB_CU_MAX, EB_CU_MIN };
typedef struct eb_cu_bcast {
    int rank;
    int64_t shape[8];
    int64_t a_st[8], b_st[8];
} eb_cu_bcast;
cudaError_t eb_cu_binary(int op, const float *a, const float *b, float *y, const eb_cu_bcast *bc, int64_t count,
                         cudaStream_t s);

enum {
    EB_CU_RELU = 0, EB_CU_SIGMOID, EB_CU_TANH, EB_CU_ERF, EB_CU_EXP, EB_CU_LOG, EB_CU_SQRT, EB_CU_NEG, EB_CU_ABS,
    EB_CU_CLIP, EB_CU_LEAKY, EB_CU_HSIGMOID, EB_CU_HSWISH, EB_CU_RECIP, EB_CU_GELU, EB_CU_SILU,
};
/* y = op(x); p0, p1: Clip's bounds, LeakyRelu's alpha (p0), HardSigmoid's alpha and beta. */
cudaError_t eb_cu_unary(int op, const float *x, float *y, int64_t count, float p0, float p1, cudaStream_t s);

/* y = x * scale[c] + shift[c] over NCHW-like [outer, c, inner]: inference BatchNormalization. */
cudaError_t eb_cu_channel_affine(const float *x, const float *scale, const float *shift, float *y, int64_t outer,
                                 int64_t c, int64_t inner, cudaStream_t s);

/* Softmax over the last axis of [rows, cols] (log: LogSoftmax). */
cudaError_t eb_cu_softmax(const float *x, float *y, int64_t rows, int64_t cols, int log, cudaStream_t s);
/* LayerNormalization over the last `cols` of [rows, cols]; scale / bias
 * [cols] (bias may be NULL). */
cudaError_t eb_cu_layernorm(const float *x, const float *scale, const float *bias, float *y, int64_t rows,
                            int64_t cols, float eps, cudaStream_t s);

/* y = x permuted: y's dim d is x's dim perm[d]; x_st: x's strides as seen
 * per y dim (x's stride of dim perm[d]); elem: bytes per element (1, 2, 4 or 8). */
cudaError_t eb_cu_transpose(const void *x, void *y, int rank, const int64_t *y_shape, const int64_t *x_st,
                            int64_t count, int elem, cudaStream_t s);

/* Gather along an axis: x viewed as [outer, axis, inner], y as [outer,
 * n_ind, inner], y[o][j][i] = x[o][ind[j]][i]; ind int64 (ind64) or int32. */
cudaError_t eb_cu_gather(const void *x, const void *ind, int ind64, void *y, int64_t outer, int64_t axis,
                         int64_t n_ind, int64_t inner, int elem, cudaStream_t s);

#ifdef __cplusplus
}
#endif

#endif
