/* plot_gnuplot.h - the report's plots, drawn by gnuplot.
 *
 * For each plot the report calls for, eb_plot_write leaves NAME.dat (the
 * numbers) and NAME.gp (a commented gnuplot script) in the report folder;
 * `gnuplot NAME.gp`, run in that folder, draws NAME.png (pngcairo, or png
 * where gnuplot lacks cairo) and NAME.svg, so a user can tweak a plot and
 * redraw it.  eb_plot_render runs exactly that, one gnuplot process per
 * script, its output in NAME.log.
 *
 * The plots: latency per variant grouped by model (median bars, 95% CI
 * whiskers); per model, accuracy against latency with the Pareto front,
 * and the latency distribution (box plots of the raw samples); thread
 * scaling when some model/variant ran at several thread counts; peak
 * memory and weight bytes; energy per inference when recorded.  A plot
 * that cannot be drawn from the data is listed as skipped, with the
 * reason, and gets no files.  Colours come from the report's series
 * (report.h), so a variant looks the same in every plot. */
#ifndef EB_PLOT_GNUPLOT_H
#define EB_PLOT_GNUPLOT_H

#include <stdbool.h>

#include "reports/report.h"

typedef struct eb_plot {
    char name[96];      /* file stem in the folder: latency, accuracy_fmnist-mlp, ... */
    char title[256];    /* a heading for the plot */
    char caption[1024]; /* what it shows, how to read it; for a skipped plot, why */
    int model;          /* the model it is about, or -1 for all of them */
    bool skipped;       /* nothing to draw: caption says why; no files */
    bool rendered;      /* NAME.png and NAME.svg exist */
} eb_plot;

typedef struct eb_plot_list {
    eb_plot *items;
    int n;
} eb_plot_list;

/* Writes NAME.dat and NAME.gp into dir (which exists) for every plot, and
 * lists them in *out (which starts zeroed; free with eb_plot_list_free).
 * EB_EIO naming the file when one cannot be written. */
eb_status eb_plot_write(const eb_report *rep, const char *dir, eb_plot_list *out, eb_err *err);

/* Whether an executable `gnuplot` is on PATH. */
bool eb_gnuplot_available(void);

/* Runs `gnuplot NAME.gp` in dir for every plot not skipped, and marks the
 * ones whose PNG and SVG appeared.  EB_EIO on the first failure, with the
 * last line gnuplot printed (the rest is in NAME.log); EB_EUNSUPPORTED
 * when gnuplot cannot be started. */
eb_status eb_plot_render(const char *dir, eb_plot_list *list, eb_err *err);

void eb_plot_list_free(eb_plot_list *list);

/* Writes s as a single-quoted gnuplot string into buf: quotes doubled,
 * control characters turned into spaces.  Truncates to fit. */
void eb_gp_quote(const char *s, char *buf, size_t n);

/* A file-name stem from s: letters, digits, '.', '-' and '_' kept, anything
 * else '_', at most n-1 characters and never empty or starting with '.'. */
void eb_plot_stem(const char *s, char *buf, size_t n);

#endif
