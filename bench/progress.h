/* progress.h - the progress line `edgebench run` keeps on a terminal:
 * which variant runs, its phase, elapsed time and ETA, per variant and for
 * the whole sweep.
 *
 * The variant runs in a child process.  The harness there notes its phase
 * and count (eb_progress_note) in a small page shared with the sweep
 * (mmap'd before any fork); the sweep redraws the line from it whenever
 * the wait for the child wakes up (eb_progress_tick, from the wait hook in
 * eb_run_opts).  Only on a terminal (isatty(2)), never in logs:
 * EB_TEST_PROGRESS=1 forces it for tests. */
#ifndef EB_PROGRESS_H
#define EB_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum eb_phase {
    EB_PHASE_START = 0, /* loading and preparing */
    EB_PHASE_WARMUP,
    EB_PHASE_TIMED,
    EB_PHASE_EVAL,      /* task metric on the test images */
} eb_phase;

/* The harness reports here (no-op when no progress line is shown). */
void eb_progress_note(eb_phase phase, int64_t done, int64_t total);

/* What the line is computed from: pure data, so that the format is testable. */
typedef struct eb_progress_view {
    int index, total;         /* this variant, of the run's variants (1-based) */
    const char *model, *spec; /* NULL spec: the silent ref baseline, before variant `index` */
    double now, sweep_start, variant_start, phase_start; /* seconds, one clock */
    eb_phase phase;
    int64_t done, count;      /* runs or images in this phase */
    int64_t runs;             /* -n */
    double min_time_s, max_time_s;
    int finished;             /* variants done so far */
    double finished_s;        /* the time they took together */
} eb_progress_view;

/* The line for v, without "\r" (at most n-1 bytes). */
void eb_progress_format(const eb_progress_view *v, char *buf, size_t n);

/* Seconds left in the variant's current phase, from its rate so far;
 * negative when not known yet. */
double eb_progress_phase_eta(const eb_progress_view *v);

/* The sweep side. */
typedef struct eb_progress {
    bool on;
    FILE *f;
    int total, finished;
    double sweep_start, variant_start, finished_s, last_draw;
    int64_t runs;
    double min_time_s, max_time_s;
    const char *model, *spec;
    int index;
} eb_progress;

/* Decides whether to show progress (stderr is a terminal, or
 * EB_TEST_PROGRESS=1) and maps the shared page: call before any fork. */
void eb_progress_init(eb_progress *p, int total, int64_t runs, double min_time_s, double max_time_s);
void eb_progress_begin(eb_progress *p, const char *model, const char *spec, int index);
/* Redraws the line if a refresh is due (about every 0.5 s). */
void eb_progress_tick(eb_progress *p);
/* The variant is done: counts its time (a silent baseline's time counts,
 * not the baseline itself) and clears the line (before a table row). */
void eb_progress_end(eb_progress *p, bool counted);
void eb_progress_clear(eb_progress *p);

#endif
