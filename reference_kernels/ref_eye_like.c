/* ref_eye_like.c - EyeLike (opset 9): ones at [i, i + k] (k, default 0,
 * above the main diagonal when positive, below when negative), zeros
 * elsewhere; the input gives only the shape (and, without `dtype`, the
 * dtype).  A k beyond the matrix gives all zeros. */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_eye_like(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    (void)in;
    (void)err;
    eb_tensor *y = out[0];
    int64_t rows = y->shape[0], cols = y->shape[1], k = eb_attr_int(n, "k", 0);
    memset(y->data, 0, eb_tensor_nbytes(y));
    for (int64_t i = 0; i < rows; i++) {
        int64_t j = i + k;
        if (j >= 0 && j < cols)
            eb_dtype_set_i64(y->dtype, y->data, i * cols + j, 1);
    }
    return EB_OK;
}
