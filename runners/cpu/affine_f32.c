/* affine_f32.c - the cpu runner's per-channel affine pass: y = act(x * scale[c]
 * + shift[c]), the kernel of a BatchNormalization that cannot fold into a
 * preceding Conv (densenet's pre-activation BN+ReLU after a Concat), with
 * the following activation (Relu, Clip, Gelu) done in the same pass.
 *
 * x is seen as [outer][c][inner]: NCHW gives (n, C, h*w), NHWC (n*h*w, C,
 * 1), a 2-D or 3-D input (n, C, rest).  Every element is computed as its
 * twin ref_norm.c's BatchNormalization does, with the per-channel
 * scale = gamma / sqrt(var + eps) and shift = beta - mean * scale folded
 * once in prepare (in double): results differ from it by float rounding
 * only.  Safe in place (y == x).
 *
 * The rows (AFFINE rows of kernels.def: eb_affine_rows_f32__<isa>) are one
 * loop body compiled for each ISA with function-level target attributes,
 * vectorised by the compiler at that ISA's width; the driver splits rows
 * over the pool. */
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/kernels.h"

/* memory-bound loops: let GCC vectorise them (as eltwise_f32.c does) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

enum { AFFINE_GRAIN = 16384 };

#define INLINE static inline __attribute__((always_inline))

INLINE void act_row(float *y, int64_t n, eb_act act, float lo, float hi)
{
    switch (act) {
    case EB_ACT_RELU:
        for (int64_t i = 0; i < n; i++)
            y[i] = y[i] < 0.0f ? 0.0f : y[i];
        break;
    case EB_ACT_CLIP:
        for (int64_t i = 0; i < n; i++) {
            float v = y[i] < lo ? lo : y[i];
            y[i] = v > hi ? hi : v;
        }
        break;
    case EB_ACT_NONE: break;
    default:
        for (int64_t i = 0; i < n; i++)
            y[i] = eb_cpu_act(y[i], act, lo, hi);
        break;
    }
}

/* Rows [b, e): of [outer*c][inner] (one channel each) when inner > 1, else
 * of [outer][c] (channels innermost). */
INLINE void affine_rows(const eb_channel_affine *a, const float *x, float *y, int64_t b, int64_t e)
{
    if (a->inner > 1) {
        for (int64_t r = b; r < e; r++) {
            int64_t ch = r % a->c;
            const float s = a->scale[ch], t = a->shift[ch];
            const float *xr = x + r * a->inner;
            float *yr = y + r * a->inner;
            for (int64_t i = 0; i < a->inner; i++)
                yr[i] = xr[i] * s + t;
            act_row(yr, a->inner, a->act, a->lo, a->hi);
        }
        return;
    }
    const float *s = a->scale, *t = a->shift;
    for (int64_t r = b; r < e; r++) {
        const float *xr = x + r * a->c;
        float *yr = y + r * a->c;
        for (int64_t i = 0; i < a->c; i++)
            yr[i] = xr[i] * s[i] + t[i];
        act_row(yr, a->c, a->act, a->lo, a->hi);
    }
}

void eb_affine_rows_f32__generic(const eb_channel_affine *a, const float *x, float *y, int64_t b, int64_t e)
{
    affine_rows(a, x, y, b, e);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void eb_affine_rows_f32__avx2(const eb_channel_affine *a, const float *x,
                                                                    float *y, int64_t b, int64_t e)
{
    affine_rows(a, x, y, b, e);
}

__attribute__((target("avx512f,avx2,fma"))) void eb_affine_rows_f32__avx512(const eb_channel_affine *a,
                                                                              const float *x, float *y, int64_t b,
                                                                              int64_t e)
{
    affine_rows(a, x, y, b, e);
}
#endif

typedef struct affine_ctx {
    const eb_channel_affine *a;
    eb_affine_rows_fn rows;
    const float *x;
    float *y;
} affine_ctx;

static void rows_task(void *arg, int64_t b, int64_t e)
{
    const affine_ctx *c = arg;
    c->rows(c->a, c->x, c->y, b, e);
}

void eb_channel_affine_f32(const eb_channel_affine *a, const float *x, float *y, eb_threadpool *tp)
{
    affine_ctx ctx = {a, a->rows ? a->rows : eb_kernel_pick(EB_KERNEL_AFFINE, eb_gemm_isa())->fn.affine, x, y};
    if (a->inner > 1)
        eb_cpu_parallel_for(tp, a->outer * a->c, AFFINE_GRAIN / a->inner + 1, rows_task, &ctx);
    else
        eb_cpu_parallel_for(tp, a->outer, AFFINE_GRAIN / (a->c ? a->c : 1) + 1, rows_task, &ctx);
}
