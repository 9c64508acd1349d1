/* stats.h - the statistics behind `compare` and `history trend`: the
 * two-sided Mann-Whitney U (Wilcoxon rank-sum) test of two latency samples,
 * and a bootstrap confidence interval of the ratio of their medians.
 *
 * Nothing here knows about results or files: plain arrays of doubles in,
 * numbers out.  Inputs are never modified; scratch memory is allocated and
 * freed inside each call. */
#ifndef EB_STATS_H
#define EB_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "models/status.h"

/* Below this many samples in the smaller group the normal approximation is
 * not trusted and the exact permutation distribution is used instead. */
#define EB_MW_EXACT_BELOW 8
/* Largest combined sample the exact distribution is computed for (its cost
 * grows as min(nx,ny)^2 N^2); beyond it the normal approximation is used even when one
 * group is small - with hundreds of samples in the other it is adequate. */
#define EB_MW_EXACT_MAX_N 500

typedef enum eb_mw_method { EB_MW_EXACT, EB_MW_NORMAL } eb_mw_method;

typedef struct eb_mw {
    double u;      /* U of x: pairs (x_i, y_j) with x_i > y_j, ties counting 1/2 */
    double mean;   /* nx*ny/2, U's mean when x and y come from one distribution */
    double sd;     /* U's standard deviation under that hypothesis, ties corrected */
    double z;      /* normal approximation with continuity correction (also set for exact) */
    double p;      /* two-sided p-value of the method used */
    eb_mw_method method;
} eb_mw;

/* "exact" or "normal". */
const char *eb_mw_method_name(eb_mw_method m);

/* Two-sided Mann-Whitney U test of x[0..nx) against y[0..ny) (nx, ny >= 1,
 * all values finite; EB_EINVAL otherwise).
 *
 * Ties get midranks.  With min(nx, ny) >= EB_MW_EXACT_BELOW (or a combined
 * size above EB_MW_EXACT_MAX_N) p comes from the normal approximation,
 *   z = (|U - mean| - 1/2) / sd,  sd^2 = nx ny / 12 ((N+1) - sum(t^3 - t) / (N (N-1))),
 *   p = erfc(|z| / sqrt 2),
 * (|U - mean| < 1/2 gives z = 0; sd = 0, every value tied, gives p = 1).
 * Otherwise p is exact: the permutation distribution of the smaller group's
 * rank sum given the observed (mid)ranks, counted by dynamic programming,
 * and p = min(1, 2 min(P(T <= t), P(T >= t))). */
eb_status eb_mann_whitney(const double *x, int nx, const double *y, int ny, eb_mw *out, eb_err *err);

/* Median of x[0..n) (n >= 1): the middle value, or the mean of the two
 * middle values.  x is not modified. NAN on n < 1 or out of memory. */
double eb_stats_median(const double *x, int n);

/* Seed of the bootstrap's generator: fixed, so that the same files always
 * give the same interval. */
#define EB_BOOT_SEED UINT64_C(0x6564676562656e63) /* "edgebenc" */
#define EB_BOOT_RESAMPLES 2000

typedef struct eb_ratio_ci {
    double ratio;      /* median(y) / median(x) */
    double low, high;  /* percentile bootstrap interval of the ratio */
    double level;      /* 0.95 */
    int resamples;
} eb_ratio_ci;

/* Ratio of medians median(y)/median(x) with a percentile bootstrap interval
 * at `level` (0 < level < 1): `resamples` times, x and y are each resampled
 * with replacement (independently, keeping their sizes), and the interval
 * is the (1-level)/2 and (1+level)/2 percentiles (linear interpolation) of
 * the resampled ratios.  The generator (xoshiro256**) starts from `seed`.
 * EB_EINVAL when a size is < 1, a value is not finite, or median(x) <= 0;
 * EB_ENOMEM. */
eb_status eb_median_ratio_ci(const double *x, int nx, const double *y, int ny, int resamples, double level,
                             uint64_t seed, eb_ratio_ci *out, eb_err *err);

/* ---- the hierarchical bootstrap (samples grouped by process) ------------------
 *
 * Samples of one process are not independent: they share its address space
 * layout, its page placement, the frequency the CPU ran at, the code layout
 * the loader chose, so two processes of one build differ by a few percent
 * while each process's samples scatter far less.  Resampling the pooled
 * samples as if they were independent makes an interval as narrow as the
 * within-process scatter, and a test that calls every process-to-process
 * shift significant.  The hierarchical bootstrap resamples the level that
 * varies first: K processes drawn with replacement from the K, then, within
 * each drawn process, its samples drawn with replacement (keeping its size);
 * the statistic is the median of the pooled resample. */

/* Samples grouped by process: x[0..n) holds counts[0] samples of the first
 * process, then counts[1] of the second, ...; sum(counts) = n, every count
 * >= 1, k >= 1.  k = 1 (counts = {n}) is one process. */
typedef struct eb_sample_groups {
    const double *x;
    int n;
    const int *counts;
    int k;
} eb_sample_groups;

/* The 95%-style percentile interval of the pooled median by the
 * hierarchical bootstrap, at `level`, seeded.  EB_EINVAL on bad groups
 * (counts not summing to n, a count < 1), a non-finite sample or bad
 * arguments; EB_ENOMEM. */
eb_status eb_hier_median_ci(const eb_sample_groups *g, int resamples, double level, uint64_t seed, double *low,
                            double *high, eb_err *err);

/* The ratio of pooled medians median(y)/median(x) with its hierarchical
 * percentile-bootstrap interval at `level`, and the bootstrap test of
 * "no change" (ratio 1): p = min(1, 2 min(#{r* <= 1} + 1, #{r* >= 1} + 1) /
 * (resamples + 1)), the two-sided share of resampled ratios on the other
 * side of 1.  x and y are resampled independently, each process first.
 * EB_EINVAL as eb_hier_median_ci, or when median(x) <= 0; EB_ENOMEM. */
eb_status eb_hier_ratio_ci(const eb_sample_groups *x, const eb_sample_groups *y, int resamples, double level,
                           uint64_t seed, eb_ratio_ci *out, double *p, eb_err *err);

#endif
