/* test_interleave.c - `run --processes K` (bench/interleave.c) and the
 * record's view of samples grouped by process (reports/processes.c): the
 * order of the jobs (every variant K times, the baseline's first job
 * first, shuffled by the seed, the same seed the same order), the merge of
 * K results into one, the check of a file's process tags, and the median's
 * interval, which with process-level shifts is wider when processes are
 * resampled first than the order-statistic one that takes every sample as
 * independent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/interleave.h"
#include "reports/processes.h"

static void order__every_variant_k_times_baseline_first_seeded(void **state)
{
    (void)state;
    enum { NV = 4, K = 5 };
    int a[NV * K], b[NV * K], c[NV * K];
    eb_interleave_order(NV, K, 2, 7, a);
    eb_interleave_order(NV, K, 2, 7, b);
    eb_interleave_order(NV, K, 2, 8, c);
    int count[NV] = {0};
    for (int i = 0; i < NV * K; i++)
        count[a[i]]++;
    for (int v = 0; v < NV; v++)
        assert_int_equal(count[v], K);
    assert_int_equal(a[0], 2);
    assert_memory_equal(a, b, sizeof a); /* one seed, one order */
    assert_true(memcmp(a, c, sizeof a) != 0); /* another seed, another order */
    /* interleaved: not each variant's processes back to back */
    int runs = 1;
    for (int i = 1; i < NV * K; i++)
        runs += a[i] != a[i - 1];
    assert_true(runs > NV);
}

static void order__one_process_keeps_the_variants_order(void **state)
{
    (void)state;
    int o[3];
    eb_interleave_order(3, 1, -1, 7, o);
    assert_int_equal(o[0], 0);
    assert_int_equal(o[1], 1);
    assert_int_equal(o[2], 2);
    eb_interleave_order(3, 1, 1, 7, o); /* the baseline first, then the others in order */
    assert_int_equal(o[0], 1);
    assert_int_equal(o[1], 0);
    assert_int_equal(o[2], 2);
}

static void part(eb_result *r, int n, double ms, eb_result_status st)
{
    memset(r, 0, sizeof *r);
    r->status = st;
    r->n_samples = n;
    r->samples_ms = n ? malloc((size_t)n * sizeof *r->samples_ms) : NULL;
    for (int i = 0; i < n; i++)
        r->samples_ms[i] = ms + 0.001 * i;
    eb_latency_summarize(r->samples_ms, n, 0.05, &r->latency);
    r->gflops_per_s = 1.0 / r->latency.median;
    r->peak_rss_bytes = (uint64_t)(ms * 1000);
}

static void merge__concatenates_samples_by_process(void **state)
{
    (void)state;
    eb_result parts[3], m;
    part(&parts[0], 10, 1.0, EB_RESULT_OK);
    part(&parts[1], 12, 1.1, EB_RESULT_OK);
    part(&parts[2], 8, 0.9, EB_RESULT_OK);
    eb_interleave_merge(parts, 3, 3, 0.05, &m);
    assert_int_equal(m.status, EB_RESULT_OK);
    assert_int_equal(m.n_samples, 30);
    assert_int_equal(eb_result_processes(&m), 3);
    assert_int_equal(m.process_n[0], 10);
    assert_int_equal(m.process_n[1], 12);
    assert_int_equal(m.process_n[2], 8);
    assert_true(m.samples_ms[10] >= 1.1 && m.samples_ms[10] < 1.11); /* the second process's first */
    assert_true(fabs(eb_result_process_median(&m, 2) - (0.9 + 0.0035)) < 1e-12);
    assert_true(m.ci_hierarchical && m.latency.ci_available);
    assert_true(m.latency.ci_low <= m.latency.median && m.latency.median <= m.latency.ci_high);
    assert_true(fabs(m.gflops_per_s - 1.0 / m.latency.median) < 1e-9); /* follows the pooled median */
    assert_int_equal(m.peak_rss_bytes, 1100); /* the largest */
    assert_int_equal(m.n_warnings, 0);
    eb_result_free(&m);
}

static void merge__a_crashed_process_makes_the_record_that_process(void **state)
{
    (void)state;
    eb_result parts[3], m;
    part(&parts[0], 10, 1.0, EB_RESULT_OK);
    part(&parts[1], 0, 0, EB_RESULT_CRASHED);
    part(&parts[2], 8, 0.9, EB_RESULT_OK);
    eb_interleave_merge(parts, 3, 3, 0.05, &m);
    assert_int_equal(m.status, EB_RESULT_CRASHED);
    assert_int_equal(m.n_warnings, 1);
    assert_non_null(strstr(m.warnings[0], "worker process 2 of 3"));
    eb_result_free(&m);
}

static void merge__stopped_early_says_how_many_ran(void **state)
{
    (void)state;
    eb_result parts[2], m;
    part(&parts[0], 10, 1.0, EB_RESULT_OK);
    part(&parts[1], 10, 1.0, EB_RESULT_OK);
    eb_interleave_merge(parts, 2, 5, 0.05, &m);
    assert_int_equal(eb_result_processes(&m), 2);
    assert_non_null(strstr(m.warnings[0], "only 2 of 5"));
    eb_result_free(&m);
}

static void tags__only_clean_runs_of_process_indexes_are_taken(void **state)
{
    (void)state;
    eb_result r;
    memset(&r, 0, sizeof r);
    r.n_samples = 6;
    int good[6] = {0, 0, 1, 1, 1, 2}, gap[6] = {0, 0, 2, 2, 2, 2}, back[6] = {0, 1, 0, 1, 1, 1},
        neg[6] = {0, 0, -1, 1, 1, 1}, one[6] = {0};
    assert_true(eb_processes_from_tags(&r, good, 6));
    assert_int_equal(r.n_processes, 3);
    assert_int_equal(r.process_n[1], 3);
    assert_false(eb_processes_from_tags(&r, gap, 6));
    assert_int_equal(eb_result_processes(&r), 1);
    assert_false(eb_processes_from_tags(&r, back, 6));
    assert_false(eb_processes_from_tags(&r, neg, 6));
    assert_false(eb_processes_from_tags(&r, good, 5)); /* not one tag per sample */
    assert_true(eb_processes_from_tags(&r, one, 6));
    assert_int_equal(eb_result_processes(&r), 1);
}

/* Five processes whose speeds differ by a few percent, each with a small
 * scatter: the order-statistic interval (every sample independent) is
 * about as narrow as one process's scatter; the hierarchical one spans
 * the processes' shifts. */
static void summarize__process_shifts_widen_the_hierarchical_interval(void **state)
{
    (void)state;
    static const double shift[5] = {1.00, 1.04, 0.97, 1.02, 0.95};
    eb_result r;
    memset(&r, 0, sizeof r);
    r.n_samples = 100;
    r.samples_ms = malloc(100 * sizeof *r.samples_ms);
    r.n_processes = 5;
    uint64_t s = 12345;
    for (int p = 0, i = 0; p < 5; p++) {
        r.process_n[p] = 20;
        for (int j = 0; j < 20; j++, i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            r.samples_ms[i] = 10 * shift[p] * (1 + 0.004 * ((double)(s >> 11) * 0x1.0p-53 - 0.5));
        }
    }
    eb_latency_stats flat;
    eb_latency_summarize(r.samples_ms, r.n_samples, 0.05, &flat);
    eb_processes_summarize(&r, 0.05);
    assert_true(r.ci_hierarchical);
    double wide = r.latency.ci_high - r.latency.ci_low, narrow = flat.ci_high - flat.ci_low;
    printf("# median CI: order-statistic [%.4f, %.4f] (width %.4f), hierarchical [%.4f, %.4f] (width %.4f)\n",
           flat.ci_low, flat.ci_high, narrow, r.latency.ci_low, r.latency.ci_high, wide);
    assert_true(wide > 2 * narrow);
    /* one process: the order-statistic interval stays */
    r.n_processes = 1;
    eb_processes_summarize(&r, 0.05);
    assert_false(r.ci_hierarchical);
    assert_true(r.latency.ci_low == flat.ci_low && r.latency.ci_high == flat.ci_high);
    eb_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order__every_variant_k_times_baseline_first_seeded),
        cmocka_unit_test(order__one_process_keeps_the_variants_order),
        cmocka_unit_test(merge__concatenates_samples_by_process),
        cmocka_unit_test(merge__a_crashed_process_makes_the_record_that_process),
        cmocka_unit_test(merge__stopped_early_says_how_many_ran),
        cmocka_unit_test(tags__only_clean_runs_of_process_indexes_are_taken),
        cmocka_unit_test(summarize__process_shifts_widen_the_hierarchical_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
