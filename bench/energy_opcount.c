/* energy_opcount.c - operation and byte counts x energy per operation:
 * RELATIVE ONLY.  The per-operation energies are Horowitz's 45 nm, 0.9 V
 * figures (M. Horowitz, "Computing's energy problem (and what we can do
 * about it)", ISSCC 2014, pp. 10-14), in pJ:
 *     int8: add 0.03, mult 0.2     int32: add 0.1, mult 3.1
 *     fp16: add 0.4,  mult 1.1     fp32:  add 0.9, mult 3.7
 *     SRAM read (64 bit): 8 KB 10, 32 KB 20, 1 MB 100
 *     DRAM (64 bit): 1300 to 2600
 * A 45 nm process is not this machine's, and a CPU spends most of its
 * energy on instruction fetch, decode and scheduling, which these leave
 * out; the figure ranks variants (int8 against fp32, pruned against
 * dense), it is not joules to quote.
 *
 * From the cost model (models/cost.h): each MAC is a multiply and an add
 * in the variant's arithmetic (quant=int8 and int4: an int8 multiply and
 * an int32 accumulate, int4 having no figure of its own; fp16: fp16;
 * else fp32); the FLOPs beyond 2 per MAC are fp32 adds.  Bytes: the
 * activations (bytes_moved less the weights) from a 32 KB SRAM, the
 * weights from a 1 MB SRAM when they fit in 1 MiB, else from DRAM (the
 * low figure).  The band: every byte from an 8 KB SRAM, and every byte
 * from DRAM at the high figure. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/energy.h"

#define PJ 1e-12

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
    double acts = fmax(0, total - weights);
    double w_pj_per_byte = weights <= 1048576 ? 100.0 / 8 : 1300.0 / 8;
    double bytes = (acts * 20.0 / 8 + weights * w_pj_per_byte) * PJ;
    double all_bytes = fmax(total, weights);
    out->j = compute + bytes;
    out->band.low = compute + all_bytes * 10.0 / 8 * PJ;
    out->band.high = compute + all_bytes * 2600.0 / 8 * PJ;
    eb_energy_est_text(out, "arithmetic", "%s", arith);
    eb_energy_est_num(out, "macs", macs);
    eb_energy_est_num(out, "other_flops", other);
    eb_energy_est_num(out, "mac_pj", mac_pj);
    eb_energy_est_num(out, "bytes_moved", total);
    eb_energy_est_num(out, "weight_bytes", weights);
    eb_energy_est_num(out, "weight_pj_per_byte", w_pj_per_byte);
    eb_energy_est_num(out, "compute_j", compute);
    eb_energy_est_num(out, "bytes_j", bytes);
    snprintf(out->reason, sizeof out->reason,
             "relative only: 45 nm per-operation energies, without a CPU's instruction overheads");
}
