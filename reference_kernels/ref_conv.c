/* ref_conv.c - Conv: N-d convolution (1-D, 2-D, 3-D and up to EB_MAX_RANK-2
 * spatial dims) with groups (depthwise included), pads, strides, dilations,
 * auto_pad and an optional bias, for f32 and f64, and for i32 (the
 * integer product of quantized convolution: ConvInteger and QLinearConv,
 * ref_quant_ops.c, and the quantized nodes, ref_compressed.c).
 *
 * The window geometry (kernel, strides, dilations, pads, output size) is
 * computed by one function, eb_conv_geometry (models/shape_conv.c), that
 * both the shape rule and the kernel call, so the two can never disagree;
 * its strides/dilations/pads/auto_pad part is eb_window_geometry
 * (models/op_attrs.c), which the pools share.  The kernel is the direct
 * definition: every output element is the bias plus the sum
 * over its group's input channels and the kernel window, skipping taps that
 * fall into the padding.  f32 accumulates in float, f64 in double, i32 in
 * int64 (exact for any real kernel), stored wrapped to int32. */
#include <stdint.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_quant.h"
#include "reference_kernels/ref_util.h"

/* Flat offset, within one input channel plane, of the tap at kernel position
 * kpos for output position opos; false when the tap lies in the padding. */
static bool tap_offset(const eb_window *g, const int64_t *opos, const int64_t *kpos, int64_t *off)
{
    int64_t o = 0;
    for (int d = 0; d < g->nd; d++) {
        int64_t ip = opos[d] * g->stride[d] - g->pad_begin[d] + kpos[d] * g->dil[d];
        if (ip < 0 || ip >= g->in[d])
            return false;
        o = o * g->in[d] + ip;
    }
    *off = o;
    return true;
}

/* The same direct convolution for each type T, accumulating in TACC. */
#define DEFINE_CONV(T, TACC, SUFFIX)                                                               \
    static void conv_##SUFFIX(const eb_window *g, int64_t group, const eb_tensor *x,               \
                              const eb_tensor *w, const eb_tensor *b, eb_tensor *y)                \
    {                                                                                              \
        const T *xd = x->data, *wd = w->data, *bd = b ? b->data : NULL;                            \
        T *yd = y->data;                                                                           \
        int64_t batch = x->shape[0], c_in = x->shape[1], c_out = w->shape[0];                      \
        int64_t cg = c_in / group, mg = c_out / group; /* channels per group */                    \
        int64_t in_plane = eb_dims_product(g->in, g->nd);                                          \
        int64_t out_plane = eb_dims_product(g->out, g->nd);                                        \
        int64_t k_plane = eb_dims_product(g->kernel, g->nd);                                       \
        for (int64_t nb = 0; nb < batch; nb++) {                                                   \
            for (int64_t m = 0; m < c_out; m++) {                                                  \
                const T *xg = xd + (nb * c_in + (m / mg) * cg) * in_plane;                         \
                const T *wm = wd + m * cg * k_plane;                                               \
                T *ym = yd + (nb * c_out + m) * out_plane;                                         \
                int64_t opos[EB_MAX_SPATIAL] = {0};                                                \
                for (int64_t o = 0; o < out_plane; o++, eb_next_index(opos, g->out, g->nd)) {      \
                    TACC acc = 0;                                                                  \
                    int64_t kpos[EB_MAX_SPATIAL] = {0};                                            \
                    for (int64_t k = 0; k < k_plane; k++, eb_next_index(kpos, g->kernel, g->nd)) { \
                        int64_t off;                                                               \
                        if (!tap_offset(g, opos, kpos, &off))                                      \
                            continue;                                                              \
                        for (int64_t c = 0; c < cg; c++)                                           \
                            acc += (TACC)xg[c * in_plane + off] * wm[c * k_plane + k];             \
                    }                                                                              \
                    ym[o] = (T)(bd ? acc + bd[m] : acc);                                           \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_CONV(float, float, f32)
DEFINE_CONV(double, double, f64)
DEFINE_CONV(int32_t, int64_t, i32)

eb_status eb_ref_conv(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[1], *b = eb_opt_in(n, in, 2);
    eb_window g;
    int64_t group;
    eb_status st = eb_conv_geometry(n, x, w, &g, &group, err);
    if (st != EB_OK)
        return st;
    if (eb_ref_weight_compressed(n, in))
        return eb_ref_compressed(n, in, out, err);
    if (x->dtype == EB_DT_F64)
        conv_f64(&g, group, x, w, b, out[0]);
    else if (x->dtype == EB_DT_I32)
        conv_i32(&g, group, x, w, b, out[0]);
    else
        conv_f32(&g, group, x, w, b, out[0]);
    return EB_OK;
}
