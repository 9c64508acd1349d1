/* ref_where.c - Where: out = cond ? X : Y, elementwise, with numpy
 * broadcasting across all three inputs.
 *
 * cond is bool; X and Y share any dtype the suite holds except packed i4.
 * Elements are copied as bytes, so the op is dtype-agnostic (NaN payloads
 * and -0 pass through untouched). */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_shape_where(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_status st = eb_check_inputs("Where", in, 3, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *cond = in[0], *x = in[1], *y = in[2];
    if (cond->dtype != EB_DT_BOOL)
        return eb_errf(err, EB_EINVAL, "Where: condition has dtype %s, expected bool", eb_dtype_name(cond->dtype));
    if (x->dtype != y->dtype)
        return eb_errf(err, EB_EINVAL, "Where: X has dtype %s and Y %s, expected the same", eb_dtype_name(x->dtype),
                       eb_dtype_name(y->dtype));
    if ((st = eb_check_byte_dtype("Where", x, err)) != EB_OK ||
        (st = eb_broadcast_shapes("Where", in, 3, out[0], err)) != EB_OK)
        return st;
    out[0]->dtype = x->dtype;
    return EB_OK;
}

eb_status eb_ref_where(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *cond = in[0], *x = in[1], *y = in[2];
    eb_tensor *z = out[0];
    size_t size = eb_dtypes[z->dtype].size;
    int64_t sc[EB_MAX_RANK], sx[EB_MAX_RANK], sy[EB_MAX_RANK];
    eb_broadcast_strides(cond, z, sc);
    eb_broadcast_strides(x, z, sx);
    eb_broadcast_strides(y, z, sy);
    const uint8_t *pc = cond->data;
    const char *px = x->data, *py = y->data;
    char *pz = z->data;
    int64_t count = eb_tensor_numel(z);
    for (int64_t i = 0; i < count; i++) {
        const char *src = pc[eb_broadcast_offset(z, sc, i)] ? px + (size_t)eb_broadcast_offset(z, sx, i) * size
                                                             : py + (size_t)eb_broadcast_offset(z, sy, i) * size;
        memcpy(pz + (size_t)i * size, src, size);
    }
    return EB_OK;
}
