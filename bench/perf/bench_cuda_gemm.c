/* bench_cuda_gemm.c - the cuda runner's own GEMM against cuBLAS on the same
 * GPU, side by side: C = A B at N x N x N (default 4096; first argument),
 * fp32 and TF32 (the target: own >= 70% of cuBLAS's throughput),
 * then fp16 and bf16 for the record.  Each figure is the median of 7
 * timed batches of CUDA-event-timed launches after a warm-up; the two
 * results are compared (relative L2) so that a fast wrong kernel shows.
 * Without the runner built, or without a device, it prints one "skipped"
 * line with the reason and exits 0 (make bench runs it everywhere). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef EB_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "bench/perf/bench_util.h"
#include "runners/cuda/cu_kernels.h"
#include "runners/cuda/cuda_cublas.h"
#include "runners/cuda/cuda_devices.h"

enum { BATCHES = 7 };

/* median ms of one GEMM (own kernel when cb is NULL) */
static double time_gemm(const eb_cu_gemm *g, eb_cu_cublas *cb, cudaStream_t s, int reps)
{
    cudaEvent_t a, b;
    cudaEventCreate(&a);
    cudaEventCreate(&b);
    eb_err err;
    double ms[BATCHES];
    for (int w = 0; w < 2; w++) /* warm-up: cuBLAS picks its kernel, clocks rise */
        cb ? (void)eb_cu_cublas_gemm(cb, g, s, &err) : (void)eb_cu_gemm_run(g, s);
    for (int i = 0; i < BATCHES; i++) {
        cudaEventRecord(a, s);
        for (int r = 0; r < reps; r++)
            cb ? (void)eb_cu_cublas_gemm(cb, g, s, &err) : (void)eb_cu_gemm_run(g, s);
        cudaEventRecord(b, s);
        cudaEventSynchronize(b);
        float t = 0;
        cudaEventElapsedTime(&t, a, b);
        ms[i] = t / reps;
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    qsort(ms, BATCHES, sizeof ms[0], eb_bench_cmp_double);
    return ms[BATCHES / 2];
}

static double rel_l2(const float *x, const float *y, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        num += ((double)x[i] - y[i]) * ((double)x[i] - y[i]);
        den += (double)y[i] * y[i];
    }
    return den > 0 ? sqrt(num / den) : 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4096;
    char why[256];
    if (eb_cu_device_count(why, sizeof why) == 0) {
        printf("cuda GEMM bench: skipped: %s\n", why);
        return 0;
    }
    struct cudaDeviceProp prop;
    cudaGetDeviceProperties(&prop, 0);
    printf("cuda GEMM bench: %s (sm_%d%d, %d SMs), C = A B at %d^3, own kernels vs cuBLAS, median of %d\n", prop.name,
           prop.major, prop.minor, prop.multiProcessorCount, n, BATCHES);
    cudaStream_t s;
    cudaStreamCreate(&s);
    eb_cu_cublas *cb = NULL;
    if (!eb_cu_cublas_open(s, &cb, why, sizeof why))
        printf("  cuBLAS: unavailable (%s); own kernels only\n", why);
    size_t count = (size_t)n * n, bytes = count * sizeof(float);
    float *h = malloc(bytes), *c_own = malloc(bytes), *c_ref = malloc(bytes);
    void *da, *db, *dc, *dr;
    if (!h || !c_own || !c_ref || cudaMalloc(&da, bytes) != cudaSuccess || cudaMalloc(&db, bytes) != cudaSuccess ||
        cudaMalloc(&dc, bytes) != cudaSuccess || cudaMalloc(&dr, bytes) != cudaSuccess) {
        printf("cuda GEMM bench: skipped: cannot allocate three %d x %d matrices\n", n, n);
        return 0;
    }
    unsigned x = 12345;
    for (size_t i = 0; i < count; i++) { /* uniform in [-1, 1) */
        x = x * 1664525u + 1013904223u;
        h[i] = (float)(x >> 8) / (float)(1u << 23) - 1.0f;
    }
    cudaMemcpy(da, h, bytes, cudaMemcpyHostToDevice);
    cudaMemcpy(db, h, bytes, cudaMemcpyHostToDevice);
    static const char *const names[] = {"fp32", "tf32", "fp16", "bf16"};
    double flop = 2.0 * n * (double)n * n;
    int reps = n >= 2048 ? 10 : 50;
    for (int math = 0; math < 4; math++) {
        eb_cu_gemm g = {.m = n, .n = n, .k = n, .batch = 1, .a = da, .a_rs = n, .a_cs = 1, .b = db, .b_rs = n,
                        .b_cs = 1, .c = dc, .c_rs = n, .alpha = 1.0f, .math = math};
        double own = time_gemm(&g, NULL, s, reps);
        cudaMemcpy(c_own, dc, bytes, cudaMemcpyDeviceToHost);
        printf("  %-5s own    %8.3f ms  %7.2f TFLOP/s\n", names[math], own, flop / own * 1e-9);
        if (!cb)
            continue;
        g.c = dr;
        double ref = time_gemm(&g, cb, s, reps);
        cudaMemcpy(c_ref, dr, bytes, cudaMemcpyDeviceToHost);
        printf("  %-5s cuBLAS %8.3f ms  %7.2f TFLOP/s   own/cuBLAS throughput %.2f%s; results differ by %.2g (rel. L2)\n",
               names[math], ref, flop / ref * 1e-9, ref / own,
               math <= 1 ? (ref / own >= 0.7 ? " (target >= 0.70: met)" : " (target >= 0.70: NOT met)") : "",
               rel_l2(c_own, c_ref, count));
    }
    cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess)
        printf("  CUDA error: %s\n", cudaGetErrorString(e));
    eb_cu_cublas_close(cb);
    return e == cudaSuccess ? 0 : 1;
}
#else
int main(void)
{
    printf("cuda GEMM bench: skipped: the cuda runner is not built (make CUDA=yes needs nvcc on PATH)\n");
    return 0;
}
#endif
