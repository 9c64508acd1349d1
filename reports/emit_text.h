/* emit_text.h - the text forms behind eb_emit_file (reports/emit.h). */
#ifndef EB_EMIT_TEXT_H
#define EB_EMIT_TEXT_H

#include <stdio.h>

#include "reports/emit.h"

void eb_emit_csv(FILE *f, const eb_report_doc *d);
void eb_emit_md(FILE *f, const eb_report_doc *d);

/* The drift cell of a table: rel. L2 error, "baseline", or "-". */
const char *eb_drift_cell(const eb_result *r, char *buf, size_t n);

#endif
