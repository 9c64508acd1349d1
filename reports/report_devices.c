/* report_devices.c - the device x variant table of a report of merged
 * documents (report_devices.h), as markdown and as HTML. */
#include "reports/report_devices.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html.h"
#include "reports/report_md.h"

#define MAX_COLS 512

int eb_report_devices(const eb_report *rep, const char **ids, int max)
{
    int n = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        const char *id = rep->entries[i].r->device_id;
        bool seen = !*id;
        for (int k = 0; k < n && !seen; k++)
            seen = strcmp(ids[k], id) == 0;
        if (!seen && n < max)
            ids[n++] = id;
    }
    return n;
}

int eb_report_device_cols(const eb_report *rep, eb_device_col *cols, int max)
{
    int n = 0;
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        bool seen = false;
        for (int k = 0; k < n && !seen; k++)
            seen = cols[k].model == e->model && strcmp(cols[k].spec, e->r->variant.spec) == 0;
        if (!seen && n < max)
            cols[n++] = (eb_device_col){e->model, e->r->variant.spec};
    }
    return n;
}

void eb_report_device_cell(const eb_report *rep, const char *id, const eb_device_col *col, char *buf, size_t n)
{
    snprintf(buf, n, "-");
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        const eb_result *r = e->r;
        if (e->model != col->model || strcmp(r->variant.spec, col->spec) != 0 || strcmp(r->device_id, id) != 0)
            continue;
        if (!eb_report_has_latency(e))
            snprintf(buf, n, "%s", eb_result_status_name(r->status));
        else if (r->latency.ci_available && isfinite(r->latency.ci_low) && isfinite(r->latency.ci_high))
            snprintf(buf, n, "%.4g [%.4g, %.4g]", r->latency.median, r->latency.ci_low, r->latency.ci_high);
        else
            snprintf(buf, n, "%.4g (no CI: too few samples)", r->latency.median);
        return; /* the first: one result per device, model and variant */
    }
}

static void col_name(const eb_report *rep, const eb_device_col *c, char *buf, size_t n)
{
    snprintf(buf, n, "%s: %s", rep->models[c->model], c->spec);
}

typedef struct table {
    const char *ids[EB_REPORT_MAX_DEVICES];
    int n_ids;
    eb_device_col cols[MAX_COLS];
    int n_cols;
} table;

static bool build(const eb_report *rep, table *t)
{
    t->n_ids = eb_report_devices(rep, t->ids, EB_REPORT_MAX_DEVICES);
    t->n_cols = t->n_ids ? eb_report_device_cols(rep, t->cols, MAX_COLS) : 0;
    return t->n_ids > 0;
}

static const char CAPTION[] = "Median latency in ms per inference on each device, with the distribution-free 95% "
                              "confidence interval of the median in brackets; - where the device has no such result.";

void eb_report_devices_md(FILE *f, const eb_report *rep)
{
    table *t = malloc(sizeof *t);
    if (!t || !build(rep, t)) {
        free(t);
        return;
    }
    char cell[600];
    fprintf(f, "\n## Devices\n\n%d devices x %d variants. %s\n\n| device |", t->n_ids, t->n_cols, CAPTION);
    for (int c = 0; c < t->n_cols; c++) {
        col_name(rep, &t->cols[c], cell, sizeof cell);
        eb_md_cell(f, cell);
        fputs(" |", f);
    }
    fputs("\n| --- |", f);
    for (int c = 0; c < t->n_cols; c++)
        fputs(" ---: |", f);
    fputs("\n", f);
    for (int d = 0; d < t->n_ids; d++) {
        fputs("| ", f);
        eb_md_cell(f, t->ids[d]);
        fputs(" |", f);
        for (int c = 0; c < t->n_cols; c++) {
            eb_report_device_cell(rep, t->ids[d], &t->cols[c], cell, sizeof cell);
            fputs(" ", f);
            eb_md_cell(f, cell);
            fputs(" |", f);
        }
        fputs("\n", f);
    }
    free(t);
}

void eb_report_devices_html(FILE *f, const eb_report *rep)
{
    table *t = malloc(sizeof *t);
    if (!t || !build(rep, t)) {
        free(t);
        return;
    }
    char cell[600];
    fprintf(f, "<h2 id=\"devices\">Devices</h2>\n<p class=\"sub\">%d devices x %d variants. ", t->n_ids, t->n_cols);
    eb_html_escape(f, CAPTION);
    fputs("</p>\n<div class=\"tbl\"><table>\n<thead><tr><th>device</th>", f);
    for (int c = 0; c < t->n_cols; c++) {
        col_name(rep, &t->cols[c], cell, sizeof cell);
        fputs("<th class=\"mono\">", f);
        eb_html_escape(f, cell);
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int d = 0; d < t->n_ids; d++) {
        fputs("<tr><td class=\"mono\">", f);
        eb_html_escape(f, t->ids[d]);
        fputs("</td>", f);
        for (int c = 0; c < t->n_cols; c++) {
            eb_report_device_cell(rep, t->ids[d], &t->cols[c], cell, sizeof cell);
            fputs("<td class=\"n\">", f);
            eb_html_escape(f, cell);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
    free(t);
}
