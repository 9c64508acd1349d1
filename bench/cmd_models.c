/* cmd_models.c - `edgebench models`: the zoo (embedded, trained, with a
 * dataset) and the architecture models (generated on demand into a cache
 * folder by `make zoo-large`), with size, params, FLOPs and presence. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench/cli.h"
#include "models/cost.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "reports/fmt_units.h"

static const char USAGE[] =
    "usage: edgebench models [--cache DIR]\n"
    "\n"
    "Lists the model zoo (built into this binary: run one with `edgebench run\n"
    "zoo:NAME`) and the architecture models that `make zoo-large` exports into\n"
    "the cache folder (default models/cache, or $EB_MODEL_CACHE).\n";

static const char *const ARCH[] = {"mobilenet_v2", "resnet18", "bert"};
static const char *const ARCH_WHAT[] = {"torchvision mobilenet_v2, random weights, 1x3x224x224",
                                        "torchvision resnet18, random weights, 1x3x224x224",
                                        "BERT-style encoder: 4 layers, hidden 256, 4 heads, seq 128"};

/* Params and FLOPs of a model reference; false when it does not load. */
static bool model_cost(const char *ref, eb_cost *c)
{
    eb_graph *g;
    eb_err err = {{0}};
    bool ok = eb_model_load(ref, &g, NULL, &err) == EB_OK && eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err) == EB_OK;
    if (ok)
        eb_graph_cost(g, c, NULL);
    eb_graph_free(g);
    return ok;
}

int eb_cmd_models(int argc, char **argv)
{
    static const struct option opts[] = {{"cache", required_argument, 0, 'c'}, {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *cache = getenv("EB_MODEL_CACHE");
    if (!cache || !*cache)
        cache = "models/cache";
    int c;
    optind = 0; /* glibc: rescan from the start */
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cache = optarg; break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("models", c, opts, argv);
        }
    }
    if (optind != argc) {
        eb_cli_error("models takes no arguments (see edgebench models --help)");
        return EB_EXIT_USAGE;
    }
    eb_err err = {{0}};
    const eb_zoo_entry *zoo;
    int n = eb_zoo_entries(&zoo, &err);
    if (n < 0) {
        eb_cli_error("%s", err.msg);
        return EB_EXIT_ENV;
    }
    printf("zoo (trained, built in; run with zoo:NAME):\n");
    printf("  %-17s %10s %9s %9s  %-14s %-10s %s\n", "name", "size", "params", "FLOPs", "dataset", "input", "PyTorch top-1 / perplexity");
    for (int i = 0; i < n; i++) {
        char ref[80], size[32] = "-", params[32] = "-", flops[32] = "-";
        snprintf(ref, sizeof ref, "zoo:%s", zoo[i].name);
        for (int f = 0; f < eb_zoo_n_files; f++)
            if (strcmp(eb_zoo_files[f].file, zoo[i].file) == 0)
                eb_fmt_bytes((double)eb_zoo_file_size(f), size, sizeof size);
        eb_cost cost;
        if (model_cost(ref, &cost)) {
            eb_fmt_count((double)cost.params, params, sizeof params);
            eb_fmt_count((double)cost.flops, flops, sizeof flops);
        }
        if (zoo[i].test_count == 0) /* a text decoder (--scenario generate): held-out perplexity */
            printf("  %-17s %10s %9s %9s  %-14s %-10s ppl %.3f\n", zoo[i].name, size, params, flops, zoo[i].dataset,
                   zoo[i].layout, zoo[i].pytorch_perplexity);
        else
            printf("  %-17s %10s %9s %9s  %-14s %-10s %.2f%%\n", zoo[i].name, size, params, flops, zoo[i].dataset,
                   zoo[i].layout, zoo[i].pytorch_accuracy * 100);
    }
    for (int i = 0; i < n; i++)
        if (*zoo[i].teacher)
            printf("  %s: distilled from %s (temperature %g, alpha %g)\n", zoo[i].name, zoo[i].teacher,
                   zoo[i].kd_temperature, zoo[i].kd_alpha);
    printf("\narchitecture models (random weights, for latency and memory; in %s):\n", cache);
    for (size_t i = 0; i < sizeof ARCH / sizeof ARCH[0]; i++) {
        char path[1024], size[32] = "-", params[32] = "-", flops[32] = "-";
        snprintf(path, sizeof path, "%s/%s/model.onnx", cache, ARCH[i]);
        struct stat st;
        bool present = stat(path, &st) == 0;
        eb_cost cost;
        if (present && model_cost(path, &cost)) {
            eb_fmt_bytes((double)st.st_size, size, sizeof size);
            eb_fmt_count((double)cost.params, params, sizeof params);
            eb_fmt_count((double)cost.flops, flops, sizeof flops);
        }
        printf("  %-17s %10s %9s %9s  %s%s\n", ARCH[i], size, params, flops, ARCH_WHAT[i],
               present ? "" : "  [not present: make zoo-large]");
    }
    return EB_EXIT_OK;
}
