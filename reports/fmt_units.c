/* fmt_units.c - counts and byte sizes in human units, for tables. */
#include "reports/fmt_units.h"

#include <stdio.h>

const char *eb_fmt_count(double v, char *buf, size_t n)
{
    const char *unit[] = {"", " k", " M", " G", " T"};
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(buf, n, u ? "%.2f%s" : "%.0f%s", v, unit[u]);
    return buf;
}

const char *eb_fmt_bytes(double v, char *buf, size_t n)
{
    const char *unit[] = {" B", " KiB", " MiB", " GiB", " TiB"};
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        u++;
    }
    snprintf(buf, n, u ? "%.2f%s" : "%.0f%s", v, unit[u]);
    return buf;
}
