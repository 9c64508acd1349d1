/* record.c - the result record's names, warnings, lifetime, and the
 * profile's total. */
#include "reports/record.h"

#include <cjson/cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *eb_result_status_name(eb_result_status s)
{
    switch (s) {
    case EB_RESULT_OK: return "ok";
    case EB_RESULT_UNSUPPORTED: return "unsupported";
    case EB_RESULT_FAILED: return "failed";
    case EB_RESULT_TIMEOUT: return "timeout";
    case EB_RESULT_CRASHED: return "crashed";
    case EB_RESULT_INTERRUPTED: return "interrupted";
    case EB_RESULT_DEADLINE: return "deadline";
    }
    return "?";
}

const char *eb_energy_kind_name(eb_energy_kind k)
{
    switch (k) {
    case EB_ENERGY_UNAVAILABLE: return "unavailable";
    case EB_ENERGY_MEASURED: return "measured";
    case EB_ENERGY_ESTIMATED: return "estimated";
    }
    return "?";
}

void eb_result_free(eb_result *r)
{
    cJSON_Delete(r->raw);
    r->raw = NULL;
    free(r->samples_ms);
    r->samples_ms = NULL;
    r->n_samples = 0;
    free(r->profile);
    r->profile = NULL;
    r->n_profile = 0;
    free(r->compression.layers);
    r->compression.layers = NULL;
    r->compression.n_layers = 0;
    free(r->layer_drift.values);
    r->layer_drift.values = NULL;
    r->layer_drift.n_values = 0;
    free(r->sensitivity.layers);
    r->sensitivity.layers = NULL;
    r->sensitivity.n_layers = 0;
}

double eb_result_profile_total_ms(const eb_result *r)
{
    double total = 0;
    for (int i = 0; i < r->n_profile; i++)
        total += r->profile[i].ms;
    return total;
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
