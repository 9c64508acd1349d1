/* test_emit.c - what `edgebench run` prints: the terminal table's cells
 * (durations in the unit that suits them, the fallback count, hyperfine's
 * relative column), its layout (full names, aligned columns, the `!`
 * legend), the CSV's integers and columns, and the progress line's ETA.
 *
 * Expected strings are spelled out by hand; layouts are checked by
 * counting characters (UTF-8 aware), not against a captured table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/progress.h"
#include "reports/emit_text.h"

/* ---- helpers ------------------------------------------------------------ */

/* Everything written to f since it was opened; the caller frees it. */
static char *contents(FILE *f)
{
    long n = ftell(f);
    rewind(f);
    char *buf = calloc((size_t)n + 1, 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* Characters (not bytes) from s up to p. */
static int chars_between(const char *s, const char *p)
{
    int w = 0;
    for (; s < p; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static eb_result ok_result(const char *name, const char *path, const char *spec, double median_ms)
{
    eb_result r;
    memset(&r, 0, sizeof r);
    snprintf(r.model_name, sizeof r.model_name, "%s", name);
    snprintf(r.model, sizeof r.model, "%s", path);
    snprintf(r.variant.spec, sizeof r.variant.spec, "%s", spec);
    r.status = EB_RESULT_OK;
    r.n_samples = 64; /* enough for a p90 */
    r.latency.median = median_ms;
    r.latency.p90 = median_ms * 1.1;
    r.latency.p90_available = true;
    r.latency.cv = 0.01;
    return r;
}

/* ---- durations ---------------------------------------------------------- */

static void duration_cell__picks_the_unit_and_three_or_four_digits(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(eb_duration_cell(0.0482, b, sizeof b), "48.2 µs");
    assert_string_equal(eb_duration_cell(0.0005, b, sizeof b), "500.0 ns");
    assert_string_equal(eb_duration_cell(0.000836, b, sizeof b), "836.0 ns");
    assert_string_equal(eb_duration_cell(1.234, b, sizeof b), "1.23 ms");
    assert_string_equal(eb_duration_cell(123.44, b, sizeof b), "123.4 ms");
    assert_string_equal(eb_duration_cell(1234.5, b, sizeof b), "1.23 s");
    assert_string_equal(eb_duration_cell(0.99999, b, sizeof b), "1.00 ms"); /* not "1000.0 µs" */
    assert_string_equal(eb_duration_cell(NAN, b, sizeof b), "-");
    assert_string_equal(eb_duration_cell(-1, b, sizeof b), "-");
}

static void duration_cell__never_prints_zero_for_a_positive_time(void **state)
{
    (void)state;
    /* 1 ns to 100 s: the number is in [1, 1000) with 3 or 4 significant digits */
    for (double ms = 1.7e-6; ms < 1e5; ms *= 3.1) {
        char b[32];
        eb_duration_cell(ms, b, sizeof b);
        double v = strtod(b, NULL);
        assert_true(v >= 1 && v < 1000);
        size_t digits = strspn(b, "0123456789.") - 1; /* one '.' */
        assert_true(digits == 3 || digits == 4);
        assert_null(strstr(b, "0.000"));
    }
}

/* ---- fallbacks and the relative column ---------------------------------- */

static void fallback_count__sums_the_counts_of_each_op(void **state)
{
    (void)state;
    assert_int_equal(eb_fallback_count(""), 0);
    assert_int_equal(eb_fallback_count("Conv x1"), 1);
    assert_int_equal(eb_fallback_count("Conv x1, Pad x2"), 3);
    assert_int_equal(eb_fallback_count("Gemm x12, Conv x1, Resize x3"), 16);
    assert_int_equal(eb_fallback_count("Foo"), 1); /* an op without a count is one */
}

static void ratio_cell__is_hyperfines_relative_column(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(eb_ratio_cell(3.2, 1.0, b, sizeof b), "×3.20");
    assert_string_equal(eb_ratio_cell(0.31, 1.0, b, sizeof b), "×0.31");
    assert_string_equal(eb_ratio_cell(2.0, 2.0, b, sizeof b), "×1.00");
    assert_string_equal(eb_ratio_cell(25.0, 1.0, b, sizeof b), "×25.0");
    assert_string_equal(eb_ratio_cell(0.041, 1.0, b, sizeof b), "×0.041");
    assert_string_equal(eb_ratio_cell(0.0071, 1.0, b, sizeof b), "×0.0071");
    assert_string_equal(eb_ratio_cell(0.00031, 1.0, b, sizeof b), "×0.00031");
    assert_string_equal(eb_ratio_cell(0.00001, 1.0, b, sizeof b), "×<0.0001"); /* at most 8 characters */
    assert_string_equal(eb_ratio_cell(1.0, NAN, b, sizeof b), "-");
    assert_string_equal(eb_ratio_cell(1.0, 0.0, b, sizeof b), "-");
}

/* ---- the table ---------------------------------------------------------- */

static void table__full_names_aligned_columns_and_new_cells(void **state)
{
    (void)state;
    static const char long_name[] = "a_model_with_a_rather_long_descriptive_name";
    eb_model_info models[3];
    memset(models, 0, sizeof models);
    models[0].path = "/m/a_model_with_a_rather_long_descriptive_name.onnx";
    snprintf(models[0].name, sizeof models[0].name, "%s", long_name);
    models[1].path = "/x/net/model.onnx";
    snprintf(models[1].name, sizeof models[1].name, "net");
    models[2].path = "/y/net/model.onnx";
    snprintf(models[2].name, sizeof models[2].name, "net");
    const char *variants[2] = {"ref", "cpu:threads=4,quant=int8-static"};
    eb_table t;
    eb_table_init(&t, models, 3, 0.05);
    for (int i = 0; i < 2; i++)
        eb_table_fit_variant(&t, variants[i]);

    eb_result base = ok_result(long_name, models[0].path, "ref", 1.0);
    base.is_baseline = true;
    eb_result fast = ok_result(long_name, models[0].path, variants[1], 0.0005);
    snprintf(fast.fallbacks, sizeof fast.fallbacks, "Conv x1, Pad x2");
    eb_result other = ok_result("net", models[2].path, "ref", 1.0);
    FILE *f = tmpfile();
    assert_non_null(f);
    eb_emit_table_header(f, &t);
    eb_emit_table_row(f, &t, &base, base.latency.median);
    eb_emit_table_row(f, &t, &fast, base.latency.median);
    eb_emit_table_row(f, &t, &other, NAN);
    eb_emit_table_footer(f, &t);
    char *out = contents(f);

    char *lines[8];
    int n = 0;
    for (char *save = NULL, *l = strtok_r(out, "\n", &save); l && n < 8; l = strtok_r(NULL, "\n", &save))
        lines[n++] = l;
    assert_int_equal(n, 4); /* header, 3 rows, no legend: no row is unstable */
    assert_non_null(strstr(lines[1], long_name));
    assert_non_null(strstr(lines[2], "cpu:threads=4,quant=int8-static"));
    assert_non_null(strstr(lines[3], "/y/net/model.onnx")); /* two models are called net */
    assert_non_null(strstr(lines[2], "500.0 ns")); /* "0.000" before */
    assert_non_null(strstr(lines[2], "550.0 ns"));
    assert_non_null(strstr(lines[1], "×1.00"));
    assert_non_null(strstr(lines[2], "×0.00050"));
    /* every line has its status column at the same character */
    int col = chars_between(lines[0], strstr(lines[0], "status"));
    for (int i = 1; i < 4; i++)
        assert_int_equal(chars_between(lines[i], strstr(lines[i], " ok") + 1), col);
    /* and the fallbacks column, right-aligned, ends where its header does */
    int fb_end = chars_between(lines[0], strstr(lines[0], "fallbacks") + strlen("fallbacks"));
    assert_int_equal(chars_between(lines[2], strstr(lines[2], "3  ok") + 1), fb_end);
    assert_int_equal(chars_between(lines[1], strstr(lines[1], "0  ok") + 1), fb_end);
    free(out);
}

/* preempted samples and a throttled clock: one "noise:" line under the row; none without them */
static void table__noise_line_under_a_preempted_or_throttled_row(void **state)
{
    (void)state;
    eb_model_info m;
    memset(&m, 0, sizeof m);
    m.path = "/m/a.onnx";
    snprintf(m.name, sizeof m.name, "a");
    eb_table t;
    eb_table_init(&t, &m, 1, 0.05);
    eb_table_fit_variant(&t, "ref");
    eb_result r = ok_result("a", "/m/a.onnx", "ref", 1.0);
    r.counters.preempt_known = true;
    r.counters.runs = 200;
    r.counters.preempted_samples = 5;
    r.clock.freq_available = true;
    r.clock.throttled = true;
    r.clock.start_mhz = 3000;
    r.clock.min_mhz = 2400;
    eb_result quiet = ok_result("a", "/m/a.onnx", "ref", 1.0);
    FILE *f = tmpfile();
    assert_non_null(f);
    eb_emit_table_row(f, &t, &quiet, NAN);
    eb_emit_table_row(f, &t, &r, NAN);
    char *out = contents(f);
    const char *noise = strstr(out, "noise: 5 of 200 samples preempted (2.5%); throttled: 3000 MHz at the start, 2400 at the lowest\n");
    assert_non_null(noise);
    assert_null(strstr(noise + 1, "noise:")); /* the quiet row has none */
    assert_true(strstr(out, "noise:") == noise);
    free(out);
}

static void table__legend_for_the_mark_is_printed_once(void **state)
{
    (void)state;
    eb_model_info m;
    memset(&m, 0, sizeof m);
    m.path = "/m/a.onnx";
    snprintf(m.name, sizeof m.name, "a");
    eb_table t;
    eb_table_init(&t, &m, 1, 0.05);
    eb_table_fit_variant(&t, "ref");
    eb_result r = ok_result("a", "/m/a.onnx", "ref", 1.0);
    r.latency.cv = 0.2;
    r.latency.unstable = true;
    FILE *f = tmpfile();
    assert_non_null(f);
    eb_emit_table_row(f, &t, &r, NAN);
    eb_emit_table_row(f, &t, &r, NAN);
    eb_emit_table_footer(f, &t);
    char *out = contents(f);
    assert_non_null(strstr(out, "20.0%!"));
    const char *legend = strstr(out, "\n! CV above the 5% stability threshold");
    assert_non_null(legend);
    assert_null(strstr(legend + 1, "\n! ")); /* once */
    free(out);
}

/* ---- CSV ---------------------------------------------------------------- */

/* Index of column name in the CSV header line h, or -1. */
static int column(const char *h, const char *name)
{
    int i = 0;
    size_t n = strlen(name);
    for (const char *p = h; *p && *p != '\n'; i++) {
        size_t len = strcspn(p, ",\n");
        if (len == n && strncmp(p, name, n) == 0)
            return i;
        p += len;
        if (*p == ',')
            p++;
    }
    return -1;
}

/* Field i of the CSV line l (no quoted commas in these tests). */
static void field(const char *l, int i, char *out, size_t n)
{
    for (; i > 0; i--)
        l = strchr(l, ',') + 1;
    size_t len = strcspn(l, ",\n");
    snprintf(out, n, "%.*s", (int)len, l);
}

static void csv__integers_as_integers_and_the_new_columns(void **state)
{
    (void)state;
    eb_provenance prov;
    memset(&prov, 0, sizeof prov);
    snprintf(prov.start_time, sizeof prov.start_time, "2026-12-07T05:00:00Z");
    eb_run_settings settings = {.cv_threshold = 0.05};
    eb_result r = ok_result("m", "/m/m.onnx", "cpu", 1.5);
    snprintf(r.model_sha256, sizeof r.model_sha256, "%064d", 7);
    r.variant.threads = 1;
    r.n_samples = 1234567;
    r.peak_rss_bytes = 14311424; /* printed as 1.43114e+07 before */
    r.weight_bytes = 219864;
    r.activation_bytes = 123456789;
    r.cost.params = 3475008;
    r.cost.flops = INT64_C(14311424000);
    r.task.available = true;
    snprintf(r.task.metric, sizeof r.task.metric, "top1_accuracy");
    snprintf(r.task.dataset, sizeof r.task.dataset, "fashion-mnist");
    r.task.correct = 9124;
    r.task.count = 10000;
    r.task.value = 0.9124;
    eb_report_doc d = {.prov = &prov, .settings = &settings, .results = &r, .n_results = 1};
    FILE *f = tmpfile();
    assert_non_null(f);
    eb_emit_csv(f, &d);
    char *out = contents(f);
    const char *row = strchr(out, '\n') + 1;
    char v[128];
    static const char *const integers[] = {"threads", "n", "peak_rss_bytes", "weight_bytes", "activation_bytes",
                                           "params", "flops", "task_correct", "task_count"};
    regex_t re;
    assert_int_equal(regcomp(&re, "^-?[0-9]+$", REG_EXTENDED | REG_NOSUB), 0);
    for (size_t i = 0; i < sizeof integers / sizeof *integers; i++) {
        int c = column(out, integers[i]);
        assert_true(c >= 0);
        field(row, c, v, sizeof v);
        if (regexec(&re, v, 0, NULL, 0) != 0)
            fail_msg("column %s is '%s', not an integer", integers[i], v);
    }
    regfree(&re);
    field(row, column(out, "peak_rss_bytes"), v, sizeof v);
    assert_string_equal(v, "14311424");
    field(row, column(out, "flops"), v, sizeof v);
    assert_string_equal(v, "14311424000");
    assert_true(column(out, "task_value") >= 0);
    field(row, column(out, "task_value"), v, sizeof v);
    assert_float_equal(strtod(v, NULL), 0.9124, 1e-9);
    assert_true(column(out, "task_metric") >= 0 && column(out, "model_sha256") >= 0 && column(out, "start_time") >= 0);
    field(row, column(out, "model_sha256"), v, sizeof v);
    assert_string_equal(v, "\"0000000000000000000000000000000000000000000000000000000000000007\"");
    field(row, column(out, "start_time"), v, sizeof v);
    assert_string_equal(v, "\"2026-12-07T05:00:00Z\"");
    free(out);
}

/* ---- the progress line -------------------------------------------------- */

static eb_progress_view view(eb_phase phase, int64_t done, int64_t count, double phase_elapsed)
{
    eb_progress_view v = {.index = 1, .total = 1, .model = "m", .spec = "cpu", .now = 100,
                          .sweep_start = 100 - phase_elapsed - 2, .variant_start = 100 - phase_elapsed - 1,
                          .phase_start = 100 - phase_elapsed, .phase = phase, .done = done, .count = count,
                          .runs = count, .max_time_s = 60};
    return v;
}

static void progress__eta_of_a_variant_from_its_rate(void **state)
{
    (void)state;
    eb_progress_view v = view(EB_PHASE_TIMED, 50, 100, 1.0); /* 20 ms a run, 50 to go */
    assert_float_equal(eb_progress_phase_eta(&v), 1.0, 1e-9);
    v.min_time_s = 5; /* --min-time 5: 4 s to go */
    assert_float_equal(eb_progress_phase_eta(&v), 4.0, 1e-9);
    v.max_time_s = 2; /* --max-time 2 caps it */
    assert_float_equal(eb_progress_phase_eta(&v), 1.0, 1e-9);
    v = view(EB_PHASE_EVAL, 300, 1000, 3.0);
    assert_float_equal(eb_progress_phase_eta(&v), 7.0, 1e-9);
    v = view(EB_PHASE_WARMUP, 1, 2, 0.1); /* 1 warm-up left, then 2 runs of 0.1 s */
    assert_float_equal(eb_progress_phase_eta(&v), 0.3, 1e-9);
    v = view(EB_PHASE_START, 0, 0, 1.0);
    assert_true(eb_progress_phase_eta(&v) < 0); /* unknown, not a guess */
}

static void progress__line_shows_phase_elapsed_and_etas(void **state)
{
    (void)state;
    char line[256];
    eb_progress_view v = view(EB_PHASE_EVAL, 300, 1000, 3.0);
    v.index = 3;
    v.total = 5;
    v.finished = 2;
    v.finished_s = 10; /* 5 s each: 2 after this one, which has 7 s left */
    eb_progress_format(&v, line, sizeof line);
    assert_string_equal(line, "[3/5] m cpu: eval 300/1000, 4.0 s, ETA 7.0 s | run 5.0 s, ETA 17 s");
    v = view(EB_PHASE_START, 0, 0, 0.5);
    v.total = 2;
    eb_progress_format(&v, line, sizeof line);
    assert_string_equal(line, "[1/2] m cpu: loading, 1.5 s, ETA - | run 2.5 s, ETA -");
    /* a silent baseline (ref not asked for) before variant 3 of 4: variants 3 and 4 are still to come */
    v = view(EB_PHASE_TIMED, 50, 100, 1.0);
    v.spec = NULL;
    v.index = 3;
    v.total = 4;
    v.finished = 2;
    v.finished_s = 8;
    eb_progress_format(&v, line, sizeof line);
    assert_string_equal(line, "[3/4] m ref (baseline): timed 50/100, 2.0 s, ETA 1.0 s | run 3.0 s, ETA 9.0 s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duration_cell__picks_the_unit_and_three_or_four_digits),
        cmocka_unit_test(duration_cell__never_prints_zero_for_a_positive_time),
        cmocka_unit_test(fallback_count__sums_the_counts_of_each_op),
        cmocka_unit_test(ratio_cell__is_hyperfines_relative_column),
        cmocka_unit_test(table__full_names_aligned_columns_and_new_cells),
        cmocka_unit_test(table__legend_for_the_mark_is_printed_once),
        cmocka_unit_test(table__noise_line_under_a_preempted_or_throttled_row),
        cmocka_unit_test(csv__integers_as_integers_and_the_new_columns),
        cmocka_unit_test(progress__eta_of_a_variant_from_its_rate),
        cmocka_unit_test(progress__line_shows_phase_elapsed_and_etas),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
