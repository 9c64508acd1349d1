/* result.c - a result record's variant and energy, from bench's view. */
#include "bench/result.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/transform.h"

/* the record's fields are eb_variant's sizes: nothing is cut */
_Static_assert(sizeof((eb_result_variant *)0)->spec == sizeof((eb_variant *)0)->spec, "spec size");
_Static_assert(sizeof((eb_result_variant *)0)->runner == sizeof((eb_variant *)0)->runner, "runner size");
_Static_assert(sizeof((eb_result_variant *)0)->prune == sizeof((eb_variant *)0)->prune, "prune size");
_Static_assert(sizeof((eb_result_variant *)0)->quant == sizeof((eb_variant *)0)->quant, "quant size");
_Static_assert(sizeof((eb_result_variant *)0)->isa == sizeof((eb_variant *)0)->isa, "isa size");
_Static_assert(sizeof((eb_result *)0)->fusions == sizeof((eb_plan_info *)0)->fusions, "fusions size");

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
    rv->opt = v->opt;

    eb_compress_spec_describe(&v->compress, r->compression.applied, sizeof r->compression.applied);

    r->energy.kind = EB_ENERGY_UNAVAILABLE;
    r->energy.source[0] = '\0';
    r->energy.joules_per_inference = NAN;
    r->energy.net_joules_per_inference = NAN;
    r->energy.band.low = r->energy.band.high = NAN;
    /* until the timed loop has run (bench/energy_run.c fills it then) */
    snprintf(r->energy.reason, sizeof r->energy.reason, "not measured or estimated: the variant did not complete its timed runs");
}

void eb_result_set_compression(eb_result *r, const eb_transform_report *rep)
{
    eb_compression *c = &r->compression;
    snprintf(c->applied, sizeof c->applied, "%s", rep->applied);
    c->tensors_changed = rep->tensors_changed;
    c->bytes_before = rep->bytes_before;
    c->bytes_after = rep->bytes_after;
    c->calib_inputs = rep->calib_inputs;
    free(c->layers);
    c->layers = NULL;
    c->n_layers = 0;
    if (rep->n_layers <= 0 || !(c->layers = calloc((size_t)rep->n_layers, sizeof *c->layers)))
        return;
    c->n_layers = rep->n_layers;
    for (int i = 0; i < rep->n_layers; i++) {
        const eb_layer_change *s = &rep->layers[i];
        eb_compressed_layer *d = &c->layers[i];
        snprintf(d->node, sizeof d->node, "%s", s->node);
        snprintf(d->op, sizeof d->op, "%s", s->op);
        snprintf(d->weight, sizeof d->weight, "%s", s->weight);
        snprintf(d->storage, sizeof d->storage, "%s", s->storage);
        snprintf(d->act, sizeof d->act, "%s", s->act);
        snprintf(d->note, sizeof d->note, "%s", s->note);
        d->sparsity = s->sparsity;
        d->channels_before = s->channels_before;
        d->channels_after = s->channels_after;
        d->bytes_before = s->bytes_before;
        d->bytes_after = s->bytes_after;
        d->scale_min = s->scale_min;
        d->scale_max = s->scale_max;
        d->in_scale = s->in_scale;
        d->in_zero = s->in_zero;
        d->out_scale = s->out_scale;
        d->out_zero = s->out_zero;
    }
}

void eb_result_set_device(eb_result *r, const eb_variant *v, bool in_child)
{
    const eb_runner *run = eb_runner_find(v->runner);
    eb_device d;
    r->device_name[0] = '\0';
    r->device_kind[0] = '\0';
    if (!run) { /* not built in: named as a runner with devices_in_child would be */
        snprintf(r->device, sizeof r->device, "%s:%d", v->runner, v->device);
        return;
    }
    eb_runner_device_id(run, v->device, in_child, r->device, sizeof r->device);
    if (eb_runner_device(run, v->device, in_child, &d)) {
        snprintf(r->device_name, sizeof r->device_name, "%s", d.name);
        snprintf(r->device_kind, sizeof r->device_kind, "%s", d.kind);
    }
}
