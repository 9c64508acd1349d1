/* shape_reshape.c - the shape rules of the ops that change a shape but not the bytes:
 * Flatten, Reshape, Squeeze, Unsqueeze, Identity and Dropout.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_reshape.c) trust what
 * the rule accepted. */
#include <string.h>

#include "models/op_params.h"

static eb_status check_out_rank(const char *op, int rank, eb_err *err)
{
    if (rank > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: output rank %d exceeds the supported %d", op, rank, EB_MAX_RANK);
    return EB_OK;
}

/* Product of dims[from..to) (non-negative); -1 when it overflows. */
static int64_t dims_product(const int64_t *dims, int from, int to)
{
    for (int d = from; d < to; d++)
        if (dims[d] == 0)
            return 0;
    int64_t p = 1;
    for (int d = from; d < to; d++) {
        if (p > INT64_MAX / dims[d])
            return -1;
        p *= dims[d];
    }
    return p;
}

/* Reads axes either from the attribute `axes` (before opset 13) or from
 * input 1 (from 13).  *count is -1 when no axes were given. */
static eb_status read_axes(const char *op, const eb_node *n, const eb_tensor *const *in, int64_t *axes,
                           int *count, eb_err *err)
{
    *count = -1;
    if (n->opset < 13) {
        const int64_t *vals;
        int k = eb_attr_ints(n, "axes", &vals);
        if (k > EB_MAX_PARAMS)
            return eb_errf(err, EB_EINVAL, "%s: %d axes, at most %d allowed", op, k, EB_MAX_PARAMS);
        if (k >= 0)
            memcpy(axes, vals, (size_t)k * sizeof *axes);
        *count = k;
        return EB_OK;
    }
    const eb_tensor *t = eb_opt_in(n, in, 1);
    if (!t)
        return EB_OK;
    return eb_read_ints(t, axes, EB_MAX_PARAMS, count, op, "axes", err);
}

/* ---- Flatten ------------------------------------------------------------ */

eb_status eb_shape_flatten(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Flatten", x, err);
    if (st != EB_OK)
        return st;
    int64_t axis_attr = eb_attr_int(n, "axis", 1);
    int axis;
    /* axis == rank is allowed: the output is [numel, 1] */
    if (!eb_norm_axis_end(axis_attr, x->rank, &axis))
        return eb_errf(err, EB_EINVAL, "Flatten: axis %lld out of range for rank %d", (long long)axis_attr,
                       x->rank);
    int64_t outer = dims_product(x->shape, 0, axis), inner = dims_product(x->shape, axis, x->rank);
    if (outer < 0 || inner < 0)
        return eb_errf(err, EB_EINVAL, "Flatten: output dims overflow");
    out[0]->dtype = x->dtype;
    out[0]->rank = 2;
    out[0]->shape[0] = outer;
    out[0]->shape[1] = inner;
    return EB_OK;
}

/* ---- Reshape ------------------------------------------------------------ */

eb_status eb_shape_reshape(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Reshape", x, err);
    if (st != EB_OK)
        return st;
    int64_t shape[EB_MAX_PARAMS];
    int count;
    const eb_tensor *target = eb_opt_in(n, in, 1);
    if (target) {
        if ((st = eb_read_ints(target, shape, EB_MAX_PARAMS, &count, "Reshape", "shape", err)) != EB_OK)
            return st;
    } else {
        /* opset 1-4 carried the target as an attribute */
        const int64_t *vals;
        count = eb_attr_ints(n, "shape", &vals);
        if (count < 0)
            return eb_errf(err, EB_EINVAL, "Reshape: no target shape (input 'shape' missing)");
        if (count > EB_MAX_PARAMS)
            return eb_errf(err, EB_EINVAL, "Reshape: target shape has %d dims, at most %d allowed", count,
                           EB_MAX_PARAMS);
        memcpy(shape, vals, (size_t)count * sizeof *shape);
    }
    if ((st = check_out_rank("Reshape", count, err)) != EB_OK)
        return st;
    bool allowzero = n->opset >= 14 && eb_attr_int(n, "allowzero", 0) != 0;

    eb_tensor *y = out[0];
    y->dtype = x->dtype;
    y->rank = count;
    int infer = -1;
    bool has_zero = false;
    for (int d = 0; d < count; d++) {
        int64_t v = shape[d];
        if (v == -1) {
            if (infer >= 0)
                return eb_errf(err, EB_EINVAL, "Reshape: more than one -1 in the target shape");
            infer = d;
            v = 1; /* placeholder while the known dims are multiplied */
        } else if (v == 0 && !allowzero) {
            if (d >= x->rank)
                return eb_errf(err, EB_EINVAL, "Reshape: target dim %d is 0 (copy) but the input has rank %d", d,
                               x->rank);
            v = x->shape[d];
        } else if (v < 0) {
            return eb_errf(err, EB_EINVAL, "Reshape: target dim %d is %lld", d, (long long)v);
        }
        if (v == 0)
            has_zero = true;
        y->shape[d] = v;
    }
    if (allowzero && has_zero && infer >= 0)
        return eb_errf(err, EB_EINVAL, "Reshape: allowzero target shape has both 0 and -1");

    int64_t in_count = eb_tensor_numel(x);
    int64_t known = eb_tensor_numel(y);
    if (known < 0)
        return eb_errf(err, EB_EINVAL, "Reshape: target shape overflows");
    if (infer >= 0) {
        if (known == 0 || in_count % known != 0)
            return eb_errf(err, EB_EINVAL, "Reshape: cannot infer the -1 dim: %lld elements, %lld in the other dims",
                           (long long)in_count, (long long)known);
        y->shape[infer] = in_count / known;
    } else if (known != in_count) {
        char s1[128], s2[128];
        return eb_errf(err, EB_EINVAL, "Reshape: cannot reshape %s to %s", eb_tensor_describe(x, s1, sizeof s1),
                       eb_tensor_describe(y, s2, sizeof s2));
    }
    return EB_OK;
}

/* ---- Squeeze ------------------------------------------------------------ */

eb_status eb_shape_squeeze(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Squeeze", x, err);
    if (st != EB_OK)
        return st;
    int64_t axes[EB_MAX_PARAMS];
    int count;
    if ((st = read_axes("Squeeze", n, in, axes, &count, err)) != EB_OK)
        return st;
    bool drop[EB_MAX_RANK] = {false};
    if (count < 0) {
        /* no axes: every dim of size 1 goes */
        for (int d = 0; d < x->rank; d++)
            drop[d] = x->shape[d] == 1;
    } else {
        for (int k = 0; k < count; k++) {
            int a;
            if ((st = eb_check_axis("Squeeze", axes[k], x->rank, NULL, &a, err)) != EB_OK)
                return st;
            if (drop[a])
                return eb_errf(err, EB_EINVAL, "Squeeze: axis %lld given twice", (long long)axes[k]);
            if (x->shape[a] != 1)
                return eb_errf(err, EB_EINVAL, "Squeeze: axis %d has size %lld, expected 1", a,
                               (long long)x->shape[a]);
            drop[a] = true;
        }
    }
    eb_tensor *y = out[0];
    y->dtype = x->dtype;
    y->rank = 0;
    for (int d = 0; d < x->rank; d++)
        if (!drop[d])
            y->shape[y->rank++] = x->shape[d];
    return EB_OK;
}

/* ---- Unsqueeze ---------------------------------------------------------- */

eb_status eb_shape_unsqueeze(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Unsqueeze", x, err);
    if (st != EB_OK)
        return st;
    int64_t axes[EB_MAX_PARAMS];
    int count;
    if ((st = read_axes("Unsqueeze", n, in, axes, &count, err)) != EB_OK)
        return st;
    if (count < 0)
        return eb_errf(err, EB_EINVAL, "Unsqueeze: axes are required");
    int rank = x->rank + count;
    if ((st = check_out_rank("Unsqueeze", rank, err)) != EB_OK)
        return st;
    /* axes index the output, so they are normalised against its rank */
    bool added[EB_MAX_RANK] = {false};
    for (int k = 0; k < count; k++) {
        int a;
        if (!eb_norm_axis(axes[k], rank, &a))
            return eb_errf(err, EB_EINVAL, "Unsqueeze: axis %lld out of range for output rank %d",
                           (long long)axes[k], rank);
        if (added[a])
            return eb_errf(err, EB_EINVAL, "Unsqueeze: axis %lld given twice", (long long)axes[k]);
        added[a] = true;
    }
    eb_tensor *y = out[0];
    y->dtype = x->dtype;
    y->rank = rank;
    for (int d = 0, src = 0; d < rank; d++)
        y->shape[d] = added[d] ? 1 : x->shape[src++];
    return EB_OK;
}

/* ---- Identity ----------------------------------------------------------- */

eb_status eb_shape_identity(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_data("Identity", in[0], err);
    if (st != EB_OK)
        return st;
    eb_tensor_copy_meta(out[0], in[0]);
    return EB_OK;
}

/* ---- Dropout ------------------------------------------------------------ */

/* Dropout is the identity at inference.  Training mode (opset 12+, input 2)
 * is random unless the ratio is 0, so only that case is accepted; opset 1-6
 * `is_test` is ignored since a model run for inference is in test mode
 * whatever its exporter wrote.  The optional mask is all true: bool from
 * opset 10, the input's dtype (ones) before. */
eb_status eb_shape_dropout(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st = eb_check_data("Dropout", x, err);
    if (st != EB_OK)
        return st;
    double ratio = eb_attr_float(n, "ratio", 0.5f);
    bool ratio_known = true;
    const eb_tensor *r = eb_opt_in(n, in, 1), *training = eb_opt_in(n, in, 2);
    if (n->opset >= 12 && r) {
        if (!eb_dtypes[r->dtype].is_float || eb_tensor_numel(r) != 1)
            return eb_errf(err, EB_EINVAL, "Dropout: ratio must be one float value");
        ratio_known = r->data != NULL;
        if (ratio_known)
            ratio = eb_dtype_get_f64(r->dtype, r->data, 0);
    }
    if (ratio_known && !(ratio >= 0.0 && ratio < 1.0))
        return eb_errf(err, EB_EINVAL, "Dropout: ratio %g outside [0, 1)", ratio);
    if (n->opset >= 12 && training) {
        if (training->dtype != EB_DT_BOOL || eb_tensor_numel(training) != 1)
            return eb_errf(err, EB_EINVAL, "Dropout: training_mode must be one bool value");
        if (!training->data)
            return eb_errf(err, EB_EUNSUPPORTED, "Dropout: input 'training_mode' must be known at load time");
        bool training_on = ((const uint8_t *)training->data)[0] != 0;
        if (training_on && (!ratio_known || ratio != 0.0))
            return eb_errf(err, EB_EUNSUPPORTED,
                           "Dropout: training mode with a non-zero (or unknown) ratio is random");
    }
    eb_tensor_copy_meta(out[0], x);
    if (n->n_out > 1 && out[1]) {
        eb_tensor_copy_meta(out[1], x);
        if (n->opset >= 10)
            out[1]->dtype = EB_DT_BOOL;
    }
    return EB_OK;
}
