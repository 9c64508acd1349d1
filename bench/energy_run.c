/* energy_run.c - the harness's energy steps for one result: before the
 * timed loop, probe the meters (an NVIDIA GPU's NVML for a GPU result,
 * else powercap, hwmon, battery, the first available), take the idle
 * baseline and the cpufreq time_in_state; around the loop, the sampler and
 * the process's CPU time; after it, extend the window when the meter
 * needs it, then choose the figure (energy_estimate.c).  On a machine
 * without meters (this VM) nothing waits or polls: only the clocks are
 * read. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bench/energy.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void eb_energy_run_begin(eb_energy_run *er, const char *device_kind, int gpu_index)
{
    memset(er, 0, sizeof *er);
    size_t k = 0;
    if (strcmp(device_kind, "gpu") == 0) {
        eb_meter_nvml_probe(&er->meters[3], gpu_index);
        if (er->meters[3].available)
            er->m = &er->meters[3];
        else
            k += (size_t)snprintf(er->reasons, sizeof er->reasons, "nvml: %s", er->meters[3].reason);
    } else {
        void (*probe[3])(eb_meter *) = {eb_meter_powercap_probe, eb_meter_hwmon_probe, eb_meter_battery_probe};
        for (int i = 0; i < 3 && !er->m; i++) {
            probe[i](&er->meters[i]);
            if (er->meters[i].available)
                er->m = &er->meters[i];
            else if (k < sizeof er->reasons)
                k += (size_t)snprintf(er->reasons + k, sizeof er->reasons - k, "%s%s: %s", k ? "; " : "",
                                      er->meters[i].source, er->meters[i].reason);
        }
    }
    if (er->m)
        eb_energy_meter_begin(&er->w, er->m, EB_ENERGY_IDLE_MIN_S, EB_ENERGY_IDLE_MAX_S);
    eb_cpufreq_snapshot_take(&er->tis0);
}

void eb_energy_run_start(eb_energy_run *er)
{
    if (er->m)
        eb_energy_meter_start(&er->w);
    er->cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    er->wall0 = clock_s(CLOCK_MONOTONIC);
}

void eb_energy_run_stop(eb_energy_run *er, int64_t inferences)
{
    er->cpu1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    er->wall1 = clock_s(CLOCK_MONOTONIC);
    if (er->m)
        eb_energy_meter_stop(&er->w, inferences);
    eb_cpufreq_snapshot_take(&er->tis1);
}

void eb_energy_run_end(eb_energy_run *er, int64_t (*more)(void *ctx), void *ctx, eb_result *res)
{
    eb_energy measured;
    memset(&measured, 0, sizeof measured);
    if (er->m) {
        eb_energy_meter_extend(&er->w, more, ctx, EB_ENERGY_MAX_EXTENSIONS, EB_ENERGY_MAX_EXTEND_S);
        eb_energy_meter_finish(&er->w, &measured);
    }
    eb_energy_usage u = {.cpu_s = er->cpu1 - er->cpu0, .wall_s = er->wall1 - er->wall0,
                         .inferences = res->n_samples, .cost = res->cost, .mem = res->mem_levels,
                         .tis_before = &er->tis0, .tis_after = &er->tis1};
    snprintf(u.quant, sizeof u.quant, "%s", res->variant.quant);
    snprintf(u.device_kind, sizeof u.device_kind, "%s", res->device_kind);
    eb_energy_choose(&u, er->m ? &measured : NULL, er->reasons, &res->energy);
    eb_energy_run_release(er);
}

void eb_energy_run_release(eb_energy_run *er)
{
    if (er->w.s) {
        eb_energy_sampler_free(er->w.s);
        er->w.s = NULL;
    }
    for (int i = 0; i < EB_METER_SOURCES; i++)
        eb_meter_close(&er->meters[i]);
    er->m = NULL;
}
