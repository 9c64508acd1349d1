/* shape_conv.c - the shape rules of Conv: N-d convolution with groups, pads, strides,
 * dilations, auto_pad and an optional bias.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_conv.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <stdint.h>
#include <string.h>

#include "models/op_params.h"

/* Fills g and *group from the node's attributes and the shapes of X and W,
 * checking that they agree.  Used by the shape rule and again by the
 * kernel. */
eb_status eb_conv_geometry(const eb_node *n, const eb_tensor *x, const eb_tensor *w, eb_window *g,
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
    eb_status st = eb_conv_geometry(n, x, w, &g, &group, err);
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
