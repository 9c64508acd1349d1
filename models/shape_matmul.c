/* shape_matmul.c - the shape rule of MatMul, with numpy.matmul semantics.
 *
 * Each rule checks what a node may take (attributes, input dtypes and
 * shapes) and sets its outputs' dtypes and shapes; see eb_shape_fn in
 * models/ops.h.  The kernels (reference_kernels/ref_matmul.c) trust what
 * the rule accepted.  The parameter decoding they share is declared
 * in models/op_params.h. */
#include <string.h>

#include "models/op_params.h"

void eb_mm_view_of(const eb_tensor *t, bool is_b, eb_mm_view *v)
{
    memset(v, 0, sizeof *v);
    v->batch.dtype = t->dtype;
    if (t->rank == 1) {
        v->rows = is_b ? t->shape[0] : 1;
        v->cols = is_b ? 1 : t->shape[0];
        return;
    }
    v->batch.rank = t->rank - 2;
    memcpy(v->batch.shape, t->shape, sizeof(int64_t) * (size_t)v->batch.rank);
    v->rows = t->shape[t->rank - 2];
    v->cols = t->shape[t->rank - 1];
}

eb_status eb_shape_matmul(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *a = in[0], *b = in[1];
    char s1[128], s2[128];
    if (eb_check_dtype("MatMul", "input A", a, err, EB_DT_F32, EB_DT_F64, EB_DT_I32, EB_DT_I64, EB_DT_U32,
                       EB_DT_U64, EB_DT_UNDEFINED) != EB_OK)
        return EB_EUNSUPPORTED;
    if (b->dtype != a->dtype)
        return eb_errf(err, EB_EINVAL, "MatMul: A has dtype %s, B has %s", eb_dtype_name(a->dtype),
                       eb_dtype_name(b->dtype));
    if (a->rank < 1 || b->rank < 1)
        return eb_errf(err, EB_EINVAL, "MatMul: A %s and B %s must both have rank >= 1",
                       eb_tensor_describe(a, s1, sizeof s1), eb_tensor_describe(b, s2, sizeof s2));
    eb_mm_view va, vb;
    eb_mm_view_of(a, false, &va);
    eb_mm_view_of(b, true, &vb);
    if (va.cols != vb.rows)
        return eb_errf(err, EB_EINVAL, "MatMul: inner dims of A %s and B %s differ",
                       eb_tensor_describe(a, s1, sizeof s1), eb_tensor_describe(b, s2, sizeof s2));
    eb_tensor *y = out[0];
    const eb_tensor *batches[2] = {&va.batch, &vb.batch};
    if (eb_broadcast_shapes("MatMul", batches, 2, y, err) != EB_OK)
        return eb_errf(err, EB_EINVAL, "MatMul: batch dims of A %s and B %s do not broadcast",
                       eb_tensor_describe(a, s1, sizeof s1), eb_tensor_describe(b, s2, sizeof s2));
    y->dtype = a->dtype;
    if (a->rank > 1)
        y->shape[y->rank++] = va.rows;
    if (b->rank > 1)
        y->shape[y->rank++] = vb.cols;
    if (eb_tensor_numel(y) < 0)
        return eb_errf(err, EB_EINVAL, "MatMul: output size overflows");
    return EB_OK;
}
