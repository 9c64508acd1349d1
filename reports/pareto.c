/* pareto.c - the Pareto front of (cost, value) points (see pareto.h). */
#include "reports/pareto.h"

#include <math.h>

int eb_pareto_front(const double *cost, const double *value, int n, bool *on_front)
{
    int count = 0;
    for (int i = 0; i < n; i++) {
        bool ok = isfinite(cost[i]) && isfinite(value[i]);
        for (int j = 0; j < n && ok; j++) {
            if (j == i || !isfinite(cost[j]) || !isfinite(value[j]))
                continue;
            bool no_worse = cost[j] <= cost[i] && value[j] >= value[i];
            bool better = cost[j] < cost[i] || value[j] > value[i];
            if (no_worse && better)
                ok = false;
        }
        on_front[i] = ok;
        count += ok;
    }
    return count;
}
