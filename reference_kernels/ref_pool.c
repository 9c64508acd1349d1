/* ref_pool.c - MaxPool and AveragePool (1-D to (EB_MAX_RANK-2)-D windows with
 * kernel_shape, strides, pads, dilations, ceil_mode, auto_pad,
 * count_include_pad, and MaxPool's optional Indices output honouring
 * storage_order), GlobalAveragePool and GlobalMaxPool.
 *
 * Every element is read and written as a double (eb_dtype_get_f64 /
 * eb_dtype_set_f64): exact for the float types and the small integer types
 * MaxPool accepts, and sums for averages are taken in double.  The window
 * geometry is computed by one function that both the shape rule and the
 * kernel call.  MaxPool propagates NaN, as numpy's max does; a window that
 * holds no input element at all (only possible with pads of a kernel's size)
 * gives the type's lowest value and index -1 for MaxPool, and 0 for
 * AveragePool without count_include_pad. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

#define SPATIAL_MAX (EB_MAX_RANK - 2)

/* Bound on attribute values: keeps (k-1)*dilation and in+pads far from
 * int64 overflow. */
#define ATTR_MAX INT32_MAX

typedef struct pool_geom {
    int nd;                            /* spatial dims */
    int64_t in[SPATIAL_MAX];           /* input spatial dims */
    int64_t kernel[SPATIAL_MAX];
    int64_t stride[SPATIAL_MAX];
    int64_t dil[SPATIAL_MAX];
    int64_t pad_begin[SPATIAL_MAX];
    int64_t pad_end[SPATIAL_MAX];
    int64_t out[SPATIAL_MAX];          /* output spatial dims */
} pool_geom;

/* Reads INTS attribute `name` (count values, each in [lo, ATTR_MAX]) into v,
 * or fills v with def when the node does not have it. */
static eb_status read_attr_ints(const eb_node *n, const char *name, int count, int64_t def, int64_t lo,
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
        if (vals[i] < lo || vals[i] > ATTR_MAX)
            return eb_errf(err, EB_EINVAL, "%s: attribute %s[%d] = %lld is out of range", n->op_type, name, i,
                           (long long)vals[i]);
        v[i] = vals[i];
    }
    return EB_OK;
}

static int64_t ceil_div(int64_t a, int64_t b) /* a >= 0, b > 0 */
{
    return (a + b - 1) / b;
}

static eb_status pool_geometry(const eb_node *n, const eb_tensor *x, pool_geom *g, eb_err *err)
{
    const char *op = n->op_type;
    char s1[128];
    memset(g, 0, sizeof *g);
    if (x->rank < 3)
        return eb_errf(err, EB_EINVAL, "%s: input X is %s, expected rank >= 3 (N, C, spatial...)", op,
                       eb_tensor_describe(x, s1, sizeof s1));
    g->nd = x->rank - 2;
    for (int d = 0; d < g->nd; d++) {
        g->in[d] = x->shape[2 + d];
        if (g->in[d] > INT64_MAX / 4)
            return eb_errf(err, EB_EINVAL, "%s: input dim %d is too large", op, 2 + d);
    }
    if (!eb_node_attr(n, "kernel_shape"))
        return eb_errf(err, EB_EINVAL, "%s: attribute kernel_shape is required", op);
    int64_t pads[2 * SPATIAL_MAX];
    eb_status st;
    if ((st = read_attr_ints(n, "kernel_shape", g->nd, 1, 1, g->kernel, err)) != EB_OK ||
        (st = read_attr_ints(n, "strides", g->nd, 1, 1, g->stride, err)) != EB_OK ||
        (st = read_attr_ints(n, "dilations", g->nd, 1, 1, g->dil, err)) != EB_OK ||
        (st = read_attr_ints(n, "pads", 2 * g->nd, 0, 0, pads, err)) != EB_OK)
        return st;

    int64_t ceil_mode = eb_attr_int(n, "ceil_mode", 0);
    if (ceil_mode != 0 && ceil_mode != 1)
        return eb_errf(err, EB_EINVAL, "%s: ceil_mode %lld is not 0 or 1", op, (long long)ceil_mode);
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
            return eb_errf(err, EB_EINVAL, "%s: kernel extent %lld along spatial dim %d exceeds the padded input (%lld)",
                           op, (long long)ek, d, (long long)(g->in[d] + g->pad_begin[d] + g->pad_end[d]));
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

static bool is_max_pool(const eb_node *n)
{
    return n->op == EB_OP_MAX_POOL || n->op == EB_OP_GLOBAL_MAX_POOL;
}

/* True when the node has output k and it is not omitted. */
static bool has_output(const eb_node *n, eb_tensor *const *out, int k)
{
    return n->n_out > k && n->out[k] >= 0 && out[k];
}

eb_status eb_shape_pool(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st;
    if (is_max_pool(n))
        st = eb_check_dtype(n->op_type, "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16, EB_DT_I8, EB_DT_U8,
                            EB_DT_I16, EB_DT_U16, EB_DT_I32, EB_DT_U32, EB_DT_UNDEFINED);
    else
        st = eb_check_dtype(n->op_type, "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16, EB_DT_UNDEFINED);
    if (st != EB_OK)
        return st;
    pool_geom g;
    if ((st = pool_geometry(n, x, &g, err)) != EB_OK)
        return st;
    if (n->op == EB_OP_MAX_POOL) {
        int64_t so = eb_attr_int(n, "storage_order", 0);
        if (so != 0 && so != 1)
            return eb_errf(err, EB_EINVAL, "%s: storage_order %lld is not 0 or 1", n->op_type, (long long)so);
    } else {
        int64_t cip = eb_attr_int(n, "count_include_pad", 0);
        if (cip != 0 && cip != 1)
            return eb_errf(err, EB_EINVAL, "%s: count_include_pad %lld is not 0 or 1", n->op_type,
                           (long long)cip);
    }
    eb_tensor *y = out[0];
    y->dtype = x->dtype;
    y->rank = x->rank;
    y->shape[0] = x->shape[0];
    y->shape[1] = x->shape[1];
    for (int d = 0; d < g.nd; d++)
        y->shape[2 + d] = g.out[d];
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "%s: output size overflows", n->op_type);
    if (n->op == EB_OP_MAX_POOL && has_output(n, out, 1)) {
        eb_tensor_copy_meta(out[1], y);
        out[1]->dtype = EB_DT_I64;
    }
    return EB_OK;
}

/* Advances the multi-index idx over dims[0..nd) in row-major order. */
static void next_index(int64_t *idx, const int64_t *dims, int nd)
{
    for (int d = nd - 1; d >= 0; d--) {
        if (++idx[d] < dims[d])
            return;
        idx[d] = 0;
    }
}

static int64_t product(const int64_t *dims, int nd)
{
    int64_t p = 1;
    for (int d = 0; d < nd; d++)
        p *= dims[d];
    return p;
}

/* The lowest value of a MaxPool dtype: the result of a window with no input
 * element (onnxruntime's choice). */
static double lowest(eb_dtype dt)
{
    switch (dt) {
    case EB_DT_F32: return -FLT_MAX;
    case EB_DT_F64: return -DBL_MAX;
    case EB_DT_F16: return -65504.0;
    case EB_DT_I8: return INT8_MIN;
    case EB_DT_I16: return INT16_MIN;
    case EB_DT_I32: return INT32_MIN;
    default: return 0; /* unsigned */
    }
}

eb_status eb_ref_pool(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    eb_tensor *indices = n->op == EB_OP_MAX_POOL && has_output(n, out, 1) ? out[1] : NULL;
    pool_geom g;
    eb_status st = pool_geometry(n, x, &g, err);
    if (st != EB_OK)
        return st;
    bool is_max = is_max_pool(n);
    bool count_pad = eb_attr_int(n, "count_include_pad", 0) == 1;
    bool col_major = eb_attr_int(n, "storage_order", 0) == 1;

    /* element strides of the input spatial dims for Indices: row-major by
     * default, column-major over the spatial dims with storage_order=1 */
    int64_t idx_stride[SPATIAL_MAX];
    int64_t s = 1;
    for (int k = 0; k < g.nd; k++) {
        int d = col_major ? k : g.nd - 1 - k;
        idx_stride[d] = s;
        s *= g.in[d];
    }

    int64_t planes = x->shape[0] * x->shape[1];
    int64_t in_plane = product(g.in, g.nd), out_plane = product(g.out, g.nd), k_plane = product(g.kernel, g.nd);
    for (int64_t p = 0; p < planes; p++) {
        int64_t opos[SPATIAL_MAX] = {0};
        for (int64_t o = 0; o < out_plane; o++, next_index(opos, g.out, g.nd)) {
            double best = lowest(x->dtype), sum = 0;
            int64_t best_idx = -1, n_real = 0, n_padded = 0;
            int64_t kpos[SPATIAL_MAX] = {0};
            for (int64_t k = 0; k < k_plane; k++, next_index(kpos, g.kernel, g.nd)) {
                bool inside = true, in_padded = true;
                int64_t off = 0, idx = 0;
                for (int d = 0; d < g.nd; d++) {
                    int64_t ip = opos[d] * g.stride[d] - g.pad_begin[d] + kpos[d] * g.dil[d];
                    if (ip < 0 || ip >= g.in[d])
                        inside = false;
                    /* ceil_mode windows may reach past the trailing padding;
                     * those taps do not count, even with count_include_pad */
                    if (ip < -g.pad_begin[d] || ip >= g.in[d] + g.pad_end[d])
                        in_padded = false;
                    off = off * g.in[d] + ip;
                    idx += ip * idx_stride[d];
                }
                if (in_padded)
                    n_padded++;
                if (!inside)
                    continue;
                double v = eb_dtype_get_f64(x->dtype, x->data, p * in_plane + off);
                n_real++;
                sum += v;
                if (best_idx < 0 || v > best || (isnan(v) && !isnan(best))) {
                    best = v;
                    best_idx = idx;
                }
            }
            int64_t oi = p * out_plane + o;
            if (is_max) {
                eb_dtype_set_f64(y->dtype, y->data, oi, best);
                if (indices)
                    ((int64_t *)indices->data)[oi] = best_idx < 0 ? -1 : p * in_plane + best_idx;
            } else {
                int64_t count = count_pad ? n_padded : n_real;
                eb_dtype_set_f64(y->dtype, y->data, oi, count ? sum / (double)count : 0.0);
            }
        }
    }
    return EB_OK;
}

eb_status eb_shape_global_pool(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                               eb_err *err)
{
    const eb_tensor *x = in[0];
    char s1[128];
    eb_status st = eb_check_dtype(n->op_type, "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16,
                                  EB_DT_UNDEFINED);
    if (st != EB_OK)
        return st;
    if (x->rank < 3)
        return eb_errf(err, EB_EINVAL, "%s: input X is %s, expected rank >= 3 (N, C, spatial...)", n->op_type,
                       eb_tensor_describe(x, s1, sizeof s1));
    for (int d = 2; d < x->rank; d++)
        if (x->shape[d] < 1)
            return eb_errf(err, EB_EINVAL, "%s: input X %s has an empty spatial dim", n->op_type,
                           eb_tensor_describe(x, s1, sizeof s1));
    eb_tensor *y = out[0];
    eb_tensor_copy_meta(y, x);
    for (int d = 2; d < y->rank; d++)
        y->shape[d] = 1;
    return EB_OK;
}

eb_status eb_ref_global_pool(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out,
                             eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *y = out[0];
    bool is_max = is_max_pool(n);
    int64_t planes = x->shape[0] * x->shape[1];
    int64_t plane = eb_tensor_numel(x) / (planes ? planes : 1);
    for (int64_t p = 0; p < planes; p++) {
        double best = -INFINITY, sum = 0;
        for (int64_t i = 0; i < plane; i++) {
            double v = eb_dtype_get_f64(x->dtype, x->data, p * plane + i);
            sum += v;
            if (v > best || (isnan(v) && !isnan(best)))
                best = v;
        }
        eb_dtype_set_f64(y->dtype, y->data, p, is_max ? best : sum / (double)plane);
    }
    return EB_OK;
}
