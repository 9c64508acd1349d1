/* stats.c - the Mann-Whitney U test and the bootstrap interval of a ratio of
 * medians (see stats.h for the definitions).
 *
 * Why these two: latency samples are skewed, heavy-tailed and often tied
 * (timer resolution), so the test is a rank test that assumes no shape, and
 * the interval is a percentile bootstrap of the very quantity reported (the
 * ratio of the two medians), which needs no distributional assumption
 * either.  The bootstrap's generator has a fixed seed so that comparing the
 * same two files twice gives the same numbers. */
#include "reports/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/latency_stats.h"

const char *eb_mw_method_name(eb_mw_method m)
{
    return m == EB_MW_EXACT ? "exact" : "normal";
}

static bool all_finite(const double *x, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return false;
    return true;
}

/* ---- Mann-Whitney U --------------------------------------------------------- */

typedef struct tagged {
    double v;
    int group; /* 0: x, 1: y */
} tagged;

static int cmp_tagged(const void *a, const void *b)
{
    double u = ((const tagged *)a)->v, w = ((const tagged *)b)->v;
    return (u > w) - (u < w);
}

/* Exact two-sided p from the permutation distribution of the doubled rank
 * sum of group g (m members) among the N doubled midranks r2 (sorted
 * ascending, integers).  cnt[k][s] counts the k-subsets of the items seen so
 * far whose doubled ranks sum to s; counts fit a double exactly
 * (C(500, 7) < 2^53). */
static eb_status exact_p(const int64_t *r2, int N, int m, int64_t t_obs, double *p, eb_err *err)
{
    int64_t smax = 0;
    for (int i = N - m; i < N; i++)
        smax += r2[i];
    size_t width = (size_t)smax + 1;
    double *cnt = calloc((size_t)(m + 1) * width, sizeof *cnt);
    if (!cnt)
        return eb_errf(err, EB_ENOMEM, "Mann-Whitney: out of memory");
    cnt[0] = 1;
    for (int i = 0; i < N; i++) {
        int kmax = i + 1 < m ? i + 1 : m;
        for (int k = kmax; k >= 1; k--) {
            double *row = cnt + (size_t)k * width, *prev = cnt + (size_t)(k - 1) * width;
            for (int64_t s = smax; s >= r2[i]; s--)
                row[s] += prev[s - r2[i]];
        }
    }
    const double *row = cnt + (size_t)m * width;
    double total = 0, lo = 0, hi = 0;
    for (int64_t s = 0; s <= smax; s++) {
        total += row[s];
        if (s <= t_obs)
            lo += row[s];
        if (s >= t_obs)
            hi += row[s];
    }
    free(cnt);
    double q = 2 * fmin(lo, hi) / total;
    *p = q < 1 ? q : 1;
    return EB_OK;
}

eb_status eb_mann_whitney(const double *x, int nx, const double *y, int ny, eb_mw *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    if (nx < 1 || ny < 1)
        return eb_errf(err, EB_EINVAL, "Mann-Whitney: needs at least one sample on each side (got %d and %d)", nx,
                       ny);
    if (!all_finite(x, nx) || !all_finite(y, ny))
        return eb_errf(err, EB_EINVAL, "Mann-Whitney: a sample is not a finite number");
    int N = nx + ny;
    tagged *all = malloc((size_t)N * sizeof *all);
    int64_t *r2 = malloc((size_t)N * sizeof *r2);
    if (!all || !r2) {
        free(all);
        free(r2);
        return eb_errf(err, EB_ENOMEM, "Mann-Whitney: out of memory");
    }
    for (int i = 0; i < nx; i++)
        all[i] = (tagged){x[i], 0};
    for (int j = 0; j < ny; j++)
        all[nx + j] = (tagged){y[j], 1};
    qsort(all, (size_t)N, sizeof *all, cmp_tagged);

    /* midranks, doubled so that they stay integers: items i..j-1 (0-based)
     * tied share rank (i+1 + j)/2 */
    int64_t rsum2[2] = {0, 0};
    double ties = 0;
    for (int i = 0; i < N;) {
        int j = i + 1;
        while (j < N && all[j].v == all[i].v)
            j++;
        double t = j - i;
        ties += t * t * t - t;
        for (int k = i; k < j; k++) {
            r2[k] = (int64_t)i + 1 + j;
            rsum2[all[k].group] += r2[k];
        }
        i = j;
    }
    out->u = (double)rsum2[0] / 2 - (double)nx * (nx + 1) / 2;
    out->mean = (double)nx * ny / 2;
    double var = (double)nx * ny / 12 * ((N + 1) - ties / ((double)N * (N - 1)));
    out->sd = var > 0 ? sqrt(var) : 0;
    double d = out->u - out->mean, ad = fabs(d);
    ad = ad > 0.5 ? ad - 0.5 : 0;
    out->z = out->sd > 0 ? copysign(ad / out->sd, d) : 0;

    eb_status st = EB_OK;
    int m = nx < ny ? nx : ny;
    if (m < EB_MW_EXACT_BELOW && N <= EB_MW_EXACT_MAX_N) {
        out->method = EB_MW_EXACT;
        /* the smaller group's rank sum; its distribution only depends on
         * the pooled ranks r2, which are in sorted order already */
        st = exact_p(r2, N, m, nx <= ny ? rsum2[0] : rsum2[1], &out->p, err);
    } else {
        out->method = EB_MW_NORMAL;
        out->p = out->sd > 0 ? fmin(1, erfc(fabs(out->z) / sqrt(2))) : 1;
    }
    free(all);
    free(r2);
    return st;
}

/* ---- medians ------------------------------------------------------------------ */

/* Moves the k-th smallest of a[0..n) to a[k], smaller ones before it and
 * larger ones after it (Hoare's selection, middle pivot). */
static double select_kth(double *a, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = a[lo + (hi - lo) / 2];
        int i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return a[k];
}

/* Median of a[0..n), reordering a. */
static double median_inplace(double *a, int n)
{
    int k = (n - 1) / 2;
    double m = select_kth(a, n, k);
    if (n % 2)
        return m;
    double next = a[k + 1];
    for (int i = k + 2; i < n; i++)
        if (a[i] < next)
            next = a[i];
    return (m + next) / 2;
}

double eb_stats_median(const double *x, int n)
{
    if (n < 1)
        return NAN;
    double *a = malloc((size_t)n * sizeof *a);
    if (!a)
        return NAN;
    memcpy(a, x, (size_t)n * sizeof *a);
    double m = median_inplace(a, n);
    free(a);
    return m;
}

/* ---- bootstrap ------------------------------------------------------------------ */

/* xoshiro256** (Blackman and Vigna), seeded through splitmix64. */
typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform index in [0, n): 53 random bits scaled, bias below 2^-53 * n. */
static int rng_index(rng *r, int n)
{
    int i = (int)((double)(rng_next(r) >> 11) * 0x1.0p-53 * n);
    return i < n ? i : n - 1;
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, w = *(const double *)b;
    return (u > w) - (u < w);
}

static void resample(rng *r, const double *x, int n, double *dst)
{
    for (int i = 0; i < n; i++)
        dst[i] = x[rng_index(r, n)];
}

eb_status eb_median_ratio_ci(const double *x, int nx, const double *y, int ny, int resamples, double level,
                             uint64_t seed, eb_ratio_ci *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    if (nx < 1 || ny < 1 || resamples < 1 || !(level > 0 && level < 1))
        return eb_errf(err, EB_EINVAL, "ratio of medians: bad arguments (%d and %d samples, %d resamples, level %g)",
                       nx, ny, resamples, level);
    if (!all_finite(x, nx) || !all_finite(y, ny))
        return eb_errf(err, EB_EINVAL, "ratio of medians: a sample is not a finite number");
    double *bx = malloc((size_t)nx * sizeof *bx), *by = malloc((size_t)ny * sizeof *by);
    double *ratios = malloc((size_t)resamples * sizeof *ratios);
    eb_status st = EB_OK;
    if (!bx || !by || !ratios) {
        st = eb_errf(err, EB_ENOMEM, "ratio of medians: out of memory");
        goto out;
    }
    memcpy(bx, x, (size_t)nx * sizeof *bx);
    memcpy(by, y, (size_t)ny * sizeof *by);
    double mx = median_inplace(bx, nx), my = median_inplace(by, ny);
    if (!(mx > 0)) {
        st = eb_errf(err, EB_EINVAL, "ratio of medians: the base median is %g, not positive", mx);
        goto out;
    }
    out->ratio = my / mx;
    out->level = level;
    out->resamples = resamples;

    rng r;
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r.s[i] = splitmix64(&sm);
    for (int b = 0; b < resamples; b++) {
        resample(&r, x, nx, bx);
        resample(&r, y, ny, by);
        double rx = median_inplace(bx, nx), ry = median_inplace(by, ny);
        /* a resampled base median is one of the samples, all > 0 unless the
         * base holds zeros or negatives; such a ratio is unbounded */
        ratios[b] = rx > 0 ? ry / rx : INFINITY;
    }
    qsort(ratios, (size_t)resamples, sizeof *ratios, cmp_double);
    out->low = eb_percentile_sorted(ratios, resamples, 100 * (1 - level) / 2);
    out->high = eb_percentile_sorted(ratios, resamples, 100 * (1 + level) / 2);
out:
    free(bx);
    free(by);
    free(ratios);
    return st;
}

/* ---- the hierarchical bootstrap ----------------------------------------------- */

static eb_status check_groups(const eb_sample_groups *g, const char *what, eb_err *err)
{
    if (!g || !g->x || !g->counts || g->k < 1 || g->n < 1)
        return eb_errf(err, EB_EINVAL, "%s: no samples or no process", what);
    long long sum = 0;
    for (int i = 0; i < g->k; i++) {
        if (g->counts[i] < 1)
            return eb_errf(err, EB_EINVAL, "%s: process %d has %d samples", what, i, g->counts[i]);
        sum += g->counts[i];
    }
    if (sum != g->n)
        return eb_errf(err, EB_EINVAL, "%s: the processes hold %lld samples, not %d", what, sum, g->n);
    if (!all_finite(g->x, g->n))
        return eb_errf(err, EB_EINVAL, "%s: a sample is not a finite number", what);
    return EB_OK;
}

/* Offsets of each group's first sample (k of them). */
static int *group_starts(const eb_sample_groups *g)
{
    int *start = malloc((size_t)g->k * sizeof *start);
    if (start)
        for (int i = 0, off = 0; i < g->k; off += g->counts[i], i++)
            start[i] = off;
    return start;
}

/* One hierarchical resample of g into dst[0..n): k processes drawn with
 * replacement, then each drawn process's samples (as many as it holds).
 * The resample's size varies with the processes drawn; returns it. */
static int resample_groups(rng *r, const eb_sample_groups *g, const int *start, double *dst)
{
    int m = 0;
    for (int i = 0; i < g->k; i++) {
        int p = rng_index(r, g->k), c = g->counts[p];
        const double *src = g->x + start[p];
        for (int j = 0; j < c; j++)
            dst[m++] = src[rng_index(r, c)];
    }
    return m;
}

/* Largest size a resample of g can have: k times its largest process. */
static size_t max_resample(const eb_sample_groups *g)
{
    int big = 0;
    for (int i = 0; i < g->k; i++)
        big = g->counts[i] > big ? g->counts[i] : big;
    return (size_t)g->k * (size_t)big;
}

static void seed_rng(rng *r, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&sm);
}

eb_status eb_hier_median_ci(const eb_sample_groups *g, int resamples, double level, uint64_t seed, double *low,
                            double *high, eb_err *err)
{
    *low = *high = NAN;
    if (resamples < 1 || !(level > 0 && level < 1))
        return eb_errf(err, EB_EINVAL, "median interval: bad arguments (%d resamples, level %g)", resamples, level);
    eb_status st = check_groups(g, "median interval", err);
    if (st != EB_OK)
        return st;
    int *start = group_starts(g);
    double *buf = malloc(max_resample(g) * sizeof *buf), *meds = malloc((size_t)resamples * sizeof *meds);
    if (!start || !buf || !meds) {
        st = eb_errf(err, EB_ENOMEM, "median interval: out of memory");
        goto out;
    }
    rng r;
    seed_rng(&r, seed);
    for (int b = 0; b < resamples; b++) {
        int m = resample_groups(&r, g, start, buf);
        meds[b] = median_inplace(buf, m);
    }
    qsort(meds, (size_t)resamples, sizeof *meds, cmp_double);
    *low = eb_percentile_sorted(meds, resamples, 100 * (1 - level) / 2);
    *high = eb_percentile_sorted(meds, resamples, 100 * (1 + level) / 2);
out:
    free(start);
    free(buf);
    free(meds);
    return st;
}

eb_status eb_hier_ratio_ci(const eb_sample_groups *x, const eb_sample_groups *y, int resamples, double level,
                           uint64_t seed, eb_ratio_ci *out, double *p, eb_err *err)
{
    memset(out, 0, sizeof *out);
    *p = NAN;
    if (resamples < 1 || !(level > 0 && level < 1))
        return eb_errf(err, EB_EINVAL, "ratio of medians: bad arguments (%d resamples, level %g)", resamples, level);
    eb_status st = check_groups(x, "ratio of medians (base)", err);
    if (st == EB_OK)
        st = check_groups(y, "ratio of medians (new)", err);
    if (st != EB_OK)
        return st;
    int *sx = group_starts(x), *sy = group_starts(y);
    size_t cap = max_resample(x) > max_resample(y) ? max_resample(x) : max_resample(y);
    if (cap < (size_t)x->n || cap < (size_t)y->n)
        cap = (size_t)(x->n > y->n ? x->n : y->n);
    double *bx = malloc(cap * sizeof *bx), *by = malloc(cap * sizeof *by);
    double *ratios = malloc((size_t)resamples * sizeof *ratios);
    if (!sx || !sy || !bx || !by || !ratios) {
        st = eb_errf(err, EB_ENOMEM, "ratio of medians: out of memory");
        goto out;
    }
    memcpy(bx, x->x, (size_t)x->n * sizeof *bx);
    memcpy(by, y->x, (size_t)y->n * sizeof *by);
    double mx = median_inplace(bx, x->n), my = median_inplace(by, y->n);
    if (!(mx > 0)) {
        st = eb_errf(err, EB_EINVAL, "ratio of medians: the base median is %g, not positive", mx);
        goto out;
    }
    out->ratio = my / mx;
    out->level = level;
    out->resamples = resamples;
    rng r;
    seed_rng(&r, seed);
    long below = 0, above = 0;
    for (int b = 0; b < resamples; b++) {
        int mxn = resample_groups(&r, x, sx, bx), myn = resample_groups(&r, y, sy, by);
        double rx = median_inplace(bx, mxn), ry = median_inplace(by, myn);
        ratios[b] = rx > 0 ? ry / rx : INFINITY;
        below += ratios[b] <= 1;
        above += ratios[b] >= 1;
    }
    qsort(ratios, (size_t)resamples, sizeof *ratios, cmp_double);
    out->low = eb_percentile_sorted(ratios, resamples, 100 * (1 - level) / 2);
    out->high = eb_percentile_sorted(ratios, resamples, 100 * (1 + level) / 2);
    double q = 2.0 * (double)((below < above ? below : above) + 1) / (double)(resamples + 1);
    *p = q < 1 ? q : 1;
out:
    free(sx);
    free(sy);
    free(bx);
    free(by);
    free(ratios);
    return st;
}
