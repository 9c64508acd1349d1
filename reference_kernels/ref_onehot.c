/* ref_onehot.c - OneHot (opsets 9-11): for each index, a run of depth
 * elements along the new `axis` (default -1, the last), values[1] (on) at
 * the index and values[0] (off) elsewhere.
 *
 * Indices of any numeric type are truncated to integers; a negative one
 * counts from the end (opset 11), and one outside [-depth, depth) gives a
 * run of off values, as the spec says (not an error).  Values are copied
 * as bytes.  depth is the output's axis length, which the shape rule read. */
#include <math.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_onehot(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    (void)err;
    const eb_tensor *idx = in[0], *values = in[2];
    eb_tensor *y = out[0];
    int axis;
    eb_norm_axis(eb_attr_int(n, "axis", -1), idx->rank + 1, &axis);
    int64_t depth = y->shape[axis], total = eb_tensor_numel(y), count = eb_tensor_numel(idx);
    int64_t inner = eb_dims_product(idx->shape + axis, idx->rank - axis);
    size_t size = eb_dtypes[y->dtype].size;
    const char *off = values->data, *on = (const char *)values->data + size;
    char *py = y->data;
    for (int64_t i = 0; i < total; i++)
        memcpy(py + (size_t)i * size, off, size);
    for (int64_t j = 0; j < count; j++) {
        double v = eb_dtypes[idx->dtype].is_float ? trunc(eb_dtype_get_f64(idx->dtype, idx->data, j))
                                                   : (double)eb_dtype_get_i64(idx->dtype, idx->data, j);
        if (v < 0)
            v += (double)depth;
        if (!(v >= 0 && v < (double)depth)) /* NaN too */
            continue;
        int64_t o = j / inner, i = j % inner;
        memcpy(py + (size_t)((o * depth + (int64_t)v) * inner + i) * size, on, size);
    }
    return EB_OK;
}
