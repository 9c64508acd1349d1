/* ref_pool.c - MaxPool and AveragePool (1-D to (EB_MAX_RANK-2)-D windows with
 * kernel_shape, strides, pads, dilations, ceil_mode, auto_pad,
 * count_include_pad, and MaxPool's optional Indices output honouring
 * storage_order), GlobalAveragePool and GlobalMaxPool.
 *
 * Every element is read and written as a double (eb_dtype_get_f64 /
 * eb_dtype_set_f64): exact for the float types and the small integer types
 * MaxPool accepts, and sums for averages are taken in double.  The window
 * geometry is computed by one function, eb_pool_geometry
 * (models/shape_pool.c), that both the shape rule and the kernel call (its
 * strides/dilations/pads/ceil_mode/auto_pad part is eb_window_geometry in
 * models/op_attrs.c, shared with Conv).  MaxPool propagates NaN, as
 * numpy's max does; a window that holds no input element at all (only
 * possible with pads of a kernel's size) gives the type's lowest value and
 * index -1 for MaxPool, and 0 for AveragePool without count_include_pad. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* The lowest value of a MaxPool dtype: the result of a window with no input
 * element (onnxruntime's choice). */
static double lowest(eb_dtype dt)
{
    switch (dt) {
    case EB_DT_F32: return -FLT_MAX;
    case EB_DT_F64: return -DBL_MAX;
    case EB_DT_F16: return -65504.0;
    case EB_DT_I8: return INT8_MIN;
    case EB_DT_I16: return INT16_MIN;
    case EB_DT_I32: return INT32_MIN;
    default: return 0; /* unsigned */
    }
}

eb_status eb_ref_pool(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    eb_tensor *indices = n->op == EB_OP_MAX_POOL && eb_has_output(n, out, 1) ? out[1] : NULL;
    eb_window g;
    eb_status st = eb_pool_geometry(n, x, &g, err);
    if (st != EB_OK)
        return st;
    bool is_max = eb_is_max_pool(n);
    bool count_pad = eb_attr_int(n, "count_include_pad", 0) == 1;
    bool col_major = eb_attr_int(n, "storage_order", 0) == 1;

    /* element strides of the input spatial dims for Indices: row-major by
     * default, column-major over the spatial dims with storage_order=1 */
    int64_t idx_stride[EB_MAX_SPATIAL];
    int64_t s = 1;
    for (int k = 0; k < g.nd; k++) {
        int d = col_major ? k : g.nd - 1 - k;
        idx_stride[d] = s;
        s *= g.in[d];
    }

    int64_t planes = x->shape[0] * x->shape[1];
    int64_t in_plane = eb_dims_product(g.in, g.nd), out_plane = eb_dims_product(g.out, g.nd);
    int64_t k_plane = eb_dims_product(g.kernel, g.nd);
    for (int64_t p = 0; p < planes; p++) {
        int64_t opos[EB_MAX_SPATIAL] = {0};
        for (int64_t o = 0; o < out_plane; o++, eb_next_index(opos, g.out, g.nd)) {
            double best = lowest(x->dtype), sum = 0;
            int64_t best_idx = -1, n_real = 0, n_padded = 0;
            int64_t kpos[EB_MAX_SPATIAL] = {0};
            for (int64_t k = 0; k < k_plane; k++, eb_next_index(kpos, g.kernel, g.nd)) {
                bool inside = true, in_padded = true;
                int64_t off = 0, idx = 0;
                for (int d = 0; d < g.nd; d++) {
                    int64_t ip = opos[d] * g.stride[d] - g.pad_begin[d] + kpos[d] * g.dil[d];
                    if (ip < 0 || ip >= g.in[d])
                        inside = false;
                    /* ceil_mode windows may reach past the trailing padding;
                     * those taps do not count, even with count_include_pad */
                    if (ip < -g.pad_begin[d] || ip >= g.in[d] + g.pad_end[d])
                        in_padded = false;
                    off = off * g.in[d] + ip;
                    idx += ip * idx_stride[d];
                }
                if (in_padded)
                    n_padded++;
                if (!inside)
                    continue;
                double v = eb_dtype_get_f64(x->dtype, x->data, p * in_plane + off);
                n_real++;
                sum += v;
                if (best_idx < 0 || v > best || (isnan(v) && !isnan(best))) {
                    best = v;
                    best_idx = idx;
                }
            }
            int64_t oi = p * out_plane + o;
            if (is_max) {
                eb_dtype_set_f64(y->dtype, y->data, oi, best);
                if (indices)
                    ((int64_t *)indices->data)[oi] = best_idx < 0 ? -1 : p * in_plane + best_idx;
            } else {
                int64_t count = count_pad ? n_padded : n_real;
                eb_dtype_set_f64(y->dtype, y->data, oi, count ? sum / (double)count : 0.0);
            }
        }
    }
    return EB_OK;
}

eb_status eb_ref_global_pool(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                             eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    bool is_max = eb_is_max_pool(n);
    int64_t planes = x->shape[0] * x->shape[1];
    int64_t plane = eb_tensor_numel(x) / (planes ? planes : 1);
    for (int64_t p = 0; p < planes; p++) {
        double best = -INFINITY, sum = 0;
        for (int64_t i = 0; i < plane; i++) {
            double v = eb_dtype_get_f64(x->dtype, x->data, p * plane + i);
            sum += v;
            if (v > best || (isnan(v) && !isnan(best)))
                best = v;
        }
        eb_dtype_set_f64(y->dtype, y->data, p, is_max ? best : sum / (double)plane);
    }
    return EB_OK;
}
