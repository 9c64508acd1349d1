/* test_record.c - the result record (reports/record.h) as bench fills it
 * and reports writes and reads it: eb_result_begin copies every key of the
 * runners' eb_variant into the record's plain fields, the energy every
 * result of this version carries is written exactly as before the record
 * had an energy field, and a figure survives a JSON round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bench/result.h"
#include "reports/emit.h"
#include "reports/results_load.h"
#include "tests/test_util.h"

static void begin__every_variant_key__copied_into_the_record(void **state)
{
    (void)state;
    eb_variant v = eb_variant_default("cpu");
    v.threads = 3;
    v.group = 64;
    v.device = 2;
    snprintf(v.prune, sizeof v.prune, "2:4");
    snprintf(v.quant, sizeof v.quant, "int4");
    snprintf(v.isa, sizeof v.isa, "avx2");
    snprintf(v.spec, sizeof v.spec, "cpu:threads=3,prune=2:4,quant=int4,group=64,device=2,isa=avx2");
    eb_result r;
    memset(&r, 0, sizeof r);
    eb_result_begin(&r, &v);
    assert_string_equal(r.variant.spec, v.spec);
    assert_string_equal(r.variant.runner, "cpu");
    assert_int_equal(r.variant.threads, 3);
    assert_string_equal(r.variant.prune, "2:4");
    assert_string_equal(r.variant.quant, "int4");
    assert_int_equal(r.variant.group, 64);
    assert_int_equal(r.variant.device, 2);
    assert_string_equal(r.variant.isa, "avx2");
}

/* a result that never reached its timed runs: unavailable and why, byte for byte */
static void begin__energy__unavailable_until_the_timed_runs(void **state)
{
    (void)state;
    eb_variant v = eb_variant_default("ref");
    eb_result r;
    memset(&r, 0, sizeof r);
    eb_result_begin(&r, &v);
    cJSON *o = eb_result_json(&r);
    assert_non_null(o);
    char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, "energy"));
    assert_string_equal(text, "{\"kind\":\"unavailable\",\"reason\":\"not measured or estimated: the variant did "
                              "not complete its timed runs\"}");
    free(text);
    cJSON_Delete(o);
}

/* a document written and read back: the record's energy, variant and
 * profile come back as they went */
static void energy_and_profile__written_and_loaded__the_same(void **state)
{
    (void)state;
    eb_variant v = eb_variant_default("cpu");
    snprintf(v.isa, sizeof v.isa, "generic");
    eb_result rs[2];
    memset(rs, 0, sizeof rs);
    for (int i = 0; i < 2; i++) {
        eb_result_begin(&rs[i], &v);
        snprintf(rs[i].model_name, sizeof rs[i].model_name, "m%d", i);
        snprintf(rs[i].device, sizeof rs[i].device, "cpu");
    }
    rs[1].energy.kind = EB_ENERGY_ESTIMATED;
    snprintf(rs[1].energy.source, sizeof rs[1].energy.source, "table");
    rs[1].energy.joules_per_inference = 0.25;
    rs[1].energy.reason[0] = '\0';
    eb_profile_node nodes[2] = {{"conv1", "Conv", 0.5}, {"fc", "Gemm", 0.25}};
    rs[1].profiled = true;
    rs[1].profile = nodes;
    rs[1].n_profile = 2;
    rs[1].profile_passes = 3;
    eb_provenance prov = {.version = "t", .git_commit = "t", .compiler = "t", .cflags = "t"};
    snprintf(prov.start_time, sizeof prov.start_time, "2026-01-01T00:00:00Z");
    eb_run_settings settings = {.runs = 1, .cv_threshold = 0.05};
    eb_report_doc d = {.prov = &prov, .settings = &settings, .results = rs, .n_results = 2};
    char path[512];
    snprintf(path, sizeof path, "%s/record.json", eb_test_tmpdir());
    eb_err err = {{0}};
    assert_int_equal(eb_emit_file(path, EB_FMT_JSON, &d, &err), EB_OK);
    eb_result_set set;
    if (eb_results_load(path, &set, &err) != EB_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(set.n, 2);
    const eb_energy *e0 = &set.results[0].energy, *e1 = &set.results[1].energy;
    assert_true(e0->kind == EB_ENERGY_UNAVAILABLE);
    assert_true(isnan(e0->joules_per_inference));
    assert_string_equal(e0->reason, rs[0].energy.reason);
    assert_true(e1->kind == EB_ENERGY_ESTIMATED);
    assert_string_equal(e1->source, "table");
    assert_true(e1->joules_per_inference == 0.25);
    assert_string_equal(e1->reason, "");
    assert_string_equal(set.results[1].variant.isa, "generic");
    assert_int_equal(set.results[1].variant.threads, 1);
    assert_int_equal(set.results[1].n_profile, 2);
    assert_string_equal(set.results[1].profile[1].name, "fc");
    assert_string_equal(set.results[1].profile[1].op, "Gemm");
    assert_true(set.results[1].profile[1].ms == 0.25);
    eb_results_free(&set);
}

/* a kind outside the schema is no figure: unavailable, saying which */
static void load__unknown_energy_kind__unavailable_with_the_kind_named(void **state)
{
    (void)state;
    const char *text = "{\"schema_version\":1,\"results\":[{\"model\":\"m\",\"variant\":{\"spec\":\"ref\"},"
                       "\"status\":\"ok\",\"energy\":{\"kind\":\"guessed\",\"joules_per_inference\":1}},"
                       "{\"model\":\"m\",\"variant\":{\"spec\":\"cpu\"},\"status\":\"ok\"}]}";
    char path[512];
    snprintf(path, sizeof path, "%s/kind.json", eb_test_tmpdir());
    assert_true(eb_test_write_file(path, text, strlen(text)));
    eb_result_set set;
    eb_err err = {{0}};
    if (eb_results_load(path, &set, &err) != EB_OK)
        fail_msg("%s", err.msg);
    assert_true(set.results[0].energy.kind == EB_ENERGY_UNAVAILABLE);
    assert_true(isnan(set.results[0].energy.joules_per_inference));
    assert_string_equal(set.results[0].energy.reason, "unknown energy kind \"guessed\"");
    assert_true(set.results[1].energy.kind == EB_ENERGY_UNAVAILABLE); /* no energy object */
    assert_string_equal(set.results[1].energy.reason, "not recorded");
    eb_results_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(begin__every_variant_key__copied_into_the_record),
        cmocka_unit_test(begin__energy__unavailable_until_the_timed_runs),
        cmocka_unit_test(energy_and_profile__written_and_loaded__the_same),
        cmocka_unit_test(load__unknown_energy_kind__unavailable_with_the_kind_named),
    };
    return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
