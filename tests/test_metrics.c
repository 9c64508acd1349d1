/* test_metrics.c - latency statistics and accuracy drift.
 *
 * Every expected value is worked out here without the code under test:
 * percentiles of small arrays by hand, of random arrays from an insertion
 * sort, binomial coverages by exact summation of Pascal's triangle in long
 * double, drift metrics from perturbations whose error is known by
 * construction (dyadic values, so float arithmetic is exact).  The median
 * interval is also checked empirically: over many samples from a uniform
 * distribution it must contain the true median about 95% of the time.
 * The sample counts that support p90 and p99 are MLPerf's published 64 and
 * 662, and the rule behind them is re-checked in long double. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bench/metrics_drift.h"
#include "reports/latency_stats.h"
#include "reports/emit.h"
#include "reports/emit_text.h"
#include "reports/results_load.h"
#include "tests/test_util.h"

/* ---- helpers ------------------------------------------------------------ */

static eb_tensor mk(eb_dtype dt, int rank, const int64_t *shape, void *data)
{
    eb_tensor t;
    memset(&t, 0, sizeof t);
    t.dtype = dt;
    t.rank = rank;
    for (int i = 0; i < rank; i++)
        t.shape[i] = shape[i];
    t.data = data;
    return t;
}

static void assert_close(double got, double want, double rtol)
{
    if (!(fabs(got - want) <= rtol * fabs(want))) {
        char msg[128];
        snprintf(msg, sizeof msg, "got %.17g, expected %.17g (rtol %g)", got, want, rtol);
        fail_msg("%s", msg);
    }
}

static void insertion_sort(double *a, int n)
{
    for (int i = 1; i < n; i++) {
        double v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

/* Binomial(n, 1/2) pmf from Pascal's triangle: exact integers (n <= 62)
 * divided by 2^n in long double. */
static void binom_half_pmf(int n, long double *pmf)
{
    unsigned long long row[64] = {1};
    for (int r = 1; r <= n; r++)
        for (int i = r; i > 0; i--)
            row[i] += row[i - 1];
    for (int i = 0; i <= n; i++)
        pmf[i] = ldexpl((long double)row[i], -n);
}

static long double window_mass(const long double *pmf, int lo, int hi)
{
    long double s = 0;
    for (int i = lo; i <= hi; i++)
        s += pmf[i];
    return s;
}

/* ---- latency: failure paths first ----------------------------------------- */

static void latency__fewer_than_six_samples__has_no_ci(void **state)
{
    (void)state;
    const double five[] = {3, 1, 2, 5, 4};
    eb_latency_stats s;
    eb_latency_summarize(five, 5, 0.05, &s);
    assert_false(s.ci_available);
    assert_int_equal(s.n, 5);
    assert_true(s.median == 3);

    /* the largest interval [X(1), X(n)] covers 1 - 2^(1-n): 0.9375 at 5,
     * 0.96875 at 6, so six samples are the first with an interval */
    const double six[] = {3, 1, 2, 6, 5, 4};
    eb_latency_summarize(six, 6, 0.05, &s);
    assert_true(s.ci_available);
    assert_true(s.ci_low == 1 && s.ci_high == 6);
    assert_close(s.ci_level, 1.0 - 2.0 / 64.0, 1e-14);
}

static void latency__one_sample__has_zero_spread(void **state)
{
    (void)state;
    const double one[] = {7.5};
    eb_latency_stats s;
    eb_latency_summarize(one, 1, 0.05, &s);
    assert_int_equal(s.n, 1);
    assert_true(s.min == 7.5 && s.median == 7.5 && s.mean == 7.5 && s.max == 7.5);
    /* one sample supports no tail percentile */
    assert_false(s.p90_available || s.p99_available);
    assert_true(isnan(s.p90) && isnan(s.p99));
    assert_true(s.stddev == 0 && s.cv == 0);
    assert_false(s.unstable);
    assert_false(s.ci_available);
}

static void latency__small_known_array__gives_hand_computed_percentiles(void **state)
{
    (void)state;
    double ms[] = {5, 1, 4, 2, 3};
    const double copy[] = {5, 1, 4, 2, 3};
    eb_latency_stats s;
    eb_latency_summarize(ms, 5, 0.05, &s);
    assert_memory_equal(ms, copy, sizeof ms); /* input untouched */
    assert_true(s.min == 1 && s.max == 5);
    assert_true(s.median == 3);
    /* type 7: h = 0.9 * 4 = 3.6 -> 4 + 0.6 (5 - 4); h = 0.99 * 4 = 3.96 */
    const double sorted[] = {1, 2, 3, 4, 5};
    assert_close(eb_percentile_sorted(sorted, 5, 90), 4.6, 1e-15);
    assert_close(eb_percentile_sorted(sorted, 5, 99), 4.96, 1e-15);
    /* ... but 5 samples are too few to publish either */
    assert_false(s.p90_available || s.p99_available);
    assert_true(isnan(s.p90) && isnan(s.p99));
    assert_close(s.mean, 3, 1e-15);
    /* squares of deviations 4+1+0+1+4 = 10, over n-1 = 4 */
    assert_close(s.stddev, sqrt(2.5), 1e-15);
    assert_close(s.cv, sqrt(2.5) / 3, 1e-15);
}

static void percentile_sorted__even_count__interpolates_between_middle_pair(void **state)
{
    (void)state;
    const double s[] = {10, 20, 30, 40};
    assert_true(eb_percentile_sorted(s, 4, 0) == 10);
    assert_true(eb_percentile_sorted(s, 4, 100) == 40);
    assert_close(eb_percentile_sorted(s, 4, 50), 25, 1e-15);
    /* h = 0.25 * 3 = 0.75 -> 10 + 0.75 * 10 */
    assert_close(eb_percentile_sorted(s, 4, 25), 17.5, 1e-15);
    /* h = 0.9 * 3 = 2.7 -> 30 + 0.7 * 10 */
    assert_close(eb_percentile_sorted(s, 4, 90), 37, 1e-15);
    const double one[] = {2};
    assert_true(eb_percentile_sorted(one, 1, 37) == 2);
}

static void latency__known_set__gives_mean_and_sample_stddev(void **state)
{
    (void)state;
    /* the textbook set: mean 5, sum of squared deviations 32 */
    const double ms[] = {2, 4, 4, 4, 5, 5, 7, 9};
    eb_latency_stats s;
    eb_latency_summarize(ms, 8, 1.0, &s);
    assert_close(s.mean, 5, 1e-15);
    assert_close(s.stddev, sqrt(32.0 / 7.0), 1e-15);
    assert_close(s.cv, sqrt(32.0 / 7.0) / 5.0, 1e-15);
    assert_close(s.median, 4.5, 1e-15);
}

static void latency__random_samples__match_an_independent_sort(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0x1a7e;
    for (int trial = 0; trial < 200; trial++) {
        int n = 1 + (int)(eb_test_rand(&rng) % 1000); /* both sides of 64 and 662 */
        double *ms = malloc((size_t)n * sizeof *ms), *s = malloc((size_t)n * sizeof *s);
        assert_non_null(ms);
        assert_non_null(s);
        for (int i = 0; i < n; i++)
            ms[i] = s[i] = 0.5 + 20.0 * eb_test_uniform(&rng, 0, 1);
        insertion_sort(s, n);
        eb_latency_stats st;
        eb_latency_summarize(ms, n, 0.05, &st);
        assert_true(st.min == s[0] && st.max == s[n - 1]);
        double med = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
        assert_close(st.median, med, 1e-14);
        /* 1-based rank r = 1 + p (n - 1), interpolated */
        double r90 = 1 + 0.9 * (n - 1), r99 = 1 + 0.99 * (n - 1);
        int i90 = (int)r90, i99 = (int)r99;
        double e90 = i90 >= n ? s[n - 1] : s[i90 - 1] + (r90 - i90) * (s[i90] - s[i90 - 1]);
        double e99 = i99 >= n ? s[n - 1] : s[i99 - 1] + (r99 - i99) * (s[i99] - s[i99 - 1]);
        assert_int_equal(st.p90_available, n >= 64);
        assert_int_equal(st.p99_available, n >= 662);
        if (n >= 64)
            assert_close(st.p90, e90, 1e-12);
        else
            assert_true(isnan(st.p90));
        if (n >= 662)
            assert_close(st.p99, e99, 1e-12);
        else
            assert_true(isnan(st.p99));
        free(ms);
        free(s);
    }
}

static void latency__cv_above_threshold__is_unstable(void **state)
{
    (void)state;
    /* mean 15, sample sd sqrt(100/3): cv 0.385 */
    const double noisy[] = {10, 20, 10, 20};
    eb_latency_stats s;
    eb_latency_summarize(noisy, 4, 0.05, &s);
    assert_close(s.cv, sqrt(100.0 / 3.0) / 15.0, 1e-15);
    assert_true(s.unstable);
    eb_latency_summarize(noisy, 4, 0.5, &s);
    assert_false(s.unstable);

    /* mean 10, sd sqrt(0.02/4): cv 0.0071 */
    const double calm[] = {10, 10.1, 9.9, 10, 10};
    eb_latency_summarize(calm, 5, 0.05, &s);
    assert_false(s.unstable);
    eb_latency_summarize(calm, 5, 0.005, &s);
    assert_true(s.unstable);
}

static void latency__twenty_samples__ci_is_x6_to_x15_with_exact_coverage(void **state)
{
    (void)state;
    /* X(i) = 10 i, given in a scrambled order */
    double ms[20];
    for (int i = 0; i < 20; i++)
        ms[i] = 10.0 * (double)((i * 7) % 20 + 1);
    eb_latency_stats s;
    eb_latency_summarize(ms, 20, 0.05, &s);
    assert_true(s.ci_available);
    assert_true(s.ci_low == 60);
    assert_true(s.ci_high == 150);

    /* P(6 <= B <= 14), B ~ Binomial(20, 1/2), by direct summation */
    long double c = 1, sum = 0; /* C(20, i) */
    for (int i = 0; i <= 20; i++) {
        if (i >= 6 && i <= 14)
            sum += c;
        c = c * (20 - i) / (i + 1);
    }
    long double cov = sum / 1048576.0L;
    assert_close(s.ci_level, (double)cov, 1e-13);
    assert_true(fabs(s.ci_level - 0.9586) < 5e-5);
    /* one rank narrower would not reach 95% */
    assert_true(cov - 38760.0L / 1048576.0L < 0.95L);
}

static void latency__ci_for_6_to_60_samples__is_the_narrowest_centred_window(void **state)
{
    (void)state;
    long double pmf[64];
    double ms[64];
    for (int n = 6; n <= 60; n++) {
        binom_half_pmf(n, pmf);
        /* brute force: the smallest width with a window in [1, n-1] of
         * mass >= 0.95, and the largest mass at that width */
        int best_w = -1;
        long double best_mass = 0;
        for (int w = 1; w <= n - 1 && best_w < 0; w++)
            for (int lo = 1; lo + w - 1 <= n - 1; lo++) {
                long double m = window_mass(pmf, lo, lo + w - 1);
                if (m >= 0.95L && m > best_mass) {
                    best_w = w;
                    best_mass = m;
                }
            }
        assert_true(best_w > 0);

        for (int i = 0; i < n; i++)
            ms[i] = (double)(n - i); /* X(i) = i */
        eb_latency_stats s;
        eb_latency_summarize(ms, n, 0.05, &s);
        assert_true(s.ci_available);
        int j = (int)s.ci_low, k = (int)s.ci_high;
        if (k - j != best_w)
            fail_msg("n=%d: interval (X(%d), X(%d)) is not the narrowest (width %d)", n, j, k, best_w);
        long double mass = window_mass(pmf, j, k - 1);
        assert_close((double)mass, (double)best_mass, 1e-15);
        assert_close(s.ci_level, (double)mass, 1e-13);
        assert_true(s.ci_level >= 0.95);
        /* centred: the window j..k-1 straddles n/2 within half a rank */
        if (abs(j + (k - 1) - n) > 1)
            fail_msg("n=%d: interval (X(%d), X(%d)) is off-centre", n, j, k);
    }
}

static void latency__ci_of_uniform_samples__covers_the_true_median_about_95_percent(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0xc1;
    const int trials = 2000, n = 31;
    double ms[31];
    int covered = 0;
    for (int t = 0; t < trials; t++) {
        for (int i = 0; i < n; i++)
            ms[i] = eb_test_uniform(&rng, 0, 1);
        eb_latency_stats s;
        eb_latency_summarize(ms, n, 0.05, &s);
        assert_true(s.ci_available);
        covered += s.ci_low <= 0.5 && 0.5 <= s.ci_high;
    }
    double rate = (double)covered / trials;
    if (rate < 0.93 || rate > 0.99)
        fail_msg("median CI covered 0.5 in %.4f of %d trials", rate, trials);
}

static void latency__million_samples__summarize_completes(void **state)
{
    (void)state;
    const int n = 1000000;
    double *ms = malloc((size_t)n * sizeof *ms);
    assert_non_null(ms);
    /* a permutation of 1..n (7919 is prime to 10^6), so X(i) = i */
    for (int i = 0; i < n; i++)
        ms[i] = (double)((long long)i * 7919 % n + 1);
    eb_latency_stats s;
    eb_latency_summarize(ms, n, 0.05, &s);
    free(ms);
    assert_int_equal(s.n, n);
    assert_true(s.min == 1 && s.max == n);
    assert_close(s.median, 500000.5, 1e-15);
    assert_close(s.p90, 1 + 0.9 * (n - 1), 1e-15);
    assert_true(s.ci_available);
    /* normal approximation: j = n/2 - 1.96 sqrt(n)/2 = 499020 */
    if (fabs(s.ci_low - 499020) > 3 || fabs(s.ci_high - (n + 1 - s.ci_low)) > 1)
        fail_msg("CI (X(%.0f), X(%.0f)) is far from (X(499020), X(500981))", s.ci_low, s.ci_high);
    assert_true(s.ci_level >= 0.95 && s.ci_level < 0.9505);
}

/* ---- tail percentiles only where n supports them ------------------------- */

/* P(Binomial(n, 1-q) <= 1) = q^n + n (1-q) q^(n-1), straight from the pmf */
static long double at_most_one_above(int n, long double q)
{
    return powl(q, n) + (long double)n * (1 - q) * powl(q, n - 1);
}

static void percentile_min_n__mlperf_rule__64_for_p90_and_662_for_p99(void **state)
{
    (void)state;
    /* the numbers MLPerf's rules give for 99% confidence */
    assert_int_equal(eb_percentile_min_n(90), 64);
    assert_int_equal(eb_percentile_min_n(99), 662);
    /* and the rule itself at other percentiles: the least n below 1% */
    const double ps[] = {50, 75, 90, 95, 99, 99.9};
    for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
        int n = eb_percentile_min_n(ps[i]);
        long double q = (long double)ps[i] / 100;
        if (!(n > 1 && at_most_one_above(n, q) < 0.01L && at_most_one_above(n - 1, q) >= 0.01L))
            fail_msg("p%g: n = %d is not the least n with P(at most one above) < 1%%", ps[i], n);
    }
    assert_int_equal(eb_percentile_min_n(0), -1);
    assert_int_equal(eb_percentile_min_n(100), -1);
    assert_int_equal(eb_percentile_min_n(NAN), -1);
}

/* 1, 2, ..., n ms, reversed so that nothing relies on sorted input */
static double *ramp(int n)
{
    double *ms = malloc((size_t)n * sizeof *ms);
    assert_non_null(ms);
    for (int i = 0; i < n; i++)
        ms[i] = (double)(n - i);
    return ms;
}

static void latency__63_samples__no_p90_and_64__p90(void **state)
{
    (void)state;
    eb_latency_stats s;
    double *ms = ramp(64);
    eb_latency_summarize(ms + 1, 63, 0.05, &s); /* 63, ..., 1 */
    assert_false(s.p90_available);
    assert_true(isnan(s.p90));
    eb_latency_summarize(ms, 64, 0.05, &s);
    assert_true(s.p90_available);
    assert_close(s.p90, 1 + 0.9 * 63, 1e-15); /* type 7 on 1..64 */
    assert_false(s.p99_available);
    assert_true(isnan(s.p99));
    free(ms);
}

static void latency__661_samples__no_p99_and_662__p99(void **state)
{
    (void)state;
    eb_latency_stats s;
    double *ms = ramp(662);
    eb_latency_summarize(ms + 1, 661, 0.05, &s);
    assert_true(s.p90_available);
    assert_false(s.p99_available);
    assert_true(isnan(s.p99));
    eb_latency_summarize(ms, 662, 0.05, &s);
    assert_true(s.p99_available);
    assert_close(s.p99, 1 + 0.99 * 661, 1e-15);
    free(ms);
}

/* A finished result with n samples 1..n ms. */
static void result_with_samples(eb_result *r, int n)
{
    memset(r, 0, sizeof *r);
    snprintf(r->model, sizeof r->model, "m.onnx");
    snprintf(r->model_name, sizeof r->model_name, "m");
    snprintf(r->variant.spec, sizeof r->variant.spec, "ref");
    snprintf(r->variant.runner, sizeof r->variant.runner, "ref");
    snprintf(r->variant.prune, sizeof r->variant.prune, "none");
    snprintf(r->variant.quant, sizeof r->variant.quant, "none");
    r->variant.threads = 1;
    snprintf(r->device, sizeof r->device, "cpu");
    r->status = EB_RESULT_OK;
    r->n_samples = n;
    r->samples_ms = ramp(n);
    eb_latency_summarize(r->samples_ms, n, 1.0, &r->latency);
}

/* What fn printed for the result, through a temporary file; caller frees. */
static char *printed_row(const eb_result *r, int how)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    eb_provenance prov = {.version = "t", .git_commit = "t", .compiler = "t", .cflags = "t"};
    eb_run_settings settings = {.runs = 10, .cv_threshold = 0.05};
    eb_report_doc d = {.prov = &prov, .settings = &settings, .results = r, .n_results = 1};
    if (how == 0) {
        eb_model_info m = {.name = "m", .path = "m.onnx"};
        eb_table t;
        eb_table_init(&t, &m, 1, 0.05);
        eb_table_fit_variant(&t, r->variant.spec);
        eb_emit_table_row(f, &t, r, NAN);
    }
    else if (how == 1)
        eb_emit_md(f, &d);
    else
        eb_emit_csv(f, &d);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc((size_t)n + 1, 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

static void emit__ten_samples__percentiles_null_with_reason_and_dash_in_tables(void **state)
{
    (void)state;
    eb_result r;
    result_with_samples(&r, 10);

    cJSON *o = eb_result_json(&r), *lat = cJSON_GetObjectItem(o, "latency");
    assert_non_null(lat);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItem(lat, "median")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(lat, "p90")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(lat, "p99")));
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(lat, "p90_reason")), "needs n >= 64, have 10");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(lat, "p99_reason")), "needs n >= 662, have 10");
    cJSON_Delete(o);

    /* terminal table: model, variant, median (a number and its unit), p90, ... */
    char *row = printed_row(&r, 0), med[32], unit[32], p90[32];
    assert_int_equal(sscanf(row, "%*s %*s %31s %31s %31s", med, unit, p90), 3);
    assert_string_equal(med, "5.50");
    assert_string_equal(unit, "ms");
    assert_string_equal(p90, "-");
    free(row);
    /* markdown: | model | variant | median | p90 | ... */
    char *md = printed_row(&r, 1);
    assert_non_null(strstr(md, "| m | `ref` | 5.500 | - |"));
    free(md);
    /* CSV: ...,n,median_ms,p90_ms,p99_ms,mean_ms: the two are empty (no number) */
    char *csv = printed_row(&r, 2);
    assert_non_null(strstr(csv, ",10,5.5,,,5.5,"));
    free(csv);
    eb_result_free(&r);
}

static void emit__hundred_samples__p90_but_no_p99(void **state)
{
    (void)state;
    eb_result r;
    result_with_samples(&r, 100);
    cJSON *o = eb_result_json(&r), *lat = cJSON_GetObjectItem(o, "latency");
    assert_close(cJSON_GetNumberValue(cJSON_GetObjectItem(lat, "p90")), 1 + 0.9 * 99, 1e-15);
    assert_null(cJSON_GetObjectItem(lat, "p90_reason"));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(lat, "p99")));
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(lat, "p99_reason")), "needs n >= 662, have 100");
    cJSON_Delete(o);
    char *row = printed_row(&r, 0), p90[32];
    assert_int_equal(sscanf(row, "%*s %*s %*s %*s %31s", p90), 1);
    assert_string_equal(p90, "90.1"); /* 3-4 significant digits */
    free(row);
    eb_result_free(&r);
}

/* null in a file reads back as "not available", never as 0 */
static void results_load__null_percentiles__read_back_as_unavailable(void **state)
{
    (void)state;
    eb_result rs[2];
    result_with_samples(&rs[0], 10);
    result_with_samples(&rs[1], 700);
    eb_provenance prov = {.version = "t", .git_commit = "t", .compiler = "t", .cflags = "t"};
    snprintf(prov.start_time, sizeof prov.start_time, "2026-01-01T00:00:00Z");
    eb_run_settings settings = {.runs = 10, .cv_threshold = 0.05};
    eb_report_doc d = {.prov = &prov, .settings = &settings, .results = rs, .n_results = 2};
    char path[512];
    snprintf(path, sizeof path, "%s/r.json", eb_test_tmpdir());
    eb_err err = {{0}};
    assert_int_equal(eb_emit_file(path, EB_FMT_JSON, &d, &err), EB_OK);
    eb_result_set set;
    if (eb_results_load(path, &set, &err) != EB_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(set.n, 2);
    assert_false(set.results[0].latency.p90_available || set.results[0].latency.p99_available);
    assert_true(isnan(set.results[0].latency.p90) && isnan(set.results[0].latency.p99));
    assert_true(set.results[1].latency.p90_available && set.results[1].latency.p99_available);
    assert_close(set.results[1].latency.p99, rs[1].latency.p99, 1e-15);
    eb_results_free(&set);
    eb_result_free(&rs[0]);
    eb_result_free(&rs[1]);
}

/* ---- drift: failure paths first ----------------------------------------- */

static void drift__shape_mismatch__is_unavailable_naming_output_and_shapes(void **state)
{
    (void)state;
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 2, 3, 4, 5, 6};
    int64_t s1[] = {6}, s23[] = {2, 3}, s32[] = {3, 2};
    eb_tensor out[2] = {mk(EB_DT_F32, 1, s1, a), mk(EB_DT_F32, 2, s23, a)};
    eb_tensor base[2] = {mk(EB_DT_F32, 1, s1, b), mk(EB_DT_F32, 2, s32, b)};
    eb_drift d;
    eb_drift_compute(out, base, 2, &d);
    assert_false(d.available);
    assert_non_null(strstr(d.reason, "output 1"));
    assert_non_null(strstr(d.reason, "f32[2,3]"));
    assert_non_null(strstr(d.reason, "f32[3,2]"));

    /* a mismatch in a later batch spoils the whole accumulation */
    eb_drift_acc acc;
    memset(&acc, 0, sizeof acc);
    eb_drift_add(&acc, out, out, 2);
    eb_drift_add(&acc, out, base, 2);
    eb_drift_add(&acc, out, out, 2);
    eb_drift_finish(&acc, &d);
    assert_false(d.available);
    assert_non_null(strstr(d.reason, "output 1"));
}

static void drift__dtype_mismatch__is_unavailable_naming_both(void **state)
{
    (void)state;
    float a[4] = {1, 2, 3, 4};
    uint16_t h[4] = {0x3C00, 0x4000, 0x4200, 0x4400};
    int64_t s[] = {2, 2};
    eb_tensor out = mk(EB_DT_F32, 2, s, a), base = mk(EB_DT_F16, 2, s, h);
    eb_drift d;
    eb_drift_compute(&out, &base, 1, &d);
    assert_false(d.available);
    assert_non_null(strstr(d.reason, "output 0"));
    assert_non_null(strstr(d.reason, "f32[2,2]"));
    assert_non_null(strstr(d.reason, "f16[2,2]"));
}

static void drift__no_float_output__is_unavailable(void **state)
{
    (void)state;
    int32_t a[3] = {1, 2, 3}, b[3] = {1, 5, 3};
    int64_t s[] = {3};
    eb_tensor out = mk(EB_DT_I32, 1, s, a), base = mk(EB_DT_I32, 1, s, b);
    eb_drift d;
    eb_drift_compute(&out, &base, 1, &d);
    assert_false(d.available);
    assert_string_equal(d.reason, "no float output");

    eb_drift_compute(NULL, NULL, 0, &d);
    assert_false(d.available);
    assert_string_equal(d.reason, "no float output");
}

static void drift__identical_outputs__have_no_error_and_full_agreement(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0x1d;
    enum { N = 16, C = 10 };
    float v[N * C];
    for (int i = 0; i < N * C; i++)
        v[i] = eb_test_uniform(&rng, -3, 3);
    int64_t s[] = {N, C};
    eb_tensor t = mk(EB_DT_F32, 2, s, v);
    eb_drift d;
    eb_drift_compute(&t, &t, 1, &d);
    assert_true(d.available);
    assert_true(d.max_abs == 0 && d.mean_abs == 0 && d.rel_l2 == 0);
    assert_true(d.cosine == 1.0);
    assert_true(isinf(d.snr_db) && d.snr_db > 0);
    assert_true(d.has_top1);
    assert_true(d.top1_agreement == 1.0);
    assert_true(d.top1_rows == N);
}

static void drift__constant_offset__gives_known_errors(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0x0ff;
    enum { N = 257 };
    /* f32: multiples of 1/64 in [-16, 16] plus 0.375 are exact in float */
    float bf[N], vf[N];
    long double nb = 0;
    const double c = 0.375;
    for (int i = 0; i < N; i++) {
        bf[i] = (float)((int)(eb_test_rand(&rng) % 2049) - 1024) / 64.0f;
        vf[i] = bf[i] + (float)c;
        nb += (long double)bf[i] * bf[i];
    }
    int64_t s[] = {N};
    eb_tensor o = mk(EB_DT_F32, 1, s, vf), b = mk(EB_DT_F32, 1, s, bf);
    eb_drift d;
    eb_drift_compute(&o, &b, 1, &d);
    assert_true(d.available);
    assert_close(d.max_abs, c, 1e-12);
    assert_close(d.mean_abs, c, 1e-12);
    assert_close(d.rel_l2, c * sqrt((double)N) / sqrt((double)nb), 1e-12);
    assert_close(d.snr_db, 10.0 * log10((double)nb / (N * c * c)), 1e-12);

    /* f64 with a negative offset: random values, error within rounding */
    double bd[N], vd[N];
    const double c2 = -1.25;
    nb = 0;
    for (int i = 0; i < N; i++) {
        bd[i] = eb_test_uniform(&rng, -1, 1);
        vd[i] = bd[i] + c2;
        nb += (long double)bd[i] * bd[i];
    }
    o = mk(EB_DT_F64, 1, s, vd);
    b = mk(EB_DT_F64, 1, s, bd);
    eb_drift_compute(&o, &b, 1, &d);
    assert_true(d.available);
    assert_close(d.max_abs, fabs(c2), 1e-12);
    assert_close(d.mean_abs, fabs(c2), 1e-12);
    assert_close(d.rel_l2, fabs(c2) * sqrt((double)N) / sqrt((double)nb), 1e-12);
}

static void drift__swapped_argmax_in_k_rows__gives_known_top1_agreement(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0x7091;
    enum { N = 64, C = 7, K = 11 };
    float base[N * C], out[N * C];
    int amax[N];
    for (int r = 0; r < N; r++) {
        int ties;
        do { /* rows with a unique maximum */
            for (int j = 0; j < C; j++)
                base[r * C + j] = eb_test_uniform(&rng, -5, 5);
            amax[r] = 0;
            for (int j = 1; j < C; j++)
                if (base[r * C + j] > base[r * C + amax[r]])
                    amax[r] = j;
            ties = 0;
            for (int j = 0; j < C; j++)
                ties += base[r * C + j] == base[r * C + amax[r]];
        } while (ties != 1);
    }
    memcpy(out, base, sizeof out);
    /* swap the maximum with another column in K distinct random rows */
    bool swapped[N] = {false};
    for (int k = 0; k < K;) {
        int r = (int)(eb_test_rand(&rng) % N);
        if (swapped[r])
            continue;
        swapped[r] = true;
        int j = (amax[r] + 1 + (int)(eb_test_rand(&rng) % (C - 1))) % C;
        float t = out[r * C + j];
        out[r * C + j] = out[r * C + amax[r]];
        out[r * C + amax[r]] = t;
        k++;
    }
    int64_t s[] = {N, C};
    eb_tensor o = mk(EB_DT_F32, 2, s, out), b = mk(EB_DT_F32, 2, s, base);
    eb_drift d;
    eb_drift_compute(&o, &b, 1, &d);
    assert_true(d.available && d.has_top1);
    assert_true(d.top1_rows == N);
    assert_close(d.top1_agreement, (double)(N - K) / N, 1e-15);

    /* rank 1 [C] is one row */
    int64_t s1[] = {C};
    int r0 = 0;
    while (!swapped[r0])
        r0++;
    o = mk(EB_DT_F32, 1, s1, out + r0 * C);
    b = mk(EB_DT_F32, 1, s1, base + r0 * C);
    eb_drift_compute(&o, &b, 1, &d);
    assert_true(d.has_top1 && d.top1_rows == 1 && d.top1_agreement == 0);
}

static void drift__tied_scores__first_maximum_wins(void **state)
{
    (void)state;
    /* first-max: base 1, variant 2 (disagree); a last-max rule would
     * pick 2 for both and agree */
    float b[3] = {0, 5, 5}, v[3] = {0, 4, 5};
    int64_t s[] = {1, 3};
    eb_tensor o = mk(EB_DT_F32, 2, s, v), bt = mk(EB_DT_F32, 2, s, b);
    eb_drift d;
    eb_drift_compute(&o, &bt, 1, &d);
    assert_true(d.has_top1);
    assert_true(d.top1_agreement == 0);
}

static void drift__non_classifier_first_output__has_no_top1(void **state)
{
    (void)state;
    int32_t ia[6] = {0, 1, 2, 3, 4, 5};
    float fa[6] = {0, 1, 2, 3, 4, 5};
    int64_t s23[] = {2, 3}, s61[] = {6, 1}, s4[] = {1, 2, 3, 1};
    eb_drift d;
    /* first output integer, second float [2, 3]: only the first counts */
    eb_tensor t2[2] = {mk(EB_DT_I32, 2, s23, ia), mk(EB_DT_F32, 2, s23, fa)};
    eb_drift_compute(t2, t2, 2, &d);
    assert_true(d.available);
    assert_false(d.has_top1);
    /* one class per row */
    eb_tensor t = mk(EB_DT_F32, 2, s61, fa);
    eb_drift_compute(&t, &t, 1, &d);
    assert_false(d.has_top1);
    /* a single score */
    int64_t s1[] = {1};
    t = mk(EB_DT_F32, 1, s1, fa);
    eb_drift_compute(&t, &t, 1, &d);
    assert_true(d.available);
    assert_false(d.has_top1);
    /* rank 4 */
    t = mk(EB_DT_F32, 4, s4, fa);
    eb_drift_compute(&t, &t, 1, &d);
    assert_false(d.has_top1);
}

static void drift__integer_outputs__do_not_count_toward_errors(void **state)
{
    (void)state;
    float bf[4] = {1, 2, 3, 4}, vf[4] = {1, 2, 3, 5};
    int32_t bi[3] = {0, 0, 0}, vi[3] = {1000, -1000, 7};
    int64_t s4[] = {4}, s3[] = {3};
    eb_tensor out[2] = {mk(EB_DT_F32, 1, s4, vf), mk(EB_DT_I32, 1, s3, vi)};
    eb_tensor base[2] = {mk(EB_DT_F32, 1, s4, bf), mk(EB_DT_I32, 1, s3, bi)};
    eb_drift d;
    eb_drift_compute(out, base, 2, &d);
    assert_true(d.available);
    assert_true(d.max_abs == 1);
    assert_close(d.mean_abs, 0.25, 1e-15);
    assert_close(d.rel_l2, 1.0 / sqrt(30.0), 1e-14);
    /* <v,b> = 1+4+9+20 = 34, |v|^2 = 39, |b|^2 = 30 */
    assert_close(d.cosine, 34.0 / sqrt(39.0 * 30.0), 1e-14);
    /* rank-1 first output: one row, argmax 3 in both */
    assert_true(d.has_top1 && d.top1_rows == 1 && d.top1_agreement == 1);
}

static void drift__f16_outputs__are_compared_as_floats(void **state)
{
    (void)state;
    /* half bits: 1.0 = 0x3C00, 1.5 = 0x3E00, 2.0 = 0x4000, -2.0 = 0xC000 */
    uint16_t b[4] = {0x3C00, 0x4000, 0xC000, 0x3C00}, v[4] = {0x3E00, 0x4000, 0xC000, 0x3C00};
    int64_t s[] = {4};
    eb_tensor o = mk(EB_DT_F16, 1, s, v), bt = mk(EB_DT_F16, 1, s, b);
    eb_drift d;
    eb_drift_compute(&o, &bt, 1, &d);
    assert_true(d.available);
    assert_true(d.max_abs == 0.5);
    assert_close(d.mean_abs, 0.125, 1e-15);
    assert_close(d.rel_l2, 0.5 / sqrt(10.0), 1e-14);
}

static void drift__zero_vectors__follow_the_cosine_and_rel_l2_rules(void **state)
{
    (void)state;
    double z[3] = {0, 0, 0}, x[3] = {1, -2, 2};
    int64_t s[] = {3};
    eb_tensor tz = mk(EB_DT_F64, 1, s, z), tx = mk(EB_DT_F64, 1, s, x);
    eb_drift d;
    eb_drift_compute(&tz, &tz, 1, &d);
    assert_true(d.available && d.cosine == 1 && d.rel_l2 == 0 && d.max_abs == 0);
    assert_true(isinf(d.snr_db) && d.snr_db > 0);
    eb_drift_compute(&tx, &tz, 1, &d); /* variant nonzero, baseline zero */
    assert_true(d.cosine == 0);
    assert_true(isinf(d.rel_l2));
    assert_true(d.max_abs == 2);
    eb_drift_compute(&tz, &tx, 1, &d); /* variant zero */
    assert_true(d.cosine == 0);
    assert_close(d.rel_l2, 1, 1e-15);
    assert_close(d.snr_db, 0, 1e-15);
}

static void drift__nan_in_any_output__propagates(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0x4a4;
    float b0[8], v0[8], b1[5], v1[5];
    for (int i = 0; i < 8; i++)
        b0[i] = v0[i] = eb_test_uniform(&rng, -1, 1);
    for (int i = 0; i < 5; i++) {
        b1[i] = eb_test_uniform(&rng, -1, 1);
        v1[i] = b1[i] + 100.0f; /* a large error after the NaN */
    }
    v0[3] = NAN;
    int64_t s8[] = {8}, s5[] = {5};
    eb_tensor out[2] = {mk(EB_DT_F32, 1, s8, v0), mk(EB_DT_F32, 1, s5, v1)};
    eb_tensor base[2] = {mk(EB_DT_F32, 1, s8, b0), mk(EB_DT_F32, 1, s5, b1)};
    eb_drift d;
    eb_drift_compute(out, base, 2, &d);
    assert_true(d.available);
    assert_true(isnan(d.max_abs));
    assert_true(isnan(d.mean_abs));
    assert_true(isnan(d.rel_l2));
    assert_true(isnan(d.cosine));

    /* NaN in the baseline's last output, after ordinary errors */
    v0[3] = b0[3];
    b1[4] = NAN;
    eb_drift_compute(out, base, 2, &d);
    assert_true(isnan(d.max_abs));
    assert_true(isnan(d.mean_abs));
}

static void drift__two_batches__equal_one_call_on_the_concatenation(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0xba7c;
    enum { N1 = 9, N2 = 14, C = 5, F = 3 };
    float sb[(N1 + N2) * C], sv[(N1 + N2) * C];
    double fb[(N1 + N2) * F], fv[(N1 + N2) * F];
    for (int i = 0; i < (N1 + N2) * C; i++) {
        sb[i] = eb_test_uniform(&rng, 0, 1);
        sv[i] = sb[i] + eb_test_uniform(&rng, -0.3f, 0.3f);
    }
    for (int i = 0; i < (N1 + N2) * F; i++) {
        fb[i] = eb_test_uniform(&rng, -2, 2);
        fv[i] = fb[i] * 1.01 + eb_test_uniform(&rng, -0.05f, 0.05f);
    }
    int64_t a0[] = {N1, C}, a1[] = {N1, F}, b0[] = {N2, C}, b1[] = {N2, F}, c0[] = {N1 + N2, C},
            c1[] = {N1 + N2, F};
    eb_tensor ao[2] = {mk(EB_DT_F32, 2, a0, sv), mk(EB_DT_F64, 2, a1, fv)};
    eb_tensor ab[2] = {mk(EB_DT_F32, 2, a0, sb), mk(EB_DT_F64, 2, a1, fb)};
    eb_tensor bo[2] = {mk(EB_DT_F32, 2, b0, sv + N1 * C), mk(EB_DT_F64, 2, b1, fv + N1 * F)};
    eb_tensor bb[2] = {mk(EB_DT_F32, 2, b0, sb + N1 * C), mk(EB_DT_F64, 2, b1, fb + N1 * F)};
    eb_tensor co[2] = {mk(EB_DT_F32, 2, c0, sv), mk(EB_DT_F64, 2, c1, fv)};
    eb_tensor cb[2] = {mk(EB_DT_F32, 2, c0, sb), mk(EB_DT_F64, 2, c1, fb)};

    eb_drift_acc acc;
    memset(&acc, 0, sizeof acc);
    eb_drift_add(&acc, ao, ab, 2);
    eb_drift_add(&acc, bo, bb, 2);
    eb_drift two, one;
    eb_drift_finish(&acc, &two);
    eb_drift_compute(co, cb, 2, &one);
    assert_true(two.available && one.available);
    assert_true(two.max_abs == one.max_abs);
    assert_close(two.mean_abs, one.mean_abs, 1e-12);
    assert_close(two.rel_l2, one.rel_l2, 1e-12);
    assert_close(two.cosine, one.cosine, 1e-12);
    assert_close(two.snr_db, one.snr_db, 1e-12);
    assert_true(two.has_top1 && one.has_top1);
    assert_true(two.top1_rows == N1 + N2 && one.top1_rows == N1 + N2);
    assert_true(two.top1_agreement == one.top1_agreement);

    /* and the agreement itself, counted here */
    int same = 0;
    for (int r = 0; r < N1 + N2; r++) {
        int ib = 0, iv = 0;
        for (int j = 1; j < C; j++) {
            if (sb[r * C + j] > sb[r * C + ib])
                ib = j;
            if (sv[r * C + j] > sv[r * C + iv])
                iv = j;
        }
        same += ib == iv;
    }
    assert_close(one.top1_agreement, (double)same / (N1 + N2), 1e-15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(latency__fewer_than_six_samples__has_no_ci),
        cmocka_unit_test(latency__one_sample__has_zero_spread),
        cmocka_unit_test(latency__small_known_array__gives_hand_computed_percentiles),
        cmocka_unit_test(percentile_sorted__even_count__interpolates_between_middle_pair),
        cmocka_unit_test(latency__known_set__gives_mean_and_sample_stddev),
        cmocka_unit_test(latency__random_samples__match_an_independent_sort),
        cmocka_unit_test(latency__cv_above_threshold__is_unstable),
        cmocka_unit_test(latency__twenty_samples__ci_is_x6_to_x15_with_exact_coverage),
        cmocka_unit_test(latency__ci_for_6_to_60_samples__is_the_narrowest_centred_window),
        cmocka_unit_test(latency__ci_of_uniform_samples__covers_the_true_median_about_95_percent),
        cmocka_unit_test(latency__million_samples__summarize_completes),
        cmocka_unit_test(percentile_min_n__mlperf_rule__64_for_p90_and_662_for_p99),
        cmocka_unit_test(latency__63_samples__no_p90_and_64__p90),
        cmocka_unit_test(latency__661_samples__no_p99_and_662__p99),
        cmocka_unit_test(emit__ten_samples__percentiles_null_with_reason_and_dash_in_tables),
        cmocka_unit_test(emit__hundred_samples__p90_but_no_p99),
        cmocka_unit_test(results_load__null_percentiles__read_back_as_unavailable),
        cmocka_unit_test(drift__shape_mismatch__is_unavailable_naming_output_and_shapes),
        cmocka_unit_test(drift__dtype_mismatch__is_unavailable_naming_both),
        cmocka_unit_test(drift__no_float_output__is_unavailable),
        cmocka_unit_test(drift__identical_outputs__have_no_error_and_full_agreement),
        cmocka_unit_test(drift__constant_offset__gives_known_errors),
        cmocka_unit_test(drift__swapped_argmax_in_k_rows__gives_known_top1_agreement),
        cmocka_unit_test(drift__tied_scores__first_maximum_wins),
        cmocka_unit_test(drift__non_classifier_first_output__has_no_top1),
        cmocka_unit_test(drift__integer_outputs__do_not_count_toward_errors),
        cmocka_unit_test(drift__f16_outputs__are_compared_as_floats),
        cmocka_unit_test(drift__zero_vectors__follow_the_cosine_and_rel_l2_rules),
        cmocka_unit_test(drift__nan_in_any_output__propagates),
        cmocka_unit_test(drift__two_batches__equal_one_call_on_the_concatenation),
    };
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
