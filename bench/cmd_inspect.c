/* cmd_inspect.c - `edgebench inspect MODEL.onnx`: what a model is made of
 * and what it costs, without running it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "models/cost.h"

static const char USAGE[] =
    "usage: edgebench inspect MODEL.onnx [--nodes] [--batch N] [--dim NAME=N]\n"
    "\n"
    "Prints the ops a model uses (and which the suite does not support), its\n"
    "inputs and outputs with shapes, params, MACs, FLOPs, weight bytes and\n"
    "peak activation bytes.\n"
    "  --nodes        one line per node: op, output shape, params, MACs, FLOPs\n"
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
        char shape[96] = "-", p[32], m[32], f[32];
        if (n->n_out && n->out[0] >= 0 && g->values[n->out[0]].shape_known)
            eb_tensor_describe(&g->values[n->out[0]].t, shape, sizeof shape);
        printf("%4d  %-18.18s %-28.28s %-22.22s %10s %10s %10s%s\n", i, n->op_type, n->name, shape,
               eb_fmt_count((double)per[i].params, p, sizeof p), eb_fmt_count((double)per[i].macs, m, sizeof m),
               eb_fmt_count((double)per[i].flops, f, sizeof f), n->folded ? "  (folded at load)" : "");
    }
}

int eb_cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {
        {"nodes", no_argument, 0, 'n'}, {"batch", required_argument, 0, 'b'},
        {"dim", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    eb_shape_opts sopts = {0};
    bool nodes = false;
    int c;
    optind = 0; /* glibc: rescan from the start */
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': nodes = true; break;
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
    eb_cost total, *per = nodes ? calloc((size_t)g->n_nodes + 1, sizeof *per) : NULL;
    eb_graph_cost(g, &total, per);
    char a[32], b[32], d[32], e[32], f[32];
    printf("params: %s (%s of weights)\n", eb_fmt_count((double)total.params, a, sizeof a),
           eb_fmt_bytes((double)total.weight_bytes, b, sizeof b));
    printf("MACs: %s   FLOPs: %s   bytes moved: %s per inference\n", eb_fmt_count((double)total.macs, a, sizeof a),
           eb_fmt_count((double)total.flops, d, sizeof d), eb_fmt_bytes((double)total.bytes_moved, e, sizeof e));
    printf("activations: %s peak live, %s in all\n", eb_fmt_bytes((double)total.activation_bytes, f, sizeof f),
           eb_fmt_bytes((double)total.activation_total, b, sizeof b));
    if (per)
        print_nodes(g, per);
    free(per);
    eb_graph_free(g);
    return EB_EXIT_OK;
}
