/* ref_gather_nd.c - GatherND (opsets 11-13): gathers the slices of `data`
 * that the tuples in the last dim of `indices` address.
 *
 * With b = batch_dims (opset 12; 0 before) and m = indices.shape[-1], each
 * batch (the first b dims, equal in data and indices) picks, for every
 * tuple of m indices, the slice data[batch, i1, .., im, :] of
 * prod(data.shape[b + m:]) elements; the output is
 * indices.shape[:-1] + data.shape[b + m:].  Indices may be negative
 * (counting from the end); one out of range is an error, in the shape rule
 * when constant and here before anything is read.  Slices are copied as
 * bytes, so every dtype of whole bytes works. */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_gather_nd(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *data = in[0], *idx = in[1];
    int b = (int)eb_attr_int(n, "batch_dims", 0);
    eb_status st = eb_nd_values_check("GatherND", data, idx, b, err);
    if (st != EB_OK)
        return st;
    int m = (int)idx->shape[idx->rank - 1];
    int64_t batches = eb_dims_product(idx->shape, b);
    int64_t tuples = eb_dims_product(idx->shape + b, idx->rank - 1 - b);
    int64_t slice = eb_dims_product(data->shape + b + m, data->rank - b - m);
    int64_t batch_stride = eb_dims_product(data->shape + b, data->rank - b);
    size_t size = eb_dtypes[data->dtype].size, chunk = (size_t)slice * size;
    const char *src = data->data;
    char *dst = out[0]->data;
    for (int64_t bi = 0; bi < batches; bi++)
        for (int64_t t = 0; t < tuples; t++) {
            int64_t first = (bi * tuples + t) * m, off = 0;
            for (int k = 0; k < m; k++) {
                int64_t dim = data->shape[b + k], v = eb_dtype_get_i64(idx->dtype, idx->data, first + k);
                off = off * dim + (v < 0 ? v + dim : v);
            }
            off = bi * batch_stride + off * slice;
            memcpy(dst + (size_t)(bi * tuples + t) * chunk, src + (size_t)off * size, chunk);
        }
    return EB_OK;
}
