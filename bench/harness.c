/* harness.c - the measurement of one (model, variant), in this process.
 *
 * Order of work: reset the peak-RSS mark, load and infer, ask the runner,
 * build inputs, prepare (timed once), warm up, time each inference alone
 * with the monotonic clock, then compare the last outputs with the
 * baseline's and read the peak resident set.  Only the inference itself is
 * inside the timed region. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/harness.h"
#include "bench/inputs.h"
#include "models/onnx_tensor.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Linux keeps a high-water mark of the resident set (VmHWM); writing 5 to
 * clear_refs resets it, so that the mark covers this variant only and not
 * what the parent had touched before fork. */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

static void read_peak_rss(eb_result *res)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) {
            res->peak_rss_bytes = kb * 1024;
            snprintf(res->peak_rss_source, sizeof res->peak_rss_source, "VmHWM");
        }
    }
    if (f)
        fclose(f);
    if (!res->peak_rss_bytes) { /* no /proc: the lifetime peak is the best there is */
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) == 0) {
            res->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024;
            snprintf(res->peak_rss_source, sizeof res->peak_rss_source, "ru_maxrss");
        }
    }
}

/* Test-only fault switch: EB_TEST_FAULT=crash:MODEL/SPEC, hang:MODEL/SPEC
 * or fail:MODEL/SPEC makes that (model name, canonical variant) misbehave,
 * so that tests can prove a sweep survives it. */
static bool inject_fault(const eb_variant *v, eb_result *res)
{
    const char *f = getenv("EB_TEST_FAULT");
    const char *colon = f ? strchr(f, ':') : NULL;
    char key[512];
    snprintf(key, sizeof key, "%s/%s", res->model_name, v->spec);
    if (!colon || strcmp(colon + 1, key) != 0)
        return false;
    if (strncmp(f, "crash:", 6) == 0) {
        signal(SIGSEGV, SIG_DFL); /* a real crash even under ASan, which catches SIGSEGV */
        raise(SIGSEGV);
    }
    if (strncmp(f, "hang:", 5) == 0)
        for (;;)
            pause();
    res->status = EB_RESULT_FAILED;
    snprintf(res->error, sizeof res->error, "injected failure (EB_TEST_FAULT)");
    return true;
}

/* Writes outputs as output_N.pb into dir (created). */
static eb_status save_outputs(const eb_graph *g, const eb_tensor *out, const char *dir, eb_err *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return eb_errf(err, EB_EIO, "%s: cannot create: %s", dir, strerror(errno));
    for (int i = 0; i < g->n_outputs; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/output_%d.pb", dir, i);
        eb_status st = eb_tensor_save_pb(path, &out[i], g->values[g->outputs[i]].name, err);
        if (st != EB_OK)
            return st;
    }
    return EB_OK;
}

static void measure_drift(const eb_graph *g, const eb_tensor *out, const char *dir, eb_result *res)
{
    eb_tensor *base = calloc((size_t)g->n_outputs + 1, sizeof *base);
    eb_err err = {{0}};
    int loaded = 0;
    bool ok = base != NULL;
    for (; ok && loaded < g->n_outputs; loaded++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/output_%d.pb", dir, loaded);
        ok = eb_tensor_load_pb(path, &base[loaded], NULL, &err) == EB_OK;
    }
    if (ok) {
        eb_drift_compute(out, base, g->n_outputs, &res->drift);
    } else {
        res->drift.available = false;
        snprintf(res->drift.reason, sizeof res->drift.reason, "baseline outputs unavailable (the ref baseline did not complete)");
    }
    if (base)
        eb_inputs_free(base, loaded);
    free(base);
}

/* The timed loop: at least o->runs samples and o->min_time_s seconds,
 * stopping at o->max_time_s. */
static eb_status time_runs(const eb_runner *r, eb_plan *plan, const eb_tensor *in, eb_tensor *out,
                           const eb_run_opts *o, eb_result *res, eb_err *err)
{
    for (int64_t i = 0; i < o->warmup; i++) {
        eb_status st = r->run(plan, in, out, err);
        if (st != EB_OK)
            return st;
    }
    int cap = 64;
    res->samples_ms = malloc((size_t)cap * sizeof *res->samples_ms);
    if (!res->samples_ms)
        return eb_errf(err, EB_ENOMEM, "out of memory for samples");
    double start = now_s(), spent = 0;
    while (res->n_samples < o->runs || spent < o->min_time_s) {
        if (spent >= o->max_time_s && res->n_samples > 0) {
            res->hit_max_time = true;
            break;
        }
        if (res->n_samples == cap) {
            double *grown = realloc(res->samples_ms, (size_t)cap * 2 * sizeof *grown);
            if (!grown)
                return eb_errf(err, EB_ENOMEM, "out of memory for samples");
            res->samples_ms = grown;
            cap *= 2;
        }
        double t0 = now_s();
        eb_status st = r->run(plan, in, out, err);
        double t1 = now_s();
        if (st != EB_OK)
            return st;
        res->samples_ms[res->n_samples++] = (t1 - t0) * 1e3;
        spent = t1 - start;
    }
    eb_latency_summarize(res->samples_ms, res->n_samples, o->cv_threshold, &res->latency);
    return EB_OK;
}

static void fail(eb_result *res, eb_status st, const eb_err *err)
{
    res->status = st == EB_EUNSUPPORTED ? EB_RESULT_UNSUPPORTED : EB_RESULT_FAILED;
    snprintf(res->error, sizeof res->error, "%s", err->msg);
}

void eb_harness_run(const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                    eb_result *res)
{
    eb_err err = {{0}};
    eb_graph *g = NULL;
    eb_plan *plan = NULL;
    eb_tensor *in = NULL, *out = NULL;
    int n_in = 0, n_out = 0;
    const eb_runner *r = eb_runner_find(v->runner);
    const eb_zoo_entry *zoo = NULL;
    eb_dataset ds = {0};
    eb_tensor *evals = NULL;
    char sha[65];
    eb_status st;

    reset_peak_rss();
    res->variant = *v;
    snprintf(res->device, sizeof res->device, "cpu");
    snprintf(res->inputs, sizeof res->inputs, "%s", o->inputs_dir ? "files" : "random");
    res->warmup = (int)o->warmup;
    res->is_baseline = write_baseline;
    if (!r) {
        res->status = EB_RESULT_UNSUPPORTED;
        int off = snprintf(res->error, sizeof res->error, "runner '%s' is not built into this binary (built:", v->runner);
        for (int i = 0; i < eb_runner_count() && off > 0 && off < (int)sizeof res->error; i++)
            off += snprintf(res->error + off, sizeof res->error - (size_t)off, " %s", eb_runner_at(i)->name);
        if (off > 0 && off < (int)sizeof res->error)
            snprintf(res->error + off, sizeof res->error - (size_t)off, ")");
        return;
    }
    if ((st = eb_model_load(model_path, &g, sha, &err)) != EB_OK ||
        (o->inputs_dir && (st = eb_inputs_bind_files(g, o->inputs_dir, &err)) != EB_OK) ||
        (st = eb_graph_infer_shapes(g, &o->shape, eb_ref_eval, &err)) != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    eb_graph_cost(g, &res->cost, NULL);
    char why[512];
    if (!r->supports(g, v, why, sizeof why)) {
        res->status = EB_RESULT_UNSUPPORTED;
        snprintf(res->error, sizeof res->error, "%s", why);
        goto done;
    }
    if (inject_fault(v, res))
        goto done;

    /* a zoo model is timed and compared on its real test images */
    if (o->eval_count > 0 && !o->inputs_dir && (zoo = eb_zoo_find(sha)) != NULL &&
        eb_evaluate_open(zoo, &ds, &err) != EB_OK) {
        snprintf(res->task.reason, sizeof res->task.reason, "%s", err.msg);
        zoo = NULL;
    }
    in = calloc((size_t)g->n_inputs + 1, sizeof *in);
    out = calloc((size_t)g->n_outputs + 1, sizeof *out);
    evals = calloc((size_t)g->n_outputs + 1, sizeof *evals);
    if (!in || !out || !evals) {
        fail(res, eb_errf(&err, EB_ENOMEM, "out of memory"), &err);
        goto done;
    }
    n_in = g->n_inputs; /* calloc'd: freeing unfilled ones is harmless */
    if (o->inputs_dir) {
        st = eb_inputs_load_files(g, o->inputs_dir, in, &err);
    } else if (zoo) {
        snprintf(res->inputs, sizeof res->inputs, "dataset");
        eb_tensor_copy_meta(&in[0], &g->values[g->inputs[0]].t);
        if ((st = eb_tensor_alloc(&in[0], "input", &err)) == EB_OK)
            st = eb_evaluate_first_batch(g, zoo, &ds, in, &err);
    } else {
        st = eb_inputs_random(g, o->seed, in, &err);
    }
    if (st != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    for (; n_out < g->n_outputs; n_out++) {
        eb_tensor_copy_meta(&out[n_out], &g->values[g->outputs[n_out]].t);
        if ((st = eb_tensor_alloc(&out[n_out], g->values[g->outputs[n_out]].name, &err)) != EB_OK) {
            fail(res, st, &err);
            goto done;
        }
    }
    double t0 = now_s();
    if ((st = r->prepare(g, v, &plan, &err)) != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    res->prepare_ms = (now_s() - t0) * 1e3;
    eb_plan_info info = {0};
    r->info(plan, &info);
    res->weight_bytes = info.weight_bytes;
    res->activation_bytes = info.activation_bytes;
    snprintf(res->fallbacks, sizeof res->fallbacks, "%s", info.fallbacks);

    if ((st = time_runs(r, plan, in, out, o, res, &err)) != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    double median_s = res->latency.median * 1e-3;
    if (median_s > 0) {
        res->gflops_per_s = (double)res->cost.flops / median_s * 1e-9;
        res->gbytes_per_s = (double)res->cost.bytes_moved / median_s * 1e-9;
    }
    /* drift is measured on every evaluated image when there is a dataset */
    const eb_tensor *compared = out;
    if (zoo) {
        if ((st = eb_evaluate(r, plan, g, zoo, &ds, o->eval_count, evals, &res->task, &err)) != EB_OK) {
            fail(res, st, &err);
            goto done;
        }
        compared = evals;
    }
    if (o->baseline_dir && write_baseline)
        st = save_outputs(g, compared, o->baseline_dir, &err);
    else if (o->baseline_dir)
        measure_drift(g, compared, o->baseline_dir, res);
    else
        snprintf(res->drift.reason, sizeof res->drift.reason, "no baseline");
    if (st == EB_OK && o->save_outputs_dir) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", o->save_outputs_dir, res->model_name);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            st = eb_errf(&err, EB_EIO, "%s: cannot create: %s", dir, strerror(errno));
        /* one folder per variant, named by its spec (':' and ',' are fine in names) */
        snprintf(dir, sizeof dir, "%s/%s/%s", o->save_outputs_dir, res->model_name, v->spec);
        if (st == EB_OK)
            st = save_outputs(g, out, dir, &err);
    }
    if (st != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    read_peak_rss(res);
    res->status = EB_RESULT_OK;
done:
    if (plan)
        r->release(plan);
    if (in)
        eb_inputs_free(in, n_in);
    if (out)
        eb_inputs_free(out, n_out);
    if (evals)
        eb_inputs_free(evals, g->n_outputs);
    free(in);
    free(out);
    free(evals);
    eb_dataset_free(&ds);
    eb_graph_free(g);
}
