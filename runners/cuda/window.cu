/* window.cu - the cuda runner's kernels over a 2-D window of NCHW data
 * (cu_kernels.h's eb_cu_win): im2col for the convolutions the GEMM runs,
 * depthwise convolution with its bias and activation fused, and max /
 * average pooling (global pooling is the window over the whole image).
 * One thread per output element; padding reads as zero (and, for max
 * pooling, is skipped). */
#include <cfloat>

#include "runners/cuda/cu_kernels.h"

namespace {

constexpr int THREADS = 256;

unsigned blocks_for(int64_t count)
{
    int64_t b = (count + THREADS - 1) / THREADS;
    return (unsigned)(b < 65535 * 16 ? b : 65535 * 16);
}

__global__ void im2col(const float *x, float *col, eb_cu_win w, int img, int c0, int cg)
{
    const int64_t p = (int64_t)w.oh * w.ow, total = (int64_t)cg * w.kh * w.kw * p;
    const float *xi = x + ((int64_t)img * w.c + c0) * w.h * w.w;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t row = i / p, q = i % p;
        int kj = (int)(row % w.kw), ki = (int)(row / w.kw % w.kh), ci = (int)(row / w.kw / w.kh);
        int oy = (int)(q / w.ow), ox = (int)(q % w.ow);
        int iy = oy * w.sh - w.ph + ki * w.dh, ix = ox * w.sw - w.pw + kj * w.dw;
        col[i] = iy >= 0 && iy < w.h && ix >= 0 && ix < w.w ? xi[((int64_t)ci * w.h + iy) * w.w + ix] : 0.0f;
    }
}

__global__ void depthwise(const float *x, const float *wt, const float *bias, float *y, eb_cu_win w, int act,
                          float lo, float hi)
{
    const int64_t total = (int64_t)w.n * w.c * w.oh * w.ow;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int ox = (int)(i % w.ow), oy = (int)(i / w.ow % w.oh);
        int64_t nc = i / ((int64_t)w.ow * w.oh);
        int c = (int)(nc % w.c);
        const float *xp = x + nc * w.h * w.w, *wp = wt + (int64_t)c * w.kh * w.kw;
        float acc = bias ? bias[c] : 0.0f;
        for (int ki = 0; ki < w.kh; ki++) {
            int iy = oy * w.sh - w.ph + ki * w.dh;
            if (iy < 0 || iy >= w.h)
                continue;
            for (int kj = 0; kj < w.kw; kj++) {
                int ix = ox * w.sw - w.pw + kj * w.dw;
                if (ix >= 0 && ix < w.w)
                    acc = fmaf(xp[(int64_t)iy * w.w + ix], wp[ki * w.kw + kj], acc);
            }
        }
        if (act == EB_CU_ACT_RELU)
            acc = fmaxf(acc, 0.0f);
        else if (act == EB_CU_ACT_CLIP)
            acc = fminf(fmaxf(acc, lo), hi);
        y[i] = acc;
    }
}

__global__ void pool(const float *x, float *y, eb_cu_win w, int is_max, int count_pad)
{
    const int64_t total = (int64_t)w.n * w.c * w.oh * w.ow;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int ox = (int)(i % w.ow), oy = (int)(i / w.ow % w.oh);
        const float *xp = x + i / ((int64_t)w.ow * w.oh) * w.h * w.w;
        float acc = is_max ? -FLT_MAX : 0.0f;
        int n = 0, padded = 0;
        for (int ki = 0; ki < w.kh; ki++) {
            int iy = oy * w.sh - w.ph + ki * w.dh;
            for (int kj = 0; kj < w.kw; kj++) {
                int ix = ox * w.sw - w.pw + kj * w.dw;
                /* count_include_pad counts the pads, not what lies past them */
                if (iy < -w.ph || iy >= w.h + w.peh || ix < -w.pw || ix >= w.w + w.pew)
                    continue;
                padded++;
                if (iy < 0 || iy >= w.h || ix < 0 || ix >= w.w)
                    continue;
                float v = xp[(int64_t)iy * w.w + ix];
                acc = is_max ? fmaxf(acc, v) : acc + v;
                n++;
            }
        }
        int count = count_pad ? padded : n;
        y[i] = is_max ? acc : (count ? acc / (float)count : 0.0f);
    }
}

} // namespace

extern "C" cudaError_t eb_cu_im2col(const float *x, float *col, const eb_cu_win *w, int img, int c0, int cg,
                                    cudaStream_t s)
{
    int64_t total = (int64_t)cg * w->kh * w->kw * w->oh * w->ow;
    if (total > 0)
        im2col<<<blocks_for(total), THREADS, 0, s>>>(x, col, *w, img, c0, cg);
    return cudaGetLastError();
}

extern "C" cudaError_t eb_cu_depthwise(const float *x, const float *wt, const float *bias, float *y, const eb_cu_win *w,
                                       int act, float lo, float hi, cudaStream_t s)
{
    int64_t total = (int64_t)w->n * w->c * w->oh * w->ow;
    if (total > 0)
        depthwise<<<blocks_for(total), THREADS, 0, s>>>(x, wt, bias, y, *w, act, lo, hi);
    return cudaGetLastError();
}

extern "C" cudaError_t eb_cu_pool(const float *x, float *y, const eb_cu_win *w, int is_max, int count_pad,
                                  cudaStream_t s)
{
    int64_t total = (int64_t)w->n * w->c * w->oh * w->ow;
    if (total > 0)
        pool<<<blocks_for(total), THREADS, 0, s>>>(x, y, *w, is_max, count_pad);
    return cudaGetLastError();
}
