/* energy_hwmon.c - board power monitors through hwmon: the first
 * /sys/class/hwmon/hwmonN (in name order) with power rails.
 *
 * Per chip, the best its files give: energyN_input (µJ counters), else
 * powerN_input (µW, polled and integrated by the window), else inN_input
 * x currN_input (mV x mA, the same N, as INA3221 / INA231-style monitors
 * expose channel N) giving P = V x I.  The rails of the chip are summed
 * and named in the meter; a board whose rails nest (a total input rail
 * and its sub-rails on one chip) counts the sub-rails twice, which the
 * rail names in the record let a reader see.  hwmon energy counters are
 * 64-bit and not wrapped in practice. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"

static bool read_energy(eb_meter *m, double *value)
{
    for (int i = 0; i < m->n_parts; i++) {
        eb_meter_part *p = &m->parts[i];
        uint64_t raw;
        if (!eb_sysfs_read_u64(p->path, &raw))
            return false;
        if (p->started && raw >= p->last_raw)
            m->acc_j += (double)(raw - p->last_raw) * p->scale;
        p->last_raw = raw;
        p->started = true;
    }
    *value = m->acc_j;
    return true;
}

static bool read_power(eb_meter *m, double *value)
{
    double w = 0;
    for (int i = 0; i < m->n_parts; i++) {
        eb_meter_part *p = &m->parts[i];
        int64_t a, b = 1;
        if (!eb_sysfs_read_i64(p->path, &a) || (p->path2[0] && !eb_sysfs_read_i64(p->path2, &b)))
            return false;
        w += (double)a * (double)b * p->scale;
    }
    *value = w;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* the rail's label (prefixN_label), else "prefixN" */
static void rail_label(const char *chip, const char *prefix, int n, char *buf, size_t len)
{
    char f[64], path[768];
    snprintf(f, sizeof f, "%s%d_label", prefix, n);
    eb_path_join(path, sizeof path, chip, f);
    if (!eb_sysfs_read_line(path, buf, len))
        snprintf(buf, len, "%s%d", prefix, n);
}

/* Rails of one kind in chip: prefixN_input for N in 0..31 (and, for V x I,
 * the matching currN_input). */
static int add_rails(eb_meter *m, const char *chip, const char *prefix, const char *prefix2, double scale)
{
    for (int n = 0; n < 32 && m->n_parts < EB_METER_MAX_PARTS; n++) {
        char f[64], path[768], path2[768] = "";
        int64_t v;
        snprintf(f, sizeof f, "%s%d_input", prefix, n);
        eb_path_join(path, sizeof path, chip, f);
        if (!eb_sysfs_read_i64(path, &v))
            continue;
        if (prefix2) {
            snprintf(f, sizeof f, "%s%d_input", prefix2, n);
            eb_path_join(path2, sizeof path2, chip, f);
            if (!eb_sysfs_read_i64(path2, &v))
                continue;
        }
        eb_meter_part *p = &m->parts[m->n_parts++];
        snprintf(p->path, sizeof p->path, "%s", path);
        snprintf(p->path2, sizeof p->path2, "%s", path2);
        p->scale = scale;
        rail_label(chip, prefix, n, p->label, sizeof p->label);
    }
    return m->n_parts;
}

void eb_meter_hwmon_probe(eb_meter *m)
{
    char dir[512];
    memset(m, 0, sizeof *m);
    snprintf(m->source, sizeof m->source, "hwmon");
    eb_sysfs_path(dir, sizeof dir, "sys/class/hwmon");
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(m->reason, sizeof m->reason, "%s: %s", dir, strerror(errno));
        return;
    }
    char names[32][64];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 32)
        if (strncmp(de->d_name, "hwmon", 5) == 0)
            snprintf(names[n++], sizeof names[0], "%s", de->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    for (int i = 0; i < n; i++) {
        char chip[640], path[700], chip_name[64] = "?";
        eb_path_join(chip, sizeof chip, dir, names[i]);
        eb_path_join(path, sizeof path, chip, "name");
        eb_sysfs_read_line(path, chip_name, sizeof chip_name);
        const char *how;
        if (add_rails(m, chip, "energy", NULL, 1e-6)) { /* µJ */
            m->cumulative = true;
            m->read = read_energy;
            how = "energy counters";
        } else if (add_rails(m, chip, "power", NULL, 1e-6)) { /* µW */
            m->read = read_power;
            how = "power, integrated";
        } else if (add_rails(m, chip, "in", "curr", 1e-6)) { /* mV x mA */
            m->read = read_power;
            how = "V x I, integrated";
        } else {
            continue;
        }
        size_t k = (size_t)snprintf(m->name, sizeof m->name, "%s %s (%s):", names[i], chip_name, how);
        for (int r = 0; r < m->n_parts && k < sizeof m->name; r++)
            k += (size_t)snprintf(m->name + k, sizeof m->name - k, "%s%s", r ? " + " : " ", m->parts[r].label);
        m->available = true;
        return;
    }
    snprintf(m->reason, sizeof m->reason, n ? "%s: no chip has energyN_input, powerN_input or inN_input with currN_input"
                                            : "%s has no hwmon device", dir);
}
