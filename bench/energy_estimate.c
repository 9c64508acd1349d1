/* energy_estimate.c - a result's energy from what there is: a meter's
 * valid window first, else the estimates in the order of how much of this
 * machine they know: the linear model calibrated against a meter on this
 * device or a sibling (energy_calibrated.c), a DVFS power table x time in state (the CPU's own
 * power curve), utilisation x TDP (its package's rating), op counts x
 * 45 nm energies (no machine at all: relative only).  The chosen one is
 * the record's figure, kind "estimated" unless measured; the others are
 * listed as alternatives, each with its figure or why it has none. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"
#include "bench/energy_calib.h"

void eb_energy_est_num(eb_energy_est *e, const char *name, double v)
{
    if (e->n_inputs >= EB_ENERGY_MAX_INPUTS)
        return;
    eb_energy_input *in = &e->inputs[e->n_inputs++];
    snprintf(in->name, sizeof in->name, "%s", name);
    in->num = v;
    in->text[0] = '\0';
}

void eb_energy_est_text(eb_energy_est *e, const char *name, const char *fmt, ...)
{
    if (e->n_inputs >= EB_ENERGY_MAX_INPUTS)
        return;
    eb_energy_input *in = &e->inputs[e->n_inputs++];
    snprintf(in->name, sizeof in->name, "%s", name);
    in->num = NAN;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->text, sizeof in->text, fmt, ap);
    va_end(ap);
    if (!in->text[0])
        snprintf(in->text, sizeof in->text, "?");
}

static void add_alt(eb_energy *e, const char *method, eb_energy_kind kind, double j, eb_energy_band band,
                    const char *reason)
{
    if (e->n_alts >= EB_ENERGY_MAX_ALTS)
        return;
    eb_energy_alt *a = &e->alts[e->n_alts++];
    snprintf(a->method, sizeof a->method, "%s", method);
    a->kind = kind;
    a->joules_per_inference = j;
    a->band = band;
    snprintf(a->reason, sizeof a->reason, "%s", reason);
}

void eb_energy_choose(const eb_energy_usage *u, const eb_energy *measured, const char *meter_reasons, eb_energy *e)
{
    enum { N_EST = 4 };
    eb_energy_est est[N_EST];
    eb_energy_est_calibrated(u, &est[0]);
    eb_dvfs_table *t = calloc(1, sizeof *t);
    char why[200] = "out of memory";
    if (t && eb_dvfs_find_table(t, why, sizeof why)) {
        eb_energy_est_dvfs(u, t, &est[1]);
    } else {
        memset(&est[1], 0, sizeof est[1]);
        snprintf(est[1].method, sizeof est[1].method, "dvfs_table");
        est[1].j = est[1].band.low = est[1].band.high = NAN;
        snprintf(est[1].reason, sizeof est[1].reason, "%s", why);
    }
    free(t);
    eb_cpu_id cpu;
    eb_cpu_id_read(&cpu);
    eb_energy_est_tdp(u, &cpu, NULL, &est[2]);
    eb_energy_est_opcount(u, &est[3]);

    bool use_meter = measured && measured->valid && isfinite(measured->joules_per_inference);
    int pick = -1;
    for (int i = 0; !use_meter && i < N_EST && pick < 0; i++)
        if (isfinite(est[i].j))
            pick = i;
    memset(e, 0, sizeof *e);
    if (measured)
        e->window = measured->window; /* a window that was taken is told, valid or not */
    if (use_meter) {
        *e = *measured;
    } else if (pick >= 0) {
        const eb_energy_est *p = &est[pick];
        e->kind = EB_ENERGY_ESTIMATED;
        snprintf(e->method, sizeof e->method, "%s", p->method);
        snprintf(e->source, sizeof e->source, "%s", p->source);
        e->joules_per_inference = p->j;
        e->net_joules_per_inference = NAN;
        e->band = p->band;
        e->valid = true;
        e->relative_only = p->relative_only;
        e->n_inputs = p->n_inputs;
        memcpy(e->inputs, p->inputs, sizeof p->inputs);
        snprintf(e->reason, sizeof e->reason, "estimated, not measured (%s): %s",
                 measured ? measured->reason : meter_reasons, p->reason);
    } else {
        e->kind = EB_ENERGY_UNAVAILABLE;
        e->joules_per_inference = e->net_joules_per_inference = NAN;
        e->band.low = e->band.high = NAN;
        snprintf(e->reason, sizeof e->reason, "no meter (%s) and no estimate applies", meter_reasons);
    }
    if (measured && !use_meter)
        add_alt(e, "meter", EB_ENERGY_MEASURED, measured->joules_per_inference, measured->band, measured->reason);
    for (int i = 0; i < N_EST; i++)
        if (i != pick)
            add_alt(e, est[i].method, EB_ENERGY_ESTIMATED, est[i].j, est[i].band, est[i].reason);
}
