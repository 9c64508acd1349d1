/* changepoint.c - change points in a series of run medians (see
 * changepoint.h): binary segmentation, which also tries a step and a
 * return together, with Chromium's acceptance rule for each change. */
#include "reports/changepoint.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/stats.h"

/* Sum of squared deviations from the mean of y[lo, hi), from prefix sums. */
static double sse(const double *s1, const double *s2, int lo, int hi)
{
    double n = hi - lo, a = s1[hi] - s1[lo], b = s2[hi] - s2[lo];
    double v = b - a * a / n;
    return v > 0 ? v : 0;
}

typedef struct search {
    const double *y;
    double *s1, *s2; /* prefix sums of y and y^2, n + 1 each */
    double alpha;
    eb_changepoint *out;
    int max, found;
    eb_err *err;
} search;

/* Whether the change between y[lo, mid) and y[mid, hi) passes the rule;
 * *c describes it (index mid). */
static eb_status judge(search *s, int lo, int mid, int hi, bool *pass, eb_changepoint *c)
{
    int nl = mid - lo, nr = hi - mid;
    *pass = false;
    if (nl < EB_CP_MIN_SIDE || nr < EB_CP_MIN_SIDE)
        return EB_OK;
    double pooled = sqrt((sse(s->s1, s->s2, lo, mid) + sse(s->s1, s->s2, mid, hi)) / (double)(nl + nr - 2));
    double before = eb_stats_median(s->y + lo, nl), after = eb_stats_median(s->y + mid, nr);
    double shift = fabs(after - before);
    eb_mw mw;
    eb_status st = eb_mann_whitney(s->y + mid, nr, s->y + lo, nl, &mw, s->err);
    if (st != EB_OK)
        return st;
    double sigmas = pooled > 0 ? shift / pooled : (shift > 0 ? INFINITY : 0);
    *c = (eb_changepoint){.index = mid, .lo = lo, .hi = hi, .before = before, .after = after, .sigmas = sigmas,
                          .p = mw.p, .slower = after > before};
    *pass = sigmas >= EB_CP_SIGMAS && mw.p < s->alpha;
    return EB_OK;
}

static eb_status add(search *s, const eb_changepoint *c)
{
    if (s->found < s->max)
        s->out[s->found++] = *c;
    return EB_OK;
}

/* Largest segment searched for two changes at once (the search is
 * quadratic in its length); longer ones are split one change at a time. */
#define PAIR_MAX 4000

/* Searches y[lo, hi): first for two changes (a step and a return, which a
 * single split misses: either side of it mixes two levels), the three
 * segments fitted with the least squared deviation; both boundaries must
 * pass.  Else for one change, the best two-segment fit.  Then each segment
 * again. */
static eb_status segment(search *s, int lo, int hi)
{
    const int m = EB_CP_MIN_SIDE;
    if (hi - lo < 2 * m || s->found >= s->max)
        return EB_OK;
    eb_status st;
    if (hi - lo >= 3 * m && hi - lo <= PAIR_MAX) {
        int ba = -1, bb = -1;
        double best = INFINITY;
        for (int a = lo + m; a <= hi - 2 * m; a++)
            for (int b = a + m; b <= hi - m; b++) {
                double c = sse(s->s1, s->s2, lo, a) + sse(s->s1, s->s2, a, b) + sse(s->s1, s->s2, b, hi);
                if (c < best) {
                    best = c;
                    ba = a;
                    bb = b;
                }
            }
        bool pa, pb;
        eb_changepoint ca, cb;
        if ((st = judge(s, lo, ba, bb, &pa, &ca)) != EB_OK || (st = judge(s, ba, bb, hi, &pb, &cb)) != EB_OK)
            return st;
        if (pa && pb) {
            add(s, &ca);
            add(s, &cb);
            if ((st = segment(s, lo, ba)) != EB_OK || (st = segment(s, ba, bb)) != EB_OK)
                return st;
            return segment(s, bb, hi);
        }
    }
    int bi = -1;
    double best = INFINITY;
    for (int i = lo + m; i <= hi - m; i++) {
        double c = sse(s->s1, s->s2, lo, i) + sse(s->s1, s->s2, i, hi);
        if (c < best) {
            best = c;
            bi = i;
        }
    }
    bool pass;
    eb_changepoint c;
    if ((st = judge(s, lo, bi, hi, &pass, &c)) != EB_OK || !pass)
        return st;
    add(s, &c);
    if ((st = segment(s, lo, bi)) != EB_OK)
        return st;
    return segment(s, bi, hi);
}

static int by_index(const void *a, const void *b)
{
    return ((const eb_changepoint *)a)->index - ((const eb_changepoint *)b)->index;
}

eb_status eb_changepoints(const double *y, int n, double alpha, eb_changepoint *out, int max, int *found,
                          eb_err *err)
{
    *found = 0;
    if (n < 0 || max < 0 || (n > 0 && !y) || !(alpha > 0 && alpha <= 1))
        return eb_errf(err, EB_EINVAL, "change points: bad arguments");
    for (int i = 0; i < n; i++)
        if (!isfinite(y[i]))
            return eb_errf(err, EB_EINVAL, "change points: point %d is not a finite number", i);
    if (n < 2 * EB_CP_MIN_SIDE || max == 0)
        return EB_OK;
    search s = {.y = y, .alpha = alpha, .out = out, .max = max, .err = err};
    s.s1 = calloc((size_t)n + 1, sizeof *s.s1);
    s.s2 = calloc((size_t)n + 1, sizeof *s.s2);
    if (!s.s1 || !s.s2) {
        free(s.s1);
        free(s.s2);
        return eb_errf(err, EB_ENOMEM, "change points: out of memory");
    }
    for (int i = 0; i < n; i++) {
        s.s1[i + 1] = s.s1[i] + y[i];
        s.s2[i + 1] = s.s2[i] + y[i] * y[i];
    }
    eb_status st = segment(&s, 0, n);
    free(s.s1);
    free(s.s2);
    qsort(out, (size_t)s.found, sizeof *out, by_index);
    *found = s.found;
    return st;
}
