/* latency_stats.c - summary statistics of latency samples.
 *
 * Turns the timed samples of one variant into the numbers a result records:
 * min, median, mean, p90, p99, max, sample standard deviation, coefficient
 * of variation with its `unstable` flag, and a distribution-free 95%
 * confidence interval of the median.  It does not time anything and does not
 * drop warm-up runs: the caller passes only the samples that count.
 *
 * The median interval comes from order statistics: with B ~ Binomial(n, 1/2)
 * the number of samples below the true median, P(X(j) <= median <= X(k)) =
 * P(j <= B <= k-1).  We take the narrowest window of B values whose mass
 * reaches 0.95, grown from the centre outward (the binomial pmf is symmetric
 * and unimodal, so the most centred window of a width is the heaviest).  The
 * pmf is built by the ratio recurrence p(i+1) = p(i) (n-i)/(i+1) relative to
 * the centre and normalised by the sum over every term that is not
 * negligible, so nothing under- or overflows and n = 1e6 costs a few
 * thousand multiplications.
 *
 * Tail percentiles need more samples than the median: with 10 samples the
 * type-7 p99 is an interpolation between the two largest, i.e. nearly the
 * maximum.  We publish p90 and p99 only when n reaches the minimum of MLPerf
 * LoadGen's early-stopping rule (mlcommons/inference, loadgen/results.cc,
 * PerformanceSummary::EarlyStopping, with loadgen/early_stopping.cc; the
 * rule is stated in the MLPerf Inference rules, "Early stopping"): at
 * confidence 0.99 with one "overlatency" query (t = 1, tolerance 0), a run
 * of n queries qualifies once P(Binomial(n, 1 - p) <= 1) < 1 - 0.99, i.e.
 * once, with 99% confidence, at least two of the n samples lie at or above
 * the true p-th percentile, so the sample tail bounds it.  That gives
 * n >= 64 for p90 and n >= 662 for p99; eb_percentile_min_n computes the
 * threshold from the rule rather than naming the constants. */
#include "reports/latency_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* NaN sorts after everything, so the comparison is a total order (qsort
 * needs one) and NaN samples end up at the top, where max reports them. */
static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    bool na = isnan(a), nb = isnan(b);
    if (na || nb)
        return (int)na - (int)nb;
    return (a > b) - (a < b);
}

double eb_percentile_sorted(const double *sorted, int n, double p)
{
    if (n < 1 || isnan(p))
        return NAN;
    if (p <= 0)
        return sorted[0];
    if (p >= 100)
        return sorted[n - 1];
    double h = (double)(n - 1) * (p / 100.0);
    int lo = (int)floor(h);
    if (lo >= n - 1)
        return sorted[n - 1];
    double frac = h - (double)lo;
    /* a + f (b - a) rather than (1-f) a + f b: exact when f == 0 */
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

int eb_percentile_min_n(double p)
{
    if (!(p > 0 && p < 100))
        return -1;
    /* P(Binomial(n, 1-q) <= 1) = q^n + n (1-q) q^(n-1) = q^(n-1) (q + n (1-q)),
     * in logs so that it neither under- nor overflows; it falls with n */
    double q = p / 100.0, log_q = log1p(-(1.0 - q)), level = log(1.0 - 0.99);
    for (int n = 1; n < (1 << 30); n++)
        if ((double)(n - 1) * log_q + log(q + (double)n * (1.0 - q)) < level)
            return n;
    return -1;
}

/* The narrowest window [*lo, *hi] of Binomial(n, 1/2) values with mass
 * >= level, as centred as possible (ties go to the lower side); returns the
 * mass.  Needs n >= 1. */
static double binom_half_window(int n, double level, int *lo, int *hi)
{
    /* unnormalised pmf relative to the mode m = floor(n/2) */
    int m = n / 2;
    double total = 1.0, t = 1.0;
    for (int i = m; i < n; i++) { /* upward: p(i+1) */
        t *= (double)(n - i) / (double)(i + 1);
        total += t;
        if (t < total * 1e-20)
            break;
    }
    t = 1.0;
    for (int i = m; i > 0; i--) { /* downward: p(i-1) */
        t *= (double)i / (double)(n - i + 1);
        total += t;
        if (t < total * 1e-20)
            break;
    }

    double need = level * total, mass = 1.0;
    double p_lo = 1.0, p_hi = 1.0; /* pmf at the window's ends */
    int a = m, b = m;
    while (mass < need && (a > 0 || b < n)) {
        /* the next value closer to n/2 has the larger pmf; compare in
         * integers so that equal masses always break the same way */
        bool take_low;
        if (a == 0)
            take_low = false;
        else if (b == n)
            take_low = true;
        else {
            long long dl = (long long)n - 2LL * (a - 1); /* 2 * (n/2 - (a-1)) */
            long long dh = 2LL * (b + 1) - (long long)n;
            take_low = dl <= dh;
        }
        if (take_low) {
            p_lo *= (double)a / (double)(n - a + 1);
            a--;
            mass += p_lo;
        } else {
            p_hi *= (double)(n - b) / (double)(b + 1);
            b++;
            mass += p_hi;
        }
    }
    *lo = a;
    *hi = b;
    return mass / total;
}

void eb_latency_summarize(const double *ms, int n, double cv_threshold, eb_latency_stats *out)
{
    memset(out, 0, sizeof *out);
    out->min = out->median = out->mean = out->p90 = out->p99 = out->max = NAN;
    out->stddev = out->cv = out->ci_low = out->ci_high = out->ci_level = NAN;
    if (n < 1 || !ms)
        return;
    out->n = n;

    double sum = 0, lo = ms[0], hi = ms[0];
    for (int i = 0; i < n; i++) {
        sum += ms[i];
        if (ms[i] < lo)
            lo = ms[i];
        if (ms[i] > hi || isnan(ms[i]))
            hi = ms[i];
    }
    double mean = sum / n, ss = 0;
    for (int i = 0; i < n; i++)
        ss += (ms[i] - mean) * (ms[i] - mean);
    out->mean = mean;
    out->stddev = n > 1 ? sqrt(ss / (n - 1)) : 0.0;
    if (out->stddev == 0)
        out->cv = 0;
    else if (mean == 0)
        out->cv = INFINITY;
    else
        out->cv = out->stddev / fabs(mean);
    out->unstable = out->cv > cv_threshold || isnan(out->cv);
    out->min = lo;
    out->max = hi;

    /* without memory for the sorted copy, the order statistics stay NaN */
    double *s = malloc((size_t)n * sizeof *s);
    if (!s)
        return;
    memcpy(s, ms, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    out->min = s[0];
    out->max = s[n - 1];
    out->median = eb_percentile_sorted(s, n, 50);
    /* tail percentiles only where n supports them (see the top of the file) */
    out->p90_available = n >= eb_percentile_min_n(90);
    out->p99_available = n >= eb_percentile_min_n(99);
    if (out->p90_available)
        out->p90 = eb_percentile_sorted(s, n, 90);
    if (out->p99_available)
        out->p99 = eb_percentile_sorted(s, n, 99);

    /* ranks j..k need 1 <= j and k <= n: the best window [1, n-1] holds
     * 1 - 2^(1-n), below 0.95 for n < 6 */
    if (n >= 6) {
        int a, b;
        double level = binom_half_window(n, 0.95, &a, &b);
        if (a >= 1 && b + 1 <= n) {
            out->ci_available = true;
            out->ci_low = s[a - 1]; /* X(j), j = a, 1-based */
            out->ci_high = s[b];    /* X(k), k = b + 1 */
            out->ci_level = level;
        }
    }
    free(s);
}
