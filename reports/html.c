/* html.c - the report's self-contained page (see html.h). */
#include "reports/html.h"
#include "reports/report_devices.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "models/file_replace.h"
#include "reports/version.h"
#include "models/onnx_tensor.h"

static const char CSS[] =
    "body{font:15px/1.45 'DejaVu Sans',system-ui,sans-serif;color:#1d1d1f;background:#fff;margin:0}\n"
    "main{max-width:1240px;margin:0 auto;padding:22px 20px 48px}\n"
    "h1{font-size:26px;margin:0 0 4px}h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;"
    "border-bottom:1px solid #ddd}h3{font-size:16px;margin:22px 0 6px}\n"
    ".sub{color:#555;margin:0 0 12px}\n"
    "nav{font-size:14px;color:#555}nav a{color:#0a58ca;text-decoration:none;margin-right:14px}\n"
    ".tbl{overflow-x:auto;margin:8px 0}\n"
    "table{border-collapse:collapse;font-size:12.5px}\n"
    "th,td{padding:4px 6px;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}\n"
    "th{background:#f4f5f7;font-weight:600;white-space:nowrap}\n"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.nw{white-space:nowrap}\n"
    "tr.first td{border-top:2px solid #c8c8c8}\n"
    "td.st-ok{color:#1a7f37}td.st-bad{color:#b42318}td.st-uns{color:#8a6d00}\n"
    ".sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}\n"
    "code,.mono{font-family:'DejaVu Sans Mono',monospace;font-size:12px}\n"
    "figure{margin:10px 0 26px}figure svg{max-width:100%;height:auto;display:block}\n"
    "figcaption{color:#444;font-size:13.5px;max-width:900px;margin-top:4px}\n"
    ".note{background:#fff8e5;border-left:4px solid #e0b000;padding:8px 12px;margin:10px 0;font-size:14px}\n"
    ".skip{color:#555;font-style:italic}\n"
    "dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;font-size:13.5px;margin:6px 0 18px}\n"
    "dl.prov dt{color:#555}dl.prov dd{margin:0;word-break:break-word}\n"
    "footer{color:#666;font-size:13px;margin-top:36px}\n";

void eb_html_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f); break;
        }
    }
}

/* ---- inline SVG ---- */

char *eb_html_svg_inline(const char *svg, const char *prefix)
{
    const char *start = strstr(svg, "<svg");
    if (!start)
        return NULL;
    static const char *const MARKS[] = {" id='", " id=\"", "href='#", "href=\"#", "url(#"};
    static const char TITLE[] = "<title>Gnuplot</title>";
    size_t plen = strlen(prefix), count = 0;
    for (const char *p = start; *p; p++)
        for (size_t k = 0; k < sizeof MARKS / sizeof MARKS[0]; k++)
            count += strncmp(p, MARKS[k], strlen(MARKS[k])) == 0;
    size_t cap = strlen(start) + count * plen + 1;
    char *out = malloc(cap), *o = out;
    if (!out)
        return NULL;
    for (const char *p = start; *p;) {
        if (strncmp(p, TITLE, sizeof TITLE - 1) == 0) {
            p += sizeof TITLE - 1;
            continue;
        }
        bool hit = false;
        for (size_t k = 0; k < sizeof MARKS / sizeof MARKS[0] && !hit; k++) {
            size_t len = strlen(MARKS[k]);
            if (strncmp(p, MARKS[k], len) == 0) {
                memcpy(o, p, len);
                memcpy(o + len, prefix, plen);
                o += len + plen;
                p += len;
                hit = true;
            }
        }
        if (!hit)
            *o++ = *p++;
    }
    *o = '\0';
    return out;
}

/* ---- pieces of the page ---- */

static void table(FILE *f, const eb_report *rep)
{
    bool files = rep->n_sets > 1;
    fputs("<div class=\"tbl\"><table>\n<thead><tr>", f);
    for (int c = 0; c < EB_COL_COUNT; c++) {
        if (c == EB_COL_FILE && !files)
            continue;
        fputs("<th>", f);
        eb_html_escape(f, eb_report_col_name(c));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        bool first = i > 0 && e->model != rep->entries[i - 1].model;
        fprintf(f, "<tr%s>", first ? " class=\"first\"" : "");
        /* a result with no numbers (unsupported, failed...) spends the
         * numeric columns on its reason instead of a row of dashes */
        bool no_numbers = e->r->status != EB_RESULT_OK && e->r->n_samples == 0;
        for (int c = 0; c < EB_COL_COUNT; c++) {
            if (c == EB_COL_FILE && !files)
                continue;
            if (no_numbers && c > EB_COL_FILE && c < EB_COL_STATUS)
                continue;
            char cell[1024];
            eb_report_cell(rep, e, c, cell, sizeof cell);
            if (c == EB_COL_STATUS) {
                const char *cls = e->r->status == EB_RESULT_OK            ? "st-ok"
                                  : e->r->status == EB_RESULT_UNSUPPORTED ? "st-uns"
                                                                          : "st-bad";
                if (no_numbers)
                    fprintf(f, "<td class=\"%s\" colspan=\"%d\">", cls, EB_COL_STATUS - EB_COL_FILE);
                else
                    fprintf(f, "<td class=\"%s\">", cls);
            } else {
                fputs(eb_report_col_numeric(c)                              ? "<td class=\"n\">"
                      : c == EB_COL_VARIANT || c == EB_COL_FILE || c == EB_COL_MODEL ? "<td class=\"nw\">"
                                                                                     : "<td>",
                      f);
            }
            if (c == EB_COL_VARIANT)
                fprintf(f, "<span class=\"sw\" style=\"background:%s\"></span><span class=\"mono\">",
                        rep->series[e->series].colour);
            eb_html_escape(f, cell);
            fputs(c == EB_COL_VARIANT ? "</span></td>" : "</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table></div>\n", f);
}

/* --profile: each profiled result's slowest nodes */
static void slowest_nodes(FILE *f, const eb_report *rep)
{
    if (!eb_report_any_profiled(rep))
        return;
    fprintf(f, "<h2 id=\"profile\">Slowest nodes</h2>\n<p class=\"sub\">The %d slowest nodes of each profiled "
               "result: median milliseconds over the profiling passes that followed the timed runs, and share of "
               "the profiled total.</p>\n",
            EB_REPORT_SLOWEST);
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (!e->r->profiled)
            continue;
        char head[1024];
        eb_report_profile_heading(rep, e, head, sizeof head);
        fputs("<h3>", f);
        eb_html_escape(f, head);
        fputs("</h3>\n", f);
        int idx[EB_REPORT_SLOWEST];
        int n = eb_report_slowest_nodes(e->r, idx, EB_REPORT_SLOWEST);
        if (n == 0)
            continue;
        double total = eb_result_profile_total_ms(e->r);
        fputs("<div class=\"tbl\"><table>\n<thead><tr><th>#</th><th>node</th><th>op</th><th>ms</th><th>share</th>"
              "</tr></thead>\n<tbody>\n",
              f);
        for (int k = 0; k < n; k++) {
            const eb_profile_node *t = &e->r->profile[idx[k]];
            char ms[32];
            eb_report_fmt_ms(t->ms, ms, sizeof ms);
            fprintf(f, "<tr><td class=\"n\">%d</td><td class=\"mono\">", k + 1);
            eb_html_escape(f, t->name);
            fputs("</td><td>", f);
            eb_html_escape(f, t->op);
            fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%.1f%%</td></tr>\n", ms,
                    total > 0 ? 100 * t->ms / total : 0);
        }
        fputs("</tbody>\n</table></div>\n", f);
    }
}

static eb_status figure(FILE *f, const eb_plot *p, int k, const char *dir, const char *plots_note, eb_err *err)
{
    fprintf(f, "<figure id=\"plot-%d\">\n<h3>", k);
    eb_html_escape(f, p->title);
    fputs("</h3>\n", f);
    if (p->skipped) {
        fputs("<p class=\"skip\">Not plotted: ", f);
        eb_html_escape(f, p->caption);
        fputs("</p>\n</figure>\n", f);
        return EB_OK;
    }
    if (!p->rendered) {
        fputs("<p class=\"skip\">Not drawn", f);
        if (plots_note) {
            fputs(": ", f);
            eb_html_escape(f, plots_note);
        }
        fprintf(f, ". Its script is <code>%s.gp</code> in the report folder.</p>\n</figure>\n", p->name);
        return EB_OK;
    }
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.svg", dir, p->name);
    void *buf;
    size_t len;
    eb_status st = eb_read_file(path, &buf, &len, err);
    if (st != EB_OK)
        return st;
    char *text = buf; /* NUL-terminated */
    char prefix[32];
    snprintf(prefix, sizeof prefix, "p%d-", k);
    char *svg = eb_html_svg_inline(text, prefix);
    free(text);
    if (!svg)
        return eb_errf(err, EB_EFORMAT, "%s: no <svg> element (or out of memory)", path);
    fputs(svg, f);
    free(svg);
    /* the file names are stems made of [A-Za-z0-9._-]: nothing to escape */
    fprintf(f, "\n<figcaption>");
    eb_html_escape(f, p->caption);
    fprintf(f, " <span class=\"mono\">%s.png</span>, <span class=\"mono\">%s.svg</span>; drawn by "
               "<span class=\"mono\">%s.gp</span> from <span class=\"mono\">%s.dat</span>.</figcaption>\n</figure>\n",
            p->name, p->name, p->name, p->name);
    return EB_OK;
}

static void provenance(FILE *f, const eb_report *rep)
{
    for (int s = 0; s < rep->n_sets; s++) {
        if (rep->n_sets > 1) {
            fprintf(f, "<h3>File %d: ", s + 1);
            eb_html_escape(f, rep->set_labels[s]);
            fputs("</h3>\n", f);
        }
        fputs("<dl class=\"prov\">\n", f);
        const char *key;
        char value[4096];
        int n = eb_report_provenance(rep, s, 0, &key, value, sizeof value);
        for (int i = 0; i < n; i++) {
            eb_report_provenance(rep, s, i, &key, value, sizeof value);
            fputs("<dt>", f);
            eb_html_escape(f, key);
            fputs(i == 4 ? "</dt><dd class=\"mono\">" : "</dt><dd>", f);
            eb_html_escape(f, value);
            fputs("</dd>\n", f);
        }
        fputs("</dl>\n", f);
    }
}

static eb_status page(FILE *f, const eb_report *rep, const eb_plot_list *plots, const char *dir,
                      const eb_html_opts *o, eb_err *err)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>edgebench report</title>\n<style>\n",
          f);
    fputs(CSS, f);
    fputs("</style>\n</head>\n<body>\n<main>\n<h1>edgebench report</h1>\n<p class=\"sub\">", f);
    int models = rep->n_models;
    fprintf(f, "%d result%s, %d model%s, from ", rep->n_entries, rep->n_entries == 1 ? "" : "s", models,
            models == 1 ? "" : "s");
    for (int s = 0; s < rep->n_sets; s++) {
        fputs(s ? (s + 1 == rep->n_sets ? " and " : ", ") : "", f);
        fputs("<span class=\"mono\">", f);
        eb_html_escape(f, rep->sets[s].path);
        fputs("</span>", f);
        if (rep->n_sets > 1) {
            fputs(" (", f);
            eb_html_escape(f, rep->set_labels[s]);
            fputs(")", f);
        }
    }
    const char *any_device[1];
    fputs(".</p>\n<nav><a href=\"#results\">Results</a>", f);
    if (eb_report_devices(rep, any_device, 1) > 0) /* merged documents */
        fputs("<a href=\"#devices\">Devices</a>", f);
    fputs("<a href=\"#plots\">Plots</a><a href=\"#energy\">Energy</a><a href=\"#provenance\">Provenance</a></nav>\n",
          f);
    if (o->plots_note) {
        fputs("<p class=\"note\">Plots not drawn: ", f);
        eb_html_escape(f, o->plots_note);
        fputs("</p>\n", f);
    }

    fputs("<h2 id=\"results\">Results</h2>\n", f);
    table(f, rep);
    fputs("<p class=\"sub\">Latency in milliseconds per inference, warm-up runs excluded; the 95% confidence interval "
          "of the median is distribution-free (order statistics). CV is the coefficient of variation, marked "
          "<em>unstable</em> above the run's threshold. Drift is the relative L2 error of the outputs against the ref "
          "baseline on the same inputs; the task metric is measured on the model's dataset, with its difference to "
          "the baseline in percentage points. Peak memory is the resident high-water mark of each variant's own "
          "process.</p>\n",
          f);

    eb_report_devices_html(f, rep); /* merged documents: device x variant */
    slowest_nodes(f, rep);

    /* latency first, then each model's plots, then the rest; energy has its own section */
    eb_status st = EB_OK;
    fputs("<h2 id=\"plots\">Latency</h2>\n", f);
    for (int k = 0; k < plots->n && st == EB_OK; k++)
        if (strcmp(plots->items[k].name, "latency") == 0)
            st = figure(f, &plots->items[k], k, dir, o->plots_note, err);
    for (int m = 0; m < rep->n_models && st == EB_OK; m++) {
        fputs("<h2>Model ", f);
        eb_html_escape(f, rep->models[m]);
        fputs("</h2>\n", f);
        for (int k = 0; k < plots->n && st == EB_OK; k++)
            if (plots->items[k].model == m)
                st = figure(f, &plots->items[k], k, dir, o->plots_note, err);
    }
    fputs("<h2>Thread scaling and memory</h2>\n", f);
    for (int k = 0; k < plots->n && st == EB_OK; k++) {
        const eb_plot *p = &plots->items[k];
        if (p->model < 0 && strcmp(p->name, "latency") != 0 && strcmp(p->name, "energy") != 0)
            st = figure(f, p, k, dir, o->plots_note, err);
    }
    if (st != EB_OK)
        return st;

    fputs("<h2 id=\"energy\">Energy</h2>\n<p>", f);
    char energy[2048];
    eb_report_energy_summary(rep, energy, sizeof energy);
    eb_html_escape(f, energy);
    fputs("</p>\n", f);
    for (int k = 0; k < plots->n && st == EB_OK; k++)
        if (strcmp(plots->items[k].name, "energy") == 0 && !plots->items[k].skipped)
            st = figure(f, &plots->items[k], k, dir, o->plots_note, err);
    if (st != EB_OK)
        return st;

    fputs("<h2 id=\"provenance\">Provenance</h2>\n", f);
    provenance(f, rep);
    fputs("<footer>Generated by edgebench " EB_VERSION, f);
    if (o->generated) {
        fputs(" at ", f);
        eb_html_escape(f, o->generated);
    }
    if (o->command_line) {
        fputs(" with <span class=\"mono\">", f);
        eb_html_escape(f, o->command_line);
        fputs("</span>", f);
    }
    fputs(". Every plot has a gnuplot script and its data beside this page: edit <span class=\"mono\">NAME.gp</span> "
          "and run <span class=\"mono\">gnuplot NAME.gp</span> in this folder to redraw it.</footer>\n",
          f);
    fputs("</main>\n</body>\n</html>\n", f);
    return EB_OK;
}

eb_status eb_html_write(const eb_report *rep, const eb_plot_list *plots, const char *dir, const eb_html_opts *o,
                        eb_err *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/index.html", dir);
    eb_file_replace w; /* mkstemp + rename: a planted link is not followed */
    eb_status st = eb_file_replace_open(&w, path, err);
    if (st != EB_OK)
        return st;
    st = page(w.f, rep, plots, dir, o, err);
    if (st == EB_OK && ferror(w.f))
        st = eb_errf(err, EB_EIO, "%s: write failed", path);
    if (st != EB_OK) {
        eb_file_replace_abort(&w);
        return st;
    }
    return eb_file_replace_commit(&w, err);
}
