/* report_md.c - the report as markdown (see report_md.h). */
#include "reports/report_md.h"
#include "reports/report_devices.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "models/file_replace.h"
#include "reports/layers_json.h"

void eb_md_cell(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '|')
            fputs("\\|", f);
        else if (c == '<')
            fputs("&lt;", f);
        else if (c == '>')
            fputs("&gt;", f);
        else if (c < 0x20 || c == 0x7f)
            fputc(' ', f);
        else
            fputc(c, f);
    }
}

static void table(FILE *f, const eb_report *rep)
{
    bool files = rep->n_sets > 1;
    fputs("|", f);
    for (int c = 0; c < EB_COL_COUNT; c++)
        if (c != EB_COL_FILE || files)
            fprintf(f, " %s |", eb_report_col_name(c));
    fputs("\n|", f);
    for (int c = 0; c < EB_COL_COUNT; c++)
        if (c != EB_COL_FILE || files)
            fputs(eb_report_col_numeric(c) ? " ---: |" : " --- |", f);
    fputs("\n", f);
    for (int i = 0; i < rep->n_entries; i++) {
        fputs("|", f);
        for (int c = 0; c < EB_COL_COUNT; c++) {
            if (c == EB_COL_FILE && !files)
                continue;
            char cell[1024];
            eb_report_cell(rep, &rep->entries[i], c, cell, sizeof cell);
            fputs(" ", f);
            eb_md_cell(f, cell);
            fputs(" |", f);
        }
        fputs("\n", f);
    }
}

/* --profile: each profiled result's slowest nodes */
static void slowest_nodes(FILE *f, const eb_report *rep)
{
    if (!eb_report_any_profiled(rep))
        return;
    fprintf(f, "\n## Slowest nodes\n\nThe %d slowest nodes of each profiled result: median ms over the profiling "
               "passes that followed the timed runs, and share of the profiled total.\n",
            EB_REPORT_SLOWEST);
    for (int i = 0; i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        if (!e->r->profiled)
            continue;
        char head[1024];
        eb_report_profile_heading(rep, e, head, sizeof head);
        fputs("\n### ", f);
        eb_md_cell(f, head);
        fputs("\n\n", f);
        int idx[EB_REPORT_SLOWEST];
        int n = eb_report_slowest_nodes(e->r, idx, EB_REPORT_SLOWEST);
        if (n == 0)
            continue;
        double total = eb_result_profile_total_ms(e->r);
        fputs("| # | node | op | ms | share |\n| ---: | --- | --- | ---: | ---: |\n", f);
        for (int k = 0; k < n; k++) {
            const eb_profile_node *t = &e->r->profile[idx[k]];
            char ms[32];
            eb_report_fmt_ms(t->ms, ms, sizeof ms);
            fprintf(f, "| %d | ", k + 1);
            eb_md_cell(f, t->name);
            fputs(" | ", f);
            eb_md_cell(f, t->op);
            fprintf(f, " | %s | %.1f%% |\n", ms, total > 0 ? 100 * t->ms / total : 0);
        }
    }
}

/* --layers and --sensitivity: the first node over the drift threshold per
 * variant, and each sensitivity ranking with the skip set to paste */
static void where_lost(FILE *f, const eb_report *rep)
{
    bool layers = false, sens = false;
    for (int i = 0; i < rep->n_entries; i++) {
        layers |= rep->entries[i].r->layer_drift.requested;
        sens |= rep->entries[i].r->sensitivity.requested;
    }
    if (!layers && !sens)
        return;
    fputs("\n## Where accuracy is lost\n", f);
    if (layers) {
        fputs("\nFirst node (in graph order) whose output's rel L2 error against the uncompressed fp32 graph exceeds "
              "the --layers threshold; both graphs run on the reference kernels on the same input, so this is the "
              "compression's error, not a kernel's.\n\n"
              "| model | variant | threshold | first node over | op | output | rel L2 |\n"
              "| --- | --- | ---: | --- | --- | --- | ---: |\n",
              f);
        for (int i = 0; i < rep->n_entries; i++) {
            const eb_report_entry *e = &rep->entries[i];
            const eb_layer_drift *ld = &e->r->layer_drift;
            if (!ld->requested)
                continue;
            fputs("| ", f);
            eb_md_cell(f, rep->models[e->model]);
            fputs(" | ", f);
            eb_md_cell(f, rep->series[e->series].label);
            fprintf(f, " | %.3g | ", ld->threshold);
            if (!ld->available) {
                fputs("unavailable: ", f);
                eb_md_cell(f, ld->reason);
                fputs(" | | | |\n", f);
            } else if (ld->first_over < 0 || ld->first_over >= ld->n_values) {
                fputs("none | | | |\n", f);
            } else {
                const eb_layer_drift_value *v = &ld->values[ld->first_over];
                fprintf(f, "%d ", v->node_index);
                eb_md_cell(f, v->node);
                fputs(" | ", f);
                eb_md_cell(f, v->op);
                fputs(" | ", f);
                eb_md_cell(f, v->output);
                fprintf(f, " | %.3g |\n", v->rel_l2);
            }
        }
    }
    for (int i = 0; sens && i < rep->n_entries; i++) {
        const eb_report_entry *e = &rep->entries[i];
        const eb_sensitivity *s = &e->r->sensitivity;
        if (!s->requested)
            continue;
        fputs("\n### Sensitivity: ", f);
        eb_md_cell(f, rep->models[e->model]);
        fputs(", ", f);
        eb_md_cell(f, rep->series[e->series].label);
        fputs("\n\n", f);
        if (!s->available) {
            fputs("Unavailable: ", f);
            eb_md_cell(f, s->reason);
            fputs("\n", f);
            continue;
        }
        bool top1 = strcmp(s->metric, "top1_delta") == 0;
        if (top1)
            fprintf(f, "Each layer compressed alone, on ref: top-1 change against the fp32 graph (%.2f%%) on the "
                       "first %lld test images, in percentage points; worst first.\n\n"
                       "| rank | node | op | top-1 delta (pp) |\n| ---: | --- | --- | ---: |\n",
                    100 * s->baseline, (long long)s->eval_images);
        else
            fputs("Each layer compressed alone, on ref: rel L2 error of the outputs against the fp32 graph on the "
                  "first input; worst first.\n\n| rank | node | op | rel L2 |\n| ---: | --- | --- | ---: |\n",
                  f);
        for (int k = 0; k < s->n_layers; k++) {
            fprintf(f, "| %d | ", k + 1);
            eb_md_cell(f, s->layers[k].node);
            fputs(" | ", f);
            eb_md_cell(f, s->layers[k].op);
            if (top1)
                fprintf(f, " | %+.2f |\n", 100 * s->layers[k].value);
            else
                fprintf(f, " | %.3g |\n", s->layers[k].value);
        }
        char paste[600];
        eb_sensitivity_paste(s, paste, sizeof paste);
        fputs("\nSuggested skip set (", f);
        eb_md_cell(f, s->rule);
        fputs("): ", f);
        if (paste[0])
            fprintf(f, "`%s`\n", paste);
        else
            fputs("none: no layer costs anything measurable alone.\n", f);
    }
}

void eb_report_md(FILE *f, const eb_report *rep, const eb_plot_list *plots, const char *plots_note)
{
    fprintf(f, "# edgebench report\n\n%d results, %d models, from %d file%s:", rep->n_entries, rep->n_models,
            rep->n_sets, rep->n_sets == 1 ? "" : "s");
    for (int s = 0; s < rep->n_sets; s++) {
        fputs(s ? ", " : " ", f);
        eb_md_cell(f, rep->sets[s].path);
        if (rep->n_sets > 1) {
            fputs(" (", f);
            eb_md_cell(f, rep->set_labels[s]);
            fputs(")", f);
        }
    }
    fputs(".\n\n", f);
    table(f, rep);
    fputs("\nLatency in ms per inference, warm-up excluded; CI: distribution-free 95% confidence interval of the "
          "median; drift: relative L2 error of the outputs against the ref baseline; task metric: on the model's "
          "dataset, with the difference to the baseline in percentage points.\n",
          f);

    eb_report_devices_md(f, rep); /* merged documents: device x variant */
    slowest_nodes(f, rep);
    where_lost(f, rep);

    fputs("\n## Plots\n\n", f);
    if (plots_note) {
        fputs("Plots not drawn: ", f);
        eb_md_cell(f, plots_note);
        fputs("\n\n", f);
    }
    for (int k = 0; k < plots->n; k++) {
        const eb_plot *p = &plots->items[k];
        fputs("- ", f);
        eb_md_cell(f, p->title);
        if (p->skipped)
            fputs(": not plotted: ", f);
        else if (p->rendered)
            fprintf(f, ": `%s.png`, `%s.svg` (script `%s.gp`). ", p->name, p->name, p->name);
        else
            fprintf(f, ": not drawn (script `%s.gp`). ", p->name);
        eb_md_cell(f, p->caption);
        fputs("\n", f);
    }

    char energy[2048];
    eb_report_energy_summary(rep, energy, sizeof energy);
    fputs("\n## Energy\n\n", f);
    eb_md_cell(f, energy);
    fputs("\n\n## Provenance\n", f);
    for (int s = 0; s < rep->n_sets; s++) {
        if (rep->n_sets > 1) {
            fprintf(f, "\n### File %d: ", s + 1);
            eb_md_cell(f, rep->set_labels[s]);
            fputs("\n", f);
        }
        fputs("\n", f);
        const char *key;
        char value[4096];
        int n = eb_report_provenance(rep, s, 0, &key, value, sizeof value);
        for (int i = 0; i < n; i++) {
            eb_report_provenance(rep, s, i, &key, value, sizeof value);
            fprintf(f, "- %s: ", key);
            eb_md_cell(f, value);
            fputs("\n", f);
        }
    }
}

eb_status eb_report_md_write(const eb_report *rep, const eb_plot_list *plots, const char *dir,
                             const char *plots_note, eb_err *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/report.md", dir);
    eb_file_replace w; /* mkstemp + rename: a planted link is not followed */
    eb_status st = eb_file_replace_open(&w, path, err);
    if (st != EB_OK)
        return st;
    eb_report_md(w.f, rep, plots, plots_note);
    if (ferror(w.f)) {
        eb_file_replace_abort(&w);
        return eb_errf(err, EB_EIO, "%s: write failed", path);
    }
    return eb_file_replace_commit(&w, err);
}
