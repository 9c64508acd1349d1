/* latency_stats.h - summary statistics of latency samples (the record's
 * latency figures: reports owns them; bench fills them from its samples).
 *
 * Percentiles use linear interpolation between order statistics (the
 * "type 7" definition of R and numpy).  The 95% confidence interval of the
 * median is distribution-free, from order statistics: the ranks j < k with
 * the narrowest interval such that P(X(j) <= median <= X(k)) >= 0.95 under
 * Binomial(n, 1/2), computed exactly; with fewer than 6 samples no such
 * interval exists and ci_available is false.
 *
 * A tail percentile is published only when n supports it, by MLPerf
 * LoadGen's early-stopping rule at 99% confidence (eb_percentile_min_n):
 * p90 needs n >= 64 and p99 n >= 662; below that it is NaN and its
 * *_available flag is false (at n = 10, "p99" would be the maximum). */
#ifndef EB_LATENCY_STATS_H
#define EB_LATENCY_STATS_H

#include <stdbool.h>

typedef struct eb_latency_stats {
    int n;
    double min, median, mean, p90, p99, max; /* p90/p99 NaN when not available */
    bool p90_available, p99_available;       /* n >= eb_percentile_min_n(90 / 99) */
    double stddev;        /* sample standard deviation (n-1) */
    double cv;            /* stddev / mean */
    bool ci_available;
    double ci_low, ci_high;  /* 95% CI of the median */
    double ci_level;         /* the exact coverage achieved, >= 0.95 */
    bool unstable;           /* cv > the threshold given */
} eb_latency_stats;

/* Summarises ms[0..n) (not modified; n >= 1).  cv_threshold is a fraction
 * (0.05 for 5%). */
void eb_latency_summarize(const double *ms, int n, double cv_threshold, eb_latency_stats *out);

/* The fewest samples that support percentile p (0 < p < 100): the least n
 * with P(at most one of n samples lies above the true p-th percentile)
 * < 1 - 0.99, MLPerf LoadGen's early-stopping rule.  64 for p90, 662 for
 * p99; -1 for p outside (0, 100). */
int eb_percentile_min_n(double p);

/* Percentile p in [0, 100] of sorted[0..n), linear interpolation. */
double eb_percentile_sorted(const double *sorted, int n, double p);

#endif
