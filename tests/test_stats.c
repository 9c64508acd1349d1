/* test_stats.c - the Mann-Whitney U test, medians and the bootstrap
 * interval of a ratio of medians (reports/stats.c).
 *
 * Expected values never come from the code under test: U is counted pair
 * by pair; exact p-values come from enumerating every assignment of the
 * pooled values to the two groups (all C(N, nx) of them); the variance the
 * normal approximation needs is the variance of U over that same complete
 * enumeration; the textbook case is the one in R's wilcox.test
 * documentation (Hollander and Wolfe 1973, W = 35, one-sided p = 0.1272);
 * the test's calibration and the interval's coverage are checked by
 * simulation against the truth the data were drawn from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/stats.h"
#include "tests/test_util.h"

/* ---- helpers ------------------------------------------------------------ */

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        char msg[160];
        snprintf(msg, sizeof msg, "got %.17g, expected %.17g (tolerance %g)", got, want, tol);
        fail_msg("%s", msg);
    }
}

/* U of a against b by counting pairs, ties as 1/2. */
static double pair_count_u(const double *a, int na, const double *b, int nb)
{
    double u = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++)
            u += a[i] > b[j] ? 1 : a[i] == b[j] ? 0.5 : 0;
    return u;
}

/* The complete permutation distribution of U: every way of taking nx of
 * the N = nx + ny pooled values as group x.  Gives the two-sided p-value of
 * u_obs (doubling the smaller tail) and U's mean and variance. */
typedef struct perm {
    double p, mean, var;
    long count;
} perm;

static perm permutation_distribution(const double *x, int nx, const double *y, int ny)
{
    int N = nx + ny;
    assert_true(N <= 22);
    double v[22], gt[22][22];
    memcpy(v, x, (size_t)nx * sizeof *v);
    memcpy(v + nx, y, (size_t)ny * sizeof *v);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            gt[i][j] = v[i] > v[j] ? 1 : v[i] == v[j] ? 0.5 : 0;
    double u_obs = pair_count_u(x, nx, y, ny);
    long le = 0, ge = 0, count = 0;
    double sum = 0, sum2 = 0;
    for (uint32_t mask = 0; mask < (1u << N); mask++) {
        if (__builtin_popcount(mask) != nx)
            continue;
        double u = 0;
        for (int i = 0; i < N; i++)
            if (mask >> i & 1)
                for (int j = 0; j < N; j++)
                    if (!(mask >> j & 1))
                        u += gt[i][j];
        count++;
        sum += u;
        sum2 += u * u;
        le += u <= u_obs + 1e-9;
        ge += u >= u_obs - 1e-9;
    }
    perm r;
    r.count = count;
    r.mean = sum / count;
    r.var = sum2 / count - r.mean * r.mean;
    double p = 2.0 * (double)(le < ge ? le : ge) / (double)count;
    r.p = p < 1 ? p : 1;
    return r;
}

/* Integers from a small range, so that ties are common. */
static void tied_values(uint64_t *s, double *v, int n, int range)
{
    for (int i = 0; i < n; i++)
        v[i] = (double)(eb_test_rand(s) % (uint64_t)range);
}

static double std_normal(uint64_t *s)
{
    double u1 = 1.0 - eb_test_uniform(s, 0, 1), u2 = eb_test_uniform(s, 0, 1);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, w = *(const double *)b;
    return (u > w) - (u < w);
}

static double sorted_median(const double *x, int n)
{
    double *a = malloc((size_t)n * sizeof *a);
    assert_non_null(a);
    memcpy(a, x, (size_t)n * sizeof *a);
    qsort(a, (size_t)n, sizeof *a, cmp_double);
    double m = n % 2 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    free(a);
    return m;
}

/* ---- Mann-Whitney: failure paths first -------------------------------------- */

static void mann_whitney__empty_side__fails(void **state)
{
    (void)state;
    double x[3] = {1, 2, 3};
    eb_mw r;
    eb_err err = {{0}};
    assert_int_equal(eb_mann_whitney(x, 3, x, 0, &r, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "at least one sample"));
    assert_int_equal(eb_mann_whitney(x, 0, x, 3, &r, &err), EB_EINVAL);
}

static void mann_whitney__nan_sample__fails(void **state)
{
    (void)state;
    double x[3] = {1, NAN, 3}, y[3] = {1, 2, 3};
    eb_mw r;
    eb_err err = {{0}};
    assert_int_equal(eb_mann_whitney(x, 3, y, 3, &r, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "not a finite number"));
    double z[2] = {INFINITY, 1};
    assert_int_equal(eb_mann_whitney(y, 3, z, 2, &r, &err), EB_EINVAL);
}

/* ---- Mann-Whitney: known answers -------------------------------------------- */

/* R: wilcox.test(x, y, alternative = "g") gives W = 35, p-value = 0.1272;
 * two-sided, exact, that is 0.2544. */
static void mann_whitney__textbook_example__gives_u_35_and_exact_p(void **state)
{
    (void)state;
    const double x[10] = {0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46};
    const double y[5] = {1.15, 0.88, 0.90, 0.74, 1.21};
    eb_mw r;
    eb_err err = {{0}};
    assert_int_equal(eb_mann_whitney(x, 10, y, 5, &r, &err), EB_OK);
    assert_int_equal(r.method, EB_MW_EXACT);
    assert_close(r.u, 35, 0);
    assert_close(r.mean, 25, 0);
    assert_close(r.p, 0.2544, 5e-5);
    perm want = permutation_distribution(x, 10, y, 5);
    assert_int_equal(want.count, 3003);
    assert_close(r.p, want.p, 1e-12);
    /* the test is symmetric: swapping the groups mirrors U, keeps p */
    eb_mw s;
    assert_int_equal(eb_mann_whitney(y, 5, x, 10, &s, &err), EB_OK);
    assert_close(s.u, 5 * 10 - 35, 0);
    assert_close(s.p, r.p, 1e-15);
}

static void mann_whitney__u__counts_pairs_with_ties_as_half(void **state)
{
    (void)state;
    uint64_t s = eb_test_seed();
    for (int trial = 0; trial < 20; trial++) {
        int nx = 1 + (int)(eb_test_rand(&s) % 300), ny = 1 + (int)(eb_test_rand(&s) % 300);
        double *x = malloc((size_t)nx * sizeof *x), *y = malloc((size_t)ny * sizeof *y);
        assert_true(x && y);
        tied_values(&s, x, nx, 1 + (int)(eb_test_rand(&s) % 50));
        tied_values(&s, y, ny, 1 + (int)(eb_test_rand(&s) % 50));
        eb_mw r;
        eb_err err;
        assert_int_equal(eb_mann_whitney(x, nx, y, ny, &r, &err), EB_OK);
        assert_close(r.u, pair_count_u(x, nx, y, ny), 0);
        assert_close(r.mean, nx * ny / 2.0, 0);
        free(x);
        free(y);
    }
}

static void mann_whitney__small_samples_with_ties__match_brute_force_permutations(void **state)
{
    (void)state;
    uint64_t s = eb_test_seed();
    for (int trial = 0; trial < 60; trial++) {
        int nx = 1 + (int)(eb_test_rand(&s) % 7), ny = 1 + (int)(eb_test_rand(&s) % 12);
        if (trial % 2) { /* the small group on either side */
            int t = nx;
            nx = ny;
            ny = t;
        }
        double x[12], y[12];
        int range = trial < 20 ? 1000000 : 2 + (int)(eb_test_rand(&s) % 6); /* distinct, then tied */
        tied_values(&s, x, nx, range);
        tied_values(&s, y, ny, range);
        eb_mw r;
        eb_err err;
        assert_int_equal(eb_mann_whitney(x, nx, y, ny, &r, &err), EB_OK);
        assert_int_equal(r.method, EB_MW_EXACT);
        perm want = permutation_distribution(x, nx, y, ny);
        assert_close(r.p, want.p, 1e-12);
    }
}

static void mann_whitney__eight_or_more_each__uses_the_tie_corrected_normal_approximation(void **state)
{
    (void)state;
    uint64_t s = eb_test_seed();
    for (int trial = 0; trial < 6; trial++) {
        int nx = 8 + (int)(eb_test_rand(&s) % 3), ny = 8 + (int)(eb_test_rand(&s) % 3);
        double x[10], y[10];
        tied_values(&s, x, nx, trial < 2 ? 1000000 : 4 + trial);
        tied_values(&s, y, ny, trial < 2 ? 1000000 : 4 + trial);
        y[0] += trial % 3; /* sometimes a visible shift */
        eb_mw r;
        eb_err err;
        assert_int_equal(eb_mann_whitney(x, nx, y, ny, &r, &err), EB_OK);
        assert_int_equal(r.method, EB_MW_NORMAL);
        /* U's exact permutation variance is the tie-corrected formula */
        perm d = permutation_distribution(x, nx, y, ny);
        assert_close(r.mean, d.mean, 1e-9);
        assert_close(r.sd, sqrt(d.var), 1e-9 * sqrt(d.var));
        double u = pair_count_u(x, nx, y, ny), dev = fabs(u - d.mean);
        double z = dev > 0.5 ? (dev - 0.5) / sqrt(d.var) : 0;
        assert_close(fabs(r.z), z, 1e-9);
        assert_close(r.p, fmin(1, erfc(z / sqrt(2))), 1e-12);
        /* and, without ties, the approximation is near the exact answer at
         * this size (with heavy ties the exact distribution is too lumpy) */
        if (trial < 2)
            assert_close(r.p, d.p, 0.02);
    }
}

static void mann_whitney__identical_samples__give_p_1(void **state)
{
    (void)state;
    double x[12];
    uint64_t s = eb_test_seed();
    for (int i = 0; i < 12; i++)
        x[i] = eb_test_uniform(&s, 1, 2);
    eb_mw r;
    eb_err err;
    assert_int_equal(eb_mann_whitney(x, 12, x, 12, &r, &err), EB_OK);
    assert_close(r.u, 72, 0);
    assert_close(r.z, 0, 0);
    assert_close(r.p, 1, 0);
    assert_int_equal(eb_mann_whitney(x, 5, x, 5, &r, &err), EB_OK); /* exact path */
    assert_close(r.p, 1, 0);
}

static void mann_whitney__every_value_tied__has_sd_0_and_p_1(void **state)
{
    (void)state;
    double x[20], y[30];
    for (int i = 0; i < 20; i++)
        x[i] = 0.25;
    for (int i = 0; i < 30; i++)
        y[i] = 0.25;
    eb_mw r;
    eb_err err;
    assert_int_equal(eb_mann_whitney(x, 20, y, 30, &r, &err), EB_OK);
    assert_close(r.sd, 0, 0);
    assert_close(r.p, 1, 0);
    assert_int_equal(eb_mann_whitney(x, 3, y, 4, &r, &err), EB_OK);
    assert_close(r.p, 1, 0);
}

static void mann_whitney__clearly_shifted_samples__give_a_tiny_p(void **state)
{
    (void)state;
    double x[40], y[40];
    uint64_t s = eb_test_seed();
    for (int i = 0; i < 40; i++) {
        x[i] = eb_test_uniform(&s, 0, 1);
        y[i] = eb_test_uniform(&s, 1, 2); /* every y above every x */
    }
    eb_mw r;
    eb_err err;
    assert_int_equal(eb_mann_whitney(x, 40, y, 40, &r, &err), EB_OK);
    assert_close(r.u, 0, 0);
    assert_true(r.z < 0);
    /* z = (800 - 0.5) / sqrt(40*40*81/12) */
    double want = erfc(799.5 / sqrt(1600.0 * 81 / 12) / sqrt(2));
    assert_close(r.p, want, 1e-9 * want);
    assert_true(r.p < 1e-12);
}

/* Under the null hypothesis a level-0.05 test rejects about 5% of the time. */
static void mann_whitney__same_distribution__rejects_about_five_percent(void **state)
{
    (void)state;
    uint64_t s = eb_test_seed();
    int trials = 2000, rejected = 0;
    for (int t = 0; t < trials; t++) {
        double x[30], y[30];
        for (int i = 0; i < 30; i++) {
            x[i] = exp(std_normal(&s));
            y[i] = exp(std_normal(&s));
        }
        eb_mw r;
        eb_err err;
        assert_int_equal(eb_mann_whitney(x, 30, y, 30, &r, &err), EB_OK);
        rejected += r.p < 0.05;
    }
    double rate = (double)rejected / trials; /* binomial sd at 0.05: 0.005 */
    if (!(rate > 0.03 && rate < 0.07))
        fail_msg("rejection rate %.4f under the null, expected about 0.05", rate);
}

/* ---- medians ---------------------------------------------------------------- */

static void median__empty__is_nan(void **state)
{
    (void)state;
    double x[1] = {1};
    assert_true(isnan(eb_stats_median(x, 0)));
}

static void median__random_arrays__match_the_middle_of_a_sort(void **state)
{
    (void)state;
    uint64_t s = eb_test_seed();
    for (int trial = 0; trial < 300; trial++) {
        int n = 1 + (int)(eb_test_rand(&s) % 200);
        double x[200], copy[200];
        if (trial % 3 == 0)
            tied_values(&s, x, n, 3);
        else
            for (int i = 0; i < n; i++)
                x[i] = eb_test_uniform(&s, -5, 5);
        if (trial % 7 == 0)
            qsort(x, (size_t)n, sizeof *x, cmp_double); /* sorted input: the pivot's worst friend */
        memcpy(copy, x, sizeof x);
        assert_close(eb_stats_median(x, n), sorted_median(x, n), 0);
        assert_memory_equal(x, copy, (size_t)n * sizeof *x); /* not modified */
    }
}

/* ---- ratio of medians ---------------------------------------------------------- */

static void ratio_ci__bad_arguments__fail(void **state)
{
    (void)state;
    double x[4] = {1, 2, 3, 4}, zero[3] = {0, 0, 1}, bad[2] = {1, NAN};
    eb_ratio_ci ci;
    eb_err err = {{0}};
    assert_int_equal(eb_median_ratio_ci(x, 0, x, 4, 100, 0.95, 1, &ci, &err), EB_EINVAL);
    assert_int_equal(eb_median_ratio_ci(x, 4, x, 4, 0, 0.95, 1, &ci, &err), EB_EINVAL);
    assert_int_equal(eb_median_ratio_ci(x, 4, x, 4, 100, 1.0, 1, &ci, &err), EB_EINVAL);
    assert_int_equal(eb_median_ratio_ci(zero, 3, x, 4, 100, 0.95, 1, &ci, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "not positive"));
    assert_int_equal(eb_median_ratio_ci(x, 4, bad, 2, 100, 0.95, 1, &ci, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "finite"));
}

static void ratio_ci__fixed_seed__gives_the_same_interval_around_the_ratio(void **state)
{
    (void)state;
    uint64_t s = eb_test_seed();
    double x[31], y[24];
    for (int i = 0; i < 31; i++)
        x[i] = eb_test_uniform(&s, 1, 2);
    for (int i = 0; i < 24; i++)
        y[i] = eb_test_uniform(&s, 1.1, 2.3);
    eb_ratio_ci a, b, c;
    eb_err err;
    assert_int_equal(eb_median_ratio_ci(x, 31, y, 24, 2000, 0.95, EB_BOOT_SEED, &a, &err), EB_OK);
    assert_int_equal(eb_median_ratio_ci(x, 31, y, 24, 2000, 0.95, EB_BOOT_SEED, &b, &err), EB_OK);
    assert_memory_equal(&a, &b, sizeof a);
    assert_close(a.ratio, sorted_median(y, 24) / sorted_median(x, 31), 1e-15);
    assert_true(a.low <= a.ratio && a.ratio <= a.high && a.low < a.high);
    assert_int_equal(a.resamples, 2000);
    /* a wider level gives a wider interval from the same resamples */
    assert_int_equal(eb_median_ratio_ci(x, 31, y, 24, 2000, 0.99, EB_BOOT_SEED, &c, &err), EB_OK);
    assert_true(c.low <= a.low && c.high >= a.high);
}

static void ratio_ci__constant_samples__is_a_point(void **state)
{
    (void)state;
    double x[10], y[10];
    for (int i = 0; i < 10; i++) {
        x[i] = 2;
        y[i] = 3;
    }
    eb_ratio_ci ci;
    eb_err err;
    assert_int_equal(eb_median_ratio_ci(x, 10, y, 10, 500, 0.95, 7, &ci, &err), EB_OK);
    assert_close(ci.ratio, 1.5, 0);
    assert_close(ci.low, 1.5, 0);
    assert_close(ci.high, 1.5, 0);
}

/* Lognormal latencies (median e^mu), NEW 20% slower: the interval should
 * hold 1.2 in about 95% of independent data sets (the percentile bootstrap
 * of a median is a little liberal at n = 30, hence >= 88%). */
static void ratio_ci__synthetic_lognormal__covers_the_true_ratio_in_most_trials(void **state)
{
    (void)state;
    uint64_t s = eb_test_seed();
    int trials = 200, covered = 0;
    double width = 0;
    for (int t = 0; t < trials; t++) {
        double x[30], y[30];
        for (int i = 0; i < 30; i++) {
            x[i] = exp(log(0.19) + 0.1 * std_normal(&s));
            y[i] = 1.2 * exp(log(0.19) + 0.1 * std_normal(&s));
        }
        eb_ratio_ci ci;
        eb_err err;
        assert_int_equal(eb_median_ratio_ci(x, 30, y, 30, 1000, 0.95, EB_BOOT_SEED + (uint64_t)t, &ci, &err),
                         EB_OK);
        covered += ci.low <= 1.2 && 1.2 <= ci.high;
        width += ci.high - ci.low;
    }
    double rate = (double)covered / trials;
    if (!(rate >= 0.88))
        fail_msg("the interval covered the true ratio in %.3f of trials, expected about 0.95", rate);
    /* and it is not trivially wide: sd of a median of 30 lognormal(0.1)
     * samples is about 0.023 of it, so the ratio's 95% width about 0.15 */
    assert_true(width / trials < 0.3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mann_whitney__empty_side__fails),
        cmocka_unit_test(mann_whitney__nan_sample__fails),
        cmocka_unit_test(mann_whitney__textbook_example__gives_u_35_and_exact_p),
        cmocka_unit_test(mann_whitney__u__counts_pairs_with_ties_as_half),
        cmocka_unit_test(mann_whitney__small_samples_with_ties__match_brute_force_permutations),
        cmocka_unit_test(mann_whitney__eight_or_more_each__uses_the_tie_corrected_normal_approximation),
        cmocka_unit_test(mann_whitney__identical_samples__give_p_1),
        cmocka_unit_test(mann_whitney__every_value_tied__has_sd_0_and_p_1),
        cmocka_unit_test(mann_whitney__clearly_shifted_samples__give_a_tiny_p),
        cmocka_unit_test(mann_whitney__same_distribution__rejects_about_five_percent),
        cmocka_unit_test(median__empty__is_nan),
        cmocka_unit_test(median__random_arrays__match_the_middle_of_a_sort),
        cmocka_unit_test(ratio_ci__bad_arguments__fail),
        cmocka_unit_test(ratio_ci__fixed_seed__gives_the_same_interval_around_the_ratio),
        cmocka_unit_test(ratio_ci__constant_samples__is_a_point),
        cmocka_unit_test(ratio_ci__synthetic_lognormal__covers_the_true_ratio_in_most_trials),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
