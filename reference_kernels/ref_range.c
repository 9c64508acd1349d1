/* ref_range.c - Range: start, start + delta, ... up to (not including) limit.
 *
 * start, limit and delta are one-element tensors of one dtype (f32, f64,
 * i16, i32 or i64) and must be known at load time: the element count,
 * max(ceil((limit - start) / delta), 0), is the output's shape.  Element i
 * is start + i * delta, computed in double for floats (rounded once to the
 * output dtype) and exactly for integers, rather than by repeated addition,
 * so the reference carries no accumulated rounding. */
#include <math.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_range(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_tensor *y = out[0];
    eb_dtype dt = y->dtype;
    int64_t count = eb_tensor_numel(y);
    if (eb_dtypes[dt].is_float) {
        double s = eb_dtype_get_f64(dt, in[0]->data, 0), d = eb_dtype_get_f64(dt, in[2]->data, 0);
        for (int64_t i = 0; i < count; i++)
            eb_dtype_set_f64(dt, y->data, i, s + (double)i * d);
        return EB_OK;
    }
    /* every element lies between start and limit, so the wrapped uint64
     * arithmetic lands on a representable value */
    uint64_t s = (uint64_t)eb_dtype_get_i64(dt, in[0]->data, 0), d = (uint64_t)eb_dtype_get_i64(dt, in[2]->data, 0);
    for (int64_t i = 0; i < count; i++)
        eb_dtype_set_i64(dt, y->data, i, (int64_t)(s + (uint64_t)i * d));
    return EB_OK;
}
