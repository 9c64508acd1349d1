/* ref_reshape.c - ops that change a tensor's shape but not its bytes:
 * Flatten, Reshape, Squeeze, Unsqueeze, Identity and inference-mode Dropout.
 *
 * A contiguous row-major tensor keeps its element order under all of these,
 * so every kernel is one memcpy of the input's bytes; the work is in the
 * shape rules.  They are dtype-agnostic (any dtype of whole bytes; packed
 * i4 is refused like everywhere else in the data-movement ops).  Parameter
 * tensors (Reshape's shape, the axes inputs from opset 13) must be known at
 * load time, since the output shape depends on their values. */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* The kernels of every op here: the output holds the input's bytes. */
static eb_status copy_bytes(const eb_tensor *src, eb_tensor *dst)
{
    size_t nb = eb_tensor_nbytes(src);
    if (nb > 0)
        memcpy(dst->data, src->data, nb);
    return EB_OK;
}

eb_status eb_ref_flatten(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    return copy_bytes(in[0], out[0]);
}

eb_status eb_ref_reshape(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    return copy_bytes(in[0], out[0]);
}

eb_status eb_ref_squeeze(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    return copy_bytes(in[0], out[0]);
}

eb_status eb_ref_unsqueeze(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    return copy_bytes(in[0], out[0]);
}

eb_status eb_ref_identity(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    return copy_bytes(in[0], out[0]);
}

eb_status eb_ref_dropout(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    copy_bytes(in[0], out[0]);
    if (n->n_out > 1 && out[1]) {
        eb_tensor *mask = out[1];
        int64_t count = eb_tensor_numel(mask);
        for (int64_t i = 0; i < count; i++)
            eb_dtype_set_f64(mask->dtype, mask->data, i, 1.0);
    }
    return EB_OK;
}
