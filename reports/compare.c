/* compare.c - pairing two result sets and judging each pair (see
 * compare.h for the rules), and writing the verdicts as markdown or JSON.
 *
 * The latency interval is the percentile bootstrap of the ratio of medians
 * (stats.h: 2000 resamples, fixed seed), not the Hodges-Lehmann interval of
 * the log-ratio: it is an interval for the very number reported, the ratio
 * of the two medians, and stays right when the two distributions differ in
 * shape and not only in scale. */
#include "reports/compare.h"
#include "reports/json_out.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "reports/model_label.h"

const char *eb_verdict_name(eb_verdict v)
{
    switch (v) {
    case EB_VERDICT_SAME: return "same";
    case EB_VERDICT_FASTER: return "faster";
    case EB_VERDICT_SLOWER: return "slower";
    case EB_VERDICT_MODEL_CHANGED: return "model changed";
    case EB_VERDICT_NA: break;
    }
    return "n/a";
}

eb_compare_opts eb_compare_opts_default(void)
{
    return (eb_compare_opts){.threshold_pct = 5,
                             .alpha = 0.01,
                             .acc_threshold_pp = 0.5,
                             .mem_threshold_pct = 5,
                             .mem_floor_bytes = 2 << 20,
                             .resamples = EB_BOOT_RESAMPLES,
                             .seed = EB_BOOT_SEED};
}

eb_verdict eb_compare_verdict(double ratio, double p, const eb_compare_opts *o)
{
    double t = 1 + o->threshold_pct / 100;
    if (!(p < o->alpha))
        return EB_VERDICT_SAME;
    if (ratio > t)
        return EB_VERDICT_SLOWER;
    if (ratio < 1 / t)
        return EB_VERDICT_FASTER;
    return EB_VERDICT_SAME;
}

eb_status eb_compare_latency(const double *base, int nb, const double *new, int nn, const eb_compare_opts *o,
                             eb_latency_cmp *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->verdict = EB_VERDICT_NA;
    out->n_base = nb;
    out->n_new = nn;
    eb_status st = eb_median_ratio_ci(base, nb, new, nn, o->resamples, 0.95, o->seed, &out->ratio, err);
    if (st == EB_OK)
        st = eb_mann_whitney(new, nn, base, nb, &out->mw, err);
    if (st != EB_OK)
        return st;
    out->base_median = eb_stats_median(base, nb);
    out->new_median = eb_stats_median(new, nn);
    out->k_base = out->k_new = 1;
    out->p = out->mw.p;
    out->verdict = eb_compare_verdict(out->ratio.ratio, out->p, o);
    return EB_OK;
}

eb_status eb_compare_latency_groups(const eb_sample_groups *base, const eb_sample_groups *new,
                                    const eb_compare_opts *o, eb_latency_cmp *out, eb_err *err)
{
    if (base->k <= 1 && new->k <= 1)
        return eb_compare_latency(base->x, base->n, new->x, new->n, o, out, err);
    memset(out, 0, sizeof *out);
    out->verdict = EB_VERDICT_NA;
    out->n_base = base->n;
    out->n_new = new->n;
    out->k_base = base->k;
    out->k_new = new->k;
    out->hierarchical = true;
    eb_status st = eb_hier_ratio_ci(base, new, o->resamples, 0.95, o->seed, &out->ratio, &out->p, err);
    if (st != EB_OK)
        return st;
    /* U and z of the pooled samples are kept for the record, not judged:
     * they treat the samples of one process as independent */
    if ((st = eb_mann_whitney(new->x, new->n, base->x, base->n, &out->mw, err)) != EB_OK)
        return st;
    out->base_median = eb_stats_median(base->x, base->n);
    out->new_median = eb_stats_median(new->x, new->n);
    out->verdict = eb_compare_verdict(out->ratio.ratio, out->p, o);
    return EB_OK;
}

/* ---- pairing and judging ------------------------------------------------------ */

static bool same_key(const eb_result *a, const eb_result *b)
{
    return eb_same_model(a, b) && strcmp(a->variant.spec, b->variant.spec) == 0 && strcmp(a->device, b->device) == 0 &&
           strcmp(a->device_id, b->device_id) == 0;
}

/* The same model file, changed: same path, name, variant and device, and
 * both digests known and different. */
static bool changed_key(const eb_result *a, const eb_result *b)
{
    return strcmp(a->model, b->model) == 0 && strcmp(a->model_name, b->model_name) == 0 && *a->model_sha256 &&
           *b->model_sha256 && strcmp(a->model_sha256, b->model_sha256) != 0 &&
           strcmp(a->variant.spec, b->variant.spec) == 0 && strcmp(a->device, b->device) == 0 &&
           strcmp(a->device_id, b->device_id) == 0;
}

static void add_note(eb_compare_pair *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(eb_compare_pair *p, const char *fmt, ...)
{
    size_t len = strlen(p->note);
    if (len + 3 >= sizeof p->note)
        return;
    if (len) {
        strcpy(p->note + len, "; ");
        len += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->note + len, sizeof p->note - len, fmt, ap);
    va_end(ap);
}

static bool is_failure(eb_result_status s)
{
    return s == EB_RESULT_FAILED || s == EB_RESULT_CRASHED || s == EB_RESULT_TIMEOUT;
}

static eb_status judge_latency(eb_compare_pair *p, const eb_compare_opts *o, eb_err *err)
{
    const eb_result *b = p->base, *n = p->new;
    if (b->n_samples < 1 || n->n_samples < 1) {
        add_note(p, "no latency samples in %s", b->n_samples < 1 ? "base" : "new");
        return EB_OK;
    }
    eb_err why = {{0}};
    eb_sample_groups gb, gn;
    int one_b, one_n;
    eb_result_groups(b, &gb, &one_b);
    eb_result_groups(n, &gn, &one_n);
    eb_status st = eb_compare_latency_groups(&gb, &gn, o, &p->lat, &why);
    if (st == EB_ENOMEM)
        return eb_errf(err, st, "%s", why.msg);
    if (st != EB_OK) { /* bad samples in a file: this pair cannot be judged */
        add_note(p, "%s", why.msg);
        return EB_OK;
    }
    p->latency_compared = true;
    p->verdict = p->lat.verdict;
    /* the smallest two-sided p the exact test can give is 2 / C(N, m) */
    int m = b->n_samples < n->n_samples ? b->n_samples : n->n_samples, N = b->n_samples + n->n_samples;
    double ways = 1;
    for (int k = 1; k <= m && ways <= 2 / o->alpha; k++) /* C(N-m+k, k) grows with k */
        ways = ways * (N - m + k) / k;
    if (!p->lat.hierarchical && p->lat.mw.method == EB_MW_EXACT && 2 / ways >= o->alpha)
        add_note(p, "too few samples (%d and %d): the test cannot reach p < %g", b->n_samples, n->n_samples,
                 o->alpha);
    if (p->lat.hierarchical && (p->lat.k_base < 2 || p->lat.k_new < 2))
        add_note(p, "%s ran in one process: its side of the interval is within-process only",
                 p->lat.k_base < 2 ? "base" : "new");
    else if (!p->lat.hierarchical)
        add_note(p, "one process a side: CI and test are within-process only (run --processes K for the "
                    "between-process spread)");
    if (b->latency.unstable || n->latency.unstable)
        add_note(p, "unstable (CV %.1f%% -> %.1f%%)", 100 * b->latency.cv, 100 * n->latency.cv);
    return EB_OK;
}

static void judge_accuracy(eb_compare_pair *p, const eb_compare_opts *o)
{
    const eb_result *b = p->base, *n = p->new;
    if (b->task.available && n->task.available) {
        if (strcmp(b->task.metric, n->task.metric) != 0 || b->task.count != n->task.count || b->task.count <= 0) {
            add_note(p, "task metric not compared: %s on %lld images vs %s on %lld", b->task.metric,
                     (long long)b->task.count, n->task.metric, (long long)n->task.count);
        } else {
            p->acc_compared = true;
            p->acc_delta_pp = 100 * (n->task.value - b->task.value);
            p->acc_regressed = p->acc_delta_pp < -o->acc_threshold_pp;
        }
    } else if (b->task.available != n->task.available) {
        add_note(p, "task metric only in %s", b->task.available ? "base" : "new");
    }
    p->drift_shown = b->drift.available && n->drift.available && isfinite(b->drift.rel_l2) &&
                     isfinite(n->drift.rel_l2);
}

/* The figure a memory verdict judges (see compare.h), in bytes. */
static double mem_figure(const eb_result *r, bool by_growth)
{
    return by_growth ? (double)r->peak_growth_bytes : (double)r->peak_rss_bytes;
}

static void judge_memory(eb_compare_pair *p, const eb_compare_opts *o)
{
    const eb_result *b = p->base, *n = p->new;
    p->mem_by_growth = b->peak_growth_known && n->peak_growth_known;
    if (!p->mem_by_growth && (b->peak_rss_bytes == 0 || n->peak_rss_bytes == 0))
        return;
    double bv = mem_figure(b, p->mem_by_growth), nv = mem_figure(n, p->mem_by_growth);
    p->mem_compared = true;
    p->mem_growth_pct = bv > 0 ? 100 * (nv / bv - 1) : nv > 0 ? INFINITY : 0;
    p->mem_regressed = p->mem_growth_pct > o->mem_threshold_pct && nv - bv > o->mem_floor_bytes;
}

static void judge_energy(eb_compare_pair *p)
{
    const eb_energy *b = &p->base->energy, *n = &p->new->energy;
    bool hb = isfinite(b->joules_per_inference), hn = isfinite(n->joules_per_inference);
    if (!hb && !hn)
        return;
    if (!hb || !hn) {
        snprintf(p->energy_note, sizeof p->energy_note, "energy not compared: %s has no figure", hb ? "new" : "base");
    } else if (b->kind != n->kind || strcmp(b->method, n->method) != 0) {
        snprintf(p->energy_note, sizeof p->energy_note,
                 "energy not compared: base %s (%s), new %s (%s): only figures of one kind and method are alike",
                 eb_energy_kind_name(b->kind), *b->method ? b->method : "?", eb_energy_kind_name(n->kind),
                 *n->method ? n->method : "?");
    } else if (!b->valid || !n->valid) {
        snprintf(p->energy_note, sizeof p->energy_note, "energy not compared: the %s figure is not valid",
                 !b->valid ? "base" : "new");
    } else if (b->joules_per_inference > 0) {
        p->energy_compared = true;
        p->energy_ratio = n->joules_per_inference / b->joules_per_inference;
    }
}

static eb_status judge(eb_compare_pair *p, const eb_compare_opts *o, eb_err *err)
{
    const eb_result *b = p->base, *n = p->new;
    p->verdict = EB_VERDICT_NA;
    if (p->model_changed) {
        add_note(p, "model changed: sha256 %.12s -> %.12s", b->model_sha256, n->model_sha256);
        if (!o->allow_model_change) {
            /* another model's numbers say nothing about this code; a
             * result that stopped running still does */
            if (b->status != EB_RESULT_OK || n->status != EB_RESULT_OK)
                add_note(p, "base %s, new %s", eb_result_status_name(b->status), eb_result_status_name(n->status));
            p->verdict = EB_VERDICT_MODEL_CHANGED;
            p->status_regressed = b->status == EB_RESULT_OK && is_failure(n->status);
            p->regressed = p->status_regressed;
            add_note(p, "not judged (--allow-model-change judges it)");
            return EB_OK;
        }
    }
    if (b->status != EB_RESULT_OK || n->status != EB_RESULT_OK) {
        add_note(p, "base %s, new %s", eb_result_status_name(b->status), eb_result_status_name(n->status));
        if (n->status != EB_RESULT_OK && *n->error)
            add_note(p, "new: %s", n->error);
        p->status_regressed = b->status == EB_RESULT_OK && is_failure(n->status);
        p->regressed = p->status_regressed;
        return EB_OK;
    }
    eb_status st = judge_latency(p, o, err);
    if (st != EB_OK)
        return st;
    judge_accuracy(p, o);
    judge_memory(p, o);
    judge_energy(p);
    p->regressed = p->verdict == EB_VERDICT_SLOWER || p->acc_regressed || p->mem_regressed;
    return EB_OK;
}

const char *eb_compare_pair_device_id(const eb_compare_pair *p)
{
    return p->base ? p->base->device_id : p->new->device_id;
}

void eb_compare_count(const eb_comparison *c, const char *device_id, eb_compare_counts *k)
{
    memset(k, 0, sizeof *k);
    for (int i = 0; i < c->n; i++) {
        const eb_compare_pair *p = &c->pairs[i];
        if (device_id && strcmp(eb_compare_pair_device_id(p), device_id) != 0)
            continue;
        if (!p->new) {
            k->only_base++;
            continue;
        }
        if (!p->base) {
            k->only_new++;
            continue;
        }
        k->paired++;
        switch (p->verdict) {
        case EB_VERDICT_SAME: k->same++; break;
        case EB_VERDICT_FASTER: k->faster++; break;
        case EB_VERDICT_SLOWER: k->slower++; break;
        case EB_VERDICT_NA: k->na++; break;
        case EB_VERDICT_MODEL_CHANGED: break;
        }
        k->model_changed += p->model_changed;
        k->acc_regressed += p->acc_regressed;
        k->mem_regressed += p->mem_regressed;
        k->status_regressed += p->status_regressed;
        k->regressed += p->regressed;
    }
}

static void count(eb_comparison *c)
{
    eb_compare_count(c, NULL, &c->count);
}

int eb_compare_devices(const eb_comparison *c, const char **ids, int max)
{
    int n = 0;
    for (int i = 0; i < c->n; i++) {
        const char *id = eb_compare_pair_device_id(&c->pairs[i]);
        bool seen = !*id;
        for (int k = 0; k < n && !seen; k++)
            seen = strcmp(ids[k], id) == 0;
        if (!seen && n < max)
            ids[n++] = id;
    }
    return n;
}

eb_status eb_compare_sets(const eb_result_set *base, const eb_result_set *new, const eb_compare_opts *o,
                          eb_comparison *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->opts = *o;
    out->base = base;
    out->new = new;
    /* the pairs need base->n + new->n entries; the only-in-base ones are
     * collected above base->n first, which takes base->n more */
    size_t cap = 2 * (size_t)base->n + (size_t)new->n;
    bool *used = calloc((size_t)new->n + 1, sizeof *used);
    out->pairs = calloc(cap + 1, sizeof *out->pairs);
    if (!used || !out->pairs) {
        free(used);
        free(out->pairs);
        out->pairs = NULL;
        return eb_errf(err, EB_ENOMEM, "compare: out of memory");
    }
    eb_compare_pair *unpaired = out->pairs + base->n; /* only-in-base, collected then moved */
    int n_unpaired = 0;
    eb_status st = EB_OK;
    for (int i = 0; i < base->n && st == EB_OK; i++) {
        const eb_result *b = &base->results[i];
        int j = 0;
        while (j < new->n && (used[j] || !same_key(b, &new->results[j])))
            j++;
        if (j == new->n) {
            unpaired[n_unpaired++] = (eb_compare_pair){.base = b, .verdict = EB_VERDICT_NA};
            continue;
        }
        used[j] = true;
        eb_compare_pair *p = &out->pairs[out->n++];
        p->base = b;
        p->new = &new->results[j];
        st = judge(p, o, err);
    }
    /* what is left in BASE may be the same model file, changed */
    int still = 0;
    for (int i = 0; i < n_unpaired && st == EB_OK; i++) {
        const eb_result *b = unpaired[i].base;
        int j = 0;
        while (j < new->n && (used[j] || !changed_key(b, &new->results[j])))
            j++;
        if (j == new->n) {
            unpaired[still++] = unpaired[i];
            continue;
        }
        used[j] = true;
        eb_compare_pair *p = &out->pairs[out->n++];
        p->base = b;
        p->new = &new->results[j];
        p->model_changed = true;
        st = judge(p, o, err);
    }
    n_unpaired = still;
    if (st == EB_OK) {
        memmove(out->pairs + out->n, unpaired, (size_t)n_unpaired * sizeof *unpaired);
        out->n += n_unpaired;
        for (int j = 0; j < new->n; j++)
            if (!used[j])
                out->pairs[out->n++] = (eb_compare_pair){.new = &new->results[j], .verdict = EB_VERDICT_NA};
        const eb_result_set *view[2] = {base, new};
        for (int i = 0; i < out->n; i++) {
            eb_compare_pair *p = &out->pairs[i];
            if (p->base)
                eb_model_label(p->base, view, 2, p->base_label, sizeof p->base_label);
            if (p->new)
                eb_model_label(p->new, view, 2, p->new_label, sizeof p->new_label);
        }
        count(out);
    }
    free(used);
    if (st != EB_OK)
        eb_comparison_free(out);
    return st;
}

void eb_comparison_free(eb_comparison *c)
{
    free(c->pairs);
    c->pairs = NULL;
    c->n = 0;
}

/* ---- text ---------------------------------------------------------------------- */

void eb_compare_summary(const eb_comparison *c, char *buf, size_t n)
{
    const eb_compare_counts *k = &c->count;
    char changed[48] = "";
    if (k->model_changed)
        snprintf(changed, sizeof changed, ", %d model changed", k->model_changed);
    snprintf(buf, n,
             "%d paired: %d slower, %d faster, %d same, %d n/a%s; %d accuracy-regressed, %d memory-regressed, "
             "%d status-regressed; %d only in base, %d only in new -> %s",
             k->paired, k->slower, k->faster, k->same, k->na, changed, k->acc_regressed, k->mem_regressed,
             k->status_regressed, k->only_base, k->only_new, k->regressed ? "REGRESSED" : "no regression");
}

/* The regressions of a pair as words, comma-separated. */
static const char *const REGRESSION_WORDS[] = {"slower", "accuracy-regressed", "memory-regressed",
                                               "status-regressed"};

static int regressions(const eb_compare_pair *p, const char *out[4])
{
    int k = 0;
    if (p->verdict == EB_VERDICT_SLOWER)
        out[k++] = REGRESSION_WORDS[0];
    if (p->acc_regressed)
        out[k++] = REGRESSION_WORDS[1];
    if (p->mem_regressed)
        out[k++] = REGRESSION_WORDS[2];
    if (p->status_regressed)
        out[k++] = REGRESSION_WORDS[3];
    return k;
}

/* A table cell: '|' escaped, newlines flattened. */
static void md_cell(FILE *f, const char *s)
{
    fputs(" ", f);
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    fputs(" |", f);
}

static void md_cellf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void md_cellf(FILE *f, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    md_cell(f, buf);
}

static void describe_set(FILE *f, const char *label, const eb_result_set *s)
{
    fprintf(f, "- %s: `%s` (%s, commit %s, host %s)\n", label, s->path, *s->start_time ? s->start_time : "no time",
            *s->git_commit ? s->git_commit : "unknown", *s->host ? s->host : "unknown");
}

static void md_notes(FILE *f, const eb_compare_pair *p)
{
    char buf[1024];
    size_t len = 0;
    buf[0] = '\0';
#define APPEND(...)                                                                                                  \
    do {                                                                                                             \
        if (len < sizeof buf) {                                                                                      \
            int w_ = snprintf(buf + len, sizeof buf - len, "%s", len ? "; " : "");                                   \
            len += w_ > 0 ? (size_t)w_ : 0;                                                                          \
        }                                                                                                            \
        if (len < sizeof buf) {                                                                                      \
            int w_ = snprintf(buf + len, sizeof buf - len, __VA_ARGS__);                                             \
            len += w_ > 0 ? (size_t)w_ : 0;                                                                          \
        }                                                                                                            \
    } while (0)
    if (p->acc_compared)
        APPEND("%s %.2f%% -> %.2f%% (%+.2f pp)", p->base->task.metric, 100 * p->base->task.value,
               100 * p->new->task.value, p->acc_delta_pp);
    if (p->drift_shown)
        APPEND("drift rel_l2 %.3g -> %.3g", p->base->drift.rel_l2, p->new->drift.rel_l2);
    if (p->mem_regressed)
        APPEND("%s %.1f -> %.1f MiB (%+.1f%%)", p->mem_by_growth ? "peak growth" : "peak RSS",
               mem_figure(p->base, p->mem_by_growth) / 1048576.0, mem_figure(p->new, p->mem_by_growth) / 1048576.0,
               p->mem_growth_pct);
    if (p->energy_compared)
        APPEND("energy%s %.3g -> %.3g J (x%.2f%s%s)", p->base->energy.kind == EB_ENERGY_ESTIMATED ? " (est.)" : "",
               p->base->energy.joules_per_inference, p->new->energy.joules_per_inference, p->energy_ratio,
               p->base->energy.kind == EB_ENERGY_ESTIMATED ? ", both estimated by " : ", both measured",
               p->base->energy.kind == EB_ENERGY_ESTIMATED ? p->base->energy.method : "");
    else if (*p->energy_note)
        APPEND("%s", p->energy_note);
    if (*p->note)
        APPEND("%s", p->note);
#undef APPEND
    md_cell(f, buf);
}

static void md_table(FILE *f, const eb_comparison *c, const char *device_id);

void eb_compare_write_md(FILE *f, const eb_comparison *c)
{
    const eb_compare_opts *o = &c->opts;
    fputs("# edgebench compare\n\n", f);
    describe_set(f, "base", c->base);
    describe_set(f, "new", c->new);
    if ((c->base->n_devices > 0) != (c->new->n_devices > 0))
        fprintf(f, "\n**One file is merged, the other not** (edgebench merge): results pair only with the same "
                   "device, so nothing of the single-device file is paired; merge it too, with --name.\n");
    else if (*c->base->host && *c->new->host && strcmp(c->base->host, c->new->host) != 0)
        fprintf(f, "\n**Different hosts** (%s, %s): the ratios compare machines as well as code.\n",
                c->base->host, c->new->host);
    fprintf(f,
            "\nLatency: medians of the raw samples; ratio new/base with a 95%% percentile-bootstrap interval "
            "(%d resamples); p from a two-sided Mann-Whitney U test, or, for results run in several processes "
            "(--processes), both from a hierarchical bootstrap that resamples processes, then samples; with one "
            "process a side they are within-process only.  `slower`/`faster` need p < %g and a change "
            "beyond %g%%.  Accuracy: a task-metric drop beyond %g pp regresses; memory: peak RSS growth beyond "
            "%g%% and %g KiB.  Energy is shown, not judged, and only between figures of one kind and method: an "
            "estimate is never compared with a measurement.\n\n",
            o->resamples, o->alpha, o->threshold_pct, o->acc_threshold_pp, o->mem_threshold_pct,
            o->mem_floor_bytes / 1024);
    const char *ids[EB_COMPARE_MAX_DEVICES];
    int n_ids = eb_compare_devices(c, ids, EB_COMPARE_MAX_DEVICES);
    if (n_ids == 0) {
        md_table(f, c, NULL);
    } else { /* merged documents: a table and a verdict per device */
        for (int d = 0; d < n_ids; d++) {
            eb_compare_counts k;
            eb_compare_count(c, ids[d], &k);
            fprintf(f, "## Device %s: %s\n\n%d paired: %d slower, %d faster, %d same, %d n/a; %d only in base, %d only in new\n\n",
                    ids[d], k.regressed ? "REGRESSED" : "no regression", k.paired, k.slower, k.faster, k.same, k.na,
                    k.only_base, k.only_new);
            md_table(f, c, ids[d]);
            fputc('\n', f);
        }
    }
    for (int side = 0; side < 2; side++) {
        bool any = false;
        for (int i = 0; i < c->n; i++) {
            const eb_compare_pair *p = &c->pairs[i];
            const eb_result *r = side == 0 ? p->base : p->new;
            if (!r || (side == 0 ? p->new : p->base))
                continue;
            if (!any)
                fprintf(f, "\nOnly in %s:\n", side == 0 ? "base" : "new");
            any = true;
            fprintf(f, "- %s%s%s, %s, %s (%s)\n", r->device_id, *r->device_id ? ": " : "",
                    side == 0 ? p->base_label : p->new_label, r->variant.spec, r->device,
                    eb_result_status_name(r->status));
        }
    }
    char line[512];
    eb_compare_summary(c, line, sizeof line);
    fprintf(f, "\n**Summary:** %s\n", line);
}

/* The table of the pairs of one device (all pairs for NULL). */
static void md_table(FILE *f, const eb_comparison *c, const char *device_id)
{
    fputs("| model | variant | device | base ms | new ms | ratio [95% CI] | p | verdict | notes |\n"
          "| --- | --- | --- | ---: | ---: | --- | ---: | --- | --- |\n",
          f);
    for (int i = 0; i < c->n; i++) {
        const eb_compare_pair *p = &c->pairs[i];
        if (!p->base || !p->new || (device_id && strcmp(p->base->device_id, device_id) != 0))
            continue;
        fputs("|", f);
        md_cell(f, p->base_label);
        md_cell(f, p->base->variant.spec);
        md_cell(f, p->base->device);
        if (p->latency_compared) {
            md_cellf(f, "%.4g", p->lat.base_median);
            md_cellf(f, "%.4g", p->lat.new_median);
            md_cellf(f, "%.3f [%.3f, %.3f]", p->lat.ratio.ratio, p->lat.ratio.low, p->lat.ratio.high);
            md_cellf(f, "%.2g", p->lat.p);
        } else {
            for (int k = 0; k < 4; k++)
                md_cell(f, "-");
        }
        const char *words[4];
        int nw = regressions(p, words);
        char verdict[128];
        size_t len = (size_t)snprintf(verdict, sizeof verdict, "%s", eb_verdict_name(p->verdict));
        for (int k = 0; k < nw; k++)
            if (words[k] != REGRESSION_WORDS[0] && len < sizeof verdict)
                len += (size_t)snprintf(verdict + len, sizeof verdict - len, ", %s", words[k]);
        md_cell(f, verdict);
        md_notes(f, p);
        fputc('\n', f);
    }
}

/* ---- JSON ---------------------------------------------------------------------- */

static cJSON *set_json(const eb_result_set *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", s->path);
    cJSON_AddStringToObject(o, "start_time", s->start_time);
    cJSON_AddStringToObject(o, "git_commit", s->git_commit);
    cJSON_AddStringToObject(o, "host", s->host);
    return o;
}

static cJSON *key_json(const eb_result *r, const char *label)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", r->model_name);
    cJSON_AddStringToObject(o, "model_label", label);
    cJSON_AddStringToObject(o, "model_sha256", r->model_sha256);
    cJSON_AddStringToObject(o, "variant", r->variant.spec);
    cJSON_AddStringToObject(o, "device", r->device);
    if (*r->device_id)
        cJSON_AddStringToObject(o, "device_id", r->device_id);
    cJSON_AddStringToObject(o, "status", eb_result_status_name(r->status));
    return o;
}

static cJSON *pair_json(const eb_compare_pair *p)
{
    const eb_result *b = p->base, *n = p->new;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "model", b->model_name);
    cJSON_AddStringToObject(o, "model_label", p->base_label);
    cJSON_AddBoolToObject(o, "model_changed", p->model_changed);
    cJSON_AddStringToObject(o, "base_model_sha256", b->model_sha256);
    cJSON_AddStringToObject(o, "new_model_sha256", n->model_sha256);
    cJSON_AddStringToObject(o, "variant", b->variant.spec);
    cJSON_AddStringToObject(o, "device", b->device);
    if (*b->device_id)
        cJSON_AddStringToObject(o, "device_id", b->device_id);
    cJSON_AddStringToObject(o, "base_status", eb_result_status_name(b->status));
    cJSON_AddStringToObject(o, "new_status", eb_result_status_name(n->status));
    if (p->latency_compared) {
        const eb_latency_cmp *l = &p->lat;
        cJSON_AddNumberToObject(o, "n_base", l->n_base);
        cJSON_AddNumberToObject(o, "n_new", l->n_new);
        eb_json_add_num(o, "base_median_ms", l->base_median);
        eb_json_add_num(o, "new_median_ms", l->new_median);
        eb_json_add_num(o, "ratio", l->ratio.ratio);
        cJSON *ci = cJSON_AddObjectToObject(o, "ratio_ci95");
        eb_json_add_num(ci, "low", l->ratio.low);
        eb_json_add_num(ci, "high", l->ratio.high);
        cJSON_AddStringToObject(ci, "method", l->hierarchical ? "hierarchical percentile bootstrap (processes, then samples)"
                                                              : "percentile bootstrap");
        cJSON_AddNumberToObject(ci, "resamples", l->ratio.resamples);
        cJSON_AddStringToObject(ci, "scope", l->hierarchical ? "between-process" : "within-process only");
        cJSON_AddNumberToObject(o, "processes_base", l->k_base);
        cJSON_AddNumberToObject(o, "processes_new", l->k_new);
        cJSON *t = cJSON_AddObjectToObject(o, "test");
        cJSON_AddStringToObject(t, "name", l->hierarchical ? "hierarchical-bootstrap" : "mann-whitney-u");
        cJSON_AddStringToObject(t, "method", l->hierarchical ? "two-sided share of resampled ratios beyond 1"
                                                             : eb_mw_method_name(l->mw.method));
        eb_json_add_num(t, "u", l->mw.u);
        eb_json_add_num(t, "z", l->mw.z);
        eb_json_add_num(o, "p", l->p);
    } else {
        cJSON_AddNullToObject(o, "ratio");
        cJSON_AddNullToObject(o, "p");
    }
    cJSON_AddStringToObject(o, "verdict", eb_verdict_name(p->verdict));
    if (p->acc_compared) {
        cJSON *a = cJSON_AddObjectToObject(o, "accuracy");
        cJSON_AddStringToObject(a, "metric", b->task.metric);
        cJSON_AddNumberToObject(a, "count", (double)b->task.count);
        eb_json_add_num(a, "base", b->task.value);
        eb_json_add_num(a, "new", n->task.value);
        eb_json_add_num(a, "delta_pp", p->acc_delta_pp);
        cJSON_AddBoolToObject(a, "regressed", p->acc_regressed);
    } else {
        cJSON_AddNullToObject(o, "accuracy");
    }
    if (p->drift_shown) {
        cJSON *d = cJSON_AddObjectToObject(o, "drift_rel_l2");
        eb_json_add_num(d, "base", b->drift.rel_l2);
        eb_json_add_num(d, "new", n->drift.rel_l2);
    } else {
        cJSON_AddNullToObject(o, "drift_rel_l2");
    }
    if (p->mem_compared) {
        cJSON *m = cJSON_AddObjectToObject(o, "memory");
        cJSON_AddNumberToObject(m, "base_peak_rss_bytes", (double)b->peak_rss_bytes);
        cJSON_AddNumberToObject(m, "new_peak_rss_bytes", (double)n->peak_rss_bytes);
        cJSON_AddStringToObject(m, "judged_on", p->mem_by_growth ? "peak_growth_bytes" : "peak_rss_bytes");
        if (p->mem_by_growth) {
            cJSON_AddNumberToObject(m, "base_peak_growth_bytes", (double)b->peak_growth_bytes);
            cJSON_AddNumberToObject(m, "new_peak_growth_bytes", (double)n->peak_growth_bytes);
        }
        eb_json_add_num(m, "growth_pct", p->mem_growth_pct);
        cJSON_AddBoolToObject(m, "regressed", p->mem_regressed);
    } else {
        cJSON_AddNullToObject(o, "memory");
    }
    if (p->energy_compared || *p->energy_note) {
        cJSON *e = cJSON_AddObjectToObject(o, "energy");
        cJSON_AddBoolToObject(e, "compared", p->energy_compared);
        if (p->energy_compared) {
            cJSON_AddStringToObject(e, "kind", eb_energy_kind_name(b->energy.kind));
            cJSON_AddStringToObject(e, "method", b->energy.method);
            eb_json_add_num(e, "base_joules_per_inference", b->energy.joules_per_inference);
            eb_json_add_num(e, "new_joules_per_inference", n->energy.joules_per_inference);
            eb_json_add_num(e, "ratio", p->energy_ratio);
        } else {
            cJSON_AddStringToObject(e, "reason", p->energy_note);
        }
    } else {
        cJSON_AddNullToObject(o, "energy");
    }
    const char *words[4];
    int nw = regressions(p, words);
    cJSON_AddItemToObject(o, "regressions", cJSON_CreateStringArray(words, nw));
    cJSON_AddBoolToObject(o, "regressed", p->regressed);
    cJSON_AddStringToObject(o, "note", p->note);
    return o;
}

/* cJSON_AddItemToArray that reports a NULL item (allocation failure). */
static bool append(cJSON *arr, cJSON *item)
{
    if (!item)
        return false;
    cJSON_AddItemToArray(arr, item);
    return true;
}

/* Merged documents: "devices", each device's counts and verdict. */
static bool devices_json(cJSON *root, const eb_comparison *c)
{
    const char *ids[EB_COMPARE_MAX_DEVICES];
    int n = eb_compare_devices(c, ids, EB_COMPARE_MAX_DEVICES);
    if (n == 0)
        return true;
    cJSON *arr = cJSON_AddArrayToObject(root, "devices");
    for (int d = 0; arr && d < n; d++) {
        eb_compare_counts k;
        eb_compare_count(c, ids[d], &k);
        cJSON *o = cJSON_CreateObject();
        if (!append(arr, o))
            return false;
        cJSON_AddStringToObject(o, "device_id", ids[d]);
        cJSON_AddStringToObject(o, "verdict", k.regressed ? "regressed" : "ok");
        cJSON_AddNumberToObject(o, "paired", k.paired);
        cJSON_AddNumberToObject(o, "regressed", k.regressed);
        cJSON_AddNumberToObject(o, "slower", k.slower);
        cJSON_AddNumberToObject(o, "faster", k.faster);
        cJSON_AddNumberToObject(o, "same", k.same);
        cJSON_AddNumberToObject(o, "na", k.na);
        cJSON_AddNumberToObject(o, "only_in_base", k.only_base);
        cJSON_AddNumberToObject(o, "only_in_new", k.only_new);
    }
    return arr != NULL;
}

cJSON *eb_compare_json(const eb_comparison *c)
{
    const eb_compare_opts *o = &c->opts;
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    cJSON_AddStringToObject(root, "kind", "edgebench-compare");
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON *base = set_json(c->base), *new = set_json(c->new);
    ok = ok && base && new;
    if (ok) {
        cJSON_AddItemToObject(root, "base", base);
        cJSON_AddItemToObject(root, "new", new);
    } else {
        cJSON_Delete(base);
        cJSON_Delete(new);
    }
    cJSON *s = cJSON_AddObjectToObject(root, "settings");
    cJSON_AddNumberToObject(s, "threshold_pct", o->threshold_pct);
    cJSON_AddNumberToObject(s, "alpha", o->alpha);
    cJSON_AddNumberToObject(s, "acc_threshold_pp", o->acc_threshold_pp);
    cJSON_AddNumberToObject(s, "mem_threshold_pct", o->mem_threshold_pct);
    cJSON_AddNumberToObject(s, "mem_floor_bytes", o->mem_floor_bytes);
    cJSON_AddNumberToObject(s, "bootstrap_resamples", o->resamples);
    cJSON_AddBoolToObject(s, "allow_model_change", o->allow_model_change);
    cJSON_AddStringToObject(s, "ci", "percentile bootstrap of the ratio of medians, fixed seed; hierarchical "
                                     "(processes, then samples) when a side ran in several processes");
    cJSON_AddStringToObject(s, "test", "two-sided Mann-Whitney U (exact below 8 samples a side, else normal "
                                       "approximation with tie and continuity corrections); when a side ran in "
                                       "several processes, the hierarchical bootstrap's share of resampled ratios "
                                       "beyond 1");
    cJSON *pairs = cJSON_AddArrayToObject(root, "pairs");
    cJSON *only_base = cJSON_AddArrayToObject(root, "only_in_base");
    cJSON *only_new = cJSON_AddArrayToObject(root, "only_in_new");
    ok = ok && s && pairs && only_base && only_new;
    for (int i = 0; ok && i < c->n; i++) {
        const eb_compare_pair *p = &c->pairs[i];
        if (p->base && p->new)
            ok = append(pairs, pair_json(p));
        else
            ok = append(p->base ? only_base : only_new,
                        key_json(p->base ? p->base : p->new, p->base ? p->base_label : p->new_label));
    }
    const eb_compare_counts *k = &c->count;
    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(sum, "paired", k->paired);
    cJSON_AddNumberToObject(sum, "slower", k->slower);
    cJSON_AddNumberToObject(sum, "faster", k->faster);
    cJSON_AddNumberToObject(sum, "same", k->same);
    cJSON_AddNumberToObject(sum, "na", k->na);
    cJSON_AddNumberToObject(sum, "accuracy_regressed", k->acc_regressed);
    cJSON_AddNumberToObject(sum, "memory_regressed", k->mem_regressed);
    cJSON_AddNumberToObject(sum, "status_regressed", k->status_regressed);
    cJSON_AddNumberToObject(sum, "only_in_base", k->only_base);
    cJSON_AddNumberToObject(sum, "only_in_new", k->only_new);
    cJSON_AddNumberToObject(sum, "model_changed", k->model_changed);
    cJSON_AddBoolToObject(sum, "regressed", k->regressed > 0);
    char line[512];
    eb_compare_summary(c, line, sizeof line);
    ok = ok && sum && cJSON_AddStringToObject(sum, "text", line);
    ok = ok && devices_json(root, c);
    /* every object and array is checked; a scalar member whose allocation
     * failed is left out (cJSON ignores adding to NULL) */
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
