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
 * run, which no peak may be below.
 * `calibrate --energy` adds "energy": the coefficients of the linear
 * energy model fitted against a meter (bench/energy_fit.c), with the date,
 * the meter, the fit's residuals and its MAPE on held-out workloads; a
 * file may hold the energy part alone (no roofs yet). */
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

enum { EB_CALIB_MAX_OBS = 32 };

/* One microbenchmark's window: what it did, what the meter said and what
 * the fitted model says. */
typedef struct eb_calib_obs {
    char workload[16];       /* "idle", "fp32", "int8", "triad", "mixed-..." */
    double seconds, fp32_flops, int8_ops, bytes;
    double joules;           /* measured */
    double fitted_j;         /* the model's */
} eb_calib_obs;

/* joules = static_w x seconds + j_per_fp32_flop x fp32 FLOPs
 *        + j_per_int8_op x int8 ops + j_per_byte x bytes */
typedef struct eb_calib_energy {
    bool present;
    char date[32];
    char meter[16];          /* the meter's source ("powercap", "hwmon", ...) */
    char meter_name[160];
    double static_w, j_per_fp32_flop, j_per_int8_op, j_per_byte;
    double fit_mape;         /* over the fitted windows, a fraction */
    double heldout_mape;     /* over the held-out ones: the estimate's band */
    int n_fit, n_heldout;    /* obs[0..n_fit) fitted, then the held-out */
    eb_calib_obs obs[EB_CALIB_MAX_OBS];
} eb_calib_energy;

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
    eb_calib_energy energy;  /* present when `calibrate --energy` ran */
} eb_calibration;

/* The file for this machine (host and CPU as eb_device_info finds them). */
bool eb_calibration_path(char *path, size_t n);

eb_status eb_calibration_save(const eb_calibration *c, const char *path, eb_err *err);
/* EB_ENOTFOUND when there is no file (err says where it looked).  A file
 * with neither roofs nor energy coefficients is EB_EFORMAT. */
eb_status eb_calibration_load(const char *path, eb_calibration *c, eb_err *err);

/* The point with the largest thread count not above threads (the first
 * one when all are above); NULL when there is none. */
const eb_calib_point *eb_calibration_point(const eb_calibration *c, int threads);

/* Fills r->roofline from r's cost, median and variant: the calibration
 * file of this machine, or the reason why there is no roofline. */
void eb_roofline_fill(eb_result *r);

#endif
