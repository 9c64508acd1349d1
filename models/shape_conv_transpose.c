/* shape_conv_transpose.c - the shape rule of ConvTranspose: N-d transposed
 * (fractionally strided) convolution with groups, strides, dilations, pads,
 * auto_pad, output_padding and output_shape, and an optional bias.
 *
 * The geometry is the ONNX one: along each spatial dim the full result has
 * stride * (in - 1) + output_padding + (kernel - 1) * dilation + 1
 * positions, of which pads trims pad_begin at the start and pad_end at the
 * end.  With output_shape (or auto_pad SAME_*: output = in * stride) the
 * pads are derived from the total difference as the ONNX reference does:
 * SAME_UPPER puts the odd one at the end, otherwise at the start; a
 * negative total (an output longer than the full result) extends the end,
 * where only the bias lands.  The kernels
 * (reference_kernels/ref_conv_transpose.c) call eb_conv_transpose_geometry
 * again and trust what it accepted. */
#include <stdint.h>
#include <string.h>

#include "models/op_params.h"

static int64_t floor_div2(int64_t a)
{
    return a >= 0 ? a / 2 : -((-a + 1) / 2);
}

eb_status eb_conv_transpose_geometry(const eb_node *n, const eb_tensor *x, const eb_tensor *w, eb_window *g,
                                     int64_t *group, eb_err *err)
{
    const char *op = "ConvTranspose";
    char s1[128], s2[128];
    memset(g, 0, sizeof *g);
    eb_status st = eb_check_spatial_input(op, x, err);
    if (st != EB_OK)
        return st;
    if (w->rank != x->rank)
        return eb_errf(err, EB_EINVAL, "%s: weight W is %s, expected rank %d like X %s", op,
                       eb_tensor_describe(w, s1, sizeof s1), x->rank, eb_tensor_describe(x, s2, sizeof s2));
    g->nd = x->rank - 2;
    *group = eb_attr_int(n, "group", 1);
    if (*group < 1 || *group > EB_ATTR_MAX)
        return eb_errf(err, EB_EINVAL, "%s: group %lld is out of range", op, (long long)*group);
    if (x->shape[1] % *group != 0 || w->shape[0] != x->shape[1])
        return eb_errf(err, EB_EINVAL, "%s: weight W %s must have X's %lld channels first, divisible by group %lld",
                       op, eb_tensor_describe(w, s1, sizeof s1), (long long)x->shape[1], (long long)*group);
    if (w->shape[1] < 1 || w->shape[1] > EB_ATTR_MAX)
        return eb_errf(err, EB_EINVAL, "%s: weight W %s has no output channels", op,
                       eb_tensor_describe(w, s1, sizeof s1));

    int64_t ks[EB_MAX_SPATIAL], outpad[EB_MAX_SPATIAL], pads[2 * EB_MAX_SPATIAL];
    if ((st = eb_attr_ints_range(n, "kernel_shape", g->nd, 0, 1, ks, err)) != EB_OK ||
        (st = eb_attr_ints_range(n, "strides", g->nd, 1, 1, g->stride, err)) != EB_OK ||
        (st = eb_attr_ints_range(n, "dilations", g->nd, 1, 1, g->dil, err)) != EB_OK ||
        (st = eb_attr_ints_range(n, "output_padding", g->nd, 0, 0, outpad, err)) != EB_OK ||
        (st = eb_attr_ints_range(n, "pads", 2 * g->nd, 0, 0, pads, err)) != EB_OK)
        return st;
    const int64_t *os = NULL;
    int n_os = eb_attr_ints(n, "output_shape", &os);
    if (n_os >= 0 && n_os != g->nd && n_os != g->nd + 2)
        return eb_errf(err, EB_EINVAL, "%s: output_shape has %d values, expected %d", op, n_os, g->nd);
    const char *auto_pad = eb_attr_string(n, "auto_pad", "NOTSET");
    bool same_upper = strcmp(auto_pad, "SAME_UPPER") == 0, same_lower = strcmp(auto_pad, "SAME_LOWER") == 0;
    bool valid = strcmp(auto_pad, "VALID") == 0;
    if (!same_upper && !same_lower && !valid && strcmp(auto_pad, "NOTSET") != 0)
        return eb_errf(err, EB_EINVAL, "%s: auto_pad '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", op,
                       auto_pad);

    for (int d = 0; d < g->nd; d++) {
        g->in[d] = x->shape[2 + d];
        g->kernel[d] = w->shape[2 + d];
        if (g->in[d] > INT32_MAX)
            return eb_errf(err, EB_EINVAL, "%s: input dim %d is too large", op, 2 + d);
        if (g->kernel[d] < 1 || g->kernel[d] > EB_ATTR_MAX)
            return eb_errf(err, EB_EINVAL, "%s: weight W %s has an empty or too large kernel", op,
                           eb_tensor_describe(w, s1, sizeof s1));
        if (eb_node_attr(n, "kernel_shape") && ks[d] != g->kernel[d])
            return eb_errf(err, EB_EINVAL, "%s: kernel_shape[%d] = %lld disagrees with weight W %s", op, d,
                           (long long)ks[d], eb_tensor_describe(w, s1, sizeof s1));
        if (outpad[d] >= g->stride[d] && outpad[d] >= g->dil[d])
            return eb_errf(err, EB_EINVAL, "%s: output_padding[%d] = %lld, expected less than stride or dilation",
                           op, d, (long long)outpad[d]);
        int64_t full = g->stride[d] * (g->in[d] - 1) + outpad[d] + (g->kernel[d] - 1) * g->dil[d] + 1;
        int64_t want = -1;
        if (n_os >= 0)
            want = os[n_os - g->nd + d];
        else if (same_upper || same_lower)
            want = g->in[d] * g->stride[d];
        if (want >= 0) {
            if (want > INT32_MAX)
                return eb_errf(err, EB_EINVAL, "%s: output_shape[%d] = %lld is out of range", op, d, (long long)want);
            int64_t total = full - want;
            int64_t half = floor_div2(total);
            g->pad_begin[d] = same_upper ? half : total - half;
            g->pad_end[d] = total - g->pad_begin[d];
        } else if (!valid) {
            g->pad_begin[d] = pads[d];
            g->pad_end[d] = pads[g->nd + d];
        }
        g->out[d] = full - g->pad_begin[d] - g->pad_end[d];
        if (g->out[d] < 0)
            return eb_errf(err, EB_EINVAL, "%s: pads leave a negative output along spatial dim %d", op, d);
    }
    return EB_OK;
}

eb_status eb_shape_conv_transpose(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[1], *b = eb_opt_in(n, in, 2);
    char s1[128];
    if (eb_check_dtype("ConvTranspose", "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    if (!w || w->dtype != x->dtype)
        return eb_errf(err, EB_EINVAL, "ConvTranspose: weight W is missing or has a dtype other than X's");
    eb_window g;
    int64_t group;
    eb_status st = eb_conv_transpose_geometry(n, x, w, &g, &group, err);
    if (st != EB_OK)
        return st;
    int64_t m = w->shape[1] * group;
    if (b && (b->dtype != x->dtype || b->rank != 1 || b->shape[0] != m))
        return eb_errf(err, EB_EINVAL, "ConvTranspose: bias B is %s %s, expected [%lld] of X's dtype",
                       eb_dtype_name(b->dtype), eb_tensor_describe(b, s1, sizeof s1), (long long)m);
    return eb_window_output("ConvTranspose", x, m, &g, out[0], err);
}
