/* emit_text.h - the text forms behind eb_emit_file (reports/emit.h). */
#ifndef EB_EMIT_TEXT_H
#define EB_EMIT_TEXT_H

#include <stdio.h>

#include "reports/emit.h"

void eb_emit_csv(FILE *f, const eb_report_doc *d);
void eb_emit_md(FILE *f, const eb_report_doc *d);

/* The drift cell of a table: rel. L2 error, "baseline", or "-". */
const char *eb_drift_cell(const eb_result *r, char *buf, size_t n);

/* A duration given in ms, in the unit that suits it (ns, µs, ms or s) with
 * 3-4 significant digits: "48.2 µs", "1.23 ms", "123.4 ms"; "-" when not
 * finite or negative. */
const char *eb_duration_cell(double ms, char *buf, size_t n);

/* How many ops ran on reference kernels: "Conv x1, Pad x2" -> 3, "" -> 0. */
int eb_fallback_count(const char *fallbacks);

/* Energy per inference: "12.3 µJ" measured, "~45.3 µJ est. (method, low
 * to high)" estimated (never shown as if measured), "-" without a figure. */
const char *eb_energy_cell(const eb_energy *e, char *buf, size_t n);

/* hyperfine's relative column (as with --reference): this median over the
 * baseline's, "×0.31" (faster) or "×3.20" (slower), two significant
 * digits below 0.1 ("×0.0071"), at most 8 characters; "-" when either is
 * missing. */
const char *eb_ratio_cell(double median_ms, double base_median_ms, char *buf, size_t n);

#endif
