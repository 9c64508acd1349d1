/* bench_util.h - what the benchmark programs under bench/perf/ share: a
 * monotonic clock and the median of a set of timings.  Header-only (each
 * program is one .c file linked against the libraries). */
#ifndef EB_BENCH_UTIL_H
#define EB_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double eb_bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int eb_bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (sorts v). */
static inline double eb_bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, eb_bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#endif
