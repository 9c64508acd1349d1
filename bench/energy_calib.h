/* energy_calib.h - the estimate that learns from a meter.
 *
 * On a machine with a meter, `edgebench calibrate --energy` runs
 * microbenchmarks (energy_calib.c: idle, fp32 peak loop, int8 peak loop,
 * triad, each over a meter window of at least EB_ENERGY_MIN_UPDATES
 * updates), fits the linear model of energy_fit.c to them, checks it on
 * held-out mixes of those loops, and stores the coefficients in the
 * device's calibration file (bench/calibration.h).  Without a meter, the
 * estimate `calibrated` (energy_calibrated.c) applies the coefficients of
 * this device's file, or of a sibling's (same CPU model), with the
 * held-out MAPE as its band.  energy_simmeter.c is a meter driven by a
 * known linear model of the work counted here, for the tests. */
#ifndef EB_ENERGY_CALIB_H
#define EB_ENERGY_CALIB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/calibration.h"
#include "bench/energy.h"

/* ---- the fit (energy_fit.c) ---------------------------------------------- */

/* Fits e->obs[0..n_fit) by least squares; sets the coefficients, every
 * window's fitted_j, fit_mape and heldout_mape (over obs[n_fit..+n_heldout)).
 * False (why) when the windows cannot separate the four terms. */
bool eb_energy_fit(eb_calib_energy *e, char *why, size_t n);
double eb_energy_model_j(const eb_calib_energy *e, double seconds, double fp32_flops, double int8_ops, double bytes);
/* mean |fitted - measured| / measured over the windows with joules > 0; NAN none */
double eb_energy_mape(const eb_calib_obs *obs, int n);

/* ---- the microbenchmarks (energy_calib.c) --------------------------------- */

/* The work the microbenchmarks have done so far, counted as they go (a
 * chunk of about a millisecond at a time). */
typedef struct eb_energy_work {
    _Atomic uint64_t fp32_flops, int8_ops, bytes;
} eb_energy_work;

typedef struct eb_energy_calib_opts {
    double seconds;          /* each window at least this long (and EB_ENERGY_MIN_UPDATES updates) */
    int repeats;             /* windows per workload */
    size_t triad_bytes;      /* each of the triad's three arrays */
    eb_energy_work *work;    /* where the work is counted; NULL: a private counter */
    const char *const *models; /* held out too: these models (zoo:NAME, files) on the cpu runner */
    int n_models;
} eb_energy_calib_opts;

/* Runs the windows on meter m and fits; out holds them and the
 * coefficients (date and meter too).  False (why) when a window failed
 * (too few meter updates, a read failed) or the fit did. */
bool eb_energy_calibrate(eb_meter *m, const eb_energy_calib_opts *o, eb_calib_energy *out, char *why, size_t n);

/* One window on meter m: step(ctx) (about a millisecond of work, counted
 * in work; false when it failed) repeated at least `seconds` and until
 * EB_ENERGY_MIN_UPDATES meter updates; ob gets the work and the joules.
 * False (why) when too few updates, a read failed or a step did. */
bool eb_energy_calib_window(eb_meter *m, double seconds, eb_energy_work *work, bool (*step)(void *ctx), void *ctx,
                            const char *name, eb_calib_obs *ob, char *why, size_t n);

/* A held-out window of a model (energy_calib_model.c): loaded, on the cpu
 * runner with one thread, each inference counted as the cost model's
 * FLOPs (fp32) and bytes moved. */
bool eb_energy_calib_model(eb_meter *m, double seconds, eb_energy_work *work, const char *model, eb_calib_obs *ob,
                           char *why, size_t n);

/* ---- the simulated meter (energy_simmeter.c) ------------------------------ */

/* A cumulative meter reading coef[0] W x the time since it was made +
 * coef[1] J/fp32 FLOP + coef[2] J/int8 op + coef[3] J/byte x the work
 * counted in w.  spec: "W,a,b,c" (EB_SIM_ENERGY_METER for the CLI tests);
 * false when it does not parse. */
bool eb_meter_sim_linear(eb_meter *m, const char *spec, eb_energy_work *w);

/* ---- the estimate (energy_calibrated.c) ----------------------------------- */

/* The calibration file with energy coefficients for this device: its own,
 * else a sibling's in the same folder (the same CPU model string); false
 * (why) when none. */
bool eb_energy_calib_find(eb_calibration *c, char *path, size_t pn, char *why, size_t n);
void eb_energy_est_calibrated(const eb_energy_usage *u, eb_energy_est *out);

#endif
