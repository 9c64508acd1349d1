/* test_profile.c - per-node profiling (`run --profile`).
 *
 *  - each runner's profile(): the ref runner lists one entry per node it
 *    runs, in graph order, named and typed after the node; the cpu runner
 *    one per step, every node it runs named in exactly one entry (a fused
 *    Conv+Relu step lists both); times are >= 0; a too-short array gets the
 *    count; and the pass is a real inference (same outputs as run());
 *  - the harness: with profile on, the result carries the median per node
 *    over at least 3 passes, shares summing to 1, and exactly the timed
 *    samples asked for (profiling adds none), also through the forked
 *    child's pipe; with it off, no profile;
 *  - the JSON: a profiled result's "profile" object (nodes with name, op,
 *    ms, share), an unprofiled one's null, the reason when a runner cannot
 *    profile, and the loader reading it back. */
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

#include "bench/harness.h"
#include "bench/inputs.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "reports/emit.h"
#include "reports/results_load.h"
#include "runners/runner.h"
#include "tests/test_util.h"

static const char MODEL[] = "zoo:fmnist-cnn"; /* Conv+Relu, MaxPool, Flatten, Gemm: fusions and a layout change */
static const char *const ZOO[] = {"zoo:fmnist-mlp", "zoo:fmnist-cnn", "zoo:fmnist-dwsep", "zoo:fmnist-vit"};

typedef struct prepared {
    eb_graph *g;
    const eb_runner *r;
    eb_plan *p;
    eb_tensor *in, *out;
} prepared;

static void prepare_on(const char *runner, const char *model, prepared *x)
{
    memset(x, 0, sizeof *x);
    eb_err err = {{0}};
    if (eb_model_load(model, &x->g, NULL, &err) != EB_OK || eb_graph_infer_shapes(x->g, NULL, eb_ref_eval, &err) != EB_OK)
        fail_msg("%s: %s", model, err.msg);
    x->r = eb_runner_find(runner);
    assert_non_null(x->r);
    assert_non_null(x->r->profile);
    eb_variant v = eb_variant_default(runner);
    if (x->r->prepare(x->g, &v, &x->p, &err) != EB_OK)
        fail_msg("%s prepare: %s", runner, err.msg);
    x->in = calloc((size_t)x->g->n_inputs, sizeof *x->in);
    x->out = calloc((size_t)x->g->n_outputs, sizeof *x->out);
    assert_true(x->in && x->out);
    if (eb_inputs_random(x->g, 7, x->in, &err) != EB_OK)
        fail_msg("inputs: %s", err.msg);
    for (int i = 0; i < x->g->n_outputs; i++) {
        eb_tensor_copy_meta(&x->out[i], &x->g->values[x->g->outputs[i]].t);
        assert_int_equal(eb_tensor_alloc(&x->out[i], "out", &err), EB_OK);
    }
}

static void release(prepared *x)
{
    x->r->release(x->p);
    eb_inputs_free(x->in, x->g->n_inputs);
    eb_inputs_free(x->out, x->g->n_outputs);
    free(x->in);
    free(x->out);
    eb_graph_free(x->g);
}

/* Profiles x once with room for every entry; returns the entries (owned)
 * and their count in *n, after checking the outputs equal run()'s. */
static eb_node_time *profile_once(prepared *x, int *n)
{
    eb_err err = {{0}};
    assert_int_equal(x->r->run(x->p, x->in, x->out, &err), EB_OK);
    size_t bytes = eb_tensor_nbytes(&x->out[0]);
    void *want = malloc(bytes);
    assert_non_null(want);
    memcpy(want, x->out[0].data, bytes);
    memset(x->out[0].data, 0, bytes);

    int count = -1;
    assert_int_equal(x->r->profile(x->p, x->in, x->out, NULL, 0, &count, &err), EB_OK);
    assert_true(count > 1);
    /* too short: the count still comes back, nothing is written past max */
    eb_node_time two[2];
    memset(two, 0x5a, sizeof two);
    int again = -1;
    assert_int_equal(x->r->profile(x->p, x->in, x->out, two, 1, &again, &err), EB_OK);
    assert_int_equal(again, count);
    assert_true(two[0].ms >= 0 && *two[0].name);
    assert_int_equal(((unsigned char *)&two[1])[0], 0x5a);

    eb_node_time *t = calloc((size_t)count, sizeof *t);
    assert_non_null(t);
    assert_int_equal(x->r->profile(x->p, x->in, x->out, t, count, &again, &err), EB_OK);
    assert_int_equal(again, count);
    assert_memory_equal(x->out[0].data, want, bytes); /* the pass is a real inference */
    free(want);
    for (int k = 0; k < count; k++) {
        assert_true(t[k].ms >= 0 && isfinite(t[k].ms));
        assert_true(*t[k].name && *t[k].op);
    }
    *n = count;
    return t;
}

static void check_ref(const char *model)
{
    prepared x;
    prepare_on("ref", model, &x);
    int n = 0;
    eb_node_time *t = profile_once(&x, &n);
    int k = 0;
    for (int i = 0; i < x.g->n_nodes; i++) {
        if (x.g->nodes[i].folded)
            continue;
        assert_true(k < n);
        assert_string_equal(t[k].name, x.g->nodes[i].name);
        assert_string_equal(t[k].op, x.g->nodes[i].op_type);
        k++;
    }
    assert_int_equal(k, n);
    free(t);
    release(&x);
}

static void ref_profile__one_entry_per_node_in_graph_order(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof ZOO / sizeof ZOO[0]; m++)
        check_ref(ZOO[m]);
}

/* Whether name, split at '+', has the part `node`. */
static bool names(const char *name, const char *node)
{
    size_t len = strlen(node);
    for (const char *s = name; (s = strstr(s, node)) != NULL; s++)
        if ((s == name || s[-1] == '+') && (s[len] == '\0' || s[len] == '+'))
            return true;
    return false;
}

static void check_cpu(const char *model)
{
    prepared x;
    prepare_on("cpu", model, &x);
    int n = 0;
    eb_node_time *t = profile_once(&x, &n);
    for (int i = 0; i < x.g->n_nodes; i++) {
        if (x.g->nodes[i].folded)
            continue;
        int in = 0;
        for (int k = 0; k < n; k++)
            in += names(t[k].name, x.g->nodes[i].name);
        if (in != 1)
            fail_msg("%s: node '%s' is named by %d profile entries, expected 1", model, x.g->nodes[i].name, in);
    }
    if (strcmp(model, MODEL) == 0) {
        bool fused = false;
        for (int k = 0; k < n; k++)
            fused |= strcmp(t[k].op, "Conv+Relu") == 0 && strchr(t[k].name, '+') != NULL;
        assert_true(fused);
    }
    free(t);
    release(&x);
}

static void cpu_profile__every_node_in_one_entry_and_fused_steps_name_all(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof ZOO / sizeof ZOO[0]; m++)
        check_cpu(ZOO[m]);
}

static eb_run_opts opts(bool profile, bool isolate)
{
    eb_run_opts o = {.runs = 7, .warmup = 1, .max_time_s = 60, .timeout_s = 120, .cv_threshold = 0.05, .seed = 1,
                     .isolate = isolate, .profile = profile};
    return o;
}

static void run_harness(const char *runner, const eb_run_opts *o, eb_result *res)
{
    memset(res, 0, sizeof *res);
    snprintf(res->model, sizeof res->model, "%s", MODEL);
    snprintf(res->model_name, sizeof res->model_name, "fmnist-cnn");
    eb_variant v = eb_variant_default(runner);
    eb_isolate_run(MODEL, &v, o, false, res);
    if (res->status != EB_RESULT_OK)
        fail_msg("%s: %s", runner, res->error);
}

static void check_profiled(const eb_result *r, int runs)
{
    assert_true(r->profiled);
    assert_int_equal(r->n_samples, runs); /* the profiling passes added no sample */
    assert_true(r->n_profile > 1);
    assert_non_null(r->profile);
    assert_true(r->profile_passes >= 3);
    assert_true(r->profile_pass_ms > 0);
    double total = eb_result_profile_total_ms(r), shares = 0;
    assert_true(total > 0);
    for (int i = 0; i < r->n_profile; i++) {
        assert_true(r->profile[i].ms >= 0);
        shares += r->profile[i].ms / total;
    }
    assert_true(fabs(shares - 1) < 1e-9);
}

static void harness__profile_on__median_per_node_and_samples_unchanged(void **state)
{
    (void)state;
    const char *runners[] = {"ref", "cpu"};
    for (int i = 0; i < 2; i++)
        for (int isolate = 0; isolate <= 1; isolate++) {
            eb_run_opts o = opts(true, isolate);
            eb_result r;
            run_harness(runners[i], &o, &r);
            check_profiled(&r, 7);
            eb_result_free(&r);
        }
    eb_run_opts o = opts(false, true);
    eb_result r;
    run_harness("cpu", &o, &r);
    assert_false(r.profiled);
    assert_int_equal(r.n_profile, 0);
    assert_null(r.profile);
    assert_int_equal(r.n_samples, 7);
    eb_result_free(&r);
}

static void json__profile_object__written_and_read_back(void **state)
{
    (void)state;
    eb_run_opts o = opts(true, true);
    eb_result r;
    run_harness("cpu", &o, &r);
    cJSON *j = eb_result_json(&r);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "profiled")));
    const cJSON *p = cJSON_GetObjectItem(j, "profile"), *nodes = cJSON_GetObjectItem(p, "nodes"), *n;
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p, "available")));
    assert_int_equal(cJSON_GetObjectItem(p, "passes")->valueint, r.profile_passes);
    assert_int_equal(cJSON_GetArraySize(nodes), r.n_profile);
    double shares = 0;
    cJSON_ArrayForEach(n, nodes)
    {
        assert_true(cJSON_IsString(cJSON_GetObjectItem(n, "name")) && cJSON_IsString(cJSON_GetObjectItem(n, "op")));
        assert_true(cJSON_GetObjectItem(n, "ms")->valuedouble >= 0);
        shares += cJSON_GetObjectItem(n, "share")->valuedouble;
    }
    assert_true(fabs(shares - 1) < 1e-9);

    /* through a JSON Lines file and the loader */
    const char *dir = eb_test_tmpdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/r.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    cJSON_AddNumberToObject(j, "schema_version", EB_SCHEMA_VERSION);
    char *text = cJSON_PrintUnformatted(j);
    fprintf(f, "%s\n", text);
    fclose(f);
    free(text);
    cJSON_Delete(j);
    eb_result_set set;
    eb_err err = {{0}};
    if (eb_results_load(path, &set, &err) != EB_OK)
        fail_msg("load: %s", err.msg);
    assert_int_equal(set.n, 1);
    const eb_result *back = &set.results[0];
    assert_true(back->profiled);
    assert_int_equal(back->n_profile, r.n_profile);
    assert_int_equal(back->profile_passes, r.profile_passes);
    for (int i = 0; i < r.n_profile; i++) {
        assert_string_equal(back->profile[i].name, r.profile[i].name);
        assert_string_equal(back->profile[i].op, r.profile[i].op);
        assert_true(fabs(back->profile[i].ms - r.profile[i].ms) <= 1e-12 * (1 + r.profile[i].ms));
    }
    eb_results_free(&set);
    eb_result_free(&r);
}

static void json__without_profile_null__unavailable_with_reason(void **state)
{
    (void)state;
    eb_result r = {0};
    snprintf(r.model_name, sizeof r.model_name, "m");
    cJSON *j = eb_result_json(&r);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "profiled")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "profile")));
    cJSON_Delete(j);

    r.profiled = true;
    snprintf(r.profile_reason, sizeof r.profile_reason, "the x runner cannot time its nodes (no profile hook)");
    j = eb_result_json(&r);
    const cJSON *p = cJSON_GetObjectItem(j, "profile");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(p, "available")));
    assert_int_equal(cJSON_GetObjectItem(p, "passes")->valueint, 0);
    assert_string_equal(cJSON_GetObjectItem(p, "reason")->valuestring, r.profile_reason);
    assert_null(cJSON_GetObjectItem(p, "nodes"));
    cJSON_Delete(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ref_profile__one_entry_per_node_in_graph_order),
        cmocka_unit_test(cpu_profile__every_node_in_one_entry_and_fused_steps_name_all),
        cmocka_unit_test(harness__profile_on__median_per_node_and_samples_unchanged),
        cmocka_unit_test(json__profile_object__written_and_read_back),
        cmocka_unit_test(json__without_profile_null__unavailable_with_reason),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
