/* emit_md.c - results as a markdown table (for CI comments and terminals).
 * The aligned table the run command prints as it goes is emit_table.c. */
#include <stdio.h>
#include <string.h>

#include "reports/emit_text.h"

const char *eb_drift_cell(const eb_result *r, char *buf, size_t n)
{
    if (r->is_baseline)
        snprintf(buf, n, "baseline");
    else if (r->drift.available)
        snprintf(buf, n, "%.2e", r->drift.rel_l2);
    else
        snprintf(buf, n, "-");
    return buf;
}

static void latency_cells(const eb_result *r, char *med, char *p90, char *cv, size_t n)
{
    if (r->n_samples > 0) {
        snprintf(med, n, "%.3f", r->latency.median);
        if (r->latency.p90_available) /* else too few samples for a p90 */
            snprintf(p90, n, "%.3f", r->latency.p90);
        else
            snprintf(p90, n, "-");
        snprintf(cv, n, "%.1f%%%s", r->latency.cv * 100, r->latency.unstable ? "!" : "");
    } else {
        snprintf(med, n, "-");
        snprintf(p90, n, "-");
        snprintf(cv, n, "-");
    }
}

/* The task metric, "87.6%", or "-". */
static const char *task_cell(const eb_result *r, char *buf, size_t n)
{
    if (r->task.available)
        snprintf(buf, n, "%.2f%%", r->task.value * 100);
    else
        snprintf(buf, n, "-");
    return buf;
}

static void status_cell(const eb_result *r, char *buf, size_t n)
{
    if (r->status == EB_RESULT_OK)
        snprintf(buf, n, "ok");
    else
        snprintf(buf, n, "%s: %.120s", eb_result_status_name(r->status), r->error);
}

void eb_emit_md(FILE *f, const eb_report_doc *d)
{
    fprintf(f, "# edgebench results\n\n");
    fprintf(f, "%s on %s (%s), %s, edgebench %s (%s)\n\n", d->prov->start_time, d->prov->device.brand,
            d->prov->device.arch, d->prov->device.os, d->prov->version, d->prov->git_commit);
    fprintf(f, "| model | variant | median ms | p90 ms | CV | drift (rel. L2) | top-1 | peak MB | status |\n");
    fprintf(f, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (int i = 0; i < d->n_results; i++) {
        const eb_result *r = &d->results[i];
        char med[32], p90[32], cv[32], drift[32], task[32], st[160];
        latency_cells(r, med, p90, cv, sizeof med);
        status_cell(r, st, sizeof st);
        fprintf(f, "| %s | `%s` | %s | %s | %s | %s | %s | ", r->model_name, r->variant.spec, med, p90, cv,
                eb_drift_cell(r, drift, sizeof drift), task_cell(r, task, sizeof task));
        if (r->peak_rss_bytes)
            fprintf(f, "%.1f", (double)r->peak_rss_bytes / 1048576.0);
        else
            fputs("-", f);
        fprintf(f, " | %s |\n", st);
    }
    fprintf(f, "\nCV marked ! is above the %.0f%% stability threshold.\n", d->settings->cv_threshold * 100);
}
