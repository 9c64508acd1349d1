/* test_calibration.c - the calibration file (bench/calibration.c) written
 * and read back, the thread count it picks for a variant, and the
 * roofline of a result from it, on hand-made peaks whose roofs are worked
 * out here: a memory-bound and a compute-bound point, fp32 and int8, and
 * the reasons when there is no roofline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/calibration.h"
#include "bench/peak_kernels.h"
#include "tests/test_util.h"

static int cache_dir(void **state)
{
    setenv("EDGEBENCH_CACHE_DIR", eb_test_tmpdir(), 1);
    return 0;
}

static eb_calibration two_points(void)
{
    eb_calibration c;
    memset(&c, 0, sizeof c);
    snprintf(c.host, sizeof c.host, "h");
    snprintf(c.cpu, sizeof c.cpu, "c");
    snprintf(c.date, sizeof c.date, "2026-01-02T03:04:05Z");
    c.n_points = 2;
    c.points[0] = (eb_calib_point){.threads = 1, .fp32_gflops = 100, .int8_gops = 400, .triad_gbytes_per_s = 10};
    c.points[1] = (eb_calib_point){.threads = 4, .fp32_gflops = 300, .int8_gops = 1200, .triad_gbytes_per_s = 20};
    return c;
}

static void save_load__round_trip__and_the_point_for_a_thread_count(void **state)
{
    char path[1024];
    assert_true(eb_calibration_path(path, sizeof path));
    assert_non_null(strstr(path, "/calibration/"));
    eb_calibration c = two_points(), back;
    eb_err err = {{0}};
    assert_int_equal(eb_calibration_save(&c, path, &err), EB_OK);
    assert_int_equal(eb_calibration_load(path, &back, &err), EB_OK);
    assert_string_equal(back.date, c.date);
    assert_int_equal(back.n_points, 2);
    assert_true(back.points[1].int8_gops == 1200);
    assert_int_equal(eb_calibration_point(&back, 1)->threads, 1);
    assert_int_equal(eb_calibration_point(&back, 3)->threads, 1); /* the largest not above */
    assert_int_equal(eb_calibration_point(&back, 8)->threads, 4);
    /* a file that is not one */
    FILE *f = fopen(path, "w");
    fputs("{\"format\": \"something else\"}", f);
    fclose(f);
    assert_int_equal(eb_calibration_load(path, &back, &err), EB_EFORMAT);
}

static eb_result result(const char *quant, int threads, double flops, double bytes, double gflops)
{
    eb_result r;
    memset(&r, 0, sizeof r);
    r.status = EB_RESULT_OK;
    snprintf(r.variant.quant, sizeof r.variant.quant, "%s", quant);
    r.variant.threads = threads;
    snprintf(r.device_kind, sizeof r.device_kind, "cpu");
    r.cost.flops = (int64_t)flops;
    r.cost.bytes_moved = (uint64_t)bytes;
    r.gflops_per_s = gflops;
    return r;
}

static void roofline_fill__memory_and_compute_bound__roof_and_share(void **state)
{
    char path[1024];
    eb_err err = {{0}};
    eb_calibration c = two_points();
    assert_true(eb_calibration_path(path, sizeof path));
    assert_int_equal(eb_calibration_save(&c, path, &err), EB_OK);
    /* intensity 2 FLOP/byte, 1 thread: roof min(100, 10 x 2) = 20, memory-bound */
    eb_result r = result("none", 1, 2e9, 1e9, 5);
    eb_roofline_fill(&r);
    assert_true(r.roofline.available);
    assert_string_equal(r.roofline.dtype, "fp32");
    assert_true(r.roofline.intensity == 2 && r.roofline.roof_gops == 20 && r.roofline.memory_bound);
    assert_true(r.roofline.share == 0.25);
    assert_string_equal(r.roofline.calibrated_at, "2026-01-02T03:04:05Z");
    assert_string_equal(r.roofline.reason, "");
    /* int8, 4 threads, intensity 100: roof min(1200, 20 x 100) = 1200, compute-bound */
    r = result("int8", 4, 1e11, 1e9, 600);
    eb_roofline_fill(&r);
    assert_string_equal(r.roofline.dtype, "int8");
    assert_int_equal(r.roofline.threads, 4);
    assert_true(r.roofline.roof_gops == 1200 && !r.roofline.memory_bound && r.roofline.share == 0.5);
    /* above the roof: said */
    r = result("none", 1, 2e9, 1e9, 40);
    eb_roofline_fill(&r);
    assert_true(r.roofline.share == 2);
    assert_non_null(strstr(r.roofline.reason, "above the DRAM roof"));
    /* a GPU result: not the host CPU's roof */
    r = result("none", 1, 2e9, 1e9, 5);
    snprintf(r.device_kind, sizeof r.device_kind, "gpu");
    eb_roofline_fill(&r);
    assert_false(r.roofline.available);
    assert_non_null(strstr(r.roofline.reason, "host CPU"));
}

static void roofline_fill__not_calibrated__says_so(void **state)
{
    eb_result r = result("none", 1, 2e9, 1e9, 5);
    eb_roofline_fill(&r);
    assert_false(r.roofline.available);
    assert_true(strncmp(r.roofline.reason, "not calibrated (run edgebench calibrate): ", 42) == 0);
}

/* every loop this build and CPU can run counts its operations: 2 per
 * multiply-accumulate, lanes x chains x iterations */
static void peak_loops__count_their_operations(void **state)
{
    double sink = 0;
    assert_true(eb_peak_fp32_loop(EB_ISA_GENERIC, 1000, &sink) == 1000.0 * 8 * 2);
    assert_true(eb_peak_int8_loop(EB_ISA_GENERIC, 1000, &sink) == 1000.0 * 8 * 2);
    eb_isa f = eb_peak_fp32_isa(), i8 = eb_peak_int8_isa();
    double per_iter_f = f == EB_ISA_AVX512 ? 16 * 16 * 2 : f == EB_ISA_AVX2 ? 12 * 8 * 2 : 8 * 2;
    double per_iter_i = i8 == EB_ISA_AVX512VNNI ? 16 * 64 * 2 : i8 == EB_ISA_AVXVNNI ? 12 * 32 * 2
                        : i8 == EB_ISA_AVX2     ? 8 * 32 * 2
                                                : 8 * 2;
    assert_true(eb_peak_fp32_loop(f, 1000, &sink) == 1000 * per_iter_f);
    assert_true(eb_peak_int8_loop(i8, 1000, &sink) == 1000 * per_iter_i);
    assert_true(isfinite(sink));
    double a[8], b[8] = {1, 2, 3, 4, 5, 6, 7, 8}, c[8] = {1, 1, 1, 1, 2, 2, 2, 2};
    eb_triad(a, b, c, 0.5, 2, 6);
    assert_true(a[2] == 3.5 && a[5] == 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(save_load__round_trip__and_the_point_for_a_thread_count, cache_dir),
        cmocka_unit_test_setup(roofline_fill__memory_and_compute_bound__roof_and_share, cache_dir),
        cmocka_unit_test_setup(roofline_fill__not_calibrated__says_so, cache_dir),
        cmocka_unit_test(peak_loops__count_their_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
