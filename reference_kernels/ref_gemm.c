/* ref_gemm.c - Gemm: Y = alpha * A' * B' + beta * C, where A' and B' are A
 * and B optionally transposed (transA, transB) and C, optional, broadcasts
 * unidirectionally to (M, N).  f32 and f64; f32 accumulates in float.
 *
 * Opset 6's `broadcast` attribute is ignored: C is always allowed to
 * broadcast (a superset of the old rule).  When beta is 0, C is not read at
 * all, so a C holding NaN or garbage does not leak into Y (as in
 * onnxruntime). */
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_quant.h"
#include "reference_kernels/ref_util.h"

/* Y[i][j] = alpha * sum_k A'[i][k] B'[k][j] + beta * C[i][j] for float type T,
 * accumulating in T.  C's strides are 0 along its broadcast dims. */
#define DEFINE_GEMM(T, SUFFIX)                                                                     \
    static void gemm_##SUFFIX(const eb_tensor *a, const eb_tensor *b, const eb_tensor *c,          \
                              const int64_t c_stride[2], bool trans_a, bool trans_b, T alpha,      \
                              T beta, eb_tensor *y)                                                \
    {                                                                                              \
        const T *ad = a->data, *bd = b->data, *cd = c ? c->data : NULL;                            \
        T *yd = y->data;                                                                           \
        int64_t m = y->shape[0], nn = y->shape[1], k = trans_a ? a->shape[0] : a->shape[1];        \
        for (int64_t i = 0; i < m; i++) {                                                          \
            for (int64_t j = 0; j < nn; j++) {                                                     \
                T acc = 0;                                                                         \
                for (int64_t p = 0; p < k; p++) {                                                  \
                    T av = trans_a ? ad[p * m + i] : ad[i * k + p];                                \
                    T bv = trans_b ? bd[j * k + p] : bd[p * nn + j];                               \
                    acc += av * bv;                                                                \
                }                                                                                  \
                T v = alpha * acc;                                                                 \
                if (cd)                                                                            \
                    v += beta * cd[i * c_stride[0] + j * c_stride[1]];                             \
                yd[i * nn + j] = v;                                                                \
            }                                                                                      \
        }                                                                                          \
    }

DEFINE_GEMM(float, f32)
DEFINE_GEMM(double, f64)

eb_status eb_ref_gemm(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    if (eb_ref_weight_compressed(n, in))
        return eb_ref_compressed(n, in, out, err);
    const eb_tensor *a = in[0], *b = in[1], *c = eb_opt_in(n, in, 2);
    eb_tensor *y = out[0];
    bool trans_a = eb_attr_int(n, "transA", 0) != 0, trans_b = eb_attr_int(n, "transB", 0) != 0;
    float alpha = eb_attr_float(n, "alpha", 1.0f), beta = eb_attr_float(n, "beta", 1.0f);
    if (beta == 0.0f)
        c = NULL;
    int64_t c_stride[EB_MAX_RANK] = {0};
    if (c)
        eb_broadcast_strides(c, y, c_stride);
    if (y->dtype == EB_DT_F64)
        gemm_f64(a, b, c, c_stride, trans_a, trans_b, alpha, beta, y);
    else
        gemm_f32(a, b, c, c_stride, trans_a, trans_b, alpha, beta, y);
    return EB_OK;
}
