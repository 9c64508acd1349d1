/* ref_rnn.c - the recurrent ops LSTM, GRU and RNN (ONNX equations, gate
 * orders LSTM i o f c, GRU z r h), every direction, sequence_lens, initial
 * states, LSTM peepholes and input_forget, GRU linear_before_reset, clip,
 * any activation ONNX names, layout 0 and 1.
 *
 * The oracle, written for clarity: inputs are read into double arrays, each
 * batch entry of each direction runs its own time loop in double, and the
 * outputs are rounded once.  Steps past a batch entry's sequence length
 * leave Y at 0; Y_h and Y_c hold the state after its last step (the initial
 * state when its length is 0).  clip bounds every gate's pre-activation, not
 * the cell state that h() reads (as ONNX Runtime does). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_rnn.h"
#include "reference_kernels/ref_util.h"

double eb_rnn_activate(const eb_rnn_act *a, double x)
{
    switch (a->kind) {
    case EB_RNN_RELU: return x > 0 ? x : 0;
    case EB_RNN_TANH: return tanh(x);
    case EB_RNN_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case EB_RNN_AFFINE: return a->alpha * x + a->beta;
    case EB_RNN_LEAKY_RELU: return x >= 0 ? x : a->alpha * x;
    case EB_RNN_THRESHOLDED_RELU: return x > a->alpha ? x : 0;
    case EB_RNN_SCALED_TANH: return a->alpha * tanh(a->beta * x);
    case EB_RNN_HARD_SIGMOID: return fmax(0.0, fmin(1.0, a->alpha * x + a->beta));
    case EB_RNN_ELU: return x >= 0 ? x : a->alpha * (exp(x) - 1.0);
    case EB_RNN_SOFTSIGN: return x / (1.0 + fabs(x));
    case EB_RNN_SOFTPLUS: return x > 30 ? x : log1p(exp(x));
    }
    return x;
}

/* t as doubles (NULL when t is NULL); *ok false on allocation failure. */
static double *to_double(const eb_tensor *t, bool *ok)
{
    if (!t)
        return NULL;
    int64_t count = eb_tensor_numel(t);
    double *d = malloc(((size_t)count + 1) * sizeof *d);
    if (!d) {
        *ok = false;
        return NULL;
    }
    for (int64_t i = 0; i < count; i++)
        d[i] = eb_dtype_get_f64(t->dtype, t->data, i);
    return d;
}

static double clip(const eb_rnn_params *p, double v)
{
    return p->has_clip ? fmin(fmax(v, -(double)p->clip), (double)p->clip) : v;
}

/* Inputs as doubles, and the scratch of one step. */
typedef struct rnn_io {
    double *x, *w, *r, *b, *h0, *c0, *pp;
    double *h, *c, *xw, *hr, *rh; /* state, X*W^T + Wb, H*R^T + Rb, r (.) H (GRU) */
} rnn_io;

/* Offset of (dir d, batch b) in an initial state or Y_h/Y_c. */
static int64_t state_at(const eb_rnn_params *p, int64_t d, int64_t b)
{
    return (p->layout ? b * p->n_dir + d : d * p->batch + b) * p->hidden;
}

/* acc[j] = bias[j] + sum_k v[k] * m[j][k] for j < rows. */
static void matvec(const double *m, const double *v, const double *bias, int64_t rows, int64_t cols, double *acc)
{
    for (int64_t j = 0; j < rows; j++) {
        double s = bias ? bias[j] : 0;
        for (int64_t k = 0; k < cols; k++)
            s += v[k] * m[j * cols + k];
        acc[j] = s;
    }
}

/* One time step of direction d for one batch entry: updates io->h (and c). */
static void step(const eb_node *n, const eb_rnn_params *p, rnn_io *io, int64_t d, const double *xt)
{
    int64_t h = p->hidden, gh = p->gates * h;
    const double *w = io->w + d * gh * p->input, *r = io->r + d * gh * h;
    const double *wb = io->b ? io->b + d * 2 * gh : NULL, *rb = io->b ? io->b + d * 2 * gh + gh : NULL;
    const eb_rnn_act *act = p->act[d];
    matvec(w, xt, wb, gh, p->input, io->xw);
    if (n->op == EB_OP_LSTM) {
        matvec(r, io->h, rb, gh, h, io->hr);
        const double *pi = io->pp ? io->pp + d * 3 * h : NULL, *po = pi ? pi + h : NULL, *pf = pi ? pi + 2 * h : NULL;
        for (int64_t k = 0; k < h; k++) {
            double c_prev = io->c[k];
            double gi = eb_rnn_activate(&act[0], clip(p, io->xw[k] + io->hr[k] + (pi ? pi[k] * c_prev : 0)));
            double gf = p->input_forget ? 1.0 - gi
                                        : eb_rnn_activate(&act[0], clip(p, io->xw[2 * h + k] + io->hr[2 * h + k] +
                                                                                (pf ? pf[k] * c_prev : 0)));
            double gc = eb_rnn_activate(&act[1], clip(p, io->xw[3 * h + k] + io->hr[3 * h + k]));
            double c = gf * c_prev + gi * gc;
            double go = eb_rnn_activate(&act[0], clip(p, io->xw[h + k] + io->hr[h + k] + (po ? po[k] * c : 0)));
            io->c[k] = c;
            io->hr[k] = go * eb_rnn_activate(&act[2], c); /* the new h, kept apart until every k is done */
        }
        memcpy(io->h, io->hr, (size_t)h * sizeof *io->h);
    } else if (n->op == EB_OP_GRU) {
        /* z and r from the full H*R^T; h's recurrent term depends on the mode */
        matvec(r, io->h, rb, 2 * h, h, io->hr);
        double *z = io->hr, *rg = io->hr + h, *hc = io->hr + 2 * h;
        for (int64_t k = 0; k < 2 * h; k++)
            io->hr[k] = eb_rnn_activate(&act[0], clip(p, io->xw[k] + io->hr[k]));
        if (p->linear_before_reset) {
            matvec(r + 2 * h * h, io->h, rb ? rb + 2 * h : NULL, h, h, hc);
            for (int64_t k = 0; k < h; k++)
                hc[k] = rg[k] * hc[k];
        } else {
            for (int64_t k = 0; k < h; k++)
                io->rh[k] = rg[k] * io->h[k];
            matvec(r + 2 * h * h, io->rh, rb ? rb + 2 * h : NULL, h, h, hc);
        }
        for (int64_t k = 0; k < h; k++) {
            double cand = eb_rnn_activate(&act[1], clip(p, io->xw[2 * h + k] + hc[k]));
            io->h[k] = (1.0 - z[k]) * cand + z[k] * io->h[k];
        }
    } else {
        matvec(r, io->h, rb, h, h, io->hr);
        for (int64_t k = 0; k < h; k++)
            io->h[k] = eb_rnn_activate(&act[0], clip(p, io->xw[k] + io->hr[k]));
    }
}

eb_status eb_ref_rnn(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_rnn_params p;
    eb_status st = eb_rnn_params_of(n, in, &p, err);
    if (st != EB_OK)
        return st;
    bool lstm = n->op == EB_OP_LSTM, ok = true;
    const eb_tensor *lens = eb_opt_in(n, in, 4);
    if (lens && !lens->data)
        return eb_errf(err, EB_EINVAL, "%s: node '%s': sequence_lens has no data", n->op_type, n->name);
    int64_t h = p.hidden, gh = p.gates * h;
    rnn_io io = {0};
    io.x = to_double(in[0], &ok);
    io.w = to_double(in[1], &ok);
    io.r = to_double(in[2], &ok);
    io.b = to_double(eb_opt_in(n, in, 3), &ok);
    io.h0 = to_double(eb_opt_in(n, in, 5), &ok);
    io.c0 = lstm ? to_double(eb_opt_in(n, in, 6), &ok) : NULL;
    io.pp = lstm ? to_double(eb_opt_in(n, in, 7), &ok) : NULL;
    io.h = malloc((size_t)h * sizeof *io.h);
    io.c = malloc((size_t)h * sizeof *io.c);
    io.rh = malloc((size_t)h * sizeof *io.rh);
    io.xw = malloc((size_t)gh * sizeof *io.xw);
    io.hr = malloc((size_t)gh * sizeof *io.hr);
    if (!ok || !io.h || !io.c || !io.rh || !io.xw || !io.hr) {
        st = eb_errf(err, EB_ENOMEM, "%s: node '%s': out of memory", n->op_type, n->name);
        goto out;
    }
    eb_tensor *y = eb_has_output(n, out, 0) ? out[0] : NULL;
    eb_tensor *yh = eb_has_output(n, out, 1) ? out[1] : NULL;
    eb_tensor *yc = lstm && eb_has_output(n, out, 2) ? out[2] : NULL;
    if (y)
        for (int64_t i = 0; i < eb_tensor_numel(y); i++)
            eb_dtype_set_f64(y->dtype, y->data, i, 0.0);
    for (int64_t d = 0; d < p.n_dir; d++) {
        bool backward = p.reverse || d == 1;
        for (int64_t b = 0; b < p.batch; b++) {
            int64_t len = lens ? eb_dtype_get_i64(lens->dtype, lens->data, b) : p.seq;
            if (len < 0 || len > p.seq) {
                st = eb_errf(err, EB_EINVAL, "%s: node '%s': sequence_lens[%lld] = %lld, outside [0, %lld]",
                             n->op_type, n->name, (long long)b, (long long)len, (long long)p.seq);
                goto out;
            }
            for (int64_t k = 0; k < h; k++) {
                io.h[k] = io.h0 ? io.h0[state_at(&p, d, b) + k] : 0;
                io.c[k] = io.c0 ? io.c0[state_at(&p, d, b) + k] : 0;
            }
            for (int64_t s = 0; s < len; s++) {
                int64_t t = backward ? len - 1 - s : s;
                step(n, &p, &io, d, io.x + (p.layout ? b * p.seq + t : t * p.batch + b) * p.input);
                if (!y)
                    continue;
                int64_t at = (p.layout ? ((b * p.seq + t) * p.n_dir + d) : ((t * p.n_dir + d) * p.batch + b)) * h;
                for (int64_t k = 0; k < h; k++)
                    eb_dtype_set_f64(y->dtype, y->data, at + k, io.h[k]);
            }
            for (int64_t k = 0; k < h; k++) {
                if (yh)
                    eb_dtype_set_f64(yh->dtype, yh->data, state_at(&p, d, b) + k, io.h[k]);
                if (yc)
                    eb_dtype_set_f64(yc->dtype, yc->data, state_at(&p, d, b) + k, io.c[k]);
            }
        }
    }
out:
    free(io.x), free(io.w), free(io.r), free(io.b), free(io.h0), free(io.c0), free(io.pp);
    free(io.h), free(io.c), free(io.rh), free(io.xw), free(io.hr);
    return st;
}
