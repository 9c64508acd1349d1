/* report_md.h - the report as markdown (DIR/report.md): the results table,
 * the plots drawn (file names and captions) and those skipped with the
 * reason, energy and provenance, for terminals and CI comments. */
#ifndef EB_REPORT_MD_H
#define EB_REPORT_MD_H

#include <stdio.h>

#include "reports/plot_gnuplot.h"
#include "reports/report.h"

/* Writes the markdown to f; plots_note says why plots were not drawn, or
 * is NULL. */
void eb_report_md(FILE *f, const eb_report *rep, const eb_plot_list *plots, const char *plots_note);

/* Writes dir/report.md (atomically).  EB_EIO naming the file on failure. */
eb_status eb_report_md_write(const eb_report *rep, const eb_plot_list *plots, const char *dir,
                             const char *plots_note, eb_err *err);

/* Writes s as the text of a table cell: '|' escaped, '<' '>' as entities
 * (CI comments render HTML), control characters as spaces. */
void eb_md_cell(FILE *f, const char *s);

#endif
