/* cpu_opt_noop.c - no-op removal at opt >= 1: a Cast to the type its input
 * already has is a view of that input (as Identity and Dropout are,
 * eb_cpu_plan_view), not a copy.  Listed before any Cast kernel's planner;
 * a real conversion is left to that one (or to the reference fallback). */
#include "runners/cpu/cpu_plan.h"

bool eb_cpu_plan_cast_noop(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    const eb_node *n = &p->g->nodes[ni];
    if (p->opt < 1 || n->op != EB_OP_CAST || n->in[0] < 0 || n->out[0] < 0 ||
        p->pv[n->in[0]].t.dtype != p->pv[n->out[0]].t.dtype)
        return false;
    return eb_cpu_plan_view(p, ni, st, err); /* same dtype, same bytes: a view */
}
