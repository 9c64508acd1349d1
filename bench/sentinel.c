/* sentinel.c - the speed sentinel (sentinel.h): a dependent chain of
 * scalar multiply-adds fed by a xorshift integer generator.  Its time
 * depends only on the core's clock and how much of the core it gets, not
 * on memory: everything lives in registers. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/sentinel.h"

/* 2^20 iterations: about 2-3 ms on a 3 GHz core (each iteration's
 * multiply-add depends on the previous one's) */
#define ITERATIONS (1u << 20)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

__attribute__((noinline)) double eb_sentinel_workload(void)
{
    volatile double seed = 0.999999; /* volatile: not folded at compile time */
    double a = 1.0, b = seed;
    uint64_t x = 88172645463325252u;
    for (unsigned i = 0; i < ITERATIONS; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        a = a * b + (double)(x & 0xff) * 1e-9;
    }
    return a;
}

static int cmp_double(const void *p, const void *q)
{
    double a = *(const double *)p, b = *(const double *)q;
    return (a > b) - (a < b);
}

static double median(const double *v, int n)
{
    double s[EB_SENTINEL_REPS * 4];
    if (n > (int)(sizeof s / sizeof *s))
        n = (int)(sizeof s / sizeof *s);
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* EB_TEST_SENTINEL_MS=B,A: the simulated rep time before (after=false) or after. */
static bool simulated_ms(bool after, double *ms)
{
    const char *e = getenv("EB_TEST_SENTINEL_MS");
    double b, a;
    if (!e || sscanf(e, "%lf,%lf", &b, &a) != 2)
        return false;
    *ms = after ? a : b;
    return true;
}

static volatile double g_sink;

static void time_reps(bool after, double *ms, bool *simulated)
{
    double sim = 0;
    *simulated = simulated_ms(after, &sim);
    g_sink = eb_sentinel_workload(); /* untimed: code and branch predictors warm */
    for (int i = 0; i < EB_SENTINEL_REPS; i++) {
        double t0 = now_ms();
        g_sink = eb_sentinel_workload();
        ms[i] = *simulated ? sim : now_ms() - t0;
    }
}

/* the before reps wait here for the after reps: one variant per process */
static double g_before[EB_SENTINEL_REPS];

void eb_sentinel_before(eb_sentinel *s)
{
    memset(s, 0, sizeof *s);
    s->reps = EB_SENTINEL_REPS;
    s->threshold = EB_SENTINEL_THRESHOLD;
    s->before_ms = s->after_ms = s->change = NAN;
    time_reps(false, g_before, &s->simulated);
    s->before_ms = median(g_before, EB_SENTINEL_REPS);
    snprintf(s->reason, sizeof s->reason, "the variant did not complete its timed runs");
}

void eb_sentinel_after(eb_sentinel *s)
{
    double after[EB_SENTINEL_REPS];
    bool sim;
    time_reps(true, after, &sim);
    s->simulated |= sim;
    eb_sentinel_judge(g_before, after, EB_SENTINEL_REPS, s->threshold, s);
}

void eb_sentinel_judge(const double *before, const double *after, int n, double threshold, eb_sentinel *s)
{
    s->reps = n;
    s->threshold = threshold;
    s->before_ms = median(before, n);
    s->after_ms = median(after, n);
    if (!(s->before_ms > 0) || !(s->after_ms > 0)) {
        s->available = false;
        s->change = NAN;
        s->speed_changed = false;
        snprintf(s->reason, sizeof s->reason, "the clock gave a median of %g ms before and %g ms after", s->before_ms,
                 s->after_ms);
        return;
    }
    s->available = true;
    s->reason[0] = '\0';
    s->change = s->after_ms / s->before_ms - 1;
    s->speed_changed = fabs(s->change) > threshold;
}
