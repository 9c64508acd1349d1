/* ref_compressed.c - Conv, Gemm and MatMul on compressed weights and as
 * quantized nodes, with the arithmetic stated in ref_quant.h: the grids,
 * the integer product (the i32 Conv and MatMul kernels on zero-point-free
 * widened copies, so that the geometry code is the float kernels'), the
 * rescale and the requantization; and the sparse products. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_quant.h"
#include "reference_kernels/ref_util.h"

int32_t eb_quantize(float x, float scale, int32_t zero, int32_t lo, int32_t hi)
{
    float r = x / scale;
    if (isnan(r))
        return zero < lo ? lo : zero > hi ? hi : zero;
    if (r > 4e9f || r < -4e9f) /* beyond any grid: lrintf would overflow */
        return r > 0 ? hi : lo;
    long v = lrintf(r) + zero;
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

void eb_ref_dynamic_grid(const float *x, int64_t n, float *scale, int32_t *zero)
{
    float mn = 0, mx = 0;
    for (int64_t i = 0; i < n; i++) {
        mn = fminf(mn, x[i]);
        mx = fmaxf(mx, x[i]);
    }
    *scale = mx - mn > 0 ? (mx - mn) / 255.0f : 1.0f;
    *zero = eb_quantize(0.0f - mn, *scale, 0, 0, 255);
}

void eb_ref_spmm_csr(const eb_storage_csr *w, const float *x, int64_t nj, float *y)
{
    for (int64_t j = 0; j < nj; j++)
        for (int64_t r = 0; r < w->rows; r++) {
            float acc = 0;
            for (int64_t k = w->row_ptr[r]; k < w->row_ptr[r + 1]; k++)
                acc += w->values[k] * x[j * w->cols + w->col_idx[k]];
            y[j * w->rows + r] = acc;
        }
}

void eb_ref_spmm_nm(const eb_storage_nm *w, const float *x, int64_t nj, float *y)
{
    int64_t groups = w->cols / w->m;
    for (int64_t j = 0; j < nj; j++)
        for (int64_t r = 0; r < w->rows; r++) {
            float acc = 0;
            for (int64_t g = 0; g < groups; g++)
                for (int t = 0; t < w->n; t++) {
                    int64_t k = (r * groups + g) * w->n + t;
                    acc += w->values[k] * x[j * w->cols + g * w->m + w->index[k]];
                }
            y[j * w->rows + r] = acc;
        }
}

bool eb_ref_weight_compressed(const eb_node *n, const eb_tensor *const *in)
{
    if (n->n_in < 2 || !in[1])
        return false;
    /* the i32 product a quantized node runs comes back here with a plain i32 weight */
    return in[1]->storage || (n->quant && in[1]->dtype == EB_DT_F32);
}

/* The output channel of element i of y, and how many there are. */
static int64_t channel_of(const eb_node *n, const eb_tensor *y, int64_t i, int64_t *count)
{
    if (n->op == EB_OP_CONV) {
        int64_t plane = eb_dims_product(y->shape + 2, y->rank - 2);
        *count = y->shape[1];
        return (i / plane) % y->shape[1];
    }
    *count = y->shape[y->rank - 1];
    return i % y->shape[y->rank - 1];
}

/* The weight axis of the output channel: Conv 0, Gemm 0 with transB, else
 * the last (MatMul's and Gemm's N). */
static int channel_axis(const eb_node *n, const eb_tensor *w)
{
    if (n->op == EB_OP_CONV || (n->op == EB_OP_GEMM && eb_attr_int(n, "transB", 0)))
        return 0;
    return w->rank - 1;
}

/* A new i32 tensor shaped like t, zeroed. */
static eb_status alloc_i32(const eb_tensor *t, eb_tensor *out, const char *what, eb_err *err)
{
    *out = (eb_tensor){0};
    eb_tensor_copy_meta(out, t);
    out->dtype = EB_DT_I32;
    return eb_tensor_alloc(out, what, err);
}

/* acc = A' * B' for Gemm's transposes, both i32, accumulating in int64. */
static void gemm_i32(const eb_tensor *a, const eb_tensor *b, bool ta, bool tb, eb_tensor *acc)
{
    const int32_t *ad = a->data, *bd = b->data;
    int32_t *yd = acc->data;
    int64_t m = acc->shape[0], nn = acc->shape[1], k = ta ? a->shape[0] : a->shape[1];
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < nn; j++) {
            int64_t s = 0;
            for (int64_t p = 0; p < k; p++)
                s += (int64_t)(ta ? ad[p * m + i] : ad[i * k + p]) * (tb ? bd[j * k + p] : bd[p * nn + j]);
            yd[i * nn + j] = (int32_t)s;
        }
}

static eb_status quantized(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0], *w = in[1];
    eb_tensor *y = out[0];
    const eb_node_quant *nq = n->quant;
    const eb_storage_quant *wq = w->storage && w->storage->kind == EB_STORAGE_QUANT ? &w->storage->u.quant : NULL;
    if (!wq || (wq->stored != EB_DT_I8 && wq->stored != EB_DT_U8) || wq->group > 0 || x->dtype != EB_DT_F32)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: a quantized node needs an f32 input and an int8 weight, per tensor or per channel",
                       n->op_type);
    int axis = channel_axis(n, w);
    int64_t channels;
    channel_of(n, y, 0, &channels);
    if (wq->n_scales != 1 && (wq->axis != axis || wq->n_scales != channels))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: the weight's scales run along axis %d, not the output channels' %d",
                       n->op_type, wq->axis, axis);
    float xs;
    int32_t xz;
    int64_t nx = eb_tensor_numel(x), nw = eb_tensor_numel(w), ny = eb_tensor_numel(y);
    if (nq->act == EB_ACT_DYNAMIC)
        eb_ref_dynamic_grid(x->data, nx, &xs, &xz);
    else
        xs = nq->in_scale, xz = nq->in_zero;
    eb_tensor xi, wi, acc = {0};
    eb_status st = alloc_i32(x, &xi, "quantized input", err);
    if (st == EB_OK && (st = alloc_i32(w, &wi, "widened weight", err)) != EB_OK)
        eb_tensor_free_data(&xi);
    if (st == EB_OK && (st = alloc_i32(y, &acc, "accumulators", err)) != EB_OK) {
        eb_tensor_free_data(&xi);
        eb_tensor_free_data(&wi);
    }
    if (st != EB_OK)
        return st;
    const float *xd = x->data;
    int32_t *xid = xi.data, *wid = wi.data;
    for (int64_t i = 0; i < nx; i++)
        xid[i] = eb_quantize(xd[i], xs, xz, 0, 255) - xz;
    for (int64_t i = 0; i < nw; i++)
        wid[i] = (int32_t)eb_dtype_get_i64(wq->stored, wq->data, i) - wq->zero_point[eb_storage_quant_pair(w, wq, i)];

    const eb_tensor *args[3] = {&xi, &wi, NULL};
    eb_tensor *res[1] = {&acc};
    if (n->op == EB_OP_CONV)
        st = eb_ref_conv(n, args, res, err);
    else if (n->op == EB_OP_MATMUL)
        st = eb_ref_matmul(n, args, res, err);
    else
        gemm_i32(&xi, &wi, eb_attr_int(n, "transA", 0) != 0, eb_attr_int(n, "transB", 0) != 0, &acc);

    const eb_tensor *bias = n->op == EB_OP_MATMUL ? NULL : eb_opt_in(n, in, 2);
    float alpha = eb_attr_float(n, "alpha", 1.0f), beta = eb_attr_float(n, "beta", 1.0f);
    int64_t c_stride[EB_MAX_RANK] = {0};
    if (n->op == EB_OP_GEMM && bias && beta != 0.0f)
        eb_broadcast_strides(bias, y, c_stride);
    const int32_t *ad = acc.data;
    float *yd = y->data;
    for (int64_t i = 0; st == EB_OK && i < ny; i++) {
        int64_t c = channel_of(n, y, i, &channels);
        float v = (float)ad[i] * (xs * wq->scale[wq->n_scales == 1 ? 0 : c]);
        if (n->op == EB_OP_CONV && bias)
            v += ((const float *)bias->data)[c];
        else if (n->op == EB_OP_GEMM) {
            v *= alpha;
            if (bias && beta != 0.0f)
                v += beta * ((const float *)bias->data)[(i / y->shape[1]) * c_stride[0] + c * c_stride[1]];
        }
        if (nq->act == EB_ACT_STATIC && nq->requant)
            v = (float)(eb_quantize(v, nq->out_scale, nq->out_zero, 0, 255) - nq->out_zero) * nq->out_scale;
        yd[i] = v;
    }
    eb_tensor_free_data(&xi);
    eb_tensor_free_data(&wi);
    eb_tensor_free_data(&acc);
    return st;
}

/* Gemm (no transA) or MatMul with a 2-D CSR or N:M weight stored by output
 * row: the sparse product; false when the layout does not fit. */
static bool sparse_product(const eb_node *n, const eb_tensor *const *in, eb_tensor *y)
{
    const eb_tensor *x = in[0], *w = in[1];
    const eb_storage *s = w->storage;
    if ((s->kind != EB_STORAGE_CSR && s->kind != EB_STORAGE_NM) || w->rank != 2 || x->dtype != EB_DT_F32)
        return false;
    bool transposed = s->kind == EB_STORAGE_CSR ? s->u.csr.transposed : s->u.nm.transposed;
    /* rows of the storage must be the outputs: [N,K] as is (Gemm transB), [K,N] transposed */
    bool by_output = n->op == EB_OP_GEMM && eb_attr_int(n, "transB", 0) ? !transposed : transposed;
    if (!by_output || (n->op == EB_OP_GEMM && eb_attr_int(n, "transA", 0)) || x->rank < 1)
        return false;
    int64_t k = x->shape[x->rank - 1], nj = k > 0 ? eb_tensor_numel(x) / k : 0;
    if (s->kind == EB_STORAGE_CSR)
        eb_ref_spmm_csr(&s->u.csr, x->data, nj, y->data);
    else
        eb_ref_spmm_nm(&s->u.nm, x->data, nj, y->data);
    if (n->op == EB_OP_GEMM) {
        const eb_tensor *c = eb_opt_in(n, in, 2);
        float alpha = eb_attr_float(n, "alpha", 1.0f), beta = eb_attr_float(n, "beta", 1.0f);
        int64_t c_stride[EB_MAX_RANK] = {0};
        if (c && beta != 0.0f)
            eb_broadcast_strides(c, y, c_stride);
        float *yd = y->data;
        int64_t cols = y->shape[1];
        for (int64_t i = 0; i < eb_tensor_numel(y); i++) {
            yd[i] *= alpha;
            if (c && beta != 0.0f)
                yd[i] += beta * ((const float *)c->data)[(i / cols) * c_stride[0] + (i % cols) * c_stride[1]];
        }
    }
    return true;
}

eb_status eb_ref_compressed(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    if (n->quant)
        return quantized(n, in, out, err);
    if (sparse_product(n, in, out[0]))
        return EB_OK;
    /* weight-only: the float kernel on the decoded weight */
    eb_tensor dense = {0};
    eb_tensor_copy_meta(&dense, in[1]);
    eb_status st = eb_tensor_alloc(&dense, "decoded weight", err);
    if (st == EB_OK && (st = eb_storage_to_dense(in[1], dense.data, err)) == EB_OK) {
        const eb_tensor *args[3] = {in[0], &dense, n->n_in > 2 ? in[2] : NULL};
        st = eb_ref_kernels[n->op](n, args, out, err);
    }
    eb_tensor_free_data(&dense);
    return st;
}
