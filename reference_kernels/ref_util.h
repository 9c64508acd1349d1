/* ref_util.h - small helpers shared by shape rules and reference kernels:
 * axis normalisation, reading integer parameter tensors, broadcasting. */
#ifndef EB_REF_UTIL_H
#define EB_REF_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "models/graph.h"
#include "models/tensor.h"

/* Maps axis in [-rank, rank-1] to [0, rank-1]; false when out of range. */
bool eb_norm_axis(int64_t axis, int rank, int *out);

/* Reads the values of an int32/int64 tensor (a shape, axes, pads input)
 * into vals[0..max).  Fails with a message naming op/what when the tensor
 * is not known at load time (data NULL), has another dtype, or more than
 * max elements.  *n receives the count. */
eb_status eb_read_ints(const eb_tensor *t, int64_t *vals, int max, int *n, const char *op,
                       const char *what, eb_err *err);

/* Numpy-style multidirectional broadcast of the shapes of ts[0..count)
 * (NULL entries skipped) into out->rank/out->shape. */
eb_status eb_broadcast_shapes(const char *op, const eb_tensor *const *ts, int count, eb_tensor *out,
                              eb_err *err);

/* Element strides of t seen with out's rank: 0 on broadcast dims. */
void eb_broadcast_strides(const eb_tensor *t, const eb_tensor *out, int64_t strides[EB_MAX_RANK]);

/* Offset of flat output index i in an input with the given strides. */
int64_t eb_broadcast_offset(const eb_tensor *out, const int64_t strides[EB_MAX_RANK], int64_t i);

/* Checks that t's dtype is one of the listed ones (terminated by
 * EB_DT_UNDEFINED); message "Op: input `what` has dtype x, expected ...". */
eb_status eb_check_dtype(const char *op, const char *what, const eb_tensor *t, eb_err *err, ...);

#endif
