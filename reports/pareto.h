/* pareto.h - the Pareto front of (latency, accuracy) points: the variants
 * that no other variant beats on both at once (the fastest-most-accurate
 * frontier of a compression sweep). */
#ifndef EB_PARETO_H
#define EB_PARETO_H

#include <stdbool.h>

/* Sets on_front[i] for every point i of (cost[i], value[i]), i < n, that
 * is not dominated: no other point has cost <= cost[i] and value >=
 * value[i] with at least one of the two strictly better.  Lower cost and
 * higher value are better (pass -error for an error, where lower is
 * better).  Points with a NaN or infinite coordinate are never on the
 * front and dominate nothing.  Equal points are all on the front.
 * O(n^2); returns the number of points on the front. */
int eb_pareto_front(const double *cost, const double *value, int n, bool *on_front);

#endif
