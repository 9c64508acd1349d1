/* ref_conv.c - Conv: N-d convolution (1-D, 2-D, 3-D and up to EB_MAX_RANK-2
 * spatial dims) with groups (depthwise included), pads, strides, dilations,
 * auto_pad and an optional bias, for f32 and f64.
 *
 * The window geometry (kernel, strides, dilations, pads, output size) is
 * computed by one function that both the shape rule and the kernel call, so
 * the two can never disagree; its strides/dilations/pads/auto_pad part is
 * eb_window_geometry (ref_util.c), which the pools share.  The kernel is
 * the direct definition: every output element is the bias plus the sum
 * over its group's input channels and the kernel window, skipping taps that
 * fall into the padding.  f32 accumulates in float, f64 in double. */
#include <stdint.h>
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* Fills g and *group from the node's attributes and the shapes of X and W,
 * checking that they agree.  Used by the shape rule and again by the
 * kernel. */
static eb_status conv_geometry(const eb_node *n, const eb_tensor *x, const eb_tensor *w, eb_window *g,
                               int64_t *group, eb_err *err)
{
    char s1[128], s2[128];
    memset(g, 0, sizeof *g);
    eb_status st = eb_check_spatial_input("Conv", x, err);
    if (st != EB_OK)
        return st;
    if (w->rank != x->rank)
        return eb_errf(err, EB_EINVAL, "Conv: weight W is %s, expected rank %d like X %s",
                       eb_tensor_describe(w, s1, sizeof s1), x->rank, eb_tensor_describe(x, s2, sizeof s2));
    g->nd = x->rank - 2;
    for (int d = 0; d < g->nd; d++) {
        g->in[d] = x->shape[2 + d];
        g->kernel[d] = w->shape[2 + d];
        if (g->in[d] > INT64_MAX / 4)
            return eb_errf(err, EB_EINVAL, "Conv: input dim %d is too large", 2 + d);
        if (g->kernel[d] < 1 || g->kernel[d] > EB_ATTR_MAX)
            return eb_errf(err, EB_EINVAL, "Conv: weight W %s has an empty or too large kernel",
                           eb_tensor_describe(w, s1, sizeof s1));
    }

    *group = eb_attr_int(n, "group", 1);
    int64_t c = x->shape[1], m = w->shape[0];
    if (*group < 1 || *group > EB_ATTR_MAX)
        return eb_errf(err, EB_EINVAL, "Conv: group %lld is out of range", (long long)*group);
    if (c % *group != 0 || m % *group != 0)
        return eb_errf(err, EB_EINVAL, "Conv: group %lld does not divide input channels %lld and output channels %lld",
                       (long long)*group, (long long)c, (long long)m);
    if (w->shape[1] != c / *group)
        return eb_errf(err, EB_EINVAL, "Conv: weight W %s has %lld input channels, expected C/group = %lld",
                       eb_tensor_describe(w, s1, sizeof s1), (long long)w->shape[1], (long long)(c / *group));

    int64_t ks[EB_MAX_SPATIAL];
    if (eb_attr_ints_range(n, "kernel_shape", g->nd, 0, 1, ks, err) != EB_OK)
        return EB_EINVAL;
    if (eb_node_attr(n, "kernel_shape")) {
        for (int d = 0; d < g->nd; d++)
            if (ks[d] != g->kernel[d])
                return eb_errf(err, EB_EINVAL, "Conv: kernel_shape[%d] = %lld disagrees with weight W %s", d,
                               (long long)ks[d], eb_tensor_describe(w, s1, sizeof s1));
    }
    return eb_window_geometry(n, "Conv", false, g, err);
}

eb_status eb_shape_conv(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[1], *b = eb_opt_in(n, in, 2);
    char s1[128];
    if (eb_check_dtype("Conv", "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    if (w->dtype != x->dtype)
        return eb_errf(err, EB_EINVAL, "Conv: weight W has dtype %s, X has %s", eb_dtype_name(w->dtype),
                       eb_dtype_name(x->dtype));
    eb_window g;
    int64_t group;
    eb_status st = conv_geometry(n, x, w, &g, &group, err);
    if (st != EB_OK)
        return st;
    if (b) {
        if (b->dtype != x->dtype)
            return eb_errf(err, EB_EINVAL, "Conv: bias B has dtype %s, X has %s", eb_dtype_name(b->dtype),
                           eb_dtype_name(x->dtype));
        if (b->rank != 1 || b->shape[0] != w->shape[0])
            return eb_errf(err, EB_EINVAL, "Conv: bias B is %s, expected [%lld] (one per output channel)",
                           eb_tensor_describe(b, s1, sizeof s1), (long long)w->shape[0]);
    }
    return eb_window_output("Conv", x, w->shape[0], &g, out[0], err);
}

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

/* The same direct convolution for each float type T, accumulating in T. */
#define DEFINE_CONV(T, SUFFIX)                                                                     \
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
                    T acc = 0;                                                                     \
                    int64_t kpos[EB_MAX_SPATIAL] = {0};                                            \
                    for (int64_t k = 0; k < k_plane; k++, eb_next_index(kpos, g->kernel, g->nd)) { \
                        int64_t off;                                                               \
                        if (!tap_offset(g, opos, kpos, &off))                                      \
                            continue;                                                              \
                        for (int64_t c = 0; c < cg; c++)                                           \
                            acc += xg[c * in_plane + off] * wm[c * k_plane + k];                   \
                    }                                                                              \
                    ym[o] = bd ? acc + bd[m] : acc;                                                \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_CONV(float, f32)
DEFINE_CONV(double, f64)

eb_status eb_ref_conv(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[1], *b = eb_opt_in(n, in, 2);
    eb_window g;
    int64_t group;
    eb_status st = conv_geometry(n, x, w, &g, &group, err);
    if (st != EB_OK)
        return st;
    if (x->dtype == EB_DT_F64)
        conv_f64(&g, group, x, w, b, out[0]);
    else
        conv_f32(&g, group, x, w, b, out[0]);
    return EB_OK;
}
