/* ref_einsum.c - Einsum: a plain loop nest over the whole label space.
 *
 * The equation is parsed by eb_einsum_parse (models/shape_einsum.c).  For
 * every assignment of the labels that occur (output labels outermost,
 * summed labels innermost) the product of the inputs' elements at the
 * matching indices is added to the output element; a repeated label reads
 * a diagonal and an ellipsis axis of size 1 reads index 0 (broadcast).
 * Float types accumulate in double, integer types in int64. */
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

eb_status eb_ref_einsum(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_einsum_plan p;
    eb_status st = eb_einsum_parse(n, in, &p, err);
    if (st != EB_OK)
        return st;
    eb_tensor *y = out[0];
    bool is_float = eb_dtypes[y->dtype].is_float;

    /* the loop order: output labels, then every other label that occurs */
    int order[EB_EINSUM_LETTERS + EB_MAX_RANK], n_order = 0;
    bool in_out[EB_EINSUM_LETTERS + EB_MAX_RANK] = {false}, occurs[EB_EINSUM_LETTERS + EB_MAX_RANK] = {false};
    for (int d = 0; d < p.out_rank; d++) {
        order[n_order++] = p.out_label[d];
        in_out[p.out_label[d]] = true;
    }
    for (int k = 0; k < p.n_in; k++)
        for (int d = 0; d < p.rank[k]; d++)
            occurs[p.label[k][d]] = true;
    for (int l = 0; l < p.n_labels; l++)
        if (occurs[l] && !in_out[l])
            order[n_order++] = l;

    int64_t strides[EB_EINSUM_MAX_IN][EB_MAX_RANK];
    for (int k = 0; k < p.n_in; k++)
        eb_row_major_strides(in[k], strides[k]);
    int64_t out_count = eb_tensor_numel(y), inner = 1;
    for (int i = p.out_rank; i < n_order; i++)
        inner *= p.size[order[i]];
    int64_t dims[EB_EINSUM_LETTERS + EB_MAX_RANK];
    for (int i = 0; i < n_order; i++)
        dims[i] = p.size[order[i]];

    int64_t idx[EB_EINSUM_LETTERS + EB_MAX_RANK] = {0}; /* per position in order */
    int64_t value[EB_EINSUM_LETTERS + EB_MAX_RANK];     /* per label */
    for (int64_t o = 0; o < out_count; o++) {
        double facc = 0;
        int64_t iacc = 0;
        for (int64_t s = 0; s < inner; s++) {
            for (int i = 0; i < n_order; i++)
                value[order[i]] = idx[i];
            double fprod = 1;
            int64_t iprod = 1;
            for (int k = 0; k < p.n_in; k++) {
                int64_t off = 0;
                for (int d = 0; d < p.rank[k]; d++)
                    off += (in[k]->shape[d] == 1 ? 0 : value[p.label[k][d]]) * strides[k][d];
                if (is_float)
                    fprod *= eb_dtype_get_f64(in[k]->dtype, in[k]->data, off);
                else
                    iprod *= eb_dtype_get_i64(in[k]->dtype, in[k]->data, off);
            }
            facc += fprod;
            iacc += iprod;
            eb_next_index(idx + p.out_rank, dims + p.out_rank, n_order - p.out_rank);
        }
        if (is_float)
            eb_dtype_set_f64(y->dtype, y->data, o, facc);
        else
            eb_dtype_set_i64(y->dtype, y->data, o, iacc);
        eb_next_index(idx, dims, p.out_rank);
    }
    (void)err;
    return EB_OK;
}
