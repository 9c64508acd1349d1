/* test_compare_calibration.c - is `compare`'s latency verdict calibrated?
 * Measured on generated data, so the figures are exact and repeatable
 * (a fixed seed, not EB_TEST_SEED).
 *
 * The generator (realistic noise, parameters fixed before the rule was
 * looked at): a side of a pair is K worker processes of m samples each
 * (n = K m = 30).  Each process has its own speed, a lognormal shift of
 * sigma 3% (code layout, page placement, frequency: "a few percent"
 * between processes of one build); within a process the samples scatter
 * lognormally with sigma 2%, and 2% of them are outliers 20% to 100%
 * slower (an interrupt, a page fault, another task).  An A/A pair draws
 * both sides from one law; an A/B pair makes every sample of NEW 10%
 * slower.  Over 200 pairs each:
 *   - at most 1% of A/A pairs may be called `slower` (2 of 200);
 *   - at least 95% of A/B pairs must be (190 of 200).
 * Both bounds are checked at K = 6 (5 samples each) and K = 10 (3 each),
 * the A/A bound also at K = 5 (6 each), through eb_compare_sets on result
 * records, the path `edgebench compare` takes; K = 5 detection and K = 3
 * are printed (see there why they are not asserted).
 * The rate the old rule gives on the same data (the 30 samples pooled as
 * if independent: Mann-Whitney and the plain bootstrap) is printed beside
 * it, and so are the rates with one process a side (K = 1, n = 30), where
 * no rule can tell a process shift from a change: not asserted, shown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/compare.h"

#define PAIRS 200
#define N_PER_SIDE 30
#define SIGMA_PROCESS 0.03
#define SIGMA_SAMPLE 0.02
#define OUTLIER_SHARE 0.02
#define SLOWDOWN 1.10
#define SEED UINT64_C(0x63616c6962726174) /* "calibrat" */

/* ---- the generator -------------------------------------------------------- */

static uint64_t next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double uniform(uint64_t *s) /* [0, 1) */
{
    return (double)(next(s) >> 11) * 0x1.0p-53;
}

static double normal(uint64_t *s)
{
    double u1 = 1.0 - uniform(s), u2 = uniform(s);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* One side: k processes of n/k samples, the law above, scaled by `factor`,
 * into an ok result. */
static void side(eb_result *r, uint64_t *s, int k, double factor)
{
    memset(r, 0, sizeof *r);
    snprintf(r->model_name, sizeof r->model_name, "synthetic");
    snprintf(r->variant.spec, sizeof r->variant.spec, "ref");
    snprintf(r->device, sizeof r->device, "cpu");
    r->status = EB_RESULT_OK;
    r->n_samples = N_PER_SIDE;
    r->samples_ms = malloc(N_PER_SIDE * sizeof *r->samples_ms);
    assert_non_null(r->samples_ms);
    int m = N_PER_SIDE / k;
    r->n_processes = k > 1 ? k : 0;
    for (int p = 0, i = 0; p < k; p++) {
        double shift = exp(SIGMA_PROCESS * normal(s));
        r->process_n[p] = m;
        for (int j = 0; j < m; j++, i++) {
            double v = 10.0 * factor * shift * exp(SIGMA_SAMPLE * normal(s));
            if (uniform(s) < OUTLIER_SHARE)
                v *= 1.2 + 0.8 * uniform(s);
            r->samples_ms[i] = v;
        }
    }
}

typedef struct rates {
    int slower_new, slower_old; /* the rule as it is; the old rule on the pooled samples */
} rates;

/* PAIRS pairs at k processes a side, NEW scaled by factor: how many are
 * called slower. */
static rates count_slower(int k, double factor, uint64_t seed)
{
    uint64_t s = seed;
    rates out = {0, 0};
    eb_compare_opts o = eb_compare_opts_default();
    for (int t = 0; t < PAIRS; t++) {
        eb_result b, n;
        side(&b, &s, k, 1.0);
        side(&n, &s, k, factor);
        eb_result_set bs = {.results = &b, .n = 1}, ns = {.results = &n, .n = 1};
        eb_comparison c;
        eb_err err = {{0}};
        assert_int_equal(eb_compare_sets(&bs, &ns, &o, &c, &err), EB_OK);
        assert_true(c.pairs[0].latency_compared);
        assert_int_equal(c.pairs[0].lat.hierarchical, k > 1);
        out.slower_new += c.pairs[0].verdict == EB_VERDICT_SLOWER;
        eb_comparison_free(&c);
        /* the old rule: every sample taken as independent of the others */
        eb_latency_cmp old;
        assert_int_equal(eb_compare_latency(b.samples_ms, b.n_samples, n.samples_ms, n.n_samples, &o, &old, &err),
                         EB_OK);
        out.slower_old += old.verdict == EB_VERDICT_SLOWER;
        eb_result_free(&b);
        eb_result_free(&n);
    }
    return out;
}

static void report(const char *what, int k, rates r)
{
    printf("# %s, %d process%s x %d samples a side, %d pairs: slower %d (%.1f%%); "
           "the old rule on the pooled samples: %d (%.1f%%)\n",
           what, k, k == 1 ? "" : "es", N_PER_SIDE / k, PAIRS, r.slower_new, 100.0 * r.slower_new / PAIRS,
           r.slower_old, 100.0 * r.slower_old / PAIRS);
}

/* ---- tests ------------------------------------------------------------------ */

/* Prints the A/A and A/B figures at k processes a side; asserts the A/A
 * bound when check_aa, the detection bound when check_ab. */
static void check_k(int k, uint64_t seed, bool check_aa, bool check_ab)
{
    rates aa = count_slower(k, 1.0, seed), ab = count_slower(k, SLOWDOWN, seed + 1);
    report("A/A (no change)", k, aa);
    report("A/B (10% slower)", k, ab);
    if (check_aa)
        assert_true(aa.slower_new <= PAIRS / 100); /* at most 1% false alarms */
    if (check_ab)
        assert_true(ab.slower_new >= PAIRS * 95 / 100); /* at least 95% detected */
}

/* Six processes of five samples: both bounds. */
static void six_processes__aa_at_most_1pct_slower_and_10pct_detected_95pct(void **state)
{
    (void)state;
    check_k(6, SEED, true, true);
}

/* Ten processes of three samples: both bounds. */
static void ten_processes__aa_at_most_1pct_slower_and_10pct_detected_95pct(void **state)
{
    (void)state;
    check_k(10, SEED + 10, true, true);
}

/* Five processes of six: the A/A bound (the old rule, pooling the samples,
 * calls 2% of these pairs slower).  Detection is shown, not asserted: with
 * 3% process shifts, the ratio of two 5-process medians scatters by about
 * 2.4%, and a two-sided test at 0.01 then catches a 10% change in about
 * 91% of pairs whatever its construction (power needs a scatter below
 * 9.5% / (2.58 + 1.64) = 2.25%). */
static void five_processes__aa_at_most_1pct_slower(void **state)
{
    (void)state;
    check_k(5, SEED + 20, true, false);
}

/* Three processes of ten: shown, not asserted (too few processes to tell a
 * 3% process shift from a 5% change at 0.01). */
static void three_processes__rates_shown(void **state)
{
    (void)state;
    check_k(3, SEED + 30, false, false);
}

/* One process a side: every rule sees a process shift as a change; the
 * figures are printed so the reader sees why --processes matters, and the
 * pair says its interval is within-process only. */
static void one_process__rates_shown_and_the_note_says_within_process_only(void **state)
{
    (void)state;
    report("A/A (no change)", 1, count_slower(1, 1.0, SEED + 200));
    report("A/B (10% slower)", 1, count_slower(1, SLOWDOWN, SEED + 201));
    uint64_t s = SEED;
    eb_result b, n;
    side(&b, &s, 1, 1.0);
    side(&n, &s, 1, 1.0);
    eb_result_set bs = {.results = &b, .n = 1}, ns = {.results = &n, .n = 1};
    eb_comparison c;
    eb_err err = {{0}};
    eb_compare_opts o = eb_compare_opts_default();
    assert_int_equal(eb_compare_sets(&bs, &ns, &o, &c, &err), EB_OK);
    assert_non_null(strstr(c.pairs[0].note, "within-process only"));
    eb_comparison_free(&c);
    eb_result_free(&b);
    eb_result_free(&n);
}

/* The same seed gives the same verdicts: the bootstrap is seeded too. */
static void calibration__is_repeatable(void **state)
{
    (void)state;
    rates a = count_slower(5, 1.04, SEED + 300), b = count_slower(5, 1.04, SEED + 300);
    assert_int_equal(a.slower_new, b.slower_new);
    assert_int_equal(a.slower_old, b.slower_old);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(six_processes__aa_at_most_1pct_slower_and_10pct_detected_95pct),
        cmocka_unit_test(ten_processes__aa_at_most_1pct_slower_and_10pct_detected_95pct),
        cmocka_unit_test(five_processes__aa_at_most_1pct_slower),
        cmocka_unit_test(three_processes__rates_shown),
        cmocka_unit_test(one_process__rates_shown_and_the_note_says_within_process_only),
        cmocka_unit_test(calibration__is_repeatable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

