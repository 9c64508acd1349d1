/* energy_calibrated.c - the estimate `calibrated`: the linear energy model
 * that `calibrate --energy` fitted against a meter on this device, or on a
 * sibling of the same CPU model (a calibration file in the same folder
 * whose "cpu" is this CPU's model string), applied to the result:
 *     J/inference = static_w x wall time / inferences
 *                 + j_per_fp32_flop x fp32 FLOPs + j_per_int8_op x int8 ops
 *                 + j_per_byte x bytes moved
 * FLOPs and bytes are the cost model's, per inference: for quant=int8 /
 * int8-static / int4 variants, 2 per MAC are int8 ops and the rest fp32;
 * otherwise all are fp32 (fp16 included: the coefficients have no fp16
 * term).  The bytes are DRAM bytes (the triad's coefficient is J per DRAM
 * byte): the result's bytes by level (bench/mem_levels.c), from the
 * counters where they counted LLC misses, else the cost model's split;
 * the cost model's bytes moved only where no split was computed.  The band
 * is +/- the held-out MAPE measured at calibration. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/energy_calib.h"
#include "runners/cpu_features.h"

static bool has_energy(const char *path, eb_calibration *c)
{
    eb_err err = {{0}};
    return eb_calibration_load(path, c, &err) == EB_OK && c->energy.present && isfinite(c->energy.heldout_mape);
}

bool eb_energy_calib_find(eb_calibration *c, char *path, size_t pn, char *why, size_t n)
{
    char own[1024];
    if (!eb_calibration_path(own, sizeof own)) {
        snprintf(why, n, "no cache folder (EDGEBENCH_CACHE_DIR, XDG_CACHE_HOME and HOME unset)");
        return false;
    }
    if (has_energy(own, c)) {
        snprintf(path, pn, "%s", own);
        return true;
    }
    const char *cpu = eb_cpu_features_get()->brand;
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", own);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    DIR *d = cpu[0] ? opendir(dir) : NULL;
    struct dirent *de;
    bool found = false;
    while (d && !found && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
            continue;
        char p[1300];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (has_energy(p, c) && strcmp(c->cpu, cpu) == 0) {
            snprintf(path, pn, "%s", p);
            found = true;
        }
    }
    if (d)
        closedir(d);
    if (!found)
        snprintf(why, n, "no energy calibration for this device or a sibling of its CPU model under %s "
                 "(run edgebench calibrate --energy where a meter exists)", dir);
    return found;
}

void eb_energy_est_calibrated(const eb_energy_usage *u, eb_energy_est *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->method, sizeof out->method, "calibrated");
    out->j = out->band.low = out->band.high = NAN;
    if (strcmp(u->device_kind, "cpu") != 0) {
        snprintf(out->reason, sizeof out->reason, "the calibration is the host CPU's; this result ran on a %s",
                 u->device_kind);
        return;
    }
    if (u->inferences <= 0 || !(u->wall_s > 0)) {
        snprintf(out->reason, sizeof out->reason, "no timed inferences");
        return;
    }
    eb_calibration c;
    char path[1300];
    if (!eb_energy_calib_find(&c, path, sizeof path, out->reason, sizeof out->reason))
        return;
    const eb_calib_energy *e = &c.energy;
    const eb_cost *k = &u->cost;
    bool int8 = strncmp(u->quant, "int8", 4) == 0 || strcmp(u->quant, "int4") == 0;
    double int8_ops = int8 ? 2.0 * (double)k->macs : 0;
    double fp32 = fmax(0, (double)k->flops - int8_ops), bytes = (double)k->bytes_moved;
    if (u->mem.available)
        bytes = u->mem.bytes[EB_LEVEL_DRAM];
    double seconds = u->wall_s / (double)u->inferences;
    out->j = eb_energy_model_j(e, seconds, fp32, int8_ops, bytes);
    out->band.low = out->j * (1 - e->heldout_mape);
    out->band.high = out->j * (1 + e->heldout_mape);
    snprintf(out->source, sizeof out->source, "calibrate --energy (%.10s)", e->meter);
    eb_energy_est_text(out, "calibration", "%s", path);
    eb_energy_est_text(out, "calibrated_cpu", "%s", c.cpu);
    eb_energy_est_num(out, "static_w", e->static_w);
    eb_energy_est_num(out, "j_per_fp32_flop", e->j_per_fp32_flop);
    eb_energy_est_num(out, "j_per_int8_op", e->j_per_int8_op);
    eb_energy_est_num(out, "j_per_byte", e->j_per_byte);
    eb_energy_est_num(out, "heldout_mape", e->heldout_mape);
    eb_energy_est_num(out, "seconds", seconds);
    eb_energy_est_num(out, "fp32_flops", fp32);
    eb_energy_est_num(out, "int8_ops", int8_ops);
    eb_energy_est_num(out, u->mem.available ? "dram_bytes" : "bytes_moved", bytes);
    if (u->mem.available)
        eb_energy_est_text(out, "dram_source", "%s", u->mem.dram_source);
    snprintf(out->reason, sizeof out->reason, "the linear model fitted against %.24s on %.60s, band +/- %.1f%% "
             "(its held-out MAPE)", e->meter, c.host, 100 * e->heldout_mape);
}
