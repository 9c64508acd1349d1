/* ref_where.c - Where: out = cond ? X : Y, elementwise, with numpy
 * broadcasting across all three inputs.
 *
 * cond is bool; X and Y share any dtype the suite holds except packed i4.
 * Elements are copied as bytes, so the op is dtype-agnostic (NaN payloads
 * and -0 pass through untouched). */
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

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
