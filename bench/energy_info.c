/* energy_info.c - what `edgebench info` says about energy: each meter
 * source (powercap, hwmon, battery, nvml) with what it reads or why it is
 * unavailable, and each estimator with whether it applies here and why,
 * in the order a result would use them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"
#include "bench/energy_calib.h"
#include "bench/energy_info.h"

typedef struct est_line {
    const char *method;
    bool applies;
    char why[400];
} est_line;

enum { N_EST = 4 };

/* the estimators, as they would apply to a CPU result here */
static void estimators(est_line all[N_EST])
{
    all[0] = (est_line){.method = "calibrated"};
    eb_calibration *c = malloc(sizeof *c);
    char path[1024];
    if (c && eb_energy_calib_find(c, path, sizeof path, all[0].why, sizeof all[0].why))
        all[0].applies = true, snprintf(all[0].why, sizeof all[0].why, "%s, band +/- %.1f%% (held-out MAPE)", path,
                                        100 * c->energy.heldout_mape);
    else if (!c)
        snprintf(all[0].why, sizeof all[0].why, "out of memory");
    free(c);
    est_line *out = all + 1;
    eb_cpufreq_snapshot *tis = calloc(1, sizeof *tis);
    eb_dvfs_table *t = calloc(1, sizeof *t);
    char why[200] = "out of memory";
    out[0] = (est_line){.method = "dvfs_table"};
    if (tis && t) {
        eb_cpufreq_snapshot_take(tis);
        if (!eb_dvfs_find_table(t, why, sizeof why))
            snprintf(out[0].why, sizeof out[0].why, "%s", why);
        else if (tis->n_cpus == 0)
            snprintf(out[0].why, sizeof out[0].why, "%s table, but no cpufreq time_in_state: %s", t->source, tis->why);
        else if (t->abstract)
            snprintf(out[0].why, sizeof out[0].why, "%s on an abstract scale (%s): no joules", t->source, t->note);
        else
            out[0].applies = true, snprintf(out[0].why, sizeof out[0].why, "%s %s, time_in_state of %d CPUs",
                                            t->source, t->note, tis->n_cpus);
    } else {
        snprintf(out[0].why, sizeof out[0].why, "%s", why);
    }
    free(tis);
    free(t);
    eb_cpu_id cpu;
    eb_cpu_id_read(&cpu);
    eb_energy_usage u = {.cpu_s = 1, .wall_s = 1, .inferences = 1};
    snprintf(u.device_kind, sizeof u.device_kind, "cpu");
    eb_energy_est est;
    eb_energy_est_tdp(&u, &cpu, NULL, &est);
    out[1] = (est_line){.method = "utilisation_tdp", .applies = isfinite(est.j)};
    if (out[1].applies) {
        const char *family = "?", *part = "?";
        for (int i = 0; i < est.n_inputs; i++) {
            if (strcmp(est.inputs[i].name, "family") == 0)
                family = est.inputs[i].text;
            if (strcmp(est.inputs[i].name, "part") == 0)
                part = est.inputs[i].text;
        }
        snprintf(out[1].why, sizeof out[1].why, "%s, part %s%s", family, part,
                 cpu.hypervisor ? "; a VM guest (hypervisor flag): the band is widened" : "");
    } else {
        snprintf(out[1].why, sizeof out[1].why, "%s", est.reason);
    }
    out[2] = (est_line){.method = "op_counts", .applies = true};
    snprintf(out[2].why, sizeof out[2].why, "always, relative only (Horowitz ISSCC 2014, 45 nm)");
}

cJSON *eb_energy_info_json(void)
{
    eb_meter m[EB_METER_SOURCES];
    eb_meters_probe_all(m);
    cJSON *o = cJSON_CreateObject();
    bool any = false;
    cJSON *meters = cJSON_AddArrayToObject(o, "meters");
    for (int i = 0; i < EB_METER_SOURCES; i++) {
        cJSON *mo = cJSON_CreateObject();
        cJSON_AddStringToObject(mo, "source", m[i].source);
        cJSON_AddBoolToObject(mo, "available", m[i].available);
        cJSON_AddStringToObject(mo, m[i].available ? "reads" : "reason", m[i].available ? m[i].name : m[i].reason);
        cJSON_AddItemToArray(meters, mo);
        any |= m[i].available;
        eb_meter_close(&m[i]);
    }
    cJSON_AddBoolToObject(o, "available", any);
    if (!any)
        cJSON_AddStringToObject(o, "reason", "no energy meter: results carry estimates (kind \"estimated\")");
    est_line e[N_EST];
    estimators(e);
    cJSON *ests = cJSON_AddArrayToObject(o, "estimates");
    for (int i = 0; i < N_EST; i++) {
        cJSON *eo = cJSON_CreateObject();
        cJSON_AddStringToObject(eo, "method", e[i].method);
        cJSON_AddBoolToObject(eo, "applies", e[i].applies);
        cJSON_AddStringToObject(eo, "reason", e[i].why);
        cJSON_AddItemToArray(ests, eo);
    }
    return o;
}

void eb_energy_info_print(FILE *f)
{
    eb_meter m[EB_METER_SOURCES];
    eb_meters_probe_all(m);
    for (int i = 0; i < EB_METER_SOURCES; i++) {
        fprintf(f, "%-16s%s: %s (%s)\n", i ? "" : "energy meters:", m[i].source,
                m[i].available ? "available" : "unavailable", m[i].available ? m[i].name : m[i].reason);
        eb_meter_close(&m[i]);
    }
    est_line e[N_EST];
    estimators(e);
    for (int i = 0; i < N_EST; i++)
        fprintf(f, "%-16s%s: %s (%s)\n", i ? "" : "est. energy:", e[i].method, e[i].applies ? "applies" : "not here",
                e[i].why);
}
