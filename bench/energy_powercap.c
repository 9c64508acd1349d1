/* energy_powercap.c - RAPL through the powercap class: the package zones
 * /sys/class/powercap/intel-rapl:N (the intel_rapl driver serves AMD's
 * RAPL too, under the same names), summed.
 *
 * energy_uj counts µJ and wraps at max_energy_range_uj: a read below the
 * previous one adds range - previous + now.  Since CVE-2020-8694 (a power
 * side channel) energy_uj is readable by root only; in a VM the class is
 * usually absent.  Either case is the meter's reason, never a silent 0.
 * Subzones (intel-rapl:0:0, core/uncore/dram) are parts of their package
 * and are not added again. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"

static bool read_counter(eb_meter *m, double *value)
{
    for (int i = 0; i < m->n_parts; i++) {
        eb_meter_part *p = &m->parts[i];
        uint64_t raw;
        if (!eb_sysfs_read_u64(p->path, &raw))
            return false;
        if (p->started) {
            uint64_t d = raw >= p->last_raw ? raw - p->last_raw
                         : p->range > p->last_raw ? p->range - p->last_raw + raw /* wrapped */
                                                  : raw;
            m->acc_j += (double)d * p->scale;
        }
        p->last_raw = raw;
        p->started = true;
    }
    *value = m->acc_j;
    return true;
}

/* "intel-rapl:N" with no subzone part */
static bool is_package_zone(const char *name)
{
    int n, end = 0;
    return sscanf(name, "intel-rapl:%d%n", &n, &end) == 1 && name[end] == '\0';
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

void eb_meter_powercap_probe(eb_meter *m)
{
    char dir[512];
    memset(m, 0, sizeof *m);
    snprintf(m->source, sizeof m->source, "powercap");
    m->cumulative = true;
    m->read = read_counter;
    eb_sysfs_path(dir, sizeof dir, "sys/class/powercap");
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(m->reason, sizeof m->reason, "%s: %s (no RAPL driver: absent in VMs and on CPUs without RAPL)", dir,
                 strerror(errno));
        return;
    }
    char names[EB_METER_MAX_PARTS][64];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < EB_METER_MAX_PARTS)
        if (is_package_zone(de->d_name))
            snprintf(names[n++], sizeof names[0], "%s", de->d_name);
    closedir(d);
    if (n == 0) {
        snprintf(m->reason, sizeof m->reason, "%s has no intel-rapl:N package zone", dir);
        return;
    }
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        char zone[640], path[700], label[48] = "";
        eb_meter_part *p = &m->parts[m->n_parts];
        eb_path_join(zone, sizeof zone, dir, names[i]);
        eb_path_join(path, sizeof path, zone, "name");
        if (!eb_sysfs_read_line(path, label, sizeof label))
            snprintf(label, sizeof label, "%s", names[i]);
        eb_path_join(p->path, sizeof p->path, zone, "energy_uj");
        uint64_t raw;
        if (!eb_sysfs_read_u64(p->path, &raw)) {
            int e = errno;
            snprintf(m->reason, sizeof m->reason, "%s: %s%s", p->path, strerror(e),
                     e == EACCES || e == EPERM ? " (energy_uj is readable by root only since CVE-2020-8694: "
                                                 "run as root, or grant read access with a udev rule)"
                                               : "");
            m->n_parts = 0;
            return;
        }
        eb_path_join(path, sizeof path, zone, "max_energy_range_uj");
        if (!eb_sysfs_read_u64(path, &p->range)) {
            snprintf(m->reason, sizeof m->reason, "%s: %s (the counter's wrap cannot be handled without it)", path,
                     strerror(errno));
            m->n_parts = 0;
            return;
        }
        p->scale = 1e-6; /* µJ */
        snprintf(p->label, sizeof p->label, "%s", label);
        m->n_parts++;
        if (k < sizeof m->name)
            k += (size_t)snprintf(m->name + k, sizeof m->name - k, "%s%s (%s)", i ? " + " : "", names[i], label);
    }
    m->available = true;
}
