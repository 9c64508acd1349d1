/* ref_conv.c - Conv: N-d convolution (1-D, 2-D, 3-D and up to EB_MAX_RANK-2
 * spatial dims) with groups (depthwise included), pads, strides, dilations,
 * auto_pad and an optional bias, for f32 and f64.
 *
 * The window geometry (kernel, strides, dilations, pads, output size) is
 * computed by one function that both the shape rule and the kernel call, so
 * the two can never disagree.  The kernel is the direct definition: every
 * output element is the bias plus the sum over its group's input channels
 * and the kernel window, skipping taps that fall into the padding.  f32
 * accumulates in float, f64 in double. */
#include <stdint.h>
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

#define SPATIAL_MAX (EB_MAX_RANK - 2)

/* Bound on attribute values: keeps (k-1)*dilation and in+pads far from
 * int64 overflow. */
#define ATTR_MAX INT32_MAX

typedef struct conv_geom {
    int nd;                            /* spatial dims */
    int64_t group;
    int64_t in[SPATIAL_MAX];           /* input spatial dims */
    int64_t kernel[SPATIAL_MAX];
    int64_t stride[SPATIAL_MAX];
    int64_t dil[SPATIAL_MAX];
    int64_t pad_begin[SPATIAL_MAX];
    int64_t pad_end[SPATIAL_MAX];
    int64_t out[SPATIAL_MAX];          /* output spatial dims */
} conv_geom;

/* Reads INTS attribute `name` (count values, each in [lo, ATTR_MAX]) into v,
 * or fills v with def when the node does not have it. */
static eb_status read_attr_ints(const eb_node *n, const char *name, int count, int64_t def, int64_t lo,
                                int64_t *v, eb_err *err)
{
    const int64_t *vals = NULL;
    int k = eb_attr_ints(n, name, &vals);
    if (k < 0) {
        for (int i = 0; i < count; i++)
            v[i] = def;
        return EB_OK;
    }
    if (k != count)
        return eb_errf(err, EB_EINVAL, "%s: attribute %s has %d values, expected %d", n->op_type, name, k,
                       count);
    for (int i = 0; i < count; i++) {
        if (vals[i] < lo || vals[i] > ATTR_MAX)
            return eb_errf(err, EB_EINVAL, "%s: attribute %s[%d] = %lld is out of range", n->op_type, name, i,
                           (long long)vals[i]);
        v[i] = vals[i];
    }
    return EB_OK;
}

/* Fills g from the node's attributes and the shapes of X and W, checking
 * that they agree.  Used by the shape rule and again by the kernel. */
static eb_status conv_geometry(const eb_node *n, const eb_tensor *x, const eb_tensor *w, conv_geom *g,
                               eb_err *err)
{
    char s1[128], s2[128];
    memset(g, 0, sizeof *g);
    if (x->rank < 3)
        return eb_errf(err, EB_EINVAL, "Conv: input X is %s, expected rank >= 3 (N, C, spatial...)",
                       eb_tensor_describe(x, s1, sizeof s1));
    if (w->rank != x->rank)
        return eb_errf(err, EB_EINVAL, "Conv: weight W is %s, expected rank %d like X %s",
                       eb_tensor_describe(w, s1, sizeof s1), x->rank, eb_tensor_describe(x, s2, sizeof s2));
    g->nd = x->rank - 2;
    for (int d = 0; d < g->nd; d++) {
        g->in[d] = x->shape[2 + d];
        g->kernel[d] = w->shape[2 + d];
        if (g->in[d] > INT64_MAX / 4)
            return eb_errf(err, EB_EINVAL, "Conv: input dim %d is too large", 2 + d);
        if (g->kernel[d] < 1 || g->kernel[d] > ATTR_MAX)
            return eb_errf(err, EB_EINVAL, "Conv: weight W %s has an empty or too large kernel",
                           eb_tensor_describe(w, s1, sizeof s1));
    }

    g->group = eb_attr_int(n, "group", 1);
    int64_t c = x->shape[1], m = w->shape[0];
    if (g->group < 1 || g->group > ATTR_MAX)
        return eb_errf(err, EB_EINVAL, "Conv: group %lld is out of range", (long long)g->group);
    if (c % g->group != 0 || m % g->group != 0)
        return eb_errf(err, EB_EINVAL, "Conv: group %lld does not divide input channels %lld and output channels %lld",
                       (long long)g->group, (long long)c, (long long)m);
    if (w->shape[1] != c / g->group)
        return eb_errf(err, EB_EINVAL, "Conv: weight W %s has %lld input channels, expected C/group = %lld",
                       eb_tensor_describe(w, s1, sizeof s1), (long long)w->shape[1], (long long)(c / g->group));

    int64_t ks[SPATIAL_MAX];
    if (read_attr_ints(n, "kernel_shape", g->nd, 0, 1, ks, err) != EB_OK)
        return EB_EINVAL;
    if (eb_node_attr(n, "kernel_shape")) {
        for (int d = 0; d < g->nd; d++)
            if (ks[d] != g->kernel[d])
                return eb_errf(err, EB_EINVAL, "Conv: kernel_shape[%d] = %lld disagrees with weight W %s", d,
                               (long long)ks[d], eb_tensor_describe(w, s1, sizeof s1));
    }
    int64_t pads[2 * SPATIAL_MAX];
    if (read_attr_ints(n, "strides", g->nd, 1, 1, g->stride, err) != EB_OK ||
        read_attr_ints(n, "dilations", g->nd, 1, 1, g->dil, err) != EB_OK ||
        read_attr_ints(n, "pads", 2 * g->nd, 0, 0, pads, err) != EB_OK)
        return EB_EINVAL;

    const char *auto_pad = eb_attr_string(n, "auto_pad", "NOTSET");
    bool same_upper = strcmp(auto_pad, "SAME_UPPER") == 0, same_lower = strcmp(auto_pad, "SAME_LOWER") == 0;
    bool valid = strcmp(auto_pad, "VALID") == 0;
    if (!same_upper && !same_lower && !valid && strcmp(auto_pad, "NOTSET") != 0)
        return eb_errf(err, EB_EINVAL, "Conv: auto_pad '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID",
                       auto_pad);

    for (int d = 0; d < g->nd; d++) {
        int64_t ek = (g->kernel[d] - 1) * g->dil[d] + 1; /* dilated kernel extent */
        if (same_upper || same_lower) {
            /* explicit pads are ignored: output = ceil(in / stride), the
             * padding needed for it is split, the odd one at the end for
             * SAME_UPPER and at the beginning for SAME_LOWER */
            g->out[d] = (g->in[d] + g->stride[d] - 1) / g->stride[d];
            int64_t total = (g->out[d] - 1) * g->stride[d] + ek - g->in[d];
            if (total < 0)
                total = 0;
            g->pad_begin[d] = same_upper ? total / 2 : total - total / 2;
            g->pad_end[d] = total - g->pad_begin[d];
        } else {
            g->pad_begin[d] = valid ? 0 : pads[d];
            g->pad_end[d] = valid ? 0 : pads[g->nd + d];
            int64_t span = g->in[d] + g->pad_begin[d] + g->pad_end[d] - ek;
            if (span < 0)
                return eb_errf(err, EB_EINVAL,
                               "Conv: kernel extent %lld along spatial dim %d exceeds the padded input (%lld)",
                               (long long)ek, d, (long long)(g->in[d] + g->pad_begin[d] + g->pad_end[d]));
            g->out[d] = span / g->stride[d] + 1;
        }
    }
    return EB_OK;
}

eb_status eb_shape_conv(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[1], *b = n->n_in > 2 ? in[2] : NULL;
    char s1[128];
    if (eb_check_dtype("Conv", "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    if (w->dtype != x->dtype)
        return eb_errf(err, EB_EINVAL, "Conv: weight W has dtype %s, X has %s", eb_dtype_name(w->dtype),
                       eb_dtype_name(x->dtype));
    conv_geom g;
    eb_status st = conv_geometry(n, x, w, &g, err);
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
    eb_tensor *y = out[0];
    y->dtype = x->dtype;
    y->rank = x->rank;
    y->shape[0] = x->shape[0];
    y->shape[1] = w->shape[0];
    for (int d = 0; d < g.nd; d++)
        y->shape[2 + d] = g.out[d];
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "Conv: output size overflows");
    return EB_OK;
}

/* Advances the multi-index idx over dims[0..nd) in row-major order. */
static void next_index(int64_t *idx, const int64_t *dims, int nd)
{
    for (int d = nd - 1; d >= 0; d--) {
        if (++idx[d] < dims[d])
            return;
        idx[d] = 0;
    }
}

/* Flat offset, within one input channel plane, of the tap at kernel position
 * kpos for output position opos; false when the tap lies in the padding. */
static bool tap_offset(const conv_geom *g, const int64_t *opos, const int64_t *kpos, int64_t *off)
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

static int64_t product(const int64_t *dims, int nd)
{
    int64_t p = 1;
    for (int d = 0; d < nd; d++)
        p *= dims[d];
    return p;
}

/* The same direct convolution for each float type T, accumulating in T. */
#define DEFINE_CONV(T, SUFFIX)                                                                     \
    static void conv_##SUFFIX(const conv_geom *g, const eb_tensor *x, const eb_tensor *w,         \
                              const eb_tensor *b, eb_tensor *y)                                    \
    {                                                                                              \
        const T *xd = x->data, *wd = w->data, *bd = b ? b->data : NULL;                            \
        T *yd = y->data;                                                                           \
        int64_t batch = x->shape[0], c_in = x->shape[1], c_out = w->shape[0];                      \
        int64_t cg = c_in / g->group, mg = c_out / g->group; /* channels per group */             \
        int64_t in_plane = product(g->in, g->nd), out_plane = product(g->out, g->nd);              \
        int64_t k_plane = product(g->kernel, g->nd);                                               \
        for (int64_t nb = 0; nb < batch; nb++) {                                                   \
            for (int64_t m = 0; m < c_out; m++) {                                                  \
                const T *xg = xd + (nb * c_in + (m / mg) * cg) * in_plane;                         \
                const T *wm = wd + m * cg * k_plane;                                               \
                T *ym = yd + (nb * c_out + m) * out_plane;                                         \
                int64_t opos[SPATIAL_MAX] = {0};                                                   \
                for (int64_t o = 0; o < out_plane; o++, next_index(opos, g->out, g->nd)) {         \
                    T acc = 0;                                                                     \
                    int64_t kpos[SPATIAL_MAX] = {0};                                               \
                    for (int64_t k = 0; k < k_plane; k++, next_index(kpos, g->kernel, g->nd)) {    \
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
    const eb_tensor *x = in[0], *w = in[1], *b = n->n_in > 2 ? in[2] : NULL;
    conv_geom g;
    eb_status st = conv_geometry(n, x, w, &g, err);
    if (st != EB_OK)
        return st;
    if (x->dtype == EB_DT_F64)
        conv_f64(&g, x, w, b, out[0]);
    else
        conv_f32(&g, x, w, b, out[0]);
    return EB_OK;
}
