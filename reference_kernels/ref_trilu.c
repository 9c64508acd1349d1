/* ref_trilu.c - Trilu and CumSum.
 *
 * Trilu keeps, in every matrix of the last two dims, the elements on and
 * above (upper=1) or on and below (upper=0) diagonal k, and zeroes the
 * rest; element (i, j) is on or above diagonal k when j - i >= k, on or below when
 * j - i <= k.  Elements
 * are copied as bytes, so any whole-byte dtype works.
 *
 * CumSum sums along one axis: y[i] = x[0] + ... + x[i], or with
 * exclusive=1 up to x[i-1] (the first is 0), and with reverse=1 from the
 * end.  Floats accumulate in double and round once per output; integers
 * wrap modulo 2^bits, as the elementwise Add does. */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_trilu(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    int64_t k;
    eb_status st = eb_trilu_k(n, eb_opt_in(n, in, 1), &k, err);
    if (st != EB_OK)
        return st;
    bool upper = eb_attr_int(n, "upper", 1) != 0;
    size_t size = eb_dtypes[x->dtype].size;
    int64_t rows = x->shape[x->rank - 2], cols = x->shape[x->rank - 1];
    int64_t mats = eb_dims_product(x->shape, x->rank - 2);
    const char *px = x->data;
    char *py = y->data;
    for (int64_t m = 0; m < mats; m++)
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < cols; j++) {
                size_t off = (size_t)((m * rows + i) * cols + j) * size;
                int64_t d = j - i; /* small: no overflow against any k */
                if (upper ? d >= k : d <= k)
                    memcpy(py + off, px + off, size);
                else
                    memset(py + off, 0, size);
            }
    return EB_OK;
}

eb_status eb_ref_cumsum(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    int axis;
    eb_status st = eb_cumsum_axis(n, x, in[1], &axis, err);
    if (st != EB_OK)
        return st;
    if (axis < 0)
        return eb_errf(err, EB_EINVAL, "CumSum: node '%s': axis has no value", n->name);
    bool exclusive = eb_attr_int(n, "exclusive", 0) != 0, reverse = eb_attr_int(n, "reverse", 0) != 0;
    int64_t outer = eb_dims_product(x->shape, axis), len = x->shape[axis];
    int64_t inner = eb_dims_product(x->shape + axis + 1, x->rank - axis - 1);
    bool is_float = eb_num_kind_of(x->dtype) == EB_NUM_FLOAT;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t in_i = 0; in_i < inner; in_i++) {
            double fs = 0;
            uint64_t us = 0;
            for (int64_t t = 0; t < len; t++) {
                int64_t a = reverse ? len - 1 - t : t;
                int64_t idx = (o * len + a) * inner + in_i;
                if (exclusive) {
                    if (is_float)
                        eb_dtype_set_f64(y->dtype, y->data, idx, fs);
                    else
                        eb_dtype_set_u64(y->dtype, y->data, idx, us);
                }
                if (is_float)
                    fs += eb_dtype_get_f64(x->dtype, x->data, idx);
                else
                    us += eb_dtype_get_u64(x->dtype, x->data, idx);
                if (!exclusive) {
                    if (is_float)
                        eb_dtype_set_f64(y->dtype, y->data, idx, fs);
                    else
                        eb_dtype_set_u64(y->dtype, y->data, idx, us);
                }
            }
        }
    return EB_OK;
}
