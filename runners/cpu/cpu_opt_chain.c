/* cpu_opt_chain.c - chains of elementwise ops fused into one pass over
 * memory at opt=2 (ST_CHAIN, run by chain_f32.c), counted as "Eltwise
 * chain".
 *
 * A chain starts at node ni and follows the running value from node to
 * node while it has exactly one reader (no graph output, not yet fused):
 * unary ops the unary step takes (with their attributes), Pow by a
 * constant scalar, and Add, Sub, Mul, Div of the running value and one
 * other operand - a constant scalar, a value of the chain's shape, a value
 * or constant that broadcasts to it (a per-channel bias or scale), or the
 * running value itself.  Every op keeps the chain's shape; an operand
 * that is not constant must already be computed where the chain's step
 * runs (a graph input, or stored by an earlier step).  At least two ops;
 * a binary op with only a Relu or Clip after it is left to the binary
 * step, which fuses that activation itself.
 *
 * It is the last pattern tried (cpu_opt.c): LayerNorm, GELU, SiLU,
 * HardSwish, squeeze-and-excitation and the product epilogues (Conv+Relu,
 * MatMul+Add) take their nodes first, as those patterns start at earlier
 * nodes or at the head of the cluster a chain would enter (each of the
 * activations reads its input more than once, which ends a chain).
 *
 * Layout: NHWC when the input is NHWC and no operand is broadcast or a
 * constant (constants stay as the graph has them; every full-shape value
 * is then converted to NHWC), else NCHW, as the binary step decides. */
#include "runners/cpu/cpu_plan.h"

#include <stdlib.h>
#include <string.h>

typedef struct chain_plan {
    eb_chain ch;
    int x;                          /* the chain's input (a graph value) */
    int node[EB_CHAIN_MAX_OPS];     /* the op's node */
    int in[EB_CHAIN_MAX_OPS + 1];   /* graph values: in[0] = x, then the operands */
    int n_in;
    bool nchw;                      /* some operand is only right in NCHW: broadcast,
                                     * or a constant (kept as the graph has it) */
} chain_plan;

static bool binary_op(eb_op op)
{
    return op == EB_OP_ADD || op == EB_OP_SUB || op == EB_OP_MUL || op == EB_OP_DIV;
}

/* v can be read where node ni's step runs: a constant, a graph input, or
 * stored by a step of an earlier node. */
static bool available(const eb_plan *p, int v, int ni)
{
    return p->pv[v].is_const || (p->g->values[v].producer < ni && !p->pv[v].fused);
}

/* The index of graph value v among the chain's inputs, added when new. */
static int input_index(chain_plan *cp, int v)
{
    for (int k = 0; k < cp->n_in; k++)
        if (cp->in[k] == v)
            return k;
    cp->in[cp->n_in] = v;
    return cp->n_in++;
}

/* o broadcast to shape y: the dims merged where o's strides run on. */
static bool bcast_of(const eb_tensor *o, const eb_tensor *y, eb_chain_op *op)
{
    if (o->rank > y->rank)
        return false;
    for (int d = 0; d < o->rank; d++) {
        int64_t od = o->shape[d], yd = y->shape[y->rank - o->rank + d];
        if (od != 1 && od != yd)
            return false;
    }
    int64_t st[EB_MAX_RANK];
    eb_broadcast_strides(o, y, st);
    int r = 0;
    for (int d = 0; d < y->rank; d++) {
        if (y->shape[d] == 1)
            continue;
        if (r > 0 && (op->st[r - 1] == 0) == (st[d] == 0)) {
            op->shape[r - 1] *= y->shape[d];
            op->st[r - 1] = st[d];
        } else {
            op->shape[r] = y->shape[d];
            op->st[r++] = st[d];
        }
    }
    if (r == 0) {
        op->shape[0] = 1;
        op->st[0] = 0;
        r = 1;
    }
    op->rank = r;
    return true;
}

/* Appends node c, which reads the running value v, as the chain's next op
 * (head: the node the chain starts at); false, and the chain as it was,
 * when c cannot be one. */
static bool append(const eb_plan *p, chain_plan *cp, int c, int v, int ni)
{
    const eb_node *n = &p->g->nodes[c];
    if (cp->ch.n_ops >= EB_CHAIN_MAX_OPS || n->folded || p->node_done[c] || n->quant || n->n_out < 1 ||
        !single_output(n) || n->out[0] < 0)
        return false;
    const eb_tensor *y = &p->pv[n->out[0]].t;
    if (!is_f32(y) || !eb_tensor_same_shape(y, &p->pv[cp->x].t))
        return false;
    eb_chain_op op = {.op = n->op};
    int operand = -1;
    if (binary_op(n->op)) {
        if (n->n_in != 2 || (n->in[0] != v && n->in[1] != v))
            return false;
        if (n->in[0] == v && n->in[1] == v) {
            op.arg = EB_CHAIN_SELF;
        } else {
            op.swap = n->in[1] == v; /* the operand on the left: o - v, o / v */
            int o = op.swap ? n->in[0] : n->in[1];
            const eb_tensor *ot = &p->pv[o].t;
            if (const_scalar(p, o, &op.s)) {
                op.arg = EB_CHAIN_SCALAR;
            } else if (!available(p, o, ni) || !is_f32(ot) || p->pv[o].on_grid) {
                return false;
            } else if (eb_tensor_same_shape(ot, y)) {
                op.arg = EB_CHAIN_FULL;
                operand = o;
            } else if (bcast_of(ot, y, &op)) {
                op.arg = EB_CHAIN_BCAST;
                operand = o;
            } else {
                return false;
            }
        }
    } else if (n->op == EB_OP_POW) {
        float e;
        if (n->in[0] != v || !const_scalar(p, input_of(n, 1), &e))
            return false;
        op.u = (eb_unary_params){.op = EB_OP_POW, .alpha = e};
    } else if (n->n_in < 1 || n->in[0] != v || !eb_cpu_unary_params(p, n, &op.u)) {
        return false;
    }
    if (operand >= 0) {
        op.in = input_index(cp, operand);
        cp->nchw = cp->nchw || op.arg == EB_CHAIN_BCAST || p->pv[operand].is_const;
    }
    cp->node[cp->ch.n_ops] = c;
    cp->ch.ops[cp->ch.n_ops++] = op;
    return true;
}

/* The one node that reads v (possibly more than once), or -1. */
static int only_reader(const eb_plan *p, int v)
{
    if (v < 0 || p->is_output[v] || n_consumers(p, v) < 1)
        return -1;
    int c = p->cons[p->cons_off[v]];
    for (int i = p->cons_off[v] + 1; i < p->cons_off[v + 1]; i++)
        if (p->cons[i] != c)
            return -1;
    return p->node_done[c] ? -1 : c;
}

/* The chain that starts at node ni, or false. */
static bool find(const eb_plan *p, int ni, chain_plan *cp)
{
    const eb_node *n = &p->g->nodes[ni];
    if (n->n_in < 1 || n->n_out < 1 || n->out[0] < 0)
        return false;
    /* the running value: the input of the output's shape that is computed
     * (Add(bias, x) starts from x) */
    cp->x = -1;
    for (int k = 0; k < (binary_op(n->op) ? 2 : 1) && k < n->n_in && cp->x < 0; k++) {
        int v = n->in[k];
        if (v >= 0 && !p->pv[v].is_const && is_f32(&p->pv[v].t) && !p->pv[v].on_grid &&
            eb_tensor_same_shape(&p->pv[v].t, &p->pv[n->out[0]].t))
            cp->x = v;
    }
    if (cp->x < 0)
        return false;
    cp->n_in = 1;
    cp->in[0] = cp->x;
    if (!append(p, cp, ni, cp->x, ni))
        return false;
    for (;;) {
        int v = p->g->nodes[cp->node[cp->ch.n_ops - 1]].out[0], c = only_reader(p, v);
        if (c < 0 || !append(p, cp, c, v, ni))
            break;
    }
    if (cp->ch.n_ops < 2)
        return false;
    const eb_chain_op *last = &cp->ch.ops[1];
    if (cp->ch.n_ops == 2 && cp->ch.ops[0].arg != EB_CHAIN_UNARY &&
        (last->u.op == EB_OP_RELU || last->u.op == EB_OP_CLIP) && last->arg == EB_CHAIN_UNARY)
        return false; /* the binary step's own epilogue */
    return true;
}

bool eb_cpu_fuse_chain(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    chain_plan cp = {0};
    if (!find(p, ni, &cp))
        return false;
    const pval *xp = &p->pv[cp.x];
    lay l = !cp.nchw && xp->layout == LAY_NHWC && !layout_neutral(&xp->t) ? LAY_NHWC : LAY_NCHW;
    int ins[EB_CHAIN_MAX_OPS + 1];
    for (int k = 0; k < cp.n_in; k++) {
        /* operands in the chain's layout (constants are NCHW: so is l then) */
        ins[k] = eb_cpu_want_layout(p, cp.in[k], l, err);
        if (ins[k] < 0) {
            *st = EB_ENOMEM;
            return false;
        }
    }
    eb_chain *ch = malloc(sizeof *ch);
    step *s = ch ? eb_cpu_new_step(p, ST_CHAIN, ni, err) : NULL;
    if (!s) {
        free(ch);
        *st = EB_ENOMEM;
        return false;
    }
    *ch = cp.ch;
    s->chain = ch;
    s->n_in = cp.n_in;
    memcpy(s->in, ins, sizeof(int) * (size_t)cp.n_in);
    int y = p->g->nodes[cp.node[cp.ch.n_ops - 1]].out[0];
    s->n_out = 1;
    s->out[0] = y;
    for (int k = 0; k < cp.ch.n_ops; k++) {
        if (cp.node[k] != ni)
            fuse_node(p, cp.node[k]);
        if (k < cp.ch.n_ops - 1)
            p->pv[p->g->nodes[cp.node[k]].out[0]].fused = true;
    }
    p->pv[y].layout = layout_neutral(&p->pv[y].t) ? LAY_NCHW : l;
    eb_cpu_note_fusion(p, "Eltwise chain");
    return true;
}

/* ---- the step --------------------------------------------------------------- */

eb_status eb_cpu_exec_chain(eb_plan *p, const step *s, eb_err *err)
{
    (void)err;
    const float *in[EB_CHAIN_MAX_OPS + 1];
    for (int k = 0; k < s->n_in; k++)
        in[k] = p->pv[s->in[k]].t.data;
    eb_isa base = eb_isa_base(p->isa);
    eb_chain_f32(s->chain, in, p->pv[s->out[0]].t.data, eb_tensor_numel(&p->pv[s->out[0]].t),
                 base == EB_ISA_AVX2 || base == EB_ISA_AVX512, p->tp);
    return EB_OK;
}

void eb_cpu_release_chain(step *s)
{
    free(s->chain);
    s->chain = NULL;
}
