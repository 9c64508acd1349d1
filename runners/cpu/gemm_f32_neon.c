/* gemm_f32_neon.c - the NEON (AArch64 Advanced SIMD) fp32 GEMM
 * micro-kernel, 8 x 8.
 *
 * 16 q-register accumulators (8 rows x 2 vectors of 4 columns), two B
 * vectors and the 8 A values of one K step: 26 of the 32 v registers.  (An
 * 8 x 12 tile needs 24 + 3 + 8 = 35, and gcc 12 then spills accumulators
 * inside the K loop.)  Each K step loads one 32-byte row of the packed B
 * panel and 8 A values, for 16 FMAs by lane.  Fewer rows than 8 run a smaller instantiation (4,
 * 2 or 1 rows).  The N edge goes through a small tile on the stack; the
 * epilogue (bias, ReLU/Clip/GELU) runs on the accumulators before the one
 * store.  Advanced SIMD is part of ARMv8-A, so no target attribute is
 * needed; dispatch still checks HWCAP_ASIMD. */
#include "runners/cpu/gemm_kernel.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#define INLINE static inline __attribute__((always_inline))

enum { MR = EB_NEON_MR, NR = EB_NEON_NR };

/* erf(x) as a rational function on [-4, 4] (Eigen's / TensorFlow's fast
 * float erf; max abs error ~4e-7), clamped outside. */
INLINE float32x4_t erf_neon(float32x4_t x)
{
    x = vmaxq_f32(vminq_f32(x, vdupq_n_f32(4.0f)), vdupq_n_f32(-4.0f));
    float32x4_t x2 = vmulq_f32(x, x);
    float32x4_t p = vfmaq_f32(vdupq_n_f32(2.77068142495902e-08f), x2, vdupq_n_f32(-2.72614225801306e-10f));
    p = vfmaq_f32(vdupq_n_f32(-2.10102402082508e-06f), x2, p);
    p = vfmaq_f32(vdupq_n_f32(-5.69250639462346e-05f), x2, p);
    p = vfmaq_f32(vdupq_n_f32(-7.34990630326855e-04f), x2, p);
    p = vfmaq_f32(vdupq_n_f32(-2.95459980854025e-03f), x2, p);
    p = vfmaq_f32(vdupq_n_f32(-1.60960333262415e-02f), x2, p);
    p = vmulq_f32(x, p);
    float32x4_t q = vfmaq_f32(vdupq_n_f32(-2.13374055278905e-04f), x2, vdupq_n_f32(-1.45660718464996e-05f));
    q = vfmaq_f32(vdupq_n_f32(-1.68282697438203e-03f), x2, q);
    q = vfmaq_f32(vdupq_n_f32(-7.37332916720468e-03f), x2, q);
    q = vfmaq_f32(vdupq_n_f32(-1.42647390514189e-02f), x2, q);
    return vdivq_f32(p, q);
}

/* 0.5 x (1 + erf(x / sqrt 2)), 0 below x = -4 sqrt 2 (see the AVX-512
 * kernel for why) */
INLINE float32x4_t gelu_neon(float32x4_t x)
{
    float32x4_t e = erf_neon(vmulq_n_f32(x, 0.70710678118654752440f));
    float32x4_t y = vmulq_f32(vmulq_n_f32(x, 0.5f), vaddq_f32(e, vdupq_n_f32(1.0f)));
    uint32x4_t keep = vcgeq_f32(x, vdupq_n_f32(-5.656854249f));
    return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(y), keep));
}

INLINE float32x4_t act_neon(float32x4_t v, const eb_epilogue *ep)
{
    switch (ep ? ep->act : EB_ACT_NONE) {
    case EB_ACT_NONE: return v;
    /* fmax would drop a NaN; select keeps it: v unless v < 0 */
    case EB_ACT_RELU: return vbslq_f32(vcltq_f32(v, vdupq_n_f32(0.0f)), vdupq_n_f32(0.0f), v);
    case EB_ACT_CLIP: {
        float32x4_t lo = vdupq_n_f32(ep->lo), hi = vdupq_n_f32(ep->hi);
        v = vbslq_f32(vcltq_f32(v, lo), lo, v);
        return vbslq_f32(vcgtq_f32(v, hi), hi, v);
    }
    case EB_ACT_GELU: return gelu_neon(v);
    }
    return v;
}

/* Adds C (ACCUM), bias and the activation (LAST) to R rows of a full-width
 * tile and stores them at c. */
INLINE void store_rows(const int R, float32x4_t acc[][2], float *c, size_t ldc, int m, unsigned flags,
                       const float *bias, const eb_epilogue *ep)
{
    bool last = (flags & EB_UK_LAST) != 0;
    float32x4_t bv[2] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
    if (last && bias)
        for (int j = 0; j < 2; j++)
            bv[j] = vld1q_f32(bias + 4 * j);
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
        if (i >= m)
            break;
        float *ci = c + (size_t)i * ldc;
#pragma GCC unroll 2
        for (int j = 0; j < 2; j++) {
            float32x4_t v = acc[i][j];
            if (flags & EB_UK_ACCUM)
                v = vaddq_f32(v, vld1q_f32(ci + 4 * j));
            if (last)
                v = act_neon(vaddq_f32(v, bv[j]), ep);
            vst1q_f32(ci + 4 * j, v);
        }
    }
}

/* The tile body for R rows (a compile-time constant after inlining). */
INLINE void tile(const int R, size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m,
                 int n, unsigned flags, const float *bias, const eb_epilogue *ep)
{
    float32x4_t acc[MR][2];
    const float *ar[MR];
#pragma GCC unroll 8
    for (int i = 0; i < R; i++) {
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
        acc[i][0] = acc[i][1] = vdupq_n_f32(0.0f);
    }
    for (size_t p = 0; p < kc; p++) {
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
        b += NR;
#pragma GCC unroll 8
        for (int i = 0; i < R; i++) {
            float32x4_t av = vld1q_dup_f32(ar[i] + p);
            acc[i][0] = vfmaq_f32(acc[i][0], av, b0);
            acc[i][1] = vfmaq_f32(acc[i][1], av, b1);
        }
    }
    if (n >= NR) {
        store_rows(R, acc, c, ldc, m, flags, bias, ep);
        return;
    }
    /* the N edge: through a full-width tile, so only the n columns of C
     * (and of bias) are touched */
    float tmp[MR * NR] = {0}, bpad[NR] = {0};
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            tmp[i * NR + j] = (flags & EB_UK_ACCUM) ? c[(size_t)i * ldc + j] : 0.0f;
    if (bias)
        for (int j = 0; j < n; j++)
            bpad[j] = bias[j];
    store_rows(R, acc, tmp, NR, m, flags | EB_UK_ACCUM, bias ? bpad : NULL, ep);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
            c[(size_t)i * ldc + j] = tmp[i * NR + j];
}

void gemm_f32_8x8__neon(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m, int n,
                         unsigned flags, const float *bias, const eb_epilogue *ep)
{
    if (m > 4)
        tile(8, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else if (m > 2)
        tile(4, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else if (m > 1)
        tile(2, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else
        tile(1, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
}

#endif
