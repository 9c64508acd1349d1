/* ref_scatter.c - ScatterElements (opsets 11-18; Scatter, opsets 9-10, is
 * the same without reduction) and ScatterND (opsets 11-18): the output is a
 * copy of `data` with each update written at the place `indices` names.
 *
 * ScatterElements: updates[i] goes to data[i with its `axis` coordinate
 * replaced by indices[i]].  ScatterND: the update slice for each index
 * tuple t (the last dim of indices, m values) goes to data[t, :].  Indices
 * may be negative (counting from the end); one out of range is an error,
 * raised before anything is written.
 *
 * `reduction` (opset 16; max/min from 18): none overwrites, add/mul/max/min
 * combine the update with the value already there, in index order, each
 * step in the data's dtype (float types computed in double and rounded
 * once per step, integers wrapping; max and min propagate NaN as numpy's
 * maximum/minimum do).  With none, ONNX leaves duplicate indices undefined;
 * here the last update in row-major order wins. */
#include <math.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* y[dst] = y[dst] (reduction) u[src]. */
static void combine(eb_scatter_red red, eb_tensor *y, int64_t dst, const eb_tensor *u, int64_t src)
{
    eb_dtype dt = y->dtype;
    if (red == EB_SCATTER_NONE) {
        size_t size = eb_dtypes[dt].size;
        memcpy((char *)y->data + (size_t)dst * size, (const char *)u->data + (size_t)src * size, size);
        return;
    }
    switch (eb_num_kind_of(dt)) {
    case EB_NUM_FLOAT: {
        double a = eb_dtype_get_f64(dt, y->data, dst), b = eb_dtype_get_f64(dt, u->data, src), r;
        switch (red) {
        case EB_SCATTER_ADD: r = a + b; break;
        case EB_SCATTER_MUL: r = a * b; break;
        case EB_SCATTER_MAX: r = isnan(a) || isnan(b) ? NAN : a > b ? a : b; break;
        default: r = isnan(a) || isnan(b) ? NAN : a < b ? a : b; break;
        }
        eb_dtype_set_f64(dt, y->data, dst, r);
        return;
    }
    case EB_NUM_SIGNED: {
        int64_t a = eb_dtype_get_i64(dt, y->data, dst), b = eb_dtype_get_i64(dt, u->data, src), r;
        switch (red) {
        case EB_SCATTER_ADD: r = eb_wrap_i64((uint64_t)a + (uint64_t)b); break;
        case EB_SCATTER_MUL: r = eb_wrap_i64((uint64_t)a * (uint64_t)b); break;
        case EB_SCATTER_MAX: r = a > b ? a : b; break;
        default: r = a < b ? a : b; break;
        }
        eb_dtype_set_i64(dt, y->data, dst, r);
        return;
    }
    case EB_NUM_UNSIGNED: {
        uint64_t a = eb_dtype_get_u64(dt, y->data, dst), b = eb_dtype_get_u64(dt, u->data, src), r;
        switch (red) {
        case EB_SCATTER_ADD: r = a + b; break;
        case EB_SCATTER_MUL: r = a * b; break;
        case EB_SCATTER_MAX: r = a > b ? a : b; break;
        default: r = a < b ? a : b; break;
        }
        eb_dtype_set_u64(dt, y->data, dst, r);
        return;
    }
    }
}

eb_status eb_ref_scatter_elements(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                  eb_err *err)
{
    const eb_tensor *data = in[0], *idx = in[1], *upd = in[2];
    eb_tensor *y = out[0];
    int axis;
    eb_norm_axis(eb_attr_int(n, "axis", 0), data->rank, &axis);
    int64_t dim = data->shape[axis];
    eb_scatter_red red;
    eb_status st = eb_scatter_reduction(n, data->dtype, &red, err);
    if (st != EB_OK || (st = eb_index_values_check(n->op_type, idx, dim, axis, err)) != EB_OK)
        return st;
    memcpy(y->data, data->data, eb_tensor_nbytes(data));
    int64_t stride[EB_MAX_RANK], pos[EB_MAX_RANK] = {0};
    eb_row_major_strides(data, stride);
    int64_t count = eb_tensor_numel(idx);
    for (int64_t i = 0; i < count; i++, eb_next_index(pos, idx->shape, idx->rank)) {
        int64_t v = eb_dtype_get_i64(idx->dtype, idx->data, i), off = 0;
        for (int d = 0; d < data->rank; d++)
            off += (d == axis ? (v < 0 ? v + dim : v) : pos[d]) * stride[d];
        combine(red, y, off, upd, i);
    }
    return EB_OK;
}

eb_status eb_ref_scatter_nd(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *data = in[0], *idx = in[1], *upd = in[2];
    eb_tensor *y = out[0];
    eb_scatter_red red;
    eb_status st = eb_scatter_reduction(n, data->dtype, &red, err);
    if (st != EB_OK || (st = eb_nd_values_check("ScatterND", data, idx, 0, err)) != EB_OK)
        return st;
    memcpy(y->data, data->data, eb_tensor_nbytes(data));
    int m = (int)idx->shape[idx->rank - 1];
    int64_t tuples = eb_dims_product(idx->shape, idx->rank - 1);
    int64_t slice = eb_dims_product(data->shape + m, data->rank - m);
    for (int64_t t = 0; t < tuples; t++) {
        int64_t off = 0;
        for (int k = 0; k < m; k++) {
            int64_t dim = data->shape[k], v = eb_dtype_get_i64(idx->dtype, idx->data, t * m + k);
            off = off * dim + (v < 0 ? v + dim : v);
        }
        for (int64_t e = 0; e < slice; e++)
            combine(red, y, off * slice + e, upd, t * slice + e);
    }
    return EB_OK;
}
