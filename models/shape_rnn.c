/* shape_rnn.c - the shape rules of the recurrent ops LSTM, GRU and RNN, and
 * eb_rnn_params_of, the one reading of their attributes that the rule and
 * the kernels (reference_kernels/ref_rnn.c) share.
 *
 * Shapes (layout 0; layout 1 puts batch first in X, Y, Y_h, Y_c and the
 * initial states):
 *   X [seq, batch, input]   W [dirs, gates*hidden, input]
 *   R [dirs, gates*hidden, hidden]   B [dirs, 2*gates*hidden]
 *   sequence_lens [batch] (int32)   initial_h, initial_c [dirs, batch, hidden]
 *   P [dirs, 3*hidden] (LSTM peepholes i o f)
 *   Y [seq, dirs, batch, hidden]   Y_h, Y_c [dirs, batch, hidden]
 * Activations follow ONNX: `activations` lists the per-direction functions
 * (forward first); activation_alpha/beta are consumed in order by the
 * functions that take them (as ONNX Runtime does), the defaults filling in
 * when the lists run out. */
#include <string.h>

#include "models/op_params.h"

static const struct {
    const char *name;
    eb_rnn_act_kind kind;
    bool alpha, beta;
    float def_alpha, def_beta;
} ACTS[] = {
    {"Relu", EB_RNN_RELU, false, false, 0, 0},
    {"Tanh", EB_RNN_TANH, false, false, 0, 0},
    {"Sigmoid", EB_RNN_SIGMOID, false, false, 0, 0},
    {"Affine", EB_RNN_AFFINE, true, true, 1.0f, 0.0f},
    {"LeakyRelu", EB_RNN_LEAKY_RELU, true, false, 0.01f, 0},
    {"ThresholdedRelu", EB_RNN_THRESHOLDED_RELU, true, false, 1.0f, 0},
    {"ScaledTanh", EB_RNN_SCALED_TANH, true, true, 1.0f, 1.0f},
    {"HardSigmoid", EB_RNN_HARD_SIGMOID, true, true, 0.2f, 0.5f},
    {"Elu", EB_RNN_ELU, true, false, 1.0f, 0},
    {"Softsign", EB_RNN_SOFTSIGN, false, false, 0, 0},
    {"Softplus", EB_RNN_SOFTPLUS, false, false, 0, 0},
};

static int ci_equal(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a, y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
        if (x != y)
            return 0;
    }
    return *a == *b;
}

static eb_status read_activations(const eb_node *n, eb_rnn_params *p, eb_err *err)
{
    static const eb_rnn_act_kind DEFAULTS[3][3] = {
        {EB_RNN_TANH}, {EB_RNN_SIGMOID, EB_RNN_TANH}, {EB_RNN_SIGMOID, EB_RNN_TANH, EB_RNN_TANH}};
    const eb_rnn_act_kind *def = DEFAULTS[p->n_act - 1];
    const eb_attr *names = eb_node_attr(n, "activations");
    const eb_attr *alphas = eb_node_attr(n, "activation_alpha"), *betas = eb_node_attr(n, "activation_beta");
    size_t count = names && names->type == EB_ATTR_STRINGS ? names->n : 0;
    if (count && count != (size_t)p->n_act && count != (size_t)(p->n_act * p->n_dir))
        return eb_errf(err, EB_EINVAL, "%s: node '%s': %zu activations, expected %d", n->op_type, n->name, count,
                       p->n_act * p->n_dir);
    size_t ia = 0, ib = 0;
    for (int d = 0; d < p->n_dir; d++)
        for (int k = 0; k < p->n_act; k++) {
            eb_rnn_act *a = &p->act[d][k];
            if (!count) {
                *a = (eb_rnn_act){def[k], 0, 0};
                continue;
            }
            /* one direction's list serves both directions */
            const char *nm = names->strings[(count == (size_t)p->n_act ? 0 : (size_t)d * p->n_act) + k];
            size_t j = 0;
            while (j < sizeof ACTS / sizeof ACTS[0] && !ci_equal(ACTS[j].name, nm))
                j++;
            if (j == sizeof ACTS / sizeof ACTS[0])
                return eb_errf(err, EB_EUNSUPPORTED, "%s: node '%s': activation '%s' not supported", n->op_type,
                               n->name, nm);
            a->kind = ACTS[j].kind;
            a->alpha = ACTS[j].def_alpha;
            a->beta = ACTS[j].def_beta;
            if (ACTS[j].alpha && alphas && alphas->type == EB_ATTR_FLOATS && ia < alphas->n)
                a->alpha = alphas->floats[ia++];
            if (ACTS[j].beta && betas && betas->type == EB_ATTR_FLOATS && ib < betas->n)
                a->beta = betas->floats[ib++];
        }
    return EB_OK;
}

/* EB_EINVAL unless t (when present) is float of x's dtype with the given
 * rank-`rank` shape. */
static eb_status check_shape(const eb_node *n, const char *what, const eb_tensor *t, const eb_tensor *x, int rank,
                             const int64_t *dims, eb_err *err)
{
    if (!t)
        return EB_OK;
    if (t->dtype != x->dtype)
        return eb_errf(err, EB_EINVAL, "%s: node '%s': %s has dtype %s, X has %s", n->op_type, n->name, what,
                       eb_dtype_name(t->dtype), eb_dtype_name(x->dtype));
    bool ok = t->rank == rank;
    for (int d = 0; ok && d < rank; d++)
        ok = t->shape[d] == dims[d];
    if (!ok) {
        char got[128];
        return eb_errf(err, EB_EINVAL, "%s: node '%s': %s has shape %s, expected %d dims [%lld, %lld%s%lld]",
                       n->op_type, n->name, what, eb_tensor_describe(t, got, sizeof got), rank, (long long)dims[0],
                       (long long)dims[1], rank > 2 ? ", " : "", rank > 2 ? (long long)dims[2] : 0LL);
    }
    return EB_OK;
}

eb_status eb_rnn_params_of(const eb_node *n, const eb_tensor *const *in, eb_rnn_params *p, eb_err *err)
{
    memset(p, 0, sizeof *p);
    const char *op = n->op_type;
    bool lstm = n->op == EB_OP_LSTM, gru = n->op == EB_OP_GRU;
    p->gates = lstm ? 4 : gru ? 3 : 1;
    p->n_act = lstm ? 3 : gru ? 2 : 1;
    eb_status st = eb_check_inputs(op, in, 3, err);
    if (st != EB_OK)
        return st;
    const eb_tensor *x = in[0], *w = in[1], *r = in[2];
    if ((st = eb_check_dtype(op, "X", x, err, EB_DT_F32, EB_DT_F64, EB_DT_UNDEFINED)) != EB_OK)
        return st;
    const char *dir = eb_attr_string(n, "direction", "forward");
    if (strcmp(dir, "forward") && strcmp(dir, "reverse") && strcmp(dir, "bidirectional"))
        return eb_errf(err, EB_EINVAL, "%s: node '%s': direction '%s', expected forward, reverse or bidirectional", op,
                       n->name, dir);
    p->n_dir = strcmp(dir, "bidirectional") == 0 ? 2 : 1;
    p->reverse = strcmp(dir, "reverse") == 0;
    int64_t layout = eb_attr_int(n, "layout", 0);
    if (layout != 0 && layout != 1)
        return eb_errf(err, EB_EINVAL, "%s: node '%s': layout %lld, expected 0 or 1", op, n->name, (long long)layout);
    p->layout = (int)layout;
    if (x->rank != 3 || w->rank != 3 || r->rank != 3)
        return eb_errf(err, EB_EINVAL, "%s: node '%s': X, W and R have ranks %d, %d, %d; expected 3", op, n->name,
                       x->rank, w->rank, r->rank);
    p->seq = x->shape[layout ? 1 : 0];
    p->batch = x->shape[layout ? 0 : 1];
    p->input = x->shape[2];
    p->hidden = eb_attr_int(n, "hidden_size", r->shape[2]);
    if (p->hidden <= 0 || p->hidden > EB_ATTR_MAX)
        return eb_errf(err, EB_EINVAL, "%s: node '%s': hidden_size %lld out of range", op, n->name,
                       (long long)p->hidden);
    int64_t g = p->gates, h = p->hidden, dirs = p->n_dir;
    const int64_t wd[3] = {dirs, g * h, p->input}, rd[3] = {dirs, g * h, h}, bd[2] = {dirs, 2 * g * h},
                  pd[2] = {dirs, 3 * h};
    const int64_t hd[3] = {layout ? p->batch : dirs, layout ? dirs : p->batch, h};
    if ((st = check_shape(n, "W", w, x, 3, wd, err)) != EB_OK || (st = check_shape(n, "R", r, x, 3, rd, err)) != EB_OK ||
        (st = check_shape(n, "B", eb_opt_in(n, in, 3), x, 2, bd, err)) != EB_OK ||
        (st = check_shape(n, "initial_h", eb_opt_in(n, in, 5), x, 3, hd, err)) != EB_OK ||
        (lstm && (st = check_shape(n, "initial_c", eb_opt_in(n, in, 6), x, 3, hd, err)) != EB_OK) ||
        (lstm && (st = check_shape(n, "P", eb_opt_in(n, in, 7), x, 2, pd, err)) != EB_OK))
        return st;
    const eb_tensor *lens = eb_opt_in(n, in, 4);
    if (lens) {
        if ((st = eb_check_dtype(op, "sequence_lens", lens, err, EB_DT_I32, EB_DT_I64, EB_DT_UNDEFINED)) != EB_OK)
            return st;
        if (lens->rank != 1 || lens->shape[0] != p->batch)
            return eb_errf(err, EB_EINVAL, "%s: node '%s': sequence_lens must have shape [%lld]", op, n->name,
                           (long long)p->batch);
        for (int64_t b = 0; lens->data && b < p->batch; b++) {
            int64_t len = eb_dtype_get_i64(lens->dtype, lens->data, b);
            if (len < 0 || len > p->seq)
                return eb_errf(err, EB_EINVAL, "%s: node '%s': sequence_lens[%lld] = %lld, outside [0, %lld]", op,
                               n->name, (long long)b, (long long)len, (long long)p->seq);
        }
    }
    const eb_attr *clip = eb_node_attr(n, "clip");
    if (clip) {
        p->has_clip = true;
        p->clip = eb_attr_float(n, "clip", 0);
        if (!(p->clip > 0))
            return eb_errf(err, EB_EINVAL, "%s: node '%s': clip %g, expected > 0", op, n->name, (double)p->clip);
    }
    int64_t lbr = eb_attr_int(n, "linear_before_reset", 0), inf = eb_attr_int(n, "input_forget", 0);
    if ((lbr != 0 && lbr != 1) || (inf != 0 && inf != 1))
        return eb_errf(err, EB_EINVAL, "%s: node '%s': linear_before_reset and input_forget take 0 or 1", op, n->name);
    p->linear_before_reset = lbr != 0;
    p->input_forget = inf != 0;
    return read_activations(n, p, err);
}

eb_status eb_shape_rnn(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eb_rnn_params p;
    eb_status st = eb_rnn_params_of(n, in, &p, err);
    if (st != EB_OK)
        return st;
    eb_dtype dt = in[0]->dtype;
    if (eb_has_output(n, out, 0)) {
        out[0]->dtype = dt;
        out[0]->rank = 4;
        int64_t y[4] = {p.seq, p.n_dir, p.batch, p.hidden}, y1[4] = {p.batch, p.seq, p.n_dir, p.hidden};
        memcpy(out[0]->shape, p.layout ? y1 : y, sizeof y);
    }
    for (int k = 1; k < 3; k++) {
        if (!eb_has_output(n, out, k))
            continue;
        out[k]->dtype = dt;
        out[k]->rank = 3;
        int64_t s[3] = {p.n_dir, p.batch, p.hidden}, s1[3] = {p.batch, p.n_dir, p.hidden};
        memcpy(out[k]->shape, p.layout ? s1 : s, sizeof s);
    }
    return EB_OK;
}
