/* test_changepoint.c - change points in a series of run medians
 * (reports/changepoint.c), on synthetic histories: a step regression at
 * the end, a step with a later recovery, noise only, a series too short
 * for a verdict, and a step too close to the end to be judged.  The noise
 * is seeded (fixed, so the series are the same every run); the planted
 * steps are 10% against a 1% scatter, far beyond the 2.5-sigma rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/changepoint.h"

static double noise(uint64_t *s) /* lognormal, sigma 1% */
{
    double u[2];
    for (int i = 0; i < 2; i++) {
        *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
        u[i] = ((double)(*s >> 11) + 0.5) * 0x1.0p-53;
    }
    return exp(0.01 * sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]));
}

/* levels[i] for runs [starts[i], starts[i+1]), with noise. */
static int series(double *y, const int *starts, const double *levels, int n_levels, int n, uint64_t seed)
{
    uint64_t s = seed;
    for (int i = 0, l = 0; i < n; i++) {
        while (l + 1 < n_levels && i >= starts[l + 1])
            l++;
        y[i] = levels[l] * noise(&s);
    }
    return n;
}

static void step_regression_at_the_end__is_found_and_slower(void **state)
{
    (void)state;
    double y[20];
    int n = series(y, (int[]){0, 14}, (double[]){10, 11}, 2, 20, 1);
    eb_changepoint cp[4];
    int found;
    eb_err err = {{0}};
    assert_int_equal(eb_changepoints(y, n, 0.01, cp, 4, &found, &err), EB_OK);
    assert_int_equal(found, 1);
    assert_int_equal(cp[0].index, 14);
    assert_true(cp[0].slower && cp[0].sigmas >= EB_CP_SIGMAS && cp[0].p < 0.01);
    assert_true(fabs(cp[0].after / cp[0].before - 1.1) < 0.02);
}

static void step_then_recovery__two_changes_the_last_faster(void **state)
{
    (void)state;
    double y[24];
    int n = series(y, (int[]){0, 8, 16}, (double[]){10, 11, 10}, 3, 24, 2);
    eb_changepoint cp[4];
    int found;
    eb_err err = {{0}};
    assert_int_equal(eb_changepoints(y, n, 0.01, cp, 4, &found, &err), EB_OK);
    assert_int_equal(found, 2);
    assert_int_equal(cp[0].index, 8);
    assert_true(cp[0].slower);
    assert_int_equal(cp[1].index, 16);
    assert_false(cp[1].slower);
}

static void noise_only__no_change(void **state)
{
    (void)state;
    for (uint64_t seed = 3; seed < 23; seed++) {
        double y[40];
        int n = series(y, (int[]){0}, (double[]){10}, 1, 40, seed);
        eb_changepoint cp[4];
        int found;
        eb_err err = {{0}};
        assert_int_equal(eb_changepoints(y, n, 0.01, cp, 4, &found, &err), EB_OK);
        assert_int_equal(found, 0);
    }
}

static void fewer_than_twelve_points__no_change_whatever_the_step(void **state)
{
    (void)state;
    double y[11];
    int n = series(y, (int[]){0, 6}, (double[]){10, 20}, 2, 11, 4);
    eb_changepoint cp[4];
    int found = -1;
    eb_err err = {{0}};
    assert_int_equal(eb_changepoints(y, n, 0.01, cp, 4, &found, &err), EB_OK);
    assert_int_equal(found, 0);
}

static void step_five_runs_before_the_end__not_yet_judged(void **state)
{
    (void)state;
    double y[20];
    int n = series(y, (int[]){0, 15}, (double[]){10, 11}, 2, 20, 5);
    eb_changepoint cp[4];
    int found;
    eb_err err = {{0}};
    assert_int_equal(eb_changepoints(y, n, 0.01, cp, 4, &found, &err), EB_OK);
    for (int i = 0; i < found; i++)
        assert_true(cp[i].index <= n - EB_CP_MIN_SIDE);
}

static void shift_below_two_and_a_half_sigma__is_not_a_change(void **state)
{
    (void)state;
    /* a 1.5% step under a 1% scatter: the two sides do differ (U test),
     * but by about 1.5 sigma, not 2.5 */
    double y[40];
    int n = series(y, (int[]){0, 20}, (double[]){10, 10.15}, 2, 40, 6);
    eb_changepoint cp[4];
    int found;
    eb_err err = {{0}};
    assert_int_equal(eb_changepoints(y, n, 0.01, cp, 4, &found, &err), EB_OK);
    assert_int_equal(found, 0);
}

static void non_finite_point__is_refused(void **state)
{
    (void)state;
    double y[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, NAN};
    eb_changepoint cp[1];
    int found;
    eb_err err = {{0}};
    assert_int_equal(eb_changepoints(y, 12, 0.01, cp, 1, &found, &err), EB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(step_regression_at_the_end__is_found_and_slower),
        cmocka_unit_test(step_then_recovery__two_changes_the_last_faster),
        cmocka_unit_test(noise_only__no_change),
        cmocka_unit_test(fewer_than_twelve_points__no_change_whatever_the_step),
        cmocka_unit_test(step_five_runs_before_the_end__not_yet_judged),
        cmocka_unit_test(shift_below_two_and_a_half_sigma__is_not_a_change),
        cmocka_unit_test(non_finite_point__is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
