/* ref_cast.c - Cast: converts a tensor to the dtype named by the `to`
 * attribute (an ONNX TensorProto.DataType code); CastLike (opset 15) to
 * the dtype of its second input, by the same rules.
 *
 * Every dtype in models/dtype.h but packed i4 converts to every other one.
 * Each element is read exactly (as double for float types, int64 or uint64
 * for integers) and converted once, so there is no double rounding:
 *   - to bool: v != 0 (NaN is true);
 *   - float to integer: truncated toward zero (ONNX's rule); NaN gives 0 and
 *     values outside the target's range saturate (ONNX leaves them
 *     undefined, C makes them UB);
 *   - integer to integer: two's-complement wrap-around, as numpy's astype
 *     and a C cast on every target the suite runs on;
 *   - to f16: round to nearest even; from f64 directly, not through f32,
 *     which could round twice.
 * Integers convert to float types and to other integers, and float types
 * to float types, by the element access of models/dtype.h, which follows
 * these rules; only float to integer needs its own store here.
 * The opset 19 `saturate` attribute concerns float8 types only. */
#include <math.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* Float value v into integer dtype dt: truncated, NaN to 0, saturated. */
static void store_float_as_int(eb_dtype dt, void *data, int64_t i, double v)
{
    int bits = (int)eb_dtypes[dt].size * 8;
    double t = trunc(v);
    if (isnan(t))
        t = 0;
    if (eb_dtypes[dt].is_signed) {
        int64_t max = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
        double lim = ldexp(1.0, bits - 1);
        int64_t r = t >= lim ? max : t < -lim ? -max - 1 : (int64_t)t;
        eb_dtype_set_i64(dt, data, i, r);
    } else {
        uint64_t max = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
        double lim = ldexp(1.0, bits);
        uint64_t r = t >= lim ? max : t < 0 ? 0 : (uint64_t)t;
        eb_dtype_set_u64(dt, data, i, r);
    }
}

/* Float value v into dtype dt: float types and bool as eb_dtype_set_f64
 * does (f16 in one rounding), integers by store_float_as_int. */
static void store_f64(eb_dtype dt, void *data, int64_t i, double v)
{
    if (eb_dtypes[dt].is_float || dt == EB_DT_BOOL)
        eb_dtype_set_f64(dt, data, i, v);
    else
        store_float_as_int(dt, data, i, v);
}

eb_status eb_ref_cast(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    eb_dtype src = x->dtype, dst = y->dtype;
    int64_t count = eb_tensor_numel(x);
    for (int64_t i = 0; i < count; i++) {
        if (eb_dtypes[src].is_float)
            store_f64(dst, y->data, i, eb_dtype_get_f64(src, x->data, i));
        else if (src == EB_DT_U64)
            eb_dtype_set_u64(dst, y->data, i, eb_dtype_get_u64(src, x->data, i));
        else
            eb_dtype_set_i64(dst, y->data, i, eb_dtype_get_i64(src, x->data, i));
    }
    return EB_OK;
}
