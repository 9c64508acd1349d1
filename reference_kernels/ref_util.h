/* ref_util.h - small helpers of the reference kernels: dims, strides and
 * multi-indices, broadcast strides and offsets, and the arithmetic kind of
 * a dtype.  It includes models/op_attrs.h, the node-reading helpers that
 * kernels share with the shape rules. */
#ifndef EB_REF_UTIL_H
#define EB_REF_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "models/op_attrs.h"
#include "models/tensor.h"

/* ---- dims, strides, indices --------------------------------------------- */

/* Product of dims[0..nd) (1 for nd <= 0), unchecked: for shapes already
 * known to have a valid element count. */
int64_t eb_dims_product(const int64_t *dims, int nd);

/* Element strides of a contiguous row-major t. */
void eb_row_major_strides(const eb_tensor *t, int64_t strides[EB_MAX_RANK]);

/* Advances the multi-index idx over dims[0..nd) in row-major order. */
void eb_next_index(int64_t *idx, const int64_t *dims, int nd);

/* ---- broadcasting ------------------------------------------------------- */

/* Element strides of t seen with out's rank: 0 on broadcast dims. */
void eb_broadcast_strides(const eb_tensor *t, const eb_tensor *out, int64_t strides[EB_MAX_RANK]);

/* Offset of flat output index i in an input with the given strides (per
 * output dim; any strides, not only broadcast ones). */
int64_t eb_broadcast_offset(const eb_tensor *out, const int64_t strides[EB_MAX_RANK], int64_t i);

/* ---- arithmetic kinds --------------------------------------------------- */

/* How the elementwise ops compute on a dtype: double for float types, int64
 * for signed and uint64 for unsigned integers (and bool). */
typedef enum eb_num_kind { EB_NUM_FLOAT, EB_NUM_SIGNED, EB_NUM_UNSIGNED } eb_num_kind;
eb_num_kind eb_num_kind_of(eb_dtype dt);

#endif
