/* energy_fit.c - the linear energy model behind `calibrate --energy` and
 * the `calibrated` estimate, fitted by least squares:
 *     joules = static_w x seconds + j_per_fp32_flop x fp32 FLOPs
 *            + j_per_int8_op x int8 ops + j_per_byte x bytes
 * over the microbenchmarks' windows (idle, fp32, int8, triad: each
 * excites one term, so the four columns are independent).  Each window's
 * row is divided by its measured joules, so that the relative errors are
 * minimised: an idle window of a fraction of a joule weighs as much as a
 * compute one of several, and the static term is the idle windows'
 * rather than what is left of the others' noise.  The columns
 * differ by ~20 orders of magnitude (seconds against FLOPs), so each is
 * scaled to unit norm before the normal equations are solved (Gaussian
 * elimination with partial pivoting); the residuals and the mean absolute
 * percentage error (MAPE) say how well it fits.  A negative coefficient
 * means the meter did not resolve that term (its energy is below the
 * meter's noise over the windows): the fit is refused, saying which. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench/energy_calib.h"

/* the window's row, weighted by 1 / its joules (its target is then 1) */
static void row(const eb_calib_obs *o, double x[4])
{
    double w = o->joules > 0 ? 1 / o->joules : 0;
    x[0] = o->seconds * w;
    x[1] = o->fp32_flops * w;
    x[2] = o->int8_ops * w;
    x[3] = o->bytes * w;
}

double eb_energy_model_j(const eb_calib_energy *e, double seconds, double fp32_flops, double int8_ops, double bytes)
{
    return e->static_w * seconds + e->j_per_fp32_flop * fp32_flops + e->j_per_int8_op * int8_ops +
           e->j_per_byte * bytes;
}

double eb_energy_mape(const eb_calib_obs *obs, int n)
{
    double s = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (obs[i].joules > 0) {
            s += fabs(obs[i].fitted_j - obs[i].joules) / obs[i].joules;
            k++;
        }
    return k ? s / k : NAN;
}

bool eb_energy_fit(eb_calib_energy *e, char *why, size_t n)
{
    double scale[4] = {0}, a[4][5] = {{0}};
    int m = e->n_fit;
    for (int i = 0; i < m; i++) {
        double x[4];
        row(&e->obs[i], x);
        for (int j = 0; j < 4; j++)
            scale[j] += x[j] * x[j];
    }
    for (int j = 0; j < 4; j++) {
        if (!(scale[j] > 0)) {
            static const char *const names[4] = {"time", "fp32 FLOPs", "int8 ops", "bytes"};
            snprintf(why, n, "no window had %s: the model's term cannot be fitted", names[j]);
            return false;
        }
        scale[j] = sqrt(scale[j]);
    }
    /* the normal equations (X'X) c = X'y on the scaled columns */
    for (int i = 0; i < m; i++) {
        double x[4];
        row(&e->obs[i], x);
        for (int j = 0; j < 4; j++) {
            for (int k = 0; k < 4; k++)
                a[j][k] += x[j] / scale[j] * x[k] / scale[k];
            a[j][4] += x[j] / scale[j] * (e->obs[i].joules > 0 ? 1 : 0);
        }
    }
    for (int c = 0; c < 4; c++) {
        int p = c;
        for (int r = c + 1; r < 4; r++)
            if (fabs(a[r][c]) > fabs(a[p][c]))
                p = r;
        if (fabs(a[p][c]) < 1e-12) {
            snprintf(why, n, "the windows do not separate the four terms (a singular fit)");
            return false;
        }
        for (int k = 0; k < 5; k++) {
            double t = a[c][k];
            a[c][k] = a[p][k];
            a[p][k] = t;
        }
        for (int r = 0; r < 4; r++)
            if (r != c) {
                double f = a[r][c] / a[c][c];
                for (int k = c; k < 5; k++)
                    a[r][k] -= f * a[c][k];
            }
    }
    e->static_w = a[0][4] / a[0][0] / scale[0];
    e->j_per_fp32_flop = a[1][4] / a[1][1] / scale[1];
    e->j_per_int8_op = a[2][4] / a[2][2] / scale[2];
    e->j_per_byte = a[3][4] / a[3][3] / scale[3];
    static const char *const names[4] = {"static W", "J per fp32 FLOP", "J per int8 op", "J per byte"};
    double got[4] = {e->static_w, e->j_per_fp32_flop, e->j_per_int8_op, e->j_per_byte};
    for (int j = 0; j < 4; j++)
        if (!(got[j] >= 0)) {
            snprintf(why, n, "the fitted %s is %.3g: the meter did not resolve it (longer windows: --seconds)",
                     names[j], got[j]);
            return false;
        }
    for (int i = 0; i < e->n_fit + e->n_heldout; i++) {
        eb_calib_obs *o = &e->obs[i];
        o->fitted_j = eb_energy_model_j(e, o->seconds, o->fp32_flops, o->int8_ops, o->bytes);
    }
    e->fit_mape = eb_energy_mape(e->obs, e->n_fit);
    e->heldout_mape = eb_energy_mape(e->obs + e->n_fit, e->n_heldout);
    e->present = true;
    return true;
}
