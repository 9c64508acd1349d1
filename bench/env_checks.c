/* env_checks.c - the environment checks (env_checks.h).
 *
 * What counts as noisy, and why:
 *   - a governor other than "performance": the clock follows the load, so
 *     the first runs of a variant meet a slower clock than the last;
 *   - turbo/boost on: the clock depends on temperature and on how many
 *     cores are busy, which change during a sweep;
 *   - SMT on: another thread can run on the variant's core and share its
 *     execution units and caches;
 *   - a 1-minute load average at or above the CPUs the run uses, or any
 *     other process running at the start: they compete for the CPUs;
 *   - not pinned: the variant may migrate between CPUs (cold caches, a
 *     different clock).
 * ASLR is recorded but not warned about: with it each process gets its own
 * address layout, whose effect on timings is spread over processes rather
 * than fixed into every one (pyperf keeps it on; runs that compare
 * processes want it on). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "bench/device_info.h"
#include "bench/energy.h"
#include "bench/env_checks.h"
#include "bench/noise_controls.h"

static void set_value(eb_env_check *k, bool noisy, const char *fmt, const char *v)
{
    k->available = true;
    k->noisy = noisy;
    snprintf(k->value, sizeof k->value, fmt, v);
}

static void set_missing(eb_env_check *k, const char *path, int e)
{
    k->available = false;
    k->noisy = false;
    snprintf(k->reason, sizeof k->reason, "%.120s: %s", path, strerror(e));
}

/* Reads root-relative rel's first line; false with errno. */
static bool read_rel(const char *rel, char *path, size_t pn, char *buf, size_t n)
{
    eb_sysfs_path(path, pn, rel);
    return eb_sysfs_read_line(path, buf, n);
}

/* The CPUs whose governor counts: the pinned ones, else this process's. */
static int run_cpus(const char *pinned, bool *set)
{
    if (pinned && *pinned)
        return eb_cpu_list_parse(pinned, set, EB_PIN_MAX_CPUS);
    cpu_set_t cs;
    memset(set, 0, EB_PIN_MAX_CPUS * sizeof *set);
    if (sched_getaffinity(0, sizeof cs, &cs) != 0)
        return 0;
    int n = 0;
    for (int c = 0; c < EB_PIN_MAX_CPUS && c < CPU_SETSIZE; c++)
        if ((set[c] = CPU_ISSET(c, &cs)))
            n++;
    return n;
}

static void check_governor(const bool *cpus, eb_env_check *k)
{
    char first[32] = "", path[512], gov[32], mixed[96] = "";
    int n = 0, missing_errno = 0, read = 0;
    char missing[512] = "";
    bool differ = false;
    for (int c = 0; c < EB_PIN_MAX_CPUS; c++) {
        if (!cpus[c])
            continue;
        char rel[96];
        snprintf(rel, sizeof rel, "sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", c);
        if (!read_rel(rel, path, sizeof path, gov, sizeof gov)) {
            if (!*missing) {
                snprintf(missing, sizeof missing, "%s", path);
                missing_errno = errno;
            }
            continue;
        }
        read++;
        if (!*first)
            snprintf(first, sizeof first, "%s", gov);
        else if (strcmp(first, gov) != 0)
            differ = true;
        size_t len = strlen(mixed);
        if (n++ < 4 && len < sizeof mixed)
            snprintf(mixed + len, sizeof mixed - len, "%scpu%d %s", len ? ", " : "", c, gov);
    }
    if (read == 0) {
        if (*missing)
            set_missing(k, missing, missing_errno);
        else
            snprintf(k->reason, sizeof k->reason, "no CPU to read it for");
        return;
    }
    if (differ)
        set_value(k, true, "%s", mixed);
    else
        set_value(k, strcmp(first, "performance") != 0, "%s", first);
}

static void check_turbo(eb_env_check *k)
{
    char path[512], v[32], first[512];
    if (read_rel("sys/devices/system/cpu/intel_pstate/no_turbo", first, sizeof first, v, sizeof v)) {
        bool on = atoi(v) == 0;
        set_value(k, on, "%s", on ? "on" : "off");
        return;
    }
    int e = errno;
    if (read_rel("sys/devices/system/cpu/cpufreq/boost", path, sizeof path, v, sizeof v) ||
        read_rel("sys/devices/system/cpu/cpufreq/policy0/boost", path, sizeof path, v, sizeof v)) {
        bool on = atoi(v) != 0;
        set_value(k, on, "%s", on ? "on" : "off");
        return;
    }
    set_missing(k, first, e);
    size_t len = strlen(k->reason);
    snprintf(k->reason + len, sizeof k->reason - len, "; no cpufreq/boost either");
}

static void check_aslr(eb_env_check *k)
{
    char path[512], v[32];
    if (!read_rel("proc/sys/kernel/randomize_va_space", path, sizeof path, v, sizeof v)) {
        set_missing(k, path, errno);
        return;
    }
    int x = atoi(v);
    set_value(k, false, "%s", x == 0 ? "off" : x == 1 ? "conservative" : "full");
}

static void check_smt(eb_env_check *k)
{
    char path[512], v[32];
    if (!read_rel("sys/devices/system/cpu/smt/active", path, sizeof path, v, sizeof v)) {
        set_missing(k, path, errno);
        return;
    }
    bool on = atoi(v) != 0;
    set_value(k, on, "%s", on ? "on" : "off");
}

static void check_load(int n_cpus, eb_env_check *k)
{
    char path[512], v[128];
    double l1, l5, l15;
    if (!read_rel("proc/loadavg", path, sizeof path, v, sizeof v)) {
        set_missing(k, path, errno);
        return;
    }
    if (sscanf(v, "%lf %lf %lf", &l1, &l5, &l15) != 3) {
        snprintf(k->reason, sizeof k->reason, "%.120s: not three load averages: '%.20s'", path, v);
        return;
    }
    char text[64];
    snprintf(text, sizeof text, "%.2f %.2f %.2f", l1, l5, l15);
    set_value(k, n_cpus > 0 && l1 >= n_cpus, "%s", text);
}

/* The state letter of a /proc stat line: after the last ')' (comm may hold any byte). */
static char stat_state(const char *path)
{
    char line[512];
    if (!eb_sysfs_read_line(path, line, sizeof line))
        return 0;
    const char *p = strrchr(line, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* A process is busy when any of its threads is running (state R). */
static bool process_running(const char *proc, const char *pid)
{
    char dir[600], path[700];
    snprintf(dir, sizeof dir, "%s/%s/task", proc, pid);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(path, sizeof path, "%s/%s/stat", proc, pid);
        return stat_state(path) == 'R';
    }
    bool running = false;
    struct dirent *e;
    while (!running && (e = readdir(d)) != NULL) {
        if (!all_digits(e->d_name))
            continue;
        snprintf(path, sizeof path, "%s/%s/stat", dir, e->d_name);
        running = stat_state(path) == 'R';
    }
    closedir(d);
    return running;
}

static void check_busy(int self, eb_env_check *k)
{
    char proc[512];
    eb_sysfs_path(proc, sizeof proc, "proc");
    DIR *d = opendir(proc);
    if (!d) {
        set_missing(k, proc, errno);
        return;
    }
    int busy = 0;
    char me[24];
    snprintf(me, sizeof me, "%d", self);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (all_digits(e->d_name) && strcmp(e->d_name, me) != 0 && process_running(proc, e->d_name))
            busy++;
    closedir(d);
    char text[24];
    snprintf(text, sizeof text, "%d", busy);
    set_value(k, busy > 0, "%s", text);
}

void eb_env_checks_read(const char *pinned, int self, eb_env_checks *c)
{
    static bool cpus[EB_PIN_MAX_CPUS];
    memset(c, 0, sizeof *c);
    c->checked = true;
    int n = run_cpus(pinned, cpus);
    check_governor(cpus, &c->governor);
    check_turbo(&c->turbo);
    check_aslr(&c->aslr);
    check_smt(&c->smt);
    check_load(n, &c->load_average);
    check_busy(self, &c->busy_processes);
    bool pin = pinned && *pinned;
    set_value(&c->pinned, !pin, "%s", pin ? pinned : "no");
}

static void item(FILE *f, const char *label, const eb_env_check *k, bool *first)
{
    fprintf(f, "%s%s %s", *first ? "" : ", ", label, k->available ? k->value : "unavailable");
    *first = false;
}

void eb_env_checks_print(FILE *f, const eb_env_checks *c)
{
    bool first = true;
    fputs("environment: ", f);
    item(f, "governor", &c->governor, &first);
    item(f, "turbo", &c->turbo, &first);
    item(f, "ASLR", &c->aslr, &first);
    item(f, "SMT", &c->smt, &first);
    item(f, "load", &c->load_average, &first);
    item(f, "busy processes", &c->busy_processes, &first);
    item(f, "pinned", &c->pinned, &first);
    fputc('\n', f);
    const eb_env_check *all[] = {&c->governor, &c->turbo, &c->aslr, &c->smt, &c->load_average, &c->busy_processes};
    const char *names[] = {"governor", "turbo", "ASLR", "SMT", "load", "busy processes"};
    for (int i = 0; i < (int)(sizeof all / sizeof *all); i++)
        if (!all[i]->available)
            fprintf(f, "  %s unavailable: %s\n", names[i], all[i]->reason);
    const char *sep = "warning: noisy environment: ";
    if (c->governor.noisy) {
        fprintf(f, "%sgovernor %s (not performance: the clock follows the load)", sep, c->governor.value);
        sep = "; ";
    }
    if (c->turbo.noisy) {
        fprintf(f, "%sturbo on (the clock depends on temperature and busy cores)", sep);
        sep = "; ";
    }
    if (c->smt.noisy) {
        fprintf(f, "%sSMT on (a sibling thread may share the variant's core)", sep);
        sep = "; ";
    }
    if (c->load_average.noisy) {
        fprintf(f, "%sload average %s (at or above the CPUs the run uses)", sep, c->load_average.value);
        sep = "; ";
    }
    if (c->busy_processes.noisy) {
        fprintf(f, "%s%s other process%s running at the start (they compete for the CPUs)", sep,
                c->busy_processes.value, strcmp(c->busy_processes.value, "1") ? "es" : "");
        sep = "; ";
    }
    if (c->pinned.noisy) {
        fprintf(f, "%snot pinned (variants may migrate between CPUs: --pin)", sep);
        sep = "; ";
    }
    if (strcmp(sep, "; ") == 0)
        fputc('\n', f);
    fflush(f);
}
