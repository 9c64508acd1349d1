/* energy_battery.c - a phone's or laptop's battery as a power meter:
 * /sys/class/power_supply/<name> whose type is "Battery".
 *
 * P = |current_now| x voltage_now (µA x µV), or power_now (µW) where the
 * driver gives it.  Drivers disagree on the sign of current_now (some
 * report discharge as negative, some as positive), so the sign is not
 * trusted; `status` says which way the charge flows, and the meter is
 * valid only while it says "Discharging": on a charger the battery's
 * current is the charger's business, not the load's.  The convention the
 * driver used is noted in the meter's name. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"

static bool read_battery(eb_meter *m, double *value)
{
    eb_meter_part *p = &m->parts[0];
    int64_t a, b = 1;
    if (!eb_sysfs_read_i64(p->path, &a) || (p->path2[0] && !eb_sysfs_read_i64(p->path2, &b)))
        return false;
    *value = (double)(a < 0 ? -a : a) * (double)b * p->scale;
    return true;
}

bool eb_meter_battery_discharging(const eb_meter *m, char *why, size_t n)
{
    char status[64] = "";
    if (!eb_sysfs_read_line(m->status_path, status, sizeof status)) {
        snprintf(why, n, "%s: %s", m->status_path, strerror(errno));
        return false;
    }
    if (strcmp(status, "Discharging") == 0)
        return true;
    snprintf(why, n, "the battery is %s: its meter is valid only while discharging (unplug the charger)", status);
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

void eb_meter_battery_probe(eb_meter *m)
{
    char dir[512];
    memset(m, 0, sizeof *m);
    snprintf(m->source, sizeof m->source, "battery");
    m->read = read_battery;
    eb_sysfs_path(dir, sizeof dir, "sys/class/power_supply");
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(m->reason, sizeof m->reason, "%s: %s", dir, strerror(errno));
        return;
    }
    char names[16][64];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 16)
        if (de->d_name[0] != '.')
            snprintf(names[n++], sizeof names[0], "%s", de->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], cmp_str);
    for (int i = 0; i < n; i++) {
        char bat[640], path[700], type[32] = "";
        eb_path_join(bat, sizeof bat, dir, names[i]);
        eb_path_join(path, sizeof path, bat, "type");
        if (!eb_sysfs_read_line(path, type, sizeof type) || strcmp(type, "Battery") != 0)
            continue;
        eb_meter_part *p = &m->parts[0];
        int64_t v;
        const char *how;
        eb_path_join(m->status_path, sizeof m->status_path, bat, "status");
        eb_path_join(p->path, sizeof p->path, bat, "power_now");
        if (eb_sysfs_read_i64(p->path, &v)) {
            p->scale = 1e-6; /* µW */
            how = "power_now";
        } else {
            eb_path_join(p->path, sizeof p->path, bat, "current_now");
            eb_path_join(p->path2, sizeof p->path2, bat, "voltage_now");
            int64_t vv;
            if (!eb_sysfs_read_i64(p->path, &v) || !eb_sysfs_read_i64(p->path2, &vv)) {
                snprintf(m->reason, sizeof m->reason, "%s: neither power_now nor current_now with voltage_now", bat);
                return;
            }
            p->scale = 1e-12; /* µA x µV */
            how = "current_now x voltage_now";
        }
        snprintf(p->label, sizeof p->label, "%s", names[i]);
        m->n_parts = 1;
        char why[200];
        bool dis = eb_meter_battery_discharging(m, why, sizeof why);
        /* the sign convention, inferred: while discharging, the sign the driver gives a discharge */
        snprintf(m->name, sizeof m->name, "%s (%s%s)", names[i], how,
                 !dis ? "" : v < 0 ? "; this driver reports discharge as negative" : "; this driver reports discharge as positive");
        if (!dis) {
            snprintf(m->reason, sizeof m->reason, "%s: %s", names[i], why);
            return;
        }
        m->available = true;
        return;
    }
    snprintf(m->reason, sizeof m->reason, "%s has no battery (type Battery)", dir);
}
