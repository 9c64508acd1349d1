/* cmd_inspect.c - `edgebench inspect MODEL.onnx`: what a model is made of
 * and what it costs, without running it; as text, or with --json as one
 * JSON object whose counts are exact integers (never 1.43e+07). */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "models/cost.h"
#include "reports/fmt_units.h"

static const char USAGE[] =
    "usage: edgebench inspect MODEL.onnx [--nodes] [--json] [--batch N] [--dim NAME=N]\n"
    "\n"
    "Prints the ops a model uses (and which the suite does not support), its\n"
    "inputs and outputs with shapes, params, MACs, FLOPs, weight bytes and\n"
    "peak activation bytes.\n"
    "  --nodes        one line per node: op, output shape, params, MACs, FLOPs\n"
    "  --json         all of it, nodes included, as JSON with exact integers;\n"
    "                 ops whose FLOPs the cost model does not know are listed\n"
    "                 as `uncounted` (per node a flag, in the total by op)\n"
    "  --batch N      size of a symbolic leading dim (default 1)\n"
    "  --dim NAME=N   size of the symbolic dim called NAME\n"
    "Exit status: 0 ok; 2 bad usage, unreadable model, or an op/shape the\n"
    "suite cannot handle (what could be shown is printed first).\n";

static void print_value(const eb_graph *g, int idx)
{
    const eb_value *v = &g->values[idx];
    printf("  %-24s %s[", v->name, eb_dtype_name(v->t.dtype));
    for (int d = 0; d < v->t.rank; d++) {
        if (v->dim_param[d])
            printf("%s%s=%lld", d ? "," : "", v->dim_param[d], (long long)v->t.shape[d]);
        else
            printf("%s%lld", d ? "," : "", (long long)v->t.shape[d]);
    }
    printf("%s\n", v->t.rank < 0 ? "?]" : v->shape_known ? "]" : "] (shape not inferred)");
}

/* "Conv x52, Relu x35, ..." in order of first use. */
static void print_ops(const eb_graph *g)
{
    printf("ops (%d nodes):", g->n_nodes);
    for (int i = 0; i < g->n_nodes; i++) {
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(g->nodes[j].op_type, g->nodes[i].op_type) == 0;
        if (seen)
            continue;
        int count = 0;
        for (int j = i; j < g->n_nodes; j++)
            count += strcmp(g->nodes[j].op_type, g->nodes[i].op_type) == 0;
        printf("%s %s x%d", i ? "," : "", g->nodes[i].op_type, count);
    }
    printf("\n");
    char unknown[1024];
    int n_unknown = eb_graph_unknown_ops(g, unknown, sizeof unknown);
    printf("unsupported ops: %s\n", n_unknown ? unknown : "none");
}

static void print_nodes(const eb_graph *g, const eb_cost *per)
{
    printf("\n%4s  %-18s %-28s %-22s %10s %10s %10s\n", "#", "op", "name", "output", "params", "MACs", "FLOPs");
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        char shape[96] = "-", p[32], m[32] = "?", f[32] = "?";
        if (n->n_out && n->out[0] >= 0 && g->values[n->out[0]].shape_known)
            eb_tensor_describe(&g->values[n->out[0]].t, shape, sizeof shape);
        if (!per[i].uncounted) {
            eb_fmt_count((double)per[i].macs, m, sizeof m);
            eb_fmt_count((double)per[i].flops, f, sizeof f);
        }
        printf("%4d  %-18.18s %-28.28s %-22.22s %10s %10s %10s%s\n", i, n->op_type, n->name, shape,
               eb_fmt_count((double)per[i].params, p, sizeof p), m, f,
               n->folded ? "  (folded at load)" : per[i].uncounted ? "  (FLOPs uncounted)" : "");
    }
}

/* "1,234,567" */
static const char *fmt_exact(int64_t v, char *buf, size_t n)
{
    char digits[32];
    int len = snprintf(digits, sizeof digits, "%" PRId64, v), neg = v < 0, k = 0;
    for (int i = 0; i < len && k + 2 < (int)n; i++) {
        if (i > neg && (len - i) % 3 == 0)
            buf[k++] = ',';
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
    return buf;
}

typedef bool (*node_filter)(const eb_graph *g, const eb_cost *per, int i);

static bool is_unknown_op(const eb_graph *g, const eb_cost *per, int i)
{
    (void)per;
    return g->nodes[i].op == EB_OP_UNKNOWN;
}

static bool is_uncounted(const eb_graph *g, const eb_cost *per, int i)
{
    (void)g;
    return per[i].uncounted != 0;
}

/* Calls fn(op_type, count, ctx) for each op type among the nodes that pass
 * keep (NULL: all), with the number of those nodes, in order of first use. */
static void each_op(const eb_graph *g, const eb_cost *per, node_filter keep, void (*fn)(const char *, int, void *),
                    void *ctx)
{
    for (int i = 0; i < g->n_nodes; i++) {
        if (keep && !keep(g, per, i))
            continue;
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = (!keep || keep(g, per, j)) && strcmp(g->nodes[j].op_type, g->nodes[i].op_type) == 0;
        if (seen)
            continue;
        int count = 0;
        for (int j = i; j < g->n_nodes; j++)
            count += (!keep || keep(g, per, j)) && strcmp(g->nodes[j].op_type, g->nodes[i].op_type) == 0;
        fn(g->nodes[i].op_type, count, ctx);
    }
}

static void print_uncounted(const char *op, int count, void *ctx)
{
    int *k = ctx;
    printf("%s %s x%d", (*k)++ ? "," : "", op, count);
}

/* ---- --json ------------------------------------------------------------- */

/* Exact integers: cJSON would print a double, which turns into 1e+15 and
 * beyond; a raw token keeps every digit. */
static void json_int(cJSON *o, const char *k, int64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    cJSON_AddRawToObject(o, k, buf);
}

static void json_uint(cJSON *o, const char *k, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    cJSON_AddRawToObject(o, k, buf);
}

static cJSON *json_shape(const eb_graph *g, int idx)
{
    const eb_value *v = &g->values[idx];
    if (!v->shape_known || v->t.rank < 0)
        return cJSON_CreateNull();
    cJSON *a = cJSON_CreateArray();
    for (int d = 0; d < v->t.rank; d++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" PRId64, v->t.shape[d]);
        cJSON_AddItemToArray(a, cJSON_CreateRaw(buf));
    }
    return a;
}

static cJSON *json_values(const eb_graph *g, const int *idx, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", g->values[idx[i]].name);
        cJSON_AddStringToObject(o, "dtype", eb_dtype_name(g->values[idx[i]].t.dtype));
        cJSON_AddItemToObject(o, "shape", json_shape(g, idx[i]));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

struct op_counts {
    cJSON *array;
    const char *count_key;
};

static void add_op_count(const char *op, int count, void *ctx)
{
    struct op_counts *c = ctx;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "op", op);
    json_int(o, c->count_key, count);
    cJSON_AddItemToArray(c->array, o);
}

/* [{"op": "Conv", "count": 52}, ...] over the nodes that pass keep. */
static cJSON *json_op_counts(const eb_graph *g, node_filter keep, const eb_cost *per, const char *count_key)
{
    struct op_counts c = {cJSON_CreateArray(), count_key};
    each_op(g, per, keep, add_op_count, &c);
    return c.array;
}

static void json_cost_fields(cJSON *o, const eb_cost *c)
{
    json_int(o, "params", c->params);
    json_int(o, "macs", c->macs);
    json_int(o, "flops", c->flops);
    json_uint(o, "weight_bytes", c->weight_bytes);
}

/* The whole description; per is NULL when shapes could not be inferred. */
static void print_json(const eb_graph *g, const eb_cost *total, const eb_cost *per)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", g->path);
    if (*g->producer)
        cJSON_AddStringToObject(o, "producer", g->producer);
    else
        cJSON_AddNullToObject(o, "producer");
    json_int(o, "opset", g->opset);
    json_int(o, "ir_version", g->ir_version);
    json_int(o, "n_nodes", g->n_nodes);
    cJSON_AddItemToObject(o, "ops", json_op_counts(g, NULL, per, "count"));
    cJSON_AddItemToObject(o, "unsupported_ops", json_op_counts(g, is_unknown_op, per, "count"));
    cJSON_AddItemToObject(o, "inputs", json_values(g, g->inputs, g->n_inputs));
    cJSON_AddItemToObject(o, "outputs", json_values(g, g->outputs, g->n_outputs));
    if (per) {
        cJSON *c = cJSON_AddObjectToObject(o, "cost");
        json_cost_fields(c, total);
        json_uint(c, "bytes_moved", total->bytes_moved);
        json_uint(c, "activation_bytes", total->activation_bytes);
        json_uint(c, "activation_total", total->activation_total);
        /* the op types whose FLOPs are not in macs/flops above, with node counts */
        cJSON_AddItemToObject(c, "uncounted", json_op_counts(g, is_uncounted, per, "nodes"));
    } else {
        cJSON_AddNullToObject(o, "cost");
        cJSON_AddStringToObject(o, "cost_reason", "shapes could not be inferred (see the error)");
    }
    cJSON *nodes = cJSON_AddArrayToObject(o, "nodes");
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "name", n->name);
        cJSON_AddStringToObject(e, "op", n->op_type);
        cJSON_AddItemToObject(e, "output_shape",
                              n->n_out && n->out[0] >= 0 ? json_shape(g, n->out[0]) : cJSON_CreateNull());
        cJSON_AddBoolToObject(e, "folded", n->folded);
        if (per) {
            json_cost_fields(e, &per[i]);
            cJSON_AddBoolToObject(e, "uncounted", per[i].uncounted != 0);
        }
        cJSON_AddItemToArray(nodes, e);
    }
    char *text = cJSON_Print(o);
    if (text)
        puts(text);
    else
        eb_cli_error("out of memory");
    free(text);
    cJSON_Delete(o);
}

int eb_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"nodes", no_argument, 0, 'n'}, {"json", no_argument, 0, 'j'}, {"batch", required_argument, 0, 'b'},
        {"dim", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    eb_shape_opts sopts = {0};
    bool nodes = false, json = false;
    int c;
    optind = 0; /* glibc: rescan from the start */
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': nodes = true; break;
        case 'j': json = true; break;
        case 'b':
            if (!eb_cli_parse_int("--batch", optarg, 1, INT64_C(1) << 30, &sopts.batch))
                return EB_EXIT_USAGE;
            break;
        case 'd':
            if (!eb_cli_parse_dim(optarg, &sopts))
                return EB_EXIT_USAGE;
            break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("inspect", c, opts, argv);
        }
    }
    if (optind != argc - 1) {
        eb_cli_error("inspect takes exactly one model file (see edgebench inspect --help)");
        return EB_EXIT_USAGE;
    }
    eb_status infer_st;
    eb_graph *g = eb_cli_load_model(argv[optind], &sopts, true, &infer_st);
    if (!g)
        return EB_EXIT_USAGE;

    if (json) {
        eb_cost total = {0}, *per = infer_st == EB_OK ? calloc((size_t)g->n_nodes + 1, sizeof *per) : NULL;
        if (infer_st == EB_OK && !per) {
            eb_cli_error("out of memory");
            eb_graph_free(g);
            return EB_EXIT_ENV;
        }
        if (per)
            eb_graph_cost(g, &total, per);
        print_json(g, &total, per);
        free(per);
        eb_graph_free(g);
        return infer_st == EB_OK ? EB_EXIT_OK : EB_EXIT_USAGE;
    }
    printf("model: %s\n", g->path);
    printf("producer: %s, opset %lld, IR version %lld\n", *g->producer ? g->producer : "unknown",
           (long long)g->opset, (long long)g->ir_version);
    print_ops(g);
    printf("inputs:\n");
    for (int i = 0; i < g->n_inputs; i++)
        print_value(g, g->inputs[i]);
    printf("outputs:\n");
    for (int i = 0; i < g->n_outputs; i++)
        print_value(g, g->outputs[i]);
    if (infer_st != EB_OK) {
        printf("cost: unavailable (shapes could not be inferred, see the error)\n");
        eb_graph_free(g);
        return EB_EXIT_USAGE;
    }
    eb_cost total, *per = calloc((size_t)g->n_nodes + 1, sizeof *per);
    if (!per) {
        eb_cli_error("out of memory");
        eb_graph_free(g);
        return EB_EXIT_ENV;
    }
    eb_graph_cost(g, &total, per);
    char a[32], b[32], d[32], e[32], f[32], x[32];
    printf("params: %s (%s; %s of weights)\n", fmt_exact(total.params, x, sizeof x),
           eb_fmt_count((double)total.params, a, sizeof a), eb_fmt_bytes((double)total.weight_bytes, b, sizeof b));
    printf("MACs: %s   FLOPs: %s   bytes moved: %s per inference\n", eb_fmt_count((double)total.macs, a, sizeof a),
           eb_fmt_count((double)total.flops, d, sizeof d), eb_fmt_bytes((double)total.bytes_moved, e, sizeof e));
    printf("activations: %s peak live, %s in all\n", eb_fmt_bytes((double)total.activation_bytes, f, sizeof f),
           eb_fmt_bytes((double)total.activation_total, b, sizeof b));
    if (total.uncounted) {
        int k = 0;
        printf("FLOPs uncounted (no cost rule; not in the totals):");
        each_op(g, per, is_uncounted, print_uncounted, &k);
        printf("\n");
    }
    if (nodes)
        print_nodes(g, per);
    free(per);
    eb_graph_free(g);
    return EB_EXIT_OK;
}
