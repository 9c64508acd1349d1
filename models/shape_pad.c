/* shape_pad.c - the shape rule of Pad: grows (or, with negative pads, crops) each dim.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_pad.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <string.h>

#include "models/op_params.h"

/* a + b, false on int64 overflow. */
static bool add_checked(int64_t a, int64_t b, int64_t *sum)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        return false;
    *sum = a + b;
    return true;
}

static eb_status read_pads(const eb_node *n, const eb_tensor *const *in, int rank, eb_pad_plan *p, eb_err *err)
{
    int64_t pads[2 * EB_MAX_RANK], axes[EB_MAX_RANK];
    int count, n_axes = -1;
    eb_status st;
    if (n->opset < 11) {
        const char *name = n->opset < 2 ? "paddings" : "pads";
        const int64_t *vals;
        count = eb_attr_ints(n, name, &vals);
        if (count < 0)
            return eb_errf(err, EB_EINVAL, "Pad: attribute '%s' is required", name);
        if (count > 2 * EB_MAX_RANK)
            return eb_errf(err, EB_EINVAL, "Pad: %d pads for an input of rank %d", count, rank);
        memcpy(pads, vals, (size_t)count * sizeof *pads);
    } else {
        const eb_tensor *t = eb_opt_in(n, in, 1), *ax = n->opset >= 18 ? eb_opt_in(n, in, 3) : NULL;
        if (!t)
            return eb_errf(err, EB_EINVAL, "Pad: input 'pads' is missing");
        if ((st = eb_read_ints(t, pads, 2 * EB_MAX_RANK, &count, "Pad", "pads", err)) != EB_OK)
            return st;
        if (ax && (st = eb_read_ints(ax, axes, EB_MAX_RANK, &n_axes, "Pad", "axes", err)) != EB_OK)
            return st;
    }
    for (int d = 0; d < rank; d++)
        p->before[d] = p->after[d] = 0;
    if (n_axes < 0) {
        if (count != 2 * rank)
            return eb_errf(err, EB_EINVAL, "Pad: %d pads for an input of rank %d", count, rank);
        for (int d = 0; d < rank; d++) {
            p->before[d] = pads[d];
            p->after[d] = pads[rank + d];
        }
        return EB_OK;
    }
    if (count != 2 * n_axes)
        return eb_errf(err, EB_EINVAL, "Pad: %d pads for %d axes", count, n_axes);
    bool seen[EB_MAX_RANK] = {false};
    for (int k = 0; k < n_axes; k++) {
        int a;
        if ((st = eb_check_axis("Pad", axes[k], rank, seen, &a, err)) != EB_OK)
            return st;
        p->before[a] = pads[k];
        p->after[a] = pads[n_axes + k];
    }
    return EB_OK;
}

/* Reads mode and pads and checks them against x; out_shape gets the
 * output dims. */
eb_status eb_pad_plan_make(const eb_node *n, const eb_tensor *const *in, const eb_tensor *x, eb_pad_plan *p,
                           int64_t out_shape[EB_MAX_RANK], eb_err *err)
{
    const char *mode = eb_attr_string(n, "mode", "constant");
    if (strcmp(mode, "constant") == 0)
        p->mode = EB_PAD_CONSTANT;
    else if (strcmp(mode, "edge") == 0)
        p->mode = EB_PAD_EDGE;
    else if (strcmp(mode, "reflect") == 0)
        p->mode = EB_PAD_REFLECT;
    else if (strcmp(mode, "wrap") == 0)
        p->mode = EB_PAD_WRAP;
    else
        return eb_errf(err, EB_EUNSUPPORTED, "Pad: mode '%s' not supported", mode);
    eb_status st = read_pads(n, in, x->rank, p, err);
    if (st != EB_OK)
        return st;
    for (int d = 0; d < x->rank; d++) {
        int64_t dim = x->shape[d], b = p->before[d], e = p->after[d], size;
        /* -dim cannot overflow (dim >= 0), and after this check neither can -b, -e */
        if ((b < 0 && b < -dim) || (e < 0 && e < -dim) || (b < 0 && e < 0 && -e > dim + b))
            return eb_errf(err, EB_EINVAL, "Pad: pads %lld, %lld crop more than the dim of %lld", (long long)b,
                           (long long)e, (long long)dim);
        if (!add_checked(dim, b, &size) || !add_checked(size, e, &size) || size < 0)
            return eb_errf(err, EB_EINVAL, "Pad: pads %lld, %lld on a dim of %lld give an invalid size",
                           (long long)b, (long long)e, (long long)dim);
        int64_t crop_b = b < 0 ? -b : 0, crop_e = e < 0 ? -e : 0;
        p->lo[d] = crop_b;
        p->keep[d] = dim - crop_b - crop_e;
        if (p->mode != EB_PAD_CONSTANT && p->keep[d] == 0 && size > 0)
            return eb_errf(err, EB_EINVAL, "Pad: mode '%s' cannot pad dim %d, which is empty", mode, d);
        out_shape[d] = size;
    }
    return EB_OK;
}

eb_status eb_shape_pad(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Pad", x, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *cv = n->opset >= 11 ? eb_opt_in(n, in, 2) : NULL;
    if (cv && cv->dtype != x->dtype)
        return eb_errf(err, EB_EINVAL, "Pad: constant_value has dtype %s, data has %s", eb_dtype_name(cv->dtype),
                       eb_dtype_name(x->dtype));
    if (cv && eb_tensor_numel(cv) > 1)
        return eb_errf(err, EB_EINVAL, "Pad: constant_value must be a scalar");
    eb_pad_plan p;
    eb_tensor *y = out[0];
    if ((st = eb_pad_plan_make(n, in, x, &p, y->shape, err)) != EB_OK)
        return st;
    y->dtype = x->dtype;
    y->rank = x->rank;
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "Pad: output size overflows");
    return EB_OK;
}

/* Pad's input index along dim d for output index o, -1 for the fill value
 * (the rule of every Pad kernel: ref_pad.c, the cpu runner's remap). */
int64_t eb_pad_source(const eb_pad_plan *p, int d, int64_t o)
{
    int64_t keep = p->keep[d];
    int64_t c = o - (p->before[d] > 0 ? p->before[d] : 0); /* relative to the kept extent */
    if (c >= 0 && c < keep)
        return p->lo[d] + c;
    switch (p->mode) {
    case EB_PAD_CONSTANT: return -1;
    case EB_PAD_EDGE: c = c < 0 ? 0 : keep - 1; break;
    case EB_PAD_WRAP:
        c %= keep;
        if (c < 0)
            c += keep;
        break;
    case EB_PAD_REFLECT:
        if (keep == 1) {
            c = 0;
        } else {
            int64_t period = 2 * (keep - 1);
            c %= period;
            if (c < 0)
                c += period;
            if (c >= keep)
                c = period - c;
        }
        break;
    }
    return p->lo[d] + c;
}
