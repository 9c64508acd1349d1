/* shape_infer.c - gives every value a dtype and shape, folding constants.
 *
 * Walks nodes in topological order and applies each op's shape rule (the
 * op table, ops.h).  A node whose inputs are all constant is evaluated here
 * with the evaluator the caller passes, and its outputs become constants;
 * that is how Shape -> Gather -> Concat -> Reshape chains, common in
 * exported transformers, resolve to static shapes.  models/ holds no
 * kernels, so a bug in a kernel cannot hide in a constant folded here
 * unless the caller chose that kernel.  Every output size is checked
 * against memory before anything is allocated, so a hostile shape cannot
 * cause a huge allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/cost.h"
#include "models/graph.h"
#include "models/graph_inline.h"

/* Folding computes a node at load time; beyond this many output bytes it
 * is left to the runners (the folded copy would cost memory twice). */
#define EB_FOLD_MAX_BYTES (16u << 20)
/* ... and beyond this much arithmetic (MACs + other FLOPs, cost.h): a
 * small file can ask for a window of a million taps over a million
 * outputs, which would hold up `inspect` and `run`'s parent for hours */
#define EB_FOLD_MAX_FLOPS (INT64_C(1) << 26)

eb_status eb_graph_bind_input(eb_graph *g, int input_index, const eb_tensor *value, bool with_data, eb_err *err)
{
    if (input_index < 0 || input_index >= g->n_inputs)
        return eb_errf(err, EB_EINVAL, "%s: the model has %d inputs, no input %d", g->path, g->n_inputs, input_index);
    eb_value *v = &g->values[g->inputs[input_index]];
    if (v->t.dtype != value->dtype)
        return eb_errf(err, EB_EINVAL, "%s: input '%s' has dtype %s, given %s", g->path, v->name,
                       eb_dtype_name(v->t.dtype), eb_dtype_name(value->dtype));
    if (v->t.rank >= 0) {
        bool fits = v->t.rank == value->rank;
        for (int d = 0; fits && d < value->rank; d++)
            fits = v->t.shape[d] < 0 || v->t.shape[d] == value->shape[d];
        if (!fits) {
            char a[128], b[128];
            return eb_errf(err, EB_EINVAL, "%s: input '%s' is declared %s, given %s", g->path, v->name,
                           eb_tensor_describe(&v->t, a, sizeof a), eb_tensor_describe(value, b, sizeof b));
        }
    }
    eb_tensor_free_data(&v->t);
    eb_tensor_copy_meta(&v->t, value);
    v->data_bound = false;
    if (with_data) {
        eb_status st = eb_tensor_alloc(&v->t, v->name, err);
        if (st != EB_OK)
            return st;
        memcpy(v->t.data, value->data, eb_tensor_nbytes(value));
        v->data_bound = true;
    }
    v->shape_known = true;
    return EB_OK;
}

/* Resolves symbolic dims of a graph input: --dim NAME=N, else the leading
 * dim is the batch, else the user must say. */
static eb_status resolve_input(eb_graph *g, eb_value *v, const eb_shape_opts *opts, eb_err *err)
{
    if (v->shape_known)
        return EB_OK;
    if (v->t.rank < 0)
        return eb_errf(err, EB_EINVAL, "%s: input '%s' declares no shape; it cannot be inferred", g->path, v->name);
    for (int d = 0; d < v->t.rank; d++) {
        if (v->t.shape[d] >= 0)
            continue;
        const char *param = v->dim_param[d] ? v->dim_param[d] : "?";
        int64_t val = -1;
        for (int k = 0; opts && k < opts->n_dims; k++)
            if (strcmp(opts->dims[k].name, param) == 0)
                val = opts->dims[k].value;
        if (val < 0 && d == 0)
            val = opts && opts->batch > 0 ? opts->batch : 1;
        if (val < 0)
            return eb_errf(err, EB_EINVAL, "%s: input '%s' dim %d ('%s') is symbolic: give its size with --dim %s=N",
                           g->path, v->name, d, param, param);
        v->t.shape[d] = val;
    }
    size_t nb = eb_tensor_nbytes(&v->t);
    if (nb == SIZE_MAX || nb > eb_mem_limit()) {
        char desc[128];
        return eb_errf(err, EB_ENOMEM, "%s: input '%s' %s would need more than the %llu bytes of memory", g->path,
                       v->name, eb_tensor_describe(&v->t, desc, sizeof desc), (unsigned long long)eb_mem_limit());
    }
    v->shape_known = true;
    return EB_OK;
}

static eb_status check_arity(const eb_graph *g, const eb_node *n, int idx, eb_err *err)
{
    const eb_op_info *info = &eb_ops[n->op];
    if (n->n_in < info->min_in || n->n_in > info->max_in || n->n_out < info->min_out || n->n_out > info->max_out)
        return eb_errf(err, EB_EINVAL, "%s: node %d '%s' (%s): %d inputs and %d outputs; the op takes %d-%d and %d-%d",
                       g->path, idx, n->name, n->op_type, n->n_in, n->n_out, info->min_in,
                       info->max_in == EB_VARIADIC ? 9999 : info->max_in, info->min_out,
                       info->max_out == EB_VARIADIC ? 9999 : info->max_out);
    for (int k = 0; k < info->min_in; k++)
        if (n->in[k] < 0)
            return eb_errf(err, EB_EINVAL, "%s: node %d '%s' (%s): required input %d is missing", g->path, idx,
                           n->name, n->op_type, k);
    /* an omitted ("") output has no tensor: shape rules and kernels may
     * take the required ones as given.  The recurrent ops are the
     * exception: ONNX makes all their outputs optional, and their rules
     * check each (eb_has_output) */
    bool all_optional = n->op == EB_OP_LSTM || n->op == EB_OP_GRU || n->op == EB_OP_RNN;
    for (int k = 0; k < info->min_out && !all_optional; k++)
        if (n->out[k] < 0)
            return eb_errf(err, EB_EINVAL, "%s: node %d '%s' (%s): required output %d is omitted (its name is empty)",
                           g->path, idx, n->name, n->op_type, k);
    return EB_OK;
}

/* Computes node n's outputs with the caller's evaluator.  As constants
 * (`folded`: runners skip the node) or as bound data that only shape rules
 * read. */
static eb_status evaluate(eb_graph *g, eb_node *n, eb_node_eval_fn fold, const eb_tensor *const *in,
                          eb_tensor **out, bool folded, eb_err *err)
{
    eb_status st = EB_OK;
    for (int k = 0; k < n->n_out && st == EB_OK; k++)
        if (out[k])
            st = eb_tensor_alloc(out[k], g->values[n->out[k]].name, err);
    if (st == EB_OK)
        st = fold(n, in, (eb_tensor *const *)out, err);
    for (int k = 0; k < n->n_out; k++) {
        if (!out[k])
            continue;
        if (st != EB_OK)
            eb_tensor_free_data(out[k]);
        else if (folded)
            g->values[n->out[k]].is_const = true;
        else
            g->values[n->out[k]].data_bound = true;
    }
    n->folded = st == EB_OK && folded;
    return st;
}

/* The shape rule of node `where` failed with EB_EUNSUPPORTED and no
 * evaluator was given: when an input would have been a folded value, the
 * message says so (the rule's own message only says "must be constant"). */
static eb_status unfolded_input(const eb_graph *g, const eb_node *n, const bool *unfolded, const char *where,
                                eb_err *err)
{
    for (int k = 0; k < n->n_in; k++) {
        if (n->in[k] < 0 || !unfolded[n->in[k]])
            continue;
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        return eb_errf(err, EB_EUNSUPPORTED,
                       "%s: %s (input '%s' is known only by constant folding, and no evaluator was given to fold it)",
                       where, msg, g->values[n->in[k]].name);
    }
    return eb_err_prefix(err, EB_EUNSUPPORTED, where);
}

/* unfolded[v]: value v would hold data had an evaluator been given. */
static eb_status infer_node(eb_graph *g, int idx, eb_node_eval_fn fold, bool *unfolded, const eb_tensor **in,
                            eb_tensor **out, eb_err *err)
{
    eb_node *n = &g->nodes[idx];
    char where[256];
    snprintf(where, sizeof where, "%s: node %d '%.80s' (%.60s)", g->path, idx, n->name, n->op_type);
    if (n->op == EB_OP_UNKNOWN)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: op '%s' is not supported", where, n->op_type);
    eb_status st = check_arity(g, n, idx, err);
    if (st != EB_OK)
        return st;

    bool all_const = true, all_known = true, after_unfolded = false;
    for (int k = 0; k < n->n_in; k++) {
        in[k] = n->in[k] >= 0 ? &g->values[n->in[k]].t : NULL;
        if (in[k] && !g->values[n->in[k]].shape_known)
            return eb_errf(err, EB_EINVAL, "%s: input '%s' has no known shape", where, g->values[n->in[k]].name);
        if (in[k] && !g->values[n->in[k]].is_const)
            all_const = false;
        if (in[k] && !g->values[n->in[k]].is_const && !g->values[n->in[k]].data_bound)
            all_known = false;
        if (in[k] && unfolded[n->in[k]])
            after_unfolded = true;
    }
    for (int k = 0; k < n->n_out; k++) {
        out[k] = n->out[k] >= 0 ? &g->values[n->out[k]].t : NULL;
        if (out[k]) {
            eb_tensor_free_data(out[k]);
            memset(out[k], 0, sizeof *out[k]);
        }
    }
    if ((st = eb_ops[n->op].shape(n, in, (eb_tensor *const *)out, err)) != EB_OK)
        return st == EB_EUNSUPPORTED && !fold ? unfolded_input(g, n, unfolded, where, err)
                                              : eb_err_prefix(err, st, where);

    size_t total = 0;
    for (int k = 0; k < n->n_out; k++) {
        if (!out[k])
            continue;
        char desc[128];
        size_t nb = eb_tensor_nbytes(out[k]);
        if (out[k]->rank < 0 || out[k]->rank > EB_MAX_RANK || nb == SIZE_MAX)
            return eb_errf(err, EB_EINVAL, "%s: output %d has an invalid shape", where, k);
        if (nb > eb_mem_limit())
            return eb_errf(err, EB_ENOMEM, "%s: output '%s' %s would need %zu bytes, more than memory", where,
                           g->values[n->out[k]].name, eb_tensor_describe(out[k], desc, sizeof desc), nb);
        g->values[n->out[k]].shape_known = true;
        total += nb;
    }
    /* Shape and Size depend only on the input's shape, which is known */
    bool shape_only = n->op == EB_OP_SHAPE || n->op == EB_OP_SIZE;
    int64_t macs, other;
    bool costly = eb_node_flops(g, n, &macs, &other) &&
                  (macs < 0 || other < 0 || macs > EB_FOLD_MAX_FLOPS || other > EB_FOLD_MAX_FLOPS - macs);
    bool as_const = (all_const || shape_only) && (total <= EB_FOLD_MAX_BYTES || n->op == EB_OP_CONSTANT) && !costly;
    /* computed from bound input values: later shape rules may need the
     * result, but it is not a constant, so runners still run the node */
    bool as_bound = !as_const && all_known && total <= EB_FOLD_MAX_BYTES && !costly;
    if (!fold) {
        for (int k = 0; k < n->n_out; k++)
            if (n->out[k] >= 0)
                unfolded[n->out[k]] = as_const || as_bound || after_unfolded;
        return EB_OK;
    }
    if ((as_const || as_bound) && (st = evaluate(g, n, fold, in, out, as_const, err)) != EB_OK)
        return eb_err_prefix(err, st, where);
    return EB_OK;
}

/* Sizes the scratch of eb_graph_infer_shapes to g, which inlining an If
 * grows: in/out to the widest node, unfolded to the values (new ones
 * false). */
static eb_status size_scratch(const eb_graph *g, const eb_tensor ***in, eb_tensor ***out, bool **unfolded,
                              int *n_unfolded, eb_err *err)
{
    int max_io = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].n_in > max_io)
            max_io = g->nodes[i].n_in;
        if (g->nodes[i].n_out > max_io)
            max_io = g->nodes[i].n_out;
    }
    const eb_tensor **ni = realloc(*in, (size_t)max_io * sizeof *ni);
    if (ni)
        *in = ni;
    eb_tensor **no = realloc(*out, (size_t)max_io * sizeof *no);
    if (no)
        *out = no;
    bool *nu = realloc(*unfolded, ((size_t)g->n_values + 1) * sizeof *nu);
    if (nu) {
        memset(nu + *n_unfolded, 0, ((size_t)g->n_values + 1 - (size_t)*n_unfolded) * sizeof *nu);
        *unfolded = nu;
        *n_unfolded = g->n_values + 1;
    }
    return ni && no && nu ? EB_OK : eb_errf(err, EB_ENOMEM, "%s: out of memory", g->path);
}

eb_status eb_graph_infer_shapes(eb_graph *g, const eb_shape_opts *opts, eb_node_eval_fn fold, eb_err *err)
{
    for (int i = 0; i < g->n_inputs; i++) {
        eb_status st = resolve_input(g, &g->values[g->inputs[i]], opts, err);
        if (st != EB_OK)
            return st;
    }
    int max_io = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        if (g->nodes[i].n_in > max_io)
            max_io = g->nodes[i].n_in;
        if (g->nodes[i].n_out > max_io)
            max_io = g->nodes[i].n_out;
    }
    const eb_tensor **in = calloc((size_t)max_io, sizeof *in);
    eb_tensor **out = calloc((size_t)max_io, sizeof *out);
    bool *unfolded = calloc((size_t)g->n_values + 1, sizeof *unfolded);
    eb_status st = in && out && unfolded ? EB_OK : eb_errf(err, EB_ENOMEM, "%s: out of memory", g->path);
    int n_unfolded = g->n_values + 1;
    for (int i = 0; i < g->n_nodes && st == EB_OK; i++) {
        /* an If whose condition is known becomes its branch's nodes, which
         * this loop then infers from i on (nested Ifs too) */
        while (st == EB_OK && i < g->n_nodes && g->nodes[i].op == EB_OP_IF && g->nodes[i].in[0] >= 0 &&
               g->values[g->nodes[i].in[0]].t.data) {
            st = eb_graph_inline_if(g, i, err);
            if (st == EB_OK)
                st = size_scratch(g, &in, &out, &unfolded, &n_unfolded, err);
        }
        if (st == EB_OK && i < g->n_nodes)
            st = infer_node(g, i, fold, unfolded, in, out, err);
    }
    free(in);
    free(out);
    free(unfolded);
    return st;
}
