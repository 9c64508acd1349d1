/* emit_table.c - the aligned table `edgebench run` prints row by row as
 * variants finish, and the cell formats it shares with other tables:
 * durations in the unit that suits them, the count of reference-kernel
 * fallbacks, and hyperfine's relative column against the ref baseline.
 *
 * Columns are sized before the first row (the run knows every model name
 * and variant spec up front), so names are never cut.  Cells may hold
 * UTF-8 ("µs", "×"), so padding counts characters, not bytes.  Under a
 * row, indented lines say what its runner fused ("fusions: ..."), how an
 * offloaded inference split between copies and kernels ("device time:
 * ..."), the runner's note on its timings ("note: ..."), the energy
 * per inference ("energy: ...", an estimate marked "~ ... est."), and the
 * noise the run saw: preempted samples, a throttled clock ("noise: ..."). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/emit_text.h"
#include "reports/noise_text.h"

const char *eb_duration_cell(double ms, char *buf, size_t n)
{
    static const char *const units[] = {"ns", "µs", "ms", "s"};
    if (!isfinite(ms) || ms < 0) {
        snprintf(buf, n, "-");
        return buf;
    }
    double v = ms * 1e6; /* in ns */
    int u = 0;
    /* move up while the value would print as 1000 or more (999.96 -> 1.00) */
    while (u < 3 && v >= 999.95) {
        v /= 1000;
        u++;
    }
    if (v >= 9.995)
        snprintf(buf, n, "%.1f %s", v, units[u]);
    else
        snprintf(buf, n, "%.2f %s", v, units[u]);
    return buf;
}

/* joules in the unit that suits them, as eb_duration_cell does for time */
static const char *joules(double j, char *buf, size_t n)
{
    static const char *const units[] = {"nJ", "µJ", "mJ", "J"};
    double v = j * 1e9;
    int u = 0;
    while (u < 3 && v >= 999.95) {
        v /= 1000;
        u++;
    }
    snprintf(buf, n, v >= 9.995 ? "%.1f %s" : "%.2f %s", v, units[u]);
    return buf;
}

const char *eb_energy_cell(const eb_energy *e, char *buf, size_t n)
{
    char v[32], lo[32], hi[32];
    if (e->kind == EB_ENERGY_UNAVAILABLE || !isfinite(e->joules_per_inference)) {
        snprintf(buf, n, "-");
    } else if (e->kind == EB_ENERGY_MEASURED) {
        snprintf(buf, n, "%s%s", joules(e->joules_per_inference, v, sizeof v), e->valid ? "" : " (invalid)");
    } else if (isfinite(e->band.low)) {
        snprintf(buf, n, "~%s est.%s (%s, %s to %s)", joules(e->joules_per_inference, v, sizeof v),
                 e->relative_only ? ", relative only" : "", e->method, joules(e->band.low, lo, sizeof lo),
                 joules(e->band.high, hi, sizeof hi));
    } else {
        snprintf(buf, n, "~%s est.%s (%s)", joules(e->joules_per_inference, v, sizeof v),
                 e->relative_only ? ", relative only" : "", e->method);
    }
    return buf;
}

int eb_fallback_count(const char *fallbacks)
{
    int total = 0;
    const char *p = fallbacks;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        /* an item is "OP xN"; one without a count is one op */
        const char *x = NULL;
        for (const char *q = p; q + 1 < p + len; q++)
            if (q[0] == ' ' && q[1] == 'x')
                x = q;
        long k = 1;
        if (x) {
            char *end;
            long v = strtol(x + 2, &end, 10);
            if (end != x + 2 && v >= 0)
                k = v;
        }
        if (strspn(p, " ") < len) /* skip empty items */
            total += (int)k;
        p += len;
        if (*p == ',')
            p++;
    }
    return total;
}

const char *eb_ratio_cell(double median_ms, double base_median_ms, char *buf, size_t n)
{
    double ratio = median_ms / base_median_ms;
    if (!isfinite(median_ms) || !isfinite(base_median_ms) || base_median_ms <= 0 || median_ms < 0 ||
        !isfinite(ratio))
        snprintf(buf, n, "-");
    else if (ratio >= 99.95)
        snprintf(buf, n, "×%.0f", ratio);
    else if (ratio >= 9.995)
        snprintf(buf, n, "×%.1f", ratio);
    else if (ratio >= 0.0995)
        snprintf(buf, n, "×%.2f", ratio);
    else if (ratio >= 0.0001) /* two significant digits: ×0.041, ×0.0071 */
        snprintf(buf, n, "×%.*f", 1 - (int)floor(log10(ratio)), ratio);
    else
        snprintf(buf, n, "×<0.0001");
    return buf;
}

/* Characters in s (UTF-8: continuation bytes do not count). */
static int width_of(const char *s)
{
    int w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

/* s padded to w characters, then one space. */
static void cell(FILE *f, const char *s, int w, bool left)
{
    int pad = w - width_of(s);
    if (!left)
        fprintf(f, "%*s", pad > 0 ? pad : 0, "");
    fputs(s, f);
    if (left)
        fprintf(f, "%*s", pad > 0 ? pad : 0, "");
    fputc(' ', f);
}

/* The name a row shows: the model's name, or its path when another model
 * of the run has the same name. */
static const char *model_label(const eb_table *t, const char *name, const char *path)
{
    for (int i = 0; i < t->n_models; i++)
        if (strcmp(t->models[i].name, name) == 0 && strcmp(t->models[i].path, path) != 0)
            return path;
    return name;
}

void eb_table_init(eb_table *t, const eb_model_info *models, int n_models, double cv_threshold)
{
    memset(t, 0, sizeof *t);
    t->models = models;
    t->n_models = n_models;
    t->cv_threshold = cv_threshold;
    t->model_w = (int)strlen("model");
    t->variant_w = (int)strlen("variant");
    for (int i = 0; i < n_models; i++) {
        int w = width_of(model_label(t, models[i].name, models[i].path));
        if (w > t->model_w)
            t->model_w = w;
    }
}

void eb_table_fit_variant(eb_table *t, const char *spec)
{
    int w = width_of(spec);
    if (w > t->variant_w)
        t->variant_w = w;
}

enum { W_TIME = 9, W_CV = 7, W_RATIO = 8, W_DRIFT = 9, W_TASK = 7, W_PEAK = 7, W_FALLBACK = 9 };

void eb_emit_table_header(FILE *f, const eb_table *t)
{
    cell(f, "model", t->model_w, true);
    cell(f, "variant", t->variant_w, true);
    cell(f, "median", W_TIME, false);
    cell(f, "p90", W_TIME, false);
    cell(f, "CV", W_CV, false);
    cell(f, "× ref", W_RATIO, false);
    cell(f, "drift", W_DRIFT, false);
    cell(f, "top-1", W_TASK, false);
    cell(f, "peak MB", W_PEAK, false);
    cell(f, "fallbacks", W_FALLBACK, false);
    fputs(" status\n", f);
    fflush(f);
}

void eb_emit_table_row(FILE *f, eb_table *t, const eb_result *r, double base_median_ms)
{
    char med[32] = "-", p90[32] = "-", cv[32] = "-", ratio[32] = "-", drift[32], task[32] = "-", peak[32] = "-",
         fb[16] = "-";
    bool lat = r->n_samples > 0;
    if (lat) {
        eb_duration_cell(r->latency.median, med, sizeof med);
        if (r->latency.p90_available) /* else too few samples for a p90: "-" */
            eb_duration_cell(r->latency.p90, p90, sizeof p90);
        snprintf(cv, sizeof cv, "%.1f%%%s", r->latency.cv * 100, r->latency.unstable ? "!" : "");
        t->any_unstable |= r->latency.unstable;
        eb_ratio_cell(r->latency.median, base_median_ms, ratio, sizeof ratio);
    }
    if (r->task.available)
        snprintf(task, sizeof task, "%.2f%%", r->task.value * 100);
    if (r->peak_rss_bytes)
        snprintf(peak, sizeof peak, "%.1f", (double)r->peak_rss_bytes / 1048576.0);
    if (r->status == EB_RESULT_OK)
        snprintf(fb, sizeof fb, "%d", eb_fallback_count(r->fallbacks));
    cell(f, model_label(t, r->model_name, r->model), t->model_w, true);
    cell(f, r->variant.spec, t->variant_w, true);
    cell(f, med, W_TIME, false);
    cell(f, p90, W_TIME, false);
    cell(f, cv, W_CV, false);
    cell(f, ratio, W_RATIO, false);
    cell(f, eb_drift_cell(r, drift, sizeof drift), W_DRIFT, false);
    cell(f, task, W_TASK, false);
    cell(f, peak, W_PEAK, false);
    cell(f, fb, W_FALLBACK, false);
    if (r->status != EB_RESULT_OK) {
        fprintf(f, " %s: %.200s\n", eb_result_status_name(r->status), r->error);
        fflush(f);
        return;
    }
    fputs(" ok\n", f);
    /* under the variant: what it fused, where an offloaded inference's time went, what to know */
    if (r->fusions[0])
        fprintf(f, "%*sfusions: %s\n", t->model_w + 1, "", r->fusions);
    if (r->phases_known)
        fprintf(f, "%*sdevice time: upload %.3f ms, compute %.3f ms, download %.3f ms\n", t->model_w + 1, "",
                r->upload_ms, r->compute_ms, r->download_ms);
    if (r->runner_notes[0])
        fprintf(f, "%*snote: %s\n", t->model_w + 1, "", r->runner_notes);
    if (r->energy.kind != EB_ENERGY_UNAVAILABLE && isfinite(r->energy.joules_per_inference)) {
        char e[256];
        fprintf(f, "%*senergy: %s per inference\n", t->model_w + 1, "", eb_energy_cell(&r->energy, e, sizeof e));
    }
    /* noise the run saw: samples another task preempted, a clock that fell */
    const eb_counters *c = &r->counters;
    if ((c->preempt_known && c->preempted_samples > 0) || (r->clock.freq_available && r->clock.throttled)) {
        fprintf(f, "%*snoise:", t->model_w + 1, "");
        if (c->preempt_known && c->preempted_samples > 0)
            fprintf(f, " %lld of %lld samples preempted (%.1f%%)", (long long)c->preempted_samples,
                    (long long)c->runs, c->runs ? 100.0 * (double)c->preempted_samples / (double)c->runs : 0);
        if (r->clock.freq_available && r->clock.throttled)
            fprintf(f, "%s throttled: %.0f MHz at the start, %.0f at the lowest", c->preempted_samples > 0 ? ";" : "",
                    r->clock.start_mhz, r->clock.min_mhz);
        fputc('\n', f);
    }
    eb_noise_table_lines(f, t->model_w + 1, r); /* the sentinel's and --audit cache's flags */
    fflush(f);
}

void eb_emit_table_footer(FILE *f, const eb_table *t)
{
    if (t->any_unstable)
        fprintf(f, "! CV above the %g%% stability threshold (--cv-threshold): the median is not reliable; "
                   "rerun with more runs (-n, --min-time) on a quieter machine.\n",
                t->cv_threshold * 100);
    fflush(f);
}
