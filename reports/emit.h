/* emit.h - results to files and terminals: the JSON document of schema
 * version 1 (reports/results-schema.json documents it field by field),
 * JSON Lines, CSV, markdown, and the aligned terminal table.
 * The only place that turns eb_result into text. */
#ifndef EB_EMIT_H
#define EB_EMIT_H

#include <stdbool.h>
#include <stdio.h>

#include "models/status.h"
#include "reports/record.h"

#define EB_SCHEMA_VERSION 1

struct cJSON;

/* the dashboard exports (gab, bmf, openmetrics) are reports/export.h's */
typedef enum eb_format { EB_FMT_JSON, EB_FMT_JSONL, EB_FMT_CSV, EB_FMT_MD, EB_FMT_GAB, EB_FMT_BMF, EB_FMT_OPENMETRICS } eb_format;

/* "json", "jsonl", "csv", "md", "gab", "bmf", "openmetrics"; false for
 * anything else. */
bool eb_format_parse(const char *s, eb_format *out);

/* Everything one run produced. */
typedef struct eb_report_doc {
    const eb_provenance *prov;
    const eb_run_settings *settings;
    const eb_model_info *models;
    int n_models;
    const eb_result *results;
    int n_results;
} eb_report_doc;

/* One result as a JSON object; the caller owns it. NULL on OOM. */
struct cJSON *eb_result_json(const eb_result *r);
/* The whole document; the caller owns it. NULL on OOM. */
struct cJSON *eb_document_json(const eb_report_doc *d);
/* The machine (the document's `device`, and `edgebench info --json`) as a
 * JSON object; the caller owns it (cJSON_Delete). NULL on allocation
 * failure.  Unknown numbers (0) are null. */
struct cJSON *eb_device_info_json(const eb_device_info *d);

/* The document in a dashboard format (EB_FMT_GAB, _BMF, _OPENMETRICS;
 * reports/export.h), the host being the document's machine; EB_ENOMEM. */
eb_status eb_emit_export(FILE *f, eb_format fmt, const eb_report_doc *d, eb_err *err);

/* Writes the document to path in fmt, atomically (a temporary file in the
 * same folder, then rename), so a reader never sees half a file; a path
 * that is a device or a FIFO is written straight into (eb_write_atomic). */
eb_status eb_emit_file(const char *path, eb_format fmt, const eb_report_doc *d, eb_err *err);
/* The same into an open stream (stdout for `-o -`), flushed. */
eb_status eb_emit_stream(FILE *f, eb_format fmt, const eb_report_doc *d, eb_err *err);

/* Writes path atomically: write(f, ctx, err) fills a temporary file in the
 * same folder, which is then renamed into place, so a reader never sees
 * half a file and a failed write leaves nothing behind.  Only a regular
 * file or a new path is replaced so: an existing path of another kind (a
 * character device such as /dev/null, a FIFO) is opened and written in
 * place, and a directory is refused.  An unwritable path is EB_EINVAL
 * (bad input), a failed write EB_EIO. */
typedef eb_status (*eb_file_writer)(FILE *f, const void *ctx, eb_err *err);
eb_status eb_write_atomic(const char *path, eb_file_writer write, const void *ctx, eb_err *err);

/* One JSON Lines record for r (with the run's start time and commit, so
 * each line stands alone), written and flushed to f. */
eb_status eb_emit_jsonl_record(FILE *f, const eb_provenance *p, const eb_result *r, eb_err *err);

/* The aligned table `run` prints as results come (reports/emit_table.c).
 * Its columns are sized before the first row, from every model name and
 * variant spec of the run; models whose names are equal are shown by path. */
typedef struct eb_table {
    const eb_model_info *models;
    int n_models;
    int model_w, variant_w;
    double cv_threshold;    /* the `!` mark's threshold, for the legend */
    bool any_unstable;      /* a row carried `!`: the footer explains it */
} eb_table;

void eb_table_init(eb_table *t, const eb_model_info *models, int n_models, double cv_threshold);
/* Widens the variant column for spec: call it for every variant of the
 * run before the header. */
void eb_table_fit_variant(eb_table *t, const char *spec);
void eb_emit_table_header(FILE *f, const eb_table *t);
/* One row; base_median_ms is the median of the same model's ref baseline
 * (for the "× ref" column), NAN when there is none. */
void eb_emit_table_row(FILE *f, eb_table *t, const eb_result *r, double base_median_ms);
/* The legend of the marks the rows used (nothing when none). */
void eb_emit_table_footer(FILE *f, const eb_table *t);

#endif
