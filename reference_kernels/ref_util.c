/* ref_util.c - helpers shared by the shape rules and reference kernels. */
#include "reference_kernels/ref_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reference_kernels/ref.h"

bool eb_norm_axis(int64_t axis, int rank, int *out)
{
    if (axis < -(int64_t)rank || axis >= rank)
        return false;
    *out = (int)(axis < 0 ? axis + rank : axis);
    return true;
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

void eb_broadcast_strides(const eb_tensor *t, const eb_tensor *out, int64_t strides[EB_MAX_RANK])
{
    int64_t s = 1;
    for (int od = out->rank - 1; od >= 0; od--) {
        int d = t->rank - out->rank + od;
        if (d < 0 || t->shape[d] == 1) {
            strides[od] = 0;
        } else {
            strides[od] = s;
        }
        if (d >= 0)
            s *= t->shape[d];
    }
}

int64_t eb_broadcast_offset(const eb_tensor *out, const int64_t strides[EB_MAX_RANK], int64_t i)
{
    int64_t off = 0;
    for (int d = out->rank - 1; d >= 0; d--) {
        int64_t dim = out->shape[d];
        off += (i % dim) * strides[d];
        i /= dim;
    }
    return off;
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

eb_status eb_ref_eval(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    if (n->op <= EB_OP_UNKNOWN || n->op >= EB_OP_COUNT)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: op not implemented", n->op_type);
    return eb_ops[n->op].ref(n, in, out, err);
}
