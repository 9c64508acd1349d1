/* attention_f32.c - scaled dot-product attention a block of query rows at
 * a time (attention_f32.h).  Per batch matrix: K^T and V are packed once;
 * then for each block of query rows the scores S = Q_block K^T go into
 * the worker's scratch, each row is scaled, masked (selected, added) and turned into
 * probabilities in place (max, e^(s - max) with the softmax row kernel,
 * times 1/sum), and Y_block = S V.  Batch matrices are spread over the
 * thread pool when there are at least as many as threads; otherwise they
 * run in turn and the products use the threads. */
#include "runners/cpu/attention_f32.h"

#include <math.h>
#include <string.h>

#include "reference_kernels/ref_util.h"
#include "runners/cpu/threadpool.h"

int eb_attention_block(int64_t n)
{
    int64_t rows = (128 * 1024 / (int64_t)sizeof(float)) / (n > 0 ? n : 1);
    return rows < 1 ? 1 : rows > EB_ATTN_ROWS_MAX ? EB_ATTN_ROWS_MAX : (int)rows;
}

size_t eb_attention_scratch_floats(const eb_attention *a, int threads)
{
    return (size_t)(threads > 1 ? threads : 1) * (size_t)a->block * (size_t)a->n;
}

enum { LANES = 8 }; /* partial maxima that vectorise, as eltwise_f32.c's rows */

/* One row of scores in place: scaled, selected (cond), masked (added);
 * returns its maximum.  Each pass is a plain loop over the row. */
static float prepare_row(const eb_attention *a, float *s, int64_t n, const uint8_t *cr, const float *mr)
{
    if (a->scale != 1.0f)
        for (int64_t j = 0; j < n; j++)
            s[j] *= a->scale;
    if (cr && a->sel.col) {
        for (int64_t j = 0; j < n; j++)
            s[j] = (cr[j] != 0) == a->fill_when ? a->fill : s[j];
    } else if (cr && (cr[0] != 0) == a->fill_when) {
        for (int64_t j = 0; j < n; j++)
            s[j] = a->fill;
    }
    if (mr && a->add.col) {
        for (int64_t j = 0; j < n; j++)
            s[j] += mr[j];
    } else if (mr) {
        for (int64_t j = 0; j < n; j++)
            s[j] += mr[0];
    }
    float m[LANES];
    for (int l = 0; l < LANES; l++)
        m[l] = -INFINITY;
    int64_t j = 0;
    for (; j + LANES <= n; j += LANES)
        for (int l = 0; l < LANES; l++)
            m[l] = s[j + l] > m[l] ? s[j + l] : m[l];
    for (; j < n; j++)
        m[0] = s[j] > m[0] ? s[j] : m[0];
    for (int l = 1; l < LANES; l++)
        m[0] = m[l] > m[0] ? m[l] : m[0];
    return m[0];
}

/* rows [r0, r0 + rows) of batch matrix i: scores into s, probabilities in
 * place, then their product with V into y */
static void block(const eb_attention *a, int64_t i, int64_t r0, int rows, const float *q, const eb_packed_b *pk,
                  const eb_packed_b *pv, const uint8_t *cond, const float *mask, float *y, float *s,
                  eb_threadpool *tp)
{
    int64_t n = a->n;
    eb_gemm_f32(rows, (int)n, (int)a->d, q + r0 * a->d, (int)a->d, pk, s, (int)n, NULL, tp);
    for (int r = 0; r < rows; r++) {
        float *sr = s + (int64_t)r * n;
        int64_t t = i * a->m + r0 + r;
        const uint8_t *cr = a->sel.on ? cond + eb_broadcast_offset(&a->rows, a->sel.srow, t) : NULL;
        const float *mr = a->add.on ? mask + eb_broadcast_offset(&a->rows, a->add.srow, t) : NULL;
        float mx = prepare_row(a, sr, n, cr, mr);
        float inv = 1.0f / a->exp_sum(sr, mx, sr, n);
        for (int64_t j = 0; j < n; j++)
            sr[j] *= inv;
    }
    eb_gemm_f32(rows, (int)a->dv, (int)n, s, (int)n, pv, y + r0 * a->dv, (int)a->dv, NULL, tp);
}

typedef struct ctx {
    const eb_attention *a;
    const float *q, *kt, *v, *mask;
    const uint8_t *cond;
    float *y, *scratch;
    eb_threadpool *tp; /* the products' threads: NULL when the batches are spread */
    eb_status st;
} ctx;

/* batch matrix `task` whole, on `worker`'s scratch */
static void batch(void *arg, int task, int worker)
{
    ctx *c = arg;
    const eb_attention *a = c->a;
    eb_isa prev = eb_gemm_thread_isa(a->isa);
    eb_packed_b *pk = NULL, *pv = NULL;
    eb_err err;
    const float *kt = c->kt + eb_broadcast_offset(&a->yb, a->sk, task) * a->d * a->n;
    const float *v = c->v + eb_broadcast_offset(&a->yb, a->sv, task) * a->n * a->dv;
    if (eb_gemm_pack_b(kt, (int)a->d, (int)a->n, (int)a->n, false, &pk, &err) != EB_OK ||
        eb_gemm_pack_b(v, (int)a->n, (int)a->dv, (int)a->dv, false, &pv, &err) != EB_OK) {
        c->st = EB_ENOMEM;
    } else {
        const float *q = c->q + eb_broadcast_offset(&a->yb, a->sq, task) * a->m * a->d;
        float *y = c->y + (int64_t)task * a->m * a->dv, *s = c->scratch + (size_t)worker * a->block * a->n;
        for (int64_t r0 = 0; r0 < a->m; r0 += a->block) {
            int rows = (int)(a->m - r0 < a->block ? a->m - r0 : a->block);
            block(a, task, r0, rows, q, pk, pv, c->cond, c->mask, y, s, c->tp);
        }
    }
    eb_gemm_packed_free(pk);
    eb_gemm_packed_free(pv);
    eb_gemm_thread_isa(prev);
}

eb_status eb_attention_f32(const eb_attention *a, const float *q, const float *kt, const float *v,
                           const uint8_t *cond, const float *mask, float *y, float *scratch, eb_threadpool *tp)
{
    ctx c = {a, q, kt, v, mask, cond, y, scratch, NULL, EB_OK};
    if (a->m * a->dv == 0)
        return EB_OK;
    if (tp && a->batches >= eb_threadpool_size(tp)) {
        eb_threadpool_run(tp, (int)a->batches, batch, &c);
    } else {
        c.tp = tp;
        for (int64_t i = 0; i < a->batches && c.st == EB_OK; i++)
            batch(&c, (int)i, 0);
    }
    return c.st;
}
