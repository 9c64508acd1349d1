/* energy_dvfs.c - the DVFS power-table estimate, BatteryStats' CPU model:
 * per-core power at each frequency x the share of time the CPUs spent at
 * it (cpufreq/stats/time_in_state, before and after the loop) x the
 * process's CPU time.  Only the cores' active power is counted (the
 * cluster and base power of power_profile.xml are not the variant's).
 *
 * Tables, from the first that exists:
 *   EB_POWER_TABLE=FILE   a user CSV ("cpu,khz,watts", cpu "*" for all),
 *                         or an Android power_profile.xml by its name;
 *   the Linux Energy Model (debugfs energy_model/<domain>/ps:<kHz>/power):
 *                         µW when its flags say so (bit 0, kernels 6.0+),
 *                         mW when "units" says milliWatts (5.11-5.19);
 *                         otherwise (bogoWatts, or the ARTIFICIAL flag,
 *                         bit 2) an abstract scale: no joules.
 * power_profile.xml gives mA per core at each speed: legacy keys
 * cpu.speeds[.clusterN] / cpu.active[.clusterN] (arrays), current keys
 * cpu.core_speeds.clusterN / cpu.core_power.clusterN, with
 * cpu.clusters.cores giving each cluster's core count; mA x the battery's
 * voltage_now is W.  time_in_state counts USER_HZ ticks (sysconf
 * _SC_CLK_TCK) at each kHz. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/energy.h"

/* ---- power_profile.xml ---- */

/* the values of <array name="key">, or of <item name="key"> as one */
static int xml_array(const char *xml, const char *key, double *vals, int max)
{
    char open[128];
    snprintf(open, sizeof open, "<array name=\"%s\"", key);
    const char *p = strstr(xml, open);
    if (!p)
        return 0;
    const char *end = strstr(p, "</array>");
    int n = 0;
    for (const char *v = strstr(p, "<value>"); v && (!end || v < end) && n < max; v = strstr(v + 1, "<value>"))
        vals[n++] = atof(v + 7);
    return n;
}

static void set_cpu_steps(eb_dvfs_table *t, int cpu, const double *khz, const double *w, int n)
{
    if (cpu >= EB_DVFS_MAX_CPUS)
        return;
    t->n_steps[cpu] = n < EB_DVFS_MAX_STEPS ? n : EB_DVFS_MAX_STEPS;
    for (int i = 0; i < t->n_steps[cpu]; i++)
        t->steps[cpu][i] = (eb_dvfs_step){(uint64_t)khz[i], w[i]};
    if (cpu + 1 > t->n_cpus)
        t->n_cpus = cpu + 1;
}

bool eb_dvfs_parse_power_profile(const char *xml, double volts, eb_dvfs_table *t, char *why, size_t n)
{
    memset(t, 0, sizeof *t);
    double cores[16], khz[EB_DVFS_MAX_STEPS], ma[EB_DVFS_MAX_STEPS], w[EB_DVFS_MAX_STEPS];
    int n_clusters = xml_array(xml, "cpu.clusters.cores", cores, 16);
    bool current = false, legacy = false;
    int cpu = 0;
    for (int c = 0; c < (n_clusters ? n_clusters : 1); c++) {
        char ks[64], kp[64];
        int ns, np;
        snprintf(ks, sizeof ks, "cpu.core_speeds.cluster%d", c);
        snprintf(kp, sizeof kp, "cpu.core_power.cluster%d", c);
        if ((ns = xml_array(xml, ks, khz, EB_DVFS_MAX_STEPS)) > 0) {
            np = xml_array(xml, kp, ma, EB_DVFS_MAX_STEPS);
            current = true;
        } else {
            snprintf(ks, sizeof ks, "cpu.speeds.cluster%d", c);
            snprintf(kp, sizeof kp, "cpu.active.cluster%d", c);
            if ((ns = xml_array(xml, ks, khz, EB_DVFS_MAX_STEPS)) > 0) {
                np = xml_array(xml, kp, ma, EB_DVFS_MAX_STEPS);
            } else if (c == 0 && (ns = xml_array(xml, "cpu.speeds", khz, EB_DVFS_MAX_STEPS)) > 0) {
                np = xml_array(xml, "cpu.active", ma, EB_DVFS_MAX_STEPS);
            } else {
                snprintf(why, n, "power_profile.xml has no CPU speeds for cluster %d", c);
                return false;
            }
            legacy = true;
        }
        if (np != ns) {
            snprintf(why, n, "power_profile.xml: cluster %d has %d speeds and %d power values", c, ns, np);
            return false;
        }
        for (int i = 0; i < ns; i++)
            w[i] = ma[i] * 1e-3 * volts;
        int k = n_clusters ? (int)cores[c] : 1;
        for (int j = 0; j < k; j++)
            set_cpu_steps(t, cpu++, khz, w, ns);
    }
    if (!(volts > 0)) {
        snprintf(why, n, "power_profile.xml gives mA: no battery voltage to turn them into watts");
        return false;
    }
    snprintf(t->source, sizeof t->source, "power_profile.xml (%s keys)",
             current && legacy ? "current and legacy" : current ? "current" : "legacy");
    snprintf(t->note, sizeof t->note, "mA x %.3f V (the battery's voltage_now)", volts);
    t->loaded = true;
    return true;
}

/* ---- user CSV ---- */

bool eb_dvfs_parse_csv(const char *text, eb_dvfs_table *t, char *why, size_t n)
{
    memset(t, 0, sizeof *t);
    int all = 0, lines = 0;
    eb_dvfs_step star[EB_DVFS_MAX_STEPS];
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        lines++;
        if (*p == '#' || *p == '\n')
            continue;
        char cpu[16];
        unsigned long long khz;
        double w;
        if (sscanf(p, " %15[^,],%llu,%lf", cpu, &khz, &w) != 3) {
            if (lines == 1)
                continue; /* a header */
            snprintf(why, n, "power table line %d: want cpu,khz,watts", lines);
            return false;
        }
        if (strcmp(cpu, "*") == 0) {
            if (all < EB_DVFS_MAX_STEPS)
                star[all++] = (eb_dvfs_step){khz, w};
            continue;
        }
        int c = atoi(cpu);
        if (c < 0 || c >= EB_DVFS_MAX_CPUS || t->n_steps[c] >= EB_DVFS_MAX_STEPS)
            continue;
        t->steps[c][t->n_steps[c]++] = (eb_dvfs_step){khz, w};
        if (c + 1 > t->n_cpus)
            t->n_cpus = c + 1;
    }
    if (all && t->n_cpus == 0) {
        t->n_cpus = 1; /* CPUs past the table use its last */
        t->n_steps[0] = all;
        memcpy(t->steps[0], star, (size_t)all * sizeof *star);
    }
    for (int c = 0; c < t->n_cpus; c++)
        if (t->n_steps[c] == 0 && all) {
            t->n_steps[c] = all;
            memcpy(t->steps[c], star, (size_t)all * sizeof *star);
        }
    if (t->n_cpus == 0) {
        snprintf(why, n, "the power table has no cpu,khz,watts line");
        return false;
    }
    snprintf(t->source, sizeof t->source, "csv");
    t->loaded = true;
    return true;
}

/* ---- the Linux Energy Model ---- */

/* "0-3,6" -> cpus[] */
static int parse_cpulist(const char *s, int *cpus, int max)
{
    int n = 0;
    while (*s && n < max) {
        char *end;
        long a = strtol(s, &end, 10), b = a;
        if (end == s)
            break;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        for (long c = a; c <= b && n < max; c++)
            cpus[n++] = (int)c;
        s = *end == ',' ? end + 1 : end;
        if (*s == '\0' || *s == '\n')
            break;
    }
    return n;
}

static int cmp_step(const void *a, const void *b)
{
    const eb_dvfs_step *x = a, *y = b;
    return (x->khz > y->khz) - (x->khz < y->khz);
}

bool eb_dvfs_load_energy_model(eb_dvfs_table *t, char *why, size_t n)
{
    char dir[512];
    memset(t, 0, sizeof *t);
    eb_sysfs_path(dir, sizeof dir, "sys/kernel/debug/energy_model");
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(why, n, "%s: %s", dir, strerror(errno));
        return false;
    }
    struct dirent *de;
    int domains = 0;
    bool abstract = false;
    char units[32] = "";
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char pd[768], path[1024], line[128];
        eb_path_join(pd, sizeof pd, dir, de->d_name);
        eb_path_join(path, sizeof path, pd, "cpus");
        int cpus[EB_DVFS_MAX_CPUS];
        int nc = eb_sysfs_read_line(path, line, sizeof line) ? parse_cpulist(line, cpus, EB_DVFS_MAX_CPUS) : 0;
        if (nc == 0)
            continue; /* not a CPU domain (a GPU's) */
        double scale = 0;
        eb_path_join(path, sizeof path, pd, "flags");
        if (eb_sysfs_read_line(path, line, sizeof line)) {
            unsigned long flags = strtoul(line, NULL, 16);
            scale = (flags & 4) ? 0 : (flags & 1) ? 1e-6 : 0; /* ARTIFICIAL, MICROWATTS */
            snprintf(units, sizeof units, "flags %s", line);
        } else {
            eb_path_join(path, sizeof path, pd, "units");
            if (eb_sysfs_read_line(path, line, sizeof line))
                scale = strcmp(line, "milliWatts") == 0 ? 1e-3 : 0;
            snprintf(units, sizeof units, "%s", line);
        }
        abstract |= scale == 0;
        eb_dvfs_step steps[EB_DVFS_MAX_STEPS];
        int ns = 0;
        DIR *pdd = opendir(pd);
        struct dirent *ps;
        while (pdd && (ps = readdir(pdd)) != NULL && ns < EB_DVFS_MAX_STEPS) {
            if (strncmp(ps->d_name, "ps:", 3) != 0)
                continue;
            char sub[1100], f[1200];
            uint64_t khz, p;
            eb_path_join(sub, sizeof sub, pd, ps->d_name);
            eb_path_join(f, sizeof f, sub, "frequency");
            if (!eb_sysfs_read_u64(f, &khz))
                continue;
            eb_path_join(f, sizeof f, sub, "power");
            if (!eb_sysfs_read_u64(f, &p))
                continue;
            steps[ns++] = (eb_dvfs_step){khz, (double)p * (scale > 0 ? scale : 1)};
        }
        if (pdd)
            closedir(pdd);
        qsort(steps, (size_t)ns, sizeof *steps, cmp_step);
        for (int i = 0; i < nc; i++) {
            if (cpus[i] >= EB_DVFS_MAX_CPUS)
                continue;
            t->n_steps[cpus[i]] = ns;
            memcpy(t->steps[cpus[i]], steps, (size_t)ns * sizeof *steps);
            if (cpus[i] + 1 > t->n_cpus)
                t->n_cpus = cpus[i] + 1;
        }
        domains++;
    }
    closedir(d);
    if (!domains) {
        snprintf(why, n, "%s has no CPU performance domain", dir);
        return false;
    }
    snprintf(t->source, sizeof t->source, "energy_model");
    t->abstract = abstract;
    snprintf(t->note, sizeof t->note, "%d domains, %s%s", domains, units,
             abstract ? ": an abstract scale (bogoWatts), no joules" : "");
    t->loaded = true;
    return true;
}

/* the battery's voltage_now in V, 0 when none */
static double battery_volts(void)
{
    char dir[512];
    eb_sysfs_path(dir, sizeof dir, "sys/class/power_supply");
    DIR *d = opendir(dir);
    struct dirent *de;
    double v = 0;
    while (d && (de = readdir(d)) != NULL && v == 0) {
        char p[768], f[900], type[32];
        int64_t uv;
        eb_path_join(p, sizeof p, dir, de->d_name);
        eb_path_join(f, sizeof f, p, "type");
        if (de->d_name[0] == '.' || !eb_sysfs_read_line(f, type, sizeof type) || strcmp(type, "Battery") != 0)
            continue;
        eb_path_join(f, sizeof f, p, "voltage_now");
        if (eb_sysfs_read_i64(f, &uv) && uv > 0)
            v = (double)uv * 1e-6;
    }
    if (d)
        closedir(d);
    return v;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *b = realloc(buf, cap *= 2);
            if (!b)
                free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (buf)
        buf[len] = '\0';
    return buf;
}

bool eb_dvfs_find_table(eb_dvfs_table *t, char *why, size_t n)
{
    const char *file = getenv("EB_POWER_TABLE");
    if (file && *file) {
        char *text = slurp(file);
        if (!text) {
            snprintf(why, n, "EB_POWER_TABLE %s: %s", file, strerror(errno));
            return false;
        }
        size_t l = strlen(file);
        bool xml = l > 4 && strcmp(file + l - 4, ".xml") == 0;
        bool ok = xml ? eb_dvfs_parse_power_profile(text, battery_volts(), t, why, n) : eb_dvfs_parse_csv(text, t, why, n);
        free(text);
        if (ok && !xml)
            snprintf(t->source, sizeof t->source, "csv");
        return ok;
    }
    char em[200];
    if (eb_dvfs_load_energy_model(t, em, sizeof em))
        return true;
    snprintf(why, n, "no DVFS power table: no EB_POWER_TABLE, and the Energy Model: %s", em);
    return false;
}

/* ---- time in state and the estimate ---- */

void eb_cpufreq_snapshot_take(eb_cpufreq_snapshot *s)
{
    memset(s, 0, sizeof *s);
    for (int c = 0; c < EB_DVFS_MAX_CPUS && s->n_cpus < EB_DVFS_MAX_CPUS; c++) {
        char rel[128], path[512];
        snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/cpufreq/stats/time_in_state", c);
        eb_sysfs_path(path, sizeof path, rel);
        FILE *f = fopen(path, "r");
        if (!f) {
            if (c == 0)
                snprintf(s->why, sizeof s->why, "%s: %s", path, strerror(errno));
            continue;
        }
        int i = s->n_cpus, k = 0;
        unsigned long long khz, ticks;
        while (k < EB_DVFS_MAX_STEPS && fscanf(f, "%llu %llu", &khz, &ticks) == 2) {
            s->khz[i][k] = khz;
            s->ticks[i][k++] = ticks;
        }
        fclose(f);
        s->cpu[i] = c;
        s->n_steps[i] = k;
        s->n_cpus++;
    }
    if (s->n_cpus)
        s->why[0] = '\0';
}

/* the table's power for cpu at khz: that step, else the nearest */
static double power_at(const eb_dvfs_table *t, int cpu, uint64_t khz)
{
    int c = cpu < t->n_cpus ? cpu : t->n_cpus - 1;
    double best = NAN;
    uint64_t dist = UINT64_MAX;
    for (int i = 0; i < t->n_steps[c]; i++) {
        uint64_t d = t->steps[c][i].khz > khz ? t->steps[c][i].khz - khz : khz - t->steps[c][i].khz;
        if (d < dist) {
            dist = d;
            best = t->steps[c][i].watts;
        }
    }
    return best;
}

static bool in_affinity(int cpu)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return true;
    return cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set);
}

void eb_energy_est_dvfs(const eb_energy_usage *u, const eb_dvfs_table *t, eb_energy_est *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->method, sizeof out->method, "dvfs_table");
    snprintf(out->source, sizeof out->source, "%s", t->source);
    out->j = out->band.low = out->band.high = NAN;
    const eb_cpufreq_snapshot *a = u->tis_before, *b = u->tis_after;
    if (strcmp(u->device_kind, "cpu") != 0 && u->device_kind[0]) {
        snprintf(out->reason, sizeof out->reason, "the variant ran on a %s: the CPU's power table says nothing of it",
                 u->device_kind);
        return;
    }
    if (!a || !b || a->n_cpus == 0 || b->n_cpus != a->n_cpus) {
        snprintf(out->reason, sizeof out->reason, "no cpufreq time_in_state%s%s", a && a->why[0] ? ": " : "",
                 a ? a->why : "");
        return;
    }
    if (t->abstract) {
        snprintf(out->reason, sizeof out->reason, "the %s is on an abstract scale (%s): no joules can be given",
                 t->source, t->note);
        return;
    }
    /* the CPUs this process may run on; all of them when none of those has a time_in_state */
    bool any_mine = false;
    for (int i = 0; i < a->n_cpus; i++)
        any_mine |= in_affinity(a->cpu[i]);
    double sum_t = 0, sum_tp = 0, pmin = INFINITY, pmax = 0, tmin = INFINITY, tmax = 0;
    double hz = (double)sysconf(_SC_CLK_TCK);
    int used = 0;
    for (int i = 0; i < a->n_cpus; i++) {
        if (any_mine && !in_affinity(a->cpu[i]))
            continue;
        used++;
        for (int k = 0; k < a->n_steps[i] && k < b->n_steps[i]; k++) {
            double p = power_at(t, a->cpu[i], a->khz[i][k]);
            tmin = fmin(tmin, p);
            tmax = fmax(tmax, p);
            if (b->ticks[i][k] <= a->ticks[i][k] || !isfinite(p))
                continue;
            double dt = (double)(b->ticks[i][k] - a->ticks[i][k]) / hz;
            sum_t += dt;
            sum_tp += dt * p;
            pmin = fmin(pmin, p);
            pmax = fmax(pmax, p);
        }
    }
    double per = u->inferences > 0 ? u->cpu_s / (double)u->inferences : NAN;
    double pbar;
    if (sum_t > 0) {
        pbar = sum_tp / sum_t;
        snprintf(out->reason, sizeof out->reason, "%s x time in state x CPU time; band: the lowest and highest "
                                                  "power among the frequencies used", t->source);
    } else if (isfinite(tmin) && tmax > 0) {
        pbar = sqrt(tmin * tmax);
        pmin = tmin;
        pmax = tmax;
        snprintf(out->reason, sizeof out->reason, "time_in_state did not advance over the loop (shorter than a "
                                                  "tick): the table's whole range, its geometric mean");
    } else {
        snprintf(out->reason, sizeof out->reason, "the %s has no power for these CPUs' frequencies", t->source);
        return;
    }
    out->j = pbar * per;
    out->band.low = pmin * per;
    out->band.high = pmax * per;
    eb_energy_est_text(out, "table", "%s%s%s", t->source, t->note[0] ? ": " : "", t->note);
    eb_energy_est_num(out, "mean_core_watts", pbar);
    eb_energy_est_num(out, "time_in_state_s", sum_t);
    eb_energy_est_num(out, "cpus", used);
    eb_energy_est_num(out, "cpu_s", u->cpu_s);
    eb_energy_est_num(out, "inferences", (double)u->inferences);
}
