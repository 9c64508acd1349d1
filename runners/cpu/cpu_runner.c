/* cpu_runner.c - the `cpu` runner: fp32 inference with packed-GEMM
 * convolutions and matrix products, fused epilogues, a thread pool and a
 * static activation-memory plan.
 *
 * prepare() turns the graph into a list of steps, once:
 *  - each node gets a fast kernel (cpu_kernels.h, gemm.h) when it has one
 *    for its dtype and parameters, else its reference kernel (recorded:
 *    eb_cpu_plan_fallbacks);
 *  - constant weights are packed (Conv as B = W^T per group, Gemm/MatMul B
 *    as given), a BatchNormalization after a Conv is folded into its
 *    weights and bias, and a following constant bias Add and activation
 *    (Relu, Clip -> ReLU6, Gelu, and PyTorch's Div-Erf-Add-Mul-Mul GELU)
 *    become the GEMM's epilogue; Add+Relu fuse into one elementwise pass;
 *  - 4-D activations between spatial kernels stay NHWC (a 1x1 conv is then
 *    a GEMM on the activation itself); a conversion step is inserted where
 *    an op needs the ONNX layout, once per value;
 *  - views (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) alias
 *    their input, elementwise ops write in place over an input that dies
 *    there, and every remaining buffer gets an offset in one arena from the
 *    lifetime planner (plan_memory.c).
 * run() copies the inputs in, executes the steps and copies the outputs
 * out; it trusts what prepare validated (TFLM's rule), except Gather's
 * run-time indices, which it checks.
 *
 * profile() times each step: one entry per step, named after the nodes it
 * executes (a fused Conv+Relu step is one entry "conv+relu", op
 * "Conv+Relu", the whole step's time on it: the fused work cannot be
 * split), and layout conversions as op "(layout)".
 *
 * Environment, for debugging: EB_CPU_DEBUG=1 prints the step list with
 * each buffer's arena offset (stderr) after prepare. */
#include "runners/cpu/cpu_runner.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/plan_memory.h"

enum { ALIGN = 64 };

typedef enum lay { LAY_NCHW = 0, LAY_NHWC } lay;

/* A buffer of the plan: every graph value, plus layout copies. */
typedef struct pval {
    eb_tensor t;       /* dtype and logical (ONNX) shape; data set after planning */
    int gv;            /* graph value, -1 for a layout copy */
    lay layout;
    int twin;          /* the same value in the other layout, -1 */
    bool is_const;     /* data borrowed from the graph */
    bool fused;        /* computed inside another step, never stored */
    bool used;         /* read or written by some step */
    int alias;         /* shares the storage of this pval (view, in place), -1 */
    int first, last;   /* lifetime in steps (roots only) */
    int item;          /* planner item (roots only), -1 */
} pval;

typedef enum step_kind {
    ST_REF,
    ST_CONV,
    ST_DWCONV,
    ST_POOL,
    ST_GPOOL,
    ST_GEMM,
    ST_MATMUL,
    ST_UNARY,
    ST_BINARY,
    ST_SOFTMAX,
    ST_LAYERNORM,
    ST_TRANSPOSE,
    ST_VIEW,
    ST_TO_NHWC,
    ST_TO_NCHW,
    ST_CONCAT,
    ST_SPLIT,
    ST_GATHER,
} step_kind;

enum { MAX_STEP_IO = 8 };

typedef struct step {
    step_kind kind;
    int node;                     /* head graph node, -1 for a conversion */
    int n_in, n_out;
    int in[MAX_STEP_IO], out[MAX_STEP_IO]; /* pvals, -1 omitted (not ST_REF) */
    int *ref_in, *ref_out;        /* ST_REF: one per node input/output */
    int scratch_item;             /* -1 none */
    size_t scratch_bytes;
    bool runtime_w;               /* ST_CONV/ST_DWCONV/ST_GEMM: weights packed per run */
    eb_conv2d conv;
    eb_dwconv2d dw;
    eb_pool2d pool;
    struct {
        int m, n, k;
        bool trans_b;
        eb_packed_b *pb;          /* NULL: packed per run from in[1] */
        float *bias;              /* owned */
        eb_act act;
        float lo, hi;
    } gemm;
    struct {
        int64_t m, k, n, batches;
        eb_tensor yb;             /* output batch dims (shape only) */
        int64_t sa[EB_MAX_RANK], sb[EB_MAX_RANK];
    } mm;
    eb_unary_params unary;
    struct {
        eb_op op;
        int rank;
        int64_t out[EB_MAX_RANK], a[EB_MAX_RANK], b[EB_MAX_RANK];
        eb_act act;
        float lo, hi;
    } bin;
    struct {
        int64_t rows, cols;
        bool log;
        float eps;
    } rows;
    struct {
        int rank;
        int64_t shape[EB_MAX_RANK];
        int perm[EB_MAX_RANK];
    } tr;
    struct {
        int64_t outer, axis_dim, n_idx;
        size_t inner;             /* bytes per outer row of the whole (concat/split) or per index (gather) */
        size_t part[MAX_STEP_IO]; /* bytes per outer row of each piece (concat inputs, split outputs) */
    } mv;
} step;

struct eb_plan {
    const eb_graph *g;
    int threads;
    eb_threadpool *tp;
    pval *pv;
    int n_pv, cap_pv;
    step *steps;
    int n_steps, cap_steps;
    /* per graph value: consumers among the nodes we run */
    int *cons_off, *cons;          /* CSR: consumers of v are cons[cons_off[v]..cons_off[v+1]) */
    bool *is_output;
    bool *node_done;               /* fused into an earlier step */
    int *fused_head;               /* for those: the head node of the step that executes it */
    int planning;                  /* the node build_steps is planning */
    int fallback_count[EB_OP_COUNT];
    char fallbacks[512];
    eb_mem_item *items;
    int n_items;
    void *arena;
    size_t arena_bytes, sum_bytes;
    eb_plan_info info;
    /* scratch argument arrays for ST_REF */
    const eb_tensor **ref_in;
    eb_tensor **ref_out;
    int max_io;
    /* profile(): per step, the names and ops of the nodes it executes
     * (built on the first call) */
    eb_node_time *labels;
    eb_isa isa;                    /* the kernels' instruction set, decided in prepare */
};

/* ---- small helpers ----------------------------------------------------------- */

static bool is_f32(const eb_tensor *t)
{
    return t && t->dtype == EB_DT_F32;
}

static int root_of(const eb_plan *p, int v)
{
    while (p->pv[v].alias >= 0)
        v = p->pv[v].alias;
    return v;
}

/* 4-D values whose NCHW and NHWC layouts are the same memory. */
static bool layout_neutral(const eb_tensor *t)
{
    return t->rank != 4 || t->shape[1] == 1 || t->shape[2] * t->shape[3] == 1;
}

static int n_consumers(const eb_plan *p, int v)
{
    return p->cons_off[v + 1] - p->cons_off[v];
}

/* The one node that reads v, when v is read once and is not a graph output;
 * else -1. */
static int sole_consumer(const eb_plan *p, int v)
{
    if (v < 0 || p->is_output[v] || n_consumers(p, v) != 1)
        return -1;
    int c = p->cons[p->cons_off[v]];
    return p->node_done[c] ? -1 : c;
}

/* Node c is executed inside the step being planned (its epilogue, a
 * folded BatchNormalization): no step of its own. */
static void fuse_node(eb_plan *p, int c)
{
    p->node_done[c] = true;
    p->fused_head[c] = p->planning;
}

static const eb_tensor *const_tensor(const eb_plan *p, int v)
{
    return v >= 0 && p->pv[v].is_const ? &p->pv[v].t : NULL;
}

/* The value of v when it is a constant f32 scalar (one element). */
static bool const_scalar(const eb_plan *p, int v, float *out)
{
    const eb_tensor *t = const_tensor(p, v);
    if (!is_f32(t) || eb_tensor_numel(t) != 1)
        return false;
    *out = *(const float *)t->data;
    return true;
}

static int input_of(const eb_node *n, int k)
{
    return k < n->n_in ? n->in[k] : -1;
}

/* The node's outputs past the first are all omitted. */
static bool single_output(const eb_node *n)
{
    for (int k = 1; k < n->n_out; k++)
        if (n->out[k] >= 0)
            return false;
    return true;
}

static eb_status grow(void **arr, int *cap, int need, size_t elem, eb_err *err)
{
    if (need <= *cap)
        return EB_OK;
    int nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *na = realloc(*arr, (size_t)nc * elem);
    if (!na)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory building the plan");
    memset((char *)na + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
    *arr = na;
    *cap = nc;
    return EB_OK;
}

static step *new_step(eb_plan *p, step_kind kind, int node, eb_err *err)
{
    if (grow((void **)&p->steps, &p->cap_steps, p->n_steps + 1, sizeof(step), err) != EB_OK)
        return NULL;
    step *s = &p->steps[p->n_steps++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->node = node;
    s->scratch_item = -1;
    for (int k = 0; k < MAX_STEP_IO; k++)
        s->in[k] = s->out[k] = -1;
    return s;
}

/* The pval holding v in layout `want`, adding a conversion step (once per
 * value) when v is stored in the other one. */
static int want_layout(eb_plan *p, int v, lay want, eb_err *err)
{
    if (v < 0 || p->pv[v].is_const || p->pv[v].layout == want || layout_neutral(&p->pv[v].t))
        return v;
    if (p->pv[v].twin >= 0)
        return p->pv[v].twin;
    if (grow((void **)&p->pv, &p->cap_pv, p->n_pv + 1, sizeof(pval), err) != EB_OK)
        return -2;
    int t = p->n_pv++;
    p->pv[t] = p->pv[v];
    p->pv[t].gv = -1;
    p->pv[t].layout = want;
    p->pv[t].twin = v;
    p->pv[t].alias = -1;
    p->pv[v].twin = t;
    step *s = new_step(p, want == LAY_NHWC ? ST_TO_NHWC : ST_TO_NCHW, -1, err);
    if (!s)
        return -2;
    s->n_in = s->n_out = 1;
    s->in[0] = v;
    s->out[0] = t;
    return t;
}

/* A step with one input, x (converted to layout `want` first when it is
 * stored in the other one), and one output, y.  NULL, with *st set, when
 * out of memory. */
static step *one_in_one_out(eb_plan *p, step_kind kind, int ni, int xv, lay want, int yv, eb_status *st,
                            eb_err *err)
{
    int xin = want_layout(p, xv, want, err);
    step *s = xin < 0 ? NULL : new_step(p, kind, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return NULL;
    }
    s->n_in = s->n_out = 1;
    s->in[0] = xin;
    s->out[0] = yv;
    return s;
}

static void note_fallback(eb_plan *p, const eb_node *n)
{
    p->fallback_count[n->op]++;
}

/* ---- window geometry from a node ---------------------------------------------- */

/* eb_attr_ints_range as a yes/no for the fast kernels, which also want
 * every value small enough for their window arithmetic in int. */
static bool attr_ints2(const eb_node *n, const char *name, int count, int64_t def, int64_t *v)
{
    eb_err ignored;
    if (eb_attr_ints_range(n, name, count, def, 0, v, &ignored) != EB_OK)
        return false;
    for (int i = 0; i < count; i++)
        if (v[i] > 1 << 20)
            return false;
    return true;
}

/* 2-D window of a Conv or pool node from x's and y's shapes (y is what
 * shape inference gave) and the kernel size; false for what the fast
 * kernels do not take. */
static bool window_of(const eb_node *n, const eb_tensor *x, const eb_tensor *y, int kh, int kw, eb_win2d *w)
{
    if (x->rank != 4 || y->rank != 4)
        return false;
    for (int d = 0; d < 4; d++)
        if (x->shape[d] < 1 || x->shape[d] > INT32_MAX / 4 || y->shape[d] < 1 || y->shape[d] > INT32_MAX / 4)
            return false;
    int64_t st[2], dil[2], pads[4];
    if (!attr_ints2(n, "strides", 2, 1, st) || !attr_ints2(n, "dilations", 2, 1, dil) ||
        !attr_ints2(n, "pads", 4, 0, pads))
        return false;
    if (st[0] < 1 || st[1] < 1 || dil[0] < 1 || dil[1] < 1)
        return false;
    memset(w, 0, sizeof *w);
    w->n = (int)x->shape[0];
    w->c = (int)x->shape[1];
    w->h = (int)x->shape[2];
    w->w = (int)x->shape[3];
    w->oh = (int)y->shape[2];
    w->ow = (int)y->shape[3];
    w->kh = kh;
    w->kw = kw;
    w->sh = (int)st[0];
    w->sw = (int)st[1];
    w->dh = (int)dil[0];
    w->dw = (int)dil[1];
    const char *ap = eb_attr_string(n, "auto_pad", "NOTSET");
    bool upper = strcmp(ap, "SAME_UPPER") == 0, lower = strcmp(ap, "SAME_LOWER") == 0;
    if (upper || lower) {
        int64_t ins[2] = {w->h, w->w}, outs[2] = {w->oh, w->ow}, k[2] = {kh, kw};
        int64_t b[2], e[2];
        for (int d = 0; d < 2; d++) {
            int64_t total = (outs[d] - 1) * st[d] + (k[d] - 1) * dil[d] + 1 - ins[d];
            if (total < 0)
                total = 0;
            b[d] = upper ? total / 2 : total - total / 2;
            e[d] = total - b[d];
        }
        w->pt = (int)b[0], w->pl = (int)b[1], w->pb = (int)e[0], w->pr = (int)e[1];
    } else if (strcmp(ap, "VALID") != 0) {
        w->pt = (int)pads[0], w->pl = (int)pads[1], w->pb = (int)pads[2], w->pr = (int)pads[3];
    }
    return true;
}

/* ---- epilogue fusion ---------------------------------------------------------- */

typedef struct epi {
    int cout;
    int axis;           /* the output dim the bias runs along */
    float *bias;        /* cout values, owned, NULL until needed */
    float *scale;       /* conv only: per output channel (BN), NULL when none */
    bool allow_bn;
    eb_act act;
    float lo, hi;
} epi;

static eb_status epi_bias(epi *e, eb_err *err)
{
    if (!e->bias && !(e->bias = calloc((size_t)e->cout, sizeof(float))))
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    return EB_OK;
}

/* True when constant c, added to a value of shape y, adds one value per
 * index of y's dim `axis` (or one value everywhere). */
static bool per_axis_const(const eb_tensor *c, const eb_tensor *y, int axis)
{
    if (!is_f32(c) || c->rank > y->rank)
        return false;
    int64_t numel = eb_tensor_numel(c);
    if (numel == 1)
        return true;
    for (int d = 0; d < c->rank; d++) {
        int yd = y->rank - c->rank + d;
        if (c->shape[d] != 1 && (yd != axis || c->shape[d] != y->shape[yd]))
            return false;
    }
    return numel == y->shape[axis];
}

/* Folds node bn (BatchNormalization reading v) into e; false when it does
 * not qualify. */
static bool fold_bn(eb_plan *p, const eb_node *bn, epi *e, eb_err *err, eb_status *st)
{
    if (!e->allow_bn || !single_output(bn) || eb_attr_int(bn, "training_mode", 0) != 0 || bn->n_in != 5)
        return false;
    const eb_tensor *prm[4];
    for (int k = 0; k < 4; k++) {
        prm[k] = const_tensor(p, bn->in[k + 1]);
        if (!is_f32(prm[k]) || eb_tensor_numel(prm[k]) != e->cout)
            return false;
    }
    if (!e->scale) {
        if (!(e->scale = malloc(sizeof(float) * (size_t)e->cout))) {
            *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
            return false;
        }
        for (int c = 0; c < e->cout; c++)
            e->scale[c] = 1.0f;
    }
    if ((*st = epi_bias(e, err)) != EB_OK)
        return false;
    double eps = eb_attr_float(bn, "epsilon", 1e-5f);
    const float *gm = prm[0]->data, *bt = prm[1]->data, *mean = prm[2]->data, *var = prm[3]->data;
    for (int c = 0; c < e->cout; c++) {
        double s = gm[c] / sqrt((double)var[c] + eps);
        e->scale[c] = (float)(e->scale[c] * s);
        e->bias[c] = (float)((e->bias[c] - mean[c]) * s + bt[c]);
    }
    return true;
}

/* Follows v through the nodes that can become part of the epilogue; marks
 * them done and their intermediate values fused; returns the value the step
 * finally writes. */
static int fuse_epilogue(eb_plan *p, int v, epi *e, eb_err *err, eb_status *st)
{
    const eb_graph *g = p->g;
    *st = EB_OK;
    for (;;) {
        int c = sole_consumer(p, v);
        const eb_tensor *vt = &p->pv[v].t;
        if (c < 0) {
            /* PyTorch's exact GELU: x/sqrt2 -> Erf -> +1 -> *x -> *0.5 */
            if (e->act != EB_ACT_NONE || p->is_output[v] || n_consumers(p, v) != 2)
                return v;
            const eb_node *dv = NULL, *mx = NULL;
            for (int i = p->cons_off[v]; i < p->cons_off[v + 1]; i++) {
                const eb_node *n = &g->nodes[p->cons[i]];
                if ((n->op == EB_OP_DIV || n->op == EB_OP_MUL) && n->in[0] == v && !dv)
                    dv = n;
                else if (n->op == EB_OP_MUL)
                    mx = n;
            }
            float k, one, half;
            if (!dv || !mx || !const_scalar(p, dv->in[1], &k))
                return v;
            if (!(dv->op == EB_OP_DIV ? fabsf(k - 1.41421356f) < 1e-5f : fabsf(k - 0.70710678f) < 1e-6f))
                return v;
            int erf_n = sole_consumer(p, dv->out[0]);
            if (erf_n < 0 || g->nodes[erf_n].op != EB_OP_ERF)
                return v;
            int add_n = sole_consumer(p, g->nodes[erf_n].out[0]);
            if (add_n < 0 || g->nodes[add_n].op != EB_OP_ADD)
                return v;
            const eb_node *an = &g->nodes[add_n];
            int other = an->in[0] == g->nodes[erf_n].out[0] ? an->in[1] : an->in[0];
            if (!const_scalar(p, other, &one) || one != 1.0f)
                return v;
            if (sole_consumer(p, an->out[0]) != (int)(mx - g->nodes))
                return v;
            if (!((mx->in[0] == v && mx->in[1] == an->out[0]) || (mx->in[1] == v && mx->in[0] == an->out[0])))
                return v;
            int half_n = sole_consumer(p, mx->out[0]);
            if (half_n < 0 || g->nodes[half_n].op != EB_OP_MUL)
                return v;
            const eb_node *hn = &g->nodes[half_n];
            other = hn->in[0] == mx->out[0] ? hn->in[1] : hn->in[0];
            if (!const_scalar(p, other, &half) || half != 0.5f)
                return v;
            if (!eb_tensor_same_shape(&p->pv[hn->out[0]].t, vt) || !is_f32(&p->pv[hn->out[0]].t))
                return v;
            const eb_node *chain[5] = {dv, &g->nodes[erf_n], an, mx, hn};
            for (int i = 0; i < 5; i++) {
                fuse_node(p, (int)(chain[i] - g->nodes));
                if (i < 4)
                    p->pv[chain[i]->out[0]].fused = true;
            }
            p->pv[v].fused = true;
            e->act = EB_ACT_GELU;
            return hn->out[0];
        }
        const eb_node *n = &g->nodes[c];
        int next = n->n_out > 0 ? n->out[0] : -1;
        if (next < 0 || !is_f32(&p->pv[next].t) || !eb_tensor_same_shape(&p->pv[next].t, vt))
            return v;
        if (n->op == EB_OP_BATCH_NORM && e->act == EB_ACT_NONE && n->in[0] == v) {
            if (!fold_bn(p, n, e, err, st))
                return v;
        } else if (n->op == EB_OP_ADD && e->act == EB_ACT_NONE) {
            int other = n->in[0] == v ? n->in[1] : n->in[0];
            const eb_tensor *ct = const_tensor(p, other);
            if (n->in[0] == n->in[1] || !ct || !per_axis_const(ct, vt, e->axis))
                return v;
            if ((*st = epi_bias(e, err)) != EB_OK)
                return v;
            const float *cd = ct->data;
            bool one = eb_tensor_numel(ct) == 1;
            for (int i = 0; i < e->cout; i++)
                e->bias[i] += cd[one ? 0 : i];
        } else if (n->op == EB_OP_RELU && e->act == EB_ACT_NONE) {
            e->act = EB_ACT_RELU;
        } else if (n->op == EB_OP_CLIP && e->act == EB_ACT_NONE) {
            float lo = -FLT_MAX, hi = FLT_MAX;
            if (n->opset < 11) {
                lo = eb_attr_float(n, "min", -FLT_MAX);
                hi = eb_attr_float(n, "max", FLT_MAX);
            } else {
                int a = input_of(n, 1), b = input_of(n, 2);
                if ((a >= 0 && !const_scalar(p, a, &lo)) || (b >= 0 && !const_scalar(p, b, &hi)))
                    return v;
            }
            if (!(lo <= hi))
                return v;
            e->act = EB_ACT_CLIP;
            e->lo = lo;
            e->hi = hi;
        } else if (n->op == EB_OP_GELU && e->act == EB_ACT_NONE &&
                   strcmp(eb_attr_string(n, "approximate", "none"), "none") == 0) {
            e->act = EB_ACT_GELU;
        } else {
            return v;
        }
        fuse_node(p, c);
        p->pv[v].fused = true;
        v = next;
    }
}

/* Applies the activation of e to a plain activation field set. */
#define SET_ACT(dst, e)                                                                            \
    do {                                                                                           \
        (dst).act = (e).act;                                                                       \
        (dst).lo = (e).lo;                                                                         \
        (dst).hi = (e).hi;                                                                         \
    } while (0)

/* ---- per-op plan builders: true when a fast step was added --------------------- */

static bool plan_conv(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], wv = n->in[1], bv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *w = &p->pv[wv].t, *y = &p->pv[yv].t;
    const eb_tensor *b = bv >= 0 ? &p->pv[bv].t : NULL;
    if (!is_f32(x) || !is_f32(w) || !is_f32(y) || (b && !is_f32(b)) || w->rank != 4)
        return false;
    int64_t groups = eb_attr_int(n, "group", 1);
    eb_win2d win;
    if (!window_of(n, x, y, (int)w->shape[2], (int)w->shape[3], &win) || groups < 1 || win.c % groups)
        return false;
    int cout = (int)y->shape[1];
    bool runtime = !p->pv[wv].is_const || (bv >= 0 && !p->pv[bv].is_const);
    bool depthwise = groups == win.c && cout == win.c && w->shape[1] == 1;

    epi e = {.cout = cout, .axis = 1, .allow_bn = !runtime};
    int out = yv;
    if (!runtime) {
        if (b && (*st = epi_bias(&e, err)) == EB_OK)
            memcpy(e.bias, b->data, sizeof(float) * (size_t)cout);
        if (*st == EB_OK)
            out = fuse_epilogue(p, yv, &e, err, st);
        if (*st != EB_OK) {
            free(e.bias);
            free(e.scale);
            return false;
        }
    }
    int xin = want_layout(p, xv, LAY_NHWC, err);
    int win_v = runtime && xin >= 0 ? want_layout(p, wv, LAY_NCHW, err) : -1; /* W computed at run time */
    step *s = xin < 0 || win_v < -1 ? NULL : new_step(p, depthwise ? ST_DWCONV : ST_CONV, ni, err);
    if (!s) {
        free(e.bias);
        free(e.scale);
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 3;
    s->in[0] = xin;
    s->in[1] = win_v;
    s->in[2] = runtime ? bv : -1;
    s->n_out = 1;
    s->out[0] = out;
    s->runtime_w = runtime;
    p->pv[out].layout = layout_neutral(&p->pv[out].t) ? LAY_NCHW : LAY_NHWC;
    if (depthwise) {
        s->dw.win = win;
        SET_ACT(s->dw, e);
        if (!runtime)
            *st = eb_dwconv2d_pack(&s->dw, w->data, e.scale, e.bias, err);
    } else {
        s->conv.win = win;
        s->conv.cout = cout;
        s->conv.groups = (int)groups;
        SET_ACT(s->conv, e);
        if (!runtime) {
            *st = eb_conv2d_pack(&s->conv, w->data, e.scale, e.bias, err);
        } else {
            eb_conv2d_geometry(&s->conv); /* weights are packed per run */
        }
        s->scratch_bytes = sizeof(float) * eb_conv2d_scratch_floats(&s->conv);
    }
    free(e.bias);
    free(e.scale);
    return *st == EB_OK;
}

static bool plan_pool(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t, *y = &p->pv[yv].t;
    if (!is_f32(x) || !is_f32(y) || !single_output(n))
        return false;
    int64_t ks[2];
    eb_win2d win;
    if (!attr_ints2(n, "kernel_shape", 2, -1, ks) || ks[0] < 1 || ks[1] < 1 ||
        !window_of(n, x, y, (int)ks[0], (int)ks[1], &win))
        return false;
    step *s = one_in_one_out(p, ST_POOL, ni, xv, LAY_NHWC, yv, st, err);
    if (!s)
        return false;
    s->pool.win = win;
    s->pool.is_max = n->op == EB_OP_MAX_POOL;
    s->pool.count_pad = eb_attr_int(n, "count_include_pad", 0) == 1;
    p->pv[yv].layout = layout_neutral(y) ? LAY_NCHW : LAY_NHWC;
    return true;
}

static bool plan_gpool(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || x->rank != 4 || eb_tensor_numel(x) <= 0)
        return false;
    step *s = one_in_one_out(p, ST_GPOOL, ni, xv, LAY_NHWC, yv, st, err);
    if (!s)
        return false; /* [N, C, 1, 1]: both layouts */
    s->pool.is_max = n->op == EB_OP_GLOBAL_MAX_POOL;
    s->pool.win.n = (int)x->shape[0];
    s->pool.win.c = (int)x->shape[1];
    s->pool.win.h = (int)x->shape[2];
    s->pool.win.w = (int)x->shape[3];
    return true;
}

/* Gemm (transA = 0) and MatMul with a 2-D B: one GEMM over all rows of A. */
static bool plan_gemm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], bv = n->in[1], cv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *a = &p->pv[av].t, *b = &p->pv[bv].t, *y = &p->pv[yv].t;
    if (!is_f32(a) || !is_f32(b) || !is_f32(y))
        return false;
    bool is_gemm = n->op == EB_OP_GEMM;
    bool trans_b = is_gemm && eb_attr_int(n, "transB", 0) != 0;
    float alpha = is_gemm ? eb_attr_float(n, "alpha", 1.0f) : 1.0f;
    float beta = is_gemm ? eb_attr_float(n, "beta", 1.0f) : 1.0f;
    int64_t k, nn, m;
    if (is_gemm) {
        if (eb_attr_int(n, "transA", 0) != 0)
            return false;
        m = a->shape[0];
        k = a->shape[1];
        nn = y->shape[1];
    } else {
        if (a->rank < 2 || b->rank < 2)
            return false;
        for (int d = 0; d < b->rank - 2; d++)
            if (b->shape[d] != 1)
                return false;
        if (b->rank > a->rank) /* B's leading 1s would add dims to Y */
            return false;
        k = a->shape[a->rank - 1];
        nn = b->shape[b->rank - 1];
        m = k > 0 ? eb_tensor_numel(a) / k : 0;
    }
    if (m < 1 || k < 1 || nn < 1 || m > INT32_MAX || k > INT32_MAX || nn > INT32_MAX)
        return false;
    bool runtime = !p->pv[bv].is_const;
    if (runtime && alpha != 1.0f)
        return false;
    epi e = {.cout = (int)nn, .axis = y->rank - 1};
    if (is_gemm && cv >= 0 && beta != 0.0f) {
        const eb_tensor *c = const_tensor(p, cv);
        if (!c || c->rank > 2 || (c->rank == 2 && c->shape[0] != 1) || !per_axis_const(c, y, 1))
            return false;
        if ((*st = epi_bias(&e, err)) != EB_OK)
            return false;
        bool one = eb_tensor_numel(c) == 1;
        for (int i = 0; i < nn; i++)
            e.bias[i] = beta * ((const float *)c->data)[one ? 0 : i];
    }
    int out = fuse_epilogue(p, yv, &e, err, st);
    int ain = *st != EB_OK ? -2 : want_layout(p, av, LAY_NCHW, err);
    int bin = ain < 0 || !runtime ? -1 : want_layout(p, bv, LAY_NCHW, err);
    step *s = ain < 0 || bin < -1 ? NULL : new_step(p, ST_GEMM, ni, err);
    if (!s) {
        free(e.bias);
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->n_in = 2;
    s->in[0] = ain;
    s->in[1] = bin;
    s->n_out = 1;
    s->out[0] = out;
    s->runtime_w = runtime;
    s->gemm.m = (int)m;
    s->gemm.n = (int)nn;
    s->gemm.k = (int)k;
    s->gemm.trans_b = trans_b;
    s->gemm.bias = e.bias;
    SET_ACT(s->gemm, e);
    if (!runtime) {
        const float *bd = b->data;
        float *scaled = NULL;
        if (alpha != 1.0f) {
            size_t cnt = (size_t)k * (size_t)nn;
            if (!(scaled = malloc(sizeof(float) * cnt))) {
                *st = eb_errf(err, EB_ENOMEM, "cpu: out of memory");
                return false;
            }
            for (size_t i = 0; i < cnt; i++)
                scaled[i] = bd[i] * alpha;
            bd = scaled;
        }
        *st = eb_gemm_pack_b(bd, (int)k, (int)nn, trans_b ? (int)k : (int)nn, trans_b, &s->gemm.pb, err);
        free(scaled);
    }
    return *st == EB_OK;
}

/* MatMul with a B computed at run time (attention): per batch matrix, B is
 * packed then multiplied. */
static bool plan_matmul_batched(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], bv = n->in[1], yv = n->out[0];
    const eb_tensor *a = &p->pv[av].t, *b = &p->pv[bv].t, *y = &p->pv[yv].t;
    if (!is_f32(a) || !is_f32(b) || !is_f32(y) || a->rank < 2 || b->rank < 2)
        return false;
    int ain = want_layout(p, av, LAY_NCHW, err), bin = want_layout(p, bv, LAY_NCHW, err);
    step *s = ain < 0 || bin < 0 ? NULL : new_step(p, ST_MATMUL, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->mm.m = a->shape[a->rank - 2];
    s->mm.k = a->shape[a->rank - 1];
    s->mm.n = b->shape[b->rank - 1];
    if (s->mm.m > INT32_MAX || s->mm.k > INT32_MAX || s->mm.n > INT32_MAX) {
        p->n_steps--;
        return false;
    }
    eb_tensor ab = {.dtype = EB_DT_F32, .rank = a->rank - 2}, bb = {.dtype = EB_DT_F32, .rank = b->rank - 2};
    memcpy(ab.shape, a->shape, sizeof(int64_t) * (size_t)ab.rank);
    memcpy(bb.shape, b->shape, sizeof(int64_t) * (size_t)bb.rank);
    const eb_tensor *bs[2] = {&ab, &bb};
    s->mm.yb.dtype = EB_DT_F32;
    if (eb_broadcast_shapes("MatMul", bs, 2, &s->mm.yb, err) != EB_OK) {
        p->n_steps--;
        return false;
    }
    eb_broadcast_strides(&ab, &s->mm.yb, s->mm.sa);
    eb_broadcast_strides(&bb, &s->mm.yb, s->mm.sb);
    s->mm.batches = eb_tensor_numel(&s->mm.yb);
    s->n_in = 2;
    s->in[0] = ain;
    s->in[1] = bin;
    s->n_out = 1;
    s->out[0] = yv;
    return true;
}

static bool plan_unary(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    if (!eb_unary_supported(n->op) || !is_f32(&p->pv[xv].t) || !is_f32(&p->pv[yv].t))
        return false;
    eb_unary_params up = {.op = n->op};
    switch (n->op) {
    case EB_OP_LEAKY_RELU: up.alpha = eb_attr_float(n, "alpha", 0.01f); break;
    case EB_OP_HARD_SIGMOID:
        up.alpha = eb_attr_float(n, "alpha", 0.2f);
        up.beta = eb_attr_float(n, "beta", 0.5f);
        break;
    case EB_OP_GELU: up.gelu_tanh = strcmp(eb_attr_string(n, "approximate", "none"), "tanh") == 0; break;
    case EB_OP_CLIP:
        up.lo = -FLT_MAX;
        up.hi = FLT_MAX;
        if (n->opset < 11) {
            up.lo = eb_attr_float(n, "min", -FLT_MAX);
            up.hi = eb_attr_float(n, "max", FLT_MAX);
        } else {
            int a = input_of(n, 1), b = input_of(n, 2);
            if ((a >= 0 && !const_scalar(p, a, &up.lo)) || (b >= 0 && !const_scalar(p, b, &up.hi)))
                return false;
        }
        break;
    default: break;
    }
    step *s = new_step(p, ST_UNARY, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->unary = up;
    s->n_in = s->n_out = 1;
    s->in[0] = xv; /* any layout: elementwise */
    s->out[0] = yv;
    p->pv[yv].layout = p->pv[xv].is_const ? LAY_NCHW : p->pv[xv].layout;
    return true;
}

static bool plan_binary(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int av = n->in[0], bv = n->in[1], yv = n->out[0];
    const eb_tensor *a = &p->pv[av].t, *b = &p->pv[bv].t, *y = &p->pv[yv].t;
    if (!is_f32(a) || !is_f32(b) || !is_f32(y))
        return false;
    /* NHWC when an input is NHWC and the op is elementwise without any
     * broadcast other than a scalar */
    lay l = LAY_NCHW;
    int ins[2] = {av, bv};
    bool flat = true, any_nhwc = false;
    for (int i = 0; i < 2; i++) {
        const pval *v = &p->pv[ins[i]];
        if (eb_tensor_numel(&v->t) == 1)
            continue;
        if (!eb_tensor_same_shape(&v->t, y) || v->is_const)
            flat = false;
        if (!v->is_const && v->layout == LAY_NHWC && !layout_neutral(&v->t))
            any_nhwc = true;
    }
    if (flat && any_nhwc)
        l = LAY_NHWC;
    int ain = want_layout(p, av, l, err), bin = ain < 0 ? ain : want_layout(p, bv, l, err);
    epi e = {.cout = 1, .axis = 0};
    int out = yv;
    int c = sole_consumer(p, yv);
    if (c >= 0 && (p->g->nodes[c].op == EB_OP_RELU || p->g->nodes[c].op == EB_OP_CLIP))
        out = fuse_epilogue(p, yv, &e, err, st);
    step *s = ain < 0 || bin < 0 || *st != EB_OK ? NULL : new_step(p, ST_BINARY, ni, err);
    if (!s) {
        free(e.bias);
        *st = *st != EB_OK ? *st : EB_ENOMEM;
        return false;
    }
    s->n_in = 2;
    s->in[0] = ain;
    s->in[1] = bin;
    s->n_out = 1;
    s->out[0] = out;
    s->bin.op = n->op;
    s->bin.rank = y->rank;
    SET_ACT(s->bin, e);
    for (int d = 0; d < y->rank; d++) {
        int da = d - (y->rank - a->rank), db = d - (y->rank - b->rank);
        s->bin.out[d] = y->shape[d];
        s->bin.a[d] = da >= 0 ? a->shape[da] : 1;
        s->bin.b[d] = db >= 0 ? b->shape[db] : 1;
    }
    p->pv[out].layout = layout_neutral(&p->pv[out].t) ? LAY_NCHW : l;
    return true;
}

static bool plan_softmax(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || !is_f32(&p->pv[yv].t) || x->rank < 1)
        return false;
    int axis;
    if (!eb_norm_axis(eb_attr_int(n, "axis", n->opset < 13 ? 1 : -1), x->rank, &axis))
        return false;
    if (n->opset >= 13 && axis != x->rank - 1)
        return false;
    int64_t cols = 1;
    for (int d = axis; d < x->rank; d++)
        cols *= x->shape[d];
    if (cols < 1)
        return false;
    step *s = one_in_one_out(p, ST_SOFTMAX, ni, xv, LAY_NCHW, yv, st, err);
    if (!s)
        return false;
    s->rows.cols = cols;
    s->rows.rows = eb_tensor_numel(x) / cols;
    s->rows.log = n->op == EB_OP_LOG_SOFTMAX;
    return true;
}

/* A LayerNormalization parameter that holds exactly one value per element
 * of the normalised tail (dims axis.. of x), so that it indexes per row. */
static bool tail_param(const eb_tensor *t, const eb_tensor *x, int axis)
{
    if (!is_f32(t) || t->rank > x->rank)
        return false;
    for (int d = 0; d < t->rank; d++) {
        int xd = x->rank - t->rank + d;
        if (xd < axis ? t->shape[d] != 1 : t->shape[d] != x->shape[xd])
            return false;
    }
    return true;
}

static bool plan_layernorm(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], sv = n->in[1], bv = input_of(n, 2), yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || !is_f32(&p->pv[yv].t) || !single_output(n) || x->rank < 1)
        return false;
    int64_t a = eb_attr_int(n, "axis", -1);
    if (a < -(int64_t)x->rank || a >= x->rank)
        return false;
    int axis = (int)(a < 0 ? a + x->rank : a);
    int64_t cols = 1;
    for (int d = axis; d < x->rank; d++)
        cols *= x->shape[d];
    if (cols < 1 || !tail_param(&p->pv[sv].t, x, axis) || (bv >= 0 && !tail_param(&p->pv[bv].t, x, axis)))
        return false;
    int xin = want_layout(p, xv, LAY_NCHW, err), sin = want_layout(p, sv, LAY_NCHW, err);
    int bin = want_layout(p, bv, LAY_NCHW, err);
    step *s = xin < 0 || sin < 0 || bin < -1 ? NULL : new_step(p, ST_LAYERNORM, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 3;
    s->in[0] = xin;
    s->in[1] = sin;
    s->in[2] = bin;
    s->n_out = 1;
    s->out[0] = yv;
    s->rows.cols = cols;
    s->rows.rows = eb_tensor_numel(x) / cols;
    s->rows.eps = eb_attr_float(n, "epsilon", 1e-5f);
    return true;
}

static bool plan_transpose(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    const eb_tensor *x = &p->pv[xv].t;
    if (!is_f32(x) || !is_f32(&p->pv[yv].t) || x->rank < 1)
        return false;
    const int64_t *perm;
    int np = eb_attr_ints(n, "perm", &perm);
    if (np >= 0 && np != x->rank)
        return false;
    step *s = one_in_one_out(p, ST_TRANSPOSE, ni, xv, LAY_NCHW, yv, st, err);
    if (!s)
        return false;
    s->tr.rank = x->rank;
    for (int d = 0; d < x->rank; d++) {
        s->tr.shape[d] = x->shape[d];
        s->tr.perm[d] = np >= 0 ? (int)perm[d] : x->rank - 1 - d;
    }
    return true;
}

/* Views: the output is the input's bytes under another shape. */
static bool plan_view(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int xv = n->in[0], yv = n->out[0];
    if (!single_output(n) || p->pv[xv].t.dtype != p->pv[yv].t.dtype ||
        eb_tensor_nbytes(&p->pv[xv].t) != eb_tensor_nbytes(&p->pv[yv].t))
        return false;
    if (n->op == EB_OP_DROPOUT) {
        /* inference only: no training_mode input, or a constant false one */
        int tm = input_of(n, 2);
        const eb_tensor *t = const_tensor(p, tm);
        if (tm >= 0 && (!t || t->dtype != EB_DT_BOOL || *(const uint8_t *)t->data != 0))
            return false;
        if (eb_attr_int(n, "training_mode", 0) != 0)
            return false;
    }
    if (p->pv[xv].is_const) {
        /* a view of a constant is that constant */
        p->pv[yv].is_const = true;
        p->pv[yv].t.data = p->pv[xv].t.data;
        return true;
    }
    bool keeps_layout = n->op == EB_OP_IDENTITY || n->op == EB_OP_DROPOUT;
    step *s = one_in_one_out(p, ST_VIEW, ni, xv, keeps_layout ? p->pv[xv].layout : LAY_NCHW, yv, st, err);
    if (!s)
        return false;
    p->pv[yv].alias = s->in[0];
    p->pv[yv].layout = keeps_layout ? p->pv[s->in[0]].layout : LAY_NCHW;
    return true;
}

/* Bytes per element, 0 for what the movement kernels do not move. */
static size_t elem_size(const eb_tensor *t)
{
    return t->dtype > EB_DT_UNDEFINED && t->dtype < EB_DT_COUNT ? eb_dtypes[t->dtype].size : 0;
}

static int64_t dims_product(const eb_tensor *t, int from, int to)
{
    int64_t p = 1;
    for (int d = from; d < to; d++)
        p *= t->shape[d];
    return p;
}

/* Concat (inputs -> slots of each outer row) and Split (the reverse). */
static bool plan_concat_split(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    bool concat = n->op == EB_OP_CONCAT;
    int whole = concat ? n->out[0] : n->in[0];
    int pieces = concat ? n->n_in : n->n_out;
    const int *piece = concat ? n->in : n->out;
    const eb_tensor *w = &p->pv[whole].t;
    size_t es = elem_size(w);
    int axis;
    if (es == 0 || pieces > MAX_STEP_IO || pieces < 1 || !eb_norm_axis(eb_attr_int(n, "axis", 0), w->rank, &axis))
        return false;
    if (!concat && n->n_in > 1 && !const_tensor(p, n->in[1]))
        return false;
    int ids[MAX_STEP_IO];
    for (int k = 0; k < pieces; k++) {
        if (piece[k] < 0 || !p->g->values[piece[k]].shape_known || p->pv[piece[k]].t.dtype != w->dtype ||
            p->pv[piece[k]].t.rank != w->rank)
            return false;
        ids[k] = concat ? want_layout(p, piece[k], LAY_NCHW, err) : piece[k];
        if (ids[k] < 0) {
            *st = EB_ENOMEM;
            return false;
        }
    }
    int src = concat ? whole : want_layout(p, whole, LAY_NCHW, err);
    step *s = src < 0 ? NULL : new_step(p, concat ? ST_CONCAT : ST_SPLIT, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->mv.outer = dims_product(w, 0, axis);
    s->mv.inner = (size_t)dims_product(w, axis, w->rank) * es;
    for (int k = 0; k < pieces; k++) {
        const eb_tensor *t = &p->pv[ids[k]].t;
        s->mv.part[k] = (size_t)dims_product(t, axis, t->rank) * es;
        if (concat)
            s->in[k] = ids[k];
        else
            s->out[k] = ids[k];
    }
    if (concat) {
        s->n_in = pieces;
        s->n_out = 1;
        s->out[0] = whole;
    } else {
        s->n_in = 1;
        s->in[0] = src;
        s->n_out = pieces;
    }
    return true;
}

static bool plan_gather(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int dv = n->in[0], iv = n->in[1], yv = n->out[0];
    const eb_tensor *d = &p->pv[dv].t, *idx = &p->pv[iv].t;
    size_t es = elem_size(d);
    int axis;
    if (es == 0 || (idx->dtype != EB_DT_I32 && idx->dtype != EB_DT_I64) || d->rank < 1 ||
        !eb_norm_axis(eb_attr_int(n, "axis", 0), d->rank, &axis) || p->pv[yv].t.dtype != d->dtype)
        return false;
    int din = want_layout(p, dv, LAY_NCHW, err), iin = want_layout(p, iv, LAY_NCHW, err);
    step *s = din < 0 || iin < 0 ? NULL : new_step(p, ST_GATHER, ni, err);
    if (!s) {
        *st = EB_ENOMEM;
        return false;
    }
    s->n_in = 2;
    s->in[0] = din;
    s->in[1] = iin;
    s->n_out = 1;
    s->out[0] = yv;
    s->mv.outer = dims_product(d, 0, axis);
    s->mv.axis_dim = d->shape[axis];
    s->mv.inner = (size_t)dims_product(d, axis + 1, d->rank) * es;
    s->mv.n_idx = eb_tensor_numel(idx);
    return true;
}

static eb_status plan_ref(eb_plan *p, int ni, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    int *ins = malloc(sizeof(int) * (size_t)(n->n_in + 1)), *outs = malloc(sizeof(int) * (size_t)(n->n_out + 1));
    if (!ins || !outs) {
        free(ins);
        free(outs);
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    }
    /* conversions first: they run before the node */
    for (int k = 0; k < n->n_in; k++)
        if ((ins[k] = want_layout(p, n->in[k], LAY_NCHW, err)) < -1) {
            free(ins);
            free(outs);
            return EB_ENOMEM;
        }
    for (int k = 0; k < n->n_out; k++) {
        int v = n->out[k];
        outs[k] = v >= 0 && p->g->values[v].shape_known ? v : -1;
    }
    step *s = new_step(p, ST_REF, ni, err);
    if (!s) {
        free(ins);
        free(outs);
        return EB_ENOMEM;
    }
    s->ref_in = ins;
    s->ref_out = outs;
    note_fallback(p, n);
    return EB_OK;
}

/* ---- building the plan -------------------------------------------------------- */

static eb_status build_consumers(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    p->cons_off = calloc((size_t)g->n_values + 2, sizeof(int));
    p->is_output = calloc((size_t)g->n_values + 1, sizeof(bool));
    p->node_done = calloc((size_t)g->n_nodes + 1, sizeof(bool));
    p->fused_head = calloc((size_t)g->n_nodes + 1, sizeof(int));
    int total = 0;
    for (int i = 0; i < g->n_nodes; i++)
        if (!g->nodes[i].folded)
            total += g->nodes[i].n_in;
    p->cons = malloc(sizeof(int) * (size_t)(total + 1));
    if (!p->cons_off || !p->is_output || !p->node_done || !p->fused_head || !p->cons)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    for (int i = 0; i < g->n_outputs; i++)
        p->is_output[g->outputs[i]] = true;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; !g->nodes[i].folded && k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] >= 0)
                p->cons_off[g->nodes[i].in[k] + 1]++;
    for (int v = 0; v < g->n_values; v++)
        p->cons_off[v + 1] += p->cons_off[v];
    int *fill = calloc((size_t)g->n_values + 1, sizeof(int));
    if (!fill)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; !g->nodes[i].folded && k < g->nodes[i].n_in; k++) {
            int v = g->nodes[i].in[k];
            if (v >= 0)
                p->cons[p->cons_off[v] + fill[v]++] = i;
        }
    free(fill);
    return EB_OK;
}

static eb_status build_steps(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        if (n->folded || p->node_done[i])
            continue;
        p->planning = i;
        eb_status st = EB_OK;
        bool fast = false;
        switch (n->op) {
        case EB_OP_CONV: fast = plan_conv(p, i, &st, err); break;
        case EB_OP_MAX_POOL:
        case EB_OP_AVERAGE_POOL: fast = plan_pool(p, i, &st, err); break;
        case EB_OP_GLOBAL_AVG_POOL:
        case EB_OP_GLOBAL_MAX_POOL: fast = plan_gpool(p, i, &st, err); break;
        case EB_OP_GEMM: fast = plan_gemm(p, i, &st, err); break;
        case EB_OP_MATMUL:
            fast = plan_gemm(p, i, &st, err);
            if (!fast && st == EB_OK)
                fast = plan_matmul_batched(p, i, &st, err);
            break;
        case EB_OP_ADD:
        case EB_OP_SUB:
        case EB_OP_MUL:
        case EB_OP_DIV: fast = plan_binary(p, i, &st, err); break;
        case EB_OP_SOFTMAX:
        case EB_OP_LOG_SOFTMAX: fast = plan_softmax(p, i, &st, err); break;
        case EB_OP_LAYER_NORM: fast = plan_layernorm(p, i, &st, err); break;
        case EB_OP_TRANSPOSE: fast = plan_transpose(p, i, &st, err); break;
        case EB_OP_CONCAT:
        case EB_OP_SPLIT: fast = plan_concat_split(p, i, &st, err); break;
        case EB_OP_GATHER: fast = plan_gather(p, i, &st, err); break;
        case EB_OP_RESHAPE:
        case EB_OP_FLATTEN:
        case EB_OP_SQUEEZE:
        case EB_OP_UNSQUEEZE:
        case EB_OP_IDENTITY:
        case EB_OP_DROPOUT: fast = plan_view(p, i, &st, err); break;
        default: fast = eb_unary_supported(n->op) && plan_unary(p, i, &st, err); break;
        }
        if (st != EB_OK) {
            char where[200];
            snprintf(where, sizeof where, "%s: node %d '%.80s' (%.40s)", g->path, i, n->name, n->op_type);
            return eb_err_prefix(err, st, where);
        }
        if (!fast && (st = plan_ref(p, i, err)) != EB_OK)
            return st;
    }
    return EB_OK;
}

/* The pvals step s reads (is_out false) and writes, into io[] (at most max). */
static int step_io(const eb_plan *p, const step *s, int *io, bool *is_out, int max)
{
    int n = 0;
    bool ref = s->kind == ST_REF;
    int n_in = ref ? p->g->nodes[s->node].n_in : s->n_in, n_out = ref ? p->g->nodes[s->node].n_out : s->n_out;
    for (int k = 0; k < n_in && n < max; k++) {
        int v = ref ? s->ref_in[k] : s->in[k];
        if (v >= 0) {
            is_out[n] = false;
            io[n++] = v;
        }
    }
    for (int k = 0; k < n_out && n < max; k++) {
        int v = ref ? s->ref_out[k] : s->out[k];
        if (v >= 0) {
            is_out[n] = true;
            io[n++] = v;
        }
    }
    return n;
}

static void touch(eb_plan *p, int si, int v)
{
    if (p->pv[v].is_const)
        return;
    p->pv[v].used = true;
    int r = root_of(p, v);
    pval *rv = &p->pv[r];
    if (si < rv->first)
        rv->first = si;
    if (si > rv->last)
        rv->last = si;
}

/* Elementwise steps may write over an input that no later step reads. */
static void place_in_place(eb_plan *p)
{
    for (int si = 0; si < p->n_steps; si++) {
        step *s = &p->steps[si];
        int cand[2] = {-1, -1};
        switch (s->kind) {
        case ST_UNARY:
        case ST_SOFTMAX:
        case ST_LAYERNORM: cand[0] = s->in[0]; break;
        case ST_BINARY:
            cand[0] = s->in[0];
            cand[1] = s->in[1];
            break;
        default: continue;
        }
        int y = s->out[0];
        if (p->pv[y].alias >= 0 || p->pv[y].is_const || p->pv[y].gv < 0)
            continue;
        for (int c = 0; c < 2; c++) {
            int x = cand[c];
            if (x < 0 || p->pv[x].is_const)
                continue;
            int r = root_of(p, x);
            if (p->pv[r].last != si || p->pv[x].t.dtype != p->pv[y].t.dtype ||
                eb_tensor_nbytes(&p->pv[x].t) != eb_tensor_nbytes(&p->pv[y].t) ||
                !eb_tensor_same_shape(&p->pv[x].t, &p->pv[y].t) ||
                (p->pv[x].layout != p->pv[y].layout && !layout_neutral(&p->pv[y].t)))
                continue;
            if (p->pv[r].gv >= 0 && p->g->values[p->pv[r].gv].is_input && p->is_output[p->pv[r].gv])
                continue;
            /* y takes over r's storage: r's lifetime now ends where y's does */
            p->pv[y].alias = r;
            if (p->pv[y].last > p->pv[r].last)
                p->pv[r].last = p->pv[y].last;
            break;
        }
    }
}

static eb_status plan_arena(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    int end = p->n_steps; /* graph outputs are read after the last step */
    for (int v = 0; v < p->n_pv; v++) {
        p->pv[v].first = INT32_MAX;
        p->pv[v].last = -1;
        p->pv[v].item = -1;
    }
    for (int i = 0; i < g->n_inputs; i++) {
        int v = g->inputs[i];
        p->pv[v].used = true;
        int r = root_of(p, v);
        p->pv[r].first = 0;
        if (p->pv[r].last < 0)
            p->pv[r].last = 0;
    }
    int *io = malloc(sizeof(int) * (size_t)(p->max_io * 2 + MAX_STEP_IO * 2));
    bool *is_out = malloc(sizeof(bool) * (size_t)(p->max_io * 2 + MAX_STEP_IO * 2));
    if (!io || !is_out) {
        free(io);
        free(is_out);
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    }
    for (int si = 0; si < p->n_steps; si++) {
        int cnt = step_io(p, &p->steps[si], io, is_out, p->max_io * 2 + MAX_STEP_IO * 2);
        for (int k = 0; k < cnt; k++)
            touch(p, si, io[k]);
    }
    free(io);
    free(is_out);
    for (int i = 0; i < g->n_outputs; i++) {
        int v = g->outputs[i];
        if (p->pv[v].is_const)
            continue;
        p->pv[v].used = true;
        int r = root_of(p, v);
        p->pv[r].last = end;
        if (p->pv[r].first > end)
            p->pv[r].first = end;
    }
    /* the lifetime of a root spans those of the values aliasing it */
    for (int v = 0; v < p->n_pv; v++) {
        if (p->pv[v].alias < 0 || p->pv[v].is_const)
            continue;
        int r = root_of(p, v);
        if (p->pv[v].first < p->pv[r].first)
            p->pv[r].first = p->pv[v].first;
        if (p->pv[v].last > p->pv[r].last)
            p->pv[r].last = p->pv[v].last;
    }
    place_in_place(p);

    int n_items = 0;
    for (int si = 0; si < p->n_steps; si++)
        n_items += p->steps[si].scratch_bytes > 0;
    for (int v = 0; v < p->n_pv; v++)
        n_items += p->pv[v].used && !p->pv[v].is_const && p->pv[v].alias < 0;
    p->items = calloc((size_t)n_items + 1, sizeof(eb_mem_item));
    if (!p->items)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    for (int v = 0; v < p->n_pv; v++) {
        pval *pv = &p->pv[v];
        if (!pv->used || pv->is_const || pv->alias >= 0)
            continue;
        size_t bytes = eb_tensor_nbytes(&pv->t);
        if (bytes == SIZE_MAX)
            return eb_errf(err, EB_EINVAL, "cpu: value too large");
        if (pv->first > pv->last)
            pv->first = pv->last < 0 ? 0 : pv->last;
        if (pv->last < 0)
            pv->last = pv->first;
        pv->item = p->n_items;
        p->items[p->n_items++] = (eb_mem_item){(bytes + ALIGN - 1) / ALIGN * ALIGN, pv->first, pv->last, 0};
    }
    for (int si = 0; si < p->n_steps; si++) {
        step *s = &p->steps[si];
        if (s->scratch_bytes == 0)
            continue;
        s->scratch_item = p->n_items;
        p->items[p->n_items++] = (eb_mem_item){(s->scratch_bytes + ALIGN - 1) / ALIGN * ALIGN, si, si, 0};
        /* each slot lives for one step: the largest is what the arena holds for scratch at once */
        if (p->items[p->n_items - 1].size > p->info.scratch_bytes)
            p->info.scratch_bytes = p->items[p->n_items - 1].size;
    }
    for (int i = 0; i < p->n_items; i++)
        p->sum_bytes += p->items[i].size;
    eb_status st = eb_plan_memory(p->items, p->n_items, ALIGN, &p->arena_bytes, err);
    if (st != EB_OK)
        return st;
    if (p->arena_bytes > eb_mem_limit())
        return eb_errf(err, EB_ENOMEM, "cpu: activation arena of %zu bytes exceeds the memory limit", p->arena_bytes);
    p->arena = aligned_alloc(ALIGN, p->arena_bytes ? p->arena_bytes : ALIGN);
    if (!p->arena)
        return eb_errf(err, EB_ENOMEM, "cpu: cannot allocate the %zu-byte activation arena", p->arena_bytes);
    for (int v = 0; v < p->n_pv; v++) {
        pval *pv = &p->pv[v];
        if (pv->is_const || !pv->used)
            continue;
        int r = root_of(p, v);
        pv->t.data = (char *)p->arena + p->items[p->pv[r].item].offset;
    }
    p->info.activation_bytes = p->arena_bytes;
    return EB_OK;
}

static void weight_bytes(eb_plan *p)
{
    size_t b = 0;
    bool *counted = calloc((size_t)p->g->n_values + 1, sizeof(bool));
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        switch (s->kind) {
        case ST_CONV: b += eb_conv2d_weight_bytes(&s->conv); break;
        case ST_DWCONV: b += eb_dwconv2d_weight_bytes(&s->dw); break;
        case ST_GEMM:
            b += s->gemm.pb ? eb_gemm_packed_bytes(s->gemm.pb) : 0;
            b += s->gemm.bias ? sizeof(float) * (size_t)s->gemm.n : 0;
            break;
        default: break;
        }
        /* constants the step reads as they are (LayerNorm scales, ref inputs, ...) */
        int n_in = s->kind == ST_REF ? p->g->nodes[s->node].n_in : s->n_in;
        for (int k = 0; k < n_in; k++) {
            int v = s->kind == ST_REF ? s->ref_in[k] : s->in[k];
            if (v >= 0 && p->pv[v].is_const && p->pv[v].gv >= 0 && counted && !counted[p->pv[v].gv]) {
                counted[p->pv[v].gv] = true;
                b += eb_tensor_nbytes(&p->pv[v].t);
            }
        }
    }
    free(counted);
    p->info.weight_bytes = b;
}

static void describe_fallbacks(eb_plan *p)
{
    size_t len = 0;
    p->fallbacks[0] = '\0';
    for (int op = 0; op < EB_OP_COUNT; op++) {
        if (!p->fallback_count[op])
            continue;
        int w = snprintf(p->fallbacks + len, sizeof p->fallbacks - len, "%s%s x%d", len ? ", " : "",
                         eb_op_name((eb_op)op), p->fallback_count[op]);
        if (w < 0 || (size_t)w >= sizeof p->fallbacks - len)
            break;
        len += (size_t)w;
    }
}

static const char *const KIND_NAMES[] = {"ref",     "conv",    "dwconv",    "pool",      "gpool",
                                         "gemm",    "matmul",  "unary",     "binary",    "softmax",
                                         "layernorm", "transpose", "view",   "to_nhwc",   "to_nchw",
                                         "concat",  "split",   "gather"};
_Static_assert(sizeof KIND_NAMES / sizeof KIND_NAMES[0] == ST_GATHER + 1, "one name per step kind");

/* EB_CPU_DEBUG=1: the step list on stderr, for debugging and profiling. */
static void dump_plan(const eb_plan *p)
{
    fprintf(stderr, "cpu plan: %d steps, arena %zu bytes\n", p->n_steps, p->arena_bytes);
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        int io[2 * MAX_STEP_IO + 64];
        bool is_out[2 * MAX_STEP_IO + 64];
        int n = step_io(p, s, io, is_out, 2 * MAX_STEP_IO + 64);
        fprintf(stderr, "  %3d %-9s %-24.24s", si, KIND_NAMES[s->kind], s->node >= 0 ? p->g->nodes[s->node].name : "");
        for (int k = 0; k < n; k++) {
            const pval *v = &p->pv[io[k]];
            long off = v->is_const || !v->used ? -1 : (long)((char *)v->t.data - (char *)p->arena);
            fprintf(stderr, " %s%d%s@%ld", is_out[k] ? "->" : "", io[k], v->layout == LAY_NHWC ? "h" : "", off);
        }
        fprintf(stderr, "\n");
    }
}

/* ---- the runner interface ---------------------------------------------------- */

static bool cpu_supports(const eb_graph *g, const eb_variant *v, char *why, size_t n)
{
    if (v->threads < 1) {
        snprintf(why, n, "cpu: threads=%d, expected >= 1", v->threads);
        return false;
    }
    if (strcmp(v->prune, "none") != 0 || strcmp(v->quant, "none") != 0) {
        snprintf(why, n, "cpu: prune/quant not implemented yet (prune=%s, quant=%s requested)", v->prune, v->quant);
        return false;
    }
    if (v->device != 0) {
        snprintf(why, n, "cpu: device=%d requested, the cpu runner has device 0 only", v->device);
        return false;
    }
    eb_isa isa = EB_ISA_AUTO;
    if (v->isa[0] && !eb_isa_parse(v->isa, &isa)) { /* "": a zeroed variant, auto */
        snprintf(why, n, "cpu: isa=%s is not an instruction set this runner knows", v->isa);
        return false;
    }
    if (isa != EB_ISA_AUTO && !eb_isa_supported(isa)) {
        snprintf(why, n, "cpu: isa=%s requested, but %s", v->isa, eb_isa_why_not(isa));
        return false;
    }
    return eb_runner_ops_known(g, why, n);
}

static void cpu_release(eb_plan *p)
{
    if (!p)
        return;
    free(p->labels);
    for (int si = 0; si < p->n_steps; si++) {
        step *s = &p->steps[si];
        if (s->kind == ST_CONV)
            eb_conv2d_release(&s->conv);
        if (s->kind == ST_DWCONV)
            eb_dwconv2d_release(&s->dw);
        eb_gemm_packed_free(s->gemm.pb);
        free(s->gemm.bias);
        free(s->ref_in);
        free(s->ref_out);
    }
    free(p->steps);
    free(p->pv);
    free(p->cons_off);
    free(p->cons);
    free(p->is_output);
    free(p->node_done);
    free(p->fused_head);
    free(p->items);
    free(p->arena);
    free(p->ref_in);
    free(p->ref_out);
    if (p->tp)
        eb_threadpool_free(p->tp);
    free(p);
}

static eb_status cpu_prepare_pinned(const eb_graph *g, const eb_variant *v, eb_plan **out, eb_err *err)
{
    *out = NULL;
    char why[256];
    if (!cpu_supports(g, v, why, sizeof why))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: %s", g->path, why);
    eb_plan *p = calloc(1, sizeof *p);
    if (!p)
        return eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory", g->path);
    p->g = g;
    p->threads = v->threads;
    eb_status st = EB_OK;
    if (v->threads > 1 && !(p->tp = eb_threadpool_new(v->threads))) {
        st = eb_errf(err, EB_ENOMEM, "%s: cpu: cannot start %d threads", g->path, v->threads);
        goto fail;
    }
    p->max_io = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        p->max_io = g->nodes[i].n_in > p->max_io ? g->nodes[i].n_in : p->max_io;
        p->max_io = g->nodes[i].n_out > p->max_io ? g->nodes[i].n_out : p->max_io;
    }
    p->ref_in = calloc((size_t)p->max_io, sizeof *p->ref_in);
    p->ref_out = calloc((size_t)p->max_io, sizeof *p->ref_out);
    if (!p->ref_in || !p->ref_out ||
        (st = grow((void **)&p->pv, &p->cap_pv, 2 * g->n_values + 16, sizeof(pval), err)) != EB_OK ||
        (st = grow((void **)&p->steps, &p->cap_steps, g->n_nodes + g->n_values + 16, sizeof(step), err)) != EB_OK) {
        st = eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory", g->path);
        goto fail;
    }
    p->n_pv = g->n_values;
    for (int i = 0; i < g->n_values; i++) {
        const eb_value *val = &g->values[i];
        pval *pv = &p->pv[i];
        pv->t = val->t;
        pv->gv = i;
        pv->twin = pv->alias = -1;
        pv->is_const = val->is_const;
        if (!pv->is_const)
            pv->t.data = NULL;
    }
    if ((st = build_consumers(p, err)) != EB_OK || (st = build_steps(p, err)) != EB_OK ||
        (st = plan_arena(p, err)) != EB_OK) {
        goto fail;
    }
    weight_bytes(p);
    describe_fallbacks(p);
    if (getenv("EB_CPU_DEBUG"))
        dump_plan(p);
    *out = p;
    return EB_OK;
fail:
    cpu_release(p);
    return st;
}

/* The ISA is decided here, once: the variant's, or for isa=auto what the
 * GEMM dispatch picks now (detection, or a test's eb_gemm_force_isa).  It
 * is pinned on this thread while the weights are packed, and on every
 * run(), so that all of the plan's kernels use it and info() reports it. */
static eb_status cpu_prepare(const eb_graph *g, const eb_variant *v, eb_plan **out, eb_err *err)
{
    eb_isa isa = EB_ISA_AUTO;
    if (!eb_isa_parse(v->isa, &isa) || isa == EB_ISA_AUTO)
        isa = eb_gemm_isa(); /* a bad name is refused by cpu_supports in prepare */
    eb_isa prev = eb_gemm_thread_isa(eb_isa_supported(isa) ? isa : EB_ISA_AUTO);
    eb_status st = cpu_prepare_pinned(g, v, out, err);
    eb_gemm_thread_isa(prev);
    if (st == EB_OK)
        (*out)->isa = isa;
    return st;
}

/* ---- run ------------------------------------------------------------------------- */

typedef struct mm_ctx {
    const step *s;
    const float *a, *b;
    float *y;
    eb_status st;
    eb_isa isa; /* the plan's: worker threads pack B for it */
} mm_ctx;

static void mm_batch(void *arg, int task, int worker)
{
    (void)worker;
    mm_ctx *c = arg;
    const step *s = c->s;
    int64_t a0 = eb_broadcast_offset(&s->mm.yb, s->mm.sa, task) * s->mm.m * s->mm.k;
    int64_t b0 = eb_broadcast_offset(&s->mm.yb, s->mm.sb, task) * s->mm.k * s->mm.n;
    eb_packed_b *pb = NULL;
    eb_err err;
    eb_isa prev = eb_gemm_thread_isa(c->isa);
    eb_status st = eb_gemm_pack_b(c->b + b0, (int)s->mm.k, (int)s->mm.n, (int)s->mm.n, false, &pb, &err);
    eb_gemm_thread_isa(prev);
    if (st != EB_OK) {
        c->st = EB_ENOMEM;
        return;
    }
    eb_gemm_f32((int)s->mm.m, (int)s->mm.n, (int)s->mm.k, c->a + a0, (int)s->mm.k, pb,
                c->y + (int64_t)task * s->mm.m * s->mm.n, (int)s->mm.n, NULL, NULL);
    eb_gemm_packed_free(pb);
}

static float *f32(const eb_plan *p, int v)
{
    return v >= 0 ? (float *)p->pv[v].t.data : NULL;
}

static eb_status run_step(eb_plan *p, const step *s, eb_err *err)
{
    eb_threadpool *tp = p->tp;
    switch (s->kind) {
    case ST_REF: {
        const eb_node *n = &p->g->nodes[s->node];
        for (int k = 0; k < n->n_in; k++)
            p->ref_in[k] = s->ref_in[k] >= 0 ? &p->pv[s->ref_in[k]].t : NULL;
        for (int k = 0; k < n->n_out; k++) {
            p->ref_out[k] = s->ref_out[k] >= 0 ? &p->pv[s->ref_out[k]].t : NULL;
            if (p->ref_out[k]) /* the contract: outputs arrive zeroed */
                memset(p->ref_out[k]->data, 0, eb_tensor_nbytes(p->ref_out[k]));
        }
        return eb_ref_eval(n, p->ref_in, p->ref_out, err);
    }
    case ST_CONV: {
        float *scratch = s->scratch_item >= 0 ? (float *)((char *)p->arena + p->items[s->scratch_item].offset) : NULL;
        if (!s->runtime_w) {
            eb_conv2d_nhwc_f32(&s->conv, f32(p, s->in[0]), f32(p, s->out[0]), scratch, tp);
            return EB_OK;
        }
        eb_conv2d c = s->conv;
        c.packed = NULL;
        c.bias = NULL;
        eb_status st = eb_conv2d_pack(&c, f32(p, s->in[1]), NULL, f32(p, s->in[2]), err);
        if (st != EB_OK)
            return st;
        eb_conv2d_nhwc_f32(&c, f32(p, s->in[0]), f32(p, s->out[0]), scratch, tp);
        eb_conv2d_release(&c);
        return EB_OK;
    }
    case ST_DWCONV: {
        if (!s->runtime_w) {
            eb_dwconv2d_nhwc_f32(&s->dw, f32(p, s->in[0]), f32(p, s->out[0]), tp);
            return EB_OK;
        }
        eb_dwconv2d d = s->dw;
        d.w = d.bias = NULL;
        eb_status st = eb_dwconv2d_pack(&d, f32(p, s->in[1]), NULL, f32(p, s->in[2]), err);
        if (st != EB_OK)
            return st;
        eb_dwconv2d_nhwc_f32(&d, f32(p, s->in[0]), f32(p, s->out[0]), tp);
        eb_dwconv2d_release(&d);
        return EB_OK;
    }
    case ST_POOL: eb_pool2d_nhwc_f32(&s->pool, f32(p, s->in[0]), f32(p, s->out[0]), tp); return EB_OK;
    case ST_GPOOL:
        eb_global_pool_nhwc_f32(s->pool.win.n, s->pool.win.h * s->pool.win.w, s->pool.win.c, s->pool.is_max,
                                f32(p, s->in[0]), f32(p, s->out[0]), tp);
        return EB_OK;
    case ST_GEMM: {
        eb_epilogue ep = {.bias = s->gemm.bias, .act = s->gemm.act, .lo = s->gemm.lo, .hi = s->gemm.hi};
        const eb_packed_b *pb = s->gemm.pb;
        eb_packed_b *tmp = NULL;
        if (!pb) {
            int ldb = s->gemm.trans_b ? s->gemm.k : s->gemm.n;
            eb_status st = eb_gemm_pack_b(f32(p, s->in[1]), s->gemm.k, s->gemm.n, ldb, s->gemm.trans_b, &tmp, err);
            if (st != EB_OK)
                return st;
            pb = tmp;
        }
        eb_gemm_f32(s->gemm.m, s->gemm.n, s->gemm.k, f32(p, s->in[0]), s->gemm.k, pb, f32(p, s->out[0]), s->gemm.n,
                    &ep, tp);
        eb_gemm_packed_free(tmp);
        return EB_OK;
    }
    case ST_MATMUL: {
        mm_ctx c = {s, f32(p, s->in[0]), f32(p, s->in[1]), f32(p, s->out[0]), EB_OK, p->isa};
        int64_t count = s->mm.batches;
        if (s->mm.m * s->mm.n == 0)
            return EB_OK;
        if (s->mm.k == 0) {
            memset(c.y, 0, sizeof(float) * (size_t)(count * s->mm.m * s->mm.n));
            return EB_OK;
        }
        if (tp && count >= eb_threadpool_size(tp)) {
            eb_threadpool_run(tp, (int)count, mm_batch, &c);
        } else {
            for (int64_t i = 0; i < count && c.st == EB_OK; i++) {
                int64_t a0 = eb_broadcast_offset(&s->mm.yb, s->mm.sa, i) * s->mm.m * s->mm.k;
                int64_t b0 = eb_broadcast_offset(&s->mm.yb, s->mm.sb, i) * s->mm.k * s->mm.n;
                eb_packed_b *pb = NULL;
                eb_status st = eb_gemm_pack_b(c.b + b0, (int)s->mm.k, (int)s->mm.n, (int)s->mm.n, false, &pb, err);
                if (st != EB_OK)
                    return st;
                eb_gemm_f32((int)s->mm.m, (int)s->mm.n, (int)s->mm.k, c.a + a0, (int)s->mm.k, pb,
                            c.y + i * s->mm.m * s->mm.n, (int)s->mm.n, NULL, tp);
                eb_gemm_packed_free(pb);
            }
        }
        if (c.st != EB_OK)
            return eb_errf(err, c.st, "MatMul: out of memory packing B");
        return EB_OK;
    }
    case ST_UNARY:
        eb_unary_f32(&s->unary, f32(p, s->in[0]), f32(p, s->out[0]), eb_tensor_numel(&p->pv[s->out[0]].t), tp);
        return EB_OK;
    case ST_BINARY:
        eb_binary_f32(s->bin.op, s->bin.rank, s->bin.out, f32(p, s->in[0]), s->bin.a, f32(p, s->in[1]), s->bin.b,
                      f32(p, s->out[0]), s->bin.act, s->bin.lo, s->bin.hi, tp);
        return EB_OK;
    case ST_SOFTMAX:
        eb_softmax_rows_f32(s->rows.rows, s->rows.cols, f32(p, s->in[0]), f32(p, s->out[0]), s->rows.log, tp);
        return EB_OK;
    case ST_LAYERNORM:
        eb_layernorm_rows_f32(s->rows.rows, s->rows.cols, f32(p, s->in[0]), f32(p, s->in[1]), f32(p, s->in[2]),
                              s->rows.eps, f32(p, s->out[0]), tp);
        return EB_OK;
    case ST_TRANSPOSE:
        eb_transpose_f32(s->tr.rank, s->tr.shape, s->tr.perm, f32(p, s->in[0]), f32(p, s->out[0]), tp);
        return EB_OK;
    case ST_VIEW: return EB_OK;
    case ST_CONCAT:
    case ST_SPLIT: {
        bool concat = s->kind == ST_CONCAT;
        size_t off = 0;
        for (int k = 0; k < (concat ? s->n_in : s->n_out); k++) {
            char *whole = concat ? p->pv[s->out[0]].t.data : p->pv[s->in[0]].t.data;
            char *piece = concat ? p->pv[s->in[k]].t.data : p->pv[s->out[k]].t.data;
            eb_copy c = {.len = s->mv.part[k], .outer = s->mv.outer};
            if (concat) {
                c.src = piece;
                c.dst = whole + off;
                c.src_stride = (int64_t)s->mv.part[k];
                c.dst_stride = (int64_t)s->mv.inner;
            } else {
                c.src = whole + off;
                c.dst = piece;
                c.src_stride = (int64_t)s->mv.inner;
                c.dst_stride = (int64_t)s->mv.part[k];
            }
            if (c.len)
                eb_copy_blocks(&c, tp);
            off += s->mv.part[k];
        }
        return EB_OK;
    }
    case ST_GATHER: {
        const eb_tensor *idx = &p->pv[s->in[1]].t;
        return eb_gather_rows(p->pv[s->in[0]].t.data, s->mv.outer, s->mv.axis_dim, s->mv.inner, idx->data,
                              idx->dtype == EB_DT_I64, s->mv.n_idx, p->pv[s->out[0]].t.data, tp, err);
    }
    case ST_TO_NHWC:
    case ST_TO_NCHW: {
        const eb_tensor *t = &p->pv[s->in[0]].t;
        int n = (int)t->shape[0], c = (int)t->shape[1], hw = (int)(t->shape[2] * t->shape[3]);
        if (s->kind == ST_TO_NHWC)
            eb_layout_nchw_to_nhwc_f32(n, c, hw, f32(p, s->in[0]), f32(p, s->out[0]), tp);
        else
            eb_layout_nhwc_to_nchw_f32(n, c, hw, f32(p, s->in[0]), f32(p, s->out[0]), tp);
        return EB_OK;
    }
    }
    return EB_OK;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* One inference; with times (profile()), each step is timed too, into
 * times[si].ms.  run() passes NULL: no clock is read. */
static eb_status run_steps(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, eb_err *err)
{
    const eb_graph *g = p->g;
    for (int i = 0; i < g->n_inputs; i++) {
        const pval *v = &p->pv[g->inputs[i]];
        if (v->t.data && !v->is_const)
            memcpy(v->t.data, in[i].data, eb_tensor_nbytes(&v->t));
    }
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        double t0 = times ? now_ms() : 0;
        eb_status st = run_step(p, s, err);
        if (times)
            times[si].ms = now_ms() - t0;
        if (st != EB_OK) {
            char where[256];
            if (s->node >= 0)
                snprintf(where, sizeof where, "%s: node %d '%.80s' (%.60s)", g->path, s->node, g->nodes[s->node].name,
                         g->nodes[s->node].op_type);
            else
                snprintf(where, sizeof where, "%s: layout conversion", g->path);
            return eb_err_prefix(err, st, where);
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        const pval *v = &p->pv[g->outputs[i]];
        if (v->layout == LAY_NHWC && !layout_neutral(&v->t)) {
            const eb_tensor *t = &v->t;
            eb_layout_nhwc_to_nchw_f32((int)t->shape[0], (int)t->shape[1], (int)(t->shape[2] * t->shape[3]), t->data,
                                       out[i].data, p->tp);
        } else if (v->t.data) {
            memcpy(out[i].data, v->t.data, eb_tensor_nbytes(&v->t));
        }
    }
    return EB_OK;
}

static eb_status cpu_run(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_err *err)
{
    eb_isa prev = eb_gemm_thread_isa(p->isa);
    eb_status st = run_steps(p, in, out, NULL, err);
    eb_gemm_thread_isa(prev);
    return st;
}

/* Appends "+part" (or part, first) to buf[n]; false when it no longer fits. */
static bool join(char *buf, size_t n, const char *part)
{
    size_t len = strlen(buf);
    int w = snprintf(buf + len, n - len, "%s%s", len ? "+" : "", part);
    return w >= 0 && (size_t)w < n - len;
}

/* The name and op of every step: its head node and, on the last step of
 * that head, the nodes fused into it, in graph order; a conversion is
 * named after the value it converts. */
static eb_status build_labels(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    int *last = malloc(((size_t)g->n_nodes + 1) * sizeof *last);
    p->labels = calloc((size_t)p->n_steps + 1, sizeof *p->labels);
    char *name = malloc(4096), *op = malloc(1024);
    eb_status st = EB_OK;
    if (!last || !p->labels || !name || !op) {
        free(p->labels);
        p->labels = NULL;
        st = eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory for the profile", g->path);
        goto done;
    }
    for (int i = 0; i < g->n_nodes; i++)
        last[i] = -1;
    for (int si = 0; si < p->n_steps; si++)
        if (p->steps[si].node >= 0)
            last[p->steps[si].node] = si;
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        name[0] = op[0] = '\0';
        if (s->node < 0) {
            int gv = p->pv[s->in[0]].gv;
            snprintf(name, 4096, "%s %.200s", s->kind == ST_TO_NHWC ? "to NHWC:" : "to NCHW:",
                     gv >= 0 ? g->values[gv].name : "?");
            snprintf(op, 1024, "(layout)");
        } else {
            join(name, 4096, g->nodes[s->node].name);
            join(op, 1024, g->nodes[s->node].op_type);
            for (int j = s->node + 1; last[s->node] == si && j < g->n_nodes; j++)
                if (p->node_done[j] && p->fused_head[j] == s->node) {
                    join(name, 4096, g->nodes[j].name);
                    join(op, 1024, g->nodes[j].op_type);
                }
        }
        eb_node_time_set(p->labels, p->n_steps, si, name, op, 0);
    }
done:
    free(last);
    free(name);
    free(op);
    return st;
}

static eb_status cpu_profile(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max, int *n,
                             eb_err *err)
{
    eb_status st = p->labels ? EB_OK : build_labels(p, err);
    if (st != EB_OK)
        return st;
    *n = p->n_steps;
    /* time into the labels' copy so that a short times[] still runs once */
    eb_node_time *t = malloc(((size_t)p->n_steps + 1) * sizeof *t);
    if (!t)
        return eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory for the profile", p->g->path);
    memcpy(t, p->labels, (size_t)p->n_steps * sizeof *t);
    eb_isa prev = eb_gemm_thread_isa(p->isa); /* the kernels the timed runs used */
    st = run_steps(p, in, out, t, err);
    eb_gemm_thread_isa(prev);
    if (st == EB_OK && times)
        memcpy(times, t, (size_t)(max < p->n_steps ? max : p->n_steps) * sizeof *t);
    free(t);
    return st;
}

static void cpu_info(const eb_plan *p, eb_plan_info *out)
{
    *out = p->info;
    snprintf(out->fallbacks, sizeof out->fallbacks, "%s", p->fallbacks);
    snprintf(out->isa, sizeof out->isa, "%s", eb_isa_name(p->isa));
}

const char *eb_cpu_plan_fallbacks(const eb_plan *p)
{
    return p->fallbacks;
}

bool eb_cpu_plan_value_region(const eb_plan *p, int value, size_t *offset, size_t *bytes)
{
    if (value < 0 || value >= p->g->n_values)
        return false;
    const pval *v = &p->pv[value];
    if (v->is_const || !v->used || v->fused)
        return false;
    int r = root_of(p, value);
    if (p->pv[r].item < 0)
        return false;
    *offset = p->items[p->pv[r].item].offset;
    *bytes = eb_tensor_nbytes(&v->t);
    return true;
}

void eb_cpu_plan_arena(const eb_plan *p, size_t *arena, size_t *sum_of_buffers)
{
    *arena = p->arena_bytes;
    *sum_of_buffers = p->sum_bytes;
}

const eb_runner eb_runner_cpu = {
    .name = "cpu",
    .description = "optimized fp32: packed SIMD GEMM, NHWC convolutions, fused epilogues, thread pool, memory plan",
    .supports = cpu_supports,
    .prepare = cpu_prepare,
    .run = cpu_run,
    .info = cpu_info,
    .release = cpu_release,
    .profile = cpu_profile,
    .devices = eb_runner_host_devices,
};
