/* ref_util.c - the kernels' small helpers: dims, strides, multi-indices,
 * broadcast strides and offsets, arithmetic kinds (see ref_util.h). */
#include "reference_kernels/ref_util.h"

int64_t eb_dims_product(const int64_t *dims, int nd)
{
    int64_t p = 1;
    for (int d = 0; d < nd; d++)
        p *= dims[d];
    return p;
}

void eb_row_major_strides(const eb_tensor *t, int64_t strides[EB_MAX_RANK])
{
    int64_t s = 1;
    for (int d = t->rank - 1; d >= 0; d--) {
        strides[d] = s;
        s *= t->shape[d];
    }
}

void eb_next_index(int64_t *idx, const int64_t *dims, int nd)
{
    for (int d = nd - 1; d >= 0; d--) {
        if (++idx[d] < dims[d])
            return;
        idx[d] = 0;
    }
}

void eb_broadcast_strides(const eb_tensor *t, const eb_tensor *out, int64_t strides[EB_MAX_RANK])
{
    int64_t s = 1;
    for (int od = out->rank - 1; od >= 0; od--) {
        int d = t->rank - out->rank + od;
        if (d < 0 || t->shape[d] == 1) {
            strides[od] = 0;
        } else {
            strides[od] = s;
        }
        if (d >= 0)
            s *= t->shape[d];
    }
}

int64_t eb_broadcast_offset(const eb_tensor *out, const int64_t strides[EB_MAX_RANK], int64_t i)
{
    int64_t off = 0;
    for (int d = out->rank - 1; d >= 0; d--) {
        int64_t dim = out->shape[d];
        off += (i % dim) * strides[d];
        i /= dim;
    }
    return off;
}

eb_num_kind eb_num_kind_of(eb_dtype dt)
{
    return eb_dtypes[dt].is_float ? EB_NUM_FLOAT : eb_dtypes[dt].is_signed ? EB_NUM_SIGNED : EB_NUM_UNSIGNED;
}
