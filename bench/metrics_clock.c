/* metrics_clock.c - CPU frequency and thermal zones from sysfs over the
 * timed runs (see metrics_clock.h).  A file that cannot be read leaves
 * its figure unknown, with the path and errno in the reason. */
#include "bench/metrics_clock.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sysfs root: $EB_SYSFS_ROOT or "/", with a trailing '/'.  (The
 * energy meters read the same variable.) */
static void sysfs_root(char *buf, size_t n)
{
    const char *r = getenv("EB_SYSFS_ROOT");
    if (!r || !*r)
        r = "/";
    size_t len = strlen(r);
    snprintf(buf, n, "%s%s", r, r[len - 1] == '/' ? "" : "/");
}

/* The first line of path into buf (newline cut); false with errno. */
static bool read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    bool ok = fgets(buf, (int)n, f) != NULL;
    int e = errno;
    fclose(f);
    if (!ok) {
        errno = e ? e : ENODATA;
        return false;
    }
    buf[strcspn(buf, "\n")] = '\0';
    return true;
}

static bool read_number(const char *path, double *v)
{
    char buf[64], *end;
    if (!read_line(path, buf, sizeof buf))
        return false;
    *v = strtod(buf, &end);
    if (end == buf) {
        errno = EINVAL;
        return false;
    }
    return true;
}

static int this_cpu(void)
{
    int c = sched_getcpu();
    return c < 0 ? 0 : c;
}

static void cpufreq_path(const char *root, int cpu, const char *file, char *path, size_t n)
{
    snprintf(path, n, "%ssys/devices/system/cpu/cpu%d/cpufreq/%s", root, cpu, file);
}

/* MHz of the CPU this thread is on; NAN when unreadable (why: the path and errno). */
static double read_mhz(const char *root, char *why, size_t n)
{
    char path[640];
    double khz;
    cpufreq_path(root, this_cpu(), "scaling_cur_freq", path, sizeof path);
    if (!read_number(path, &khz)) {
        if (why)
            snprintf(why, n, "%s: %s (no cpufreq: a VM, or a kernel without cpufreq for this CPU)", path,
                     strerror(errno));
        return NAN;
    }
    return khz / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void eb_clock_summarize(double *mhz, int n, eb_clock *out)
{
    out->start_mhz = mhz[0];
    out->end_mhz = mhz[n - 1];
    out->polls = n;
    qsort(mhz, (size_t)n, sizeof *mhz, cmp_double);
    out->min_mhz = mhz[0];
    out->max_mhz = mhz[n - 1];
    out->median_mhz = n % 2 ? mhz[n / 2] : (mhz[n / 2 - 1] + mhz[n / 2]) / 2;
    out->throttled = out->min_mhz < 0.9 * out->start_mhz;
    out->freq_available = true;
    out->freq_reason[0] = '\0';
}

/* thermal_zoneN entries in N order */
static int zone_number(const char *name)
{
    return atoi(name + strlen("thermal_zone"));
}

static int cmp_zone(const void *a, const void *b)
{
    return zone_number(*(char *const *)a) - zone_number(*(char *const *)b);
}

/* The zones' names (up to EB_MAX_THERMAL_ZONES) into out->zones, in order;
 * false with the reason when there are none. */
static bool list_zones(const char *root, eb_clock *out)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%ssys/class/thermal", root);
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(out->thermal_reason, sizeof out->thermal_reason, "%s: %s (no thermal zones: a VM, or no thermal driver)",
                 dir, strerror(errno));
        return false;
    }
    char names[64][32];
    char *order[64];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64)
        if (strncmp(e->d_name, "thermal_zone", 12) == 0 && strlen(e->d_name) < 32) {
            snprintf(names[n], sizeof names[n], "%s", e->d_name);
            order[n] = names[n];
            n++;
        }
    closedir(d);
    if (n == 0) {
        snprintf(out->thermal_reason, sizeof out->thermal_reason, "%s has no thermal_zone* (no thermal driver)", dir);
        return false;
    }
    qsort(order, (size_t)n, sizeof *order, cmp_zone);
    out->n_zones = n < EB_MAX_THERMAL_ZONES ? n : EB_MAX_THERMAL_ZONES;
    for (int i = 0; i < out->n_zones; i++) {
        eb_thermal_zone *z = &out->zones[i];
        char path[640];
        snprintf(z->name, sizeof z->name, "%s", order[i]);
        snprintf(path, sizeof path, "%s/%s/type", dir, z->name);
        if (!read_line(path, z->type, sizeof z->type))
            z->type[0] = '\0';
        z->start_c = z->end_c = NAN;
    }
    return true;
}

static double read_temp(const char *root, const char *zone)
{
    char path[640];
    double milli;
    snprintf(path, sizeof path, "%ssys/class/thermal/%s/temp", root, zone);
    return read_number(path, &milli) ? milli / 1000.0 : NAN;
}

void eb_clock_begin(eb_clock_probe *p, double now_s, eb_clock *out)
{
    memset(p, 0, sizeof *p);
    sysfs_root(p->root, sizeof p->root);
    char path[640];
    cpufreq_path(p->root, this_cpu(), "scaling_governor", path, sizeof path);
    if (!read_line(path, out->governor, sizeof out->governor))
        out->governor[0] = '\0';
    double mhz = read_mhz(p->root, out->freq_reason, sizeof out->freq_reason);
    if (isfinite(mhz) && (p->mhz = malloc(EB_CLOCK_MAX_POLLS * sizeof *p->mhz))) {
        p->freq_ok = true;
        p->mhz[p->n++] = mhz;
        p->last_s = now_s;
    } else if (isfinite(mhz)) {
        snprintf(out->freq_reason, sizeof out->freq_reason, "out of memory for the frequency readings");
    }
    if ((out->thermal_available = list_zones(p->root, out)))
        for (int i = 0; i < out->n_zones; i++)
            out->zones[i].start_c = read_temp(p->root, out->zones[i].name);
}

void eb_clock_poll(eb_clock_probe *p, double now_s)
{
    if (!p->freq_ok || now_s - p->last_s < EB_CLOCK_POLL_S || p->n >= EB_CLOCK_MAX_POLLS - 1)
        return; /* the last slot is the end's */
    double mhz = read_mhz(p->root, NULL, 0);
    p->last_s = now_s;
    if (isfinite(mhz))
        p->mhz[p->n++] = mhz;
}

void eb_clock_end(eb_clock_probe *p, eb_clock *out)
{
    if (p->freq_ok) {
        double mhz = read_mhz(p->root, NULL, 0);
        if (isfinite(mhz))
            p->mhz[p->n++] = mhz;
        eb_clock_summarize(p->mhz, p->n, out);
    }
    for (int i = 0; out->thermal_available && i < out->n_zones; i++)
        out->zones[i].end_c = read_temp(p->root, out->zones[i].name);
    free(p->mhz);
    p->mhz = NULL;
    p->freq_ok = false;
}

bool eb_clock_freq_status(char *line, size_t n)
{
    char root[448], gov[32] = "", path[640];
    sysfs_root(root, sizeof root);
    double mhz = read_mhz(root, line, n);
    if (!isfinite(mhz))
        return false;
    cpufreq_path(root, this_cpu(), "scaling_governor", path, sizeof path);
    if (!read_line(path, gov, sizeof gov))
        snprintf(gov, sizeof gov, "unknown");
    snprintf(line, n, "cpu%d at %.0f MHz, governor %s", this_cpu(), mhz, gov);
    return true;
}

bool eb_clock_thermal_status(char *line, size_t n)
{
    char root[448];
    eb_clock c;
    memset(&c, 0, sizeof c);
    sysfs_root(root, sizeof root);
    if (!list_zones(root, &c)) {
        snprintf(line, n, "%s", c.thermal_reason);
        return false;
    }
    size_t k = (size_t)snprintf(line, n, "%d zone%s:", c.n_zones, c.n_zones == 1 ? "" : "s");
    for (int i = 0; i < c.n_zones && k < n; i++) {
        double t = read_temp(root, c.zones[i].name);
        char temp[32] = "unreadable";
        if (isfinite(t))
            snprintf(temp, sizeof temp, "%.1f C", t);
        k += (size_t)snprintf(line + k, n - k, "%s %s %s", i ? "," : "",
                              c.zones[i].type[0] ? c.zones[i].type : c.zones[i].name, temp);
    }
    return true;
}
