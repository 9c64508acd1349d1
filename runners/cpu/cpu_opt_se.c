/* cpu_opt_se.c - squeeze-and-excitation (placeholder). */
#include "runners/cpu/cpu_plan.h"

bool eb_cpu_fuse_se(eb_plan *p, int ni, eb_status *st, eb_err *err)
{
    (void)p, (void)ni, (void)st, (void)err;
    return false;
}
eb_status eb_cpu_exec_se(eb_plan *p, const step *s, eb_err *err)
{
    (void)p, (void)s, (void)err;
    return EB_OK;
}
void eb_cpu_release_se(step *s)
{
    (void)s;
}
size_t eb_cpu_bytes_se(const step *s)
{
    (void)s;
    return 0;
}
