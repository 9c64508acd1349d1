/* shape_pool.c - the shape rules of MaxPool, AveragePool, GlobalAveragePool and
 * GlobalMaxPool.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_pool.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "models/op_params.h"

eb_status eb_pool_geometry(const eb_node *n, const eb_tensor *x, eb_window *g, eb_err *err)
{
    const char *op = n->op_type;
    memset(g, 0, sizeof *g);
    eb_status st = eb_check_spatial_input(op, x, err);
    if (st != EB_OK)
        return st;
    g->nd = x->rank - 2;
    for (int d = 0; d < g->nd; d++) {
        g->in[d] = x->shape[2 + d];
        if (g->in[d] > INT64_MAX / 4)
            return eb_errf(err, EB_EINVAL, "%s: input dim %d is too large", op, 2 + d);
    }
    if (!eb_node_attr(n, "kernel_shape"))
        return eb_errf(err, EB_EINVAL, "%s: attribute kernel_shape is required", op);
    if ((st = eb_attr_ints_range(n, "kernel_shape", g->nd, 1, 1, g->kernel, err)) != EB_OK)
        return st;
    return eb_window_geometry(n, op, true, g, err);
}

bool eb_is_max_pool(const eb_node *n)
{
    return n->op == EB_OP_MAX_POOL || n->op == EB_OP_GLOBAL_MAX_POOL;
}

eb_status eb_shape_pool(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_status st;
    if (eb_is_max_pool(n))
        st = eb_check_dtype(n->op_type, "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16, EB_DT_I8, EB_DT_U8,
                            EB_DT_I16, EB_DT_U16, EB_DT_I32, EB_DT_U32, EB_DT_UNDEFINED);
    else
        st = eb_check_dtype(n->op_type, "input X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_F16, EB_DT_UNDEFINED);
    if (st != EB_OK)
        return st;
    eb_window g;
    if ((st = eb_pool_geometry(n, x, &g, err)) != EB_OK)
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
    if ((st = eb_window_output(n->op_type, x, x->shape[1], &g, out[0], err)) != EB_OK)
        return st;
    if (n->op == EB_OP_MAX_POOL && eb_has_output(n, out, 1)) {
        eb_tensor_copy_meta(out[1], out[0]);
        out[1]->dtype = EB_DT_I64;
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
    if (st != EB_OK || (st = eb_check_spatial_input(n->op_type, x, err)) != EB_OK)
        return st;
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
