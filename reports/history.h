/* history.h - results of many runs kept in one SQLite database, and the
 * trend of one (model, variant) over them.
 *
 * The schema (runs, results, samples; PRAGMA user_version = 1) is written
 * out at the top of history.c.  A run is identified by (start_time, host,
 * git_commit, a digest of its measurements): adding a file whose run is
 * already in the database is ignored (reported, not an error), so a
 * nightly job may add the same file twice safely.  Each add is one transaction: a file is in the database
 * whole or not at all.
 *
 * Ownership: eb_history_open returns a handle the caller closes with
 * eb_history_close; eb_history_trend fills a trend the caller frees with
 * eb_trend_free (it owns its points and their samples). */
#ifndef EB_HISTORY_H
#define EB_HISTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "reports/changepoint.h"
#include "reports/compare.h"
#include "reports/results_load.h"

#define EB_HISTORY_SCHEMA_VERSION 1

typedef struct eb_history eb_history;

/* Opens the database at path.  With `create` it is opened read-write and
 * created (with the schema) when missing; without, read-only, and a missing
 * file is an error.  EB_EIO when SQLite cannot open it (bad folder, no
 * permission), EB_EFORMAT when it is not an SQLite file, another
 * application's database, or a newer schema version.  Messages name path. */
eb_status eb_history_open(const char *path, bool create, eb_history **out, eb_err *err);
void eb_history_close(eb_history *h);
/* The open SQLite handle, for readers in their own files
 * (reports/history_export.c); borrowed. */
struct sqlite3 *eb_history_sqlite(eb_history *h);

/* Adds every result of s (with its samples) as one run.  *added is false
 * when the run was already there (*run_id is then the existing run).
 * EB_EIO on an SQLite failure (nothing is added then). */
eb_status eb_history_add(eb_history *h, const eb_result_set *s, int64_t *run_id, bool *added, eb_err *err);

typedef struct eb_trend_point {
    int64_t run_id, result_id;
    char start_time[32];
    char git_commit[64];
    char status[16];
    int n;                   /* samples stored */
    double median_ms;        /* as recorded by the run (NAN when not ok) */
    bool ci_available;
    double ci_low, ci_high;  /* the run's 95% interval of the median */
    double *samples;         /* owned, n of them */
    bool compared;           /* against the previous ok point with samples */
    eb_latency_cmp cmp;      /* this point (new) against that one (base) */
    bool regressed;          /* cmp.verdict == EB_VERDICT_SLOWER */
    char model_sha256[65];   /* of the model this run measured ("" unknown) */
    bool model_changed;      /* another SHA-256 than the previous ok point: not compared */
} eb_trend_point;

typedef struct eb_trend {
    char model[512], variant[256], device[64], host[64];
    char model_path[512];    /* the one model file the points measured */
    eb_compare_opts opts;
    eb_trend_point *points;  /* oldest first (run start time, then insertion order) */
    int n;
} eb_trend;

typedef struct eb_trend_query {
    const char *model;   /* the result's model name, or its path as given (zoo:NAME) */
    const char *variant; /* canonical spec */
    const char *device;  /* NULL: any, but the matches must all be on one device */
    const char *host;    /* NULL: any, but the matches must all be from one host */
} eb_trend_query;

/* The runs of one (model, variant) on one (host, device), each compared
 * with the previous one by the rule of `compare` (opts), except across a
 * change of the model's SHA-256 (model_changed).  EB_EINVAL with a message
 * when nothing matches (naming what the database does hold), when the
 * matches span several hosts or devices and the query does not choose one,
 * or when the name matches several model files (two different net.onnx):
 * the query names one by its path then. */
eb_status eb_history_trend(eb_history *h, const eb_trend_query *q, const eb_compare_opts *opts, eb_trend *out,
                           eb_err *err);
void eb_trend_free(eb_trend *t);

/* The table: one line per point, oldest first, regressions marked. */
void eb_trend_print(FILE *f, const eb_trend *t);

/* Draws the median over time with its interval as error bars and the
 * regressions circled, as a PNG through gnuplot (pngcairo when it has it,
 * else png), written atomically.  EB_EUNSUPPORTED when gnuplot is not
 * installed, EB_EINVAL for a path that cannot be written or given to
 * gnuplot (a quote or a newline in it) or nothing to plot, EB_EIO when
 * gnuplot fails. */
eb_status eb_trend_plot(const eb_trend *t, const char *png_path, eb_err *err);

/* ---- history check: change points (changepoint.h) ------------------------ */

#define EB_CHECK_MAX_POINTS 16 /* change points reported per series */

typedef struct eb_check_series {
    char model[128], model_sha256[65], variant[256], device[64], host[64];
    int n;                        /* ok runs with a median, oldest first */
    int n_points;                 /* change points found */
    eb_changepoint points[EB_CHECK_MAX_POINTS];
    bool verdict;                 /* false: fewer than 2 * EB_CP_MIN_SIDE runs */
    bool regressed;               /* the latest change point is a slowdown: the latest run is in it */
    /* the runs at each change point (start time and commit), index-aligned with points */
    char when[EB_CHECK_MAX_POINTS][32], commit[EB_CHECK_MAX_POINTS][64];
    char latest_when[32];
} eb_check_series;

typedef struct eb_check {
    eb_check_series *series;      /* one per (model SHA-256, variant, device, host), sorted */
    int n;
    int regressed, no_verdict;
    double alpha;
} eb_check;

/* The change points of every series in the database: the medians of its
 * ok runs, oldest first (run start time, then insertion order), searched
 * with eb_changepoints at alpha.  A series is one model (its SHA-256: a
 * changed model starts a new series), variant, device and host.
 * EB_EIO on a query failure, EB_ENOMEM.  Free with eb_check_free. */
eb_status eb_history_check(eb_history *h, double alpha, eb_check *out, eb_err *err);
void eb_check_free(eb_check *c);

/* Every series: its change points, its verdict, and a summary line. */
void eb_check_print(FILE *f, const eb_check *c);

#endif
