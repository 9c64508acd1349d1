/* html.h - the report as one self-contained web page (DIR/index.html):
 * the results table, every drawn plot inlined as SVG, the notes on what
 * was not drawn and why, energy, and the provenance of each input file.
 * Inline CSS, no script, no network: it opens from a CI artifact or an
 * e-mail attachment as it is.  Every string from the inputs is escaped. */
#ifndef EB_HTML_H
#define EB_HTML_H

#include <stdio.h>

#include "reports/plot_gnuplot.h"
#include "reports/report.h"

/* What eb_html_write needs beyond the report and its plots. */
typedef struct eb_html_opts {
    const char *command_line; /* the `edgebench report ...` that made it */
    const char *plots_note;   /* why plots were not drawn (gnuplot missing...), or NULL */
    const char *generated;    /* when, UTC, "2026-11-24T12:43:18Z" */
} eb_html_opts;

/* Writes dir/index.html, reading the SVGs of the rendered plots from dir.
 * EB_EIO naming the file when it cannot be written or an SVG read. */
eb_status eb_html_write(const eb_report *rep, const eb_plot_list *plots, const char *dir, const eb_html_opts *o,
                        eb_err *err);

/* Writes s with & < > " ' escaped. */
void eb_html_escape(FILE *f, const char *s);

/* An SVG document made fit to sit inline in a page next to others: from
 * its <svg tag on (no XML declaration), gnuplot's <title> dropped, and
 * every id, and every reference to one (href="#x", url(#x)), prefixed
 * with prefix so that two plots' ids cannot collide.  Returns a string
 * the caller frees, or NULL on OOM or when there is no <svg tag. */
char *eb_html_svg_inline(const char *svg, const char *prefix);

#endif
