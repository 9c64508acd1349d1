/* cpu_opt_shuffle.c - channel shuffle (placeholder). */
#include "runners/cpu/cpu_plan.h"

bool eb_cpu_fuse_shuffle(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    (void)p, (void)ni, (void)st, (void)err;
    return false;
}
eb_status eb_cpu_exec_shuffle(eb_plan *p, const step *s, eb_err *err)
{
    (void)p, (void)s, (void)err;
    return EB_OK;
}
