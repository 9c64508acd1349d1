/* cpu_plan_rnn.c - LSTM, GRU and RNN on the cpu runner: the planner and
 * the step (ST_RNN, cpu_steps.def).
 *
 * Per direction, the input projection of every time step is one GEMM,
 * X[seq*batch, input] * W^T + bias, with W packed once in prepare (gemm.h);
 * then each step multiplies the state H[batch, hidden] by the packed R^T
 * (a small GEMM over the batch) and applies the gates elementwise in
 * float.  The biases Wb + Rb fold into the projection, except GRU's Rbh
 * with linear_before_reset=1, which belongs inside r * (H Rh^T + Rbh) and
 * rides the recurrent GEMM's epilogue.  GRU with linear_before_reset=0
 * needs (r * H) Rh^T: a second GEMM per step over R's last third.
 *
 * Everything ONNX allows in f32 is taken: directions, sequence_lens read at
 * run time, initial states, peepholes, input_forget, clip, activations,
 * layout 1.  W, R, B and P are packed in prepare when they are constants,
 * else on every run (as the ONNX test vectors feed them).  The equations are the reference kernel's
 * (reference_kernels/ref_rnn.c), in float instead of double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reference_kernels/ref_rnn.h"
#include "runners/cpu/chain_f32.h"
#include "runners/cpu/cpu_plan.h"

/* Per-step GEMM work (multiply-adds) from which the thread pool shares it. */
enum { RNN_STEP_POOL_MACS = 1 << 20 };

struct eb_cpu_rnn {
    eb_op op;
    eb_rnn_params prm;
    bool runtime_w;           /* W, R, B, P are step inputs 4..7, packed per run */
    int gh;                   /* gates * hidden: a row of the projection */
    eb_packed_b *wx[2];       /* W_d^T [input, gh] */
    eb_packed_b *rh[2];       /* R_d^T, or for GRU lbr=0 its z and r rows only [hidden, 2 hidden] */
    eb_packed_b *rh_h[2];     /* GRU lbr=0: R_d's h rows, transposed [hidden, hidden] */
    float *bx[2];             /* gh: the projection's bias */
    float *br[2];             /* gh or NULL: the recurrent GEMM's bias (GRU lbr=1: 0, 0, Rbh) */
    float *peep[2];           /* LSTM: 3 hidden, or NULL */
    float *xw, *hr, *h, *c, *rh_buf; /* scratch: [seq*batch, gh], [batch, gh], [batch, hidden] x3 */
    float *z;                 /* scratch: [gh], one entry's gate values (gates()) */
    int64_t *len;             /* scratch: [batch], this run's sequence lengths */
};

static float clipf(const eb_rnn_params *p, float v)
{
    return p->has_clip ? fminf(fmaxf(v, -p->clip), p->clip) : v;
}

static float act(const eb_rnn_act *a, float x)
{
    switch (a->kind) {
    case EB_RNN_SIGMOID: return 1.0f / (1.0f + expf(-x));
    case EB_RNN_TANH: return tanhf(x);
    case EB_RNN_RELU: return x > 0 ? x : 0;
    default: return (float)eb_rnn_activate(a, x);
    }
}

/* Frees the packed weights and biases (NULL after). */
static void rnn_unpack(struct eb_cpu_rnn *r)
{
    for (int d = 0; d < 2; d++) {
        eb_gemm_packed_free(r->wx[d]);
        eb_gemm_packed_free(r->rh[d]);
        eb_gemm_packed_free(r->rh_h[d]);
        free(r->bx[d]);
        free(r->br[d]);
        free(r->peep[d]);
        r->wx[d] = r->rh[d] = r->rh_h[d] = NULL;
        r->bx[d] = r->br[d] = r->peep[d] = NULL;
    }
}

static void rnn_free(struct eb_cpu_rnn *r)
{
    if (!r)
        return;
    rnn_unpack(r);
    free(r->xw);
    free(r->hr);
    free(r->h);
    free(r->c);
    free(r->rh_buf);
    free(r->z);
    free(r->len);
    free(r);
}

/* Packs and sums what direction d needs from the constant W, R, B, P. */
static eb_status rnn_pack(struct eb_cpu_rnn *r, int d, const float *w, const float *rr, const float *b,
                          const float *pp, eb_err *err)
{
    const eb_rnn_params *p = &r->prm;
    int h = (int)p->hidden, in = (int)p->input, gh = r->gh;
    bool gru = r->op == EB_OP_GRU, lbr = p->linear_before_reset;
    const float *wd = w + (size_t)d * gh * in, *rd = rr + (size_t)d * gh * h;
    eb_status st = eb_gemm_pack_b(wd, in, gh, in, true, &r->wx[d], err);
    if (st == EB_OK)
        st = eb_gemm_pack_b(rd, h, gru && !lbr ? 2 * h : gh, h, true, &r->rh[d], err);
    if (st == EB_OK && gru && !lbr)
        st = eb_gemm_pack_b(rd + (size_t)2 * h * h, h, h, h, true, &r->rh_h[d], err);
    if (st != EB_OK)
        return st;
    if (!(r->bx[d] = calloc((size_t)gh, sizeof(float))))
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    if (b) {
        const float *wb = b + (size_t)d * 2 * gh, *rb = wb + gh;
        for (int j = 0; j < gh; j++)
            r->bx[d][j] = wb[j] + (gru && lbr && j >= 2 * h ? 0.0f : rb[j]);
        if (gru && lbr) {
            if (!(r->br[d] = calloc((size_t)gh, sizeof(float))))
                return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
            memcpy(r->br[d] + 2 * h, rb + 2 * h, (size_t)h * sizeof(float));
        }
    }
    if (pp) {
        if (!(r->peep[d] = malloc((size_t)3 * h * sizeof(float))))
            return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
        memcpy(r->peep[d], pp + (size_t)d * 3 * h, (size_t)3 * h * sizeof(float));
    }
    return EB_OK;
}

bool eb_cpu_plan_rnn(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    bool lstm = n->op == EB_OP_LSTM;
    const eb_tensor *in[8] = {NULL};
    for (int k = 0; k < n->n_in && k < 8; k++)
        in[k] = n->in[k] >= 0 ? &p->pv[n->in[k]].t : NULL;
    eb_rnn_params prm;
    eb_err ignored;
    if (n->n_in > 8 || eb_rnn_params_of(n, in, &prm, &ignored) != EB_OK || !is_f32(in[0]))
        return false;
    /* weights packed now when constant, else per run; states and lengths come at run time */
    const int wk[4] = {1, 2, 3, 7};
    bool runtime_w = false;
    for (int k = 0; k < 4; k++)
        if (in[wk[k]] && (wk[k] != 7 || lstm) && !const_tensor(p, n->in[wk[k]]))
            runtime_w = true;
    for (int k = 0; k < n->n_out; k++)
        if (n->out[k] >= 0 && !is_f32(&p->pv[n->out[k]].t))
            return false;
    int64_t gh = prm.gates * prm.hidden;
    if (prm.seq * prm.batch > INT32_MAX / 4 || gh > INT32_MAX / 4 || prm.input > INT32_MAX / 4 ||
        prm.seq * prm.batch * gh > INT32_MAX)
        return false;
    struct eb_cpu_rnn *r = calloc(1, sizeof *r);
    if (!r) {
        *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
        return false;
    }
    r->op = n->op;
    r->prm = prm;
    r->runtime_w = runtime_w;
    r->gh = (int)gh;
    size_t sb = (size_t)(prm.seq * prm.batch), hb = (size_t)(prm.batch * prm.hidden);
    r->xw = malloc((sb * (size_t)gh + 1) * sizeof(float));
    r->hr = malloc(((size_t)prm.batch * (size_t)gh + 1) * sizeof(float));
    r->h = malloc((hb + 1) * sizeof(float));
    r->c = malloc((hb + 1) * sizeof(float));
    r->rh_buf = malloc((hb + 1) * sizeof(float));
    r->z = malloc(((size_t)gh + 1) * sizeof(float));
    r->len = malloc(((size_t)prm.batch + 1) * sizeof *r->len);
    eb_status s2 = r->xw && r->hr && r->h && r->c && r->rh_buf && r->z && r->len ? EB_OK : eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    for (int d = 0; d < prm.n_dir && s2 == EB_OK && !runtime_w; d++)
        s2 = rnn_pack(r, d, in[1]->data, in[2]->data, in[3] ? in[3]->data : NULL,
                      lstm && in[7] ? in[7]->data : NULL, err);
    step *s = NULL;
    if (s2 == EB_OK && !(s = eb_cpu_new_step(p, ST_RNN, ni, err)))
        s2 = EB_ENOMEM;
    if (s2 != EB_OK) {
        rnn_free(r);
        *st = s2;
        return false;
    }
    s->rnn = r;
    /* inputs: X, sequence_lens, initial_h, initial_c, then W, R, B, P (-1
     * when absent; all rank <= 3, so no layout conversion) */
    const int rk[8] = {0, 4, 5, 6, 1, 2, 3, 7};
    s->n_in = 8;
    for (int k = 0; k < 8; k++)
        s->in[k] = input_of(n, rk[k]) >= 0 && ((rk[k] != 6 && rk[k] != 7) || lstm) ? n->in[rk[k]] : -1;
    s->n_out = n->n_out;
    for (int k = 0; k < n->n_out; k++)
        s->out[k] = n->out[k];
    return true;
}

/* x = act(x) over n values: 8 at a time where the plan runs AVX2 and the
 * activation has an 8-wide form (Sigmoid and Tanh, the chain kernel's:
 * chain_f32.h), the rest as act() computes it. */
static void act_span(const eb_rnn_act *a, float *x, int64_t n, bool avx2)
{
    int64_t j = 0;
#if defined(__x86_64__)
    if (avx2 && (a->kind == EB_RNN_SIGMOID || a->kind == EB_RNN_TANH)) {
        eb_chain_op op = {.op = a->kind == EB_RNN_SIGMOID ? EB_OP_SIGMOID : EB_OP_TANH, .arg = EB_CHAIN_UNARY};
        op.u.op = op.op;
        j = eb_chain_op_f32__avx2(&op, x, NULL, 0, x, n);
    }
#else
    (void)avx2;
#endif
    for (; j < n; j++)
        x[j] = act(a, x[j]);
}

static void clip_span(const eb_rnn_params *p, float *x, int64_t n)
{
    if (p->has_clip)
        for (int64_t j = 0; j < n; j++)
            x[j] = clipf(p, x[j]);
}

/* One time step's gates for batch entry b: updates h (and c) from the
 * projection row xr and the recurrent row hr.  Each gate's values are
 * gathered in r->z and go through their activation as one span, so that
 * the exponentials run 8 at a time (a keyword spotter's LSTM spends most
 * of a step there, not in its small GEMM). */
static void gates(const struct eb_cpu_rnn *r, int d, float *h, float *c, const float *xr, float *hrow, bool avx2)
{
    const eb_rnn_params *p = &r->prm;
    const eb_rnn_act *a = p->act[d];
    int64_t H = p->hidden;
    float *z = r->z;
    if (r->op == EB_OP_LSTM) {
        /* z: the i, o, f and g (cell) gates, in the order of W's rows */
        const float *pi = r->peep[d], *po = pi ? pi + H : NULL, *pf = pi ? pi + 2 * H : NULL;
        float *zi = z, *zo = z + H, *zf = z + 2 * H, *zg = z + 3 * H;
        for (int64_t k = 0; k < 4 * H; k++)
            z[k] = xr[k] + hrow[k];
        for (int64_t k = 0; pi && k < H; k++) {
            zi[k] += pi[k] * c[k];
            zf[k] += pf[k] * c[k];
        }
        clip_span(p, zi, H);
        clip_span(p, zf, 2 * H); /* f and g */
        act_span(&a[0], zi, H, avx2);
        if (!p->input_forget)
            act_span(&a[0], zf, H, avx2);
        act_span(&a[1], zg, H, avx2);
        for (int64_t k = 0; k < H; k++)
            c[k] = (p->input_forget ? 1.0f - zi[k] : zf[k]) * c[k] + zi[k] * zg[k];
        for (int64_t k = 0; po && k < H; k++)
            zo[k] += po[k] * c[k]; /* the output gate peeks at the new cell */
        clip_span(p, zo, H);
        act_span(&a[0], zo, H, avx2);
        memcpy(zg, c, (size_t)H * sizeof(float)); /* g is spent: its room gets act(c) */
        act_span(&a[2], zg, H, avx2);
        for (int64_t k = 0; k < H; k++)
            h[k] = zo[k] * zg[k];
    } else if (r->op == EB_OP_GRU) {
        /* hrow: z and r pre-activations' recurrent parts, then the h part
         * (lbr=1: H Rh^T + Rbh; lbr=0: (r * H) Rh^T, already computed) */
        float *zz = z, *zr = z + H, *zh = z + 2 * H;
        for (int64_t k = 0; k < 2 * H; k++)
            z[k] = xr[k] + hrow[k];
        clip_span(p, z, 2 * H);
        act_span(&a[0], z, 2 * H, avx2);
        for (int64_t k = 0; k < H; k++)
            zh[k] = p->linear_before_reset ? xr[2 * H + k] + zr[k] * hrow[2 * H + k] : xr[2 * H + k] + hrow[2 * H + k];
        clip_span(p, zh, H);
        act_span(&a[1], zh, H, avx2);
        for (int64_t k = 0; k < H; k++)
            h[k] = (1.0f - zz[k]) * zh[k] + zz[k] * h[k];
    } else {
        for (int64_t k = 0; k < H; k++)
            z[k] = xr[k] + hrow[k];
        clip_span(p, z, H);
        act_span(&a[0], z, H, avx2);
        memcpy(h, z, (size_t)H * sizeof(float));
    }
}

static int64_t state_at(const eb_rnn_params *p, int64_t d, int64_t b)
{
    return (p->layout ? b * p->n_dir + d : d * p->batch + b) * p->hidden;
}

static const float *f32_of(const eb_plan *p, int v)
{
    return v >= 0 ? p->pv[v].t.data : NULL;
}

static eb_status run_rnn(eb_plan *p, const step *s, eb_err *err);

eb_status eb_cpu_exec_rnn(eb_plan *p, const step *s, eb_err *err)
{
    const struct eb_cpu_rnn *r = s->rnn;
    const eb_rnn_params *q = &r->prm;
    if (r->runtime_w) {
        struct eb_cpu_rnn *rw = s->rnn;
        const float *w = f32_of(p, s->in[4]), *rr = f32_of(p, s->in[5]), *b = f32_of(p, s->in[6]),
                    *pp = f32_of(p, s->in[7]);
        eb_status st = EB_OK;
        for (int d = 0; d < q->n_dir && st == EB_OK; d++)
            st = rnn_pack(rw, d, w, rr, b, pp, err);
        if (st == EB_OK)
            st = run_rnn(p, s, err);
        rnn_unpack(rw);
        return st;
    }
    return run_rnn(p, s, err);
}

/* The recurrence, with the weights packed. */
static eb_status run_rnn(eb_plan *p, const step *s, eb_err *err)
{
    const struct eb_cpu_rnn *r = s->rnn;
    const eb_rnn_params *q = &r->prm;
    const eb_node *n = &p->g->nodes[s->node];
    const float *x = p->pv[s->in[0]].t.data;
    const eb_tensor *lens = s->in[1] >= 0 ? &p->pv[s->in[1]].t : NULL;
    const float *h0 = f32_of(p, s->in[2]), *c0 = f32_of(p, s->in[3]);
    float *y = s->n_out > 0 && s->out[0] >= 0 ? p->pv[s->out[0]].t.data : NULL;
    float *yh = s->n_out > 1 && s->out[1] >= 0 ? p->pv[s->out[1]].t.data : NULL;
    float *yc = s->n_out > 2 && s->out[2] >= 0 ? p->pv[s->out[2]].t.data : NULL;
    int64_t H = q->hidden, B = q->batch, S = q->seq, gh = r->gh, maxlen = 0;
    int64_t *len = r->len;
    for (int64_t b = 0; b < B; b++) {
        len[b] = lens ? eb_dtype_get_i64(lens->dtype, lens->data, b) : S;
        if (len[b] < 0 || len[b] > S)
            return eb_errf(err, EB_EINVAL, "%s: node '%s': sequence_lens[%lld] = %lld, outside [0, %lld]", n->op_type,
                           n->name, (long long)b, (long long)len[b], (long long)S);
        if (len[b] > maxlen)
            maxlen = len[b];
    }
    if (y)
        memset(y, 0, (size_t)(S * q->n_dir * B * H) * sizeof(float));
    bool gru_split = r->op == EB_OP_GRU && !q->linear_before_reset;
    bool avx2 = eb_spatial_use_avx2(); /* the plan's ISA: its exponentials 8 at a time */
    /* a step's GEMMs are tiny for a keyword spotter (batch 1: one row);
     * below this many multiply-adds a hand-off to the pool costs more than
     * it saves, so the calling thread does them (the projection, seq times
     * larger, still uses the pool) */
    eb_threadpool *step_tp = B * gh * H >= RNN_STEP_POOL_MACS ? p->tp : NULL;
    for (int d = 0; d < q->n_dir; d++) {
        bool backward = q->reverse || d == 1;
        eb_epilogue ex = {.bias = r->bx[d]}, er = {.bias = r->br[d]};
        eb_gemm_f32((int)(S * B), (int)gh, (int)q->input, x, (int)q->input, r->wx[d], r->xw, (int)gh, &ex, p->tp);
        for (int64_t b = 0; b < B; b++)
            for (int64_t k = 0; k < H; k++) {
                r->h[b * H + k] = h0 ? h0[state_at(q, d, b) + k] : 0.0f;
                r->c[b * H + k] = c0 ? c0[state_at(q, d, b) + k] : 0.0f;
            }
        for (int64_t t0 = 0; t0 < maxlen; t0++) {
            eb_gemm_f32((int)B, gru_split ? (int)(2 * H) : (int)gh, (int)H, r->h, (int)H, r->rh[d], r->hr, (int)gh, &er,
                        step_tp);
            if (gru_split) {
                /* (r * H) Rh^T needs r first: the reset gate of every entry */
                for (int64_t b = 0; b < B; b++) {
                    int64_t t = backward ? len[b] - 1 - t0 : t0;
                    const float *xr = r->xw + (q->layout ? b * S + t : t * B + b) * gh;
                    for (int64_t k = 0; k < H; k++) {
                        float rg = t0 < len[b] ? act(&q->act[d][0], clipf(q, xr[H + k] + r->hr[b * gh + H + k])) : 0;
                        r->rh_buf[b * H + k] = rg * r->h[b * H + k];
                    }
                }
                eb_gemm_f32((int)B, (int)H, (int)H, r->rh_buf, (int)H, r->rh_h[d], r->hr + 2 * H, (int)gh, NULL, step_tp);
            }
            for (int64_t b = 0; b < B; b++) {
                if (t0 >= len[b])
                    continue;
                int64_t t = backward ? len[b] - 1 - t0 : t0;
                gates(r, d, r->h + b * H, r->c + b * H, r->xw + (q->layout ? b * S + t : t * B + b) * gh,
                      r->hr + b * gh, avx2);
                if (y)
                    memcpy(y + (q->layout ? (b * S + t) * q->n_dir + d : (t * q->n_dir + d) * B + b) * H, r->h + b * H,
                           (size_t)H * sizeof(float));
            }
        }
        for (int64_t b = 0; b < B; b++) {
            if (yh)
                memcpy(yh + state_at(q, d, b), r->h + b * H, (size_t)H * sizeof(float));
            if (yc)
                memcpy(yc + state_at(q, d, b), r->c + b * H, (size_t)H * sizeof(float));
        }
    }
    return EB_OK;
}

void eb_cpu_release_rnn(step *s)
{
    rnn_free(s->rnn);
    s->rnn = NULL;
}

size_t eb_cpu_bytes_rnn(const step *s)
{
    const struct eb_cpu_rnn *r = s->rnn;
    size_t b = 0;
    for (int d = 0; d < r->prm.n_dir && !r->runtime_w; d++) {
        b += eb_gemm_packed_bytes(r->wx[d]) + eb_gemm_packed_bytes(r->rh[d]) + sizeof(float) * (size_t)r->gh;
        b += r->rh_h[d] ? eb_gemm_packed_bytes(r->rh_h[d]) : 0;
        b += r->br[d] ? sizeof(float) * (size_t)r->gh : 0;
        b += r->peep[d] ? sizeof(float) * 3 * (size_t)r->prm.hidden : 0;
    }
    return b;
}
