/* ref_compress.c - Compress (opsets 9-11): keeps the slices along `axis`
 * (or, without axis, the elements of the flattened input) whose entry in
 * the bool condition is true, in order; slices past the condition's end
 * are dropped.  Copied as bytes, so every dtype of whole bytes works.
 *
 * The shape rule sized the output from the condition it saw at load time;
 * a condition with another count at run time is refused rather than
 * truncated. */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_compress(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *cond = in[1];
    eb_tensor *y = out[0];
    int axis;
    int64_t outer, len, inner;
    eb_status st = eb_compress_params(n, x, &axis, &outer, &len, &inner, err);
    if (st != EB_OK)
        return st;
    const uint8_t *c = cond->data;
    int64_t kept = 0;
    for (int64_t i = 0; i < cond->shape[0]; i++)
        kept += c[i] != 0;
    int64_t want = axis < 0 ? y->shape[0] : y->shape[axis];
    if (kept != want)
        return eb_errf(err, EB_EINVAL,
                       "Compress: the condition keeps %lld slices, but the output was sized for %lld at load time "
                       "(the condition changed after shape inference)",
                       (long long)kept, (long long)want);
    size_t chunk = (size_t)inner * eb_dtypes[x->dtype].size;
    const char *src = x->data;
    char *dst = y->data;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < cond->shape[0]; i++)
            if (c[i]) {
                memcpy(dst, src + (size_t)(o * len + i) * chunk, chunk);
                dst += chunk;
            }
    return EB_OK;
}
