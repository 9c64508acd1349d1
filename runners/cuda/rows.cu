/* rows.cu - the cuda runner's row-wise kernels: Softmax (and LogSoftmax)
 * and LayerNormalization over the last axis of [rows, cols], one block per
 * row; the reductions go through warp shuffles, then shared memory across
 * the block's warps.  LayerNorm takes the mean first, then the variance
 * around it (two passes over the row: no cancellation). */
#include <cfloat>

#include "runners/cuda/cu_kernels.h"

namespace {

constexpr int THREADS = 256;

/* the block's max (is_max) or sum of v, returned to every thread */
__device__ float block_reduce(float v, bool is_max)
{
    __shared__ float part[THREADS / 32];
    for (int o = 16; o > 0; o /= 2) {
        float u = __shfl_xor_sync(0xffffffffu, v, o);
        v = is_max ? fmaxf(v, u) : v + u;
    }
    if (threadIdx.x % 32 == 0)
        part[threadIdx.x / 32] = v;
    __syncthreads();
    float r = part[0];
    for (int i = 1; i < THREADS / 32; i++)
        r = is_max ? fmaxf(r, part[i]) : r + part[i];
    __syncthreads(); /* part is reused by the next reduction */
    return r;
}

__global__ void __launch_bounds__(THREADS) softmax(const float *x, float *y, int64_t cols, int log)
{
    const float *xr = x + blockIdx.x * cols;
    float *yr = y + blockIdx.x * cols;
    float m = -FLT_MAX;
    for (int64_t j = threadIdx.x; j < cols; j += THREADS)
        m = fmaxf(m, xr[j]);
    m = block_reduce(m, true);
    float s = 0.0f;
    for (int64_t j = threadIdx.x; j < cols; j += THREADS)
        s += expf(xr[j] - m);
    s = block_reduce(s, false);
    if (log) {
        float ls = logf(s);
        for (int64_t j = threadIdx.x; j < cols; j += THREADS)
            yr[j] = xr[j] - m - ls;
    } else {
        float inv = 1.0f / s;
        for (int64_t j = threadIdx.x; j < cols; j += THREADS)
            yr[j] = expf(xr[j] - m) * inv;
    }
}

__global__ void __launch_bounds__(THREADS) layernorm(const float *x, const float *scale, const float *bias, float *y,
                                                     int64_t cols, float eps)
{
    const float *xr = x + blockIdx.x * cols;
    float *yr = y + blockIdx.x * cols;
    float s = 0.0f;
    for (int64_t j = threadIdx.x; j < cols; j += THREADS)
        s += xr[j];
    float mean = block_reduce(s, false) / (float)cols;
    float v = 0.0f;
    for (int64_t j = threadIdx.x; j < cols; j += THREADS) {
        float d = xr[j] - mean;
        v += d * d;
    }
    float inv = rsqrtf(block_reduce(v, false) / (float)cols + eps);
    for (int64_t j = threadIdx.x; j < cols; j += THREADS)
        yr[j] = (xr[j] - mean) * inv * scale[j] + (bias ? bias[j] : 0.0f);
}

} // namespace

extern "C" cudaError_t eb_cu_softmax(const float *x, float *y, int64_t rows, int64_t cols, int log, cudaStream_t s)
{
    if (rows > 0 && cols > 0)
        softmax<<<(unsigned)rows, THREADS, 0, s>>>(x, y, cols, log);
    return cudaGetLastError();
}

extern "C" cudaError_t eb_cu_layernorm(const float *x, const float *scale, const float *bias, float *y, int64_t rows,
                                       int64_t cols, float eps, cudaStream_t s)
{
    if (rows > 0 && cols > 0)
        layernorm<<<(unsigned)rows, THREADS, 0, s>>>(x, scale, bias, y, cols, eps);
    return cudaGetLastError();
}
