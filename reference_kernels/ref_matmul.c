/* ref_matmul.c - MatMul with numpy.matmul semantics: a 1-D A is taken as a
 * row [1, K] and a 1-D B as a column [K, 1], the added dim being dropped
 * from the result; the leading (batch) dims broadcast against each other.
 *
 * f32 and f64 accumulate in their own type.  The integer types (i32, i64,
 * u32, u64) accumulate in 64-bit unsigned arithmetic, so that overflow wraps
 * (two's complement) instead of being undefined. */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_quant.h"
#include "reference_kernels/ref_util.h"

/* One [m,k] x [k,n] product for float type T, accumulating in T. */
#define DEFINE_MATMUL(T, SUFFIX)                                                                   \
    static void matmul_##SUFFIX(const T *a, const T *b, T *y, int64_t m, int64_t k, int64_t nn)   \
    {                                                                                              \
        for (int64_t i = 0; i < m; i++)                                                            \
            for (int64_t j = 0; j < nn; j++) {                                                     \
                T acc = 0;                                                                         \
                for (int64_t p = 0; p < k; p++)                                                    \
                    acc += a[i * k + p] * b[p * nn + j];                                           \
                y[i * nn + j] = acc;                                                               \
            }                                                                                      \
    }

DEFINE_MATMUL(float, f32)
DEFINE_MATMUL(double, f64)

/* One product for the integer types; element offsets a0, b0, y0 into the
 * tensors' data. */
static void matmul_int(eb_dtype dt, const void *a, int64_t a0, const void *b, int64_t b0, void *y, int64_t y0,
                       int64_t m, int64_t k, int64_t nn)
{
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < nn; j++) {
            uint64_t acc = 0;
            for (int64_t p = 0; p < k; p++)
                acc += (uint64_t)eb_dtype_get_i64(dt, a, a0 + i * k + p) *
                       (uint64_t)eb_dtype_get_i64(dt, b, b0 + p * nn + j);
            eb_dtype_set_i64(dt, y, y0 + i * nn + j, (int64_t)acc);
        }
}

eb_status eb_ref_matmul(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    if (eb_ref_weight_compressed(n, in))
        return eb_ref_compressed(n, in, out, err);
    const eb_tensor *a = in[0], *b = in[1];
    eb_tensor *y = out[0];
    eb_mm_view va, vb;
    eb_mm_view_of(a, false, &va);
    eb_mm_view_of(b, true, &vb);
    eb_tensor yb = {0}; /* the output's batch dims */
    const eb_tensor *batches[2] = {&va.batch, &vb.batch};
    if (eb_broadcast_shapes("MatMul", batches, 2, &yb, err) != EB_OK)
        return EB_EINVAL;
    int64_t sa[EB_MAX_RANK], sb[EB_MAX_RANK];
    eb_broadcast_strides(&va.batch, &yb, sa);
    eb_broadcast_strides(&vb.batch, &yb, sb);

    int64_t m = va.rows, k = va.cols, nn = vb.cols;
    /* Y arrives zeroed, which is already the product when K is 0 */
    if (k == 0 || eb_tensor_numel(y) == 0)
        return EB_OK;
    int64_t count = eb_tensor_numel(&yb);
    for (int64_t i = 0; i < count; i++) {
        /* offsets in matrices, then in elements */
        int64_t a0 = eb_broadcast_offset(&yb, sa, i) * m * k;
        int64_t b0 = eb_broadcast_offset(&yb, sb, i) * k * nn;
        int64_t y0 = i * m * nn;
        switch (y->dtype) {
        case EB_DT_F32:
            matmul_f32((const float *)a->data + a0, (const float *)b->data + b0, (float *)y->data + y0, m, k, nn);
            break;
        case EB_DT_F64:
            matmul_f64((const double *)a->data + a0, (const double *)b->data + b0, (double *)y->data + y0, m, k,
                       nn);
            break;
        default:
            matmul_int(y->dtype, a->data, a0, b->data, b0, y->data, y0, m, k, nn);
            break;
        }
    }
    return EB_OK;
}
