/* cuda_runner.c - the `cuda` runner: NVIDIA GPUs through the CUDA runtime
 * (linked statically; the driver is found at run time).  The suite's own
 * kernels (the .cu files beside this one) or, with gemm=cublas, cuBLAS for
 * the GEMMs; math=tf32|fp16|bf16 puts the GEMM and convolution inputs on
 * the tensor cores in that precision (fp32 accumulation), quant=fp16 keeps
 * the GEMM weights in fp16 and runs those GEMMs in fp16 too.  What has no
 * kernel runs on the reference fallback, counted in the plan's fallbacks.
 *
 * The CUDA driver must not be initialised before the harness forks
 * (runner.h): devices_in_child is set, and supports(), the first call that
 * reaches the driver, runs in the variant's child.  Without a driver or a
 * device it says unsupported with CUDA's own reason; it never fails the
 * variant for that.  Its kernels are built for sm_80 and sm_90 (plus PTX):
 * an older GPU is unsupported, with that reason. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/cuda/cuda_devices.h"
#include "runners/cuda/cuda_plan.h"

static int math_of(const char *s)
{
    if (!s[0] || strcmp(s, "fp32") == 0) /* "": a zeroed variant, fp32 */
        return EB_CU_MATH_FP32;
    if (strcmp(s, "tf32") == 0)
        return EB_CU_MATH_TF32;
    if (strcmp(s, "fp16") == 0)
        return EB_CU_MATH_FP16;
    if (strcmp(s, "bf16") == 0)
        return EB_CU_MATH_BF16;
    return -1;
}

static bool want_cublas(const eb_variant *v)
{
    return strcmp(v->gemm, "cublas") == 0;
}

static bool cuda_supports(const eb_graph *g, const eb_variant *v, char *why, size_t n)
{
    if (!eb_runner_keys_default("cuda", v, EB_KEY_GEMM | EB_KEY_MATH, why, n))
        return false;
    if (v->gemm[0] && strcmp(v->gemm, "own") != 0 && !want_cublas(v)) {
        snprintf(why, n, "cuda: gemm=%s, expected own or cublas", v->gemm);
        return false;
    }
    if (math_of(v->math) < 0) {
        snprintf(why, n, "cuda: math=%s, expected fp32, tf32, fp16 or bf16", v->math);
        return false;
    }
    char reason[256];
    int count = eb_cu_device_count(reason, sizeof reason);
    if (count == 0) {
        snprintf(why, n, "%s", reason);
        return false;
    }
    if (v->device >= count) {
        snprintf(why, n, "cuda: device=%d requested, this machine has %d CUDA device%s", v->device, count,
                 count == 1 ? "" : "s");
        return false;
    }
    int sm = eb_cu_device_sm(v->device);
    if (sm < 80) {
        snprintf(why, n, "cuda: device %d is sm_%d; the kernels are built for sm_80 and later", v->device, sm);
        return false;
    }
    if (want_cublas(v)) {
        eb_cu_cublas *c = NULL;
        if (!eb_cu_cublas_open(NULL, &c, reason, sizeof reason)) {
            snprintf(why, n, "cuda: gemm=cublas: %s", reason);
            return false;
        }
        eb_cu_cublas_close(c);
    }
    return eb_runner_ops_known(g, why, n);
}

static void cuda_release(eb_plan *p)
{
    if (!p)
        return;
    eb_cu_cublas_close(p->cublas);
    for (int i = 0; i < p->n_steps; i++) {
        free(p->steps[i].parts);
        free(p->steps[i].outs);
        free(p->steps[i].part_bytes);
    }
    free(p->steps);
    for (int i = 0; p->vals && i < p->g->n_values; i++)
        eb_tensor_free_data(&p->vals[i].host);
    free(p->vals);
    free(p->uses);
    free(p->fused);
    eb_fallback_release(&p->fb);
    eb_cu_mem_release(&p->mem);
    for (int i = 0; i < 4; i++)
        if (p->ev[i])
            cudaEventDestroy(p->ev[i]);
    if (p->stream)
        cudaStreamDestroy(p->stream);
    free(p);
}

static eb_status cuda_prepare(const eb_graph *g, const eb_variant *v, eb_plan **out, eb_err *err)
{
    *out = NULL;
    eb_status st = eb_runner_check_storage(g, err);
    if (st != EB_OK)
        return eb_err_prefix(err, st, g->path);
    eb_plan *p = calloc(1, sizeof *p);
    if (!p)
        return eb_errf(err, EB_ENOMEM, "%s: cuda: out of memory", g->path);
    p->g = g;
    p->math = math_of(v->math);
    bool fp16 = v->compress.quant == EB_QUANT_FP16;
    if (fp16 && p->math == EB_CU_MATH_FP32)
        p->math = EB_CU_MATH_FP16; /* quant=fp16: fp16 weights, fp16 tensor-core GEMMs */
    p->half_weights = fp16 && !want_cublas(v);
    cudaError_t e = cudaSetDevice(v->device);
    if (e == cudaSuccess)
        e = cudaStreamCreateWithFlags(&p->stream, cudaStreamNonBlocking);
    for (int i = 0; i < 4 && e == cudaSuccess; i++)
        e = cudaEventCreate(&p->ev[i]);
    if (e != cudaSuccess) {
        cuda_release(p);
        return eb_cu_fail(err, e, "setting up the device");
    }
    char why[256];
    if (want_cublas(v) && !eb_cu_cublas_open(p->stream, &p->cublas, why, sizeof why)) {
        cuda_release(p);
        return eb_errf(err, EB_EUNSUPPORTED, "cuda: gemm=cublas: %s", why);
    }
    if ((st = eb_cu_plan_build(p, err)) == EB_OK)
        for (int i = 0; i < g->n_outputs && st == EB_OK; i++) /* a constant output needs its device copy */
            if (!eb_cu_val_f32(p, g->outputs[i], &st, err) && st == EB_OK)
                st = eb_errf(err, EB_EUNSUPPORTED, "cuda: output '%s' has no device data",
                             g->values[g->outputs[i]].name);
    if (st == EB_OK && (e = cudaDeviceSynchronize()) != cudaSuccess)
        st = eb_cu_fail(err, e, "uploading the weights");
    if (st != EB_OK) {
        cuda_release(p);
        return eb_err_prefix(err, st, g->path);
    }
    p->info.device_bytes = p->mem.peak;
    snprintf(p->info.fallbacks, sizeof p->info.fallbacks, "%s", eb_fallback_describe(&p->fb));
    snprintf(p->info.isa, sizeof p->info.isa, "sm_%d", eb_cu_device_sm(v->device));
    static const char *const math_names[] = {"fp32", "tf32", "fp16", "bf16"};
    snprintf(p->info.notes, sizeof p->info.notes, "GEMMs: %s, math %s%s%s", p->cublas ? eb_cu_cublas_soname() : "own kernels",
             math_names[p->math], p->half_weights ? ", fp16 weights" : "",
             p->fb.nodes ? "; fallback nodes run on the host, their copies counted in compute" : "");
    *out = p;
    return EB_OK;
}

static eb_status cuda_run(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_err *err)
{
    return eb_cu_execute(p, in, out, NULL, 0, NULL, err);
}

static eb_status cuda_profile(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max, int *n,
                              eb_err *err)
{
    static eb_node_time none; /* a place to point at when max is 0 */
    return eb_cu_execute(p, in, out, times ? times : &none, times ? max : 0, n, err);
}

static void cuda_info(const eb_plan *p, eb_plan_info *out)
{
    *out = p->info;
    out->device_bytes = p->mem.peak;
}

const eb_runner eb_runner_cuda = {
    .name = "cuda",
    .description = "NVIDIA GPU through CUDA: own tiled and tensor-core kernels, or cuBLAS (gemm=cublas)",
    .supports = cuda_supports,
    .prepare = cuda_prepare,
    .run = cuda_run,
    .info = cuda_info,
    .release = cuda_release,
    .profile = cuda_profile,
    .devices = eb_cu_devices,
    .devices_in_child = true,
};
