/* gemm_kernel.h - the micro-kernel contract between gemm.c (packing,
 * blocking, threading, dispatch) and the per-ISA kernel files
 * (gemm_f32_<MR>x<NR>__<isa>.c).  Internal to runners/cpu.
 *
 * A micro-kernel computes one tile of at most MR x NR:
 *
 *   C[i][j] (+)= sum_{p < kc} A[i][p] * Bp[p][j]      i < m, j < n
 *
 * A is read as it is (row i at a + i*lda; rows at or past m are never
 * read), Bp is one packed panel (kc rows of NR floats, columns past the
 * matrix's edge zero-filled, 64-byte aligned when NR*4 is a multiple of 64).
 * With EB_UK_ACCUM the tile is added to C, otherwise C is overwritten.
 * With EB_UK_LAST the epilogue runs on the finished tile before it is
 * stored: + bias[j] (bias points at the tile's first column, or is NULL),
 * then ep->act.  Only the m x n box of C is read or written. */
#ifndef EB_CPU_GEMM_KERNEL_H
#define EB_CPU_GEMM_KERNEL_H

#include <math.h>
#include <stddef.h>

#include "runners/cpu/gemm.h"

enum {
    EB_UK_ACCUM = 1u, /* C += A*B instead of C = A*B */
    EB_UK_LAST = 2u,  /* the last K block: apply bias and activation */
};

typedef void (*eb_gemm_ukernel)(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m,
                                int n, unsigned flags, const float *bias, const eb_epilogue *ep);

/* The kernels; the SIMD ones exist only where the target can carry them
 * (x86-64: avx2, avx512; aarch64: neon). */
enum { EB_GENERIC_MR = 4, EB_GENERIC_NR = 8 };
void gemm_f32_4x8__generic(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m, int n,
                           unsigned flags, const float *bias, const eb_epilogue *ep);

#if defined(__x86_64__)
enum { EB_AVX2_MR = 6, EB_AVX2_NR = 16 };
void gemm_f32_6x16__avx2(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m, int n,
                         unsigned flags, const float *bias, const eb_epilogue *ep);
enum { EB_AVX512_MR = 14, EB_AVX512_NR = 32 };
void gemm_f32_14x32__avx512(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m,
                            int n, unsigned flags, const float *bias, const eb_epilogue *ep);
#endif

#if defined(__aarch64__)
enum { EB_NEON_MR = 8, EB_NEON_NR = 8 };
void gemm_f32_8x8__neon(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m, int n,
                         unsigned flags, const float *bias, const eb_epilogue *ep);
#endif

/* The drivers' shared pieces (gemm.c): the block grid for `threads`
 * workers (mu x nu register tiles of mr x nr, blocks of at most mc_max x
 * nc_max), and the calling thread's scratch buffer, 64-byte aligned, kept
 * for later calls (NULL when out of memory). */
void eb_gemm_split(int mu, int nu, int mr, int nr, int k, int threads, int mc_max, int nc_max, int *blocks_m,
                   int *blocks_n);
float *eb_gemm_thread_scratch(size_t floats);

/* The scalar activation every kernel's result must match (within the
 * kernels' stated tolerance); the generic kernel and the K = 0 path use it.
 * static inline: the kernel files stay leaves. */
static inline float eb_gemm_act_scalar(float v, const eb_epilogue *ep)
{
    switch (ep ? ep->act : EB_ACT_NONE) {
    case EB_ACT_NONE: return v;
    case EB_ACT_RELU: return v < 0.0f ? 0.0f : v; /* NaN passes through */
    case EB_ACT_CLIP: return v < ep->lo ? ep->lo : v > ep->hi ? ep->hi : v;
    case EB_ACT_GELU: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752440f));
    }
    return v;
}

#endif
