/* prune_channel.c - structured channel pruning (prune=channel:P).
 *
 * A channel space is the channel dim of activations: dim 1 of NCHW tensors
 * (Conv outputs), the last dim of Gemm/MatMul outputs.  Spaces are joined
 * with union-find into channel groups, walking nodes in order:
 * - producers start a space: Conv with group 1, Gemm (transA 0) and MatMul
 *   with a constant f32 weight (and a constant bias);
 * - pass-through ops keep it: elementwise unary ops (Relu, Clip with
 *   scalar bounds, LeakyRelu, Sigmoid, HardSwish...), BatchNormalization
 *   (its scale, B, mean and var are sliced), MaxPool, AveragePool, the
 *   global pools, Dropout and Identity, and Add/Sub/Mul/Div with a
 *   constant that does not vary along the channel dim;
 * - a depthwise Conv (group == C_in == C_out, weight [C,1,kh,kw]) passes
 *   its input space to its output: its weight and bias are sliced and its
 *   group set to the new count (the depthwise chain);
 * - Add/Sub/Mul/Div of two activations of the same shape merge their two
 *   spaces (a residual add): every producer of the merged group loses the
 *   SAME channels;
 * - consumers read a space and lose its removed channels from their
 *   input: Conv group 1 (weight dim 1), Gemm/MatMul reading the last dim
 *   (the weight's K), Flatten of [N,C,H,W] (H*W may be 1, after a global
 *   pool) feeding only Gemm/MatMul (K sliced in blocks of H*W).
 * A group is left alone, the reason written in each of its layers' note,
 * when any member touches anything else: a graph output, a graph input,
 * Concat, Reshape, Transpose, Split, Shape or any other consumer not
 * listed, a constant operand that varies along the channel dim, a producer
 * marked in skip, a weight that is not dense f32.  When in doubt, the
 * group is left alone.
 *
 * Score: channel c's score is the sum over the group's producers of the
 * L1 norm of the producer's weights for output c (the bias is not
 * counted), each producer's norms divided by their mean over the channels
 * (so that a wide and a narrow layer of one residual group weigh alike; a
 * producer whose norms are all 0 counts unnormalised).  floor(P * C)
 * channels are removed, at most C - 1 (at least one channel is kept),
 * lowest score first; on equal scores the lower index is kept.  Scores
 * come from the weights as loaded, before any group is pruned.
 *
 * Removed channels are dropped, not compensated: a removed channel's
 * constant part (a bias after BatchNormalization, Relu of a bias) no
 * longer reaches the consumers.  Without fine-tuning the accuracy drop is
 * real.
 *
 * Constants: a weight used once, by the node being pruned, and stored in
 * the file (no producer) is rewritten in place; one shared with other
 * nodes, or computed by a folded node (the Identity nodes PyTorch exports
 * for deduplicated initialisers), is replaced, for that node only, by a
 * new initialiser value "<name>:pruned<N>".  Shape inference then runs
 * again on the whole graph. */
#include "models/prune_channel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"

#define NOTE_LEN 160

typedef enum role {
    ROLE_NONE = 0,
    ROLE_PRODUCER,  /* Conv g=1, Gemm, MatMul: consumes in[0]'s space (if any), starts out[0]'s */
    ROLE_DEPTHWISE, /* slices W dim 0, B, group */
    ROLE_BN,        /* slices inputs 1..4 */
    ROLE_PASS,      /* nothing to slice */
    ROLE_FLATTEN,   /* consumer: its Gemm/MatMul consumers' K in blocks */
} role;

typedef struct pstate {
    eb_graph *g;
    int nv0;          /* values before any was added: only these can be activations */
    int *parent;      /* union-find over values; -1: not in a space */
    int *axis;        /* channel axis of a value in a space */
    bool *blocked;    /* per root */
    char (*why)[NOTE_LEN];
    role *roles;      /* per node */
    int *nuse;        /* uses of each value (node inputs and graph outputs); grows with values */
    bool *changed;    /* constants rewritten; grows with values */
    int cap;          /* capacity of nuse / changed */
    int added;
} pstate;

static int find(pstate *s, int v)
{
    while (s->parent[v] != v) {
        s->parent[v] = s->parent[s->parent[v]];
        v = s->parent[v];
    }
    return v;
}

static bool in_space(pstate *s, int v)
{
    return v >= 0 && v < s->nv0 && s->parent[v] >= 0;
}

static void block(pstate *s, int v, const char *fmt, const char *a, const char *b)
{
    int r = find(s, v);
    if (s->blocked[r])
        return;
    s->blocked[r] = true;
    snprintf(s->why[r], NOTE_LEN, fmt, a, b);
}

static void unite(pstate *s, int a, int b)
{
    int ra = find(s, a), rb = find(s, b);
    if (ra == rb)
        return;
    s->parent[rb] = ra;
    if (s->blocked[rb] && !s->blocked[ra]) {
        s->blocked[ra] = true;
        memcpy(s->why[ra], s->why[rb], NOTE_LEN);
    }
}

static void join(pstate *s, int out, int in)
{
    s->parent[out] = out;
    s->axis[out] = s->axis[in];
    unite(s, in, out);
}

static void start(pstate *s, int out, int axis)
{
    s->parent[out] = out;
    s->axis[out] = axis;
}

static const eb_tensor *tin(const pstate *s, const eb_node *n, int k)
{
    return k < n->n_in && n->in[k] >= 0 ? &s->g->values[n->in[k]].t : NULL;
}

static bool is_const_in(const pstate *s, const eb_node *n, int k)
{
    return k < n->n_in && n->in[k] >= 0 && s->g->values[n->in[k]].is_const;
}

/* A constant we can slice: dense f32 with data. */
static bool dense_f32(const pstate *s, const eb_node *n, int k)
{
    const eb_tensor *t = tin(s, n, k);
    return is_const_in(s, n, k) && t->dtype == EB_DT_F32 && !t->storage && t->data;
}

/* Only output 0 is used (Dropout's mask, MaxPool's indices, BN's stats). */
static bool only_first_output(const pstate *s, const eb_node *n)
{
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0 && s->nuse[n->out[k]] > 0)
            return false;
    return true;
}

static bool is_unary(eb_op op)
{
    switch (op) {
    case EB_OP_RELU: case EB_OP_LEAKY_RELU: case EB_OP_CLIP: case EB_OP_SIGMOID: case EB_OP_HARD_SIGMOID:
    case EB_OP_HARD_SWISH: case EB_OP_TANH: case EB_OP_ERF: case EB_OP_GELU: case EB_OP_NEG: case EB_OP_ABS:
    case EB_OP_SOFTPLUS: case EB_OP_ELU: case EB_OP_SELU: case EB_OP_IDENTITY: case EB_OP_DROPOUT:
    case EB_OP_MAX_POOL: case EB_OP_AVERAGE_POOL: case EB_OP_GLOBAL_AVG_POOL: case EB_OP_GLOBAL_MAX_POOL:
        return true;
    default:
        return false;
    }
}

/* A depthwise Conv: group == C_in == C_out, weight [C,1,...]. */
static bool is_depthwise(const pstate *s, const eb_node *n)
{
    int64_t group = eb_attr_int(n, "group", 1);
    const eb_tensor *x = tin(s, n, 0), *w = tin(s, n, 1);
    return group > 1 && w && x && x->rank >= 3 && w->rank == x->rank && x->shape[1] == group &&
           w->shape[0] == group && w->shape[1] == 1;
}

/* Why node n cannot be a producer ("" when it can): its output-channel dim
 * in the weight (*wdim) and the output's channel axis (*oaxis). */
static void producer_check(const pstate *s, const eb_node *n, char *why, size_t len, int *wdim, int *oaxis)
{
    why[0] = '\0';
    const eb_tensor *x = tin(s, n, 0), *w = tin(s, n, 1);
    const eb_tensor *y = n->out[0] >= 0 ? &s->g->values[n->out[0]].t : NULL;
    if (!x || !w || !y || !s->g->values[n->out[0]].shape_known) {
        snprintf(why, len, "shapes not known");
        return;
    }
    if (!dense_f32(s, n, 1)) {
        snprintf(why, len, "weight '%s' is not a dense f32 constant", s->g->values[n->in[1]].name);
        return;
    }
    if (n->op == EB_OP_CONV) {
        if (eb_attr_int(n, "group", 1) != 1) {
            snprintf(why, len, "grouped Conv (group %lld) that is not depthwise", (long long)eb_attr_int(n, "group", 1));
            return;
        }
        if (n->n_in > 2 && n->in[2] >= 0 && !dense_f32(s, n, 2)) {
            snprintf(why, len, "bias is not a dense f32 constant");
            return;
        }
        *wdim = 0;
        *oaxis = 1;
    } else if (n->op == EB_OP_GEMM) {
        if (eb_attr_int(n, "transA", 0) != 0 || w->rank != 2 || x->rank != 2) {
            snprintf(why, len, "Gemm with transA or a weight not of rank 2");
            return;
        }
        const eb_tensor *c = tin(s, n, 2);
        if (c && !dense_f32(s, n, 2)) {
            snprintf(why, len, "bias is not a dense f32 constant");
            return;
        }
        int64_t nout = y->shape[1];
        if (c && eb_tensor_numel(c) != 1 && !(c->rank == 1 && c->shape[0] == nout) &&
            !(c->rank == 2 && c->shape[0] == 1 && c->shape[1] == nout)) {
            snprintf(why, len, "bias of a shape other than [N] or [1,N]");
            return;
        }
        *wdim = eb_attr_int(n, "transB", 0) ? 0 : 1;
        *oaxis = 1;
    } else {
        if (w->rank != 2 || x->rank < 2) {
            snprintf(why, len, "MatMul weight not of rank 2");
            return;
        }
        *wdim = 1;
        *oaxis = y->rank - 1;
    }
}

/* Can node n (Conv g=1, Gemm, MatMul, already a producer) read in[0]'s space? */
static bool reads_space(pstate *s, const eb_node *n)
{
    int v = n->in[0];
    const eb_tensor *x = &s->g->values[v].t;
    if (n->op == EB_OP_CONV)
        return s->axis[v] == 1 && x->rank >= 3;
    return s->axis[v] == x->rank - 1;
}

/* Flatten of [N,C,...] at axis 1 feeding only Gemm/MatMul weights. */
static bool flatten_ok(pstate *s, int idx, char *why, size_t len)
{
    const eb_node *n = &s->g->nodes[idx];
    int v = n->in[0], o = n->out[0];
    const eb_tensor *x = &s->g->values[v].t;
    if (s->axis[v] != 1 || x->rank < 3 || eb_attr_int(n, "axis", 1) != 1) {
        snprintf(why, len, "Flatten '%s' not of [N,C,...] at axis 1", n->name);
        return false;
    }
    for (int i = 0; i < s->g->n_outputs; i++)
        if (s->g->outputs[i] == o) {
            snprintf(why, len, "Flatten '%s' is a graph output", n->name);
            return false;
        }
    for (int j = 0; j < s->g->n_nodes; j++) {
        const eb_node *c = &s->g->nodes[j];
        for (int k = 0; k < c->n_in; k++) {
            if (c->in[k] != o)
                continue;
            int wdim, oaxis;
            char w2[NOTE_LEN];
            bool ok = k == 0 && (c->op == EB_OP_GEMM || c->op == EB_OP_MATMUL) && s->roles[j] == ROLE_PRODUCER;
            if (ok) {
                producer_check(s, c, w2, sizeof w2, &wdim, &oaxis);
                ok = w2[0] == '\0' && s->g->values[o].t.rank == 2;
            }
            if (!ok) {
                snprintf(why, len, "Flatten '%s' feeds %s '%s'", n->name, c->op_type, c->name);
                return false;
            }
        }
    }
    return true;
}

/* Numpy broadcasting: does constant c (against output y) vary along axis? */
static bool const_varies_along(const eb_tensor *c, const eb_tensor *y, int axis)
{
    int d = axis - (y->rank - c->rank);
    return d >= 0 && d < c->rank && c->shape[d] != 1;
}

/* Node idx, visited in order: joins, starts or blocks spaces. */
static void classify(pstate *s, int idx)
{
    eb_graph *g = s->g;
    eb_node *n = &g->nodes[idx];
    char why[NOTE_LEN] = "";
    int o = n->n_out > 0 ? n->out[0] : -1;
    bool any_in = false;
    for (int k = 0; k < n->n_in; k++)
        any_in |= in_space(s, n->in[k]);

    if (!n->folded && (n->op == EB_OP_CONV || n->op == EB_OP_GEMM || n->op == EB_OP_MATMUL) && o >= 0) {
        if (n->op == EB_OP_CONV && is_depthwise(s, n)) {
            bool ok = dense_f32(s, n, 1) && (n->n_in < 3 || n->in[2] < 0 || dense_f32(s, n, 2));
            if (ok && in_space(s, n->in[0]) && s->axis[n->in[0]] == 1) {
                s->roles[idx] = ROLE_DEPTHWISE;
                join(s, o, n->in[0]);
                return;
            }
            snprintf(why, sizeof why, "reaches depthwise Conv '%s' that cannot be sliced", n->name);
        } else {
            int wdim, oaxis;
            producer_check(s, n, why, sizeof why, &wdim, &oaxis);
            if (!why[0] && (!in_space(s, n->in[0]) || reads_space(s, n))) {
                s->roles[idx] = ROLE_PRODUCER;
                start(s, o, oaxis);
                return;
            }
            if (!why[0])
                snprintf(why, sizeof why, "%s '%s' reads another dim than the channels", n->op_type, n->name);
            else {
                char tmp[NOTE_LEN];
                snprintf(tmp, sizeof tmp, "%s '%s': %s", n->op_type, n->name, why);
                memcpy(why, tmp, sizeof why);
            }
        }
    } else if (!any_in) {
        return;
    } else if (is_unary(n->op) && only_first_output(s, n) && in_space(s, n->in[0])) {
        bool ok = true;
        for (int k = 1; k < n->n_in; k++) /* Clip's bounds, Dropout's ratio */
            ok &= n->in[k] < 0 || (is_const_in(s, n, k) && eb_tensor_numel(tin(s, n, k)) == 1);
        bool pool = n->op == EB_OP_MAX_POOL || n->op == EB_OP_AVERAGE_POOL || n->op == EB_OP_GLOBAL_AVG_POOL ||
                    n->op == EB_OP_GLOBAL_MAX_POOL;
        if (pool && s->axis[n->in[0]] != 1)
            ok = false;
        if (ok) {
            s->roles[idx] = ROLE_PASS;
            join(s, o, n->in[0]);
            return;
        }
    } else if (n->op == EB_OP_BATCH_NORM && only_first_output(s, n) && in_space(s, n->in[0]) &&
               s->axis[n->in[0]] == 1 && eb_attr_int(n, "training_mode", 0) == 0) {
        int64_t c = g->values[n->in[0]].t.shape[1];
        bool ok = true;
        for (int k = 1; k < 5; k++)
            ok &= dense_f32(s, n, k) && tin(s, n, k)->rank == 1 && tin(s, n, k)->shape[0] == c;
        if (ok) {
            s->roles[idx] = ROLE_BN;
            join(s, o, n->in[0]);
            return;
        }
    } else if ((n->op == EB_OP_ADD || n->op == EB_OP_SUB || n->op == EB_OP_MUL || n->op == EB_OP_DIV) &&
               !eb_node_attr(n, "broadcast") && o >= 0) {
        int a = n->in[0], b = n->in[1];
        const eb_tensor *y = &g->values[o].t;
        if (in_space(s, a) && in_space(s, b) && eb_tensor_same_shape(&g->values[a].t, &g->values[b].t) &&
            eb_tensor_same_shape(&g->values[a].t, y) && s->axis[a] == s->axis[b]) {
            s->roles[idx] = ROLE_PASS;
            join(s, o, a);
            unite(s, a, b);
            return;
        }
        int act = in_space(s, a) ? a : b, other = act == a ? b : a;
        if (g->values[other].is_const && eb_tensor_same_shape(&g->values[act].t, y) &&
            !const_varies_along(&g->values[other].t, y, s->axis[act])) {
            s->roles[idx] = ROLE_PASS;
            join(s, o, act);
            return;
        }
        if (g->values[other].is_const)
            snprintf(why, sizeof why, "%s '%s' with a constant that varies along the channels", n->op_type, n->name);
        else
            snprintf(why, sizeof why, "%s '%s' with '%s', outside the group or of another shape", n->op_type,
                     n->name, g->values[other].name);
    } else if (n->op == EB_OP_FLATTEN && in_space(s, n->in[0])) {
        /* decided after every node is classified (its consumers come later) */
        s->roles[idx] = ROLE_FLATTEN;
        return;
    }
    if (!why[0])
        snprintf(why, sizeof why, "feeds %s '%s'", n->op_type, n->name);
    for (int k = 0; k < n->n_in; k++)
        if (in_space(s, n->in[k]))
            block(s, n->in[k], "%s%s", why, "");
}

/* Per-channel L1 norm of a producer's weight along output dim wdim. */
static void l1_norms(const eb_tensor *w, int wdim, double *out, int64_t c)
{
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < wdim; d++)
        outer *= w->shape[d];
    for (int d = wdim + 1; d < w->rank; d++)
        inner *= w->shape[d];
    const float *p = w->data;
    for (int64_t j = 0; j < c; j++)
        out[j] = 0;
    for (int64_t a = 0; a < outer; a++)
        for (int64_t j = 0; j < c; j++)
            for (int64_t i = 0; i < inner; i++)
                out[j] += fabs((double)p[(a * c + j) * inner + i]);
}

/* Grows the per-value arrays to hold one more value. */
static eb_status add_value(pstate *s, int src, eb_tensor *t, eb_err *err)
{
    eb_graph *g = s->g;
    eb_value *grown = realloc(g->values, ((size_t)g->n_values + 1) * sizeof *grown);
    if (!grown)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory pruning channels", g->path);
    g->values = grown;
    if (g->n_values + 1 > s->cap) {
        int cap = s->cap * 2 + 8;
        int *nuse = realloc(s->nuse, (size_t)cap * sizeof *nuse);
        if (nuse)
            s->nuse = nuse;
        bool *ch = realloc(s->changed, (size_t)cap * sizeof *ch);
        if (ch)
            s->changed = ch;
        if (!nuse || !ch)
            return eb_errf(err, EB_ENOMEM, "%s: out of memory pruning channels", g->path);
        s->cap = cap;
    }
    eb_value *v = &g->values[g->n_values];
    memset(v, 0, sizeof *v);
    char name[512];
    snprintf(name, sizeof name, "%s:pruned%d", g->values[src].name, ++s->added);
    v->name = strdup(name);
    if (!v->name)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory pruning channels", g->path);
    v->t = *t;
    v->shape_known = v->is_const = v->is_initializer = true;
    v->producer = -1;
    s->nuse[g->n_values] = 0;
    s->changed[g->n_values] = false;
    g->n_values++;
    return EB_OK;
}

/* Keeps, along dim `dim` of node idx's constant input k, the blocks
 * keep[0..nk) of `blk` elements each. */
static eb_status slice_const(pstate *s, int idx, int k, int dim, const int64_t *keep, int64_t nk, int64_t blk,
                             eb_err *err)
{
    eb_graph *g = s->g;
    int v = g->nodes[idx].in[k];
    const eb_tensor *src = &g->values[v].t;
    eb_tensor dst = {0};
    eb_tensor_copy_meta(&dst, src);
    dst.shape[dim] = nk * blk;
    eb_status st = eb_tensor_alloc(&dst, g->values[v].name, err);
    if (st != EB_OK)
        return st;
    int64_t outer = 1, inner = 1, len = src->shape[dim];
    for (int d = 0; d < dim; d++)
        outer *= src->shape[d];
    for (int d = dim + 1; d < src->rank; d++)
        inner *= src->shape[d];
    const float *p = src->data;
    float *q = dst.data;
    for (int64_t a = 0; a < outer; a++)
        for (int64_t j = 0; j < nk; j++)
            memcpy(q + (a * nk * blk + j * blk) * inner, p + (a * len + keep[j] * blk) * inner,
                   (size_t)(blk * inner) * sizeof *q);
    bool in_place = g->values[v].producer < 0 && s->nuse[v] == 1 && g->values[v].is_initializer;
    if (in_place) {
        eb_tensor_free_data(&g->values[v].t);
        g->values[v].t = dst;
        s->changed[v] = true;
        return EB_OK;
    }
    if ((st = add_value(s, v, &dst, err)) != EB_OK) {
        eb_tensor_free_data(&dst);
        return st;
    }
    int nv = g->n_values - 1;
    s->nuse[v]--;
    s->nuse[nv] = 1;
    s->changed[nv] = true;
    g->nodes[idx].in[k] = nv;
    return EB_OK;
}

typedef struct layer_info {
    bool is_layer;
    int wdim;
    eb_layer_change c;
} layer_info;

static double sparsity(const eb_tensor *t)
{
    int64_t n = eb_tensor_numel(t), z = 0;
    const float *p = t->data;
    for (int64_t i = 0; p && i < n; i++)
        z += p[i] == 0.0f;
    return n > 0 ? (double)z / (double)n : 0;
}

/* The pruning itself, once the groups are known. */
static eb_status prune(pstate *s, double fraction, const bool *skip, layer_info *li, eb_err *err)
{
    eb_graph *g = s->g;
    int nn = g->n_nodes;
    /* roots, in order of first producer */
    int64_t **keep = calloc((size_t)s->nv0, sizeof *keep);
    int64_t *nkeep = calloc((size_t)s->nv0, sizeof *nkeep);
    int64_t *chans = calloc((size_t)s->nv0, sizeof *chans);
    double *score = NULL, *norms = NULL;
    eb_status st = keep && nkeep && chans ? EB_OK : eb_errf(err, EB_ENOMEM, "%s: out of memory", g->path);

    /* skip, and consistent channel counts */
    for (int i = 0; i < nn && st == EB_OK; i++) {
        eb_node *n = &g->nodes[i];
        if (s->roles[i] != ROLE_PRODUCER && s->roles[i] != ROLE_DEPTHWISE)
            continue;
        int o = n->out[0], r = find(s, o);
        int64_t c = g->values[o].t.shape[s->axis[o]];
        if (skip && skip[i])
            block(s, o, "'%s' is kept (skip)%s", n->name, "");
        if (chans[r] == 0)
            chans[r] = c;
        else if (chans[r] != c)
            block(s, o, "its layers disagree on the channel count%s%s", "", "");
    }
    for (int r = 0; r < s->nv0 && st == EB_OK; r++) {
        if (s->parent[r] != r || s->blocked[r] || chans[r] <= 0)
            continue;
        int64_t c = chans[r];
        int64_t remove = (int64_t)floor(fraction * (double)c);
        if (remove > c - 1)
            remove = c - 1;
        if (remove <= 0) {
            s->blocked[r] = true;
            snprintf(s->why[r], NOTE_LEN, "floor(%g x %lld channels) = 0 to remove", fraction, (long long)c);
            continue;
        }
        score = calloc((size_t)c, sizeof *score);
        norms = calloc((size_t)c, sizeof *norms);
        int64_t *order = malloc((size_t)c * sizeof *order);
        keep[r] = malloc((size_t)c * sizeof *keep[r]);
        if (!score || !norms || !order || !keep[r]) {
            free(order);
            st = eb_errf(err, EB_ENOMEM, "%s: out of memory", g->path);
            break;
        }
        for (int i = 0; i < nn; i++) {
            if (s->roles[i] != ROLE_PRODUCER || find(s, g->nodes[i].out[0]) != r)
                continue;
            l1_norms(&g->values[g->nodes[i].in[1]].t, li[i].wdim, norms, c);
            double mean = 0;
            for (int64_t j = 0; j < c; j++)
                mean += norms[j] / (double)c;
            for (int64_t j = 0; j < c; j++)
                score[j] += mean > 0 ? norms[j] / mean : norms[j];
        }
        /* lowest score first; on ties the higher index goes first */
        for (int64_t j = 0; j < c; j++)
            order[j] = j;
        for (int64_t a = 1; a < c; a++) { /* insertion sort: stable and small */
            int64_t x = order[a], b = a;
            while (b > 0 && (score[order[b - 1]] > score[x] ||
                             (score[order[b - 1]] == score[x] && order[b - 1] < x))) {
                order[b] = order[b - 1];
                b--;
            }
            order[b] = x;
        }
        bool *gone = calloc((size_t)c, sizeof *gone);
        if (!gone) {
            free(order);
            st = eb_errf(err, EB_ENOMEM, "%s: out of memory", g->path);
            break;
        }
        for (int64_t j = 0; j < remove; j++)
            gone[order[j]] = true;
        for (int64_t j = 0; j < c; j++)
            if (!gone[j])
                keep[r][nkeep[r]++] = j;
        free(gone);
        free(order);
        free(score);
        free(norms);
        score = norms = NULL;
    }
    /* apply: every node touching a pruned group */
    for (int i = 0; i < nn && st == EB_OK; i++) {
        eb_node *n = &g->nodes[i];
        int in0 = n->n_in > 0 ? n->in[0] : -1;
        int rin = in_space(s, in0) ? find(s, in0) : -1;
        bool in_pruned = rin >= 0 && !s->blocked[rin] && keep[rin];
        int o = n->n_out > 0 ? n->out[0] : -1;
        int rout = in_space(s, o) ? find(s, o) : -1;
        bool out_pruned = rout >= 0 && !s->blocked[rout] && keep[rout];
        switch (s->roles[i]) {
        case ROLE_PRODUCER:
            if (in_pruned) { /* the weight's input-channel dim */
                int kdim = n->op == EB_OP_CONV ? 1 : n->op == EB_OP_MATMUL ? 0 : 1 - li[i].wdim;
                st = slice_const(s, i, 1, kdim, keep[rin], nkeep[rin], 1, err);
            }
            if (st == EB_OK && out_pruned) {
                st = slice_const(s, i, 1, li[i].wdim, keep[rout], nkeep[rout], 1, err);
                const eb_tensor *b = tin(s, n, 2);
                if (st == EB_OK && b && eb_tensor_numel(b) != 1)
                    st = slice_const(s, i, 2, b->rank - 1, keep[rout], nkeep[rout], 1, err);
            }
            break;
        case ROLE_DEPTHWISE:
            if (in_pruned) {
                st = slice_const(s, i, 1, 0, keep[rin], nkeep[rin], 1, err);
                if (st == EB_OK && tin(s, n, 2))
                    st = slice_const(s, i, 2, 0, keep[rin], nkeep[rin], 1, err);
                for (int a = 0; a < n->n_attrs; a++)
                    if (strcmp(n->attrs[a].name, "group") == 0)
                        n->attrs[a].i = nkeep[rin];
            }
            break;
        case ROLE_BN:
            for (int k = 1; k < 5 && in_pruned && st == EB_OK; k++)
                st = slice_const(s, i, k, 0, keep[rin], nkeep[rin], 1, err);
            break;
        case ROLE_FLATTEN:
            if (in_pruned) {
                const eb_tensor *x = &g->values[in0].t;
                int64_t hw = 1;
                for (int d = 2; d < x->rank; d++)
                    hw *= x->shape[d];
                for (int j = i + 1; j < nn && st == EB_OK; j++)
                    if (g->nodes[j].in[0] == o) {
                        int kdim = g->nodes[j].op == EB_OP_MATMUL ? 0 : 1 - li[j].wdim;
                        st = slice_const(s, j, 1, kdim, keep[rin], nkeep[rin], hw, err);
                    }
            }
            break;
        default:
            break;
        }
    }
    for (int r = 0; r < s->nv0; r++)
        free(keep ? keep[r] : NULL);
    free(keep);
    free(nkeep);
    free(chans);
    free(score);
    free(norms);
    return st;
}

eb_status eb_prune_channels(eb_graph *g, double fraction, const bool *skip, const eb_shape_opts *opts,
                            eb_node_eval_fn fold, eb_transform_report *rep, eb_err *err)
{
    if (!(fraction > 0 && fraction < 1))
        return eb_errf(err, EB_EINVAL, "channel pruning: fraction %g is outside (0, 1)", fraction);
    pstate s = {.g = g, .nv0 = g->n_values, .cap = g->n_values + 8};
    int nv = g->n_values, nn = g->n_nodes;
    s.parent = malloc((size_t)nv * sizeof *s.parent + 1);
    s.axis = calloc((size_t)nv + 1, sizeof *s.axis);
    s.blocked = calloc((size_t)nv + 1, sizeof *s.blocked);
    s.why = calloc((size_t)nv + 1, sizeof *s.why);
    s.roles = calloc((size_t)nn + 1, sizeof *s.roles);
    s.nuse = calloc((size_t)s.cap, sizeof *s.nuse);
    s.changed = calloc((size_t)s.cap, sizeof *s.changed);
    layer_info *li = calloc((size_t)nn + 1, sizeof *li);
    eb_status st = EB_OK;
    if (!s.parent || !s.axis || !s.blocked || !s.why || !s.roles || !s.nuse || !s.changed || !li) {
        st = eb_errf(err, EB_ENOMEM, "%s: out of memory pruning channels", g->path);
        goto done;
    }
    for (int v = 0; v < nv; v++)
        s.parent[v] = -1;
    for (int i = 0; i < nn; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] >= 0)
                s.nuse[g->nodes[i].in[k]]++;
    for (int i = 0; i < g->n_outputs; i++)
        s.nuse[g->outputs[i]]++;

    /* the layers, as they are before */
    for (int i = 0; i < nn; i++) {
        eb_node *n = &g->nodes[i];
        if (n->folded || (n->op != EB_OP_CONV && n->op != EB_OP_GEMM && n->op != EB_OP_MATMUL) || n->n_in < 2 ||
            n->in[1] < 0)
            continue;
        layer_info *l = &li[i];
        l->is_layer = true;
        snprintf(l->c.node, sizeof l->c.node, "%s", n->name);
        snprintf(l->c.op, sizeof l->c.op, "%s", n->op_type);
        snprintf(l->c.storage, sizeof l->c.storage, "dense");
        const eb_tensor *w = &g->values[n->in[1]].t;
        l->c.bytes_before = eb_tensor_stored_bytes(w);
        int oaxis = 1;
        char why[NOTE_LEN];
        producer_check(&s, n, why, sizeof why, &l->wdim, &oaxis);
        if (n->out[0] >= 0 && g->values[n->out[0]].shape_known) {
            const eb_tensor *y = &g->values[n->out[0]].t;
            l->c.channels_before = y->rank > 0 ? y->shape[n->op == EB_OP_CONV ? 1 : y->rank - 1] : 0;
        }
    }
    for (int i = 0; i < nn; i++)
        classify(&s, i);
    /* Flattens: their consumers are classified now */
    for (int i = 0; i < nn; i++) {
        char why[NOTE_LEN];
        if (s.roles[i] == ROLE_FLATTEN && !flatten_ok(&s, i, why, sizeof why))
            block(&s, g->nodes[i].in[0], "%s%s", why, "");
    }
    for (int i = 0; i < g->n_outputs; i++)
        if (in_space(&s, g->outputs[i]))
            block(&s, g->outputs[i], "feeds the graph output '%s'%s", g->values[g->outputs[i]].name, "");
    if ((st = prune(&s, fraction, skip, li, err)) != EB_OK)
        goto done;
    if ((st = eb_graph_infer_shapes(g, opts, fold, err)) != EB_OK)
        goto done;

    /* the layers, as they are after */
    for (int i = 0; i < nn && rep; i++) {
        if (!li[i].is_layer)
            continue;
        eb_node *n = &g->nodes[i];
        eb_layer_change *c = &li[i].c;
        const eb_value *w = &g->values[n->in[1]];
        snprintf(c->weight, sizeof c->weight, "%s", w->name);
        c->bytes_after = eb_tensor_stored_bytes(&w->t);
        c->sparsity = sparsity(&w->t);
        const eb_tensor *y = &g->values[n->out[0]].t;
        c->channels_after = y->rank > 0 ? y->shape[n->op == EB_OP_CONV ? 1 : y->rank - 1] : 0;
        int o = n->out[0];
        if (s.roles[i] == ROLE_PRODUCER || s.roles[i] == ROLE_DEPTHWISE) {
            if (s.blocked[find(&s, o)])
                snprintf(c->note, sizeof c->note, "output channels kept: %s", s.why[find(&s, o)]);
        } else {
            char why[NOTE_LEN];
            int wdim, oaxis;
            producer_check(&s, n, why, sizeof why, &wdim, &oaxis);
            if (n->op == EB_OP_CONV && is_depthwise(&s, n))
                snprintf(why, sizeof why, "depthwise Conv whose input is in no prunable group");
            snprintf(c->note, sizeof c->note, "output channels kept: %s",
                     why[0] ? why : "its input's channels cannot be pruned with it");
        }
        if ((st = eb_transform_report_add(rep, c, err)) != EB_OK)
            goto done;
    }
    for (int v = 0; v < g->n_values && rep; v++)
        rep->tensors_changed += s.changed[v];
done:
    free(s.parent);
    free(s.axis);
    free(s.blocked);
    free(s.why);
    free(s.roles);
    free(s.nuse);
    free(s.changed);
    free(li);
    return st;
}
