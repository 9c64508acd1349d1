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

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_pad(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    eb_pad_plan p;
    int64_t shape[EB_MAX_RANK];
    eb_status st = eb_pad_plan_make(n, in, x, &p, shape, err);
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
            int64_t idx = eb_pad_source(&p, d, rem % y->shape[d]);
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
