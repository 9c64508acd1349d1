/* storage.c - building, checking, decoding and freeing tensor storage
 * formats (dense, CSR, N:M, quantized); see storage.h for the layouts. */
#include "models/storage.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[EB_STORAGE_KIND_COUNT] = {
    [EB_STORAGE_DENSE] = "dense",
    [EB_STORAGE_CSR] = "csr",
    [EB_STORAGE_NM] = "nm",
    [EB_STORAGE_QUANT] = "quant",
    [EB_STORAGE_F16] = "f16",
};
_Static_assert(EB_STORAGE_KIND_COUNT == 5, "name every storage kind");

const char *eb_storage_kind_name(eb_storage_kind kind)
{
    return (unsigned)kind < EB_STORAGE_KIND_COUNT ? kind_names[kind] : "invalid";
}

eb_storage_kind eb_tensor_storage_kind(const eb_tensor *t)
{
    return t->storage ? t->storage->kind : EB_STORAGE_DENSE;
}

void eb_storage_free(eb_storage *s)
{
    if (!s)
        return;
    switch (s->kind) {
    case EB_STORAGE_CSR:
        free(s->u.csr.row_ptr);
        free(s->u.csr.col_idx);
        free(s->u.csr.values);
        break;
    case EB_STORAGE_NM:
        free(s->u.nm.values);
        free(s->u.nm.index);
        break;
    case EB_STORAGE_QUANT:
        free(s->u.quant.scale);
        free(s->u.quant.zero_point);
        free(s->u.quant.data);
        break;
    case EB_STORAGE_F16: free(s->u.f16.data); break;
    default: break;
    }
    free(s);
}

void eb_storage_matrix_view(const eb_tensor *t, bool transposed, int64_t *rows, int64_t *cols)
{
    if (transposed && t->rank == 2) {
        *rows = t->shape[1];
        *cols = t->shape[0];
        return;
    }
    int64_t numel = eb_tensor_numel(t);
    *rows = t->rank > 0 ? t->shape[0] : 1;
    *cols = *rows > 0 ? numel / *rows : 0;
}

int64_t eb_storage_view_offset(const eb_tensor *t, bool transposed, int64_t r, int64_t c)
{
    int64_t rows, cols;
    eb_storage_matrix_view(t, transposed, &rows, &cols);
    return transposed && t->rank == 2 ? c * rows + r : r * cols + c;
}

uint64_t eb_tensor_stored_bytes(const eb_tensor *t)
{
    const eb_storage *s = t->storage;
    int64_t numel = eb_tensor_numel(t);
    if (!s) {
        size_t b = eb_tensor_nbytes(t);
        return b == SIZE_MAX ? 0 : b;
    }
    if (numel < 0)
        return 0;
    switch (s->kind) {
    case EB_STORAGE_CSR:
        return (uint64_t)(s->u.csr.rows + 1) * sizeof(int64_t) +
               (uint64_t)s->u.csr.nnz * (sizeof(int32_t) + sizeof(float));
    case EB_STORAGE_NM: {
        const eb_storage_nm *p = &s->u.nm;
        uint64_t kept = p->m > 0 ? (uint64_t)(p->rows * (p->cols / p->m) * p->n) : 0;
        return kept * (sizeof(float) + sizeof(uint8_t));
    }
    case EB_STORAGE_QUANT:
        return (uint64_t)s->u.quant.n_scales * (sizeof(float) + sizeof(int32_t)) +
               eb_dtype_nbytes(s->u.quant.stored, numel);
    case EB_STORAGE_F16: return (uint64_t)numel * sizeof(uint16_t);
    default: return 0;
    }
}

static eb_status check_source(const eb_tensor *src, const char *what, eb_err *err)
{
    if (!src)
        return eb_errf(err, EB_EINVAL, "%s: needs a dense f32 tensor with data", what);
    if (!src || src->dtype != EB_DT_F32 || !src->data || src->storage || eb_tensor_numel(src) < 0)
        return eb_errf(err, EB_EINVAL, "%s: needs a dense f32 tensor with data", what);
    if (eb_tensor_numel(src) > INT32_MAX)
        return eb_errf(err, EB_EINVAL, "%s: %lld elements, more than the 32-bit indices hold", what,
                       (long long)eb_tensor_numel(src));
    return EB_OK;
}

static eb_storage *new_storage(eb_storage_kind kind)
{
    eb_storage *s = calloc(1, sizeof *s);
    if (s)
        s->kind = kind;
    return s;
}

/* calloc that gives a non-NULL pointer for 0 elements too */
static void *alloc0(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

static eb_status check_transposable(const eb_tensor *src, bool transposed, const char *what, eb_err *err)
{
    if (transposed && src->rank != 2)
        return eb_errf(err, EB_EINVAL, "%s: a transposed view needs a rank-2 tensor, this one has rank %d", what,
                       src->rank);
    return EB_OK;
}

eb_status eb_storage_csr_from_dense(const eb_tensor *src, bool transposed, eb_storage **out, eb_err *err)
{
    *out = NULL;
    eb_status st = check_source(src, "csr", err);
    if (st == EB_OK)
        st = check_transposable(src, transposed, "csr", err);
    if (st != EB_OK)
        return st;
    const float *x = src->data;
    int64_t rows, cols, nnz = 0, numel = eb_tensor_numel(src);
    eb_storage_matrix_view(src, transposed, &rows, &cols);
    for (int64_t i = 0; i < numel; i++)
        nnz += x[i] != 0.0f;
    eb_storage *s = new_storage(EB_STORAGE_CSR);
    eb_storage_csr *c = s ? &s->u.csr : NULL;
    if (!s || !(c->row_ptr = alloc0((size_t)rows + 1, sizeof *c->row_ptr)) ||
        !(c->col_idx = alloc0((size_t)nnz, sizeof *c->col_idx)) || !(c->values = alloc0((size_t)nnz, sizeof *c->values))) {
        eb_storage_free(s);
        return eb_errf(err, EB_ENOMEM, "csr: out of memory for %lld nonzeros", (long long)nnz);
    }
    c->transposed = transposed;
    c->rows = rows;
    c->cols = cols;
    c->nnz = nnz;
    int64_t k = 0;
    for (int64_t r = 0; r < rows; r++) {
        for (int64_t j = 0; j < cols; j++) {
            float v = x[eb_storage_view_offset(src, transposed, r, j)];
            if (v != 0.0f) {
                c->col_idx[k] = (int32_t)j;
                c->values[k++] = v;
            }
        }
        c->row_ptr[r + 1] = k;
    }
    *out = s;
    return EB_OK;
}

eb_status eb_storage_nm_from_dense(const eb_tensor *src, bool transposed, int n, int m, eb_storage **out, eb_err *err)
{
    *out = NULL;
    eb_status st = check_source(src, "nm", err);
    if (st == EB_OK)
        st = check_transposable(src, transposed, "nm", err);
    if (st != EB_OK)
        return st;
    int64_t rows, cols;
    eb_storage_matrix_view(src, transposed, &rows, &cols);
    if (!(0 < n && n < m && m <= 255))
        return eb_errf(err, EB_EINVAL, "nm: %d:%d, expected 0 < N < M <= 255", n, m);
    if (cols % m)
        return eb_errf(err, EB_EINVAL, "nm: %lld columns are not a multiple of M = %d", (long long)cols, m);
    size_t kept = (size_t)(rows * (cols / m) * n);
    eb_storage *s = new_storage(EB_STORAGE_NM);
    eb_storage_nm *p = s ? &s->u.nm : NULL;
    if (!s || !(p->values = alloc0(kept, sizeof *p->values)) || !(p->index = alloc0(kept, sizeof *p->index))) {
        eb_storage_free(s);
        return eb_errf(err, EB_ENOMEM, "nm: out of memory for %zu values", kept);
    }
    p->transposed = transposed;
    p->n = n;
    p->m = m;
    p->rows = rows;
    p->cols = cols;
    const float *x = src->data;
    size_t k = 0;
    for (int64_t g = 0; g < rows * (cols / m); g++) {
        float grp[256];
        for (int j = 0; j < m; j++)
            grp[j] = x[eb_storage_view_offset(src, transposed, g / (cols / m), (g % (cols / m)) * m + j)];
        /* keep[j]: column j is among the n largest magnitudes (earlier wins ties) */
        bool keep[256] = {false};
        for (int t = 0; t < n; t++) {
            int best = -1;
            for (int j = 0; j < m; j++)
                if (!keep[j] && (best < 0 || fabsf(grp[j]) > fabsf(grp[best])))
                    best = j;
            keep[best] = true;
        }
        for (int j = 0; j < m; j++)
            if (keep[j]) {
                p->values[k] = grp[j];
                p->index[k++] = (uint8_t)j;
            }
    }
    *out = s;
    return EB_OK;
}

/* The integer range of a quantized stored type. */
static bool quant_range(eb_dtype dt, int32_t *lo, int32_t *hi)
{
    switch (dt) {
    case EB_DT_I8: *lo = -128, *hi = 127; return true;
    case EB_DT_U8: *lo = 0, *hi = 255; return true;
    case EB_DT_I4: *lo = -8, *hi = 7; return true;
    default: return false;
    }
}

/* The tensor as [outer, len, inner] around the quantization axis (the
 * flattened group_dims from it with groups); false when they do not fit. */
static bool axis_split(const eb_tensor *t, int axis, int group, int group_dims, int64_t *outer, int64_t *len,
                       int64_t *inner)
{
    int span = group > 0 && group_dims > 1 ? group_dims : 1;
    if (group > 0 && axis < 0)
        axis = t->rank - 1;
    if (t->rank == 0 && axis == -1) { /* per tensor of a scalar */
        *outer = *len = *inner = 1;
        return true;
    }
    if (axis < 0 || axis + span > t->rank)
        return false;
    *outer = *len = *inner = 1;
    for (int d = 0; d < t->rank; d++)
        *(d < axis ? outer : d < axis + span ? len : inner) *= t->shape[d];
    return true;
}

int64_t eb_storage_quant_pair(const eb_tensor *t, const eb_storage_quant *q, int64_t i)
{
    int64_t outer, len, inner;
    if ((q->axis < 0 && q->group <= 0) || !axis_split(t, q->axis, q->group, q->group_dims, &outer, &len, &inner))
        return 0;
    int64_t a = (i / inner) % len;
    if (q->group <= 0)
        return a;
    return ((i / inner / len) * (len / q->group) + a / q->group) * inner + i % inner;
}

/* Pairs a quantization of t with that axis and group needs; -1 if invalid. */
static int64_t pairs_needed(const eb_tensor *t, int axis, int group, int group_dims)
{
    int64_t numel = eb_tensor_numel(t), outer, len, inner;
    if (numel < 0 || group < 0 || axis < -1 || group_dims < 0 || (group == 0 && group_dims > 1))
        return -1;
    if (group == 0 && axis == -1)
        return 1;
    if (!axis_split(t, axis, group, group_dims, &outer, &len, &inner))
        return -1;
    if (group > 0)
        return len % group ? -1 : numel / group;
    return len;
}

eb_status eb_storage_quant_from_dense(const eb_tensor *src, eb_dtype stored, int axis, int group, int group_dims,
                                      eb_storage **out, eb_err *err)
{
    *out = NULL;
    eb_status st = check_source(src, "quant", err);
    if (st != EB_OK)
        return st;
    int32_t lo, hi;
    if (!quant_range(stored, &lo, &hi))
        return eb_errf(err, EB_EINVAL, "quant: stored type %s, expected i8, u8 or i4", eb_dtype_name(stored));
    int64_t pairs = pairs_needed(src, axis, group, group_dims), numel = eb_tensor_numel(src);
    if (pairs < 0)
        return eb_errf(err, EB_EINVAL, "quant: axis %d, group %d do not fit a rank-%d tensor", axis, group, src->rank);
    eb_storage *s = new_storage(EB_STORAGE_QUANT);
    eb_storage_quant *q = s ? &s->u.quant : NULL;
    if (!s || !(q->scale = alloc0((size_t)pairs, sizeof *q->scale)) ||
        !(q->zero_point = alloc0((size_t)pairs, sizeof *q->zero_point)) ||
        !(q->data = alloc0(eb_dtype_nbytes(stored, numel), 1))) {
        eb_storage_free(s);
        return eb_errf(err, EB_ENOMEM, "quant: out of memory");
    }
    q->stored = stored;
    q->axis = axis;
    q->group = group;
    q->group_dims = group > 0 ? group_dims : 0;
    q->n_scales = pairs;
    const float *x = src->data;
    float *mn = alloc0((size_t)pairs, sizeof *mn), *mx = alloc0((size_t)pairs, sizeof *mx);
    if (!mn || !mx) {
        free(mn);
        free(mx);
        eb_storage_free(s);
        return eb_errf(err, EB_ENOMEM, "quant: out of memory");
    }
    for (int64_t i = 0; i < numel; i++) {
        int64_t k = eb_storage_quant_pair(src, q, i);
        mn[k] = fminf(mn[k], x[i]); /* both start at 0: zero stays exact */
        mx[k] = fmaxf(mx[k], x[i]);
    }
    for (int64_t k = 0; k < pairs; k++) {
        if (lo < 0) { /* symmetric */
            float amax = fmaxf(-mn[k], mx[k]);
            q->scale[k] = amax > 0 ? amax / (float)hi : 1.0f;
            q->zero_point[k] = 0;
        } else {
            float range = mx[k] - mn[k];
            q->scale[k] = range > 0 ? range / (float)(hi - lo) : 1.0f;
            q->zero_point[k] = (int32_t)lrintf((float)lo - mn[k] / q->scale[k]);
            q->zero_point[k] = q->zero_point[k] < lo ? lo : q->zero_point[k] > hi ? hi : q->zero_point[k];
        }
    }
    for (int64_t i = 0; i < numel; i++) {
        int64_t k = eb_storage_quant_pair(src, q, i);
        long v = lrintf(x[i] / q->scale[k]) + q->zero_point[k];
        eb_dtype_set_i64(stored, q->data, i, v < lo ? lo : v > hi ? hi : v);
    }
    free(mn);
    free(mx);
    *out = s;
    return EB_OK;
}

eb_status eb_storage_f16_from_dense(const eb_tensor *src, eb_storage **out, eb_err *err)
{
    *out = NULL;
    eb_status st = check_source(src, "f16", err);
    if (st != EB_OK)
        return st;
    int64_t numel = eb_tensor_numel(src);
    eb_storage *s = new_storage(EB_STORAGE_F16);
    if (!s || !(s->u.f16.data = alloc0((size_t)numel, sizeof(uint16_t)))) {
        eb_storage_free(s);
        return eb_errf(err, EB_ENOMEM, "f16: out of memory");
    }
    const float *x = src->data;
    for (int64_t i = 0; i < numel; i++)
        s->u.f16.data[i] = eb_f32_to_f16(x[i]);
    *out = s;
    return EB_OK;
}

static eb_status validate_csr(const eb_tensor *t, const eb_storage_csr *c, const char *what, eb_err *err)
{
    int64_t rows, cols;
    if (c->transposed && t->rank != 2)
        return eb_errf(err, EB_EFORMAT, "%s: transposed csr of a rank-%d tensor", what, t->rank);
    eb_storage_matrix_view(t, c->transposed, &rows, &cols);
    if (c->rows != rows || c->cols != cols)
        return eb_errf(err, EB_EFORMAT, "%s: csr is %lldx%lld, the tensor %lldx%lld", what, (long long)c->rows,
                       (long long)c->cols, (long long)rows, (long long)cols);
    if (!c->row_ptr || (c->nnz > 0 && (!c->col_idx || !c->values)))
        return eb_errf(err, EB_EFORMAT, "%s: csr arrays missing", what);
    if (c->nnz < 0 || c->nnz > rows * cols || c->row_ptr[0] != 0 || c->row_ptr[rows] != c->nnz)
        return eb_errf(err, EB_EFORMAT, "%s: csr row_ptr runs %lld..%lld, expected 0..nnz = %lld", what,
                       (long long)c->row_ptr[0], (long long)c->row_ptr[rows], (long long)c->nnz);
    for (int64_t r = 0; r < rows; r++) {
        if (c->row_ptr[r + 1] < c->row_ptr[r])
            return eb_errf(err, EB_EFORMAT, "%s: csr row_ptr decreases at row %lld", what, (long long)r);
        for (int64_t k = c->row_ptr[r]; k < c->row_ptr[r + 1]; k++)
            if (c->col_idx[k] < 0 || c->col_idx[k] >= cols || (k > c->row_ptr[r] && c->col_idx[k] <= c->col_idx[k - 1]))
                return eb_errf(err, EB_EFORMAT, "%s: csr column %d at row %lld is out of range or out of order", what,
                               c->col_idx[k], (long long)r);
    }
    return EB_OK;
}

static eb_status validate_nm(const eb_tensor *t, const eb_storage_nm *p, const char *what, eb_err *err)
{
    int64_t rows, cols;
    if (p->transposed && t->rank != 2)
        return eb_errf(err, EB_EFORMAT, "%s: transposed nm of a rank-%d tensor", what, t->rank);
    eb_storage_matrix_view(t, p->transposed, &rows, &cols);
    if (!(0 < p->n && p->n < p->m && p->m <= 255))
        return eb_errf(err, EB_EFORMAT, "%s: nm %d:%d, expected 0 < N < M <= 255", what, p->n, p->m);
    if (p->rows != rows || p->cols != cols || cols % p->m)
        return eb_errf(err, EB_EFORMAT, "%s: nm is %lldx%lld (M = %d), the tensor %lldx%lld", what, (long long)p->rows,
                       (long long)p->cols, p->m, (long long)rows, (long long)cols);
    int64_t kept = rows * (cols / p->m) * p->n;
    if (kept > 0 && (!p->values || !p->index))
        return eb_errf(err, EB_EFORMAT, "%s: nm arrays missing", what);
    for (int64_t k = 0; k < kept; k++)
        if (p->index[k] >= p->m || (k % p->n && p->index[k] <= p->index[k - 1]))
            return eb_errf(err, EB_EFORMAT, "%s: nm index %d of group %lld is out of range or out of order", what,
                           p->index[k], (long long)(k / p->n));
    return EB_OK;
}

static eb_status validate_quant(const eb_tensor *t, const eb_storage_quant *q, const char *what, eb_err *err)
{
    int32_t lo, hi;
    if (!quant_range(q->stored, &lo, &hi))
        return eb_errf(err, EB_EFORMAT, "%s: quant stored type %s, expected i8, u8 or i4", what, eb_dtype_name(q->stored));
    int64_t pairs = pairs_needed(t, q->axis, q->group, q->group_dims);
    if (pairs < 0 || pairs != q->n_scales)
        return eb_errf(err, EB_EFORMAT, "%s: quant axis %d, group %d need %lld scales, it has %lld", what, q->axis,
                       q->group, (long long)pairs, (long long)q->n_scales);
    if (!q->scale || !q->zero_point || !q->data)
        return eb_errf(err, EB_EFORMAT, "%s: quant arrays missing", what);
    for (int64_t k = 0; k < pairs; k++) {
        if (!(isfinite(q->scale[k]) && q->scale[k] > 0))
            return eb_errf(err, EB_EFORMAT, "%s: quant scale %lld is %g, expected finite and > 0", what, (long long)k,
                           (double)q->scale[k]);
        if (q->zero_point[k] < lo || q->zero_point[k] > hi)
            return eb_errf(err, EB_EFORMAT, "%s: quant zero point %lld is %d, outside %s's %d..%d", what, (long long)k,
                           (int)q->zero_point[k], eb_dtype_name(q->stored), (int)lo, (int)hi);
    }
    return EB_OK;
}

eb_status eb_storage_validate(const eb_tensor *t, const char *what, eb_err *err)
{
    if (eb_tensor_numel(t) < 0)
        return eb_errf(err, EB_EFORMAT, "%s: bad shape", what);
    if (!t->storage || t->storage->kind == EB_STORAGE_DENSE)
        return t->data || eb_tensor_numel(t) == 0 ? EB_OK : eb_errf(err, EB_EFORMAT, "%s: dense tensor without data", what);
    if (t->dtype != EB_DT_F32)
        return eb_errf(err, EB_EFORMAT, "%s: %s storage of a %s tensor, expected f32", what,
                       eb_storage_kind_name(t->storage->kind), eb_dtype_name(t->dtype));
    if (t->data)
        return eb_errf(err, EB_EFORMAT, "%s: %s storage and dense data at once", what, eb_storage_kind_name(t->storage->kind));
    switch (t->storage->kind) {
    case EB_STORAGE_CSR: return validate_csr(t, &t->storage->u.csr, what, err);
    case EB_STORAGE_NM: return validate_nm(t, &t->storage->u.nm, what, err);
    case EB_STORAGE_QUANT: return validate_quant(t, &t->storage->u.quant, what, err);
    case EB_STORAGE_F16:
        return t->storage->u.f16.data || eb_tensor_numel(t) == 0 ? EB_OK
                                                                   : eb_errf(err, EB_EFORMAT, "%s: f16 data missing", what);
    default: return eb_errf(err, EB_EFORMAT, "%s: storage kind %d is not one this version knows", what, (int)t->storage->kind);
    }
}

eb_status eb_storage_to_dense(const eb_tensor *t, float *out, eb_err *err)
{
    eb_status st = eb_storage_validate(t, "to_dense", err);
    if (st != EB_OK)
        return st;
    int64_t numel = eb_tensor_numel(t);
    const eb_storage *s = t->storage;
    if (!s || s->kind == EB_STORAGE_DENSE) {
        if (t->dtype != EB_DT_F32)
            return eb_errf(err, EB_EUNSUPPORTED, "to_dense: a dense %s tensor, expected f32", eb_dtype_name(t->dtype));
        memcpy(out, t->data, (size_t)numel * sizeof *out);
        return EB_OK;
    }
    if (s->kind == EB_STORAGE_CSR || s->kind == EB_STORAGE_NM)
        memset(out, 0, (size_t)numel * sizeof *out);
    if (s->kind == EB_STORAGE_CSR) {
        const eb_storage_csr *c = &s->u.csr;
        for (int64_t r = 0; r < c->rows; r++)
            for (int64_t k = c->row_ptr[r]; k < c->row_ptr[r + 1]; k++)
                out[eb_storage_view_offset(t, c->transposed, r, c->col_idx[k])] = c->values[k];
    } else if (s->kind == EB_STORAGE_NM) {
        const eb_storage_nm *p = &s->u.nm;
        int64_t kept = p->rows * (p->cols / p->m) * p->n;
        int64_t groups = p->cols / p->m;
        for (int64_t k = 0; k < kept; k++) {
            int64_t g = k / p->n;
            out[eb_storage_view_offset(t, p->transposed, g / groups, (g % groups) * p->m + p->index[k])] = p->values[k];
        }
    } else if (s->kind == EB_STORAGE_F16) {
        for (int64_t i = 0; i < numel; i++)
            out[i] = eb_f16_to_f32(s->u.f16.data[i]);
    } else {
        const eb_storage_quant *q = &s->u.quant;
        for (int64_t i = 0; i < numel; i++) {
            int64_t k = eb_storage_quant_pair(t, q, i);
            out[i] = q->scale[k] * (float)(eb_dtype_get_i64(q->stored, q->data, i) - q->zero_point[k]);
        }
    }
    return EB_OK;
}
