/* tensor.h - a dense, contiguous, row-major tensor.
 *
 * A tensor is a dtype, a shape and a pointer.  It does not say who owns the
 * data: the graph owns its initialisers, a runner's plan owns activations.
 * `storage` describes a compressed format (CSR, N:M, quantized: see
 * storage.h, which also says who frees it); NULL means plain dense data. */
#ifndef EB_TENSOR_H
#define EB_TENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "dtype.h"
#include "status.h"

#define EB_MAX_RANK 8

struct eb_storage; /* the storage format, defined in storage.h */

typedef struct eb_tensor {
    eb_dtype dtype;
    int rank;
    int64_t shape[EB_MAX_RANK];
    void *data;
    struct eb_storage *storage;
} eb_tensor;

/* Number of elements; -1 if a dim is negative or the product overflows
 * int64.  A rank-0 tensor has one element. */
int64_t eb_tensor_numel(const eb_tensor *t);
/* Bytes of data; SIZE_MAX on overflow. */
size_t eb_tensor_nbytes(const eb_tensor *t);
/* True when the two have the same rank and dims. */
bool eb_tensor_same_shape(const eb_tensor *a, const eb_tensor *b);
/* Copies dtype, rank and shape (not data, not storage). */
void eb_tensor_copy_meta(eb_tensor *dst, const eb_tensor *src);
/* Writes "f32[1,3,224,224]" into buf. */
const char *eb_tensor_describe(const eb_tensor *t, char *buf, size_t n);

/* Allocates zeroed, 64-byte aligned data for t's shape; the caller frees it
 * with eb_tensor_free_data.  Fails with EB_ENOMEM (message names `what`)
 * rather than trying an absurd size: the limit is eb_mem_limit(). */
eb_status eb_tensor_alloc(eb_tensor *t, const char *what, eb_err *err);
void eb_tensor_free_data(eb_tensor *t);

/* Largest single allocation the suite will attempt: physical memory, or
 * EB_MEM_LIMIT_MB from the environment when set (tests use it). */
uint64_t eb_mem_limit(void);

#endif
