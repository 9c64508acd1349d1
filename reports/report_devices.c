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

void eb_report_device_cell(const eb_report *rep, int set, const char *id, const eb_device_col *col, char *buf,
                           size_t n)
{
    snprintf(buf, n, "-");
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        const eb_result *r = e->r;
        if (e->model != col->model || strcmp(r->variant.spec, col->spec) != 0 || strcmp(r->device_id, id) != 0 ||
            (set >= 0 && e->set != set))
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

/* Rows: the devices, or with several files (nights), each (file,
 * device) in the entries' order. */
typedef struct table {
    const char *ids[EB_REPORT_MAX_DEVICES];
    int n_ids;
    const char *row_id[EB_REPORT_MAX_DEVICES];
    int row_set[EB_REPORT_MAX_DEVICES]; /* -1: every file */
    int n_rows;
    eb_device_col cols[MAX_COLS];
    int n_cols;
} table;

static bool build(const eb_report *rep, table *t)
{
    t->n_ids = eb_report_devices(rep, t->ids, EB_REPORT_MAX_DEVICES);
    t->n_cols = t->n_ids ? eb_report_device_cols(rep, t->cols, MAX_COLS) : 0;
    t->n_rows = 0;
    for (int i = 0; i < rep->n_entries && t->n_ids; i++) {
        const eb_report_entry *e = &rep->entries[i];
        int set = rep->n_sets > 1 ? e->set : -1;
        bool seen = !*e->r->device_id;
        for (int k = 0; k < t->n_rows && !seen; k++)
            seen = t->row_set[k] == set && strcmp(t->row_id[k], e->r->device_id) == 0;
        if (!seen && t->n_rows < EB_REPORT_MAX_DEVICES) {
            t->row_id[t->n_rows] = e->r->device_id;
            t->row_set[t->n_rows++] = set;
        }
    }
    return t->n_ids > 0;
}

static void row_name(const eb_report *rep, const table *t, int k, char *buf, size_t n)
{
    if (t->row_set[k] < 0)
        snprintf(buf, n, "%s", t->row_id[k]);
    else
        snprintf(buf, n, "%s @ %s", t->row_id[k], rep->set_labels[t->row_set[k]]);
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
    for (int d = 0; d < t->n_rows; d++) {
        fputs("| ", f);
        row_name(rep, t, d, cell, sizeof cell);
        eb_md_cell(f, cell);
        fputs(" |", f);
        for (int c = 0; c < t->n_cols; c++) {
            eb_report_device_cell(rep, t->row_set[d], t->row_id[d], &t->cols[c], cell, sizeof cell);
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
    for (int d = 0; d < t->n_rows; d++) {
        fputs("<tr><td class=\"mono\">", f);
        row_name(rep, t, d, cell, sizeof cell);
        eb_html_escape(f, cell);
        fputs("</td>", f);
        for (int c = 0; c < t->n_cols; c++) {
            eb_report_device_cell(rep, t->row_set[d], t->row_id[d], &t->cols[c], cell, sizeof cell);
            fputs("<td class=\"n\">", f);
            eb_html_escape(f, cell);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
    free(t);
}
