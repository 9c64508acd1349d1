/* ref_pad.c - Pad: grows (or, with negative pads, crops) each dim.
 *
 * Modes: constant (a fill value), edge (repeat the border element), reflect
 * (mirror without repeating the border; pads longer than the axis keep
 * mirroring, as numpy does) and wrap (opset 19: repeat periodically).
 * Pads are an attribute before opset 11 (`paddings` in opset 1) and an
 * input from 11, which must be known at load time since it fixes the output
 * shape; opset 18 adds an optional `axes` input naming the padded dims.
 * The fill value is the `value` attribute before 11 and the optional
 * `constant_value` input from 11 (0 when absent).
 *
 * Negative pads crop first; edge, reflect and wrap then work on the cropped
 * extent, as if the crop were a Slice before the Pad.  Elements are copied
 * as bytes, so the op is dtype-agnostic (packed i4 is refused). */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

typedef enum pad_mode { PAD_CONSTANT, PAD_EDGE, PAD_REFLECT, PAD_WRAP } pad_mode;

/* Per dim: pads before/after, and the kept input extent [lo, lo + keep). */
typedef struct pad_plan {
    pad_mode mode;
    int64_t before[EB_MAX_RANK], after[EB_MAX_RANK];
    int64_t lo[EB_MAX_RANK], keep[EB_MAX_RANK];
} pad_plan;

/* a + b, false on int64 overflow. */
static bool add_checked(int64_t a, int64_t b, int64_t *sum)
{
    if ((b > 0 && a > INT64_MAX - b) || (b < 0 && a < INT64_MIN - b))
        return false;
    *sum = a + b;
    return true;
}

static eb_status read_pads(const eb_node *n, const eb_tensor *const *in, int rank, pad_plan *p, eb_err *err)
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
static eb_status pad_plan_make(const eb_node *n, const eb_tensor *const *in, const eb_tensor *x, pad_plan *p,
                               int64_t out_shape[EB_MAX_RANK], eb_err *err)
{
    const char *mode = eb_attr_string(n, "mode", "constant");
    if (strcmp(mode, "constant") == 0)
        p->mode = PAD_CONSTANT;
    else if (strcmp(mode, "edge") == 0)
        p->mode = PAD_EDGE;
    else if (strcmp(mode, "reflect") == 0)
        p->mode = PAD_REFLECT;
    else if (strcmp(mode, "wrap") == 0)
        p->mode = PAD_WRAP;
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
        if (p->mode != PAD_CONSTANT && p->keep[d] == 0 && size > 0)
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
    pad_plan p;
    eb_tensor *y = out[0];
    if ((st = pad_plan_make(n, in, x, &p, y->shape, err)) != EB_OK)
        return st;
    y->dtype = x->dtype;
    y->rank = x->rank;
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "Pad: output size overflows");
    return EB_OK;
}

/* Input index along one dim for output index o, or -1 for the fill value. */
static int64_t source_index(const pad_plan *p, int d, int64_t o)
{
    int64_t keep = p->keep[d];
    int64_t c = o - (p->before[d] > 0 ? p->before[d] : 0); /* relative to the kept extent */
    if (c >= 0 && c < keep)
        return p->lo[d] + c;
    switch (p->mode) {
    case PAD_CONSTANT: return -1;
    case PAD_EDGE: c = c < 0 ? 0 : keep - 1; break;
    case PAD_WRAP:
        c %= keep;
        if (c < 0)
            c += keep;
        break;
    case PAD_REFLECT:
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

eb_status eb_ref_pad(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    pad_plan p;
    int64_t shape[EB_MAX_RANK];
    eb_status st = pad_plan_make(n, in, x, &p, shape, err);
    if (st != EB_OK)
        return st;
    int64_t total = eb_tensor_numel(y);
    if (total == 0)
        return EB_OK;
    size_t size = eb_dtypes[x->dtype].size;

    /* the fill value as bytes of x's dtype (aligned for the typed store) */
    union {
        double align;
        unsigned char bytes[16];
    } fill = {0};
    const eb_tensor *cv = n->opset >= 11 ? eb_opt_in(n, in, 2) : NULL;
    if (n->opset < 11)
        eb_dtype_set_f64(x->dtype, fill.bytes, 0, eb_attr_float(n, "value", 0.0f));
    else if (cv && eb_tensor_numel(cv) == 1)
        memcpy(fill.bytes, cv->data, size);

    int rank = x->rank;
    int64_t stride[EB_MAX_RANK];
    bool empty_in = eb_tensor_numel(x) == 0; /* then every element is the fill value */
    if (!empty_in) /* (strides of an empty input are not needed, and may overflow) */
        eb_row_major_strides(x, stride);
    const char *src = x->data;
    char *dst = y->data;
    for (int64_t i = 0; i < total; i++) {
        int64_t rem = i, off = 0;
        bool is_fill = empty_in;
        for (int d = rank - 1; d >= 0 && !is_fill; d--) {
            int64_t idx = source_index(&p, d, rem % y->shape[d]);
            rem /= y->shape[d];
            if (idx < 0)
                is_fill = true;
            else
                off += idx * stride[d];
        }
        memcpy(dst + (size_t)i * size, is_fill ? (const char *)fill.bytes : src + (size_t)off * size, size);
    }
    return EB_OK;
}
