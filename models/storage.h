/* storage.h - how a tensor's values are stored: dense, CSR, N:M structured
 * sparse, quantized with scales and zero points, or fp16.
 *
 * eb_tensor.storage points here.  NULL means dense: t->data holds every
 * element, row-major (every tensor the ONNX importer makes is dense).  A
 * tensor with a storage of another kind keeps its logical dtype (f32) and
 * shape, and its values live only in the storage: t->data is NULL.  The
 * sparse kinds view the tensor as a matrix rows x cols, rows = shape[0]
 * (1 for rank 0), cols = the product of the other dims; a `transposed`
 * one (rank 2 only) views it as its transpose, rows = shape[1] and cols =
 * shape[0], so that a [K, N] MatMul weight is still stored by output row
 * with its reduction axis along the row.
 *
 * Ownership, once for all kinds: an eb_storage owns every array it points
 * to; the eb_storage_*_from_dense builders allocate them and
 * eb_storage_free frees the struct and all of them.  Whoever owns the
 * tensor owns its storage (the graph for its constants: eb_graph_free
 * frees them).  Builders never touch the source tensor.
 *
 * The builders are the reference compressors (magnitude pruning into CSR
 * or N:M, min/max quantization); eb_storage_to_dense is the reference
 * decoder; the reference kernels compute on every kind (ref_weight.c). */
#ifndef EB_STORAGE_H
#define EB_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/dtype.h"
#include "models/status.h"
#include "models/tensor.h"

typedef enum eb_storage_kind {
    EB_STORAGE_DENSE = 0, /* same as storage == NULL */
    EB_STORAGE_CSR,
    EB_STORAGE_NM,
    EB_STORAGE_QUANT,
    EB_STORAGE_F16,
    EB_STORAGE_KIND_COUNT
} eb_storage_kind;

/* Compressed sparse rows: row r's nonzeros are values[row_ptr[r] ..
 * row_ptr[r+1]), at columns col_idx[...] (strictly increasing in a row). */
typedef struct eb_storage_csr {
    bool transposed;
    int64_t rows, cols, nnz;
    int64_t *row_ptr; /* rows + 1 entries, row_ptr[0] = 0, row_ptr[rows] = nnz */
    int32_t *col_idx; /* nnz entries */
    float *values;    /* nnz entries */
} eb_storage_csr;

/* N:M structured sparsity along each row: of every m consecutive columns
 * (cols % m == 0) n are kept.  Kept value j of group q of row r is
 * values[(r * (cols / m) + q) * n + j] at column q * m + index[same]; the
 * indices of a group are strictly increasing. */
typedef struct eb_storage_nm {
    bool transposed;
    int n, m;
    int64_t rows, cols;
    float *values;  /* rows * cols / m * n entries */
    uint8_t *index; /* as many entries, each < m */
} eb_storage_nm;

/* Affine quantization: x = scale * (q - zero_point).  One (scale, zero
 * point) pair per tensor (axis -1, group 0), per slice along `axis`
 * (per-channel, group 0), or per `group` consecutive elements along `axis`
 * (int4 groups; axis -1 is the last dim, whose size group divides).  Pair
 * k belongs to slice k (per-channel); with groups, the pairs are laid out
 * like the tensor with that axis shrunk by `group` (row-major). */
typedef struct eb_storage_quant {
    eb_dtype stored;     /* EB_DT_I8, EB_DT_U8 or EB_DT_I4 */
    int axis;            /* -1: per tensor or per group */
    int group;           /* 0: no groups */
    int group_dims;      /* dims from axis that the groups run along, flattened (0: 1) */
    int64_t n_scales;    /* pairs of scale and zero point */
    float *scale;        /* n_scales entries, each finite and > 0 */
    int32_t *zero_point; /* n_scales entries, each in the stored type's range */
    void *data;          /* eb_dtype_nbytes(stored, numel) bytes */
} eb_storage_quant;

/* Half precision: every element as IEEE binary16 bits, row-major. */
typedef struct eb_storage_f16 {
    uint16_t *data; /* numel entries */
} eb_storage_f16;

typedef struct eb_storage {
    eb_storage_kind kind;
    union {
        eb_storage_csr csr;
        eb_storage_nm nm;
        eb_storage_quant quant;
        eb_storage_f16 f16;
    } u;
} eb_storage;

const char *eb_storage_kind_name(eb_storage_kind kind);
/* The kind of t's storage: EB_STORAGE_DENSE when t->storage is NULL. */
eb_storage_kind eb_tensor_storage_kind(const eb_tensor *t);

/* Builders: from a dense f32 tensor `src` (storage NULL, data set) into a
 * new storage in *out.  csr keeps every nonzero; nm keeps the n largest
 * magnitudes of each m (the first on ties); quant picks scale and zero
 * point from each slice's min and max (symmetric, zero point 0, for i8 and
 * i4; u8 asymmetric) and rounds to nearest, ties to even; f16 rounds each
 * value to nearest even.  EB_EINVAL names a bad
 * argument, EB_ENOMEM a failed allocation; *out is NULL on failure. */
eb_status eb_storage_csr_from_dense(const eb_tensor *src, bool transposed, eb_storage **out, eb_err *err);
eb_status eb_storage_nm_from_dense(const eb_tensor *src, bool transposed, int n, int m, eb_storage **out, eb_err *err);
eb_status eb_storage_quant_from_dense(const eb_tensor *src, eb_dtype stored, int axis, int group, int group_dims,
                                      eb_storage **out, eb_err *err);
eb_status eb_storage_f16_from_dense(const eb_tensor *src, eb_storage **out, eb_err *err);

/* Bytes t takes as stored: its storage's arrays, or its dense data (0
 * when that size overflows). */
uint64_t eb_tensor_stored_bytes(const eb_tensor *t);

/* The matrix view above: rows and cols of t as its (possibly transposed)
 * storage sees it, and the element offset in t's row-major data of view
 * element (r, c). */
void eb_storage_matrix_view(const eb_tensor *t, bool transposed, int64_t *rows, int64_t *cols);
int64_t eb_storage_view_offset(const eb_tensor *t, bool transposed, int64_t r, int64_t c);

/* Which (scale, zero point) pair element i of t uses under quant q. */
int64_t eb_storage_quant_pair(const eb_tensor *t, const eb_storage_quant *q, int64_t i);

/* Checks that t's storage is consistent with t's dtype and shape and with
 * itself (the rules in the comments above); EB_EFORMAT naming `what` and
 * the first broken rule.  A dense tensor passes when it has data. */
eb_status eb_storage_validate(const eb_tensor *t, const char *what, eb_err *err);

/* The reference decoder: writes t's numel values as f32 into out. */
eb_status eb_storage_to_dense(const eb_tensor *t, float *out, eb_err *err);

/* Frees s and every array it owns; NULL is fine. */
void eb_storage_free(eb_storage *s);

#endif
