/* export.h - results in the formats dashboards read, not edgebench's own:
 *
 *   gab          github-action-benchmark's `customSmallerIsBetter` JSON: an
 *                array of {name, unit, value, range?, extra?}
 *                (reports/emit_gab.c)
 *   bmf          Bencher Metric Format: {benchmark: {measure: {value,
 *                lower_value?, upper_value?}}} (reports/emit_bmf.c)
 *   openmetrics  OpenMetrics / Prometheus text: gauges with model, variant,
 *                device and host labels, for the node-exporter textfile
 *                collector, a pushgateway, or (with timestamps, from the
 *                history database) promtool's backfill
 *                (reports/emit_openmetrics.c)
 *   junit        JUnit XML of `compare` verdicts, a regression a <failure>
 *                (reports/emit_junit.c)
 *
 * The first three read one flat list of points, each one measured (model,
 * variant, device, host) at one time, so that `run`, `compare` (its NEW
 * side) and `history export` share them: eb_export_points_from_results
 * builds the list from result records, eb_history_export_points
 * (reports/history_export.c) from the database.  A figure that was not
 * measured is NAN and is left out of every format, never written as 0; an
 * energy figure carries its kind, and an estimate is always marked as one
 * (its own measure or metric label), never shown as a measurement.
 *
 * Names: a point is `MODEL/VARIANT/DEVICE@HOST` (eb_export_name; without
 * "@HOST" when the host is unknown), stable from run to run, so that a farm
 * merging many devices keeps one series per device. */
#ifndef EB_EXPORT_H
#define EB_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/status.h"
#include "reports/compare.h"
#include "reports/record.h"

/* One result as the exports see it.  Every double is NAN when unknown. */
typedef struct eb_export_point {
    char model[128];         /* the model's name (file name without .onnx) */
    char variant[256];       /* canonical spec */
    char device[64];         /* where it ran ("cpu", "opencl:0") */
    char host[64];           /* the machine's host name, "" unknown */
    char status[16];         /* "ok", "failed", ...: only ok points have figures */
    char commit[64];         /* edgebench's git commit, "" unknown */
    char start_time[32];     /* the run's start, ISO 8601 UTC, "" unknown */
    int64_t time_ms;         /* the same in ms since the epoch, 0 unknown */
    int n;                   /* timed samples behind the latency */
    double median_ms;        /* latency median */
    double ci_low_ms, ci_high_ms; /* its 95% confidence interval */
    double peak_rss_bytes;   /* peak resident memory of the variant's process */
    eb_energy_kind energy_kind; /* UNAVAILABLE: no energy figure */
    double energy_j;         /* joules per inference (measured: gross) */
    double energy_low_j, energy_high_j; /* an estimate's band */
    char energy_method[32];  /* "meter", "dvfs_table", ... */
    char energy_source[32];  /* "powercap", "bench/energy_tdp.csv", ... */
    int64_t run;             /* the history database's run id; 0 not from one */
} eb_export_point;

/* Throughput in inferences per second from a median latency in ms (1000 /
 * median); NAN when the median is unknown or not positive. */
double eb_export_throughput(double median_ms);

/* The point's stable name, MODEL/VARIANT/DEVICE@HOST, into buf. */
const char *eb_export_name(const eb_export_point *p, char *buf, size_t n);

/* Points for results[0..n), one each, in order: host and commit and
 * start_time are the run's (NULL: unknown).  An energy figure is kept only
 * when its kind is measured or estimated, it is valid and it is not
 * relative-only (the op-count estimate's joules mean nothing alone).
 * Returns a calloc'd array the caller frees (NULL with n == 0, or on
 * allocation failure: EB_ENOMEM). */
eb_status eb_export_points_from_results(const eb_result *results, int n, const char *host, const char *commit,
                                        const char *start_time, eb_export_point **out, eb_err *err);

/* "2026-12-08T01:02:03Z" (and with fractional seconds) -> ms since the
 * epoch; 0 when it does not parse. */
int64_t eb_export_parse_time(const char *iso);

/* The writers.  Each writes the whole document for points[0..n) to f.
 * gab: latency (ms), peak memory (bytes) and energy (J) entries, all
 * smaller-is-better (throughput is left out: the action reads the whole
 * file one way); bmf: measures latency (ns: Bencher's built-in Latency
 * measure is in nanoseconds), throughput (inferences/s, its built-in
 * Throughput), memory (bytes), energy (J, measured) or energy-estimated
 * (J, estimated).  Two points with one name are one benchmark in BMF: the
 * later replaces the earlier.  openmetrics: with timestamps each sample
 * carries its point's time (for backfill; the textfile collector and the
 * pushgateway refuse timestamps, so `run` writes none).  EB_ENOMEM. */
eb_status eb_emit_gab(FILE *f, const eb_export_point *p, int n, eb_err *err);
eb_status eb_emit_bmf(FILE *f, const eb_export_point *p, int n, eb_err *err);
eb_status eb_emit_openmetrics(FILE *f, const eb_export_point *p, int n, bool timestamps, eb_err *err);

/* JUnit XML of a comparison: one <testsuite> per model, one <testcase> per
 * paired (model, variant, device) and metric compared (latency, accuracy,
 * memory, status); a regression is a <failure> with the figures, a metric
 * that could not be compared is <skipped> with the reason, a result in one
 * side only is a <skipped> testcase.  base_name and new_name label the
 * files.  EB_ENOMEM. */
eb_status eb_emit_junit(FILE *f, const eb_comparison *c, const char *base_name, const char *new_name, eb_err *err);

/* `compare --format`: its own md and json, junit, and the dashboard
 * formats of NEW's results. */
enum { EB_CMP_MD, EB_CMP_JSON, EB_CMP_JUNIT, EB_CMP_GAB, EB_CMP_BMF, EB_CMP_OPENMETRICS };
/* "md", "json", "junit", "gab", "bmf", "openmetrics" -> EB_CMP_*; -1 else. */
int eb_compare_format_parse(const char *s);
/* The comparison in fmt (EB_CMP_JUNIT: eb_emit_junit with the two files'
 * paths; EB_CMP_GAB, _BMF, _OPENMETRICS: NEW's results with NEW's host,
 * commit and start time) (reports/compare_export.c).  EB_EINVAL for md and
 * json (compare writes those itself), EB_ENOMEM. */
eb_status eb_compare_export(FILE *f, const eb_comparison *c, int fmt, eb_err *err);

/* Every result of the history database (reports/history.h) as a point,
 * run by run (oldest first, by start time then insertion), each with its
 * run's id, host, commit and start time.  The database keeps no energy:
 * those points have none.  *out is the caller's (free); EB_EIO on a query
 * failure, EB_ENOMEM (reports/history_export.c). */
struct eb_history;
eb_status eb_history_export_points(struct eb_history *h, eb_export_point **out, int *n, eb_err *err);

/* Text for XML character data and attribute values: & < > " ' as entities;
 * control characters XML 1.0 cannot carry (all but tab, newline, carriage
 * return) as U+FFFD; invalid UTF-8 bytes likewise. */
void eb_xml_escape(FILE *f, const char *s);

#endif
