/* energy_opcount.c - operation and byte counts x energy per operation:
 * RELATIVE ONLY.  The per-operation energies are Horowitz's 45 nm, 0.9 V
 * figures (M. Horowitz, "Computing's energy problem (and what we can do
 * about it)", ISSCC 2014, pp. 10-14), in pJ:
 *     int8: add 0.03, mult 0.2     int32: add 0.1, mult 3.1
 *     fp16: add 0.4,  mult 1.1     fp32:  add 0.9, mult 3.7
 *     cache / SRAM read (64 bit): 8 KB 10, 32 KB 20, 1 MB 100
 *     DRAM (64 bit): 1300 to 2600
 * A 45 nm process is not this machine's, and a CPU spends most of its
 * energy on instruction fetch, decode and scheduling, which these leave
 * out; the figure ranks variants (int8 against fp32, pruned against
 * dense), it is not joules to quote.
 *
 * From the cost model (models/cost.h): each MAC is a multiply and an add
 * in the variant's arithmetic (quant=int8 and int4: an int8 multiply and
 * an int32 accumulate, int4 having no figure of its own; fp16: fp16;
 * else fp32); the FLOPs beyond 2 per MAC are fp32 adds.
 *
 * Bytes by memory level (u->mem, bench/mem_levels.c: the cost model's
 * bytes split by models/cost_levels.h's rule with this machine's cache
 * sizes, DRAM from the counters where they counted).  Each cache level is
 * charged Horowitz's SRAM figure nearest its capacity (on a log scale:
 * a 48 KB L1 takes the 32 KB figure, a 1 MB L2 the 1 MB one); Horowitz
 * gives none above 1 MB, so a larger LLC takes the 1 MB figure, a low
 * bound (its longer wires cost more), and says so.  DRAM is charged the
 * low figure, 1300 pJ.  Without the split (u->mem not computed): the
 * activations (bytes_moved less the weights) from a 32 KB SRAM, the
 * weights from a 1 MB SRAM when they fit in 1 MiB, else from DRAM.  The
 * band, either way: every byte from an 8 KB SRAM, and every byte from
 * DRAM at the high figure. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/energy.h"

#define PJ 1e-12

double eb_opcount_sram_pj(uint64_t capacity, const char **figure)
{
    /* Horowitz's SRAM sizes and pJ per 64-bit read; the nearest on a log scale */
    static const struct { double bytes, pj; const char *text; } sram[] = {
        {8192, 10, "10 (8KB)"}, {32768, 20, "20 (32KB)"}, {1048576, 100, "100 (1MB)"}};
    if (capacity > 1048576) {
        *figure = "100 (1MB, low bound)";
        return 100;
    }
    int best = 0;
    for (int i = 1; i < 3; i++)
        if (capacity > 0 && fabs(log((double)capacity / sram[i].bytes)) < fabs(log((double)capacity / sram[best].bytes)))
            best = i;
    *figure = sram[best].text;
    return sram[best].pj;
}

void eb_energy_est_opcount(const eb_energy_usage *u, eb_energy_est *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->method, sizeof out->method, "op_counts");
    snprintf(out->source, sizeof out->source, "Horowitz ISSCC 2014, 45 nm");
    out->relative_only = true;
    out->j = out->band.low = out->band.high = NAN;
    const eb_cost *c = &u->cost;
    if (c->flops <= 0 && c->bytes_moved == 0) {
        snprintf(out->reason, sizeof out->reason, "the cost model counted no operations or bytes");
        return;
    }
    const char *q = u->quant;
    const char *arith;
    double mac_pj;
    if (strncmp(q, "int8", 4) == 0 || strcmp(q, "int4") == 0) {
        mac_pj = 0.2 + 0.1; /* int8 mult + int32 accumulate */
        arith = strcmp(q, "int4") == 0 ? "int8 (int4 has no figure of its own)" : "int8";
    } else if (strcmp(q, "fp16") == 0) {
        mac_pj = 1.1 + 0.4;
        arith = "fp16";
    } else {
        mac_pj = 3.7 + 0.9;
        arith = "fp32";
    }
    double macs = (double)c->macs;
    double other = fmax(0, (double)c->flops - 2 * macs);
    double compute = (macs * mac_pj + other * 0.9) * PJ;
    double weights = (double)c->weight_bytes, total = (double)c->bytes_moved;
    double bytes, all_bytes;
    eb_energy_est_text(out, "arithmetic", "%s", arith);
    eb_energy_est_num(out, "macs", macs);
    eb_energy_est_num(out, "other_flops", other);
    eb_energy_est_num(out, "mac_pj", mac_pj);
    if (u->mem.available) {
        const eb_mem_levels *m = &u->mem;
        double pj[EB_LEVEL_COUNT];
        char figs[96];
        size_t k = 0;
        bytes = all_bytes = 0;
        for (int l = 0; l < EB_LEVEL_COUNT; l++) {
            const char *fig = "1300";
            pj[l] = 1300;
            if (l < EB_LEVEL_DRAM)
                pj[l] = eb_opcount_sram_pj(m->capacity[l], &fig);
            bytes += m->bytes[l] * pj[l] / 8 * PJ;
            all_bytes += m->bytes[l];
            if (m->bytes[l] > 0 && k < sizeof figs)
                k += (size_t)snprintf(figs + k, sizeof figs - k, "%s%s %s", k ? ", " : "", eb_level_name(l), fig);
        }
        eb_energy_est_num(out, "bytes_l1", m->bytes[EB_LEVEL_L1]);
        eb_energy_est_num(out, "bytes_l2", m->bytes[EB_LEVEL_L2]);
        eb_energy_est_num(out, "bytes_llc", m->bytes[EB_LEVEL_LLC]);
        eb_energy_est_num(out, "bytes_dram", m->bytes[EB_LEVEL_DRAM]);
        eb_energy_est_text(out, "bytes_source", "%s, caches %s",
                           strcmp(m->dram_source, "counters") == 0 ? "DRAM counters" : "cost model", m->capacity_source);
        eb_energy_est_text(out, "pj_per_64bit", "%s", k ? figs : "none");
    } else {
        double acts = fmax(0, total - weights);
        double w_pj_per_byte = weights <= 1048576 ? 100.0 / 8 : 1300.0 / 8;
        bytes = (acts * 20.0 / 8 + weights * w_pj_per_byte) * PJ;
        all_bytes = fmax(total, weights);
        eb_energy_est_num(out, "bytes_moved", total);
        eb_energy_est_num(out, "weight_bytes", weights);
        eb_energy_est_num(out, "weight_pj_per_byte", w_pj_per_byte);
    }
    out->j = compute + bytes;
    out->band.low = compute + all_bytes * 10.0 / 8 * PJ;
    out->band.high = compute + all_bytes * 2600.0 / 8 * PJ;
    eb_energy_est_num(out, "compute_j", compute);
    eb_energy_est_num(out, "bytes_j", bytes);
    snprintf(out->reason, sizeof out->reason,
             "relative only: 45 nm per-operation energies, without a CPU's instruction overheads");
}
