/* ref_resize.c - Resize and Upsample: nearest, n-linear and cubic
 * resampling over any axes, every coordinate transform.
 *
 * The geometry is eb_resize_plan_make and eb_resize_taps
 * (models/shape_resize.c), shared with the shape rule and the cpu runner.
 * The kernel is the separable definition: each output element is the sum,
 * over every combination of its per-axis taps, of the product of the tap
 * weights times the input element there, computed in double.  Nearest
 * (one tap per axis) copies elements as bytes, so it takes any dtype of
 * whole bytes; linear and cubic take the float types. */
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* The taps of every output coordinate of one axis, zero weights dropped. */
typedef struct axis_taps {
    int *count;     /* per output coordinate; 0: extrapolate */
    int64_t *idx;   /* 4 per output coordinate */
    double *w;
} axis_taps;

eb_status eb_ref_resize(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    eb_resize_plan p;
    eb_status st = eb_resize_plan_make(n, in, &p, err);
    if (st != EB_OK)
        return st;
    int rank = x->rank;
    axis_taps ax[EB_MAX_RANK] = {{0}};
    st = EB_OK;
    for (int d = 0; d < rank && st == EB_OK; d++) {
        int64_t len = y->shape[d];
        ax[d].count = malloc((size_t)(len ? len : 1) * sizeof *ax[d].count);
        ax[d].idx = malloc((size_t)(len ? len : 1) * 4 * sizeof *ax[d].idx);
        ax[d].w = malloc((size_t)(len ? len : 1) * 4 * sizeof *ax[d].w);
        if (!ax[d].count || !ax[d].idx || !ax[d].w) {
            st = eb_errf(err, EB_ENOMEM, "Resize: out of memory for the tap tables");
            break;
        }
        for (int64_t o = 0; o < len; o++) {
            int64_t idx[4];
            double w[4];
            int k = eb_resize_taps(&p, d, x->shape[d], o, idx, w), kept = 0;
            for (int i = 0; i < k; i++)
                if (w[i] != 0.0 || (i == k - 1 && kept == 0)) {
                    ax[d].idx[o * 4 + kept] = idx[i];
                    ax[d].w[o * 4 + kept] = w[i];
                    kept++;
                }
            ax[d].count[o] = kept;
        }
    }

    if (st == EB_OK) {
        int64_t xs[EB_MAX_RANK], opos[EB_MAX_RANK] = {0}, total = eb_tensor_numel(y);
        eb_row_major_strides(x, xs);
        size_t size = eb_dtypes[x->dtype].size;
        bool as_bytes = p.mode == EB_RESIZE_NEAREST && !eb_dtypes[x->dtype].is_float;
        for (int64_t i = 0; i < total; i++, eb_next_index(opos, y->shape, rank)) {
            bool extrapolate = false;
            for (int d = 0; d < rank; d++)
                extrapolate = extrapolate || ax[d].count[opos[d]] == 0;
            if (extrapolate) {
                eb_dtype_set_f64(y->dtype, y->data, i, p.extrapolation);
                continue;
            }
            if (as_bytes) {
                int64_t off = 0;
                for (int d = 0; d < rank; d++)
                    off += ax[d].idx[opos[d] * 4] * xs[d];
                memcpy((char *)y->data + (size_t)i * size, (const char *)x->data + (size_t)off * size, size);
                continue;
            }
            /* every combination of the axes' taps, as a mixed-radix counter */
            int t[EB_MAX_RANK] = {0};
            double acc = 0;
            for (;;) {
                double wt = 1;
                int64_t off = 0;
                for (int d = 0; d < rank; d++) {
                    int64_t e = opos[d] * 4 + t[d];
                    wt *= ax[d].w[e];
                    off += ax[d].idx[e] * xs[d];
                }
                acc += wt * eb_dtype_get_f64(x->dtype, x->data, off);
                int d = rank - 1;
                while (d >= 0 && ++t[d] == ax[d].count[opos[d]])
                    t[d--] = 0;
                if (d < 0)
                    break;
            }
            eb_dtype_set_f64(y->dtype, y->data, i, acc);
        }
    }
    for (int d = 0; d < rank; d++) {
        free(ax[d].count);
        free(ax[d].idx);
        free(ax[d].w);
    }
    return st;
}
