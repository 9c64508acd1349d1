/* ref_constant.c - Constant and ConstantOfShape.
 *
 * Constant outputs the tensor held by whichever one of its attributes is
 * set: `value` (a tensor of any dtype of whole bytes), `value_float(s)`
 * (f32) or `value_int(s)` (i64); sparse and string constants are not
 * supported.  ConstantOfShape fills a tensor whose shape is the values of
 * its input (known at load time) with the single element of its `value`
 * attribute, f32 0 by default; an empty shape gives a scalar. */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_constant(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_attr *a;
    eb_status st = eb_constant_attr(n, &a, err);
    if (st != EB_OK)
        return st;
    eb_tensor *y = out[0];
    switch (a->type) {
    case EB_ATTR_TENSOR: {
        size_t nb = eb_tensor_nbytes(a->t);
        if (nb > 0)
            memcpy(y->data, a->t->data, nb);
        break;
    }
    case EB_ATTR_FLOAT: ((float *)y->data)[0] = a->f; break;
    case EB_ATTR_INT: ((int64_t *)y->data)[0] = a->i; break;
    case EB_ATTR_FLOATS:
        if (a->n > 0)
            memcpy(y->data, a->floats, a->n * sizeof(float));
        break;
    default:
        if (a->n > 0)
            memcpy(y->data, a->ints, a->n * sizeof(int64_t));
        break;
    }
    return EB_OK;
}

eb_status eb_ref_constant_of_shape(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                   eb_err *err)
{
    const eb_tensor *value;
    eb_status st = eb_constant_fill_value(n, &value, err);
    if (st != EB_OK)
        return st;
    eb_tensor *y = out[0];
    if (!value) {
        /* f32 0 is all-zero bytes; written even though outputs arrive zeroed,
         * as a runner may reuse the buffer */
        size_t nb = eb_tensor_nbytes(y);
        if (nb > 0)
            memset(y->data, 0, nb);
        return EB_OK;
    }
    size_t size = eb_dtypes[y->dtype].size;
    int64_t count = eb_tensor_numel(y);
    for (int64_t i = 0; i < count; i++)
        memcpy((char *)y->data + (size_t)i * size, value->data, size);
    return EB_OK;
}
