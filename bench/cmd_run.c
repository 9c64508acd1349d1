/* cmd_run.c - `edgebench run`: the sweep over models and variants.
 *
 * Before anything is measured, the command line is checked (run_checks.c,
 * output_path.c): a typo in a runner, a model path, --dim, --eval or -o is
 * a usage error (exit 2).  Each model is then loaded once here; one that
 * exists but does not load or validate (an unknown op, a broken file) gets
 * a result per variant, `unsupported` (the ops listed) or `failed`, and the
 * sweep goes on with the others.  For each usable model: run the ref
 * baseline first (its outputs are what every other variant's drift is
 * measured against), then each variant, each in its own process, forked
 * by a launcher that starts before any model is loaded (bench/isolate.c).
 * Every finished result is printed as a table row and appended to the JSON
 * Lines file; the final file is written atomically.  On a terminal a
 * progress line (bench/progress.c) shows where the sweep is; Ctrl-C
 * (bench/interrupt.c) stops the variant in flight, records it as
 * `interrupted`, writes what finished and exits 130. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/cli.h"
#include "bench/harness.h"
#include "bench/inputs.h"
#include "bench/interleave.h"
#include "bench/interrupt.h"
#include "bench/layer_drift.h"
#include "bench/env_checks.h"
#include "bench/farm_contract.h"
#include "bench/noise_controls.h"
#include "bench/mem_limit.h"
#include "bench/output_path.h"
#include "bench/progress.h"
#include "bench/resume.h"
#include "bench/provenance.h"
#include "bench/run_checks.h"
#include "bench/variant.h"
#include "models/cost.h"
#include "models/file_replace.h"
#include "models/transform.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "reports/emit.h"

static const char USAGE[] =
    "usage: edgebench run [MODEL...] [-v VARIANT]... [options]\n"
    "\n"
    "Runs each model under each variant, each in its own process, and records\n"
    "latency, accuracy drift against the ref baseline, task accuracy and memory.\n"
    "A MODEL is an .onnx file or zoo:NAME; with none, the zoo (edgebench models).\n"
    "\n"
    "  -v, --variant SPEC   RUNNER[:KEY=VALUE,...], sweeps in braces, several per\n"
    "                       argument with ';' (default: ref). Keys: prune, quant,\n"
    "                       group, device, prune-scope, prune-skip, quant-skip,\n"
    "                       calib; threads, isa, opt (cpu); gemm, math (cuda).\n"
    "                       Example: 'ref;cpu:threads={1,2};opencl'\n"
    "  -n, --runs N         timed runs, at least (default 10)\n"
    "      --warmup N       untimed runs first (default 2)\n"
    "      --min-time S     and at least S seconds of timed runs (default 1)\n"
    "      --max-time S     stop sampling after S seconds (default 60)\n"
    "      --timeout S      kill a variant after S seconds (default 120)\n"
    "      --mem-limit SIZE each variant's memory (RLIMIT_DATA of its process):\n"
    "                       512M, 4G, 50% of the usable memory, or none (default\n"
    "                       75% of the physical memory or the cgroup's limit);\n"
    "                       a variant over it is failed: out of memory\n"
    "      --cv-threshold P flag results whose CV is above P percent (default 5)\n"
    "      --seed S         seed of the random inputs (default 1) and of the\n"
    "                       order of --processes\n"
    "      --processes K    run each variant in K worker processes (default 1, at\n"
    "                       most 64), the processes of a model's variants in a\n"
    "                       random order; one result per variant, its samples\n"
    "                       tagged by process; the median's 95% CI resamples\n"
    "                       processes, then samples (with K = 1 it is\n"
    "                       within-process only)\n"
    "      --inputs DIR     use DIR/input_N.pb (ONNX TensorProto) instead\n"
    "      --save-outputs DIR  write each variant's outputs as DIR/MODEL/VARIANT/output_N.pb\n"
    "      --calib N        quant=int8-static calibrates on N batches of a zoo model's\n"
    "                       training images (default 100); other models on --inputs\n"
    "      --save-model DIR    write each (compressed) variant as ONNX, DIR/MODEL/VARIANT.onnx (QDQ)\n"
    "      --eval N|all     test images for the task metric of zoo models (default 1000;\n"
    "                       0: none); the same images give the accuracy drift\n"
    "  -o, --output FILE    write results to FILE (and FILE's .jsonl as they come);\n"
    "                       the format follows the extension (.json, .jsonl, .csv,\n"
    "                       .md); '-' is stdout; a device such as /dev/null is\n"
    "                       written straight into\n"
    "      --format F       json (default), jsonl, csv or md; without -o, the\n"
    "                       results in F on stdout (the table goes to stderr)\n"
    "      --resume FILE    keep the ok and unsupported records of FILE (a result\n"
    "                       document or JSON Lines) and of FILE's .jsonl (what a\n"
    "                       killed run finished); run only the other variants\n"
    "      --batch N        size of a symbolic leading dim (default 1)\n"
    "      --dim NAME=N     size of the symbolic dim NAME\n"
    "      --no-isolate     run variants in this process (debugging)\n"
    "      --power-table F  per-core power at each CPU frequency for the energy\n"
    "                       estimate: a CSV of cpu,khz,watts (cpu * for all), or an\n"
    "                       Android power_profile.xml (sets EB_POWER_TABLE)\n"
    "      --profile        after the timed runs, separate passes time each node\n"
    "                       (median per node; the timed runs are untouched)\n"
    "      --layers         per compressed variant, every node output against the\n"
    "                       fp32 graph on the same input (the first batch), both on\n"
    "                       the reference kernels: rel L2 and cosine, and the first\n"
    "                       node whose rel L2 exceeds the threshold\n"
    "      --layers-threshold X  that threshold (default 0.05)\n"
    "      --sensitivity    per compressed variant, compress one layer at a time on\n"
    "                       ref: its top-1 delta on the first min(--eval, 500) test\n"
    "                       images (zoo models), else its output rel L2; ranked, with\n"
    "                       a suggested quant-skip (prune-skip) set\n"
    "      --pin CPU-LIST   run each variant's process (and its threads) on these\n"
    "                       CPUs only (sched_setaffinity): 0, 0-1, 0,2; checked\n"
    "                       against the online CPUs\n"
    "      --cooldown S     wait S seconds between variants (default 0)\n"
    "      --out-dir DIR    every file the run writes goes under DIR (created):\n"
    "                       the results (DIR/results.json, or -o taken inside DIR),\n"
    "                       their .jsonl, --save-outputs, --save-model; the last\n"
    "                       stdout line is EDGEBENCH_DONE rc=N results=PATH sha256=HEX\n"
    "      --deadline S     S seconds from the start: no variant starts after it\n"
    "                       (recorded with status deadline), the one in flight is\n"
    "                       ended at it, the results are written, exit 3\n"
    "      --audit cache    after the timed runs, the same input repeatedly against\n"
    "                       distinct inputs (MLPerf TEST04): a variant more than 10%\n"
    "                       faster on repeats is flagged (audit.cache_faster_on_repeats)\n"
    "\n"
    "Noise: a fixed scalar workload (the sentinel) is timed before and after each\n"
    "variant on its CPUs; a median change beyond 10% flags the result\n"
    "(noise.machine_speed_changed).  The governor, turbo, ASLR, SMT, load, busy\n"
    "processes and pinning are checked once at the start (stderr) and recorded\n"
    "in every result (noise.environment).\n"
    "\n"
    "On a terminal, stderr shows the variant in flight with elapsed time and ETA.\n"
    "Ctrl-C or SIGTERM stops the variant in flight (recorded as interrupted),\n"
    "writes the results so far and exits 130; variants not started are not\n"
    "recorded.  Every file is written to a fresh temporary file (mkstemp) in its\n"
    "folder, then renamed into place: a symbolic link planted at the temporary\n"
    "or the final name is replaced, never followed.\n"
    "\n"
    "Exit status: 0 every variant ran or was unsupported; 2 bad usage or input\n"
    "(an unknown runner, a missing model file, a bad -o, ...: refused before any\n"
    "work); 3 some variant failed, crashed or timed out, a model could not be\n"
    "loaded (its results say why), or no variant ran at all; 75 environment failure;\n"
    "130 interrupted (Ctrl-C, SIGTERM).\n";

/* A model that exists but cannot be measured: every variant of it gets
 * this status and reason, without a process. */
typedef struct model_state {
    bool usable;
    eb_result_status status; /* unsupported (unknown ops) or failed */
    char error[512];
} model_state;

/* What the --dim names matched, over all models. */
typedef struct dim_check {
    bool used[8];
    char seen[256];
} dim_check;

/* A model that cannot be measured: unsupported when it uses ops the suite
 * does not implement (all of them listed), else failed with the reason. */
static void mark_unusable(const eb_graph *g, const eb_err *err, eb_model_info *m, model_state *st)
{
    char ops[256];
    int n_unknown = g ? eb_graph_unknown_ops(g, ops, sizeof ops) : 0;
    st->usable = false;
    st->status = n_unknown > 0 ? EB_RESULT_UNSUPPORTED : EB_RESULT_FAILED;
    if (n_unknown > 0)
        snprintf(st->error, sizeof st->error, "op%s not implemented: %s", n_unknown > 1 ? "s" : "", ops);
    else
        snprintf(st->error, sizeof st->error, "%s", err->msg);
    eb_cli_error("warning: %s: %s; its variants are recorded as %s and the run goes on", m->name, st->error,
                 eb_result_status_name(st->status));
}

/* Loads each model once in this process to refuse bad input early and to
 * record its identity and cost; frees it before any variant forks.  False
 * (with a message) on bad input, which stops the run: --inputs that do not
 * fit, --eval beyond the test set.  A model that does not load or validate
 * is not bad input but a result: *st says why. */
static bool describe_model(const char *path, const eb_run_opts *o, const eb_variant_list *vl, eb_model_info *m,
                           model_state *ms, dim_check *dims)
{
    memset(m, 0, sizeof *m);
    m->path = path;
    eb_model_name(path, m->name, sizeof m->name);
    ms->usable = true;
    eb_err err = {{0}};
    eb_graph *g;
    if (eb_model_load(path, &g, m->sha256, &err) != EB_OK) {
        mark_unusable(NULL, &err, m, ms); /* the sha256 was read before the parse failed */
        return true;
    }
    eb_run_mark_dims(g, &o->shape, dims->used);
    eb_run_list_dims(g, dims->seen, sizeof dims->seen);
    if (o->inputs_dir && eb_inputs_bind_files(g, o->inputs_dir, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        eb_graph_free(g);
        return false;
    }
    if (eb_graph_infer_shapes(g, &o->shape, eb_ref_eval, &err) != EB_OK) {
        mark_unusable(g, &err, m, ms);
        eb_graph_free(g);
        return true;
    }
    eb_graph_cost(g, &m->cost, NULL);
    /* compression settings that cannot apply to this model are bad input */
    for (int i = 0; i < vl->n; i++)
        if (eb_compress_check(g, &vl->items[i].compress, o->inputs_dir || eb_zoo_find(m->sha256), &err) != EB_OK) {
            eb_cli_error("%s: %s: %s", m->name, vl->items[i].spec, err.msg);
            eb_graph_free(g);
            return false;
        }
    const eb_zoo_entry *zoo = o->eval_count > 0 ? eb_zoo_find(m->sha256) : NULL;
    if (!o->inputs_dir && eb_run_check_eval(o->eval_count, zoo, m->name, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        eb_graph_free(g);
        return false;
    }
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
    eb_output out;
    FILE *table_out; /* stdout, or stderr when the document goes to stdout */
    FILE *jsonl;
    eb_file_replace jsonl_file; /* s->jsonl when it is FILE's .jsonl */
    eb_resume resume;           /* --resume: records kept from an earlier run */
    eb_result **resumed;        /* [model * variants + variant]: the kept record, or NULL */
    char mem_limit_desc[256];   /* --mem-limit as recorded (run.settings.mem_limit) */
    eb_result *results;
    int n_results;
    eb_model_info *infos;
    model_state *states;
    int cpus;        /* usable by this process, 0 unknown */
    eb_provenance prov;
    eb_progress progress;
    eb_table table;
    eb_cooldown cooldown;    /* --cooldown (noise_controls.h) */
    eb_env_checks env;       /* read once at the start, stamped on every result (env_checks.h) */
    int processes;   /* --processes: worker processes per variant */
    eb_farm farm;    /* --out-dir, --deadline (farm_contract.h) */
} sweep;

/* The wait hook of eb_isolate_run: redraw the progress line; stop on Ctrl-C. */
static bool sweep_wait(void *ctx)
{
    eb_progress_tick(ctx);
    return eb_interrupted();
}

/* The cooldown's stop hook: Ctrl-C. */
static bool stop_on_interrupt(void *ctx)
{
    (void)ctx;
    return eb_interrupted();
}

/* When the sweep recorded r: UTC, ISO 8601 with milliseconds. */
static void stamp_finished(eb_result *r)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char day[24];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(r->finished_at, sizeof r->finished_at, "%s.%03dZ", day, (int)(ts.tv_nsec / 1000000));
}

/* The record --resume kept for variant i of model m, or NULL. */
static eb_result *resumed(const sweep *s, int m, int i)
{
    return s->resumed ? s->resumed[m * s->variants.n + i] : NULL;
}

/* base_median_ms: the same model's ref baseline, NAN when there is none. */
static void record(sweep *s, eb_result *r, double base_median_ms)
{
    if (!r->raw) { /* a record kept by --resume is as it was, and already in the .jsonl */
        eb_noise_stamp(r, s->opts.pin, &s->env, s->opts.audit_cache);
        eb_run_add_warnings(r, s->cpus);
        stamp_finished(r);
    }
    eb_emit_table_row(s->table_out, &s->table, r, base_median_ms);
    if (s->jsonl && !r->raw) {
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

/* --deadline passed: variant v of model m is recorded as not run (status
 * deadline), without a process; false while there is time left. */
static bool deadline_skip(sweep *s, int m, const eb_result *proto, int v, int *done)
{
    if (!eb_farm_deadline_passed(&s->farm))
        return false;
    (void)m;
    eb_result r = *proto;
    eb_result_begin(&r, &s->variants.items[v]);
    r.status = EB_RESULT_DEADLINE;
    snprintf(r.error, sizeof r.error, "not run: the --deadline of %.15g s had passed", s->farm.deadline_s);
    eb_result_set_device(&r, &s->variants.items[v], false);
    r.is_baseline = is_plain_ref(&s->variants.items[v]);
    (*done)++;
    record(s, &r, NAN);
    return true;
}

/* eb_isolate_run with the variant's timeout cut to what is left before
 * --deadline: a variant still running then is ended, recorded deadline. */
static void run_variant(sweep *s, const char *path, const eb_variant *v, bool baseline, eb_result *r)
{
    double keep = s->opts.timeout_s, left = eb_farm_left(&s->farm);
    bool cut = left < keep;
    if (cut)
        s->opts.timeout_s = left > 1e-3 ? left : 1e-3;
    eb_isolate_run(path, v, &s->opts, baseline, r);
    if (cut && r->status == EB_RESULT_TIMEOUT) {
        r->status = EB_RESULT_DEADLINE;
        snprintf(r->error, sizeof r->error, "ended at the --deadline of %.15g s, %.3g s into the variant",
                 s->farm.deadline_s, s->opts.timeout_s);
    }
    s->opts.timeout_s = keep;
}

/* Records variant i of model m from what --resume kept. */
static void record_resumed(sweep *s, int m, int i, double base_median_ms, int *done)
{
    eb_result r;
    eb_resume_take(&s->resume, resumed(s, m, i), &r);
    s->resumed[m * s->variants.n + i] = NULL;
    (*done)++;
    record(s, &r, base_median_ms);
}

/* --resume: every variant of model m kept (recorded here, true: nothing
 * to run), or a kept `ref` recorded first (*ref_kept), its baseline then
 * run silently for the others' drift. */
static bool resume_model(sweep *s, int m, int ref_idx, bool *ref_kept, int *done)
{
    *ref_kept = false;
    if (!s->resumed)
        return false;
    int pending = 0;
    for (int i = 0; i < s->variants.n; i++)
        pending += !resumed(s, m, i);
    *ref_kept = ref_idx >= 0 && resumed(s, m, ref_idx);
    double base = *ref_kept && resumed(s, m, ref_idx)->status == EB_RESULT_OK ? resumed(s, m, ref_idx)->latency.median
                                                                              : NAN;
    for (int i = 0; i < s->variants.n; i++)
        if (resumed(s, m, i) && (pending == 0 || i == ref_idx))
            record_resumed(s, m, i, base, done);
    return pending == 0;
}

/* Every variant of a model that cannot be measured gets its status and
 * reason, without a process. */
static void record_unusable(sweep *s, int m, const eb_result *proto, int *done)
{
    for (int i = 0; i < s->variants.n; i++) {
        eb_result r = *proto;
        eb_result_begin(&r, &s->variants.items[i]);
        r.status = s->states[m].status;
        snprintf(r.error, sizeof r.error, "%s", s->states[m].error);
        eb_result_set_device(&r, &s->variants.items[i], false); /* the parent: no driver before the fork */
        r.is_baseline = is_plain_ref(&s->variants.items[i]);
        (*done)++;
        record(s, &r, NAN);
    }
}

/* --processes K: every variant's K worker processes, in the shuffled
 * order of eb_interleave_order (ref_idx, the baseline, first), each
 * variant's results merged into one record (bench/interleave.h).  Records
 * go out in the variants' order once the model's last process is done.
 * --resume: a kept variant is not run again; a kept ref (already recorded,
 * ref_kept, its median kept_base) still runs, since the others' drift is
 * measured against its outputs, and only its fresh record is dropped. */
static void run_model_processes(sweep *s, int m, const eb_result *proto, int ref_idx, double kept_base, bool ref_kept,
                                int *done)
{
    const eb_model_info *info = &s->infos[m];
    int nv = s->variants.n, k = s->processes, n = nv * k;
    int *order = malloc((size_t)n * sizeof *order), *ran = calloc((size_t)nv, sizeof *ran);
    eb_result *parts = calloc((size_t)n, sizeof *parts);
    double *cooled = calloc((size_t)nv, sizeof *cooled); /* --cooldown, summed per variant */
    if (!order || !ran || !parts || !cooled) {
        eb_cli_error("out of memory");
        goto out;
    }
    eb_interleave_order(nv, k, ref_idx, s->opts.seed + (uint64_t)(info - s->infos), order);
    for (int j = 0; j < n && !eb_interrupted(); j++) {
        int v = order[j];
        if (resumed(s, m, v))
            continue;
        eb_result *r = &parts[v * k + ran[v]];
        *r = *proto;
        cooled[v] += eb_cooldown_wait(&s->cooldown, stop_on_interrupt, NULL);
        if (eb_interrupted())
            break;
        if (eb_farm_deadline_passed(&s->farm))
            break;
        eb_progress_begin(&s->progress, info->name, s->variants.items[v].spec, ++*done);
        run_variant(s, info->path, &s->variants.items[v], v == ref_idx, r);
        eb_progress_end(&s->progress, true);
        ran[v]++;
    }
    const eb_result *base = ref_idx >= 0 && ran[ref_idx] > 0 ? &parts[ref_idx * k] : NULL;
    eb_task_metric base_task = base ? base->task : (eb_task_metric){0};
    double base_median = NAN;
    if (ref_kept)
        base_median = kept_base;
    for (int i = -1; i < nv; i++) { /* the baseline first: the others' table rows need its median */
        int v = i < 0 ? ref_idx : i;
        if (v < 0 || (i >= 0 && v == ref_idx))
            continue;
        if (resumed(s, m, v)) {
            record_resumed(s, m, v, base_median, done);
            continue;
        }
        if (ran[v] == 0) {
            if (!eb_interrupted())
                deadline_skip(s, m, proto, v, done);
            continue;
        }
        eb_result merged;
        eb_interleave_merge(&parts[v * k], ran[v], k, s->opts.cv_threshold, &merged);
        merged.noise.cooldown_s = cooled[v];
        if (v == ref_idx && ref_kept) { /* recorded from --resume; this run only fed the drift */
            eb_result_free(&merged);
            continue;
        }
        if (v == ref_idx) {
            if (merged.task.available) {
                merged.task.has_delta = true;
                merged.task.delta = 0;
            }
            base_median = merged.status == EB_RESULT_OK && merged.n_samples > 0 ? merged.latency.median : NAN;
        } else if (merged.task.available && base_task.available && merged.task.count == base_task.count) {
            merged.task.has_delta = true;
            merged.task.delta = merged.task.value - base_task.value;
        }
        record(s, &merged, base_median);
    }
out:
    free(order);
    free(ran);
    free(parts);
    free(cooled);
}

static void run_model(sweep *s, int m, char *tmpl_dir, int *done)
{
    eb_model_info *info = &s->infos[m];
    char base_dir[512];
    snprintf(base_dir, sizeof base_dir, "%s/baseline-%d", tmpl_dir, m);
    s->opts.baseline_dir = base_dir;
    eb_result proto = {0};
    snprintf(proto.model, sizeof proto.model, "%s", info->path);
    snprintf(proto.model_name, sizeof proto.model_name, "%s", info->name);
    snprintf(proto.model_sha256, sizeof proto.model_sha256, "%s", info->sha256);
    if (!s->states[m].usable) {
        record_unusable(s, m, &proto, done);
        return;
    }

    /* the baseline first: a plain `ref` the user asked for, or a silent one */
    int ref_idx = -1;
    for (int i = 0; i < s->variants.n && ref_idx < 0; i++)
        if (is_plain_ref(&s->variants.items[i]))
            ref_idx = i;
    double kept_base = NAN; /* a kept ref's median, as the table showed it */
    if (ref_idx >= 0 && resumed(s, m, ref_idx) && resumed(s, m, ref_idx)->status == EB_RESULT_OK)
        kept_base = resumed(s, m, ref_idx)->latency.median;
    bool ref_kept;
    if (resume_model(s, m, ref_idx, &ref_kept, done))
        return;
    if (eb_farm_deadline_passed(&s->farm)) { /* --deadline: nothing of this model starts */
        for (int i = 0; i < s->variants.n; i++)
            if (resumed(s, m, i))
                record_resumed(s, m, i, NAN, done);
            else
                deadline_skip(s, m, &proto, i, done);
        return;
    }
    if (s->processes > 1 && ref_idx >= 0) {
        run_model_processes(s, m, &proto, ref_idx, ref_kept ? kept_base : NAN, ref_kept, done);
        return;
    }
    eb_variant ref = eb_variant_default("ref");
    eb_result base = proto;
    double base_cooled = eb_cooldown_wait(&s->cooldown, stop_on_interrupt, NULL);
    if (eb_interrupted())
        return;
    if (s->processes > 1) { /* a silent baseline, then the variants in K processes each */
        eb_progress_begin(&s->progress, info->name, NULL, *done + 1);
        run_variant(s, info->path, &ref, true, &base);
        eb_progress_end(&s->progress, false);
        eb_result_free(&base);
        run_model_processes(s, m, &proto, -1, NAN, false, done);
        return;
    }
    eb_progress_begin(&s->progress, info->name, ref_idx >= 0 && !ref_kept ? ref.spec : NULL, *done + 1);
    run_variant(s, info->path, &ref, true, &base);
    base.noise.cooldown_s = base_cooled;
    eb_progress_end(&s->progress, ref_idx >= 0 && !ref_kept);
    eb_task_metric base_task = base.task;
    if (base_task.available) {
        base.task.has_delta = true;
        base.task.delta = 0;
    }
    double base_median = base.status == EB_RESULT_OK && base.n_samples > 0 ? base.latency.median : NAN;
    if (!isnan(kept_base))
        base_median = kept_base;
    if (ref_idx >= 0 && !ref_kept) {
        (*done)++;
        record(s, &base, base_median);
    } else {
        eb_result_free(&base); /* a silent baseline is not recorded, even when interrupted */
    }

    for (int i = 0; i < s->variants.n && !eb_interrupted(); i++) {
        if (i == ref_idx)
            continue;
        if (resumed(s, m, i)) {
            record_resumed(s, m, i, base_median, done);
            continue;
        }
        if (deadline_skip(s, m, &proto, i, done))
            continue;
        eb_result r = proto;
        double cooled = eb_cooldown_wait(&s->cooldown, stop_on_interrupt, NULL);
        if (eb_interrupted())
            break;
        eb_progress_begin(&s->progress, info->name, s->variants.items[i].spec, ++*done);
        run_variant(s, info->path, &s->variants.items[i], false, &r);
        r.noise.cooldown_s = cooled;
        eb_progress_end(&s->progress, true);
        if (r.task.available && base_task.available && r.task.count == base_task.count) {
            r.task.has_delta = true;
            r.task.delta = r.task.value - base_task.value;
        }
        record(s, &r, base_median);
    }
}

/* After Ctrl-C: the line that says what was kept. */
static void report_interrupted(const sweep *s, bool written)
{
    const char *plural = s->n_results == 1 ? "" : "s";
    if (written && s->out.kind == EB_OUTPUT_FILE)
        eb_cli_error("interrupted; %d result%s written to %s", s->n_results, plural, s->out.path);
    else if (written)
        eb_cli_error("interrupted; %d result%s written", s->n_results, plural);
    else
        eb_cli_error("interrupted; %d result%s (no -o file)", s->n_results, plural);
}

/* Opens where records go as they finish (FILE.jsonl, or the -o path
 * itself for jsonl, or stdout), before any work: a path that cannot be
 * written stops the run now.  False (with a message) when it cannot. */
static bool open_records(sweep *s)
{
    if (s->out.kind == EB_OUTPUT_STDOUT && s->out.format == EB_FMT_JSONL) {
        s->jsonl = stdout;
        return true;
    }
    if (!*s->out.records)
        return true;
    eb_err err = {{0}};
    if (eb_file_is_stream(s->out.records)) { /* -o /dev/stdout --format jsonl, a FIFO */
        if (!(s->jsonl = eb_file_open_stream(s->out.records))) {
            eb_cli_error("%s: cannot write: %s", s->out.records, strerror(errno));
            return false;
        }
    } else if (eb_file_replace_open(&s->jsonl_file, s->out.records, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        return false;
    } else {
        s->jsonl = s->jsonl_file.f;
    }
    /* one write() per record (each is flushed whole): a kill cuts at most
     * the line being written, and then only a line over the buffer */
    setvbuf(s->jsonl, NULL, _IOFBF, 1 << 20);
    /* the records --resume keeps come first, so that the new file holds
     * them before it replaces the old one (which may be where they came from) */
    for (int k = 0; s->resumed && k < s->n_models * s->variants.n; k++)
        if (s->resumed[k] && eb_emit_jsonl_record(s->jsonl, &s->prov, s->resumed[k], &err) != EB_OK) {
            eb_cli_error("%s", err.msg);
            return false;
        }
    if (s->jsonl_file.f && eb_file_replace_publish(&s->jsonl_file, &err) != EB_OK) {
        s->jsonl = NULL;
        eb_cli_error("%s", err.msg);
        return false;
    }
    return true;
}

/* --resume: which variants of which models need not run again (a model
 * that cannot be measured keeps none). */
static bool plan_resume(sweep *s, const char *path)
{
    eb_err err = {{0}};
    const char **shas = calloc((size_t)s->n_models, sizeof *shas);
    for (int m = 0; shas && m < s->n_models; m++)
        shas[m] = s->states[m].usable ? s->infos[m].sha256 : NULL;
    eb_status st = shas ? eb_resume_plan(path, shas, s->n_models, &s->variants, &s->resume, &s->resumed, &err)
                        : eb_errf(&err, EB_ENOMEM, "out of memory");
    free(shas);
    if (st != EB_OK)
        eb_cli_error("%s", err.msg);
    return st == EB_OK;
}

/* 3 (partial) when a variant failed, crashed or timed out, when a model
 * could not be measured at all, or when nothing ran; else 0. */
static int exit_status(const sweep *s)
{
    bool any_ok = false;
    for (int i = 0; i < s->n_results; i++) {
        eb_result_status st = s->results[i].status;
        if (st == EB_RESULT_FAILED || st == EB_RESULT_CRASHED || st == EB_RESULT_TIMEOUT || st == EB_RESULT_DEADLINE)
            return EB_EXIT_PARTIAL;
        any_ok = any_ok || st == EB_RESULT_OK;
    }
    for (int m = 0; m < s->n_models; m++)
        if (!s->states[m].usable)
            return EB_EXIT_PARTIAL;
    return any_ok ? EB_EXIT_OK : EB_EXIT_PARTIAL;
}

/* --mem-limit (or its default) into s->opts.mem_limit and its record;
 * false (with a message) on a bad SIZE. */
static bool set_mem_limit(sweep *s, const char *arg)
{
    eb_err err = {{0}};
    if (eb_mem_limit_choose(arg, s->opts.isolate, &s->opts.mem_limit, s->mem_limit_desc, sizeof s->mem_limit_desc,
                            &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        return false;
    }
    return true;
}

/* The run's settings as the document records them (run.settings). */
static eb_run_settings settings_of(const eb_run_opts *o)
{
    return (eb_run_settings){.runs = o->runs,
                             .warmup = o->warmup,
                             .min_time_s = o->min_time_s,
                             .max_time_s = o->max_time_s,
                             .timeout_s = o->timeout_s,
                             .cv_threshold = o->cv_threshold,
                             .isolated = o->isolate,
                             .inputs_dir = o->inputs_dir,
                             .eval_images = o->eval_count};
}

/* The final document, unless records were the output (jsonl). */
static eb_status write_document(sweep *s)
{
    if (s->out.kind == EB_OUTPUT_NONE || s->out.format == EB_FMT_JSONL)
        return EB_OK;
    eb_err err = {{0}};
    eb_run_settings settings = settings_of(&s->opts);
    settings.processes = s->processes;
    settings.mem_limit_bytes = s->opts.mem_limit;
    settings.mem_limit = s->mem_limit_desc;
    eb_report_doc doc = {&s->prov, &settings, s->infos, s->n_models, s->results, s->n_results};
    eb_status st = s->out.kind == EB_OUTPUT_STDOUT ? eb_emit_stream(stdout, s->out.format, &doc, &err)
                                                   : eb_emit_file(s->out.path, s->out.format, &doc, &err);
    if (st != EB_OK)
        eb_cli_error("%s", err.msg);
    return st;
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
        {"profile", no_argument, 0, 'P'}, {"calib", required_argument, 0, 'C'},
        {"save-model", required_argument, 0, 'X'},
        {"layers", no_argument, 0, 'L'}, {"layers-threshold", required_argument, 0, 'T'},
        {"sensitivity", no_argument, 0, 'Y'}, {"power-table", required_argument, 0, 'W'},
        {"pin", required_argument, 0, 0x4e01}, {"cooldown", required_argument, 0, 0x4e02},
        {"audit", required_argument, 0, 0x4e03},
        {"out-dir", required_argument, 0, 0x4e04}, {"deadline", required_argument, 0, 0x4e05},
        {"processes", required_argument, 0, 'K'},
        {"resume", required_argument, 0, 'R'}, {"mem-limit", required_argument, 0, 'G'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    sweep s = {.opts = {.runs = 10, .warmup = 2, .max_time_s = 60, .timeout_s = 120, .cv_threshold = 0.05,
                        .seed = 1, .isolate = true, .eval_count = 1000, .min_time_s = 1,
                        .calib_count = 100, .layers_threshold = EB_LAYER_DRIFT_THRESHOLD},
               .table_out = stdout, .processes = 1};
    const char *out_path = NULL, *format_arg = NULL, *resume_path = NULL, *mem_arg = NULL;
    const char *pin_arg = NULL; /* --pin, checked once the options are read */
    int pin_count = 0;
    dim_check dims = {0};
    int64_t seed = 1, processes = 1;
    double cv_pct = 5;
    char **default_models = NULL;
    int rc = EB_EXIT_USAGE, c;
    eb_err err = {{0}};
    const char *results_written = NULL; /* for the EDGEBENCH_DONE line */
    bool swept = false;
    eb_farm_begin(&s.farm, argc, argv); /* the --deadline clock starts here */
    optind = 0; /* glibc: rescan from the start */
    while ((c = getopt_long(argc, argv, ":v:n:o:h", long_opts, NULL)) != -1) {
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
        case 'X': s.opts.save_model_dir = optarg; break;
        case 'o': out_path = optarg; break;
        case 'f': format_arg = optarg; break;
        case 'R': resume_path = optarg; break;
        case 'G': mem_arg = optarg; break;
        case 'b': ok = eb_cli_parse_int("--batch", optarg, 1, INT64_C(1) << 30, &s.opts.shape.batch); break;
        case 'd': ok = eb_cli_parse_dim(optarg, &s.opts.shape); break;
        case 'I': s.opts.isolate = false; break;
        case 'P': s.opts.profile = true; break;
        case 'L': s.opts.layers = true; break;
        case 'T': ok = eb_cli_parse_double("--layers-threshold", optarg, 0, 1e30, &s.opts.layers_threshold); break;
        case 'Y': s.opts.sensitivity = true; break;
        case 'K': ok = eb_cli_parse_int("--processes", optarg, 1, EB_RESULT_MAX_PROCESSES, &processes); break;
        case 'W': /* the energy estimate's DVFS table (bench/energy_dvfs.c), as EB_POWER_TABLE: recorded with the environment */
            if (access(optarg, R_OK) != 0) {
                eb_cli_error("--power-table %s: %s", optarg, strerror(errno));
                ok = false;
            } else {
                setenv("EB_POWER_TABLE", optarg, 1);
            }
            break;
        case 'C': ok = eb_cli_parse_int("--calib", optarg, 1, 60000, &s.opts.calib_count); break;
        case 'e':
            if (strcmp(optarg, "all") == 0)
                s.opts.eval_count = INT64_MAX;
            else
                ok = eb_cli_parse_int("--eval", optarg, 0, INT64_MAX, &s.opts.eval_count);
            break;
        case 0x4e01: pin_arg = optarg; break;
        case 0x4e02: ok = eb_cli_parse_double("--cooldown", optarg, 0, 1e6, &s.cooldown.seconds); break;
        case 0x4e03:
            if (!(ok = strcmp(optarg, "cache") == 0))
                eb_cli_error("--audit %s: unknown audit (known: cache)", optarg);
            s.opts.audit_cache = ok;
            break;
        case 0x4e04: s.farm.out_dir = optarg; break;
        case 0x4e05: ok = eb_cli_parse_double("--deadline", optarg, 1e-3, 1e9, &s.farm.deadline_s); break;
        case 'h': fputs(USAGE, stdout); rc = EB_EXIT_OK; goto out;
        default: eb_cli_bad_option("run", c, long_opts, argv); goto out;
        }
        if (!ok)
            goto out;
    }
    s.opts.seed = (uint64_t)seed;
    s.processes = (int)processes;
    if (s.processes > 1 && !s.opts.isolate) {
        eb_cli_error("--processes %d needs each variant in its own process: it cannot go with --no-isolate",
                     s.processes);
        goto out;
    }
    s.opts.cv_threshold = cv_pct / 100;
    if (!set_mem_limit(&s, mem_arg))
        goto out;
    if (s.variants.n == 0 && eb_variant_parse("ref", &s.variants, &err) != EB_OK)
        goto out;
    eb_status farm_st = eb_farm_resolve(&s.farm, format_arg, &out_path, &s.opts.save_outputs_dir,
                                        &s.opts.save_model_dir, &err);
    if (farm_st != EB_OK) {
        eb_cli_error("%s", err.msg);
        rc = farm_st == EB_EIO ? EB_EXIT_ENV : EB_EXIT_USAGE;
        goto out;
    }
    eb_farm_input(&s.farm, &resume_path);
    if (eb_output_resolve(out_path, format_arg, &s.out, &err) != EB_OK ||
        eb_run_check_runners(&s.variants, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        goto out;
    }
    if (pin_arg && eb_pin_check(pin_arg, s.opts.pin, sizeof s.opts.pin, &pin_count, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        goto out;
    }
    if (s.out.kind == EB_OUTPUT_STDOUT)
        s.table_out = stderr; /* stdout carries the document */
    /* before the first fork: the variants' processes share the progress
     * page (the number of variants is set once the models are known) */
    eb_progress_init(&s.progress, 0, s.opts.runs, s.opts.min_time_s, s.opts.max_time_s);
    /* every variant's process is forked by the launcher, a copy of this
     * process as it is now: before any model or dataset is loaded */
    if (s.opts.isolate && eb_isolate_start(&err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        rc = EB_EXIT_ENV;
        goto out;
    }

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
    for (int m = 0; m < s.n_models; m++)
        if (eb_run_check_model_ref(s.models[m], &err) != EB_OK) {
            eb_cli_error("%s", err.msg);
            goto out;
        }
    if (s.opts.save_outputs_dir && mkdir(s.opts.save_outputs_dir, 0777) != 0 && errno != EEXIST) {
        eb_cli_error("--save-outputs %s: %s", s.opts.save_outputs_dir, strerror(errno));
        goto out;
    }
    if (s.opts.save_model_dir && mkdir(s.opts.save_model_dir, 0777) != 0 && errno != EEXIST) {
        eb_cli_error("--save-model %s: %s", s.opts.save_model_dir, strerror(errno));
        goto out;
    }
    s.infos = calloc((size_t)s.n_models, sizeof *s.infos);
    s.states = calloc((size_t)s.n_models, sizeof *s.states);
    s.results = calloc((size_t)s.n_models * (size_t)(s.variants.n + 1), sizeof *s.results);
    if (!s.infos || !s.states || !s.results) {
        eb_cli_error("out of memory");
        rc = EB_EXIT_ENV;
        goto out;
    }
    for (int m = 0; m < s.n_models; m++)
        if (!describe_model(s.models[m], &s.opts, &s.variants, &s.infos[m], &s.states[m], &dims))
            goto out;
    if (eb_run_check_dims(&s.opts.shape, dims.used, dims.seen, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        goto out;
    }
    s.cpus = eb_run_usable_cpus();
    if (s.opts.pin[0])
        s.cpus = pin_count; /* the variants' CPUs: --pin's */
    eb_run_warn_threads(&s.variants, s.cpus);
    eb_env_checks_read(s.opts.pin, (int)getpid(), &s.env); /* once, before any variant (env_checks.h) */
    eb_env_checks_print(stderr, &s.env);

    eb_provenance_get(&s.prov, argc, argv, s.opts.seed);
    s.prov.env.profiling = s.opts.profile;
    if (resume_path && !plan_resume(&s, resume_path))
        goto out;
    if (!open_records(&s))
        goto out;
    char tmp[4096]; /* the baselines' outputs; in $TMPDIR, as mktemp(1) would */
    const char *tmpdir = getenv("TMPDIR");
    bool usable_tmpdir = tmpdir && *tmpdir == '/' && strlen(tmpdir) < 400 && !strchr(tmpdir, '\''); /* see remove_tree */
    snprintf(tmp, sizeof tmp, "%s/edgebench-XXXXXX", usable_tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(tmp)) {
        eb_cli_error("cannot create a temporary folder: %s", strerror(errno));
        rc = EB_EXIT_ENV;
        goto out;
    }
    int done = 0;
    s.progress.total = s.n_models * s.variants.n * s.processes;
    s.opts.on_wait = sweep_wait;
    s.opts.on_wait_ctx = &s.progress;
    eb_interrupt_install();
    eb_table_init(&s.table, s.infos, s.n_models, s.opts.cv_threshold);
    for (int i = 0; i < s.variants.n; i++)
        eb_table_fit_variant(&s.table, s.variants.items[i].spec);
    eb_emit_table_header(s.table_out, &s.table);
    for (int m = 0; m < s.n_models; m++)
        run_model(&s, m, tmp, &done);
    /* interrupted: the records --resume kept that the sweep had not reached
     * are finished results all the same */
    for (int k = 0; s.resumed && k < s.n_models * s.variants.n; k++)
        if (s.resumed[k])
            record_resumed(&s, k / s.variants.n, k % s.variants.n, NAN, &done);
    eb_progress_clear(&s.progress);
    eb_emit_table_footer(s.table_out, &s.table);
    remove_tree(tmp);

    rc = exit_status(&s);
    bool written = write_document(&s) == EB_OK;
    if (!written)
        rc = EB_EXIT_ENV;
    swept = true;
    if (written && s.out.kind == EB_OUTPUT_FILE && s.out.format != EB_FMT_JSONL)
        results_written = s.out.path;
    if (eb_interrupted()) {
        report_interrupted(&s, written && s.out.kind != EB_OUTPUT_NONE);
        if (rc != EB_EXIT_ENV)
            rc = EB_EXIT_INTERRUPTED;
    }
out:
    eb_isolate_stop();
    if (s.jsonl_file.f) {
        if (eb_file_replace_commit(&s.jsonl_file, &err) != EB_OK)
            eb_cli_error("%s", err.msg);
        else if (swept && s.out.kind == EB_OUTPUT_FILE && s.out.format == EB_FMT_JSONL)
            results_written = s.out.path; /* jsonl: the records file is the document */
    } else if (s.jsonl && s.jsonl != stdout) {
        fclose(s.jsonl);
    }
    eb_resume_free(&s.resume);
    free(s.resumed);
    for (int i = 0; i < s.n_results; i++)
        eb_result_free(&s.results[i]);
    free(s.results);
    free(s.infos);
    free(s.states);
    for (int i = 0; default_models && i < s.n_models; i++)
        free(default_models[i]);
    free(default_models);
    eb_variant_list_free(&s.variants);
    if (s.farm.out_dir)
        eb_farm_done(stdout, rc, results_written);
    return rc;
}
