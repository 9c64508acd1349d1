/* cmd_run.c - `edgebench run`: the sweep over models and variants.
 *
 * For each model: check that it loads (bad input stops the run before
 * anything is measured), run the ref baseline first (its outputs are what
 * every other variant's drift is measured against), then each variant, each
 * in its own process.  Every finished result is printed as a table row and
 * appended to the JSON Lines file; the final file is written atomically. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/cli.h"
#include "bench/harness.h"
#include "bench/inputs.h"
#include "bench/provenance.h"
#include "bench/variant.h"
#include "models/cost.h"
#include "models/zoo.h"
#include "reports/emit.h"

static const char USAGE[] =
    "usage: edgebench run [MODEL...] [-v VARIANT]... [options]\n"
    "\n"
    "Runs each model under each variant, each in its own process, and records\n"
    "latency, accuracy drift against the ref baseline, task accuracy and memory.\n"
    "A MODEL is an .onnx file or zoo:NAME; with none, the zoo (edgebench models).\n"
    "\n"
    "  -v, --variant SPEC   RUNNER[:KEY=VALUE,...], sweeps in braces, several per\n"
    "                       argument with ';' (default: ref). Keys: threads, prune,\n"
    "                       quant, group, device. Example: 'ref;cpu:threads={1,2}'\n"
    "  -n, --runs N         timed runs, at least (default 10)\n"
    "      --warmup N       untimed runs first (default 2)\n"
    "      --min-time S     and at least S seconds of timed runs (default 1)\n"
    "      --max-time S     stop sampling after S seconds (default 60)\n"
    "      --timeout S      kill a variant after S seconds (default 120)\n"
    "      --cv-threshold P flag results whose CV is above P percent (default 5)\n"
    "      --seed S         seed of the random inputs (default 1)\n"
    "      --inputs DIR     use DIR/input_N.pb (ONNX TensorProto) instead\n"
    "      --save-outputs DIR  write each variant's outputs as DIR/MODEL/VARIANT/output_N.pb\n"
    "      --eval N|all     test images for the task metric of zoo models (default 1000;\n"
    "                       0: none); the same images give the accuracy drift\n"
    "  -o, --output FILE    write results to FILE (and FILE's .jsonl as they come)\n"
    "      --format F       json (default), jsonl, csv or md\n"
    "      --batch N        size of a symbolic leading dim (default 1)\n"
    "      --dim NAME=N     size of the symbolic dim NAME\n"
    "      --no-isolate     run variants in this process (debugging)\n"
    "\n"
    "Exit status: 0 every variant ran or was unsupported; 2 bad usage or input;\n"
    "3 some variant failed, crashed or timed out; 75 environment failure.\n";

/* FILE.jsonl next to FILE (FILE.json -> FILE.jsonl). */
static void jsonl_path(const char *out, char *buf, size_t n)
{
    size_t len = strlen(out);
    if (len > 5 && strcmp(out + len - 5, ".json") == 0)
        snprintf(buf, n, "%.*s.jsonl", (int)(len - 5), out);
    else
        snprintf(buf, n, "%s.jsonl", out);
}

/* Loads each model once in this process to refuse bad input early and to
 * record its identity and cost; frees it before any variant forks. */
static bool describe_model(const char *path, const eb_run_opts *o, eb_model_info *m)
{
    memset(m, 0, sizeof *m);
    m->path = path;
    eb_model_name(path, m->name, sizeof m->name);
    eb_err err = {{0}};
    eb_graph *g;
    if (eb_model_load(path, &g, m->sha256, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        return false;
    }
    if ((o->inputs_dir && eb_inputs_bind_files(g, o->inputs_dir, &err) != EB_OK) ||
        eb_graph_infer_shapes(g, &o->shape, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        eb_graph_free(g);
        return false;
    }
    eb_graph_cost(g, &m->cost, NULL);
    const eb_zoo_entry *zoo = o->eval_count > 0 ? eb_zoo_find(m->sha256) : NULL;
    if (zoo && (access(zoo->test_images, R_OK) != 0 || access(zoo->test_labels, R_OK) != 0))
        eb_cli_error("warning: %s: dataset %s not found at %s (install the Debian package %s); "
                     "its accuracy will be unavailable", m->name, zoo->dataset, zoo->test_images,
                     zoo->debian_package);
    m->n_inputs = g->n_inputs;
    m->n_outputs = g->n_outputs;
    size_t off = 0;
    for (int i = 0; i < g->n_inputs && off < sizeof m->inputs; i++) {
        char d[128];
        off += (size_t)snprintf(m->inputs + off, sizeof m->inputs - off, "%s%s %s", i ? "; " : "",
                                g->values[g->inputs[i]].name, eb_tensor_describe(&g->values[g->inputs[i]].t, d, sizeof d));
    }
    off = 0;
    for (int i = 0; i < g->n_outputs && off < sizeof m->outputs; i++) {
        char d[128];
        off += (size_t)snprintf(m->outputs + off, sizeof m->outputs - off, "%s%s %s", i ? "; " : "",
                                g->values[g->outputs[i]].name, eb_tensor_describe(&g->values[g->outputs[i]].t, d, sizeof d));
    }
    eb_graph_free(g);
    return true;
}

typedef struct sweep {
    eb_run_opts opts;
    eb_variant_list variants;
    const char **models;
    int n_models;
    const char *out_path;
    eb_format format;
    FILE *jsonl;
    eb_result *results;
    int n_results;
    eb_model_info *infos;
    eb_provenance prov;
    bool tty;
} sweep;

static void progress(const sweep *s, int model, const eb_variant *v, int done, int total)
{
    if (s->tty) {
        fprintf(stderr, "\r\033[K[%d/%d] %s  %s ...", done + 1, total, s->infos[model].name, v->spec);
        fflush(stderr);
    }
}

static void record(sweep *s, const eb_result *r)
{
    if (s->tty)
        fputs("\r\033[K", stderr);
    eb_emit_table_row(stdout, r);
    if (s->jsonl) {
        eb_err err = {{0}};
        if (eb_emit_jsonl_record(s->jsonl, &s->prov, r, &err) != EB_OK)
            eb_cli_error("%s", err.msg);
    }
    s->results[s->n_results++] = *r;
}

static bool is_plain_ref(const eb_variant *v)
{
    return strcmp(v->spec, "ref") == 0;
}

static void run_model(sweep *s, int m, char *tmpl_dir, int *done, int total)
{
    eb_model_info *info = &s->infos[m];
    char base_dir[512];
    snprintf(base_dir, sizeof base_dir, "%s/baseline-%d", tmpl_dir, m);
    s->opts.baseline_dir = base_dir;
    eb_result proto = {0};
    snprintf(proto.model, sizeof proto.model, "%s", info->path);
    snprintf(proto.model_name, sizeof proto.model_name, "%s", info->name);
    snprintf(proto.model_sha256, sizeof proto.model_sha256, "%s", info->sha256);

    /* the baseline first: a plain `ref` the user asked for, or a silent one */
    int ref_idx = -1;
    for (int i = 0; i < s->variants.n && ref_idx < 0; i++)
        if (is_plain_ref(&s->variants.items[i]))
            ref_idx = i;
    eb_variant ref = eb_variant_default("ref");
    eb_result base = proto;
    if (ref_idx >= 0)
        progress(s, m, &ref, (*done)++, total);
    eb_isolate_run(info->path, &ref, &s->opts, true, &base);
    eb_task_metric base_task = base.task;
    if (base_task.available) {
        base.task.has_delta = true;
        base.task.delta = 0;
    }
    if (ref_idx >= 0)
        record(s, &base);
    else
        eb_result_free(&base);

    for (int i = 0; i < s->variants.n; i++) {
        if (i == ref_idx)
            continue;
        eb_result r = proto;
        progress(s, m, &s->variants.items[i], (*done)++, total);
        eb_isolate_run(info->path, &s->variants.items[i], &s->opts, false, &r);
        if (r.task.available && base_task.available && r.task.count == base_task.count) {
            r.task.has_delta = true;
            r.task.delta = r.task.value - base_task.value;
        }
        record(s, &r);
    }
}

static void remove_tree(const char *dir)
{
    /* baseline folders hold only output_N.pb files */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        eb_cli_error("could not remove %s", dir);
}

int eb_cmd_run(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"variant", required_argument, 0, 'v'}, {"runs", required_argument, 0, 'n'},
        {"warmup", required_argument, 0, 'w'}, {"min-time", required_argument, 0, 'm'},
        {"max-time", required_argument, 0, 'M'}, {"timeout", required_argument, 0, 't'},
        {"cv-threshold", required_argument, 0, 'c'}, {"seed", required_argument, 0, 's'},
        {"inputs", required_argument, 0, 'i'}, {"save-outputs", required_argument, 0, 'S'},
        {"output", required_argument, 0, 'o'}, {"format", required_argument, 0, 'f'},
        {"batch", required_argument, 0, 'b'}, {"dim", required_argument, 0, 'd'},
        {"no-isolate", no_argument, 0, 'I'}, {"eval", required_argument, 0, 'e'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    sweep s = {.opts = {.runs = 10, .warmup = 2, .max_time_s = 60, .timeout_s = 120, .cv_threshold = 0.05,
                        .seed = 1, .isolate = true, .eval_count = 1000, .min_time_s = 1},
               .format = EB_FMT_JSON};
    int64_t seed = 1;
    double cv_pct = 5;
    char **default_models = NULL;
    int rc = EB_EXIT_USAGE, c;
    eb_err err = {{0}};
    optind = 0; /* glibc: rescan from the start */
    while ((c = getopt_long(argc, argv, "v:n:o:h", long_opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'v':
            if (eb_variant_parse(optarg, &s.variants, &err) != EB_OK) {
                eb_cli_error("%s", err.msg);
                ok = false;
            }
            break;
        case 'n': ok = eb_cli_parse_int("-n", optarg, 1, 10000000, &s.opts.runs); break;
        case 'w': ok = eb_cli_parse_int("--warmup", optarg, 0, 1000000, &s.opts.warmup); break;
        case 'm': ok = eb_cli_parse_double("--min-time", optarg, 0, 1e7, &s.opts.min_time_s); break;
        case 'M': ok = eb_cli_parse_double("--max-time", optarg, 0, 1e7, &s.opts.max_time_s); break;
        case 't': ok = eb_cli_parse_double("--timeout", optarg, 1e-3, 1e7, &s.opts.timeout_s); break;
        case 'c': ok = eb_cli_parse_double("--cv-threshold", optarg, 0, 1e6, &cv_pct); break;
        case 's': ok = eb_cli_parse_int("--seed", optarg, 0, INT64_MAX, &seed); break;
        case 'i': s.opts.inputs_dir = optarg; break;
        case 'S': s.opts.save_outputs_dir = optarg; break;
        case 'o': s.out_path = optarg; break;
        case 'f':
            if (!eb_format_parse(optarg, &s.format)) {
                eb_cli_error("--format: '%s' is not json, jsonl, csv or md", optarg);
                ok = false;
            }
            break;
        case 'b': ok = eb_cli_parse_int("--batch", optarg, 1, INT64_C(1) << 30, &s.opts.shape.batch); break;
        case 'd': ok = eb_cli_parse_dim(optarg, &s.opts.shape); break;
        case 'I': s.opts.isolate = false; break;
        case 'e':
            if (strcmp(optarg, "all") == 0)
                s.opts.eval_count = INT64_MAX;
            else
                ok = eb_cli_parse_int("--eval", optarg, 0, INT64_MAX, &s.opts.eval_count);
            break;
        case 'h': fputs(USAGE, stdout); rc = EB_EXIT_OK; goto out;
        default: fputs(USAGE, stderr); goto out;
        }
        if (!ok)
            goto out;
    }
    s.opts.seed = (uint64_t)seed;
    s.opts.cv_threshold = cv_pct / 100;
    if (s.variants.n == 0 && eb_variant_parse("ref", &s.variants, &err) != EB_OK)
        goto out;

    s.models = (const char **)argv + optind;
    s.n_models = argc - optind;
    if (s.n_models == 0) { /* the embedded zoo is the default set */
        const eb_zoo_entry *zoo;
        int n = eb_zoo_entries(&zoo, &err);
        if (n <= 0) {
            eb_cli_error("no model given and %s", n < 0 ? err.msg : "the zoo is empty");
            goto out;
        }
        if (!(default_models = calloc((size_t)n, sizeof *default_models))) {
            rc = EB_EXIT_ENV;
            goto out;
        }
        for (int i = 0; i < n; i++) {
            char *ref = malloc(strlen(zoo[i].name) + 5);
            if (!ref) {
                rc = EB_EXIT_ENV;
                goto out;
            }
            sprintf(ref, "zoo:%s", zoo[i].name);
            default_models[s.n_models++] = ref;
        }
        s.models = (const char **)default_models;
    }
    if (s.opts.save_outputs_dir && mkdir(s.opts.save_outputs_dir, 0777) != 0 && errno != EEXIST) {
        eb_cli_error("--save-outputs %s: %s", s.opts.save_outputs_dir, strerror(errno));
        goto out;
    }
    s.infos = calloc((size_t)s.n_models, sizeof *s.infos);
    s.results = calloc((size_t)s.n_models * (size_t)(s.variants.n + 1), sizeof *s.results);
    if (!s.infos || !s.results) {
        eb_cli_error("out of memory");
        rc = EB_EXIT_ENV;
        goto out;
    }
    for (int m = 0; m < s.n_models; m++)
        if (!describe_model(s.models[m], &s.opts, &s.infos[m]))
            goto out;

    eb_provenance_get(&s.prov, argc, argv, s.opts.seed);
    if (s.out_path) {
        /* fail on an unwritable output before spending time measuring */
        char probe[4096];
        if (s.format == EB_FMT_JSONL)
            snprintf(probe, sizeof probe, "%s", s.out_path);
        else
            jsonl_path(s.out_path, probe, sizeof probe);
        if (!(s.jsonl = fopen(probe, "w"))) {
            eb_cli_error("%s: cannot write: %s", probe, strerror(errno));
            goto out;
        }
    }
    char tmp[] = "/tmp/edgebench-XXXXXX";
    if (!mkdtemp(tmp)) {
        eb_cli_error("cannot create a temporary folder: %s", strerror(errno));
        rc = EB_EXIT_ENV;
        goto out;
    }
    s.tty = isatty(2);
    eb_emit_table_header(stdout);
    int done = 0, total = s.n_models * s.variants.n;
    for (int m = 0; m < s.n_models; m++)
        run_model(&s, m, tmp, &done, total);
    remove_tree(tmp);

    rc = EB_EXIT_OK;
    for (int i = 0; i < s.n_results; i++)
        if (s.results[i].status == EB_RESULT_FAILED || s.results[i].status == EB_RESULT_CRASHED ||
            s.results[i].status == EB_RESULT_TIMEOUT)
            rc = EB_EXIT_PARTIAL;
    if (s.out_path && s.format != EB_FMT_JSONL) {
        eb_report_doc doc = {&s.prov, &s.opts, s.infos, s.n_models, s.results, s.n_results};
        if (eb_emit_file(s.out_path, s.format, &doc, &err) != EB_OK) {
            eb_cli_error("%s", err.msg);
            rc = EB_EXIT_ENV;
        }
    }
out:
    if (s.jsonl)
        fclose(s.jsonl);
    for (int i = 0; i < s.n_results; i++)
        eb_result_free(&s.results[i]);
    free(s.results);
    free(s.infos);
    for (int i = 0; default_models && i < s.n_models; i++)
        free(default_models[i]);
    free(default_models);
    eb_variant_list_free(&s.variants);
    return rc;
}
