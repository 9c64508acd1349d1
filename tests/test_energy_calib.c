/* test_energy_calib.c - the estimate that learns from a meter: the least-
 * squares fit on windows made from known coefficients; `calibrate
 * --energy`'s microbenchmarks on a simulated meter driven by a known
 * linear model of the work they count (bench/energy_simmeter.c), whose
 * coefficients the fit must recover within 5% whatever the machine's load
 * (the meter follows the work counted and the clock, not the speed); and
 * the `calibrated` estimate from the stored file, this device's or a
 * sibling's, chosen before the other estimates but after a meter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy_calib.h"
#include "bench/mem_levels.h"
#include "models/cost.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "runners/cpu_features.h"
#include "tests/test_util.h"

static const double COEF[4] = {2.0, 1e-10, 3e-11, 5e-10}; /* W, J/fp32 FLOP, J/int8 op, J/byte */

static int cache_dir(void **state)
{
    char dir[1024];
    static int k;
    snprintf(dir, sizeof dir, "%s/cache%d", eb_test_tmpdir(), k++);
    setenv("EDGEBENCH_CACHE_DIR", dir, 1);
    return 0;
}

static bool within(double got, double want, double rel)
{
    return fabs(got - want) <= rel * fabs(want);
}

/* appends a window (to the fitted ones: the caller moves the last to held out) */
static void obs(eb_calib_energy *e, const char *name, double s, double f, double i, double b)
{
    eb_calib_obs *o = &e->obs[e->n_fit++];
    memset(o, 0, sizeof *o);
    snprintf(o->workload, sizeof o->workload, "%s", name);
    o->seconds = s, o->fp32_flops = f, o->int8_ops = i, o->bytes = b;
    o->joules = COEF[0] * s + COEF[1] * f + COEF[2] * i + COEF[3] * b;
}

static void fit__exact_windows__the_coefficients_and_a_zero_mape(void **state)
{
    eb_calib_energy e;
    memset(&e, 0, sizeof e);
    obs(&e, "idle", 1.0, 0, 0, 0);
    obs(&e, "fp32", 1.1, 3e10, 0, 0);
    obs(&e, "int8", 0.9, 0, 1e11, 0);
    obs(&e, "triad", 1.2, 0, 0, 6e9);
    obs(&e, "idle", 2.0, 0, 0, 0);
    obs(&e, "mix", 1.0, 1e10, 0, 2e9);
    e.obs[5].joules *= 1.1; /* a held-out window 10% above the model */
    e.n_fit = 5, e.n_heldout = 1;
    char why[200] = "";
    assert_true(eb_energy_fit(&e, why, sizeof why));
    assert_true(within(e.static_w, COEF[0], 1e-9) && within(e.j_per_fp32_flop, COEF[1], 1e-9));
    assert_true(within(e.j_per_int8_op, COEF[2], 1e-9) && within(e.j_per_byte, COEF[3], 1e-9));
    assert_true(e.fit_mape < 1e-9);
    assert_true(within(e.heldout_mape, 0.1 / 1.1, 1e-9));
    /* no int8 window: that term cannot be fitted, and it says so */
    memset(&e, 0, sizeof e);
    obs(&e, "idle", 1.0, 0, 0, 0);
    obs(&e, "fp32", 1.0, 3e10, 0, 0);
    obs(&e, "triad", 1.0, 0, 0, 6e9);
    assert_false(eb_energy_fit(&e, why, sizeof why));
    assert_non_null(strstr(why, "int8 ops"));
    /* a triad window that cost less than idling: a negative J per byte is refused */
    memset(&e, 0, sizeof e);
    obs(&e, "idle", 1.0, 0, 0, 0);
    obs(&e, "fp32", 1.0, 3e10, 0, 0);
    obs(&e, "int8", 1.0, 0, 1e11, 0);
    obs(&e, "triad", 1.0, 0, 0, 6e9);
    e.obs[3].joules = 1.5;
    assert_false(eb_energy_fit(&e, why, sizeof why));
    assert_non_null(strstr(why, "J per byte"));
}

static void calibrate__simulated_linear_meter__recovers_its_coefficients_within_5pct(void **state)
{
    eb_energy_work work;
    memset(&work, 0, sizeof work);
    eb_meter m;
    assert_true(eb_meter_sim_linear(&m, "2.0,1e-10,3e-11,5e-10", &work));
    static const char *const models[] = {"zoo:fmnist-mlp"};
    eb_energy_calib_opts o = {.seconds = 0.5, .repeats = 2, .triad_bytes = (size_t)8 << 20, .work = &work,
                              .models = models, .n_models = 1};
    eb_calib_energy e;
    char why[400] = "";
    bool ok = eb_energy_calibrate(&m, &o, &e, why, sizeof why);
    eb_meter_close(&m);
    if (!ok)
        print_error("%s\n", why);
    assert_true(ok);
    assert_int_equal(e.n_fit, 8);
    assert_int_equal(e.n_heldout, 3); /* two mixes and the model */
    assert_string_equal(e.obs[e.n_fit + 2].workload, "fmnist-mlp");
    assert_true(e.obs[e.n_fit + 2].fp32_flops > 0);
    /* its bytes are DRAM bytes, by the cost model's split with this machine's
     * caches (0 where the model fits them): per inference, as the FLOPs are */
    eb_graph *g = NULL;
    eb_err err = {{0}};
    char sha[65];
    eb_shape_opts shape = {.batch = 1};
    assert_int_equal(eb_model_load("zoo:fmnist-mlp", &g, sha, &err), EB_OK);
    assert_int_equal(eb_graph_infer_shapes(g, &shape, eb_ref_eval, &err), EB_OK);
    eb_cost cost;
    eb_mem_levels ml;
    eb_graph_cost(g, &cost, NULL);
    eb_mem_levels_fill(g, NULL, &ml);
    eb_graph_free(g);
    double inferences = e.obs[e.n_fit + 2].fp32_flops / (double)cost.flops;
    assert_true(inferences >= 1 && inferences == floor(inferences));
    assert_true(e.obs[e.n_fit + 2].bytes == inferences * ml.bytes[EB_LEVEL_DRAM]);
    assert_string_equal(e.meter, "simulated");
    for (int i = 0; i < e.n_fit; i++) /* each window long enough for the meter */
        assert_true(e.obs[i].seconds >= 0.5 && e.obs[i].joules > 0);
    print_message("fitted %g W, %g J/fp32 FLOP, %g J/int8 op, %g J/byte; MAPE fit %.3f%%, held out %.3f%%\n",
                  e.static_w, e.j_per_fp32_flop, e.j_per_int8_op, e.j_per_byte, 100 * e.fit_mape,
                  100 * e.heldout_mape);
    assert_true(within(e.static_w, COEF[0], 0.05));
    assert_true(within(e.j_per_fp32_flop, COEF[1], 0.05));
    assert_true(within(e.j_per_int8_op, COEF[2], 0.05));
    assert_true(within(e.j_per_byte, COEF[3], 0.05));
    assert_true(e.heldout_mape < 0.05);
    /* a meter that does not parse */
    assert_false(eb_meter_sim_linear(&m, "2,1e-10", &work));
}

/* a calibration file with energy coefficients, as calibrate --energy writes it */
static void store(const char *path, const char *cpu, double mape)
{
    eb_calibration c;
    memset(&c, 0, sizeof c);
    snprintf(c.host, sizeof c.host, "h");
    snprintf(c.cpu, sizeof c.cpu, "%s", cpu);
    eb_calib_energy *e = &c.energy;
    e->present = true;
    snprintf(e->date, sizeof e->date, "2026-01-02T03:04:05Z");
    snprintf(e->meter, sizeof e->meter, "powercap");
    e->static_w = COEF[0], e->j_per_fp32_flop = COEF[1], e->j_per_int8_op = COEF[2], e->j_per_byte = COEF[3];
    e->fit_mape = 0.01;
    e->heldout_mape = mape;
    e->n_fit = 1;
    snprintf(e->obs[0].workload, sizeof e->obs[0].workload, "idle");
    e->obs[0].seconds = 1, e->obs[0].joules = 2, e->obs[0].fitted_j = 2;
    eb_err err = {{0}};
    assert_int_equal(eb_calibration_save(&c, path, &err), EB_OK);
}

static eb_energy_usage usage(const char *quant)
{
    eb_energy_usage u;
    memset(&u, 0, sizeof u);
    u.wall_s = 0.5, u.cpu_s = 0.5, u.inferences = 100;
    u.cost.macs = 1000000, u.cost.flops = 2500000, u.cost.bytes_moved = 400000;
    snprintf(u.quant, sizeof u.quant, "%s", quant);
    snprintf(u.device_kind, sizeof u.device_kind, "cpu");
    return u;
}

static void calibrated__own_file__the_model_and_the_mape_band(void **state)
{
    char path[1024];
    assert_true(eb_calibration_path(path, sizeof path));
    eb_energy_usage u = usage("none");
    eb_energy_est est;
    eb_energy_est_calibrated(&u, &est);
    assert_false(isfinite(est.j));
    assert_non_null(strstr(est.reason, "calibrate --energy"));
    store(path, "whatever", 0.2);
    eb_energy_est_calibrated(&u, &est);
    assert_string_equal(est.method, "calibrated");
    double j = COEF[0] * 0.005 + COEF[1] * 2.5e6 + COEF[3] * 4e5; /* fp32: every FLOP */
    assert_true(within(est.j, j, 1e-12));
    assert_true(within(est.band.low, 0.8 * j, 1e-12) && within(est.band.high, 1.2 * j, 1e-12));
    assert_false(est.relative_only);
    bool named = false;
    for (int i = 0; i < est.n_inputs; i++)
        named |= strcmp(est.inputs[i].name, "calibration") == 0 && strcmp(est.inputs[i].text, path) == 0;
    assert_true(named);
    /* int8: 2 per MAC are int8 ops, the rest fp32 */
    u = usage("int8");
    eb_energy_est_calibrated(&u, &est);
    j = COEF[0] * 0.005 + COEF[1] * 0.5e6 + COEF[2] * 2e6 + COEF[3] * 4e5;
    assert_true(within(est.j, j, 1e-12));
    /* the choice: calibrated before the other estimates ... */
    u = usage("none");
    eb_energy e;
    eb_energy_choose(&u, NULL, "no meter here", &e);
    assert_string_equal(e.method, "calibrated");
    assert_true(e.kind == EB_ENERGY_ESTIMATED);
    bool opcount = false;
    for (int i = 0; i < e.n_alts; i++)
        opcount |= strcmp(e.alts[i].method, "op_counts") == 0;
    assert_true(opcount);
    /* ... after a valid measurement */
    eb_energy meas;
    memset(&meas, 0, sizeof meas);
    meas.kind = EB_ENERGY_MEASURED, meas.valid = true, meas.joules_per_inference = 0.25;
    snprintf(meas.method, sizeof meas.method, "meter");
    eb_energy_choose(&u, &meas, "", &e);
    assert_string_equal(e.method, "meter");
}

static void calibrated__sibling_of_the_same_cpu_model__or_none(void **state)
{
    const char *cpu = eb_cpu_features_get()->brand;
    if (!cpu[0]) {
        skip(); /* no CPU model string on this machine: no sibling can be matched */
        return;
    }
    char own[1024], dir[1024], sib[1100];
    assert_true(eb_calibration_path(own, sizeof own));
    snprintf(dir, sizeof dir, "%s", own);
    *strrchr(dir, '/') = '\0';
    snprintf(sib, sizeof sib, "%s/otherhost-x.json", dir);
    store(sib, "a different CPU", 0.1);
    eb_energy_usage u = usage("none");
    eb_energy_est est;
    eb_energy_est_calibrated(&u, &est);
    assert_false(isfinite(est.j)); /* another CPU model's is not used */
    store(sib, cpu, 0.1);
    eb_energy_est_calibrated(&u, &est);
    assert_true(isfinite(est.j));
    bool named = false;
    for (int i = 0; i < est.n_inputs; i++)
        named |= strcmp(est.inputs[i].name, "calibration") == 0 && strcmp(est.inputs[i].text, sib) == 0;
    assert_true(named);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fit__exact_windows__the_coefficients_and_a_zero_mape),
        cmocka_unit_test(calibrate__simulated_linear_meter__recovers_its_coefficients_within_5pct),
        cmocka_unit_test_setup(calibrated__own_file__the_model_and_the_mape_band, cache_dir),
        cmocka_unit_test_setup(calibrated__sibling_of_the_same_cpu_model__or_none, cache_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
