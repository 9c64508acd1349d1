/* fmt_units.h - counts and byte sizes in human units ("3.50 M",
 * "13.40 MiB"), for the tables of reports and of `inspect` and `models`. */
#ifndef EB_FMT_UNITS_H
#define EB_FMT_UNITS_H

#include <stddef.h>

/* "3.50 M", "612" - a count in powers of 1000 into buf; returns buf. */
const char *eb_fmt_count(double v, char *buf, size_t n);
/* "13.40 MiB", "512 B" - bytes in powers of 1024 into buf; returns buf. */
const char *eb_fmt_bytes(double v, char *buf, size_t n);

#endif
