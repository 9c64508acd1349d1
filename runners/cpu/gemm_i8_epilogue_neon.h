/* gemm_i8_epilogue_neon.h - the int8 GEMM epilogue on 4 int32 lanes and the
 * store of one 8-column row, for the NEON kernels (gemm_i8_8x8__neondot.c,
 * gemm_i8_4x8__neon.c): eb_i8_epilogue_scalar's steps, one instruction per
 * IEEE operation, no FMA; vcvtnq_s32_f32 rounds to nearest even, as
 * lrintf in the default mode.  Internal; aarch64 only. */
#ifndef EB_CPU_GEMM_I8_EPILOGUE_NEON_H
#define EB_CPU_GEMM_I8_EPILOGUE_NEON_H

#include <arm_neon.h>
#include <string.h>

#include "runners/cpu/gemm_i8_kernel.h"

#define EB_INLINE static inline __attribute__((always_inline))

/* the per-column constants of 4 columns */
typedef struct eb_i8_cols4 {
    int32x4_t comp; /* corr - a_zero * colsum */
    float32x4_t mult, bias;
} eb_i8_cols4;

/* columns j .. j+3, those at or past n zero */
EB_INLINE eb_i8_cols4 eb_i8_load_cols4(const eb_i8_epi *e, size_t j, int n)
{
    int32_t cs[4] = {0}, co[4] = {0};
    float mu[4] = {0}, bi[4] = {0};
    for (int t = 0; t < 4 && t < n; t++) {
        cs[t] = e->colsum[j + (size_t)t];
        co[t] = e->corr[j + (size_t)t];
        mu[t] = e->mult[j + (size_t)t];
        bi[t] = e->bias ? e->bias[j + (size_t)t] : 0.0f;
    }
    eb_i8_cols4 c;
    c.comp = vsubq_s32(vld1q_s32(co), vmulq_s32(vdupq_n_s32(e->a_zero), vld1q_s32(cs)));
    c.mult = vld1q_f32(mu);
    c.bias = vld1q_f32(bi);
    return c;
}

/* acc -> the output floats; GELU is left to a scalar pass after the store */
EB_INLINE float32x4_t eb_i8_epilogue4(int32x4_t acc, const eb_i8_cols4 *c, const eb_i8_epi *e)
{
    float32x4_t v = vcvtq_f32_s32(vaddq_s32(acc, c->comp));
    v = vmulq_f32(v, c->mult);
    v = vmulq_f32(v, vdupq_n_f32(e->alpha));
    if (e->bias)
        v = vaddq_f32(v, c->bias);
    if (e->requant) {
        float32x4_t s = vdupq_n_f32(e->out_scale);
        float32x4_t r = vdivq_f32(v, s);
        /* NaN -> 0 (eb_quantize: the zero point), then clamped */
        r = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(r), vceqq_f32(r, r)));
        r = vminq_f32(vmaxq_f32(r, vdupq_n_f32(-EB_I8_R_LIMIT)), vdupq_n_f32(EB_I8_R_LIMIT));
        int32x4_t q = vcvtnq_s32_f32(r);
        q = vmaxq_s32(q, vdupq_n_s32(-e->out_zero));
        q = vminq_s32(q, vdupq_n_s32(255 - e->out_zero));
        v = vmulq_f32(vcvtq_f32_s32(q), s);
    }
    switch (e->act.act) {
    case EB_ACT_RELU: {
        /* v < 0 ? 0 : v: NaN and -0 pass */
        float32x4_t z = vdupq_n_f32(0.0f);
        return vbslq_f32(vcltq_f32(v, z), z, v);
    }
    case EB_ACT_CLIP: {
        float32x4_t lo = vdupq_n_f32(e->act.lo), hi = vdupq_n_f32(e->act.hi);
        v = vbslq_f32(vcltq_f32(v, lo), lo, v);
        return vbslq_f32(vcgtq_f32(v, hi), hi, v);
    }
    default: return v;
    }
}

/* One row (n <= 8 columns) from the two accumulators of 4 columns: int32
 * sums at si until the last step (plus those there with ACCUM), the result
 * into ci after, in e->out's form (the quantization onto the next grid is
 * eb_i8_store_scalar's, per element; si is unused on a lone K step). */
EB_INLINE void eb_i8_store_row8(int32x4_t v0, int32x4_t v1, int32_t *si, void *ci, int n, unsigned flags,
                                const eb_i8_cols4 *c0, const eb_i8_cols4 *c1, const eb_i8_epi *e)
{
    if (flags & EB_UK_ACCUM) {
        int32_t old[8] = {0};
        memcpy(old, si, (size_t)n * sizeof(int32_t));
        v0 = vaddq_s32(v0, vld1q_s32(old));
        v1 = vaddq_s32(v1, vld1q_s32(old + 4));
    }
    if (flags & EB_UK_LAST) {
        float out[8];
        vst1q_f32(out, eb_i8_epilogue4(v0, c0, e));
        vst1q_f32(out + 4, eb_i8_epilogue4(v1, c1, e));
        for (int j = 0; j < n; j++)
            eb_i8_store_scalar(ci, (size_t)j, e->act.act == EB_ACT_GELU ? eb_gemm_act_scalar(out[j], &e->act) : out[j],
                               e);
    } else {
        int32_t out[8];
        vst1q_s32(out, v0);
        vst1q_s32(out + 4, v1);
        memcpy(si, out, (size_t)n * sizeof(int32_t));
    }
}

#endif
