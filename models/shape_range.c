/* shape_range.c - the shape rule of Range: start, start + delta, ... up to limit.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_range.c) trust what
 * the rule accepted. */
#include <math.h>

#include "models/op_params.h"

static const char *const NAMES[3] = {"start", "limit", "delta"};

/* Element count for integer bounds.  Differences are taken in uint64, where
 * they are exact even for the widest int64 span. */
static eb_status count_ints(int64_t start, int64_t limit, int64_t delta, int64_t *count, eb_err *err)
{
    uint64_t dist, step;
    if (delta > 0 && limit > start) {
        dist = (uint64_t)limit - (uint64_t)start;
        step = (uint64_t)delta;
    } else if (delta < 0 && limit < start) {
        dist = (uint64_t)start - (uint64_t)limit;
        step = (uint64_t)0 - (uint64_t)delta;
    } else {
        *count = 0;
        return EB_OK;
    }
    uint64_t c = dist / step + (dist % step != 0);
    if (c > (uint64_t)INT64_MAX)
        return eb_errf(err, EB_EINVAL, "Range: too many elements");
    *count = (int64_t)c;
    return EB_OK;
}

static eb_status count_floats(double start, double limit, double delta, int64_t *count, eb_err *err)
{
    double q = ceil((limit - start) / delta);
    if (isnan(q) || q >= 4611686018427387904.0 /* 2^62 */)
        return eb_errf(err, EB_EINVAL, "Range: %g to %g by %g has no finite element count", start, limit, delta);
    *count = q > 0 ? (int64_t)q : 0;
    return EB_OK;
}

/* Validates the three inputs (values included) and gives the count. */
static eb_status range_count(const eb_tensor *const *in, int64_t *count, eb_err *err)
{
    for (int k = 0; k < 3; k++) {
        const eb_tensor *t = in[k];
        if (!t)
            return eb_errf(err, EB_EINVAL, "Range: input '%s' is missing", NAMES[k]);
        if (k == 0) {
            eb_status st = eb_check_dtype("Range", NAMES[k], t, err, EB_DT_F32, EB_DT_F64, EB_DT_I16, EB_DT_I32,
                                          EB_DT_I64, EB_DT_UNDEFINED);
            if (st != EB_OK)
                return st;
        } else if (t->dtype != in[0]->dtype) {
            return eb_errf(err, EB_EINVAL, "Range: %s has dtype %s, start has %s", NAMES[k],
                           eb_dtype_name(t->dtype), eb_dtype_name(in[0]->dtype));
        }
        if (eb_tensor_numel(t) != 1)
            return eb_errf(err, EB_EINVAL, "Range: %s must be a scalar", NAMES[k]);
        if (!t->data)
            return eb_errf(err, EB_EUNSUPPORTED, "Range: input '%s' must be known at load time (constant)",
                           NAMES[k]);
    }
    eb_dtype dt = in[0]->dtype;
    if (eb_dtypes[dt].is_float) {
        double s = eb_dtype_get_f64(dt, in[0]->data, 0), l = eb_dtype_get_f64(dt, in[1]->data, 0),
               d = eb_dtype_get_f64(dt, in[2]->data, 0);
        if (d == 0)
            return eb_errf(err, EB_EINVAL, "Range: delta is 0");
        return count_floats(s, l, d, count, err);
    }
    int64_t s = eb_dtype_get_i64(dt, in[0]->data, 0), l = eb_dtype_get_i64(dt, in[1]->data, 0),
            d = eb_dtype_get_i64(dt, in[2]->data, 0);
    if (d == 0)
        return eb_errf(err, EB_EINVAL, "Range: delta is 0");
    return count_ints(s, l, d, count, err);
}

eb_status eb_shape_range(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    int64_t count = 0;
    eb_status st = range_count(in, &count, err);
    if (st != EB_OK)
        return st;
    eb_tensor *y = out[0];
    y->dtype = in[0]->dtype;
    y->rank = 1;
    y->shape[0] = count;
    return EB_OK;
}
