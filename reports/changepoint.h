/* changepoint.h - change points in a series of run medians (`history
 * check`): where a (model, variant, device)'s latency stepped, and whether
 * it is slower since.
 *
 * The rule (Chromium's performance dashboard, catapult's
 * find_change_points): a candidate split is where the two sides' squared
 * deviations from their own means are smallest (two splits at once are
 * tried first, so a step followed by a return to the old level, where
 * either side of a single split mixes two levels, is found too); a split
 * is a change point when
 *   - each side holds at least EB_CP_MIN_SIDE points,
 *   - the medians of the two sides differ by at least EB_CP_SIGMAS
 *     standard deviations (the two sides' pooled standard deviation, so
 *     the step itself does not inflate it), and
 *   - a two-sided Mann-Whitney U test of the two sides gives p < alpha;
 * then each side is searched again, until no split passes.  A series
 * shorter than 2 * EB_CP_MIN_SIDE has no verdict. */
#ifndef EB_CHANGEPOINT_H
#define EB_CHANGEPOINT_H

#include <stdbool.h>

#include "models/status.h"

#define EB_CP_MIN_SIDE 6
#define EB_CP_SIGMAS 2.5

typedef struct eb_changepoint {
    int index;            /* the first point after the change */
    int lo, hi;           /* the segment it split: points [lo, hi) */
    double before, after; /* medians of [lo, index) and [index, hi) */
    double sigmas;        /* |after - before| / pooled sd (INFINITY when the sd is 0) */
    double p;             /* Mann-Whitney, two-sided */
    bool slower;          /* after > before: latency went up */
} eb_changepoint;

/* Finds the change points of y[0..n) (finite values) with the rule above,
 * at most `max` of them, sorted by index, into out; *found says how many.
 * EB_EINVAL on a non-finite value or bad arguments; EB_ENOMEM. */
eb_status eb_changepoints(const double *y, int n, double alpha, eb_changepoint *out, int max, int *found,
                          eb_err *err);

#endif
