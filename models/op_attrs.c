/* op_attrs.c - reading and checking a node's inputs and attributes, axes,
 * broadcast shapes and window geometry (see op_attrs.h). */
#include "models/op_attrs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const eb_tensor *eb_opt_in(const eb_node *n, const eb_tensor *const *in, int k)
{
    return k < n->n_in ? in[k] : NULL;
}

eb_status eb_check_inputs(const char *op, const eb_tensor *const *in, int count, eb_err *err)
{
    for (int k = 0; k < count; k++)
        if (!in[k])
            return eb_errf(err, EB_EINVAL, "%s: input %d is missing", op, k);
    return EB_OK;
}

bool eb_has_output(const eb_node *n, eb_tensor *const *out, int k)
{
    return n->n_out > k && n->out[k] >= 0 && out[k];
}

bool eb_whole_bytes(eb_dtype dt)
{
    return dt > EB_DT_UNDEFINED && dt < EB_DT_COUNT && eb_dtypes[dt].size > 0;
}

bool eb_valid_shape(const eb_tensor *t)
{
    return t->rank >= 0 && t->rank <= EB_MAX_RANK && eb_tensor_numel(t) >= 0;
}

eb_status eb_check_byte_dtype(const char *op, const eb_tensor *t, eb_err *err)
{
    if (!eb_whole_bytes(t->dtype))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: dtype %s not supported", op, eb_dtype_name(t->dtype));
    return EB_OK;
}

eb_status eb_check_data(const char *op, const eb_tensor *t, eb_err *err)
{
    eb_status st = eb_check_byte_dtype(op, t, err);
    if (st != EB_OK)
        return st;
    if (!eb_valid_shape(t))
        return eb_errf(err, EB_EINVAL, "%s: input has an invalid shape", op);
    return EB_OK;
}

eb_status eb_check_dtype(const char *op, const char *what, const eb_tensor *t, eb_err *err, ...)
{
    char allowed[160] = "";
    size_t len = 0;
    va_list ap;
    va_start(ap, err);
    for (;;) {
        eb_dtype dt = (eb_dtype)va_arg(ap, int);
        if (dt == EB_DT_UNDEFINED)
            break;
        if (dt == t->dtype) {
            va_end(ap);
            return EB_OK;
        }
        len += (size_t)snprintf(allowed + len, len < sizeof allowed ? sizeof allowed - len : 0, "%s%s",
                                len ? "/" : "", eb_dtype_name(dt));
    }
    va_end(ap);
    return eb_errf(err, EB_EUNSUPPORTED, "%s: %s has dtype %s, supported: %s", op, what,
                   eb_dtype_name(t->dtype), allowed);
}

bool eb_norm_axis(int64_t axis, int rank, int *out)
{
    if (axis < -(int64_t)rank || axis >= rank)
        return false;
    *out = (int)(axis < 0 ? axis + rank : axis);
    return true;
}

bool eb_norm_axis_end(int64_t axis, int rank, int *out)
{
    if (axis < -(int64_t)rank || axis > rank)
        return false;
    *out = (int)(axis < 0 ? axis + rank : axis);
    return true;
}

eb_status eb_check_axis(const char *op, int64_t axis, int rank, bool seen[EB_MAX_RANK], int *out, eb_err *err)
{
    if (!eb_norm_axis(axis, rank, out))
        return eb_errf(err, EB_EINVAL, "%s: axis %lld out of range for rank %d", op, (long long)axis, rank);
    if (seen) {
        if (seen[*out])
            return eb_errf(err, EB_EINVAL, "%s: axis %d given twice", op, *out);
        seen[*out] = true;
    }
    return EB_OK;
}

eb_status eb_read_ints(const eb_tensor *t, int64_t *vals, int max, int *n, const char *op,
                       const char *what, eb_err *err)
{
    if (!t->data)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: input '%s' must be known at load time (constant)", op, what);
    if (t->dtype != EB_DT_I64 && t->dtype != EB_DT_I32)
        return eb_errf(err, EB_EINVAL, "%s: input '%s' has dtype %s, expected i64", op, what, eb_dtype_name(t->dtype));
    int64_t cnt = eb_tensor_numel(t);
    if (cnt < 0 || cnt > max)
        return eb_errf(err, EB_EINVAL, "%s: input '%s' has %lld values, at most %d allowed", op, what,
                       (long long)cnt, max);
    for (int64_t i = 0; i < cnt; i++)
        vals[i] = eb_dtype_get_i64(t->dtype, t->data, i);
    *n = (int)cnt;
    return EB_OK;
}

eb_status eb_attr_ints_range(const eb_node *n, const char *name, int count, int64_t def, int64_t lo,
                             int64_t *v, eb_err *err)
{
    const int64_t *vals = NULL;
    int k = eb_attr_ints(n, name, &vals);
    if (k < 0) {
        for (int i = 0; i < count; i++)
            v[i] = def;
        return EB_OK;
    }
    if (k != count)
        return eb_errf(err, EB_EINVAL, "%s: attribute %s has %d values, expected %d", n->op_type, name, k,
                       count);
    for (int i = 0; i < count; i++) {
        if (vals[i] < lo || vals[i] > EB_ATTR_MAX)
            return eb_errf(err, EB_EINVAL, "%s: attribute %s[%d] = %lld is out of range", n->op_type, name, i,
                           (long long)vals[i]);
        v[i] = vals[i];
    }
    return EB_OK;
}

eb_status eb_broadcast_shapes(const char *op, const eb_tensor *const *ts, int count, eb_tensor *out,
                              eb_err *err)
{
    int rank = 0;
    for (int k = 0; k < count; k++)
        if (ts[k] && ts[k]->rank > rank)
            rank = ts[k]->rank;
    out->rank = rank;
    for (int d = 0; d < rank; d++)
        out->shape[d] = 1;
    for (int k = 0; k < count; k++) {
        const eb_tensor *t = ts[k];
        if (!t)
            continue;
        for (int d = 0; d < t->rank; d++) {
            int od = rank - t->rank + d;
            int64_t a = out->shape[od], b = t->shape[d];
            if (a == b || b == 1)
                continue;
            if (a == 1) {
                out->shape[od] = b;
                continue;
            }
            char s1[128], s2[128];
            return eb_errf(err, EB_EINVAL, "%s: shapes %s and %s do not broadcast", op,
                           eb_tensor_describe(ts[0], s1, sizeof s1), eb_tensor_describe(t, s2, sizeof s2));
        }
    }
    return EB_OK;
}

bool eb_is_numeric(eb_dtype dt)
{
    return dt > EB_DT_UNDEFINED && dt < EB_DT_COUNT && dt != EB_DT_BOOL && eb_dtypes[dt].block == 1; /* not i4, q8_0, q4_0 */
}

eb_status eb_check_spatial_input(const char *op, const eb_tensor *x, eb_err *err)
{
    char s1[128];
    if (x->rank < 3)
        return eb_errf(err, EB_EINVAL, "%s: input X is %s, expected rank >= 3 (N, C, spatial...)", op,
                       eb_tensor_describe(x, s1, sizeof s1));
    return EB_OK;
}

static int64_t ceil_div(int64_t a, int64_t b) /* a >= 0, b > 0 */
{
    return (a + b - 1) / b;
}

eb_status eb_window_geometry(const eb_node *n, const char *op, bool with_ceil_mode, eb_window *g, eb_err *err)
{
    int64_t pads[2 * EB_MAX_SPATIAL];
    eb_status st;
    if ((st = eb_attr_ints_range(n, "strides", g->nd, 1, 1, g->stride, err)) != EB_OK ||
        (st = eb_attr_ints_range(n, "dilations", g->nd, 1, 1, g->dil, err)) != EB_OK ||
        (st = eb_attr_ints_range(n, "pads", 2 * g->nd, 0, 0, pads, err)) != EB_OK)
        return st;

    int64_t ceil_mode = 0;
    if (with_ceil_mode) {
        ceil_mode = eb_attr_int(n, "ceil_mode", 0);
        if (ceil_mode != 0 && ceil_mode != 1)
            return eb_errf(err, EB_EINVAL, "%s: ceil_mode %lld is not 0 or 1", op, (long long)ceil_mode);
    }
    const char *auto_pad = eb_attr_string(n, "auto_pad", "NOTSET");
    bool same_upper = strcmp(auto_pad, "SAME_UPPER") == 0, same_lower = strcmp(auto_pad, "SAME_LOWER") == 0;
    bool valid = strcmp(auto_pad, "VALID") == 0;
    if (!same_upper && !same_lower && !valid && strcmp(auto_pad, "NOTSET") != 0)
        return eb_errf(err, EB_EINVAL, "%s: auto_pad '%s' is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", op,
                       auto_pad);

    for (int d = 0; d < g->nd; d++) {
        int64_t ek = (g->kernel[d] - 1) * g->dil[d] + 1; /* dilated kernel extent */
        if (same_upper || same_lower) {
            /* explicit pads are ignored: output = ceil(in / stride), the
             * padding needed for it is split, the odd one at the end for
             * SAME_UPPER and at the beginning for SAME_LOWER */
            g->out[d] = ceil_div(g->in[d], g->stride[d]);
            int64_t total = (g->out[d] - 1) * g->stride[d] + ek - g->in[d];
            if (total < 0)
                total = 0;
            g->pad_begin[d] = same_upper ? total / 2 : total - total / 2;
            g->pad_end[d] = total - g->pad_begin[d];
            continue;
        }
        g->pad_begin[d] = valid ? 0 : pads[d];
        g->pad_end[d] = valid ? 0 : pads[g->nd + d];
        int64_t span = g->in[d] + g->pad_begin[d] + g->pad_end[d] - ek;
        if (span < 0)
            return eb_errf(err, EB_EINVAL,
                           "%s: kernel extent %lld along spatial dim %d exceeds the padded input (%lld)", op,
                           (long long)ek, d, (long long)(g->in[d] + g->pad_begin[d] + g->pad_end[d]));
        if (ceil_mode && !valid) {
            g->out[d] = ceil_div(span, g->stride[d]) + 1;
            /* as PyTorch and onnxruntime do: the last window must start
             * inside the input or the leading padding, not in the trailing
             * padding (it would hold no input element) */
            if ((g->out[d] - 1) * g->stride[d] >= g->in[d] + g->pad_begin[d])
                g->out[d]--;
        } else {
            g->out[d] = span / g->stride[d] + 1;
        }
    }
    return EB_OK;
}

eb_status eb_window_output(const char *op, const eb_tensor *x, int64_t channels, const eb_window *g, eb_tensor *y,
                           eb_err *err)
{
    y->dtype = x->dtype;
    y->rank = x->rank;
    y->shape[0] = x->shape[0];
    y->shape[1] = channels;
    for (int d = 0; d < g->nd; d++)
        y->shape[2 + d] = g->out[d];
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "%s: output size overflows", op);
    return EB_OK;
}
