/* test_merge.c - `edgebench merge` (reports/merge.c): device ids, each
 * device's provenance kept, results tagged, bad inputs refused; and the
 * device-wise pairing of compare on merged sets (reports/compare.c).
 *
 * The per-device documents are small JSON texts written here with the
 * keys merge reads; what a merged document must hold follows from
 * merge.h, not from the code. */
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

#include "reports/compare.h"
#include "reports/merge.h"
#include "reports/results_devices.h"

static const char SHA_A[65] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char SHA_B[65] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/* A per-device document: host, CPU brand, kernel, commit, start time. */
static cJSON *doc_of(const char *host, const char *brand, const char *kernel, const char *commit, const char *time,
                     int schema)
{
    char text[2048];
    snprintf(text, sizeof text,
             "{\"schema_version\": %d,"
             " \"tool\": {\"name\": \"edgebench\", \"version\": \"0.1.0\", \"git_commit\": \"%s\","
             "  \"compiler\": \"gcc\", \"cflags\": \"-O2\"},"
             " \"run\": {\"command_line\": [\"run\"], \"start_time\": \"%s\", \"seed\": 1,"
             "  \"settings\": {\"runs\": 3, \"cv_threshold\": 0.05}},"
             " \"device\": {\"cpu\": {\"arch\": \"aarch64\", \"vendor\": \"ARM\", \"brand\": \"%s\"},"
             "  \"memory\": {\"total_bytes\": 4294967296}, \"os\": \"Debian\", \"kernel\": \"%s\","
             "  \"hostname\": \"%s\"},"
             " \"models\": [{\"name\": \"mlp\", \"sha256\": \"%s\"}],"
             " \"results\": [{\"model\": \"mlp\", \"variant\": {\"spec\": \"cpu\"}, \"status\": \"ok\"},"
             "  {\"model\": \"mlp\", \"variant\": {\"spec\": \"ref\"}, \"status\": \"ok\"}]}",
             schema, commit, time, brand, kernel, host, SHA_A);
    cJSON *d = cJSON_Parse(text);
    assert_non_null(d);
    return d;
}

static const eb_merge_info INFO = {"0.1.0", "abc123", "2026-12-08T01:00:00Z", 0, NULL};

static eb_status merge2(cJSON *a, cJSON *b, const char *na, const char *nb, cJSON **out, eb_err *err)
{
    eb_merge_input in[2] = {{"dir/a.json", na}, {"b.json", nb}};
    const cJSON *docs[2] = {a, b};
    char sha[2][65];
    memcpy(sha[0], SHA_A, 65);
    memcpy(sha[1], SHA_B, 65);
    return eb_merge_docs(in, docs, sha, 2, &INFO, out, err);
}

static const char *sget(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- device ids ---- */

static void device_id__is_the_host_and_a_hash_stable_across_kernels(void **state)
{
    (void)state;
    cJSON *a = doc_of("board-1", "Cortex-A72", "6.1.0", "c1", "2026-12-01T00:00:00Z", 1);
    cJSON *b = doc_of("board-1", "Cortex-A72", "6.6.9", "c2", "2026-12-02T00:00:00Z", 1);
    cJSON *c = doc_of("board-1", "Cortex-A76", "6.1.0", "c1", "2026-12-01T00:00:00Z", 1);
    char ia[EB_DEVICE_ID_MAX], ib[EB_DEVICE_ID_MAX], ic[EB_DEVICE_ID_MAX];
    eb_merge_device_id(cJSON_GetObjectItem(a, "device"), ia);
    eb_merge_device_id(cJSON_GetObjectItem(b, "device"), ib);
    eb_merge_device_id(cJSON_GetObjectItem(c, "device"), ic);
    assert_int_equal(strncmp(ia, "board-1-", 8), 0);
    assert_int_equal(strlen(ia), strlen("board-1-") + 8);
    assert_string_equal(ia, ib);     /* a kernel upgrade keeps the id */
    assert_string_not_equal(ia, ic); /* another CPU is another device */
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
}

static void device_id__replaces_odd_hostname_characters(void **state)
{
    (void)state;
    cJSON *a = doc_of("my board/1", "x", "k", "c", "2026-12-01T00:00:00Z", 1);
    char id[EB_DEVICE_ID_MAX];
    eb_merge_device_id(cJSON_GetObjectItem(a, "device"), id);
    assert_int_equal(strncmp(id, "my_board_1-", 11), 0);
    assert_true(eb_merge_name_ok(id));
    assert_false(eb_merge_name_ok("a b"));
    assert_false(eb_merge_name_ok(""));
    cJSON_Delete(a);
}

/* ---- merging ---- */

static void merge__keeps_each_devices_provenance_and_tags_results(void **state)
{
    (void)state;
    cJSON *a = doc_of("board-1", "Cortex-A72", "6.1", "c1", "2026-12-01T00:00:00Z", 1);
    cJSON *b = doc_of("phone-2", "Cortex-A55", "5.10", "c2", "2026-12-01T00:05:00Z", 1);
    cJSON *m = NULL;
    eb_err err = {{0}};
    assert_int_equal(merge2(a, b, NULL, "pixel", &m, &err), EB_OK);
    const cJSON *devs = cJSON_GetObjectItem(m, "devices");
    assert_int_equal(cJSON_GetArraySize(devs), 2);
    const cJSON *d0 = cJSON_GetArrayItem(devs, 0), *d1 = cJSON_GetArrayItem(devs, 1);
    char id0[EB_DEVICE_ID_MAX];
    eb_merge_device_id(cJSON_GetObjectItem(a, "device"), id0);
    assert_string_equal(sget(d0, "id"), id0);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(d0, "name")));
    assert_string_equal(sget(d1, "id"), "pixel");
    assert_string_equal(sget(d1, "name"), "pixel");
    assert_string_equal(sget(d1, "host"), "phone-2");
    /* provenance: the file, its digest, its commit, start time and settings */
    assert_string_equal(sget(cJSON_GetObjectItem(d0, "source"), "file"), "a.json");
    assert_string_equal(sget(cJSON_GetObjectItem(d0, "source"), "sha256"), SHA_A);
    assert_string_equal(sget(cJSON_GetObjectItem(d1, "source"), "sha256"), SHA_B);
    assert_string_equal(sget(cJSON_GetObjectItem(d1, "tool"), "git_commit"), "c2");
    assert_string_equal(sget(cJSON_GetObjectItem(d1, "run"), "start_time"), "2026-12-01T00:05:00Z");
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(d1, "run"), "settings"));
    assert_string_equal(sget(cJSON_GetObjectItem(cJSON_GetObjectItem(d1, "device"), "cpu"), "brand"), "Cortex-A55");
    /* every result, tagged with its device; the shared model once */
    const cJSON *res = cJSON_GetObjectItem(m, "results");
    assert_int_equal(cJSON_GetArraySize(res), 4);
    assert_string_equal(sget(cJSON_GetArrayItem(res, 0), "device_id"), id0);
    assert_string_equal(sget(cJSON_GetArrayItem(res, 3), "device_id"), "pixel");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(m, "models")), 1);
    assert_string_equal(sget(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "merge"), "tool"), "git_commit"), "abc123");
    /* the inputs are not changed */
    assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(a, "results"), 0), "device_id"));
    cJSON_Delete(m);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void merge__refuses_the_same_device_twice_without_names(void **state)
{
    (void)state;
    cJSON *a = doc_of("board-1", "Cortex-A72", "6.1", "c1", "2026-12-01T00:00:00Z", 1);
    cJSON *b = doc_of("board-1", "Cortex-A72", "6.1", "c1", "2026-12-02T00:00:00Z", 1);
    cJSON *m = NULL;
    eb_err err = {{0}};
    assert_int_equal(merge2(a, b, NULL, NULL, &m, &err), EB_EINVAL);
    assert_null(m);
    assert_non_null(strstr(err.msg, "the same device"));
    assert_non_null(strstr(err.msg, "--name"));
    /* one name given twice is refused as well */
    assert_int_equal(merge2(a, b, "x", "x", &m, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "both named x"));
    /* two names tell them apart */
    assert_int_equal(merge2(a, b, "night1", "night2", &m, &err), EB_OK);
    cJSON_Delete(m);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

static void merge__refuses_other_schemas_merged_and_foreign_documents(void **state)
{
    (void)state;
    cJSON *a = doc_of("board-1", "A72", "6.1", "c1", "2026-12-01T00:00:00Z", 1);
    cJSON *b = doc_of("board-2", "A72", "6.1", "c1", "2026-12-01T00:00:00Z", 2);
    cJSON *m = NULL, *foreign = cJSON_Parse("{\"hello\": 1}");
    eb_err err = {{0}};
    assert_int_equal(merge2(a, b, NULL, NULL, &m, &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "b.json: schema_version 2, but dir/a.json has 1"));
    assert_int_equal(merge2(a, foreign, NULL, NULL, &m, &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "b.json: no schema_version"));
    cJSON *c = doc_of("board-2", "A72", "6.1", "c1", "2026-12-01T00:00:00Z", 1);
    assert_int_equal(merge2(a, c, NULL, NULL, &m, &err), EB_OK);
    cJSON *m2 = NULL;
    assert_int_equal(merge2(m, a, NULL, NULL, &m2, &err), EB_EFORMAT);
    assert_null(m2);
    assert_non_null(strstr(err.msg, "already a merged document"));
    cJSON_Delete(m);
    cJSON_Delete(c);
    cJSON_Delete(foreign);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

/* ---- compare on merged sets ---- */

static void add(eb_result_set *s, const char *device_id, const char *spec, double median)
{
    eb_result *grown = realloc(s->results, (size_t)(s->n + 1) * sizeof *grown);
    assert_non_null(grown);
    s->results = grown;
    eb_result *r = &s->results[s->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->model_name, sizeof r->model_name, "mlp");
    snprintf(r->variant.spec, sizeof r->variant.spec, "%s", spec);
    snprintf(r->device, sizeof r->device, "cpu");
    snprintf(r->device_id, sizeof r->device_id, "%s", device_id);
    r->status = EB_RESULT_OK;
    r->n_samples = 40;
    r->samples_ms = malloc(40 * sizeof *r->samples_ms);
    assert_non_null(r->samples_ms);
    for (int i = 0; i < 40; i++) /* a spread of +-2%, evenly */
        r->samples_ms[i] = median * (0.98 + 0.04 * i / 39.0);
    r->peak_rss_bytes = 10 << 20;
}

static void compare__pairs_results_device_by_device_with_a_verdict_each(void **state)
{
    (void)state;
    eb_result_set base = {.path = "base.json", .n_devices = 2}, new = {.path = "new.json", .n_devices = 2};
    add(&base, "board", "cpu", 2.0);
    add(&base, "phone", "cpu", 5.0);
    add(&new, "phone", "cpu", 6.0); /* in NEW's order: the phone first, 20% slower */
    add(&new, "board", "cpu", 2.0);
    eb_comparison c;
    eb_err err = {{0}};
    eb_compare_opts o = eb_compare_opts_default();
    assert_int_equal(eb_compare_sets(&base, &new, &o, &c, &err), EB_OK);
    assert_int_equal(c.count.paired, 2); /* each with its own device: no board-phone pair */
    for (int i = 0; i < c.n; i++)
        assert_string_equal(c.pairs[i].base->device_id, c.pairs[i].new->device_id);
    const char *ids[8];
    assert_int_equal(eb_compare_devices(&c, ids, 8), 2);
    assert_string_equal(ids[0], "board");
    assert_string_equal(ids[1], "phone");
    eb_compare_counts k;
    eb_compare_count(&c, "board", &k);
    assert_int_equal(k.regressed, 0);
    assert_int_equal(k.same, 1);
    eb_compare_count(&c, "phone", &k);
    assert_int_equal(k.regressed, 1);
    assert_int_equal(k.slower, 1);
    cJSON *j = eb_compare_json(&c);
    const cJSON *devs = cJSON_GetObjectItem(j, "devices");
    assert_int_equal(cJSON_GetArraySize(devs), 2);
    assert_string_equal(sget(cJSON_GetArrayItem(devs, 0), "verdict"), "ok");
    assert_string_equal(sget(cJSON_GetArrayItem(devs, 1), "verdict"), "regressed");
    assert_non_null(sget(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "pairs"), 0), "device_id"));
    cJSON_Delete(j);
    eb_comparison_free(&c);
    eb_results_free(&base);
    eb_results_free(&new);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(device_id__is_the_host_and_a_hash_stable_across_kernels),
        cmocka_unit_test(device_id__replaces_odd_hostname_characters),
        cmocka_unit_test(merge__keeps_each_devices_provenance_and_tags_results),
        cmocka_unit_test(merge__refuses_the_same_device_twice_without_names),
        cmocka_unit_test(merge__refuses_other_schemas_merged_and_foreign_documents),
        cmocka_unit_test(compare__pairs_results_device_by_device_with_a_verdict_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
