/* test_report.c - the report: combining result files (labels, series,
 * colours, order), thread-scaling groups, the Pareto front, table cells,
 * energy honesty, and the escaping of every string that reaches gnuplot,
 * HTML or markdown.
 *
 * Expected values are built independently of the code under test: Pareto
 * fronts are planted (front points first, then points made worse than a
 * random front point on both axes), result files are written here as
 * JSON text with known numbers, escapes are spelled out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/html.h"
#include "reports/pareto.h"
#include "reports/plot_gnuplot.h"
#include "reports/report.h"
#include "reports/report_md.h"
#include "tests/test_util.h"

/* ---- helpers ------------------------------------------------------------ */

/* What f printed, through a temporary file: the caller frees it. */
typedef void (*print_fn)(FILE *f, const char *s);
static char *printed(print_fn fn, const char *s)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    fn(f, s);
    long n = ftell(f);
    rewind(f);
    char *buf = calloc((size_t)n + 1, 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return buf;
}

/* One result as JSON: median m with samples m*(1 +- small), optional
 * threads, status and energy. */
static void result_json(char *buf, size_t n, const char *model, const char *spec, int threads, const char *status,
                        double median, const char *energy)
{
    char samples[512] = "";
    size_t k = 0;
    for (int i = 0; i < 9; i++)
        k += (size_t)snprintf(samples + k, sizeof samples - k, "%s%.17g", i ? "," : "",
                              median * (1 + (i - 4) * 0.001));
    bool ok = strcmp(status, "ok") == 0;
    snprintf(buf, n,
             "{\"model\":\"%s\",\"variant\":{\"spec\":\"%s\",\"runner\":\"%.*s\",\"threads\":%d,"
             "\"prune\":\"none\",\"quant\":\"none\"},"
             "\"status\":\"%s\",\"error\":%s,"
             "\"latency\":{\"samples\":[%s],\"median\":%.17g,\"p90\":%.17g,\"cv\":0.01,"
             "\"median_ci95\":{\"low\":%.17g,\"high\":%.17g,\"coverage\":0.96}},"
             "\"memory\":{\"peak_rss_bytes\":1048576,\"weight_bytes\":2048},"
             "\"energy\":%s}",
             model, spec, (int)strcspn(spec, ":"), spec, threads, status, ok ? "null" : "\"it did not run\"",
             ok ? samples : "", ok ? median : 0,
             ok ? median * 1.0031 : 0, ok ? median * 0.9991 : 0, ok ? median * 1.0011 : 0,
             energy ? energy : "{\"kind\":\"unavailable\",\"reason\":\"no meter here\"}");
}

/* Writes a result document with the given results (JSON objects) to a
 * fresh path and returns it (static storage per slot). */
static const char *write_doc(int slot, const char *name, const char *start_time, const char *const *results, int n)
{
    static char paths[4][512];
    static char text[65536];
    size_t k = (size_t)snprintf(text, sizeof text,
                                "{\"schema_version\":1,\"tool\":{\"name\":\"edgebench\",\"version\":\"9.9\","
                                "\"git_commit\":\"abc\",\"compiler\":\"cc 1\",\"cflags\":\"-O2\"},"
                                "\"run\":{\"start_time\":\"%s\",\"command_line\":[\"run\",\"a b\",\"it's\"]},"
                                "\"device\":{\"hostname\":\"h\",\"os\":\"TestOS\",\"cpu\":{\"brand\":\"TestCPU\","
                                "\"arch\":\"x86_64\",\"physical_cores\":4,\"logical_cpus\":8},"
                                "\"memory\":{\"total_bytes\":1073741824}},\"results\":[",
                                start_time);
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(text + k, sizeof text - k, "%s%s", i ? "," : "", results[i]);
    snprintf(text + k, sizeof text - k, "]}");
    snprintf(paths[slot], sizeof paths[slot], "%s/%s", eb_test_tmpdir(), name);
    assert_true(eb_test_write_file(paths[slot], text, strlen(text)));
    return paths[slot];
}

static int find_series(const eb_report *rep, const char *label)
{
    for (int i = 0; i < rep->n_series; i++)
        if (strcmp(rep->series[i].label, label) == 0)
            return i;
    return -1;
}

/* ---- combining files ---------------------------------------------------- */

static void report_load__bad_file__fails_with_the_loaders_message(void **state)
{
    (void)state;
    char bad[512];
    snprintf(bad, sizeof bad, "%s/bad.json", eb_test_tmpdir());
    const char *text = "{\"schema_version\":1,\"results\":[{\"model\":\"m\"}]}";
    assert_true(eb_test_write_file(bad, text, strlen(text)));
    char r[2048];
    result_json(r, sizeof r, "m", "ref", 1, "ok", 1.0, NULL);
    const char *one[] = {r};
    const char *good = write_doc(0, "good.json", "2026-01-01T00:00:00Z", one, 1);
    const char *paths[] = {good, bad};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 2, &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "bad.json: a result lacks model, variant or a known status"));
    assert_int_equal(rep.n_sets, 0);
    assert_null(rep.entries);
}

static void report_load__no_files__fails(void **state)
{
    (void)state;
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, NULL, 0, &err), EB_EINVAL);
}

static void report_load__same_variant_in_two_files__labelled_by_start_time(void **state)
{
    (void)state;
    char a[3][2048], b[2][2048];
    result_json(a[0], sizeof a[0], "m1", "ref", 1, "ok", 2.0, NULL);
    result_json(a[1], sizeof a[1], "m1", "cpu", 1, "ok", 1.0, NULL);
    result_json(a[2], sizeof a[2], "m2", "cpu", 1, "unsupported", 0, NULL);
    result_json(b[0], sizeof b[0], "m1", "ref", 1, "ok", 3.0, NULL);
    result_json(b[1], sizeof b[1], "m1", "cpu:threads=2", 2, "ok", 0.6, NULL);
    const char *ra[] = {a[0], a[1], a[2]}, *rb[] = {b[0], b[1]};
    const char *paths[] = {write_doc(0, "a.json", "2026-01-01T00:00:00Z", ra, 3),
                           write_doc(1, "b.json", "2026-01-02T00:00:00Z", rb, 2)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 2, &err), EB_OK);
    assert_int_equal(rep.n_entries, 5);
    assert_int_equal(rep.n_models, 2);
    assert_string_equal(rep.models[0], "m1");
    assert_string_equal(rep.models[1], "m2");
    /* (m1, ref) is in both files: each file's ref is its own series;
     * "cpu" is in file a only (m1 and m2): one series */
    assert_int_equal(rep.n_series, 4);
    int ra_ = find_series(&rep, "ref @ 2026-01-01T00:00:00Z");
    int cpu = find_series(&rep, "cpu");
    int rb_ = find_series(&rep, "ref @ 2026-01-02T00:00:00Z");
    int t2 = find_series(&rep, "cpu:threads=2");
    /* numbered by first appearance: a's ref, a's cpu, b's ref, b's threads=2 */
    assert_int_equal(ra_, 0);
    assert_int_equal(cpu, 1);
    assert_int_equal(rb_, 2);
    assert_int_equal(t2, 3);
    for (int s = 0; s < 4; s++)
        assert_ptr_equal(rep.series[s].colour, eb_report_palette[s]);
    /* ordered by model, then series */
    const char *want[][2] = {{"m1", "ref"}, {"m1", "cpu"}, {"m1", "ref"}, {"m1", "cpu:threads=2"}, {"m2", "cpu"}};
    int want_set[] = {0, 0, 1, 1, 0};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(rep.entries[i].r->model_name, want[i][0]);
        assert_string_equal(rep.entries[i].r->variant.spec, want[i][1]);
        assert_int_equal(rep.entries[i].set, want_set[i]);
    }
    eb_report_free(&rep);
}

static void report_load__same_start_time__labelled_by_file_name(void **state)
{
    (void)state;
    char r[2048];
    result_json(r, sizeof r, "m", "ref", 1, "ok", 1.0, NULL);
    const char *one[] = {r};
    const char *paths[] = {write_doc(0, "night1.json", "2026-01-01T00:00:00Z", one, 1),
                           write_doc(1, "night2.json", "2026-01-01T00:00:00Z", one, 1)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 2, &err), EB_OK);
    assert_string_equal(rep.set_labels[0], "night1.json");
    assert_string_equal(rep.set_labels[1], "night2.json");
    assert_true(find_series(&rep, "ref @ night2.json") >= 0);
    eb_report_free(&rep);
}

/* ---- thread scaling ----------------------------------------------------- */

static void scaling_groups__threads_4_2_1_in_one_file__one_group_sorted(void **state)
{
    (void)state;
    char r[5][2048];
    result_json(r[0], sizeof r[0], "m", "cpu:threads=4", 4, "ok", 0.3, NULL);
    result_json(r[1], sizeof r[1], "m", "cpu:threads=2", 2, "ok", 0.55, NULL);
    result_json(r[2], sizeof r[2], "m", "cpu", 1, "ok", 1.0, NULL);
    result_json(r[3], sizeof r[3], "m", "cpu:threads=8", 8, "failed", 0, NULL); /* not ok: left out */
    result_json(r[4], sizeof r[4], "m", "ref", 1, "ok", 2.0, NULL);          /* another runner */
    const char *rs[] = {r[0], r[1], r[2], r[3], r[4]};
    const char *paths[] = {write_doc(0, "s.json", "2026-01-01T00:00:00Z", rs, 5)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 1, &err), EB_OK);
    eb_report_scaling *g;
    int n;
    char why[200];
    assert_int_equal(eb_report_scaling_groups(&rep, &g, &n, why, sizeof why, &err), EB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(g[0].label, "m: cpu");
    assert_int_equal(g[0].n, 3);
    int want_threads[] = {1, 2, 4};
    for (int i = 0; i < 3; i++)
        assert_int_equal(rep.entries[g[0].entries[i]].r->variant.threads, want_threads[i]);
    assert_string_equal(rep.series[g[0].series].spec, "cpu");
    eb_report_scaling_free(g, n);
    eb_report_free(&rep);
}

static void scaling_groups__other_keys__kept_apart_and_in_the_label(void **state)
{
    (void)state;
    char r[4][2048];
    result_json(r[0], sizeof r[0], "m", "cpu:threads=2,quant=int8", 2, "ok", 0.5, NULL);
    result_json(r[1], sizeof r[1], "m", "cpu:quant=int8", 1, "ok", 1.0, NULL);
    result_json(r[2], sizeof r[2], "m", "cpu:threads=2", 2, "ok", 0.5, NULL);
    result_json(r[3], sizeof r[3], "m", "cpu:prune=0.5", 1, "ok", 1.0, NULL);
    const char *rs[] = {r[0], r[1], r[2], r[3]};
    const char *paths[] = {write_doc(0, "s.json", "2026-01-01T00:00:00Z", rs, 4)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 1, &err), EB_OK);
    eb_report_scaling *g;
    int n;
    char why[200];
    assert_int_equal(eb_report_scaling_groups(&rep, &g, &n, why, sizeof why, &err), EB_OK);
    /* quant=int8 at 1 and 2 threads; threads=2 alone has no cpu at 1 */
    assert_int_equal(n, 1);
    assert_string_equal(g[0].label, "m: cpu:quant=int8");
    eb_report_scaling_free(g, n);
    eb_report_free(&rep);
}

static void scaling_groups__no_threads_1__none_with_the_reason(void **state)
{
    (void)state;
    char r[2][2048];
    result_json(r[0], sizeof r[0], "m", "cpu:threads=4", 4, "ok", 0.3, NULL);
    result_json(r[1], sizeof r[1], "m", "cpu:threads=2", 2, "ok", 0.55, NULL);
    const char *rs[] = {r[0], r[1]};
    const char *paths[] = {write_doc(0, "s.json", "2026-01-01T00:00:00Z", rs, 2)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 1, &err), EB_OK);
    eb_report_scaling *g;
    int n;
    char why[200];
    assert_int_equal(eb_report_scaling_groups(&rep, &g, &n, why, sizeof why, &err), EB_OK);
    assert_int_equal(n, 0);
    assert_non_null(strstr(why, "no threads=1 result"));
    eb_report_scaling_free(g, n);
    eb_report_free(&rep);
}

static void scaling_groups__thread_counts_in_separate_files__one_group_across_files(void **state)
{
    (void)state;
    char a[2048], b[2048];
    result_json(a, sizeof a, "m", "cpu", 1, "ok", 1.0, NULL);
    result_json(b, sizeof b, "m", "cpu:threads=2", 2, "ok", 0.5, NULL);
    const char *ra[] = {a}, *rb[] = {b};
    const char *paths[] = {write_doc(0, "a.json", "2026-01-01T00:00:00Z", ra, 1),
                           write_doc(1, "b.json", "2026-01-02T00:00:00Z", rb, 1)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 2, &err), EB_OK);
    eb_report_scaling *g;
    int n;
    char why[200];
    assert_int_equal(eb_report_scaling_groups(&rep, &g, &n, why, sizeof why, &err), EB_OK);
    assert_int_equal(n, 1);
    assert_int_equal(g[0].n, 2);
    assert_non_null(strstr(g[0].label, "several files"));
    eb_report_scaling_free(g, n);
    eb_report_free(&rep);
}

/* ---- table cells, provenance, energy ------------------------------------ */

static void report_cell__known_result__formats_each_column(void **state)
{
    (void)state;
    char r[2][2048];
    result_json(r[0], sizeof r[0], "m", "ref", 1, "ok", 0.25, NULL);
    result_json(r[1], sizeof r[1], "m", "cpu", 1, "unsupported", 0, NULL);
    const char *rs[] = {r[0], r[1]};
    const char *paths[] = {write_doc(0, "c.json", "2026-01-01T00:00:00Z", rs, 2)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 1, &err), EB_OK);
    char c[256];
    eb_report_cell(&rep, &rep.entries[0], EB_COL_MEDIAN, c, sizeof c);
    assert_string_equal(c, "0.2500");
    eb_report_cell(&rep, &rep.entries[0], EB_COL_P90, c, sizeof c);
    assert_string_equal(c, "0.2508"); /* 0.250775 to 4 digits */
    eb_report_cell(&rep, &rep.entries[0], EB_COL_CV, c, sizeof c);
    assert_string_equal(c, "1.0%");
    eb_report_cell(&rep, &rep.entries[0], EB_COL_CI, c, sizeof c);
    assert_string_equal(c, "0.2498 \u2013 0.2503");
    eb_report_cell(&rep, &rep.entries[0], EB_COL_PEAK, c, sizeof c);
    assert_string_equal(c, "1.0");
    eb_report_cell(&rep, &rep.entries[0], EB_COL_STATUS, c, sizeof c);
    assert_string_equal(c, "ok");
    eb_report_cell(&rep, &rep.entries[1], EB_COL_MEDIAN, c, sizeof c);
    assert_string_equal(c, "-");
    eb_report_cell(&rep, &rep.entries[1], EB_COL_STATUS, c, sizeof c);
    assert_string_equal(c, "unsupported: it did not run");
    /* provenance from the document; the command line shell-quoted */
    const char *key;
    char v[512];
    int n = eb_report_provenance(&rep, 0, 0, &key, v, sizeof v);
    bool saw_cmd = false, saw_cores = false;
    for (int i = 0; i < n; i++) {
        eb_report_provenance(&rep, 0, i, &key, v, sizeof v);
        if (strcmp(key, "command line") == 0) {
            assert_string_equal(v, "edgebench run 'a b' 'it'\\''s'");
            saw_cmd = true;
        }
        if (strcmp(key, "cores") == 0) {
            assert_string_equal(v, "4 physical, 8 logical");
            saw_cores = true;
        }
    }
    assert_true(saw_cmd && saw_cores);
    eb_report_free(&rep);
}

/* a p90 the samples could not support is null in the file: '-' in the
 * report's tables (markdown and HTML share these cells), never 0 */
static void report_cell__null_p90__is_a_dash(void **state)
{
    (void)state;
    char r[2048], nulled[2200];
    result_json(r, sizeof r, "m", "ref", 1, "ok", 0.25, NULL);
    char *p = strstr(r, "\"p90\":"), *end = strchr(p, ',');
    snprintf(nulled, sizeof nulled, "%.*s\"p90\":null,\"p90_reason\":\"needs n >= 64, have 9\"%s", (int)(p - r), r,
             end);
    const char *rs[] = {nulled};
    const char *paths[] = {write_doc(0, "n.json", "2026-01-01T00:00:00Z", rs, 1)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 1, &err), EB_OK);
    char c[256];
    eb_report_cell(&rep, &rep.entries[0], EB_COL_MEDIAN, c, sizeof c);
    assert_string_equal(c, "0.2500");
    eb_report_cell(&rep, &rep.entries[0], EB_COL_P90, c, sizeof c);
    assert_string_equal(c, "-");
    eb_report_free(&rep);
}

static void energy_summary__all_unavailable__says_unavailable_with_the_reason(void **state)
{
    (void)state;
    char r[2048];
    result_json(r, sizeof r, "m", "ref", 1, "ok", 1.0, NULL);
    const char *rs[] = {r};
    const char *paths[] = {write_doc(0, "e.json", "2026-01-01T00:00:00Z", rs, 1)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 1, &err), EB_OK);
    char s[512];
    assert_false(eb_report_energy_summary(&rep, s, sizeof s));
    assert_string_equal(s, "energy: unavailable (no meter here)");
    eb_report_free(&rep);
}

/* JSON Lines records carry their energy like a document's results: the
 * record has the field, so nothing is read from the raw JSON by position
 * (before, a JSON Lines input said "not read from JSON Lines input") */
static void energy_summary__json_lines__read_from_each_record(void **state)
{
    (void)state;
    char r[2][2048], text[8192], path[512];
    result_json(r[0], sizeof r[0], "m", "ref", 1, "ok", 1.0,
                "{\"kind\":\"measured\",\"source\":\"RAPL\",\"joules_per_inference\":0.002}");
    result_json(r[1], sizeof r[1], "m", "cpu", 1, "ok", 1.0, NULL);
    size_t k = 0;
    for (int i = 0; i < 2; i++) /* each line: the result plus the run's fields */
        k += (size_t)snprintf(text + k, sizeof text - k, "%.*s,\"schema_version\":1,\"run_start_time\":"
                              "\"2026-01-01T00:00:00Z\"}\n", (int)strlen(r[i]) - 1, r[i]);
    snprintf(path, sizeof path, "%s/e.jsonl", eb_test_tmpdir());
    assert_true(eb_test_write_file(path, text, strlen(text)));
    const char *paths[] = {path};
    eb_report rep;
    eb_err err = {{0}};
    if (eb_report_load(&rep, paths, 1, &err) != EB_OK)
        fail_msg("%s", err.msg);
    assert_null(rep.sets[0].doc); /* read as JSON Lines */
    char s[512];
    assert_true(eb_report_energy_summary(&rep, s, sizeof s));
    assert_non_null(strstr(s, "measured for 1 and estimated for 0 of 2"));
    assert_true(rep.entries[0].r->energy.kind == EB_ENERGY_MEASURED);
    assert_true(rep.entries[0].r->energy.joules_per_inference == 0.002);
    assert_string_equal(rep.entries[0].r->energy.source, "RAPL");
    assert_true(rep.entries[1].r->energy.kind == EB_ENERGY_UNAVAILABLE);
    assert_string_equal(rep.entries[1].r->energy.reason, "no meter here");
    eb_report_free(&rep);
}

static void energy_summary__measured_and_estimated__counted_apart(void **state)
{
    (void)state;
    char r[3][2048];
    result_json(r[0], sizeof r[0], "m", "ref", 1, "ok", 1.0,
                "{\"kind\":\"measured\",\"source\":\"RAPL\",\"joules_per_inference\":0.002}");
    result_json(r[1], sizeof r[1], "m", "cpu", 1, "ok", 1.0,
                "{\"kind\":\"estimated\",\"source\":\"table\",\"joules_per_inference\":0.001}");
    result_json(r[2], sizeof r[2], "m", "cpu:threads=2", 2, "ok", 1.0, "{\"kind\":\"measured\"}");
    const char *rs[] = {r[0], r[1], r[2]};
    const char *paths[] = {write_doc(0, "e.json", "2026-01-01T00:00:00Z", rs, 3)};
    eb_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_report_load(&rep, paths, 1, &err), EB_OK);
    char s[512];
    assert_true(eb_report_energy_summary(&rep, s, sizeof s));
    assert_non_null(strstr(s, "measured for 1 and estimated for 1 of 3"));
    assert_true(rep.entries[0].r->energy.joules_per_inference == 0.002);
    assert_true(isnan(rep.entries[2].r->energy.joules_per_inference)); /* "measured" without a number is no number */
    assert_non_null(strstr(rep.entries[2].r->energy.reason, "without joules"));
    eb_report_free(&rep);
}

/* ---- the Pareto front --------------------------------------------------- */

static void pareto_front__planted_front_among_dominated_points__found(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed();
    for (int round = 0; round < 50; round++) {
        int k = 1 + (int)(eb_test_rand(&rng) % 6), extra = (int)(eb_test_rand(&rng) % 30), n = k + extra;
        double cost[64], value[64];
        bool planted[64], got[64];
        /* front: cost and value both strictly increasing */
        double c = 0.1, v = 50;
        for (int i = 0; i < k; i++) {
            c += eb_test_uniform(&rng, 0.01f, 1.0f);
            v += eb_test_uniform(&rng, 0.01f, 5.0f);
            cost[i] = c;
            value[i] = v;
            planted[i] = true;
        }
        /* each other point is worse than some front point on both axes */
        for (int i = k; i < n; i++) {
            int j = (int)(eb_test_rand(&rng) % (uint64_t)k);
            cost[i] = cost[j] + eb_test_uniform(&rng, 0.001f, 2.0f);
            value[i] = value[j] - eb_test_uniform(&rng, 0.001f, 10.0f);
            planted[i] = false;
        }
        /* shuffle */
        for (int i = n - 1; i > 0; i--) {
            int j = (int)(eb_test_rand(&rng) % (uint64_t)(i + 1));
            double tc = cost[i], tv = value[i];
            bool tp = planted[i];
            cost[i] = cost[j], value[i] = value[j], planted[i] = planted[j];
            cost[j] = tc, value[j] = tv, planted[j] = tp;
        }
        assert_int_equal(eb_pareto_front(cost, value, n, got), k);
        for (int i = 0; i < n; i++)
            assert_int_equal(got[i], planted[i]);
    }
}

static void pareto_front__nan_point__never_on_front_and_dominates_nothing(void **state)
{
    (void)state;
    double cost[] = {1, NAN, 2, 0.5};
    double value[] = {1, 100, 3, NAN};
    bool on[4];
    assert_int_equal(eb_pareto_front(cost, value, 4, on), 2);
    assert_true(on[0] && !on[1] && on[2] && !on[3]);
}

static void pareto_front__equal_points__both_on_front(void **state)
{
    (void)state;
    double cost[] = {1, 1, 2};
    double value[] = {5, 5, 5}; /* the third is slower at the same value */
    bool on[3];
    assert_int_equal(eb_pareto_front(cost, value, 3, on), 2);
    assert_true(on[0] && on[1] && !on[2]);
}

/* ---- escaping ----------------------------------------------------------- */

static void gp_quote__quotes_and_control_characters__doubled_and_blanked(void **state)
{
    (void)state;
    char buf[64];
    eb_gp_quote("it's\na_b", buf, sizeof buf);
    assert_string_equal(buf, "'it''s a_b'");
    eb_gp_quote("abcdefgh", buf, 6); /* truncated, still closed */
    assert_string_equal(buf, "'ab'");
}

static void plot_stem__path_characters__replaced(void **state)
{
    (void)state;
    char buf[32];
    eb_plot_stem("../a b/c:d.onnx", buf, sizeof buf);
    assert_string_equal(buf, "_._a_b_c_d.onnx");
    eb_plot_stem("", buf, sizeof buf);
    assert_string_equal(buf, "_");
}

static void html_escape__markup__escaped(void **state)
{
    (void)state;
    char *s = printed(eb_html_escape, "<b a=\"x\">'&'</b>");
    assert_string_equal(s, "&lt;b a=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/b&gt;");
    free(s);
}

static void md_cell__pipe_angle_and_newline__escaped(void **state)
{
    (void)state;
    char *s = printed(eb_md_cell, "a|b<c>\nd");
    assert_string_equal(s, "a\\|b&lt;c&gt; d");
    free(s);
}

static void svg_inline__gnuplot_svg__ids_and_references_prefixed(void **state)
{
    (void)state;
    const char *in = "<?xml version=\"1.0\"?>\n<svg width=\"10\">\n<title>Gnuplot</title>"
                     "<g id=\"gnuplot_canvas\"><path id='gpPt1'/><use xlink:href='#gpPt1'/>"
                     "<g clip-path=\"url(#gpclip)\"/><a href=\"#x\"/></g></svg>";
    char *out = eb_html_svg_inline(in, "p3-");
    assert_non_null(out);
    assert_string_equal(out, "<svg width=\"10\">\n"
                             "<g id=\"p3-gnuplot_canvas\"><path id='p3-gpPt1'/><use xlink:href='#p3-gpPt1'/>"
                             "<g clip-path=\"url(#p3-gpclip)\"/><a href=\"#p3-x\"/></g></svg>");
    free(out);
}

static void svg_inline__no_svg_element__returns_null(void **state)
{
    (void)state;
    assert_null(eb_html_svg_inline("<html>not a plot</html>", "p0-"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(report_load__bad_file__fails_with_the_loaders_message),
        cmocka_unit_test(report_load__no_files__fails),
        cmocka_unit_test(report_load__same_variant_in_two_files__labelled_by_start_time),
        cmocka_unit_test(report_load__same_start_time__labelled_by_file_name),
        cmocka_unit_test(scaling_groups__threads_4_2_1_in_one_file__one_group_sorted),
        cmocka_unit_test(scaling_groups__other_keys__kept_apart_and_in_the_label),
        cmocka_unit_test(scaling_groups__no_threads_1__none_with_the_reason),
        cmocka_unit_test(scaling_groups__thread_counts_in_separate_files__one_group_across_files),
        cmocka_unit_test(report_cell__known_result__formats_each_column),
        cmocka_unit_test(report_cell__null_p90__is_a_dash),
        cmocka_unit_test(energy_summary__all_unavailable__says_unavailable_with_the_reason),
        cmocka_unit_test(energy_summary__json_lines__read_from_each_record),
        cmocka_unit_test(energy_summary__measured_and_estimated__counted_apart),
        cmocka_unit_test(pareto_front__planted_front_among_dominated_points__found),
        cmocka_unit_test(pareto_front__nan_point__never_on_front_and_dominates_nothing),
        cmocka_unit_test(pareto_front__equal_points__both_on_front),
        cmocka_unit_test(gp_quote__quotes_and_control_characters__doubled_and_blanked),
        cmocka_unit_test(plot_stem__path_characters__replaced),
        cmocka_unit_test(html_escape__markup__escaped),
        cmocka_unit_test(md_cell__pipe_angle_and_newline__escaped),
        cmocka_unit_test(svg_inline__gnuplot_svg__ids_and_references_prefixed),
        cmocka_unit_test(svg_inline__no_svg_element__returns_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
