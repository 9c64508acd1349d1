/* calibration.h - a machine's measured roofs (`edgebench calibrate`), stored
 * once per device and read by every later run to place its results on the
 * roofline (eb_roofline in reports/record.h).
 *
 * The file: <dir>/<host>-<cpu>.json, dir = $EDGEBENCH_CACHE_DIR/calibration,
 * else $XDG_CACHE_HOME/edgebench/calibration, else
 * ~/.cache/edgebench/calibration; host and cpu with every character
 * outside [A-Za-z0-9._-] replaced by '_'.  It holds the date, the loops'
 * ISAs and, per calibrated thread count, the fp32 peak (GFLOP/s), the
 * int8 peak (GOP/s, 2 per multiply-accumulate) and the triad bandwidth
 * (GB/s), plus the sanity check: the cpu runner's fp32 GEMM in the same
 * run, which no peak may be below. */
#ifndef EB_CALIBRATION_H
#define EB_CALIBRATION_H

#include <stdbool.h>
#include <stddef.h>

#include "models/status.h"
#include "reports/record.h"

enum { EB_CALIB_MAX_POINTS = 16 };

typedef struct eb_calib_point {
    int threads;
    double fp32_gflops;      /* best of the rounds */
    double int8_gops;
    double triad_gbytes_per_s;
} eb_calib_point;

typedef struct eb_calibration {
    char host[64];
    char cpu[128];
    char date[32];           /* ISO 8601 UTC */
    char fp32_isa[16], int8_isa[16];
    double triad_array_bytes;  /* each of the three arrays */
    double llc_bytes;          /* the last-level cache they were sized against; 0 unknown */
    int n_points;
    eb_calib_point points[EB_CALIB_MAX_POINTS];
    /* the sanity check */
    int gemm_n, gemm_threads;
    double gemm_gflops;      /* the cpu runner's fp32 GEMM, median */
} eb_calibration;

/* The file for this machine (host and CPU as eb_device_info finds them). */
bool eb_calibration_path(char *path, size_t n);

eb_status eb_calibration_save(const eb_calibration *c, const char *path, eb_err *err);
/* EB_ENOTFOUND when there is no file (err says where it looked). */
eb_status eb_calibration_load(const char *path, eb_calibration *c, eb_err *err);

/* The point with the largest thread count not above threads (the first
 * one when all are above); NULL when there is none. */
const eb_calib_point *eb_calibration_point(const eb_calibration *c, int threads);

/* Fills r->roofline from r's cost, median and variant: the calibration
 * file of this machine, or the reason why there is no roofline. */
void eb_roofline_fill(eb_result *r);

#endif
