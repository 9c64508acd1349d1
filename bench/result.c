/* result.c - result status names, warnings, lifetime, and the profile's total. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench/result.h"

const char *eb_result_status_name(eb_result_status s)
{
    switch (s) {
    case EB_RESULT_OK: return "ok";
    case EB_RESULT_UNSUPPORTED: return "unsupported";
    case EB_RESULT_FAILED: return "failed";
    case EB_RESULT_TIMEOUT: return "timeout";
    case EB_RESULT_CRASHED: return "crashed";
    case EB_RESULT_INTERRUPTED: return "interrupted";
    }
    return "?";
}

void eb_result_free(eb_result *r)
{
    free(r->samples_ms);
    r->samples_ms = NULL;
    r->n_samples = 0;
    free(r->profile);
    r->profile = NULL;
    r->n_profile = 0;
}

double eb_result_profile_total_ms(const eb_result *r)
{
    double total = 0;
    for (int i = 0; i < r->n_profile; i++)
        total += r->profile[i].ms;
    return total;
}

void eb_result_set_device(eb_result *r, const eb_variant *v, bool in_child)
{
    const eb_runner *run = eb_runner_find(v->runner);
    eb_device d;
    r->device_name[0] = '\0';
    if (!run) { /* not built in: named as a runner with devices_in_child would be */
        snprintf(r->device, sizeof r->device, "%s:%d", v->runner, v->device);
        return;
    }
    eb_runner_device_id(run, v->device, in_child, r->device, sizeof r->device);
    if (eb_runner_device(run, v->device, in_child, &d))
        snprintf(r->device_name, sizeof r->device_name, "%s", d.name);
}

void eb_result_warn(eb_result *r, const char *fmt, ...)
{
    if (r->n_warnings >= EB_RESULT_MAX_WARNINGS)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->warnings[r->n_warnings], sizeof r->warnings[0], fmt, ap);
    va_end(ap);
    r->n_warnings++;
}
