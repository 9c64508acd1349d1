/* shape_constant.c - the shape rules of Constant and ConstantOfShape.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_constant.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <string.h>

#include "models/op_params.h"

/* ---- Constant ----------------------------------------------------------- */

/* The attribute that carries the value; EB_EUNSUPPORTED/EB_EINVAL when it is
 * a kind this suite does not hold, or there is not exactly one. */
eb_status eb_constant_attr(const eb_node *n, const eb_attr **out, eb_err *err)
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
    eb_status st = eb_constant_attr(n, &a, err);
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

/* ---- ConstantOfShape ---------------------------------------------------- */

/* The fill value's tensor, or NULL for the default f32 0. */
eb_status eb_constant_fill_value(const eb_node *n, const eb_tensor **value, eb_err *err)
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
    eb_status st = eb_constant_fill_value(n, &value, err);
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
