/* energy_sysfs.c - reading sysfs (and /proc) under a root the tests can
 * move: EB_SYSFS_ROOT, default "/".  Every meter and estimator reads its
 * files through these, so a fake tree in a temp folder stands for a
 * machine with RAPL, hwmon rails, a battery or cpufreq. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"

const char *eb_sysfs_root(void)
{
    const char *r = getenv("EB_SYSFS_ROOT");
    return r && *r ? r : "/";
}

void eb_path_join(char *buf, size_t n, const char *a, const char *b)
{
    size_t la = strlen(a);
    snprintf(buf, n, "%s%s%s", a, la && a[la - 1] == '/' ? "" : "/", b[0] == '/' ? b + 1 : b);
}

void eb_sysfs_path(char *buf, size_t n, const char *rel)
{
    eb_path_join(buf, n, eb_sysfs_root(), rel);
}

bool eb_sysfs_read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    if (!fgets(buf, (int)n, f)) {
        int e = ferror(f) ? errno : ENODATA;
        fclose(f);
        errno = e;
        return false;
    }
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
    return true;
}

bool eb_sysfs_read_i64(const char *path, int64_t *v)
{
    char line[64], *end;
    if (!eb_sysfs_read_line(path, line, sizeof line))
        return false;
    errno = 0;
    long long x = strtoll(line, &end, 10);
    if (end == line || errno) {
        errno = EINVAL;
        return false;
    }
    *v = x;
    return true;
}

bool eb_sysfs_read_u64(const char *path, uint64_t *v)
{
    char line[64], *end;
    if (!eb_sysfs_read_line(path, line, sizeof line))
        return false;
    errno = 0;
    unsigned long long x = strtoull(line, &end, 10);
    if (end == line || errno || line[0] == '-') {
        errno = EINVAL;
        return false;
    }
    *v = x;
    return true;
}
