/* gemm.h - fp32 matrix multiply for the cpu runner, with a fused epilogue.
 *
 *   C[M,N] = act(A[M,K] * B[K,N] + bias[N])      (row-major, leading dims)
 *
 * B is packed once (weights: in prepare) into the layout the micro-kernel
 * wants; A is read as it is.  The micro-kernel is chosen once, at first use,
 * from the CPU's features (AVX-512F, AVX2+FMA, NEON, or portable C); every
 * kernel computes the same function and is tested against ref_gemm.
 * eb_gemm_force_isa() lets tests and benchmarks pin one for the process,
 * eb_gemm_thread_isa() the cpu runner pin its plan's for the calling
 * thread (the variant key isa=). */
#ifndef EB_CPU_GEMM_H
#define EB_CPU_GEMM_H

#include <stdbool.h>
#include <stddef.h>

#include "models/status.h"
#include "runners/cpu/threadpool.h"

typedef enum eb_act {
    EB_ACT_NONE = 0,
    EB_ACT_RELU,
    EB_ACT_CLIP,     /* min(max(x, lo), hi): ReLU6 is CLIP(0, 6) */
    EB_ACT_GELU,     /* exact form, 0.5 x (1 + erf(x / sqrt 2)) */
} eb_act;

typedef struct eb_epilogue {
    const float *bias;   /* N values added per column, or NULL */
    eb_act act;
    float lo, hi;        /* EB_ACT_CLIP bounds */
} eb_epilogue;

typedef enum eb_isa {
    EB_ISA_AUTO = 0,
    EB_ISA_GENERIC,
    EB_ISA_AVX2,     /* AVX2 + FMA */
    EB_ISA_AVX512,   /* AVX-512F */
    EB_ISA_NEON,
    /* the int8 GEMM's: each is its base ISA plus a dot-product instruction;
     * every other kernel runs its base ISA's row there (eb_kernel_pick) */
    EB_ISA_AVX512VNNI, /* AVX-512F + BW + VNNI: vpdpbusd on zmm */
    EB_ISA_AVXVNNI,    /* AVX2 + FMA + AVX-VNNI: vpdpbusd on ymm (VEX) */
    EB_ISA_NEONDOT,    /* NEON + sdot (ARMv8.2 dot product) */
    EB_ISA_LAST = EB_ISA_NEONDOT
} eb_isa;

const char *eb_isa_name(eb_isa isa);
/* "auto", "generic", "avx2", "avx512", "neon", "avx512vnni", "avxvnni",
 * "neondot" -> *out; false otherwise. */
bool eb_isa_parse(const char *name, eb_isa *out);
/* Whether this build has a kernel for isa and this CPU and OS can run it
 * (false for EB_ISA_AUTO). */
bool eb_isa_supported(eb_isa isa);
/* Why eb_isa_supported(isa) is false, in words ("" when it is true). */
const char *eb_isa_why_not(eb_isa isa);
/* The ISA an ISA extends (avx512vnni -> avx512, avxvnni -> avx2, neondot
 * -> neon; any other: itself): what its fp32 kernels are. */
eb_isa eb_isa_base(eb_isa isa);
/* The best ISA this CPU and this build support. */
eb_isa eb_isa_detect(void);
/* Pins the kernel for the whole process (EB_ISA_AUTO: back to detection);
 * false when this build or CPU cannot run it. */
bool eb_gemm_force_isa(eb_isa isa);
/* Pins the kernel for the calling thread only, over any process-wide pin
 * (EB_ISA_AUTO: none); the caller must pass a supported ISA.  Returns the
 * thread's previous pin, to restore. */
eb_isa eb_gemm_thread_isa(eb_isa isa);
/* The ISA packing and the spatial kernels use now, on this thread: the
 * thread's pin, else the process's, else the detected one. */
eb_isa eb_gemm_isa(void);

typedef struct eb_packed_b eb_packed_b;

/* Packs B (K x N, row stride ldb; with trans_b, B is given as N x K, row
 * stride ldb) for the current ISA.  The caller frees with
 * eb_gemm_packed_free.  Bytes it holds: eb_gemm_packed_bytes. */
eb_status eb_gemm_pack_b(const float *b, int k, int n, int ldb, bool trans_b, eb_packed_b **out, eb_err *err);
void eb_gemm_packed_free(eb_packed_b *p);
size_t eb_gemm_packed_bytes(const eb_packed_b *p);

/* C = act(A * B + bias), A is M x K with row stride lda, C is M x N with
 * row stride ldc.  Work is split over tp's threads (tp may be NULL: the
 * calling thread does it all). */
void eb_gemm_f32(int m, int n, int k, const float *a, int lda, const eb_packed_b *b, float *c, int ldc,
                 const eb_epilogue *ep, eb_threadpool *tp);

#endif
