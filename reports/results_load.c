/* results_load.c - result files (JSON document or JSON Lines) back into
 * eb_result records, with cJSON.  The inverse of emit_json.c. */
#include "reports/json_num.h"
#include "reports/results_load.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/onnx_tensor.h"
#include "reports/emit.h"
#include "reports/counters_json.h"
#include "reports/layers_json.h"
#include "reports/noise_json.h"
#include "reports/processes.h"

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static double num(const cJSON *o, const char *k, double def)
{
    const cJSON *v = get(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static void str(char *dst, size_t n, const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static bool parse_status(const char *s, eb_result_status *out)
{
    for (int i = EB_RESULT_OK; i <= EB_RESULT_DEADLINE; i++)
        if (strcmp(s, eb_result_status_name((eb_result_status)i)) == 0) {
            *out = (eb_result_status)i;
            return true;
        }
    return false;
}

/* Copies s into dst[n], ending it in "..." when it does not fit (as the
 * runners cut a unit's name). */
static void copy_cut(char *dst, size_t n, const char *s)
{
    size_t len = strlen(s);
    if (len < n) {
        memcpy(dst, s, len + 1);
        return;
    }
    memcpy(dst, s, n - 4);
    memcpy(dst + n - 4, "...", 4);
}

/* "profiled" and "profile" (--profile); a node's share is recomputed from ms */
static eb_status parse_profile(const cJSON *o, const char *where, eb_result *r, eb_err *err)
{
    const cJSON *p = get(o, "profile"), *nodes = get(p, "nodes"), *n;
    r->profiled = cJSON_IsTrue(get(o, "profiled"));
    r->profile_passes = eb_json_int(num(p, "passes", 0), 0);
    r->profile_pass_ms = num(p, "pass_ms", NAN);
    str(r->profile_reason, sizeof r->profile_reason, p, "reason");
    int count = cJSON_GetArraySize(nodes);
    if (count <= 0)
        return EB_OK;
    if (!(r->profile = calloc((size_t)count, sizeof *r->profile)))
        return eb_errf(err, EB_ENOMEM, "%s: out of memory", where);
    cJSON_ArrayForEach(n, nodes)
    {
        const cJSON *name = get(n, "name"), *op = get(n, "op");
        eb_profile_node *t = &r->profile[r->n_profile++];
        copy_cut(t->name, sizeof t->name, cJSON_IsString(name) ? name->valuestring : "");
        copy_cut(t->op, sizeof t->op, cJSON_IsString(op) ? op->valuestring : "");
        t->ms = num(n, "ms", NAN);
    }
    return EB_OK;
}

static bool parse_energy_kind(const char *s, eb_energy_kind *out)
{
    for (int i = EB_ENERGY_UNAVAILABLE; i <= EB_ENERGY_ESTIMATED; i++)
        if (strcmp(s, eb_energy_kind_name((eb_energy_kind)i)) == 0) {
            *out = (eb_energy_kind)i;
            return true;
        }
    return false;
}

/* "energy": a figure only with a kind that has one and a finite number;
 * otherwise unavailable, or the kind without a figure, and why */
static void parse_energy(const cJSON *en, eb_result *r)
{
    eb_energy *e = &r->energy;
    const cJSON *kind = get(en, "kind"), *j = get(en, "joules_per_inference");
    e->kind = EB_ENERGY_UNAVAILABLE;
    e->joules_per_inference = NAN;
    str(e->source, sizeof e->source, en, "source");
    str(e->reason, sizeof e->reason, en, "reason");
    /* method, band and validity (absent before the meters and estimators: a
     * figure of an older file counts as valid, without a band) */
    str(e->method, sizeof e->method, en, "method");
    const cJSON *band = get(en, "band"), *valid = get(en, "valid"), *rel = get(en, "relative_only");
    e->band.low = num(band, "low", NAN);
    e->band.high = num(band, "high", NAN);
    e->net_joules_per_inference = num(en, "net_joules_per_inference", NAN);
    e->valid = !cJSON_IsBool(valid) || cJSON_IsTrue(valid);
    e->relative_only = cJSON_IsTrue(rel);
    const cJSON *win = get(en, "window");
    if (cJSON_IsObject(win)) {
        e->window.present = true;
        e->window.seconds = num(win, "seconds", NAN);
        e->window.inferences = eb_json_i64(num(win, "inferences", 0), 0);
        e->window.extensions = eb_json_int(num(win, "extensions", 0), 0);
        e->window.idle_watts = num(win, "idle_watts", NAN);
        e->window.gross_j = num(win, "gross_j", NAN);
        e->window.net_j = num(win, "net_j", NAN);
        e->window.updates = eb_json_int(num(win, "updates", 0), 0);
        e->window.interval_ms = num(win, "interval_ms", NAN);
    }
    if (!cJSON_IsString(kind)) {
        snprintf(e->reason, sizeof e->reason, "not recorded");
        return;
    }
    if (!parse_energy_kind(kind->valuestring, &e->kind)) {
        snprintf(e->reason, sizeof e->reason, "unknown energy kind \"%.100s\"", kind->valuestring);
        return;
    }
    if (e->kind == EB_ENERGY_UNAVAILABLE)
        return;
    if (cJSON_IsNumber(j) && isfinite(j->valuedouble))
        e->joules_per_inference = j->valuedouble;
    else
        snprintf(e->reason, sizeof e->reason, "recorded as %s without joules per inference", kind->valuestring);
}

/* latency.process_of_sample (--processes): the samples' worker processes
 * (reports/processes.h); tags that are not clean leave one process, and
 * with them the median's interval is the file's own. */
static eb_status load_processes(eb_result *r, const cJSON *lat)
{
    const cJSON *tags = get(lat, "process_of_sample"), *t;
    int n = cJSON_GetArraySize(tags);
    if (!cJSON_IsArray(tags) || n != r->n_samples || n < 1)
        return EB_OK;
    int *v = malloc((size_t)n * sizeof *v), i = 0;
    if (!v)
        return EB_ENOMEM;
    cJSON_ArrayForEach(t, tags) v[i++] = cJSON_IsNumber(t) && t->valuedouble >= 0 && t->valuedouble < 1e6 ? (int)t->valuedouble : -1;
    eb_processes_from_tags(r, v, n);
    free(v);
    const cJSON *ci = get(lat, "median_ci95");
    const cJSON *m = get(ci, "method");
    r->ci_hierarchical = r->n_processes > 1 && cJSON_IsString(m) && strcmp(m->valuestring, EB_CI_METHOD_HIERARCHICAL) == 0;
    return EB_OK;
}

static eb_status parse_result(const cJSON *o, const char *where, eb_result *r, eb_err *err)
{
    memset(r, 0, sizeof *r);
    const cJSON *v = get(o, "variant");
    char status[32];
    str(r->model_name, sizeof r->model_name, o, "model");
    str(r->model, sizeof r->model, o, "model_path");
    str(r->model_sha256, sizeof r->model_sha256, o, "model_sha256");
    str(r->finished_at, sizeof r->finished_at, o, "finished_at");
    str(status, sizeof status, o, "status");
    if (!*r->model_name || !cJSON_IsObject(v) || !parse_status(status, &r->status))
        return eb_errf(err, EB_EFORMAT, "%s: a result lacks model, variant or a known status", where);
    str(r->variant.spec, sizeof r->variant.spec, v, "spec");
    str(r->variant.runner, sizeof r->variant.runner, v, "runner");
    str(r->variant.prune, sizeof r->variant.prune, v, "prune");
    str(r->variant.quant, sizeof r->variant.quant, v, "quant");
    r->variant.threads = eb_json_int(num(v, "threads", 1), 0);
    r->variant.group = eb_json_int(num(v, "group", 32), 0);
    r->variant.device = eb_json_int(num(v, "device", 0), 0);
    r->variant.opt = eb_json_int(num(v, "opt", 2), 0); /* files from before the opt key: the default */
    str(r->variant.isa, sizeof r->variant.isa, v, "isa");
    if (!*r->variant.isa) /* files from before the isa key */
        snprintf(r->variant.isa, sizeof r->variant.isa, "auto");
    str(r->isa, sizeof r->isa, o, "isa");
    str(r->device, sizeof r->device, o, "device");
    str(r->device_name, sizeof r->device_name, o, "device_name");
    str(r->device_kind, sizeof r->device_kind, o, "device_kind");
    str(r->device_id, sizeof r->device_id, o, "device_id");
    str(r->error, sizeof r->error, o, "error");
    r->signal = eb_json_int(num(o, "signal", 0), 0);
    r->is_baseline = cJSON_IsTrue(get(o, "baseline"));
    str(r->fallbacks, sizeof r->fallbacks, o, "reference_fallbacks");
    str(r->fusions, sizeof r->fusions, o, "fusions");

    const cJSON *lat = get(o, "latency"), *samples = get(lat, "samples"), *s;
    r->warmup = eb_json_int(num(lat, "warmup", 0), 0);
    r->prepare_ms = num(lat, "prepare_ms", 0);
    r->hit_max_time = cJSON_IsTrue(get(lat, "hit_max_time"));
    r->hit_sample_cap = cJSON_IsTrue(get(lat, "hit_sample_cap"));
    int n = cJSON_GetArraySize(samples);
    if (n > 0) {
        if (!(r->samples_ms = malloc((size_t)n * sizeof *r->samples_ms)))
            return eb_errf(err, EB_ENOMEM, "%s: out of memory", where);
        cJSON_ArrayForEach(s, samples) r->samples_ms[r->n_samples++] = cJSON_IsNumber(s) ? s->valuedouble : NAN;
    }
    r->latency.n = r->n_samples;
    r->latency.min = num(lat, "min", NAN);
    r->latency.median = num(lat, "median", NAN);
    r->latency.mean = num(lat, "mean", NAN);
    r->latency.p90 = num(lat, "p90", NAN);
    r->latency.p99 = num(lat, "p99", NAN);
    r->latency.p90_available = isfinite(r->latency.p90); /* null: too few samples for it */
    r->latency.p99_available = isfinite(r->latency.p99);
    r->latency.max = num(lat, "max", NAN);
    r->latency.stddev = num(lat, "stddev", NAN);
    r->latency.cv = num(lat, "cv", NAN);
    r->latency.unstable = cJSON_IsTrue(get(lat, "unstable"));
    const cJSON *ci = get(lat, "median_ci95");
    if (cJSON_IsObject(ci)) {
        r->latency.ci_available = true;
        r->latency.ci_low = num(ci, "low", NAN);
        r->latency.ci_high = num(ci, "high", NAN);
        r->latency.ci_level = num(ci, "coverage", NAN);
    }
    if (load_processes(r, lat) != EB_OK)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory", where);

    const cJSON *acc = get(o, "accuracy"), *d = get(acc, "drift"), *t = get(acc, "task_metric");
    str(r->inputs, sizeof r->inputs, acc, "inputs");
    r->drift.available = cJSON_IsTrue(get(d, "available"));
    str(r->drift.reason, sizeof r->drift.reason, d, "reason");
    r->drift.max_abs = num(d, "max_abs", NAN);
    r->drift.mean_abs = num(d, "mean_abs", NAN);
    r->drift.rel_l2 = num(d, "rel_l2", NAN);
    r->drift.cosine = num(d, "cosine", NAN);
    r->drift.snr_db = cJSON_IsNull(get(d, "snr_db")) ? INFINITY : num(d, "snr_db", NAN);
    r->drift.has_top1 = cJSON_IsNumber(get(d, "top1_agreement"));
    r->drift.top1_agreement = num(d, "top1_agreement", NAN);
    if (cJSON_IsObject(t) && cJSON_IsNumber(get(t, "value"))) {
        r->task.available = true;
        str(r->task.metric, sizeof r->task.metric, t, "metric");
        str(r->task.dataset, sizeof r->task.dataset, t, "dataset");
        r->task.value = num(t, "value", NAN);
        r->task.correct = eb_json_i64(num(t, "correct", 0), 0);
        r->task.count = eb_json_i64(num(t, "count", 0), 0);
        r->task.has_delta = cJSON_IsNumber(get(t, "delta_vs_baseline"));
        r->task.delta = num(t, "delta_vs_baseline", 0);
        r->task.reference = num(t, "reference_full_test_set", -1);
    } else if (cJSON_IsObject(t)) {
        str(r->task.reason, sizeof r->task.reason, t, "reason");
    }

    const cJSON *mem = get(o, "memory"), *cost = get(o, "cost");
    r->peak_rss_bytes = eb_json_u64(num(mem, "peak_rss_bytes", 0), 0);
    str(r->peak_rss_source, sizeof r->peak_rss_source, mem, "peak_rss_source");
    r->weight_bytes = eb_json_u64(num(mem, "weight_bytes", 0), 0);
    r->activation_bytes = eb_json_u64(num(mem, "activation_bytes", 0), 0);
    r->scratch_bytes = eb_json_u64(num(mem, "scratch_bytes", 0), 0);
    r->rss_start_bytes = eb_json_u64(num(mem, "rss_start_bytes", 0), 0);
    r->rss_before_prepare_bytes = eb_json_u64(num(mem, "rss_before_prepare_bytes", 0), 0);
    r->peak_growth_known = cJSON_IsNumber(get(mem, "peak_growth_bytes"));
    r->peak_growth_bytes = eb_json_u64(num(mem, "peak_growth_bytes", 0), 0);
    str(r->peak_growth_reason, sizeof r->peak_growth_reason, mem, "peak_growth_reason");
    r->cost.params = eb_json_i64(num(cost, "params", 0), 0);
    r->cost.macs = eb_json_i64(num(cost, "macs", 0), 0);
    r->cost.macs_nonzero = eb_json_i64(num(cost, "macs_nonzero", (double)r->cost.macs), 0);
    r->cost.weight_bytes = eb_json_u64(num(cost, "weight_bytes", 0), 0);
    const cJSON *comp = get(o, "compression");
    str(r->compression.applied, sizeof r->compression.applied, comp, "applied");
    r->compression.bytes_before = eb_json_u64(num(comp, "bytes_before", 0), 0);
    r->compression.bytes_after = eb_json_u64(num(comp, "bytes_after", 0), 0);
    r->cost.flops = eb_json_i64(num(cost, "flops", 0), 0);
    r->cost.flops_nonzero = eb_json_i64(num(cost, "flops_nonzero", (double)r->cost.flops), 0);
    r->cost.bytes_moved = eb_json_u64(num(cost, "bytes_moved", 0), 0);
    r->gflops_per_s = num(cost, "gflops_per_s", NAN);
    r->gbytes_per_s = num(cost, "gbytes_per_s", NAN);
    parse_energy(get(o, "energy"), r);
    eb_counters_json_load(o, r);
    eb_noise_json_load(o, r);
    const cJSON *w;
    cJSON_ArrayForEach(w, get(o, "warnings")) if (cJSON_IsString(w)) eb_result_warn(r, "%s", w->valuestring);
    eb_status lst = eb_layers_json_load(o, r, err);
    if (lst != EB_OK)
        return lst;
    return parse_profile(o, where, r, err);
}

static eb_status add_result(eb_result_set *s, const cJSON *o, const char *where, eb_err *err)
{
    eb_result *grown = realloc(s->results, (size_t)(s->n + 1) * sizeof *grown);
    if (!grown)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory", where);
    s->results = grown;
    eb_status st = parse_result(o, where, &s->results[s->n], err);
    if (st == EB_OK)
        s->n++;
    return st;
}

static eb_status check_version(const cJSON *o, const char *where, eb_err *err)
{
    const cJSON *v = get(o, "schema_version");
    if (!cJSON_IsNumber(v))
        return eb_errf(err, EB_EFORMAT, "%s: no schema_version: not an edgebench result file", where);
    if (v->valueint != EB_SCHEMA_VERSION)
        return eb_errf(err, EB_EFORMAT, "%s: schema_version %d, this edgebench reads %d", where, v->valueint,
                       EB_SCHEMA_VERSION);
    return EB_OK;
}

/* A merged document (reports/merge.h): its time and tool are the merge's;
 * every result must name one of its devices. */
static eb_status load_merged(eb_result_set *s, const cJSON *doc, eb_err *err)
{
    const cJSON *merge = get(doc, "merge"), *devices = get(doc, "devices"), *results = get(doc, "results"), *r, *d;
    if (!cJSON_IsArray(devices) || !cJSON_IsArray(results) || !cJSON_IsObject(merge))
        return eb_errf(err, EB_EFORMAT, "%s: a merged document needs merge, devices and results", s->path);
    str(s->start_time, sizeof s->start_time, merge, "time");
    str(s->git_commit, sizeof s->git_commit, get(merge, "tool"), "git_commit");
    str(s->tool_version, sizeof s->tool_version, get(merge, "tool"), "version");
    s->n_devices = cJSON_GetArraySize(devices);
    snprintf(s->host, sizeof s->host, "%d devices", s->n_devices);
    cJSON_ArrayForEach(r, results)
    {
        eb_status st = add_result(s, r, s->path, err);
        if (st != EB_OK)
            return st;
        bool known = false;
        cJSON_ArrayForEach(d, devices)
        {
            const cJSON *id = get(d, "id");
            known = known || (cJSON_IsString(id) && strcmp(id->valuestring, s->results[s->n - 1].device_id) == 0);
        }
        if (!known)
            return eb_errf(err, EB_EFORMAT, "%s: a result of device \"%s\", which is not in its devices", s->path,
                           s->results[s->n - 1].device_id);
    }
    return EB_OK;
}

static eb_status load_document(eb_result_set *s, cJSON *doc, eb_err *err)
{
    eb_status st = check_version(doc, s->path, err);
    if (st != EB_OK)
        return st;
    const cJSON *run = get(doc, "run"), *tool = get(doc, "tool"), *dev = get(doc, "device");
    if (get(doc, "devices"))
        return load_merged(s, doc, err);
    str(s->start_time, sizeof s->start_time, run, "start_time");
    str(s->git_commit, sizeof s->git_commit, tool, "git_commit");
    str(s->tool_version, sizeof s->tool_version, tool, "version");
    str(s->host, sizeof s->host, dev, "hostname");
    str(s->cpu, sizeof s->cpu, get(dev, "cpu"), "brand");
    s->cv_threshold = num(get(run, "settings"), "cv_threshold", 0.05);
    const cJSON *results = get(doc, "results"), *r;
    if (!cJSON_IsArray(results))
        return eb_errf(err, EB_EFORMAT, "%s: no results array", s->path);
    cJSON_ArrayForEach(r, results)
    {
        if ((st = add_result(s, r, s->path, err)) != EB_OK)
            return st;
    }
    return EB_OK;
}

static eb_status load_lines(eb_result_set *s, char *text, eb_err *err)
{
    int line_no = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        line_no++;
        if (!*line)
            continue;
        char where[600];
        snprintf(where, sizeof where, "%s:%d", s->path, line_no);
        cJSON *o = cJSON_Parse(line);
        eb_status st = o ? check_version(o, where, err) : eb_errf(err, EB_EFORMAT, "%s: not valid JSON", where);
        if (st == EB_OK) {
            if (!*s->start_time) {
                str(s->start_time, sizeof s->start_time, o, "run_start_time");
                str(s->git_commit, sizeof s->git_commit, o, "git_commit");
                str(s->host, sizeof s->host, o, "host");
            }
            st = add_result(s, o, where, err);
        }
        cJSON_Delete(o);
        if (st != EB_OK)
            return st;
    }
    return EB_OK;
}

eb_status eb_results_load(const char *path, eb_result_set *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->path, sizeof out->path, "%s", path);
    out->cv_threshold = 0.05;
    void *buf;
    size_t len;
    eb_status st = eb_read_file(path, &buf, &len, err);
    if (st != EB_OK)
        return st;
    char *text = buf; /* NUL-terminated */
    /* a document is one JSON value; JSON Lines fail to parse as one */
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (doc && cJSON_IsObject(doc) && cJSON_IsArray(get(doc, "results"))) {
        out->doc = doc;
        st = load_document(out, doc, err);
    } else {
        cJSON_Delete(doc);
        st = len == 0 ? eb_errf(err, EB_EFORMAT, "%s: empty file", path) : load_lines(out, text, err);
    }
    free(text);
    if (st != EB_OK)
        eb_results_free(out);
    return st;
}

eb_status eb_result_from_json(const cJSON *o, const char *where, eb_result *r, eb_err *err)
{
    eb_status st = parse_result(o, where, r, err);
    if (st != EB_OK)
        eb_result_free(r);
    return st;
}

void eb_results_free(eb_result_set *s)
{
    for (int i = 0; i < s->n; i++)
        eb_result_free(&s->results[i]);
    free(s->results);
    cJSON_Delete(s->doc);
    s->results = NULL;
    s->n = 0;
    s->doc = NULL;
}
