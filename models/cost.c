/* cost.c - parameters, MACs, FLOPs and activation memory of a graph.
 *
 * Params count stored tensors, not the values nodes read: a weight that
 * several nodes read, or that a node reads through a copy made at load
 * time (PyTorch exports share initialisers through Identity; Transpose or
 * Cast of a weight is folded the same way), is one tensor in the file and
 * counts once.  A constant value is traced back through the folded nodes
 * that produced it to the initialisers (or Constant outputs) it came from.
 * A constant read only as an operator's setting (Clip's bounds) is not a
 * parameter.
 *
 * FLOPs come from one rule per op, in a switch with no default: an op
 * added to ops.def without a rule fails the build (-Wswitch), and an op the
 * suite does not know at all is reported as `uncounted`, never as 0. */
#include "models/cost.h"

#include <stdlib.h>
#include <string.h>

#include "models/ops.h"
#include "models/storage.h"

/* Fraction of t's elements that are not zero, in whatever storage. */
static double density(const eb_tensor *t)
{
    int64_t numel = eb_tensor_numel(t), nonzero = 0;
    if (numel <= 0)
        return 1.0;
    const eb_storage *s = t->storage;
    if (!s) {
        if (t->dtype != EB_DT_F32 || !t->data)
            return 1.0;
        for (int64_t i = 0; i < numel; i++)
            nonzero += ((const float *)t->data)[i] != 0.0f;
    } else if (s->kind == EB_STORAGE_CSR) {
        for (int64_t k = 0; k < s->u.csr.nnz; k++)
            nonzero += s->u.csr.values[k] != 0.0f;
    } else if (s->kind == EB_STORAGE_NM) {
        int64_t kept = s->u.nm.rows * (s->u.nm.cols / s->u.nm.m) * s->u.nm.n;
        for (int64_t k = 0; k < kept; k++)
            nonzero += s->u.nm.values[k] != 0.0f;
    } else if (s->kind == EB_STORAGE_QUANT) {
        for (int64_t i = 0; i < numel; i++)
            nonzero += eb_dtype_get_i64(s->u.quant.stored, s->u.quant.data, i) !=
                       s->u.quant.zero_point[eb_storage_quant_pair(t, &s->u.quant, i)];
    } else if (s->kind == EB_STORAGE_F16) {
        for (int64_t i = 0; i < numel; i++)
            nonzero += (s->u.f16.data[i] & 0x7fff) != 0;
    } else {
        return 1.0;
    }
    return (double)nonzero / (double)numel;
}

static bool is_weight(const eb_value *v)
{
    if (!v->is_const)
        return false;
    switch (v->t.dtype) {
    case EB_DT_F32:
    case EB_DT_F16:
    case EB_DT_F64:
    case EB_DT_I8:
    case EB_DT_U8:
    case EB_DT_I4: return true;
    default: return false;
    }
}

/* Inputs that carry an operator's setting, not a learned weight: Clip's
 * bounds, Pad's fill value, Pow's exponent.  A constant read only there is
 * not a parameter (torchvision mobilenet_v2 stores 70 Clip bounds beside
 * its 3,475,008 weights; PyTorch counts none of them). */
static bool is_setting_input(eb_op op, int k)
{
    if ((op == EB_OP_CLIP && k >= 1) || (op == EB_OP_PAD && k == 2) || (op == EB_OP_POW && k == 1))
        return true;
    /* quantization grids (scales, zero points) describe a tensor's encoding */
    switch (op) {
    case EB_OP_QUANTIZE_LINEAR: case EB_OP_DEQUANTIZE_LINEAR: return k >= 1;
    case EB_OP_MATMUL_INTEGER: case EB_OP_CONV_INTEGER: return k >= 2;
    case EB_OP_QLINEAR_MATMUL: case EB_OP_QLINEAR_CONV: return k != 0 && k != 3 && k != 8;
    case EB_OP_RESIZE: case EB_OP_UPSAMPLE: return k >= 1; /* roi, scales, sizes */
    default: return false;
    }
}

/* Bytes of a value whose shape is known, else 0 (a graph whose inference
 * stopped part-way still gets the cost of what is known). */
static uint64_t known_bytes(const eb_value *v)
{
    if (v->shape_known && v->t.storage)
        return eb_tensor_stored_bytes(&v->t);
    size_t b = v->shape_known ? eb_tensor_nbytes(&v->t) : SIZE_MAX;
    return b == SIZE_MAX ? 0 : b;
}

/* Every value the node touches has a known shape. */
static bool shapes_known(const eb_graph *g, const eb_node *n)
{
    for (int k = 0; k < n->n_in; k++)
        if (n->in[k] >= 0 && !g->values[n->in[k]].shape_known)
            return false;
    for (int k = 0; k < n->n_out; k++)
        if (n->out[k] >= 0 && !g->values[n->out[k]].shape_known)
            return false;
    return true;
}

static int64_t numel_of(const eb_graph *g, int idx)
{
    return idx >= 0 ? eb_tensor_numel(&g->values[idx].t) : 0;
}

/* a * b, INT64_MAX when it overflows: a file's attributes (a pool's
 * kernel_shape) can ask for more than int64 counts */
static int64_t mul_sat(int64_t a, int64_t b)
{
    int64_t p;
    return __builtin_mul_overflow(a, b, &p) ? INT64_MAX : p;
}

static int64_t prod(const int64_t *d, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        p = mul_sat(p, d[i]);
    return p;
}

/* MACs and other FLOPs of one node (see cost.h for the conventions);
 * false when the cost model has no rule for the node's op. */
static bool node_flops(const eb_graph *g, const eb_node *n, int64_t *macs, int64_t *other)
{
    int64_t out = numel_of(g, n->out[0]), in0 = n->n_in ? numel_of(g, n->in[0]) : 0;
    const eb_tensor *x = n->n_in && n->in[0] >= 0 ? &g->values[n->in[0]].t : NULL;
    const eb_tensor *w = n->n_in > 1 && n->in[1] >= 0 ? &g->values[n->in[1]].t : NULL;
    *macs = *other = 0;
    switch (n->op) {
    case EB_OP_CONV: /* each output element: C_in/group * kernel MACs */
        *macs = mul_sat(out, prod(w->shape, 1, w->rank));
        *other = n->n_in > 2 && n->in[2] >= 0 ? out : 0;
        break;
    case EB_OP_GEMM: {
        int64_t k = eb_attr_int(n, "transA", 0) ? x->shape[0] : x->shape[1];
        *macs = out * k;
        *other = n->n_in > 2 && n->in[2] >= 0 ? out : 0;
        break;
    }
    case EB_OP_MATMUL: case EB_OP_MATMUL_INTEGER:
        *macs = out * (x->rank ? x->shape[x->rank - 1] : 1);
        break;
    case EB_OP_CONV_INTEGER:
        *macs = out * prod(w->shape, 1, w->rank);
        break;
    case EB_OP_QLINEAR_CONV: { /* Conv's MACs on w (input 3), then bias and requantization */
        const eb_tensor *qw = &g->values[n->in[3]].t;
        *macs = out * prod(qw->shape, 1, qw->rank);
        *other = 3 * out + (n->n_in > 8 && n->in[8] >= 0 ? out : 0);
        break;
    }
    case EB_OP_QLINEAR_MATMUL: /* MatMul's MACs, then requantization: scale, add, round */
        *macs = out * (x->rank ? x->shape[x->rank - 1] : 1);
        *other = 3 * out;
        break;
    case EB_OP_QUANTIZE_LINEAR: *other = 3 * out; break;         /* divide, round, add the zero point */
    case EB_OP_DEQUANTIZE_LINEAR: *other = 2 * out; break;       /* subtract the zero point, scale */
    case EB_OP_DYNAMIC_QUANTIZE_LINEAR: *other = 5 * in0; break; /* min, max, then QuantizeLinear */
    case EB_OP_MAX_POOL:
    case EB_OP_AVERAGE_POOL: {
        const int64_t *k;
        int nk = eb_attr_ints(n, "kernel_shape", &k);
        *other = mul_sat(out, nk > 0 ? prod(k, 0, nk) : 1);
        break;
    }
    case EB_OP_BATCH_NORM: *other = 2 * out; break;             /* folded scale and shift */
    case EB_OP_LAYER_NORM: *other = 8 * out; break;             /* mean, variance, normalise, affine */
    case EB_OP_SOFTMAX: case EB_OP_LOG_SOFTMAX: *other = 4 * out; break; /* max, exp, sum, divide */
    case EB_OP_GLOBAL_AVG_POOL: case EB_OP_GLOBAL_MAX_POOL:
    case EB_OP_REDUCE_MEAN: case EB_OP_REDUCE_SUM: case EB_OP_REDUCE_MAX:
    case EB_OP_REDUCE_MIN: case EB_OP_REDUCE_PROD: case EB_OP_ARG_MAX: case EB_OP_ARG_MIN:
    case EB_OP_REDUCE_L1: case EB_OP_REDUCE_L2: case EB_OP_REDUCE_LOG_SUM: /* opsC group */
    case EB_OP_REDUCE_LOG_SUM_EXP: case EB_OP_REDUCE_SUM_SQUARE:
        *other = in0;
        break;
    case EB_OP_GELU: *other = 8 * out; break; /* erf or tanh form, a handful of operations */
    case EB_OP_ADD: case EB_OP_SUB: case EB_OP_MUL: case EB_OP_DIV: case EB_OP_POW:
    case EB_OP_EQUAL: case EB_OP_LESS: case EB_OP_LESS_OR_EQUAL: case EB_OP_GREATER:
    case EB_OP_GREATER_OR_EQUAL: case EB_OP_AND: case EB_OP_OR: case EB_OP_XOR: case EB_OP_WHERE:
    case EB_OP_MIN: case EB_OP_MAX: case EB_OP_SUM: case EB_OP_MEAN:
    case EB_OP_MOD: case EB_OP_BIT_SHIFT: /* opsC group */
        *other = out * (n->n_in > 2 && n->op != EB_OP_WHERE ? n->n_in - 1 : 1);
        break;
    case EB_OP_RELU: case EB_OP_LEAKY_RELU: case EB_OP_CLIP: case EB_OP_SIGMOID: case EB_OP_HARD_SIGMOID:
    case EB_OP_HARD_SWISH: case EB_OP_TANH: case EB_OP_ERF: case EB_OP_SQRT: case EB_OP_NEG: case EB_OP_ABS:
    case EB_OP_EXP: case EB_OP_LOG: case EB_OP_RECIPROCAL: case EB_OP_FLOOR: case EB_OP_CEIL: case EB_OP_ROUND:
    case EB_OP_SIGN: case EB_OP_SIN: case EB_OP_COS: case EB_OP_SOFTPLUS: case EB_OP_ELU: case EB_OP_SELU:
    case EB_OP_NOT:
    case EB_OP_ACOS: case EB_OP_ACOSH: case EB_OP_ASIN: case EB_OP_ASINH: case EB_OP_ATAN: /* opsC group */
    case EB_OP_ATANH: case EB_OP_COSH: case EB_OP_SINH: case EB_OP_TAN: case EB_OP_SOFTSIGN: case EB_OP_CELU:
    case EB_OP_THRESHOLDED_RELU: case EB_OP_SHRINK: case EB_OP_IS_INF: case EB_OP_IS_NAN: case EB_OP_HARDMAX:
        *other = out;
        break;
    /* data movement and constants: no arithmetic */
    case EB_OP_CAST: case EB_OP_FLATTEN: case EB_OP_RESHAPE: case EB_OP_SQUEEZE: case EB_OP_UNSQUEEZE:
    case EB_OP_IDENTITY: case EB_OP_DROPOUT: case EB_OP_TRANSPOSE: case EB_OP_CONCAT: case EB_OP_SPLIT:
    case EB_OP_SLICE: case EB_OP_GATHER: case EB_OP_SHAPE: case EB_OP_SIZE: case EB_OP_CONSTANT:
    case EB_OP_CONSTANT_OF_SHAPE: case EB_OP_EXPAND: case EB_OP_TILE: case EB_OP_RANGE: case EB_OP_PAD:
    /* opsC group: indexing, no arithmetic (a scatter's reduction: one per update, not counted) */
    case EB_OP_GATHER_ELEMENTS: case EB_OP_GATHER_ND: case EB_OP_SCATTER_ELEMENTS: case EB_OP_SCATTER:
    case EB_OP_SCATTER_ND: case EB_OP_NON_ZERO: case EB_OP_ONE_HOT: case EB_OP_CAST_LIKE: case EB_OP_EYE_LIKE:
    case EB_OP_COMPRESS:
        break;
    case EB_OP_TOP_K: *other = in0; break; /* opsC group: at least one comparison per input element */
    case EB_OP_TRILU: break; /* a masked copy */
    case EB_OP_IF: return false; /* inlined by shape inference when it can be; else nothing runs it */
    case EB_OP_CUMSUM: *other = out; break;
    case EB_OP_LSTM: case EB_OP_GRU: case EB_OP_RNN: {
        /* per step, direction and batch entry: gates*hidden rows of W and R,
         * then a handful of operations per gate element (activation, bias,
         * the state update) */
        int64_t gates = n->op == EB_OP_LSTM ? 4 : n->op == EB_OP_GRU ? 3 : 1;
        int64_t steps = x->shape[0] * x->shape[1] * w->shape[0], rows = w->shape[1];
        *macs = steps * rows * (w->shape[2] + rows / gates);
        *other = steps * rows * 4;
        break;
    }
    /* opsA */
    case EB_OP_RESIZE: case EB_OP_UPSAMPLE: *other = out; break; /* one interpolation per output element */
    case EB_OP_CONV_TRANSPOSE: /* each input element: (M/group) * kernel MACs, W is [C, M/group, k...] */
        *macs = in0 * prod(w->shape, 1, w->rank);
        *other = n->n_in > 2 && n->in[2] >= 0 ? out : 0;
        break;
    case EB_OP_INSTANCE_NORM: *other = 5 * out; break; /* mean, variance, normalise, affine */
    case EB_OP_PRELU: *other = out; break;
    case EB_OP_DEPTH_TO_SPACE: case EB_OP_SPACE_TO_DEPTH: break; /* data movement */
    case EB_OP_EINSUM: return false; /* depends on the equation: uncounted */
    case EB_OP_UNKNOWN: case EB_OP_COUNT: return false;
    }
    return true;
}

bool eb_node_flops(const eb_graph *g, const eb_node *n, int64_t *macs, int64_t *other)
{
    *macs = *other = 0;
    return shapes_known(g, n) && node_flops(g, n, macs, other);
}

/* Adds to *c the stored tensors behind the constant value v, each once
 * per stamp (seen[x] == stamp: value x already visited for this *c): v
 * itself when it is an initialiser or a Constant's output, else, through
 * the folded node that computed it, the constants it was computed from.
 * *total gets each stored tensor once over the whole graph (counted[]).
 * stack holds n_values ints: a value is pushed at most once per stamp. */
static void add_stored(const eb_graph *g, int v, int stamp, int *seen, int *stack, bool *counted, eb_cost *c,
                       eb_cost *total)
{
    if (seen[v] == stamp)
        return;
    int top = 0;
    seen[v] = stamp;
    stack[top++] = v;
    while (top > 0) {
        int x = stack[--top];
        const eb_value *val = &g->values[x];
        const eb_node *p = val->producer >= 0 ? &g->nodes[val->producer] : NULL;
        bool from_constants = false;
        for (int k = 0; p && p->folded && k < p->n_in; k++) {
            int in = p->in[k];
            if (in < 0 || !g->values[in].is_const)
                continue; /* Shape of a run-time value: not a stored tensor */
            from_constants = true;
            if (seen[in] != stamp) {
                seen[in] = stamp;
                stack[top++] = in;
            }
        }
        if (from_constants || !is_weight(val))
            continue;
        c->params += eb_tensor_numel(&val->t);
        c->weight_bytes += eb_tensor_stored_bytes(&val->t);
        if (!counted[x]) {
            counted[x] = true;
            total->params += eb_tensor_numel(&val->t);
            total->weight_bytes += eb_tensor_stored_bytes(&val->t);
        }
    }
}

void eb_graph_cost(const eb_graph *g, eb_cost *total, eb_cost *per_node)
{
    memset(total, 0, sizeof *total);
    bool *counted = calloc((size_t)g->n_values + 1, sizeof *counted);
    int *last_use = malloc(((size_t)g->n_values + 1) * sizeof *last_use);
    int *seen = calloc((size_t)g->n_values + 1, sizeof *seen);
    int *stack = malloc(((size_t)g->n_values + 1) * sizeof *stack);
    if (!counted || !last_use || !seen || !stack) { /* cost is advisory; leave it zero */
        free(counted);
        free(last_use);
        free(seen);
        free(stack);
        return;
    }
    for (int v = 0; v < g->n_values; v++)
        last_use[v] = -1;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_in; k++)
            if (g->nodes[i].in[k] >= 0 && !g->nodes[i].folded)
                last_use[g->nodes[i].in[k]] = i;
    for (int k = 0; k < g->n_outputs; k++)
        last_use[g->outputs[k]] = g->n_nodes; /* outputs live to the end */

    uint64_t live = 0;
    for (int k = 0; k < g->n_inputs; k++)
        live += known_bytes(&g->values[g->inputs[k]]);
    total->activation_total = live;
    total->activation_bytes = live;

    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        eb_cost c = {0};
        if (!n->folded) {
            if (shapes_known(g, n) && node_flops(g, n, &c.macs, &c.flops)) {
                c.flops += 2 * c.macs;
                bool weighted = (n->op == EB_OP_CONV || n->op == EB_OP_GEMM || n->op == EB_OP_MATMUL) && n->n_in > 1 &&
                                n->in[1] >= 0 && g->values[n->in[1]].is_const;
                c.macs_nonzero = weighted ? (int64_t)((double)c.macs * density(&g->values[n->in[1]].t) + 0.5) : c.macs;
            } else { /* unknown, not zero: left out of the totals and listed */
                c.macs = c.flops = 0;
                c.uncounted = 1;
            }
            for (int k = 0; k < n->n_in; k++) {
                if (n->in[k] < 0)
                    continue;
                const eb_value *v = &g->values[n->in[k]];
                c.bytes_moved += known_bytes(v);
                if (is_weight(v) && !is_setting_input(n->op, k))
                    add_stored(g, n->in[k], i + 1, seen, stack, counted, &c, total);
            }
            for (int k = 0; k < n->n_out; k++)
                if (n->out[k] >= 0 && !g->values[n->out[k]].is_const) {
                    uint64_t b = known_bytes(&g->values[n->out[k]]);
                    c.bytes_moved += b;
                    c.activation_bytes += b;
                    live += b;
                }
            total->activation_total += c.activation_bytes;
            if (live > total->activation_bytes)
                total->activation_bytes = live;
            /* free what this node was the last to read */
            for (int k = 0; k < n->n_in; k++) {
                int v = n->in[k];
                if (v >= 0 && last_use[v] == i && !g->values[v].is_const) {
                    live -= known_bytes(&g->values[v]);
                    last_use[v] = -2; /* a node may read a value twice */
                }
            }
        }
        total->macs += c.macs;
        total->macs_nonzero += c.macs_nonzero;
        c.flops_nonzero = c.flops - 2 * (c.macs - c.macs_nonzero);
        total->flops_nonzero += c.flops_nonzero;
        total->flops += c.flops;
        total->bytes_moved += c.bytes_moved;
        total->uncounted += c.uncounted;
        if (per_node)
            per_node[i] = c;
    }
    free(counted);
    free(last_use);
    free(seen);
    free(stack);
}
