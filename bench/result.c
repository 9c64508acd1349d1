/* result.c - a result record's variant and energy, from bench's view. */
#include "bench/result.h"

#include <math.h>
#include <stdio.h>

/* the record's fields are eb_variant's sizes: nothing is cut */
_Static_assert(sizeof((eb_result_variant *)0)->spec == sizeof((eb_variant *)0)->spec, "spec size");
_Static_assert(sizeof((eb_result_variant *)0)->runner == sizeof((eb_variant *)0)->runner, "runner size");
_Static_assert(sizeof((eb_result_variant *)0)->prune == sizeof((eb_variant *)0)->prune, "prune size");
_Static_assert(sizeof((eb_result_variant *)0)->quant == sizeof((eb_variant *)0)->quant, "quant size");
_Static_assert(sizeof((eb_result_variant *)0)->isa == sizeof((eb_variant *)0)->isa, "isa size");

void eb_result_begin(eb_result *r, const eb_variant *v)
{
    eb_result_variant *rv = &r->variant;
    snprintf(rv->spec, sizeof rv->spec, "%s", v->spec);
    snprintf(rv->runner, sizeof rv->runner, "%s", v->runner);
    rv->threads = v->threads;
    snprintf(rv->prune, sizeof rv->prune, "%s", v->prune);
    snprintf(rv->quant, sizeof rv->quant, "%s", v->quant);
    rv->group = v->group;
    rv->device = v->device;
    snprintf(rv->isa, sizeof rv->isa, "%s", v->isa);

    r->energy.kind = EB_ENERGY_UNAVAILABLE;
    r->energy.source[0] = '\0';
    r->energy.joules_per_inference = NAN;
    snprintf(r->energy.reason, sizeof r->energy.reason,
             "energy measurement and estimation are not implemented in this version");
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
