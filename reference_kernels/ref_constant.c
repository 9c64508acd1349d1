/* ref_constant.c - Constant and ConstantOfShape.
 *
 * Constant outputs the tensor held by whichever one of its attributes is
 * set: `value` (a tensor of any dtype of whole bytes), `value_float(s)`
 * (f32) or `value_int(s)` (i64); sparse and string constants are not
 * supported.  ConstantOfShape fills a tensor whose shape is the values of
 * its input (known at load time) with the single element of its `value`
 * attribute, f32 0 by default; an empty shape gives a scalar. */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

/* ---- Constant ----------------------------------------------------------- */

/* The attribute that carries the value; EB_EUNSUPPORTED/EB_EINVAL when it is
 * a kind this suite does not hold, or there is not exactly one. */
static eb_status constant_attr(const eb_node *n, const eb_attr **out, eb_err *err)
{
    static const char *const names[] = {"value",     "value_float",  "value_floats",  "value_int",
                                        "value_ints", "value_string", "value_strings", "sparse_value"};
    const eb_attr *found = NULL;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const eb_attr *a = eb_node_attr(n, names[k]);
        if (!a)
            continue;
        if (found)
            return eb_errf(err, EB_EINVAL, "Constant: both '%s' and '%s' are set", found->name, a->name);
        found = a;
    }
    if (!found)
        return eb_errf(err, EB_EINVAL, "Constant: no value attribute");
    const char *name = found->name;
    if (strcmp(name, "sparse_value") == 0 || strncmp(name, "value_string", 12) == 0)
        return eb_errf(err, EB_EUNSUPPORTED, "Constant: attribute '%s' not supported", name);
    eb_attr_type want = strcmp(name, "value") == 0          ? EB_ATTR_TENSOR
                        : strcmp(name, "value_float") == 0  ? EB_ATTR_FLOAT
                        : strcmp(name, "value_floats") == 0 ? EB_ATTR_FLOATS
                        : strcmp(name, "value_int") == 0    ? EB_ATTR_INT
                                                            : EB_ATTR_INTS;
    if (found->type != want || (want == EB_ATTR_TENSOR && !found->t))
        return eb_errf(err, EB_EINVAL, "Constant: attribute '%s' has the wrong type", name);
    *out = found;
    return EB_OK;
}

eb_status eb_shape_constant(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_attr *a;
    eb_status st = constant_attr(n, &a, err);
    if (st != EB_OK)
        return st;
    eb_tensor *y = out[0];
    switch (a->type) {
    case EB_ATTR_TENSOR: {
        const eb_tensor *t = a->t;
        if ((st = eb_check_byte_dtype("Constant", t, err)) != EB_OK)
            return st;
        if (!eb_valid_shape(t))
            return eb_errf(err, EB_EINVAL, "Constant: value has an invalid shape");
        if (eb_tensor_numel(t) > 0 && !t->data)
            return eb_errf(err, EB_EINVAL, "Constant: value has no data");
        eb_tensor_copy_meta(y, t);
        return EB_OK;
    }
    case EB_ATTR_FLOAT:
    case EB_ATTR_INT:
        y->dtype = a->type == EB_ATTR_FLOAT ? EB_DT_F32 : EB_DT_I64;
        y->rank = 0;
        return EB_OK;
    default: /* FLOATS, INTS */
        y->dtype = a->type == EB_ATTR_FLOATS ? EB_DT_F32 : EB_DT_I64;
        y->rank = 1;
        y->shape[0] = (int64_t)a->n;
        return EB_OK;
    }
}

eb_status eb_ref_constant(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_attr *a;
    eb_status st = constant_attr(n, &a, err);
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

/* ---- ConstantOfShape ---------------------------------------------------- */

/* The fill value's tensor, or NULL for the default f32 0. */
static eb_status fill_value(const eb_node *n, const eb_tensor **value, eb_err *err)
{
    const eb_attr *a = eb_node_attr(n, "value");
    *value = NULL;
    if (!a)
        return EB_OK;
    if (a->type != EB_ATTR_TENSOR || !a->t)
        return eb_errf(err, EB_EINVAL, "ConstantOfShape: attribute 'value' is not a tensor");
    const eb_tensor *t = a->t;
    eb_status st = eb_check_byte_dtype("ConstantOfShape", t, err);
    if (st != EB_OK)
        return st;
    if (eb_tensor_numel(t) != 1 || !t->data)
        return eb_errf(err, EB_EINVAL, "ConstantOfShape: attribute 'value' must hold exactly one element");
    *value = t;
    return EB_OK;
}

eb_status eb_shape_constant_of_shape(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                     eb_err *err)
{
    const eb_tensor *value;
    eb_status st = fill_value(n, &value, err);
    if (st != EB_OK)
        return st;
    int64_t dims[EB_MAX_PARAMS];
    int count;
    if ((st = eb_read_ints(in[0], dims, EB_MAX_PARAMS, &count, "ConstantOfShape", "input", err)) != EB_OK)
        return st;
    if (count > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "ConstantOfShape: output rank %d exceeds the supported %d", count,
                       EB_MAX_RANK);
    eb_tensor *y = out[0];
    y->dtype = value ? value->dtype : EB_DT_F32;
    y->rank = count;
    for (int d = 0; d < count; d++) {
        if (dims[d] < 0)
            return eb_errf(err, EB_EINVAL, "ConstantOfShape: dim %d is %lld", d, (long long)dims[d]);
        y->shape[d] = dims[d];
    }
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "ConstantOfShape: output size overflows");
    return EB_OK;
}

eb_status eb_ref_constant_of_shape(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                                   eb_err *err)
{
    const eb_tensor *value;
    eb_status st = fill_value(n, &value, err);
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
