/* ref_depth_space.c - DepthToSpace (DCR and CRD) and SpaceToDepth: the
 * rearrangements between channel blocks and spatial tiles, element by
 * element as bytes (any dtype of whole bytes).
 *
 * For the spatial side's element (n, c, h*b + i, w*b + j) the channel side
 * holds it at channel (i*b + j)*C + c (DCR, and SpaceToDepth) or
 * c*b*b + i*b + j (CRD), where C is the spatial side's channel count. */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"

eb_status eb_ref_depth_space(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    int64_t b;
    bool crd;
    eb_status st = eb_depth_space_params(n, &b, &crd, err);
    if (st != EB_OK)
        return st;
    bool to_depth = n->op == EB_OP_SPACE_TO_DEPTH;
    const eb_tensor *deep = to_depth ? out[0] : in[0], *wide = to_depth ? in[0] : out[0];
    size_t size = eb_dtypes[in[0]->dtype].size;
    int64_t batch = wide->shape[0], c_n = wide->shape[1], hw = wide->shape[2], ww = wide->shape[3];
    int64_t cd = deep->shape[1], hd = deep->shape[2], wd = deep->shape[3];
    char *src = in[0]->data, *dst = out[0]->data;
    for (int64_t nb = 0; nb < batch; nb++)
        for (int64_t c = 0; c < c_n; c++)
            for (int64_t h = 0; h < hw; h++)
                for (int64_t w = 0; w < ww; w++) {
                    int64_t i = h % b, j = w % b;
                    int64_t ch = crd ? c * b * b + i * b + j : (i * b + j) * c_n + c;
                    int64_t wide_off = ((nb * c_n + c) * hw + h) * ww + w;
                    int64_t deep_off = ((nb * cd + ch) * hd + h / b) * wd + w / b;
                    int64_t so = to_depth ? wide_off : deep_off, doff = to_depth ? deep_off : wide_off;
                    memcpy(dst + (size_t)doff * size, src + (size_t)so * size, size);
                }
    return EB_OK;
}
