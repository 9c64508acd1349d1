/* wgemm.c - the driver of the compressed-weight products (wgemm.h): the
 * repacking of a graph storage into eb_cweights at prepare, and
 * eb_wgemm, which cuts the product into tasks for the thread pool, feeds the
 * kernel of the plan's ISA (kernels.def) and applies bias and activation.
 *
 * I4 and F16 stream W once per EB_WDOT_ROWS rows of X (the GEMV form).
 * I4X quantizes each row of X to int8 first (eb_xq8_quantize, into the
 * scratch) and streams W once per row, 16 outputs at a time.
 * CSR and N:M use the GEMV form (p = 1) for one or two rows, otherwise
 * XNNPACK's SpMM form: a tile of EB_SPMM_TILE rows of X is transposed into
 * scratch ([K][tile]), each nonzero then multiplies a whole vector of
 * pixels, and the [N][tile] result is transposed back into Y's rows (NHWC,
 * which is what a 1x1 convolution's activation is in the cpu runner). */
#include "runners/cpu/wgemm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "runners/cpu/gemm_kernel.h"
#include "runners/cpu/kernels.h"

/* ---- repacking ------------------------------------------------------------------ */

/* W as [N][K]: the dims and the offset of (n, k) in t's row-major data. */
static bool view_nk(const eb_tensor *t, bool by_output, int64_t *n, int64_t *k)
{
    int64_t numel = eb_tensor_numel(t);
    if (t->rank < 2 || numel <= 0)
        return false;
    if (by_output) {
        *n = t->shape[0];
        *k = numel / *n;
    } else {
        if (t->rank != 2)
            return false;
        *k = t->shape[0];
        *n = t->shape[1];
    }
    return *n > 0 && *k > 0 && *n <= INT32_MAX && *k <= INT32_MAX;
}

static int64_t off_nk(bool by_output, int64_t n_dim, int64_t k_dim, int64_t n, int64_t k)
{
    return by_output ? n * k_dim + k : k * n_dim + n;
}

static int i4_at(const uint8_t *d, int64_t i)
{
    int v = (i & 1) ? d[i / 2] >> 4 : d[i / 2] & 0xf;
    return v >= 8 ? v - 16 : v;
}

/* The quant storage's pairs are constant over each group of its `group`
 * elements along K (so that our [N][K/group] scales describe it). */
static bool i4_groups_along_k(const eb_tensor *t, const eb_storage_quant *q, bool by_output, int64_t n, int64_t k)
{
    for (int64_t r = 0; r < n; r++)
        for (int64_t c = 0; c < k; c++)
            if (c % q->group &&
                eb_storage_quant_pair(t, q, off_nk(by_output, n, k, r, c)) !=
                    eb_storage_quant_pair(t, q, off_nk(by_output, n, k, r, c - c % q->group)))
                return false;
    return true;
}

bool eb_cweights_supported(const eb_tensor *t, bool by_output)
{
    int64_t n, k;
    if (!t || !t->storage || t->dtype != EB_DT_F32 || !view_nk(t, by_output, &n, &k))
        return false;
    const eb_storage *s = t->storage;
    switch (s->kind) {
    case EB_STORAGE_QUANT: {
        const eb_storage_quant *q = &s->u.quant;
        return q->stored == EB_DT_I4 && q->group > 0 && q->group % 16 == 0 && k % 32 == 0 && k % q->group == 0 &&
               i4_groups_along_k(t, q, by_output, n, k);
    }
    case EB_STORAGE_F16: return true;
    case EB_STORAGE_CSR: /* the storage's rows must be the outputs */
        return s->u.csr.transposed != by_output && k <= 65536; /* view_nk: transposed only at rank 2 */
    case EB_STORAGE_NM: return s->u.nm.transposed != by_output && s->u.nm.m <= 255;
    default: return false;
    }
}

bool eb_cweights_i4x_supported(const eb_tensor *t, bool by_output)
{
    if (!eb_cweights_supported(t, by_output) || t->storage->kind != EB_STORAGE_QUANT)
        return false;
    const eb_storage_quant *q = &t->storage->u.quant;
    for (int64_t i = 0; i < q->n_scales; i++)
        if (q->zero_point[i] != 0)
            return false;
    return q->group % 32 == 0;
}

void eb_cweights_free(eb_cweights *w)
{
    free(w->q);
    free(w->scale);
    free(w->zero);
    free(w->h);
    free(w->row_ptr);
    free(w->col);
    free(w->val);
    free(w->idx);
    memset(w, 0, sizeof *w);
}

void eb_cweights_scale_rows(eb_cweights *w, const float *scale)
{
    for (int n = 0; n < w->n; n++) {
        switch (w->kind) {
        case EB_CW_I4:
            for (int g = 0; g < w->k / w->group; g++)
                w->scale[(size_t)n * (size_t)(w->k / w->group) + (size_t)g] *= scale[n];
            break;
        case EB_CW_CSR:
            for (int32_t j = w->row_ptr[n]; j < w->row_ptr[n + 1]; j++)
                w->val[j] *= scale[n];
            break;
        case EB_CW_NM: {
            size_t per = (size_t)(w->k / w->m) * (size_t)w->nn;
            for (size_t j = 0; j < per; j++)
                w->val[(size_t)n * per + j] *= scale[n];
            break;
        }
        case EB_CW_I4X: {
            size_t ng = (size_t)(w->k / w->group), b = (size_t)n / EB_I4X_ROWS, r = (size_t)n % EB_I4X_ROWS;
            for (size_t g = 0; g < ng; g++)
                w->scale[(b * ng + g) * EB_I4X_ROWS + r] *= scale[n];
            break;
        }
        case EB_CW_F16: break;
        }
    }
}

size_t eb_cweights_bytes(const eb_cweights *w)
{
    size_t n = (size_t)w->n, k = (size_t)w->k;
    switch (w->kind) {
    case EB_CW_I4: return n * k / 2 + (w->zero ? 2 : 1) * sizeof(float) * n * (k / (size_t)w->group);
    case EB_CW_F16: return n * k * sizeof(uint16_t);
    case EB_CW_CSR: {
        size_t nnz = (size_t)w->row_ptr[n];
        return (n + 1) * sizeof(int32_t) + nnz * (sizeof(uint16_t) + sizeof(float));
    }
    case EB_CW_NM: return n * k / (size_t)w->m * (size_t)w->nn * (sizeof(float) + 1);
    case EB_CW_I4X: {
        size_t rows = (n + EB_I4X_ROWS - 1) / EB_I4X_ROWS * EB_I4X_ROWS;
        return rows * k / 2 + sizeof(float) * rows * (k / (size_t)w->group);
    }
    }
    return 0;
}

static eb_status pack_i4(const eb_tensor *t, bool by_output, eb_cweights *w, eb_err *err)
{
    const eb_storage_quant *q = &t->storage->u.quant;
    size_t n = (size_t)w->n, k = (size_t)w->k, g = (size_t)q->group, ng = k / g;
    w->group = q->group;
    w->q = calloc(n * k / 2, 1);
    w->scale = malloc(sizeof(float) * n * ng);
    bool zeros = false;
    for (int64_t i = 0; i < q->n_scales; i++)
        zeros |= q->zero_point[i] != 0;
    w->zero = zeros ? malloc(sizeof(float) * n * ng) : NULL;
    if (!w->q || !w->scale || (zeros && !w->zero))
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory repacking int4 weights");
    for (size_t r = 0; r < n; r++) {
        for (size_t c = 0; c < k; c++) {
            int64_t off = off_nk(by_output, w->n, w->k, (int64_t)r, (int64_t)c);
            unsigned u = (unsigned)(i4_at(q->data, off) + 8);
            size_t chunk = c / 32, j = c % 32;
            uint8_t *b = &w->q[r * k / 2 + chunk * 16 + (j % 16)];
            *b |= (uint8_t)(j < 16 ? u : u << 4);
            if (c % g == 0) {
                int64_t pair = eb_storage_quant_pair(t, q, off);
                w->scale[r * ng + c / g] = q->scale[pair];
                if (zeros)
                    w->zero[r * ng + c / g] = 8.0f + (float)q->zero_point[pair];
            }
        }
    }
    return EB_OK;
}

/* I4X (wgemm.h): the same values as pack_i4, rows interleaved by 16 */
static eb_status pack_i4x(const eb_tensor *t, bool by_output, eb_cweights *w, eb_err *err)
{
    const eb_storage_quant *q = &t->storage->u.quant;
    size_t k = (size_t)w->k, g = (size_t)q->group, ng = k / g, blocks = ((size_t)w->n + EB_I4X_ROWS - 1) / EB_I4X_ROWS;
    w->group = q->group;
    w->q = malloc(blocks * EB_I4X_ROWS * k / 2);
    w->scale = calloc(blocks * EB_I4X_ROWS * ng, sizeof(float));
    if (!w->q || !w->scale)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory repacking int4 weights");
    memset(w->q, 0x88, blocks * EB_I4X_ROWS * k / 2); /* rows past n: q + 8 = 8, weight 0 */
    for (size_t r = 0; r < (size_t)w->n; r++) {
        size_t b = r / EB_I4X_ROWS, rr = r % EB_I4X_ROWS;
        for (size_t c = 0; c < k; c++) {
            int64_t off = off_nk(by_output, w->n, w->k, (int64_t)r, (int64_t)c);
            unsigned u = (unsigned)(i4_at(q->data, off) + 8);
            size_t t8 = c / 8, i = c % 8;
            uint8_t *byte = &w->q[(b * (k / 8) + t8) * 64 + rr * 4 + i % 4];
            *byte = (uint8_t)(i < 4 ? (*byte & 0xf0) | u : (*byte & 0x0f) | (u << 4));
            if (c % g == 0)
                w->scale[(b * ng + c / g) * EB_I4X_ROWS + rr] = q->scale[eb_storage_quant_pair(t, q, off)];
        }
    }
    return EB_OK;
}

static eb_status pack_f16(const eb_tensor *t, bool by_output, eb_cweights *w, eb_err *err)
{
    size_t n = (size_t)w->n, k = (size_t)w->k;
    if (!(w->h = malloc(sizeof(uint16_t) * n * k)))
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory repacking fp16 weights");
    const uint16_t *h = t->storage->u.f16.data;
    for (size_t r = 0; r < n; r++)
        for (size_t c = 0; c < k; c++)
            w->h[r * k + c] = h[off_nk(by_output, w->n, w->k, (int64_t)r, (int64_t)c)];
    return EB_OK;
}

static eb_status pack_csr(const eb_tensor *t, eb_cweights *w, eb_err *err)
{
    const eb_storage_csr *c = &t->storage->u.csr;
    size_t nnz = (size_t)c->nnz;
    w->row_ptr = malloc(sizeof(int32_t) * ((size_t)w->n + 1));
    w->col = malloc(sizeof(uint16_t) * (nnz ? nnz : 1));
    w->val = malloc(sizeof(float) * (nnz ? nnz : 1));
    if (!w->row_ptr || !w->col || !w->val || c->nnz > INT32_MAX)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory repacking CSR weights");
    for (int i = 0; i <= w->n; i++)
        w->row_ptr[i] = (int32_t)c->row_ptr[i];
    for (size_t i = 0; i < nnz; i++) {
        w->col[i] = (uint16_t)c->col_idx[i];
        w->val[i] = c->values[i];
    }
    return EB_OK;
}

static eb_status pack_nm(const eb_tensor *t, eb_cweights *w, eb_err *err)
{
    const eb_storage_nm *s = &t->storage->u.nm;
    size_t cnt = (size_t)w->n * (size_t)w->k / (size_t)s->m * (size_t)s->n;
    w->nn = s->n;
    w->m = s->m;
    w->val = malloc(sizeof(float) * (cnt ? cnt : 1));
    w->idx = malloc(cnt ? cnt : 1);
    if (!w->val || !w->idx)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory repacking N:M weights");
    memcpy(w->val, s->values, sizeof(float) * cnt);
    memcpy(w->idx, s->index, cnt);
    return EB_OK;
}

eb_status eb_cweights_pack(const eb_tensor *t, bool by_output, eb_cweights *w, eb_err *err)
{
    memset(w, 0, sizeof *w);
    int64_t n, k;
    if (!eb_cweights_supported(t, by_output) || !view_nk(t, by_output, &n, &k))
        return eb_errf(err, EB_EINVAL, "cpu: a compressed weight the compressed kernels do not take");
    w->n = (int)n;
    w->k = (int)k;
    eb_status st = EB_OK;
    switch (t->storage->kind) {
    case EB_STORAGE_QUANT: w->kind = EB_CW_I4; st = pack_i4(t, by_output, w, err); break;
    case EB_STORAGE_F16: w->kind = EB_CW_F16; st = pack_f16(t, by_output, w, err); break;
    case EB_STORAGE_CSR: w->kind = EB_CW_CSR; st = pack_csr(t, w, err); break;
    default: w->kind = EB_CW_NM; st = pack_nm(t, w, err); break;
    }
    if (st != EB_OK)
        eb_cweights_free(w);
    return st;
}

eb_status eb_cweights_pack_i4x(const eb_tensor *t, bool by_output, eb_cweights *w, eb_err *err)
{
    memset(w, 0, sizeof *w);
    int64_t n, k;
    if (!eb_cweights_i4x_supported(t, by_output) || !view_nk(t, by_output, &n, &k))
        return eb_errf(err, EB_EINVAL, "cpu: an int4 weight the int8-activation GEMV does not take");
    w->n = (int)n;
    w->k = (int)k;
    w->kind = EB_CW_I4X;
    eb_status st = pack_i4x(t, by_output, w, err);
    if (st != EB_OK)
        eb_cweights_free(w);
    return st;
}

void eb_xq8_quantize(const float *x, int k, int8_t *q, float *s, int32_t *c8)
{
    for (int b = 0; b < k / 32; b++) {
        const float *xb = x + (size_t)b * 32;
        float mx = 0.0f;
        bool finite = true;
        for (int j = 0; j < 32; j++) {
            finite = finite && isfinite(xb[j]);
            mx = fabsf(xb[j]) > mx ? fabsf(xb[j]) : mx;
        }
        int32_t sum = 0;
        float inv = finite && mx > 0.0f ? 127.0f / mx : 0.0f;
        for (int j = 0; j < 32; j++) { /* |x * inv| <= 127 (rounded: at most 127.00002) */
            int v = (int)nearbyintf(xb[j] * inv);
            q[b * 32 + j] = (int8_t)v;
            sum += v;
        }
        s[b] = finite ? mx / 127.0f : NAN; /* a NaN or an infinity makes the outputs NaN */
        c8[b] = 8 * sum;
    }
}

/* ---- the product ------------------------------------------------------------------ */

typedef struct job {
    const eb_cweights *w;
    const eb_kernel *kern;
    int m;
    const float *x;
    size_t ldx;
    float *y;
    size_t ldy;
    const eb_epilogue *ep;
    int tiles, nsplit;  /* SpMM form: tasks = tiles * nsplit */
    int nchunk;         /* outputs per task */
    float *scratch;     /* SpMM form: EB_SPMM_SCRATCH(k, n) floats per worker */
    eb_xq8 xq[2];       /* I4X: the rows of X quantized (at most 2) */
} job;

/* bias and activation over y[n0, n1): one plain loop per case, so that the
 * compiler vectorizes them (GCC at -O2 only with the attribute; clang does) */
#if defined(__GNUC__) && !defined(__clang__)
#define EB_VECTORIZE __attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic")))
#else
#define EB_VECTORIZE
#endif
EB_VECTORIZE static void epilogue_row(float *y, int n0, int n1, const eb_epilogue *ep)
{
    if (!ep || (!ep->bias && ep->act == EB_ACT_NONE))
        return;
    const float *b = ep->bias;
    float lo = ep->act == EB_ACT_RELU ? 0.0f : ep->lo, hi = ep->hi;
    switch (ep->act) {
    case EB_ACT_NONE:
        for (int j = n0; j < n1; j++)
            y[j] += b[j];
        break;
    case EB_ACT_RELU:
    case EB_ACT_CLIP:
        if (b)
            for (int j = n0; j < n1; j++)
                y[j] += b[j];
        for (int j = n0; j < n1; j++)
            y[j] = y[j] < lo ? lo : y[j];
        if (ep->act == EB_ACT_CLIP)
            for (int j = n0; j < n1; j++)
                y[j] = y[j] > hi ? hi : y[j];
        break;
    default:
        for (int j = n0; j < n1; j++)
            y[j] = eb_gemm_act_scalar(y[j] + (b ? b[j] : 0.0f), ep);
        break;
    }
}

/* GEMV form over outputs [begin, end). */
static void rows_range(void *ctx, int64_t begin, int64_t end)
{
    const job *j = ctx;
    const eb_cweights *w = j->w;
    int n0 = (int)begin, n1 = (int)end;
    if (j->kern->kind == EB_KERNEL_SPMM_CSR || j->kern->kind == EB_KERNEL_SPMM_NM) {
        for (int i = 0; i < j->m; i++)
            j->kern->fn.spmm(w, 1, j->x + (size_t)i * j->ldx, j->ldx, j->y + (size_t)i * j->ldy, j->ldy, n0, n1, NULL);
    } else {
        for (int i = 0; i < j->m; i += EB_WDOT_ROWS) {
            int rows = j->m - i < EB_WDOT_ROWS ? j->m - i : EB_WDOT_ROWS;
            j->kern->fn.wdot(w, rows, j->x + (size_t)i * j->ldx, j->ldx, j->y + (size_t)i * j->ldy, j->ldy, n0, n1);
        }
    }
    for (int i = 0; i < j->m; i++)
        epilogue_row(j->y + (size_t)i * j->ldy, n0, n1, j->ep);
}

/* SpMM form: one tile of EB_SPMM_TILE rows of X times one chunk of outputs,
 * in the worker's scratch. */
static void tile_task(void *ctx, int task, int worker)
{
    const job *j = ctx;
    const eb_cweights *w = j->w;
    int tile = task / j->nsplit, part = task % j->nsplit;
    int n0 = part * j->nchunk, n1 = n0 + j->nchunk < w->n ? n0 + j->nchunk : w->n;
    int p0 = tile * EB_SPMM_TILE, pn = j->m - p0 < EB_SPMM_TILE ? j->m - p0 : EB_SPMM_TILE;
    if (n0 >= n1)
        return;
    j->kern->fn.spmm(w, pn, j->x + (size_t)p0 * j->ldx, j->ldx, j->y + (size_t)p0 * j->ldy, j->ldy, n0, n1,
                     j->scratch + (size_t)worker * EB_SPMM_SCRATCH(w->k, w->n));
    for (int i = 0; i < pn; i++)
        epilogue_row(j->y + (size_t)(p0 + i) * j->ldy, n0, n1, j->ep);
}

/* I4X: row blocks [begin, end) for each (quantized) row of X */
static void blocks_range(void *ctx, int64_t begin, int64_t end)
{
    const job *j = ctx;
    int n0 = (int)begin * EB_I4X_ROWS, n1 = (int)end * EB_I4X_ROWS < j->w->n ? (int)end * EB_I4X_ROWS : j->w->n;
    for (int i = 0; i < j->m; i++) {
        j->kern->fn.wdot_q8(j->w, &j->xq[i], j->y + (size_t)i * j->ldy, (int)begin, (int)end);
        epilogue_row(j->y + (size_t)i * j->ldy, n0, n1, j->ep);
    }
}

/* I4X: the scratch floats one quantized row of X takes (s, c8, then q) */
static size_t xq8_floats(int k)
{
    return 2 * (size_t)(k / 32) + ((size_t)k + 3) / 4;
}

static eb_kernel_kind kind_of(const eb_cweights *w)
{
    switch (w->kind) {
    case EB_CW_I4X: return EB_KERNEL_WDOT_I4Q8;
    case EB_CW_I4: return EB_KERNEL_WDOT_I4;
    case EB_CW_F16: return EB_KERNEL_WDOT_F16;
    case EB_CW_CSR: return EB_KERNEL_SPMM_CSR;
    default: return EB_KERNEL_SPMM_NM;
    }
}

static bool tile_form(const eb_cweights *w, int m)
{
    return (w->kind == EB_CW_CSR || w->kind == EB_CW_NM) && m > 2;
}

size_t eb_wgemm_scratch_floats(const eb_cweights *w, int m, int threads)
{
    if (w->kind == EB_CW_I4X)
        return (size_t)m * xq8_floats(w->k);
    return tile_form(w, m) ? EB_SPMM_SCRATCH(w->k, w->n) * (size_t)(threads > 1 ? threads : 1) : 0;
}

void eb_wgemm(const eb_cweights *w, eb_isa isa, int m, const float *x, size_t ldx, float *y, size_t ldy,
              const eb_epilogue *ep, float *scratch, eb_threadpool *tp)
{
    if (m <= 0 || w->n <= 0)
        return;
    job j = {.w = w, .kern = eb_kernel_pick(kind_of(w), isa), .m = m, .x = x, .ldx = ldx, .y = y, .ldy = ldy,
             .ep = ep};
    int threads = tp ? eb_threadpool_size(tp) : 1;
    float *own = NULL;
    if (w->kind == EB_CW_I4X) { /* the GEMV form, m <= 2 (the planner's), any m here */
        size_t per = xq8_floats(w->k);
        if (!scratch && !(scratch = own = malloc(sizeof(float) * per * (size_t)(m < 2 ? 1 : 2)))) {
            for (int i = 0; i < m; i++) /* no scratch given and none to be had: NaN, not a stale y */
                for (int c = 0; c < w->n; c++)
                    y[(size_t)i * ldy + (size_t)c] = NAN;
            return;
        }
        for (int i0 = 0; i0 < m; i0 += 2) {
            j.m = m - i0 < 2 ? m - i0 : 2;
            j.x = x + (size_t)i0 * ldx;
            j.y = y + (size_t)i0 * ldy;
            for (int i = 0; i < j.m; i++) {
                float *base = scratch + (size_t)i * per;
                eb_xq8_quantize(j.x + (size_t)i * ldx, w->k, (int8_t *)(base + 2 * (w->k / 32)), base,
                                (int32_t *)(base + w->k / 32));
                j.xq[i] = (eb_xq8){(const int8_t *)(base + 2 * (w->k / 32)), base, (const int32_t *)(base + w->k / 32)};
            }
            eb_cpu_parallel_for(tp, (w->n + EB_I4X_ROWS - 1) / EB_I4X_ROWS, 4, blocks_range, &j);
        }
        free(own);
        return;
    }
    if (tile_form(w, m) && !scratch)
        scratch = own = malloc(sizeof(float) * eb_wgemm_scratch_floats(w, m, threads));
    if (!tile_form(w, m) || !scratch) {
        eb_cpu_parallel_for(tp, w->n, 64, rows_range, &j);
        return;
    }
    j.scratch = scratch;
    j.tiles = (m + EB_SPMM_TILE - 1) / EB_SPMM_TILE;
    j.nsplit = 1;
    while (j.tiles * j.nsplit < 4 * threads && w->n / (j.nsplit * 2) >= 32)
        j.nsplit *= 2; /* few tiles: split the outputs too, so that every thread has work */
    j.nchunk = (w->n + j.nsplit - 1) / j.nsplit;
    if (tp && threads > 1) {
        eb_threadpool_run(tp, j.tiles * j.nsplit, tile_task, &j);
    } else {
        for (int t = 0; t < j.tiles * j.nsplit; t++)
            tile_task(&j, t, 0);
    }
    free(own);
}
