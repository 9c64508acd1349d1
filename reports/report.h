/* report.h - several result files combined into one report (`edgebench
 * report`): the entries to tabulate and plot, the series they belong to
 * (one legend label and one colour each), the thread-scaling groups, and
 * the table cells that report.md and index.html share.
 *
 * A series is a variant spec.  When the same (model, variant) appears in
 * more than one input file (nightly runs, an A/A pair), each file's copy
 * becomes its own series labelled "SPEC @ FILE" (FILE: the run's start
 * time, or the file name where start times do not tell the files apart).
 * Series are numbered by first appearance across all inputs, in the order
 * the files were given; that number picks the series' colour from a fixed
 * palette, so a variant has the same colour in every plot.
 *
 * Nothing here draws or writes files: plot_gnuplot.c, html.c and
 * report_md.c turn an eb_report into output. */
#ifndef EB_REPORT_H
#define EB_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "reports/results_load.h"

/* The fixed palette; series i gets eb_report_palette[i % EB_REPORT_PALETTE_N]. */
#define EB_REPORT_PALETTE_N 20
extern const char *const eb_report_palette[EB_REPORT_PALETTE_N];

typedef struct eb_report_entry {
    const eb_result *r;    /* borrowed from sets[set] */
    int set;               /* which input file */
    int index;             /* position in that file's results */
    int model;             /* index into eb_report.models */
    int series;            /* index into eb_report.series */
} eb_report_entry;

typedef struct eb_report_series {
    char spec[256];    /* the variant's canonical spec */
    int set;           /* the file this series is limited to, or -1 for every file */
    char device_id[96]; /* ... and the device of a merged document, "" for every device */
    char label[320];   /* legend text: "cpu:threads=2" or "ref @ 2026-11-24T12:43:18Z" */
    const char *colour; /* "#1f77b4" */
} eb_report_series;

typedef struct eb_report {
    eb_result_set *sets; /* owned */
    int n_sets;
    char (*set_labels)[160]; /* per file: its start time or file name, unique */
    eb_report_entry *entries; /* ordered by model, then series, then file */
    int n_entries;
    eb_report_series *series;
    int n_series;
    char (*models)[128]; /* model names in order of first appearance */
    int n_models;
} eb_report;

/* Loads every file in paths[0..n) through eb_results_load and combines
 * them.  On failure returns the loader's status with its message (which
 * names the file) and leaves *rep empty.  Free with eb_report_free. */
eb_status eb_report_load(eb_report *rep, const char *const *paths, int n, eb_err *err);
void eb_report_free(eb_report *rep);

/* Latency samples exist (status ok and at least one sample). */
bool eb_report_has_latency(const eb_report_entry *e);

/* ---- thread scaling ---- */

/* One line of the thread-scaling plot: the same model and variant except
 * for `threads`, from one file (or from several files when each thread
 * count occurs in only one of them), with a threads=1 point to measure
 * the speedup against. */
typedef struct eb_report_scaling {
    int model;
    int series;        /* the threads=1 entry's series: the line's colour */
    char label[400];   /* "fmnist-mlp: cpu" (+ " @ FILE" where needed) */
    int n;             /* points, sorted by threads ascending; threads[0] == 1 */
    int *entries;      /* indexes into eb_report.entries, owned */
} eb_report_scaling;

/* Finds the thread-scaling groups (ok results only).  *out is allocated
 * (free with eb_report_scaling_free); *n_out may be 0, and then why
 * says why there is nothing to plot.  EB_ENOMEM on allocation failure. */
eb_status eb_report_scaling_groups(const eb_report *rep, eb_report_scaling **out, int *n_out, char *why,
                                   size_t why_n, eb_err *err);
void eb_report_scaling_free(eb_report_scaling *g, int n);

/* ---- the table shared by report.md and index.html ---- */

enum {
    EB_COL_MODEL,
    EB_COL_VARIANT,
    EB_COL_FILE,     /* shown only when several files were given */
    EB_COL_MEDIAN,
    EB_COL_P90,
    EB_COL_CV,
    EB_COL_CI,
    EB_COL_DRIFT,
    EB_COL_TASK,
    EB_COL_PEAK,
    EB_COL_ENERGY,   /* joules per inference; an estimate marked "~ ... est." */
    EB_COL_STATUS,
    EB_COL_COUNT
};

/* Header text of column c ("median ms"). */
const char *eb_report_col_name(int c);
/* Whether column c is numeric (right-aligned). */
bool eb_report_col_numeric(int c);
/* The text of column c for entry e (plain text; the caller escapes it). */
void eb_report_cell(const eb_report *rep, const eb_report_entry *e, int c, char *buf, size_t n);

/* ---- provenance ---- */

/* One line of provenance of file `set`: its key ("tool", "git commit",
 * "compiler", "command line", "start time", "CPU", "cores", "memory",
 * "OS") and value, taken from the document where there is one and from
 * the set's fields for JSON Lines ("not recorded" where neither has it).
 * Returns the number of lines; fills key/value of line i when i is in
 * range. */
int eb_report_provenance(const eb_report *rep, int set, int i, const char **key, char *value, size_t n);

/* The honest energy summary: "unavailable (energy measurement ... )" when
 * no entry has a number, else NULL-free text like "measured for 3 of 5
 * results".  Returns true when some entry has joules per inference. */
bool eb_report_energy_summary(const eb_report *rep, char *buf, size_t n);

/* Formats a latency in ms with 4 significant digits ("0.1900", "2.943"). */
void eb_report_fmt_ms(double ms, char *buf, size_t n);

/* ---- slowest nodes (--profile) ---- */

/* Rows of each profiled entry's slowest-nodes table. */
#define EB_REPORT_SLOWEST 10

/* Whether some entry was run with --profile (the section is shown then). */
bool eb_report_any_profiled(const eb_report *rep);
/* Up to max indexes into r->profile, slowest first (ties in run order);
 * returns how many (0 without a profile). */
int eb_report_slowest_nodes(const eb_result *r, int *idx, int max);
/* The heading of e's table: "fmnist-cnn, cpu: 100 passes, 0.04940 ms in
 * all", or "...: no profile: REASON". */
void eb_report_profile_heading(const eb_report *rep, const eb_report_entry *e, char *buf, size_t n);

#endif
