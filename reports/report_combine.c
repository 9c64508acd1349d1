/* report_combine.c - several result files combined for `edgebench report`:
 * file labels, series and their colours, entry order, the energy summary,
 * thread-scaling groups, and the table cells, slowest-node lists and
 * provenance lines shared by report.md and index.html (see report.h). */
#include "reports/report.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/emit_text.h"
#include "reports/fmt_units.h"
#include "reports/model_label.h"

/* matplotlib's tab10, then ten darker companions: distinct on white, and
 * none so light that a point or a line disappears */
const char *const eb_report_palette[EB_REPORT_PALETTE_N] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363",
};

static const cJSON *jget(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = jget(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Start times when they tell the files apart, else file names, else
 * "#K name". */
static void label_sets(eb_report *rep)
{
    bool unique = true;
    for (int i = 0; i < rep->n_sets && unique; i++) {
        if (!*rep->sets[i].start_time)
            unique = false;
        for (int j = 0; j < i && unique; j++)
            if (strcmp(rep->sets[i].start_time, rep->sets[j].start_time) == 0)
                unique = false;
    }
    if (unique) {
        for (int i = 0; i < rep->n_sets; i++)
            snprintf(rep->set_labels[i], sizeof rep->set_labels[i], "%s", rep->sets[i].start_time);
        return;
    }
    unique = true;
    for (int i = 0; i < rep->n_sets && unique; i++)
        for (int j = 0; j < i && unique; j++)
            if (strcmp(base_name(rep->sets[i].path), base_name(rep->sets[j].path)) == 0)
                unique = false;
    for (int i = 0; i < rep->n_sets; i++) {
        if (unique)
            snprintf(rep->set_labels[i], sizeof rep->set_labels[i], "%.150s", base_name(rep->sets[i].path));
        else
            snprintf(rep->set_labels[i], sizeof rep->set_labels[i], "#%d %.140s", i + 1,
                     base_name(rep->sets[i].path));
    }
}

/* A model is its identity (name and SHA-256, model_label.h), not its file
 * name: two different net.onnx are two models.  The same path with another
 * digest (a model retrained between nightly runs) stays one model. */
static int find_model(const eb_report *rep, const eb_result *const *first, const eb_result *r)
{
    for (int i = 0; i < rep->n_models; i++)
        if (eb_same_model(first[i], r) ||
            (strcmp(first[i]->model_name, r->model_name) == 0 && strcmp(first[i]->model, r->model) == 0))
            return i;
    return -1;
}

static int cmp_entries(const void *pa, const void *pb)
{
    const eb_report_entry *a = pa, *b = pb;
    if (a->model != b->model)
        return a->model < b->model ? -1 : 1;
    if (a->series != b->series)
        return a->series < b->series ? -1 : 1;
    if (a->set != b->set)
        return a->set < b->set ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Two results of one file and one device (merged documents tag each
 * result with its device, reports/merge.h). */
static bool same_origin(const eb_report_entry *a, const eb_report_entry *b)
{
    return a->set == b->set && strcmp(a->r->device_id, b->r->device_id) == 0;
}

static eb_status combine(eb_report *rep, eb_err *err)
{
    int total = 0;
    for (int s = 0; s < rep->n_sets; s++)
        total += rep->sets[s].n;
    size_t cap = total > 0 ? (size_t)total : 1;
    rep->entries = calloc(cap, sizeof *rep->entries);
    rep->series = calloc(cap, sizeof *rep->series);
    rep->models = calloc(cap, sizeof *rep->models);
    bool *dup = calloc(cap, sizeof *dup), *labelled = calloc(cap, sizeof *labelled);
    const eb_result **first = calloc(cap, sizeof *first);
    const eb_result_set **view = calloc((size_t)rep->n_sets + 1, sizeof *view);
    if (!rep->entries || !rep->series || !rep->models || !dup || !labelled || !first || !view) {
        free(dup);
        free(labelled);
        free(first);
        free(view);
        return eb_errf(err, EB_ENOMEM, "report: out of memory combining %d results", total);
    }
    for (int s = 0; s < rep->n_sets; s++)
        for (int i = 0; i < rep->sets[s].n; i++) {
            const eb_result *r = &rep->sets[s].results[i];
            eb_report_entry *e = &rep->entries[rep->n_entries++];
            e->r = r;
            e->set = s;
            e->index = i;
            if ((e->model = find_model(rep, first, r)) < 0) {
                e->model = rep->n_models++;
                first[e->model] = r;
            }
        }
    for (int s = 0; s < rep->n_sets; s++)
        view[s] = &rep->sets[s];
    for (int m = 0; m < rep->n_models; m++)
        eb_model_label(first[m], view, rep->n_sets, rep->models[m], sizeof rep->models[m]);
    free(first);
    free(view);
    /* a spec is labelled with its file when some (model, spec) of it is in
     * more than one file */
    int n = rep->n_entries;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n && !dup[i]; j++)
            dup[i] = !same_origin(&rep->entries[j], &rep->entries[i]) && rep->entries[j].model == rep->entries[i].model &&
                     strcmp(rep->entries[j].r->variant.spec, rep->entries[i].r->variant.spec) == 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n && !labelled[i]; j++)
            labelled[i] = dup[j] && strcmp(rep->entries[j].r->variant.spec, rep->entries[i].r->variant.spec) == 0;
    /* series in order of first appearance */
    for (int i = 0; i < n; i++) {
        eb_report_entry *e = &rep->entries[i];
        const char *spec = e->r->variant.spec;
        int set_key = labelled[i] ? e->set : -1;
        const char *dev = labelled[i] ? e->r->device_id : "";
        e->series = -1;
        for (int k = 0; k < rep->n_series && e->series < 0; k++)
            if (rep->series[k].set == set_key && strcmp(rep->series[k].spec, spec) == 0 &&
                strcmp(rep->series[k].device_id, dev) == 0)
                e->series = k;
        if (e->series < 0) {
            eb_report_series *sr = &rep->series[rep->n_series];
            e->series = rep->n_series++;
            snprintf(sr->spec, sizeof sr->spec, "%s", spec);
            sr->set = set_key;
            snprintf(sr->device_id, sizeof sr->device_id, "%s", dev);
            if (set_key >= 0 && *dev && rep->n_sets == 1)
                snprintf(sr->label, sizeof sr->label, "%s @ %s", spec, dev);
            else if (set_key >= 0 && *dev)
                snprintf(sr->label, sizeof sr->label, "%s @ %s %s", spec, rep->set_labels[e->set], dev);
            else if (set_key >= 0)
                snprintf(sr->label, sizeof sr->label, "%s @ %s", spec, rep->set_labels[e->set]);
            else
                snprintf(sr->label, sizeof sr->label, "%s", spec);
            sr->colour = eb_report_palette[e->series % EB_REPORT_PALETTE_N];
        }
    }
    free(dup);
    free(labelled);
    qsort(rep->entries, (size_t)rep->n_entries, sizeof *rep->entries, cmp_entries);
    return EB_OK;
}

eb_status eb_report_load(eb_report *rep, const char *const *paths, int n, eb_err *err)
{
    memset(rep, 0, sizeof *rep);
    if (n < 1)
        return eb_errf(err, EB_EINVAL, "report: no result files given");
    rep->sets = calloc((size_t)n, sizeof *rep->sets);
    rep->set_labels = calloc((size_t)n, sizeof *rep->set_labels);
    if (!rep->sets || !rep->set_labels) {
        eb_report_free(rep);
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    }
    for (int i = 0; i < n; i++) {
        eb_status st = eb_results_load(paths[i], &rep->sets[i], err);
        if (st != EB_OK) {
            eb_report_free(rep);
            return st;
        }
        rep->n_sets++;
    }
    label_sets(rep);
    eb_status st = combine(rep, err);
    if (st != EB_OK)
        eb_report_free(rep);
    return st;
}

void eb_report_free(eb_report *rep)
{
    for (int i = 0; i < rep->n_sets; i++)
        eb_results_free(&rep->sets[i]);
    free(rep->sets);
    free(rep->set_labels);
    free(rep->entries);
    free(rep->series);
    free(rep->models);
    memset(rep, 0, sizeof *rep);
}

bool eb_report_has_latency(const eb_report_entry *e)
{
    return e->r->status == EB_RESULT_OK && e->r->n_samples > 0 && isfinite(e->r->latency.median) &&
           e->r->latency.median > 0;
}

/* ---- thread scaling ---- */

/* The spec without its threads=N key ("cpu:threads=2,quant=int8" ->
 * "cpu:quant=int8"), from the text, so that it does not depend on which
 * other variant fields a file recorded. */
static void base_spec(const eb_result *r, char *buf, size_t n)
{
    const char *spec = r->variant.spec, *colon = strchr(spec, ':');
    if (!colon) {
        snprintf(buf, n, "%s", spec);
        return;
    }
    size_t k = (size_t)snprintf(buf, n, "%.*s", (int)(colon - spec), spec);
    bool first = true;
    for (const char *p = colon + 1; *p && k < n;) {
        size_t len = strcspn(p, ",");
        if (strncmp(p, "threads=", 8) != 0) {
            k += (size_t)snprintf(buf + k, n - k, "%c%.*s", first ? ':' : ',', (int)len, p);
            first = false;
        }
        p += len + (p[len] == ',');
    }
}

/* Keeps, from idx[0..n), the first entry of each thread count; returns
 * the count kept, sorted by threads.  *has_one: a threads=1 entry is
 * among them.  *dups: some thread count occurred more than once. */
static int distinct_threads(const eb_report *rep, int *idx, int n, bool *has_one, bool *dups)
{
    int k = 0;
    *has_one = false;
    *dups = false;
    for (int i = 0; i < n; i++) {
        int t = rep->entries[idx[i]].r->variant.threads;
        bool seen = false;
        for (int j = 0; j < k && !seen; j++)
            seen = rep->entries[idx[j]].r->variant.threads == t;
        if (seen) {
            *dups = true;
            continue;
        }
        *has_one |= t == 1;
        idx[k++] = idx[i];
    }
    for (int i = 1; i < k; i++) /* insertion sort: a handful of thread counts */
        for (int j = i; j > 0 && rep->entries[idx[j - 1]].r->variant.threads > rep->entries[idx[j]].r->variant.threads;
             j--) {
            int t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    return k;
}

static eb_status add_group(const eb_report *rep, eb_report_scaling **out, int *n_out, const int *idx, int n,
                           const char *label, eb_err *err)
{
    eb_report_scaling *grown = realloc(*out, (size_t)(*n_out + 1) * sizeof *grown);
    if (!grown)
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    *out = grown;
    eb_report_scaling *g = &grown[*n_out];
    memset(g, 0, sizeof *g);
    if (!(g->entries = malloc((size_t)n * sizeof *g->entries)))
        return eb_errf(err, EB_ENOMEM, "report: out of memory");
    memcpy(g->entries, idx, (size_t)n * sizeof *idx);
    g->n = n;
    g->model = rep->entries[idx[0]].model;
    g->series = rep->entries[idx[0]].series;
    snprintf(g->label, sizeof g->label, "%s", label);
    (*n_out)++;
    return EB_OK;
}

eb_status eb_report_scaling_groups(const eb_report *rep, eb_report_scaling **out, int *n_out, char *why,
                                   size_t why_n, eb_err *err)
{
    *out = NULL;
    *n_out = 0;
    snprintf(why, why_n, "no model and variant was run at more than one thread count");
    int n = rep->n_entries;
    int *all = malloc((size_t)(n > 0 ? n : 1) * sizeof *all);
    int *pick = malloc((size_t)(n > 0 ? n : 1) * sizeof *pick);
    char (*bases)[256] = calloc((size_t)(n > 0 ? n : 1), sizeof *bases);
    bool *done = calloc((size_t)(n > 0 ? n : 1), sizeof *done);
    eb_status st = EB_OK;
    if (!all || !pick || !bases || !done) {
        st = eb_errf(err, EB_ENOMEM, "report: out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++)
        base_spec(rep->entries[i].r, bases[i], sizeof bases[i]);
    bool several_without_one = false;
    for (int i = 0; i < n && st == EB_OK; i++) {
        if (done[i] || !eb_report_has_latency(&rep->entries[i]))
            continue;
        /* every ok entry of this (model, base spec) */
        int m = 0;
        for (int j = i; j < n; j++)
            if (!done[j] && eb_report_has_latency(&rep->entries[j]) &&
                rep->entries[j].model == rep->entries[i].model && strcmp(bases[j], bases[i]) == 0) {
                all[m++] = j;
                done[j] = true;
            }
        const char *model = rep->models[rep->entries[i].model];
        /* per file first */
        int groups_here = 0, files_with_group = 0;
        for (int s = 0; s < rep->n_sets; s++) {
            int k = 0;
            for (int j = 0; j < m; j++)
                if (rep->entries[all[j]].set == s)
                    pick[k++] = all[j];
            bool one, dups;
            k = distinct_threads(rep, pick, k, &one, &dups);
            if (k >= 2 && one)
                files_with_group++;
            else if (k >= 2)
                several_without_one = true;
        }
        for (int s = 0; s < rep->n_sets && st == EB_OK; s++) {
            int k = 0;
            for (int j = 0; j < m; j++)
                if (rep->entries[all[j]].set == s)
                    pick[k++] = all[j];
            bool one, dups;
            k = distinct_threads(rep, pick, k, &one, &dups);
            if (k < 2 || !one)
                continue;
            char label[400];
            /* name the file where the line would be ambiguous without it:
             * several files have one, or its threads=1 series is one file's */
            if (files_with_group > 1 || rep->series[rep->entries[pick[0]].series].set >= 0)
                snprintf(label, sizeof label, "%s: %s @ %s", model, bases[i], rep->set_labels[s]);
            else
                snprintf(label, sizeof label, "%s: %s", model, bases[i]);
            st = add_group(rep, out, n_out, pick, k, label, err);
            groups_here++;
        }
        if (groups_here == 0 && st == EB_OK && rep->n_sets > 1) {
            /* thread counts spread over files, each count once */
            memcpy(pick, all, (size_t)m * sizeof *pick);
            bool one, dups;
            int k = distinct_threads(rep, pick, m, &one, &dups);
            if (k >= 2 && one && !dups) {
                char label[400];
                snprintf(label, sizeof label, "%s: %s (threads from several files)", model, bases[i]);
                st = add_group(rep, out, n_out, pick, k, label, err);
            } else if (k >= 2 && !one) {
                several_without_one = true;
            }
        }
    }
    if (*n_out == 0 && several_without_one)
        snprintf(why, why_n,
                 "results at several thread counts have no threads=1 result to measure the speedup against");
out:
    free(all);
    free(pick);
    free(bases);
    free(done);
    if (st != EB_OK) {
        eb_report_scaling_free(*out, *n_out);
        *out = NULL;
        *n_out = 0;
    }
    return st;
}

void eb_report_scaling_free(eb_report_scaling *g, int n)
{
    for (int i = 0; i < n; i++)
        free(g[i].entries);
    free(g);
}

/* ---- table cells ---- */

static const char *const COL_NAMES[EB_COL_COUNT] = {
    "model", "variant", "file", "median ms", "p90 ms", "CV", "95% CI of median", "drift (rel. L2)",
    "task metric", "peak MiB", "energy / inference", "status",
};

const char *eb_report_col_name(int c)
{
    return c >= 0 && c < EB_COL_COUNT ? COL_NAMES[c] : "";
}

bool eb_report_col_numeric(int c)
{
    return c == EB_COL_MEDIAN || c == EB_COL_P90 || c == EB_COL_CV || c == EB_COL_CI || c == EB_COL_DRIFT ||
           c == EB_COL_TASK || c == EB_COL_PEAK;
}

void eb_report_fmt_ms(double ms, char *buf, size_t n)
{
    if (!isfinite(ms))
        snprintf(buf, n, "-");
    else if (ms >= 1000)
        snprintf(buf, n, "%.0f", ms);
    else
        snprintf(buf, n, "%#.4g", ms); /* '#': trailing zeros kept, 0.1900 next to 0.1901 */
}

void eb_report_cell(const eb_report *rep, const eb_report_entry *e, int c, char *buf, size_t n)
{
    const eb_result *r = e->r;
    bool lat = r->n_samples > 0 && isfinite(r->latency.median);
    char a[32], b[32];
    snprintf(buf, n, "-");
    switch (c) {
    case EB_COL_MODEL: snprintf(buf, n, "%s", rep->models[e->model]); break;
    case EB_COL_VARIANT: snprintf(buf, n, "%s", r->variant.spec); break;
    case EB_COL_FILE: snprintf(buf, n, "%s", rep->set_labels[e->set]); break;
    case EB_COL_MEDIAN:
        if (lat)
            eb_report_fmt_ms(r->latency.median, buf, n);
        break;
    case EB_COL_P90:
        if (lat)
            eb_report_fmt_ms(r->latency.p90, buf, n);
        break;
    case EB_COL_CV:
        if (lat && isfinite(r->latency.cv))
            snprintf(buf, n, "%.1f%%%s", r->latency.cv * 100, r->latency.unstable ? " unstable" : "");
        break;
    case EB_COL_CI:
        if (lat && r->latency.ci_available) {
            eb_report_fmt_ms(r->latency.ci_low, a, sizeof a);
            eb_report_fmt_ms(r->latency.ci_high, b, sizeof b);
            snprintf(buf, n, "%s \u2013 %s", a, b); /* an en dash */
        } else if (lat) {
            snprintf(buf, n, "n/a (n=%d)", r->n_samples);
        }
        break;
    case EB_COL_DRIFT:
        if (r->is_baseline)
            snprintf(buf, n, "baseline");
        else if (r->drift.available && isfinite(r->drift.rel_l2))
            snprintf(buf, n, "%.2e", r->drift.rel_l2);
        break;
    case EB_COL_TASK:
        if (r->task.available && isfinite(r->task.value)) {
            if (r->task.has_delta && !r->is_baseline)
                snprintf(buf, n, "%.2f%% (%+.2f pp)", r->task.value * 100, r->task.delta * 100);
            else
                snprintf(buf, n, "%.2f%%", r->task.value * 100);
        }
        break;
    case EB_COL_PEAK:
        if (r->peak_rss_bytes)
            snprintf(buf, n, "%.1f", (double)r->peak_rss_bytes / 1048576.0);
        break;
    case EB_COL_ENERGY:
        if (r->status == EB_RESULT_OK)
            eb_energy_cell(&r->energy, buf, n);
        break;
    case EB_COL_STATUS:
        if (r->status == EB_RESULT_OK)
            snprintf(buf, n, "ok");
        else if (*r->error)
            snprintf(buf, n, "%s: %s", eb_result_status_name(r->status), r->error);
        else
            snprintf(buf, n, "%s", eb_result_status_name(r->status));
        break;
    default: break;
    }
}

/* ---- provenance ---- */

static const char *const PROV_KEYS[] = {"file",  "tool",  "git commit", "compiler", "command line", "start time",
                                        "host",  "CPU",   "cores",      "memory",   "OS"};
enum { N_PROV = (int)(sizeof PROV_KEYS / sizeof PROV_KEYS[0]) };

/* Appends s to buf, single-quoted for a POSIX shell when it needs it. */
static void append_arg(char *buf, size_t n, const char *s)
{
    size_t len = strlen(buf);
    bool plain = *s != '\0';
    for (const char *p = s; *p && plain; p++)
        plain = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%", *p) != NULL;
    if (len && len + 1 < n)
        buf[len++] = ' ';
    if (!plain && len + 1 < n)
        buf[len++] = '\'';
    for (const char *p = s; *p && len + 4 < n; p++) {
        if (*p == '\'' && !plain) {
            memcpy(buf + len, "'\\''", 4);
            len += 4;
        } else {
            buf[len++] = *p;
        }
    }
    if (!plain && len + 1 < n)
        buf[len++] = '\'';
    buf[len < n ? len : n - 1] = '\0';
}

int eb_report_provenance(const eb_report *rep, int set, int i, const char **key, char *value, size_t n)
{
    if (set < 0 || set >= rep->n_sets || i < 0 || i >= N_PROV)
        return N_PROV;
    const eb_result_set *s = &rep->sets[set];
    const cJSON *doc = s->doc, *tool = jget(doc, "tool"), *run = jget(doc, "run"), *dev = jget(doc, "device");
    const cJSON *cpu = jget(dev, "cpu"), *mem = jget(dev, "memory");
    const char *missing = doc ? "not recorded" : "not recorded (JSON Lines input)";
    *key = PROV_KEYS[i];
    snprintf(value, n, "%s", missing);
    const char *v;
    switch (i) {
    case 0: snprintf(value, n, "%s", s->path); break;
    case 1:
        if (*s->tool_version)
            snprintf(value, n, "%s %s", (v = jstr(tool, "name")) ? v : "edgebench", s->tool_version);
        break;
    case 2:
        if (*s->git_commit)
            snprintf(value, n, "%s", s->git_commit);
        break;
    case 3:
        if ((v = jstr(tool, "compiler"))) {
            const char *fl = jstr(tool, "cflags");
            snprintf(value, n, "%s%s%s", v, fl ? ", " : "", fl ? fl : "");
        }
        break;
    case 4: {
        const cJSON *cl = jget(run, "command_line"), *a;
        if (cJSON_IsArray(cl)) {
            snprintf(value, n, "edgebench");
            cJSON_ArrayForEach(a, cl) if (cJSON_IsString(a)) append_arg(value, n, a->valuestring);
        }
        break;
    }
    case 5:
        if (*s->start_time)
            snprintf(value, n, "%s", s->start_time);
        break;
    case 6:
        if (*s->host)
            snprintf(value, n, "%s", s->host);
        break;
    case 7:
        if (*s->cpu) {
            const char *arch = jstr(cpu, "arch");
            snprintf(value, n, "%s%s%s%s", s->cpu, arch ? " (" : "", arch ? arch : "", arch ? ")" : "");
        }
        break;
    case 8: {
        const cJSON *p = jget(cpu, "physical_cores"), *l = jget(cpu, "logical_cpus");
        if (cJSON_IsNumber(p) && cJSON_IsNumber(l))
            snprintf(value, n, "%d physical, %d logical", p->valueint, l->valueint);
        else if (cJSON_IsNumber(l))
            snprintf(value, n, "%d logical", l->valueint);
        break;
    }
    case 9: {
        const cJSON *t = jget(mem, "total_bytes");
        if (cJSON_IsNumber(t)) {
            char b[32];
            snprintf(value, n, "%s total", eb_fmt_bytes(t->valuedouble, b, sizeof b));
        }
        break;
    }
    case 10:
        if ((v = jstr(dev, "os"))) {
            const char *k = jstr(dev, "kernel");
            snprintf(value, n, "%s%s%s", v, k ? ", " : "", k ? k : "");
        }
        break;
    default: break;
    }
    return N_PROV;
}

bool eb_report_energy_summary(const eb_report *rep, char *buf, size_t n)
{
    int measured = 0, estimated = 0, relative = 0, invalid = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (isfinite(e->r->energy.joules_per_inference)) {
            *(e->r->energy.kind == EB_ENERGY_MEASURED ? &measured : &estimated) += 1;
            relative += e->r->energy.relative_only;
            invalid += !e->r->energy.valid;
        }
    }
    if (measured + estimated > 0) {
        int k = snprintf(buf, n, "energy per inference: measured for %d and estimated for %d of %d results", measured,
                         estimated, rep->n_entries);
        if (relative + invalid > 0 && k > 0 && (size_t)k < n)
            snprintf(buf + k, n - (size_t)k, " (not plotted: %d relative only, from op counts; %d invalid)", relative,
                     invalid);
        return true;
    }
    /* the distinct reasons, in order */
    snprintf(buf, n, "energy: unavailable (");
    int shown = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        const char *why = rep->entries[i].r->energy.reason;
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen = strcmp(rep->entries[j].r->energy.reason, why) == 0;
        if (seen)
            continue;
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "%s%s", shown++ ? "; " : "", *why ? why : "no reason recorded");
    }
    if (!shown) {
        size_t len = strlen(buf);
        snprintf(buf + len, n - len, "no results");
    }
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, ")");
    return false;
}

bool eb_report_any_profiled(const eb_report *rep)
{
    for (int i = 0; i < rep->n_entries; i++)
        if (rep->entries[i].r->profiled)
            return true;
    return false;
}

int eb_report_slowest_nodes(const eb_result *r, int *idx, int max)
{
    int n = 0;
    /* insertion into the top max: profiles are short, max is small */
    for (int i = 0; i < r->n_profile; i++) {
        int at = n < max ? n : max;
        while (at > 0 && r->profile[idx[at - 1]].ms < r->profile[i].ms)
            at--;
        if (at >= max)
            continue;
        int last = n < max ? n : max - 1;
        for (int k = last; k > at; k--)
            idx[k] = idx[k - 1];
        idx[at] = i;
        n += n < max;
    }
    return n;
}

void eb_report_profile_heading(const eb_report *rep, const eb_report_entry *e, char *buf, size_t n)
{
    const eb_result *r = e->r;
    int w = snprintf(buf, n, "%s, %s: ", rep->models[e->model], rep->series[e->series].label);
    if (w < 0 || (size_t)w >= n)
        return;
    if (r->n_profile == 0) {
        snprintf(buf + w, n - (size_t)w, "no profile: %s", *r->profile_reason ? r->profile_reason : "not recorded");
        return;
    }
    char total[32];
    eb_report_fmt_ms(eb_result_profile_total_ms(r), total, sizeof total);
    snprintf(buf + w, n - (size_t)w, "%d passes, %s ms in all", r->profile_passes, total);
}
