/* report_devices.h - a report of merged documents (reports/merge.h) device
 * by device: the devices found among the report's results, and the device
 * x variant table, one row per device and one column per (model, variant),
 * each cell the median latency in ms with the 95% confidence interval of
 * the median ("1.23 [1.20, 1.31]"), "-" where the device has no such
 * result and the status where it did not run.  A report of several merged
 * files (nights) has a row per file and device, "DEVICE @ FILE".  report.md and index.html
 * both carry it (after the results table); plot_gnuplot.c draws a latency
 * plot per device.  Reports of single-device files have no devices, and
 * get neither. */
#ifndef EB_REPORT_DEVICES_H
#define EB_REPORT_DEVICES_H

#include <stddef.h>
#include <stdio.h>

#include "reports/report.h"

#define EB_REPORT_MAX_DEVICES 256

/* The distinct non-empty device ids of rep's entries in order of first
 * appearance, at most max (borrowed from rep); 0 when none. */
int eb_report_devices(const eb_report *rep, const char **ids, int max);

/* The columns: distinct (model, variant spec) of rep's entries, in the
 * entries' order. */
typedef struct eb_device_col {
    int model;        /* index into rep->models */
    const char *spec; /* borrowed */
} eb_device_col;

/* Fills cols (at most max) and returns their number. */
int eb_report_device_cols(const eb_report *rep, eb_device_col *cols, int max);

/* The cell of device id (of input file `set`, or of any file for -1) and
 * column col into buf. */
void eb_report_device_cell(const eb_report *rep, int set, const char *id, const eb_device_col *col, char *buf,
                           size_t n);

/* The "Devices" section of report.md and of index.html (nothing when rep
 * has no devices). */
void eb_report_devices_md(FILE *f, const eb_report *rep);
void eb_report_devices_html(FILE *f, const eb_report *rep);

#endif
