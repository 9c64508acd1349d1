/* cpu_opt_act.c - activations that exporters write out in elementwise ops,
 * fused into one pass (opt=2): GELU in its tanh form (0.5 x (1 + tanh(
 * sqrt(2/pi) (x + 0.044715 x^3)))) and its erf form, SiLU/Swish
 * (x * Sigmoid(x)) and HardSwish (x * HardSigmoid(x), x * Clip(x + 3, 0,
 * 6) / 6), each however the exporter ordered its operands.
 *
 * The match is structural first: a cluster is a set of elementwise nodes
 * (Add, Sub, Mul, Div, Pow, Tanh, Sigmoid, HardSigmoid, Clip, Erf, Relu,
 * Sqrt, Neg, Exp, Abs) whose inputs are one activation x, the cluster's
 * own values or constant f32 scalars, with one output y: every value in
 * between is read only inside the cluster and is no graph output.  Which
 * function the cluster computes is then checked on its constants as
 * written: it is evaluated in double at 2401 points of [-12, 12] and at
 * +-15 ... +-1e6 (so that a clamp far out is seen) and must agree with the
 * function's formula within 2e-6 (1 + |f|) at every one; that holds for
 * float roundings of 0.5, sqrt(2/pi), 0.044715, 3 and 1/6, and fails for
 * GELU's tanh and erf forms against each other (they differ by up to
 * 5e-4), for kappa 0.0448 instead of 0.044715, for an exponent of 2
 * instead of 3 (test_cpu_opt.c checks such near misses).
 *
 * Where the cluster reads the output of a product step whose epilogue can
 * compute the function (GELU's erf form), it becomes that epilogue
 * (eb_cpu_fuse_act_epilogue, from cpu_fuse.c); otherwise it is one ST_ACT
 * step, elementwise, in x's layout.  Where the plan's ISA is AVX2 or
 * AVX-512 its loops are kernels_f32_avx2.c's eb_act_f32__avx2 (8 at a
 * time, softmax's vector exponential); the scalar loops here, branch-free
 * with one expf per element (tanh(z) = 1 - 2 / (e^2z + 1)), do the tails
 * and the other ISAs.  Measured on 1.2M elements (CPU time, gcc 12 -O2),
 * scalar SiLU as x / (1 + expf(-x)) took 2.5 ms where a sign branch (the
 * Sigmoid kernel's) took 11 ms, and GELU's tanh form through tanhf 27 ms. */
#include "runners/cpu/cpu_plan.h"

#include <math.h>
#include <string.h>

enum { MAX_CLUSTER = 16, SCAN = 48, N_GRID = 2401 };

/* the probes past the grid's [-12, 12], both signs */
static const double FAR[] = {15, 20, 30, 50, 100, 1e3, 1e4, 1e6};
#define N_PROBE (N_GRID + 2 * (int)(sizeof FAR / sizeof FAR[0]))

static const char *const FN_NAME[EB_CPU_ACT_FN_COUNT] = {"GELU", "GELU(tanh)", "SiLU", "HardSwish"};

static double fn_value(eb_cpu_act_fn fn, double x)
{
    switch (fn) {
    case EB_CPU_ACT_GELU_ERF: return 0.5 * x * (1.0 + erf(x / sqrt(2.0)));
    case EB_CPU_ACT_GELU_TANH: return 0.5 * x * (1.0 + tanh(sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    case EB_CPU_ACT_SILU: return x / (1.0 + exp(-x));
    case EB_CPU_ACT_HARD_SWISH: return x * fmin(fmax(x / 6.0 + 0.5, 0.0), 1.0);
    case EB_CPU_ACT_FN_COUNT: break;
    }
    return NAN;
}

static bool cluster_op(eb_op op)
{
    switch (op) {
    case EB_OP_ADD:
    case EB_OP_SUB:
    case EB_OP_MUL:
    case EB_OP_DIV:
    case EB_OP_POW:
    case EB_OP_TANH:
    case EB_OP_SIGMOID:
    case EB_OP_HARD_SIGMOID:
    case EB_OP_CLIP:
    case EB_OP_ERF:
    case EB_OP_RELU:
    case EB_OP_SQRT:
    case EB_OP_NEG:
    case EB_OP_EXP:
    case EB_OP_ABS: return true;
    default: return false;
    }
}

typedef struct cluster {
    int x;                    /* the one activation it reads */
    int node[MAX_CLUSTER];    /* in graph order */
    int n;
} cluster;

static int member(const eb_plan *p, const cluster *c, int v)
{
    for (int k = 0; k < c->n; k++)
        if (p->g->nodes[c->node[k]].out[0] == v)
            return k;
    return -1;
}

/* Node j computes from x, the cluster's values and constant scalars only
 * (reading at least one of the first two), same shape as x. */
static bool joins(const eb_plan *p, const cluster *c, int j)
{
    const eb_node *n = &p->g->nodes[j];
    if (n->folded || p->node_done[j] || n->quant || !cluster_op(n->op) || n->n_out < 1 || !single_output(n))
        return false;
    int y = n->out[0];
    if (y < 0 || !is_f32(&p->pv[y].t) || !eb_tensor_same_shape(&p->pv[y].t, &p->pv[c->x].t))
        return false;
    bool reads = false;
    for (int k = 0; k < n->n_in; k++) {
        int v = n->in[k];
        if (v < 0)
            continue;
        float s;
        if (v == c->x || member(p, c, v) >= 0)
            reads = true;
        else if (!const_scalar(p, v, &s))
            return false;
    }
    return reads;
}

/* One node's value at one probe, from its inputs' (vals: the cluster's). */
static double eval_node(const eb_plan *p, const cluster *c, int k, double x, const double *vals)
{
    const eb_node *n = &p->g->nodes[c->node[k]];
    double a[3] = {NAN, NAN, NAN};
    bool given[3] = {false, false, false};
    for (int i = 0; i < n->n_in && i < 3; i++) {
        int v = n->in[i], m;
        float s;
        if (v < 0)
            continue;
        given[i] = true;
        if (v == c->x)
            a[i] = x;
        else if ((m = member(p, c, v)) >= 0)
            a[i] = vals[m];
        else if (const_scalar(p, v, &s))
            a[i] = s;
    }
    switch (n->op) {
    case EB_OP_ADD: return a[0] + a[1];
    case EB_OP_SUB: return a[0] - a[1];
    case EB_OP_MUL: return a[0] * a[1];
    case EB_OP_DIV: return a[0] / a[1];
    case EB_OP_POW: return pow(a[0], a[1]);
    case EB_OP_TANH: return tanh(a[0]);
    case EB_OP_SIGMOID: return 1.0 / (1.0 + exp(-a[0]));
    case EB_OP_HARD_SIGMOID: {
        double v = eb_attr_float(n, "alpha", 0.2f) * a[0] + eb_attr_float(n, "beta", 0.5f);
        return fmin(fmax(v, 0.0), 1.0);
    }
    case EB_OP_CLIP: {
        double lo = -INFINITY, hi = INFINITY;
        if (n->opset < 11) {
            lo = eb_attr_float(n, "min", -INFINITY);
            hi = eb_attr_float(n, "max", INFINITY);
        } else {
            lo = given[1] ? a[1] : lo;
            hi = given[2] ? a[2] : hi;
        }
        return fmin(fmax(a[0], lo), hi);
    }
    case EB_OP_ERF: return erf(a[0]);
    case EB_OP_RELU: return a[0] < 0 ? 0.0 : a[0];
    case EB_OP_SQRT: return sqrt(a[0]);
    case EB_OP_NEG: return -a[0];
    case EB_OP_EXP: return exp(a[0]);
    case EB_OP_ABS: return fabs(a[0]);
    default: return NAN;
    }
}

/* Which function sub-cluster `in` (flags over c) computes, or -1. */
static int identify(const eb_plan *p, const cluster *c, const bool *in, int last, int want)
{
    bool ok[EB_CPU_ACT_FN_COUNT];
    for (int f = 0; f < EB_CPU_ACT_FN_COUNT; f++)
        ok[f] = want < 0 || f == want;
    double vals[MAX_CLUSTER];
    for (int i = 0; i < N_PROBE; i++) {
        double x = i < N_GRID ? -12.0 + 24.0 * i / (N_GRID - 1) : (i % 2 ? -1 : 1) * FAR[(i - N_GRID) / 2];
        for (int k = 0; k <= last; k++)
            vals[k] = in[k] ? eval_node(p, c, k, x, vals) : NAN;
        bool any = false;
        for (int f = 0; f < EB_CPU_ACT_FN_COUNT; f++) {
            double r = fn_value((eb_cpu_act_fn)f, x);
            ok[f] = ok[f] && fabs(vals[last] - r) <= 2e-6 * (1.0 + fabs(r));
            any = any || ok[f];
        }
        if (!any)
            return -1;
    }
    for (int f = 0; f < EB_CPU_ACT_FN_COUNT; f++)
        if (ok[f])
            return f;
    return -1;
}

/* The largest closed cluster on x among the nodes from `from` on that
 * computes one of the functions (want, or any when want < 0); with
 * `head` >= 0 it must contain that node, with all_readers every reader of
 * x must be in it (x is then never stored).  Fills in[] and returns the
 * index in c of its output node, or -1. */
static int find(const eb_plan *p, int x, int from, int head, bool all_readers, int want, cluster *c, bool *in,
                int *fn)
{
    const eb_graph *g = p->g;
    c->x = x;
    c->n = 0;
    int end = from + SCAN < g->n_nodes ? from + SCAN : g->n_nodes;
    for (int j = from; j < end && c->n < MAX_CLUSTER; j++)
        if (joins(p, c, j))
            c->node[c->n++] = j;
    for (int last = c->n - 1; last >= 1; last--) {
        /* the nodes `last` needs, back to x */
        memset(in, 0, sizeof(bool) * MAX_CLUSTER);
        in[last] = true;
        int size = 1;
        for (int k = last; k >= 0; k--) {
            if (!in[k])
                continue;
            const eb_node *n = &g->nodes[c->node[k]];
            for (int i = 0; i < n->n_in; i++) {
                int m = n->in[i] >= 0 ? member(p, c, n->in[i]) : -1;
                if (m >= 0 && !in[m]) {
                    in[m] = true;
                    size++;
                }
            }
        }
        if (size < 2)
            continue;
        bool closed = true;
        for (int k = 0; k <= last && closed; k++) {
            if (!in[k] || k == last)
                continue;
            int v = g->nodes[c->node[k]].out[0];
            if (p->is_output[v])
                closed = false;
            for (int i = p->cons_off[v]; i < p->cons_off[v + 1] && closed; i++) {
                int m = -1;
                for (int q = 0; q <= last; q++)
                    if (c->node[q] == p->cons[i] && in[q])
                        m = q;
                closed = m >= 0;
            }
        }
        for (int i = p->cons_off[x]; all_readers && i < p->cons_off[x + 1] && closed; i++) {
            bool inside = false;
            for (int q = 0; q <= last; q++)
                inside = inside || (c->node[q] == p->cons[i] && in[q]);
            closed = inside;
        }
        bool has_head = head < 0;
        for (int q = 0; q <= last; q++)
            has_head = has_head || (in[q] && c->node[q] == head);
        if (!closed || !has_head)
            continue;
        int f = identify(p, c, in, last, want);
        if (f >= 0) {
            *fn = f;
            return last;
        }
    }
    return -1;
}

/* Marks the cluster's nodes but `keep` as executed by the step being
 * planned, and its values but the output as never stored. */
static int take(eb_plan *p, const cluster *c, const bool *in, int last, int keep)
{
    for (int k = 0; k <= last; k++) {
        if (!in[k])
            continue;
        if (c->node[k] != keep)
            fuse_node(p, c->node[k]);
        if (k != last)
            p->pv[p->g->nodes[c->node[k]].out[0]].fused = true;
    }
    return p->g->nodes[c->node[last]].out[0];
}

int eb_cpu_fuse_act_epilogue(eb_plan *p, int v, eb_cpu_act_fn want)
{
    if (p->opt < 2 || v < 0 || p->is_output[v] || n_consumers(p, v) < 2 || !is_f32(&p->pv[v].t))
        return -1;
    cluster c;
    bool in[MAX_CLUSTER];
    int fn, last = find(p, v, p->planning + 1, -1, true, (int)want, &c, in, &fn);
    if (last < 0)
        return -1;
    p->pv[v].fused = true;
    return take(p, &c, in, last, -1);
}

bool eb_cpu_fuse_act(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    if (!cluster_op(n->op) || !single_output(n))
        return false;
    for (int k = 0; k < n->n_in && k < 2; k++) {
        int x = n->in[k];
        if (x < 0 || p->pv[x].is_const || !is_f32(&p->pv[x].t))
            continue;
        cluster c;
        bool in[MAX_CLUSTER];
        int fn, last = find(p, x, ni, ni, false, -1, &c, in, &fn);
        if (last < 0)
            continue;
        step *s = eb_cpu_new_step(p, ST_ACT, ni, err);
        if (!s) {
            *st = EB_ENOMEM;
            return false;
        }
        int y = take(p, &c, in, last, ni);
        s->n_in = s->n_out = 1;
        s->in[0] = x; /* any layout: elementwise */
        s->out[0] = y;
        s->act_fn = fn;
        p->pv[y].layout = p->pv[x].layout;
        eb_cpu_note_fusion(p, FN_NAME[fn]);
        return true;
    }
    return false;
}

/* ---- the step --------------------------------------------------------------- */

_Static_assert((int)EB_CPU_ACT_GELU_TANH == EB_ACT8_GELU_TANH && (int)EB_CPU_ACT_SILU == EB_ACT8_SILU &&
                   (int)EB_CPU_ACT_HARD_SWISH == EB_ACT8_HARD_SWISH,
               "eb_act_f32__avx2 numbers the functions as eb_cpu_act_fn does");

typedef struct act_ctx {
    int fn;
    bool avx2; /* the plan's ISA runs eb_act_f32__avx2 */
    const float *x;
    float *y;
} act_ctx;

static void act_range(void *arg, int64_t b, int64_t e)
{
    const act_ctx *c = arg;
    const float *x = c->x;
    float *y = c->y;
#if defined(__x86_64__)
    if (c->avx2)
        b += eb_act_f32__avx2(c->fn, x + b, y + b, e - b);
#endif
    switch ((eb_cpu_act_fn)c->fn) {
    case EB_CPU_ACT_GELU_ERF:
        for (int64_t i = b; i < e; i++)
            y[i] = eb_cpu_act(x[i], EB_ACT_GELU, 0, 0);
        break;
    case EB_CPU_ACT_GELU_TANH:
        /* 0.5 v (1 + tanh z) = v - v / (e^2z + 1); e^2z saturates both ways */
        for (int64_t i = b; i < e; i++) {
            float v = x[i];
            float z2 = 1.5957691216057308f * (v + 0.044715f * v * v * v);
            y[i] = v - v / (expf(z2) + 1.0f);
        }
        break;
    case EB_CPU_ACT_SILU:
        /* e^-v saturates: inf below -88 (y = -0), 0 far above (y = v) */
        for (int64_t i = b; i < e; i++)
            y[i] = x[i] / (1.0f + expf(-x[i]));
        break;
    case EB_CPU_ACT_HARD_SWISH:
        for (int64_t i = b; i < e; i++) {
            float h = x[i] * (1.0f / 6.0f) + 0.5f;
            y[i] = x[i] * (h < 0.0f ? 0.0f : h > 1.0f ? 1.0f : h);
        }
        break;
    case EB_CPU_ACT_FN_COUNT: break;
    }
}

eb_status eb_cpu_exec_act(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    eb_isa base = eb_isa_base(p->isa);
    act_ctx c = {s->act_fn, base == EB_ISA_AVX2 || base == EB_ISA_AVX512, p->pv[s->in[0]].t.data,
                 p->pv[s->out[0]].t.data};
    eb_cpu_parallel_for(p->tp, eb_tensor_numel(&p->pv[s->out[0]].t), 16384, act_range, &c);
    return EB_OK;
}
