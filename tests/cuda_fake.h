/* cuda_fake.h - a host stand-in for the CUDA runtime and for the cuda
 * runner's kernel launchers (runners/cuda/cu_kernels.h), for
 * test_cuda_host.c only (included once: it defines the functions).  Linked
 * before libeb_runners.a and cudart, its definitions win, so the runner's
 * planning and execution code (cuda_plan*.c, cuda_exec.c, cuda_runner.c)
 * runs unchanged on a machine without a GPU: "device memory" is host
 * memory, copies are memcpy, streams and events do nothing (elapsed time
 * 0), and each launcher is a plain loop written from the contract in
 * cu_kernels.h - an independent statement of what each kernel must
 * compute, not a copy of the CUDA code.  math= precisions are not
 * emulated (everything is fp32).  One fake device, "fake sm_90". */
#ifndef EB_TESTS_CUDA_FAKE_H
#define EB_TESTS_CUDA_FAKE_H

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "runners/cuda/cu_kernels.h"

/* ---- the runtime ------------------------------------------------------------ */

cudaError_t cudaGetDeviceCount(int *count)
{
    *count = 1;
    return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int *v)
{
    *v = 13000;
    return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int *v, enum cudaDeviceAttr attr, int device)
{
    (void)device;
    *v = attr == cudaDevAttrComputeCapabilityMajor ? 9 : 0;
    return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *prop, int device)
{
    (void)device;
    memset(prop, 0, sizeof *prop);
    strcpy(prop->name, "fake sm_90");
    prop->major = 9;
    prop->totalGlobalMem = (size_t)1 << 30;
    prop->multiProcessorCount = 1;
    prop->sharedMemPerBlock = 48 * 1024;
    return cudaSuccess;
}
cudaError_t cudaSetDevice(int device)
{
    return device == 0 ? cudaSuccess : cudaErrorInvalidDevice;
}
const char *cudaGetErrorString(cudaError_t e)
{
    return e == cudaSuccess ? "no error" : "fake CUDA error";
}
const char *cudaGetErrorName(cudaError_t e)
{
    return e == cudaSuccess ? "cudaSuccess" : "cudaErrorFake";
}
cudaError_t cudaGetLastError(void)
{
    return cudaSuccess;
}
cudaError_t cudaDeviceSynchronize(void)
{
    return cudaSuccess;
}
cudaError_t cudaMalloc(void **p, size_t bytes)
{
    *p = calloc(1, bytes ? bytes : 1);
    return *p ? cudaSuccess : cudaErrorMemoryAllocation;
}
cudaError_t cudaFree(void *p)
{
    free(p);
    return cudaSuccess;
}
cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, enum cudaMemcpyKind kind)
{
    (void)kind;
    memmove(dst, src, n);
    return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n, enum cudaMemcpyKind kind, cudaStream_t s)
{
    (void)s;
    return cudaMemcpy(dst, src, n, kind);
}
cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch, size_t width, size_t height,
                              enum cudaMemcpyKind kind, cudaStream_t s)
{
    (void)kind;
    (void)s;
    for (size_t r = 0; r < height; r++)
        memmove((char *)dst + r * dpitch, (const char *)src + r * spitch, width);
    return cudaSuccess;
}
static int fake_handle; /* what streams and events point at */
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned int flags)
{
    (void)flags;
    *s = (cudaStream_t)&fake_handle;
    return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t s)
{
    (void)s;
    return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t s)
{
    (void)s;
    return cudaSuccess;
}
cudaError_t cudaEventCreate(cudaEvent_t *e)
{
    *e = (cudaEvent_t)&fake_handle;
    return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e)
{
    (void)e;
    return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s)
{
    (void)e;
    (void)s;
    return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t e)
{
    (void)e;
    return cudaSuccess;
}
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b)
{
    (void)a;
    (void)b;
    *ms = 0;
    return cudaSuccess;
}

/* ---- the launchers ------------------------------------------------------------ */

static float fake_half(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float v = e == 0 ? ldexpf((float)m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexpf((float)(m + 1024), e - 25);
    return h >> 15 ? -v : v;
}

static float fake_el(const void *p, int64_t i, int half)
{
    return half ? fake_half(((const uint16_t *)p)[i]) : ((const float *)p)[i];
}

static float fake_epi(const eb_cu_gemm *g, double v, int row, int col, float alpha)
{
    float x = (float)(v * alpha);
    if (g->bias)
        x += g->bias[g->bias_per_row ? row : col];
    if (g->act == EB_CU_ACT_RELU)
        x = x > 0 ? x : 0;
    else if (g->act == EB_CU_ACT_CLIP)
        x = x < g->lo ? g->lo : x > g->hi ? g->hi : x;
    return x;
}

cudaError_t eb_cu_gemm_run(const eb_cu_gemm *g, cudaStream_t s)
{
    (void)s;
    for (int b = 0; b < g->batch; b++)
        for (int m = 0; m < g->m; m++)
            for (int n = 0; n < g->n; n++) {
                double acc = 0;
                for (int k = 0; k < g->k; k++)
                    acc += (double)fake_el(g->a, b * g->a_bs + m * g->a_rs + k * g->a_cs, g->a_half) *
                           fake_el(g->b, b * g->b_bs + k * g->b_rs + n * g->b_cs, g->b_half);
                g->c[b * g->c_bs + m * g->c_rs + n] = fake_epi(g, acc, m, n, g->alpha);
            }
    return cudaSuccess;
}

cudaError_t eb_cu_epilogue_run(const eb_cu_gemm *g, cudaStream_t s)
{
    (void)s;
    for (int b = 0; b < g->batch; b++)
        for (int m = 0; m < g->m; m++)
            for (int n = 0; n < g->n; n++) {
                float *p = &g->c[b * g->c_bs + m * g->c_rs + n];
                *p = fake_epi(g, *p, m, n, 1.0f);
            }
    return cudaSuccess;
}

/* input pixel (iy, ix) of image-channel plane `plane`, 0 outside */
static float fake_px(const float *x, const eb_cu_win *w, int64_t plane, int iy, int ix)
{
    return iy < 0 || iy >= w->h || ix < 0 || ix >= w->w ? 0.0f : x[(plane * w->h + iy) * w->w + ix];
}

cudaError_t eb_cu_im2col(const float *x, float *col, const eb_cu_win *w, int img, int c0, int cg, cudaStream_t s)
{
    (void)s;
    int64_t pix = (int64_t)w->oh * w->ow;
    for (int ci = 0; ci < cg; ci++)
        for (int i = 0; i < w->kh; i++)
            for (int j = 0; j < w->kw; j++)
                for (int oy = 0; oy < w->oh; oy++)
                    for (int ox = 0; ox < w->ow; ox++)
                        col[((int64_t)(ci * w->kh + i) * w->kw + j) * pix + oy * w->ow + ox] =
                            fake_px(x, w, (int64_t)img * w->c + c0 + ci, oy * w->sh - w->ph + i * w->dh,
                                    ox * w->sw - w->pw + j * w->dw);
    return cudaSuccess;
}

cudaError_t eb_cu_depthwise(const float *x, const float *wt, const float *bias, float *y, const eb_cu_win *w, int act,
                            float lo, float hi, cudaStream_t s)
{
    (void)s;
    eb_cu_gemm epi = {.bias = NULL, .act = act, .lo = lo, .hi = hi};
    for (int64_t plane = 0; plane < (int64_t)w->n * w->c; plane++) {
        int c = (int)(plane % w->c);
        for (int oy = 0; oy < w->oh; oy++)
            for (int ox = 0; ox < w->ow; ox++) {
                double acc = bias ? bias[c] : 0;
                for (int i = 0; i < w->kh; i++)
                    for (int j = 0; j < w->kw; j++)
                        acc += (double)wt[(c * w->kh + i) * w->kw + j] *
                               fake_px(x, w, plane, oy * w->sh - w->ph + i * w->dh, ox * w->sw - w->pw + j * w->dw);
                y[(plane * w->oh + oy) * w->ow + ox] = fake_epi(&epi, acc, 0, 0, 1.0f);
            }
    }
    return cudaSuccess;
}

cudaError_t eb_cu_pool(const float *x, float *y, const eb_cu_win *w, int is_max, int count_pad, cudaStream_t s)
{
    (void)s;
    for (int64_t plane = 0; plane < (int64_t)w->n * w->c; plane++)
        for (int oy = 0; oy < w->oh; oy++)
            for (int ox = 0; ox < w->ow; ox++) {
                double acc = is_max ? -INFINITY : 0;
                int real = 0, padded = 0;
                for (int i = 0; i < w->kh; i++)
                    for (int j = 0; j < w->kw; j++) {
                        int iy = oy * w->sh - w->ph + i * w->dh, ix = ox * w->sw - w->pw + j * w->dw;
                        if (iy >= -w->ph && iy < w->h + w->peh && ix >= -w->pw && ix < w->w + w->pew)
                            padded++;
                        if (iy < 0 || iy >= w->h || ix < 0 || ix >= w->w)
                            continue;
                        float v = fake_px(x, w, plane, iy, ix);
                        acc = is_max ? (v > acc ? v : acc) : acc + v;
                        real++;
                    }
                int cnt = count_pad ? padded : real;
                y[(plane * w->oh + oy) * w->ow + ox] = (float)(is_max ? acc : cnt ? acc / cnt : 0);
            }
    return cudaSuccess;
}

cudaError_t eb_cu_binary(int op, const float *a, const float *b, float *y, const eb_cu_bcast *bc, int64_t count,
                         cudaStream_t s)
{
    (void)s;
    for (int64_t i = 0; i < count; i++) {
        int64_t r = i, ia = 0, ib = 0;
        for (int d = bc->rank - 1; d >= 0; d--) {
            ia += r % bc->shape[d] * bc->a_st[d];
            ib += r % bc->shape[d] * bc->b_st[d];
            r /= bc->shape[d];
        }
        float u = a[ia], v = b[ib];
        y[i] = op == EB_CU_ADD ? u + v : op == EB_CU_SUB ? u - v : op == EB_CU_MUL ? u * v : op == EB_CU_DIV ? u / v
             : op == EB_CU_POW ? powf(u, v) : op == EB_CU_MAX ? fmaxf(u, v) : fminf(u, v);
    }
    return cudaSuccess;
}

cudaError_t eb_cu_unary(int op, const float *x, float *y, int64_t count, float p0, float p1, cudaStream_t s)
{
    (void)s;
    for (int64_t i = 0; i < count; i++) {
        float v = x[i];
        switch (op) {
        case EB_CU_RELU: v = v > 0 ? v : 0; break;
        case EB_CU_SIGMOID: v = 1.0f / (1.0f + expf(-v)); break;
        case EB_CU_TANH: v = tanhf(v); break;
        case EB_CU_ERF: v = erff(v); break;
        case EB_CU_EXP: v = expf(v); break;
        case EB_CU_LOG: v = logf(v); break;
        case EB_CU_SQRT: v = sqrtf(v); break;
        case EB_CU_NEG: v = -v; break;
        case EB_CU_ABS: v = fabsf(v); break;
        case EB_CU_CLIP: v = v < p0 ? p0 : v > p1 ? p1 : v; break;
        case EB_CU_LEAKY: v = v >= 0 ? v : p0 * v; break;
        case EB_CU_HSIGMOID: v = fminf(fmaxf(p0 * v + p1, 0), 1); break;
        case EB_CU_HSWISH: v = v * fminf(fmaxf(v / 6 + 0.5f, 0), 1); break;
        case EB_CU_RECIP: v = 1 / v; break;
        case EB_CU_GELU: v = 0.5f * v * (1 + erff(v / sqrtf(2))); break;
        default: v = v / (1 + expf(-v)); break;
        }
        y[i] = v;
    }
    return cudaSuccess;
}

cudaError_t eb_cu_channel_affine(const float *x, const float *scale, const float *shift, float *y, int64_t outer,
                                 int64_t c, int64_t inner, cudaStream_t s)
{
    (void)s;
    for (int64_t i = 0; i < outer * c * inner; i++)
        y[i] = x[i] * scale[i / inner % c] + shift[i / inner % c];
    return cudaSuccess;
}

cudaError_t eb_cu_softmax(const float *x, float *y, int64_t rows, int64_t cols, int log, cudaStream_t s)
{
    (void)s;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        double mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < cols; j++)
            mx = xr[j] > mx ? xr[j] : mx;
        for (int64_t j = 0; j < cols; j++)
            sum += exp(xr[j] - mx);
        for (int64_t j = 0; j < cols; j++)
            y[r * cols + j] = (float)(log ? xr[j] - mx - logf((float)sum) : exp(xr[j] - mx) / sum);
    }
    return cudaSuccess;
}

cudaError_t eb_cu_layernorm(const float *x, const float *scale, const float *bias, float *y, int64_t rows,
                            int64_t cols, float eps, cudaStream_t s)
{
    (void)s;
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * cols;
        double mean = 0, var = 0;
        for (int64_t j = 0; j < cols; j++)
            mean += xr[j];
        mean /= (double)cols;
        for (int64_t j = 0; j < cols; j++)
            var += (xr[j] - mean) * (xr[j] - mean);
        double inv = 1 / sqrt(var / (double)cols + eps);
        for (int64_t j = 0; j < cols; j++)
            y[r * cols + j] = (float)((xr[j] - mean) * inv * scale[j] + (bias ? bias[j] : 0));
    }
    return cudaSuccess;
}

cudaError_t eb_cu_transpose(const void *x, void *y, int rank, const int64_t *y_shape, const int64_t *x_st,
                            int64_t count, int elem, cudaStream_t s)
{
    (void)s;
    for (int64_t i = 0; i < count; i++) {
        int64_t r = i, src = 0;
        for (int d = rank - 1; d >= 0; d--) {
            src += r % y_shape[d] * x_st[d];
            r /= y_shape[d];
        }
        memcpy((char *)y + i * elem, (const char *)x + src * elem, (size_t)elem);
    }
    return cudaSuccess;
}

cudaError_t eb_cu_gather(const void *x, const void *ind, int ind64, void *y, int64_t outer, int64_t axis,
                         int64_t n_ind, int64_t inner, int elem, cudaStream_t s)
{
    (void)s;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < n_ind; j++) {
            int64_t k = ind64 ? ((const int64_t *)ind)[j] : ((const int32_t *)ind)[j];
            k += k < 0 ? axis : 0;
            memcpy((char *)y + ((o * n_ind + j) * inner) * elem, (const char *)x + ((o * axis + k) * inner) * elem,
                   (size_t)(inner * elem));
        }
    return cudaSuccess;
}

#endif
