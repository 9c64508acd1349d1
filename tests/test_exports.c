/* test_exports.c - the dashboard exports (reports/export.h) on records
 * built here: github-action-benchmark JSON (gab), Bencher Metric Format
 * (bmf), OpenMetrics text and the JUnit XML of a comparison.  Each test
 * has a result with every figure, one whose figures are partly unknown
 * (no CI, no memory, an estimated energy) and one that failed, and names
 * that need escaping in the format at hand; what is unknown must be absent,
 * never 0, and an estimate must be marked as one.  The real consumers
 * (jsonschema, promtool, xmllint) check the files in tests/cli/test_exports.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/export.h"

/* ---- records ------------------------------------------------------------- */

#define ODD_MODEL "net\"<&>'\\x"  /* a quote, markup, a backslash */

static void base_result(eb_result *r, const char *model, const char *spec)
{
    memset(r, 0, sizeof *r);
    snprintf(r->model_name, sizeof r->model_name, "%s", model);
    snprintf(r->variant.spec, sizeof r->variant.spec, "%s", spec);
    snprintf(r->device, sizeof r->device, "cpu");
    r->status = EB_RESULT_OK;
    r->energy.kind = EB_ENERGY_UNAVAILABLE;
    r->energy.joules_per_inference = NAN;
    r->energy.band.low = r->energy.band.high = NAN;
}

/* [0] every figure, energy measured; [1] 3 samples (no CI), memory unknown,
 * energy estimated with a band; [2] failed; [3] energy estimated but
 * relative only (must not be exported) */
static double samples0[8] = {2, 2, 2, 2, 2, 2, 2, 2};
static double samples1[3] = {4, 4, 4};
static void make_results(eb_result r[4])
{
    base_result(&r[0], "mlp", "cpu:threads=2");
    r[0].n_samples = 8;
    r[0].samples_ms = samples0;
    r[0].latency = (eb_latency_stats){.n = 8, .median = 2.0, .ci_available = true, .ci_low = 1.5, .ci_high = 2.5};
    r[0].peak_rss_bytes = 1000000;
    r[0].energy.kind = EB_ENERGY_MEASURED;
    r[0].energy.valid = true;
    r[0].energy.joules_per_inference = 0.25;
    snprintf(r[0].energy.method, sizeof r[0].energy.method, "meter");
    snprintf(r[0].energy.source, sizeof r[0].energy.source, "powercap");

    base_result(&r[1], ODD_MODEL, "ref");
    r[1].n_samples = 3;
    r[1].samples_ms = samples1;
    r[1].latency = (eb_latency_stats){.n = 3, .median = 4.0, .ci_available = false, .ci_low = NAN, .ci_high = NAN};
    r[1].energy.kind = EB_ENERGY_ESTIMATED;
    r[1].energy.valid = true;
    r[1].energy.joules_per_inference = 0.5;
    r[1].energy.band.low = 0.25;
    r[1].energy.band.high = 1.0;
    snprintf(r[1].energy.method, sizeof r[1].energy.method, "dvfs_table");
    snprintf(r[1].energy.source, sizeof r[1].energy.source, "power_profile.xml");

    base_result(&r[2], "mlp", "cuda");
    r[2].status = EB_RESULT_FAILED;
    snprintf(r[2].error, sizeof r[2].error, "no GPU");

    base_result(&r[3], "mlp", "cpu:quant=int8");
    r[3].n_samples = 8;
    r[3].samples_ms = samples0;
    r[3].latency = (eb_latency_stats){.n = 8, .median = 2.0, .ci_available = false};
    r[3].energy.kind = EB_ENERGY_ESTIMATED;
    r[3].energy.valid = true;
    r[3].energy.relative_only = true;
    r[3].energy.joules_per_inference = 0.125;
}

static eb_export_point *points(eb_result r[4])
{
    make_results(r);
    eb_export_point *p = NULL;
    eb_err err = {{0}};
    assert_int_equal(eb_export_points_from_results(r, 4, "farm-7", "abc123", "2026-12-08T01:02:03Z", &p, &err), EB_OK);
    assert_non_null(p);
    return p;
}

/* the text a writer produced */
typedef struct text {
    char *buf;
    size_t len;
    FILE *f;
} text;

static void text_open(text *t)
{
    t->buf = NULL;
    t->len = 0;
    t->f = open_memstream(&t->buf, &t->len);
    assert_non_null(t->f);
}

static char *text_close(text *t)
{
    assert_int_equal(fclose(t->f), 0);
    return t->buf;
}

/* ---- points ---------------------------------------------------------------- */

static void points__unknown_figures__are_nan_and_estimates_keep_their_kind(void **state)
{
    (void)state;
    eb_result r[4];
    eb_export_point *p = points(r);
    char name[512];
    assert_string_equal(eb_export_name(&p[0], name, sizeof name), "mlp/cpu:threads=2/cpu@farm-7");
    assert_true(p[0].median_ms == 2.0 && p[0].ci_low_ms == 1.5 && p[0].peak_rss_bytes == 1e6);
    assert_int_equal(p[0].energy_kind, EB_ENERGY_MEASURED);
    assert_true(isnan(p[1].ci_low_ms) && isnan(p[1].peak_rss_bytes));
    assert_int_equal(p[1].energy_kind, EB_ENERGY_ESTIMATED);
    assert_true(isnan(p[2].median_ms) && isnan(p[2].energy_j));
    assert_string_equal(p[2].status, "failed");
    assert_true(isnan(p[3].energy_j)); /* relative only: not an absolute figure */
    assert_int_equal(p[0].time_ms, 1796691723000LL);
    assert_true(isnan(eb_export_throughput(0)) && eb_export_throughput(2.0) == 500.0);
    p[0].host[0] = '\0';
    assert_string_equal(eb_export_name(&p[0], name, sizeof name), "mlp/cpu:threads=2/cpu");
    free(p);
}

static void parse_time__iso_forms__and_garbage_is_zero(void **state)
{
    (void)state;
    assert_int_equal(eb_export_parse_time("1970-01-01T00:00:01Z"), 1000);
    assert_int_equal(eb_export_parse_time("1970-01-01T00:00:01.250Z"), 1250);
    assert_int_equal(eb_export_parse_time("yesterday"), 0);
    assert_int_equal(eb_export_parse_time(""), 0);
    assert_int_equal(eb_export_parse_time(NULL), 0);
}

/* ---- gab ------------------------------------------------------------------- */

static const cJSON *gab_entry(const cJSON *arr, const char *name)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
    {
        if (strcmp(cJSON_GetObjectItem(e, "name")->valuestring, name) == 0)
            return e;
    }
    return NULL;
}

static void gab__entries_units_and_what_is_left_out(void **state)
{
    (void)state;
    eb_result r[4];
    eb_export_point *p = points(r);
    text t;
    text_open(&t);
    eb_err err = {{0}};
    assert_int_equal(eb_emit_gab(t.f, p, 4, &err), EB_OK);
    cJSON *d = cJSON_Parse(text_close(&t));
    assert_non_null(d); /* the odd name is escaped as JSON */
    /* [0]: latency, memory, energy; [1]: latency, energy (estimated); [2]: none; [3]: latency */
    assert_int_equal(cJSON_GetArraySize(d), 6);
    const cJSON *e = gab_entry(d, "mlp/cpu:threads=2/cpu@farm-7 latency");
    assert_non_null(e);
    assert_string_equal(cJSON_GetObjectItem(e, "unit")->valuestring, "ms");
    assert_true(cJSON_GetObjectItem(e, "value")->valuedouble == 2.0);
    assert_string_equal(cJSON_GetObjectItem(e, "range")->valuestring, "95% CI 1.5 to 2.5");
    e = gab_entry(d, "mlp/cpu:threads=2/cpu@farm-7 peak memory");
    assert_true(e && cJSON_GetObjectItem(e, "value")->valuedouble == 1e6);
    e = gab_entry(d, "mlp/cpu:threads=2/cpu@farm-7 energy");
    assert_non_null(e);
    assert_string_equal(cJSON_GetObjectItem(e, "unit")->valuestring, "J");
    assert_non_null(strstr(cJSON_GetObjectItem(e, "extra")->valuestring, "measured by meter (powercap)"));

    e = gab_entry(d, ODD_MODEL "/ref/cpu@farm-7 latency");
    assert_non_null(e);
    assert_null(cJSON_GetObjectItem(e, "range")); /* no CI: no range, not "0 to 0" */
    assert_null(gab_entry(d, ODD_MODEL "/ref/cpu@farm-7 peak memory"));
    assert_null(gab_entry(d, ODD_MODEL "/ref/cpu@farm-7 energy"));
    e = gab_entry(d, ODD_MODEL "/ref/cpu@farm-7 energy (estimated)");
    assert_non_null(e);
    assert_non_null(strstr(cJSON_GetObjectItem(e, "extra")->valuestring, "estimated by dvfs_table"));
    assert_string_equal(cJSON_GetObjectItem(e, "range")->valuestring, "0.25 to 1");

    assert_null(gab_entry(d, "mlp/cuda/cpu@farm-7 latency"));
    assert_null(gab_entry(d, "mlp/cpu:quant=int8/cpu@farm-7 energy (estimated)"));
    const cJSON *x;
    cJSON_ArrayForEach(x, d) assert_true(cJSON_GetObjectItem(x, "value")->valuedouble != 0);
    cJSON_Delete(d);
    free(t.buf);
    free(p);
}

static void gab__nothing_measured__is_an_empty_array(void **state)
{
    (void)state;
    text t;
    text_open(&t);
    eb_err err = {{0}};
    assert_int_equal(eb_emit_gab(t.f, NULL, 0, &err), EB_OK);
    assert_string_equal(text_close(&t), "[]\n");
    free(t.buf);
}

/* ---- bmf ------------------------------------------------------------------- */

static double measure(const cJSON *d, const char *bench, const char *slug, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d, bench), slug), key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void bmf__measures_units_and_estimates_apart(void **state)
{
    (void)state;
    eb_result r[4];
    eb_export_point *p = points(r);
    text t;
    text_open(&t);
    eb_err err = {{0}};
    assert_int_equal(eb_emit_bmf(t.f, p, 4, &err), EB_OK);
    cJSON *d = cJSON_Parse(text_close(&t));
    assert_non_null(d);
    assert_int_equal(cJSON_GetArraySize(d), 3); /* the failed one has no benchmark */
    const char *a = "mlp/cpu:threads=2/cpu@farm-7", *b = ODD_MODEL "/ref/cpu@farm-7";
    assert_true(measure(d, a, "latency", "value") == 2e6); /* ns */
    assert_true(measure(d, a, "latency", "lower_value") == 1.5e6);
    assert_true(measure(d, a, "latency", "upper_value") == 2.5e6);
    assert_true(measure(d, a, "throughput", "value") == 500);
    assert_true(fabs(measure(d, a, "throughput", "lower_value") - 400) < 1e-9); /* 1000 / ci_high */
    assert_true(measure(d, a, "memory", "value") == 1e6);
    assert_true(measure(d, a, "energy", "value") == 0.25);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(d, a), "energy-estimated"));

    assert_true(isnan(measure(d, b, "latency", "lower_value")));
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(d, b), "memory"));
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(d, b), "energy"));
    assert_true(measure(d, b, "energy-estimated", "value") == 0.5);
    assert_true(measure(d, b, "energy-estimated", "lower_value") == 0.25);
    assert_null(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "mlp/cpu:quant=int8/cpu@farm-7"), "energy-estimated"));
    cJSON_Delete(d);
    free(t.buf);
    free(p);
}

static void bmf__one_name_twice__the_later_wins(void **state)
{
    (void)state;
    eb_result r[4];
    eb_export_point *p = points(r);
    p[3] = p[0];
    p[3].median_ms = 3.0;
    text t;
    text_open(&t);
    eb_err err = {{0}};
    assert_int_equal(eb_emit_bmf(t.f, p, 4, &err), EB_OK);
    cJSON *d = cJSON_Parse(text_close(&t));
    assert_int_equal(cJSON_GetArraySize(d), 2);
    assert_true(measure(d, "mlp/cpu:threads=2/cpu@farm-7", "latency", "value") == 3e6);
    cJSON_Delete(d);
    free(t.buf);
    free(p);
}

/* ---- openmetrics ------------------------------------------------------------- */

static char *openmetrics(bool timestamps)
{
    eb_result r[4];
    eb_export_point *p = points(r);
    text t;
    text_open(&t);
    eb_err err = {{0}};
    assert_int_equal(eb_emit_openmetrics(t.f, p, 4, timestamps, &err), EB_OK);
    free(p);
    return text_close(&t);
}

static void openmetrics__labels_escaped_units_base_and_unknown_left_out(void **state)
{
    (void)state;
    char *s = openmetrics(false);
    const char *lb = "{model=\"mlp\",variant=\"cpu:threads=2\",device=\"cpu\",host=\"farm-7\"";
    char want[512];
    snprintf(want, sizeof want, "edgebench_latency_seconds%s,stat=\"median\"} 0.002\n", lb);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof want, "edgebench_latency_seconds%s,stat=\"ci95_high\"} 0.0025\n", lb);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof want, "edgebench_throughput_inferences_per_second%s} 500\n", lb);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof want, "edgebench_peak_rss_bytes%s} 1000000\n", lb);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof want,
             "edgebench_energy_per_inference_joules%s,energy_kind=\"measured\",energy_method=\"meter\","
             "energy_source=\"powercap\"} 0.25\n",
             lb);
    assert_non_null(strstr(s, want));
    /* the odd name: \" and \\ escaped; its estimate marked */
    const char *odd = "{model=\"net\\\"<&>'\\\\x\",variant=\"ref\",device=\"cpu\",host=\"farm-7\"";
    snprintf(want, sizeof want, "edgebench_latency_seconds%s,stat=\"median\"} 0.004\n", odd);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof want, "edgebench_energy_per_inference_joules%s,energy_kind=\"estimated\"", odd);
    assert_non_null(strstr(s, want));
    snprintf(want, sizeof want, "edgebench_latency_seconds%s,stat=\"ci95_low\"}", odd);
    assert_null(strstr(s, want)); /* no CI: no sample */
    snprintf(want, sizeof want, "edgebench_peak_rss_bytes%s}", odd);
    assert_null(strstr(s, want));
    /* the failed one: ok 0 with its status, and no figure */
    assert_non_null(strstr(s, "edgebench_result_ok{model=\"mlp\",variant=\"cuda\",device=\"cpu\",host=\"farm-7\","
                               "status=\"failed\"} 0\n"));
    assert_null(strstr(s, "variant=\"cuda\",device=\"cpu\",host=\"farm-7\",stat="));
    assert_null(strstr(s, "variant=\"cpu:quant=int8\",device=\"cpu\",host=\"farm-7\",energy_kind"));
    assert_non_null(strstr(s, "# TYPE edgebench_latency_seconds gauge\n# UNIT edgebench_latency_seconds seconds\n"));
    assert_true(strlen(s) > 6 && strcmp(s + strlen(s) - 6, "# EOF\n") == 0);
    free(s);
}

static void openmetrics__timestamps__in_seconds_only_when_asked(void **state)
{
    (void)state;
    char *s = openmetrics(true);
    assert_non_null(strstr(s, "stat=\"median\"} 0.002 1796691723.000\n"));
    free(s);
    s = openmetrics(false);
    assert_null(strstr(s, "1796691723"));
    free(s);
}

static void openmetrics__a_label_with_a_newline__is_escaped(void **state)
{
    (void)state;
    eb_export_point p = {0};
    snprintf(p.model, sizeof p.model, "a\nb");
    snprintf(p.status, sizeof p.status, "ok");
    p.median_ms = 1;
    p.ci_low_ms = p.ci_high_ms = p.peak_rss_bytes = p.energy_j = NAN;
    text t;
    text_open(&t);
    eb_err err = {{0}};
    assert_int_equal(eb_emit_openmetrics(t.f, &p, 1, false, &err), EB_OK);
    char *s = text_close(&t);
    assert_non_null(strstr(s, "model=\"a\\nb\""));
    free(s);
}

/* ---- junit ------------------------------------------------------------------- */

static void xml_escape__markup_controls_and_bad_utf8(void **state)
{
    (void)state;
    text t;
    text_open(&t);
    eb_xml_escape(t.f, "a<b>&\"c'\t\x01\xC3\xA9\xFF\xE2\x82");
    char *s = text_close(&t);
    /* markup as entities, tab kept, U+0001 and the two bad sequences as U+FFFD, é kept */
    assert_string_equal(s, "a&lt;b&gt;&amp;&quot;c&apos;\t\xEF\xBF\xBD\xC3\xA9\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    free(s);
}

static void add_result(eb_result_set *s, const char *model, const char *spec, int n, double ms)
{
    eb_result *g = realloc(s->results, (size_t)(s->n + 1) * sizeof *g);
    assert_non_null(g);
    s->results = g;
    eb_result *r = &s->results[s->n++];
    base_result(r, model, spec);
    r->n_samples = n;
    r->samples_ms = malloc((size_t)n * sizeof *r->samples_ms);
    assert_non_null(r->samples_ms);
    for (int i = 0; i < n; i++)
        r->samples_ms[i] = ms * (1 + 0.001 * (i % 7));
    r->peak_rss_bytes = 10 << 20;
}

static void junit__regression_is_a_failure_unavailable_is_skipped(void **state)
{
    (void)state;
    eb_result_set base = {0}, new = {0};
    snprintf(base.path, sizeof base.path, "base.json");
    snprintf(new.path, sizeof new.path, "new&.json");
    add_result(&base, "m<1>", "cpu", 30, 1.0);
    add_result(&new, "m<1>", "cpu", 30, 2.0); /* twice as slow */
    add_result(&base, "m<1>", "ref", 30, 1.0);
    add_result(&new, "m<1>", "ref", 30, 1.0);
    add_result(&base, "m<1>", "cpu:quant=int8", 30, 1.0); /* only in BASE */
    eb_compare_opts o = eb_compare_opts_default();
    eb_comparison c;
    eb_err err = {{0}};
    assert_int_equal(eb_compare_sets(&base, &new, &o, &c, &err), EB_OK);
    text t;
    text_open(&t);
    assert_int_equal(eb_emit_junit(t.f, &c, base.path, new.path, &err), EB_OK);
    char *s = text_close(&t);
    /* 2 pairs x (status, latency, accuracy, memory) + 1 unpaired */
    assert_non_null(strstr(s, "<testsuites name=\"edgebench compare base.json new&amp;.json\" tests=\"9\" "
                              "failures=\"1\" errors=\"0\">"));
    assert_non_null(strstr(s, "<testsuite name=\"m&lt;1&gt;\" tests=\"9\" failures=\"1\" errors=\"0\" "
                              "skipped=\"3\">"));
    const char *f = strstr(s, "<testcase classname=\"m&lt;1&gt;/cpu/cpu\" name=\"latency\">\n      <failure "
                              "type=\"regression\" message=\"latency regressed\">slower: median 1.003 ms in BASE");
    assert_non_null(f);
    assert_null(strstr(strstr(f, "</failure>"), "<failure")); /* the only one */
    assert_non_null(strstr(s, "classname=\"m&lt;1&gt;/ref/cpu\" name=\"latency\">\n      <system-out>same:"));
    assert_non_null(strstr(s, "name=\"accuracy\">\n      <skipped message=\"no task metric"));
    assert_non_null(strstr(s, "classname=\"m&lt;1&gt;/cpu:quant=int8/cpu\" name=\"present\">\n      <skipped "
                              "message=\"only in BASE: not compared\"/>"));
    free(s);
    eb_comparison_free(&c);
    eb_results_free(&base);
    eb_results_free(&new);
}

static void compare_format_parse__names(void **state)
{
    (void)state;
    assert_int_equal(eb_compare_format_parse("junit"), EB_CMP_JUNIT);
    assert_int_equal(eb_compare_format_parse("openmetrics"), EB_CMP_OPENMETRICS);
    assert_int_equal(eb_compare_format_parse("md"), EB_CMP_MD);
    assert_int_equal(eb_compare_format_parse("xml"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(points__unknown_figures__are_nan_and_estimates_keep_their_kind),
        cmocka_unit_test(parse_time__iso_forms__and_garbage_is_zero),
        cmocka_unit_test(gab__entries_units_and_what_is_left_out),
        cmocka_unit_test(gab__nothing_measured__is_an_empty_array),
        cmocka_unit_test(bmf__measures_units_and_estimates_apart),
        cmocka_unit_test(bmf__one_name_twice__the_later_wins),
        cmocka_unit_test(openmetrics__labels_escaped_units_base_and_unknown_left_out),
        cmocka_unit_test(openmetrics__timestamps__in_seconds_only_when_asked),
        cmocka_unit_test(openmetrics__a_label_with_a_newline__is_escaped),
        cmocka_unit_test(xml_escape__markup_controls_and_bad_utf8),
        cmocka_unit_test(junit__regression_is_a_failure_unavailable_is_skipped),
        cmocka_unit_test(compare_format_parse__names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
