/* shape_depth_space.c - the shape rules of DepthToSpace (DCR and CRD modes)
 * and SpaceToDepth on N, C, H, W tensors, and their mode decoding.
 *
 * DepthToSpace moves blocks of blocksize^2 channels into blocksize x
 * blocksize spatial tiles: [N, C, H, W] -> [N, C/b^2, H*b, W*b];
 * SpaceToDepth is the inverse rearrangement in DCR order.  The kernels
 * (reference_kernels/ref_depth_space.c) copy elements as bytes, so any
 * dtype of whole bytes is taken. */
#include <string.h>

#include "models/op_params.h"

eb_status eb_depth_space_params(const eb_node *n, int64_t *block, bool *crd, eb_err *err)
{
    const char *op = n->op == EB_OP_SPACE_TO_DEPTH ? "SpaceToDepth" : "DepthToSpace";
    const eb_attr *a = eb_node_attr(n, "blocksize");
    if (!a || a->type != EB_ATTR_INT)
        return eb_errf(err, EB_EINVAL, "%s: attribute blocksize (int) is missing", op);
    *block = a->i;
    if (*block < 1 || *block > 65536)
        return eb_errf(err, EB_EINVAL, "%s: blocksize %lld is out of range", op, (long long)*block);
    *crd = false;
    if (n->op == EB_OP_DEPTH_TO_SPACE) {
        const char *mode = eb_attr_string(n, "mode", "DCR");
        if (strcmp(mode, "CRD") == 0)
            *crd = true;
        else if (strcmp(mode, "DCR") != 0)
            return eb_errf(err, EB_EINVAL, "%s: mode '%s' is not DCR or CRD", op, mode);
    }
    return EB_OK;
}

eb_status eb_shape_depth_space(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    bool to_depth = n->op == EB_OP_SPACE_TO_DEPTH;
    const char *op = to_depth ? "SpaceToDepth" : "DepthToSpace";
    const eb_tensor *x = in[0];
    char s1[128];
    int64_t b;
    bool crd;
    eb_status st;
    if ((st = eb_check_data(op, x, err)) != EB_OK || (st = eb_depth_space_params(n, &b, &crd, err)) != EB_OK)
        return st;
    if (x->rank != 4)
        return eb_errf(err, EB_EINVAL, "%s: input is %s, expected rank 4 (N, C, H, W)", op,
                       eb_tensor_describe(x, s1, sizeof s1));
    eb_tensor_copy_meta(out[0], x);
    if (to_depth) {
        if (x->shape[2] % b != 0 || x->shape[3] % b != 0)
            return eb_errf(err, EB_EINVAL, "%s: blocksize %lld does not divide H and W of input %s", op,
                           (long long)b, eb_tensor_describe(x, s1, sizeof s1));
        out[0]->shape[1] = x->shape[1] * b * b;
        out[0]->shape[2] = x->shape[2] / b;
        out[0]->shape[3] = x->shape[3] / b;
    } else {
        if (x->shape[1] % (b * b) != 0)
            return eb_errf(err, EB_EINVAL, "%s: blocksize^2 = %lld does not divide the channels of input %s", op,
                           (long long)(b * b), eb_tensor_describe(x, s1, sizeof s1));
        out[0]->shape[1] = x->shape[1] / (b * b);
        out[0]->shape[2] = x->shape[2] * b;
        out[0]->shape[3] = x->shape[3] * b;
    }
    if (eb_tensor_numel(out[0]) < 0)
        return eb_errf(err, EB_EINVAL, "%s: output size overflows", op);
    return EB_OK;
}
