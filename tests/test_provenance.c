/* test_provenance.c - the environment a result records (issue 9, item 6):
 * every EB_* variable in effect, the CPU affinity, and whether profiling
 * was on, in eb_provenance and in the JSON document's run.environment and
 * each JSON Lines record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bench/provenance.h"
#include "bench/result.h"
#include "reports/emit.h"

static const char *var(const eb_environment *e, const char *name)
{
    for (int i = 0; i < e->n_vars; i++)
        if (strcmp(e->vars[i].name, name) == 0)
            return e->vars[i].value;
    return NULL;
}

static void environment__eb_vars__are_recorded_sorted_and_only_they(void **state)
{
    (void)state;
    setenv("EB_FOO", "1", 1);
    setenv("EB_AAA_TEST", "x=y", 1);
    setenv("NOT_EB_FOO", "2", 1);
    eb_environment e;
    eb_environment_get(&e);
    assert_non_null(var(&e, "EB_FOO"));
    assert_string_equal(var(&e, "EB_FOO"), "1");
    assert_string_equal(var(&e, "EB_AAA_TEST"), "x=y");
    assert_null(var(&e, "NOT_EB_FOO"));
    for (int i = 0; i < e.n_vars; i++) {
        assert_memory_equal(e.vars[i].name, "EB_", 3);
        if (i > 0)
            assert_true(strcmp(e.vars[i - 1].name, e.vars[i].name) < 0);
    }
    assert_false(e.profiling);
    unsetenv("EB_FOO");
    unsetenv("EB_AAA_TEST");
    unsetenv("NOT_EB_FOO");
    eb_environment_get(&e);
    assert_null(var(&e, "EB_FOO"));
}

static void check_environment_json(const cJSON *env, const eb_provenance *p)
{
    assert_true(cJSON_IsObject(env));
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(env, "eb_vars");
    assert_true(cJSON_IsObject(vars));
    const cJSON *foo = cJSON_GetObjectItemCaseSensitive(vars, "EB_FOO");
    assert_true(cJSON_IsString(foo));
    assert_string_equal(foo->valuestring, "1");
    const cJSON *aff = cJSON_GetObjectItemCaseSensitive(env, "affinity");
    assert_true(cJSON_IsString(aff));
    assert_string_equal(aff->valuestring, p->device.affinity);
    assert_true(*aff->valuestring);
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(env, "usable_cpus");
    assert_true(cJSON_IsNumber(n) && n->valueint == p->device.usable_cpus && n->valueint >= 1);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(env, "profiling")));
}

static void provenance__json_document_and_jsonl__carry_the_environment(void **state)
{
    (void)state;
    setenv("EB_FOO", "1", 1);
    static char *argv[] = {"edgebench", "run", NULL};
    eb_provenance p;
    eb_provenance_get(&p, 2, argv, 7);
    unsetenv("EB_FOO");
    assert_string_equal(var(&p.env, "EB_FOO"), "1");

    eb_run_settings settings;
    memset(&settings, 0, sizeof settings);
    eb_report_doc d = {.prov = &p, .settings = &settings};
    cJSON *doc = eb_document_json(&d);
    assert_non_null(doc);
    const cJSON *run = cJSON_GetObjectItemCaseSensitive(doc, "run");
    check_environment_json(cJSON_GetObjectItemCaseSensitive(run, "environment"), &p);
    cJSON_Delete(doc);

    /* a JSON Lines record stands alone: it carries the environment too */
    eb_result r;
    memset(&r, 0, sizeof r);
    eb_variant v = eb_variant_default("cpu");
    eb_result_begin(&r, &v);
    snprintf(r.model_name, sizeof r.model_name, "m");
    snprintf(r.isa, sizeof r.isa, "generic");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    eb_err err = {{0}};
    assert_int_equal(eb_emit_jsonl_record(f, &p, &r, &err), EB_OK);
    fclose(f);
    cJSON *rec = cJSON_Parse(buf);
    free(buf);
    assert_non_null(rec);
    check_environment_json(cJSON_GetObjectItemCaseSensitive(rec, "environment"), &p);
    const cJSON *isa = cJSON_GetObjectItemCaseSensitive(rec, "isa");
    assert_true(cJSON_IsString(isa));
    assert_string_equal(isa->valuestring, "generic");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(rec, "variant"), "isa")->valuestring,
                        "auto");
    cJSON_Delete(rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(environment__eb_vars__are_recorded_sorted_and_only_they),
        cmocka_unit_test(provenance__json_document_and_jsonl__carry_the_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
