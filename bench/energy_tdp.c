/* energy_tdp.c - the utilisation x TDP estimate (CodeCarbon's fallback for
 * x86 without RAPL): a package draws about its TDP with every hardware
 * thread busy, so a process that kept cpu_s of thread time busy used
 *     J = TDP / package_threads x cpu_s
 * i.e. TDP x (cpu_s / (wall_s x package_threads)) x wall_s.
 *
 * The TDP comes from bench/energy_tdp.csv (shipped in the binary, a cited
 * source on each row).  The part is the row whose brand_match is in the
 * CPU's brand; its family the rows whose CPUID signature (vendor, family,
 * model and stepping ranges) matches.  The band is the family's range of
 * W per thread over its rows (what the same silicon draws per busy thread
 * across its SKUs); without a named part the figure is that range's
 * geometric mean.  In a VM (the hypervisor flag) a vCPU may hold a whole
 * host core while its SMT sibling idles, so the band's high end is the
 * family's highest W per core instead of per thread; and the part named by
 * a VM's brand is the hypervisor's label, kept but not trusted further. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"
#include "models/embed.h"

EB_EMBED(eb_tdp_csv, "bench/energy_tdp.csv")

typedef struct tdp_row {
    char family[64], part[48], vendor[32], brand_match[48], source[200];
    int cpu_family, model_lo, model_hi, step_lo, step_hi;
    double tdp_w;
    int cores, threads;
} tdp_row;

/* one CSV line (no quoting: the table has no commas in its fields but the
 * last, the source, which takes the rest of the line) */
static bool parse_row(char *line, tdp_row *r)
{
    char *f[13];
    int n = 0;
    for (char *p = line; n < 13; n++) {
        f[n] = p;
        char *c = n < 12 ? strchr(p, ',') : NULL;
        if (n < 12 && !c)
            return false;
        if (c) {
            *c = '\0';
            p = c + 1;
        }
    }
    memset(r, 0, sizeof *r);
    snprintf(r->family, sizeof r->family, "%s", f[0]);
    snprintf(r->part, sizeof r->part, "%s", f[1]);
    snprintf(r->vendor, sizeof r->vendor, "%s", f[2]);
    r->cpu_family = atoi(f[3]);
    r->model_lo = atoi(f[4]);
    r->model_hi = atoi(f[5]);
    r->step_lo = atoi(f[6]);
    r->step_hi = atoi(f[7]);
    snprintf(r->brand_match, sizeof r->brand_match, "%s", f[8]);
    r->tdp_w = atof(f[9]);
    r->cores = atoi(f[10]);
    r->threads = atoi(f[11]);
    snprintf(r->source, sizeof r->source, "%s", f[12]);
    return r->tdp_w > 0 && r->cores > 0 && r->threads >= r->cores;
}

static bool same_family(const tdp_row *r, const eb_cpu_id *c)
{
    return strcmp(r->vendor, c->vendor) == 0 && r->cpu_family == c->family && c->model >= r->model_lo &&
           c->model <= r->model_hi && c->stepping >= r->step_lo && c->stepping <= r->step_hi;
}

enum { MAX_ROWS = 256 };

void eb_energy_est_tdp(const eb_energy_usage *u, const eb_cpu_id *cpu, const char *table, eb_energy_est *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->method, sizeof out->method, "utilisation_tdp");
    snprintf(out->source, sizeof out->source, "bench/energy_tdp.csv");
    out->j = out->band.low = out->band.high = NAN;
    if (strcmp(u->device_kind, "cpu") != 0 && u->device_kind[0]) {
        snprintf(out->reason, sizeof out->reason, "the variant ran on a %s: a CPU's TDP says nothing of it",
                 u->device_kind);
        return;
    }
    if (!cpu->known || strcmp(cpu->arch, "x86") != 0) {
        snprintf(out->reason, sizeof out->reason, "utilisation x TDP is for x86 CPUs; this one is %s",
                 cpu->known ? cpu->arch : "unknown (no /proc/cpuinfo)");
        return;
    }
    char *text = strdup(table ? table : (const char *)eb_tdp_csv_start);
    tdp_row *rows = malloc(MAX_ROWS * sizeof *rows);
    if (!text || !rows) {
        snprintf(out->reason, sizeof out->reason, "out of memory");
        free(text);
        free(rows);
        return;
    }
    int n = 0, part = -1;
    bool header = true;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line && n < MAX_ROWS;
         line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (header) { /* the column names */
            header = false;
            continue;
        }
        tdp_row r;
        if (parse_row(line, &r) && same_family(&r, cpu) && (n == 0 || strcmp(r.family, rows[0].family) == 0))
            rows[n++] = r;
    }
    free(text);
    if (n == 0) {
        snprintf(out->reason, sizeof out->reason,
                 "no row of bench/energy_tdp.csv matches %s family %d model %d stepping %d (%.60s)", cpu->vendor,
                 cpu->family, cpu->model, cpu->stepping, cpu->brand);
        free(rows);
        return;
    }
    double lo = INFINITY, hi = 0, hi_core = 0;
    for (int i = 0; i < n; i++) {
        double w = rows[i].tdp_w / rows[i].threads, wc = rows[i].tdp_w / rows[i].cores;
        lo = fmin(lo, w);
        hi = fmax(hi, w);
        hi_core = fmax(hi_core, wc);
        if (part < 0 && rows[i].brand_match[0] && strstr(cpu->brand, rows[i].brand_match))
            part = i;
    }
    if (cpu->hypervisor)
        hi = hi_core;
    double w = part >= 0 ? rows[part].tdp_w / rows[part].threads : sqrt(lo * hi);
    double per = u->inferences > 0 ? u->cpu_s / (double)u->inferences : NAN;
    out->j = w * per;
    out->band.low = fmin(lo, w) * per;
    out->band.high = fmax(hi, w) * per;
    eb_energy_est_text(out, "cpu", "%s", cpu->brand);
    eb_energy_est_text(out, "family", "%s", rows[0].family);
    eb_energy_est_text(out, "part", "%s", part >= 0 ? rows[part].part : "unknown: the brand names no part of the table");
    if (part >= 0) {
        eb_energy_est_num(out, "tdp_w", rows[part].tdp_w);
        eb_energy_est_num(out, "package_threads", rows[part].threads);
        eb_energy_est_num(out, "utilisation", u->wall_s > 0 ? u->cpu_s / (u->wall_s * rows[part].threads) : NAN);
        eb_energy_est_text(out, "tdp_source", "%s", rows[part].source);
    } else {
        eb_energy_est_text(out, "tdp_source", "bench/energy_tdp.csv: the %d rows of the family, each with its source", n);
    }
    eb_energy_est_num(out, "watts_per_thread", w);
    eb_energy_est_num(out, "cpu_s", u->cpu_s);
    eb_energy_est_num(out, "wall_s", u->wall_s);
    eb_energy_est_num(out, "inferences", (double)u->inferences);
    eb_energy_est_num(out, "vm", cpu->hypervisor ? 1 : 0);
    snprintf(out->reason, sizeof out->reason, "%s%s",
             part >= 0 ? "the part's TDP per thread; band: the family's range"
                       : "the exact part is unknown: the family's range of W per thread, its geometric mean",
             cpu->hypervisor ? "; a VM guest (hypervisor flag): the band's high end is W per host core" : "");
    free(rows);
}
