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
 * only.  Safe in place (y == x). */
#include "runners/cpu/cpu_kernels.h"

/* memory-bound loops: let GCC vectorise them (as eltwise_f32.c does) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

enum { AFFINE_GRAIN = 16384 };

typedef struct affine_ctx {
    const eb_channel_affine *a;
    const float *x;
    float *y;
} affine_ctx;

static void act_row(float *y, int64_t n, eb_act act, float lo, float hi)
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

/* rows [b, e) of [outer*c][inner] (inner > 1): one channel each */
static void planes(void *arg, int64_t b, int64_t e)
{
    const affine_ctx *ctx = arg;
    const eb_channel_affine *a = ctx->a;
    for (int64_t r = b; r < e; r++) {
        int64_t ch = r % a->c;
        const float s = a->scale[ch], t = a->shift[ch];
        const float *x = ctx->x + r * a->inner;
        float *y = ctx->y + r * a->inner;
        for (int64_t i = 0; i < a->inner; i++)
            y[i] = x[i] * s + t;
        act_row(y, a->inner, a->act, a->lo, a->hi);
    }
}

/* rows [b, e) of [outer][c] (inner == 1: channels innermost) */
static void pixels(void *arg, int64_t b, int64_t e)
{
    const affine_ctx *ctx = arg;
    const eb_channel_affine *a = ctx->a;
    const float *s = a->scale, *t = a->shift;
    for (int64_t r = b; r < e; r++) {
        const float *x = ctx->x + r * a->c;
        float *y = ctx->y + r * a->c;
        for (int64_t i = 0; i < a->c; i++)
            y[i] = x[i] * s[i] + t[i];
        act_row(y, a->c, a->act, a->lo, a->hi);
    }
}

void eb_channel_affine_f32(const eb_channel_affine *a, const float *x, float *y, eb_threadpool *tp)
{
    affine_ctx ctx = {a, x, y};
    if (a->inner > 1) {
        int64_t grain = AFFINE_GRAIN / a->inner + 1;
        eb_cpu_parallel_for(tp, a->outer * a->c, grain, planes, &ctx);
    } else {
        int64_t grain = AFFINE_GRAIN / (a->c ? a->c : 1) + 1;
        eb_cpu_parallel_for(tp, a->outer, grain, pixels, &ctx);
    }
}
