/* ref_softmax.c - Softmax, LogSoftmax and Hardmax for f32, f64 and f16.
 *
 * The axis semantics change at opset 13.  Before it, the input is coerced
 * to 2-D, [prod(dims before axis), prod(dims from axis)], and the op runs
 * over the second of those (default axis 1); from 13 it runs along the one
 * dim `axis` (default -1).  Both are the same loop over (outer, len, inner)
 * with the reduced run of `len` elements `inner` apart.
 *
 * Computed in double, stably: the maximum of each run is subtracted before
 * exponentiating, so large inputs do not overflow.  LogSoftmax is
 * (x - max) - log(sum(exp(x - max))), not log of the Softmax, which would
 * lose small probabilities to underflow.
 *
 * Hardmax writes 1 at the first maximum of each run and 0 elsewhere (ties:
 * the lowest index, as numpy's argmax; a NaN counts as the maximum). */
#include <math.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* One run of Hardmax: len elements from base, inner apart. */
static void hardmax_run(const eb_tensor *x, eb_tensor *y, int64_t base, int64_t len, int64_t inner)
{
    int64_t best = 0;
    double bv = len ? eb_dtype_get_f64(x->dtype, x->data, base) : 0;
    for (int64_t j = 1; j < len && !isnan(bv); j++) {
        double v = eb_dtype_get_f64(x->dtype, x->data, base + j * inner);
        if (isnan(v) || v > bv)
            best = j, bv = v;
    }
    for (int64_t j = 0; j < len; j++)
        eb_dtype_set_f64(y->dtype, y->data, base + j * inner, j == best);
}

eb_status eb_ref_softmax(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    bool is_log = n->op == EB_OP_LOG_SOFTMAX;
    int axis;
    if (!eb_softmax_axis(n, x, &axis))
        return eb_errf(err, EB_EINVAL, "%s: axis out of range", n->op_type);

    int64_t outer = 1, len = 1, inner = 1;
    for (int d = 0; d < x->rank; d++) {
        if (d < axis)
            outer *= x->shape[d];
        else if (d == axis || n->opset < 13)
            len *= x->shape[d];
        else
            inner *= x->shape[d];
    }
    for (int64_t o = 0; o < outer; o++) {
        for (int64_t i = 0; i < inner; i++) {
            int64_t base = o * len * inner + i;
            if (n->op == EB_OP_HARDMAX) {
                hardmax_run(x, y, base, len, inner);
                continue;
            }
            double max = -INFINITY, sum = 0;
            for (int64_t j = 0; j < len; j++) {
                double v = eb_dtype_get_f64(x->dtype, x->data, base + j * inner);
                if (v > max)
                    max = v;
            }
            for (int64_t j = 0; j < len; j++)
                sum += exp(eb_dtype_get_f64(x->dtype, x->data, base + j * inner) - max);
            double log_sum = log(sum);
            for (int64_t j = 0; j < len; j++) {
                double shifted = eb_dtype_get_f64(x->dtype, x->data, base + j * inner) - max;
                eb_dtype_set_f64(y->dtype, y->data, base + j * inner,
                                 is_log ? shifted - log_sum : exp(shifted) / sum);
            }
        }
    }
    return EB_OK;
}
