/* test_compare.c - pairing two result sets and the verdicts of `compare`
 * (reports/compare.c), on result sets built here.
 *
 * Latency samples are drawn from a lognormal law, with NEW made slower or
 * faster by a known factor; the expected verdicts follow from the rule in
 * compare.h and the size of the planted change, not from the code. */
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
#include "tests/test_util.h"

/* ---- helpers ------------------------------------------------------------ */

static double std_normal(uint64_t *s)
{
    double u1 = 1.0 - eb_test_uniform(s, 0, 1), u2 = eb_test_uniform(s, 0, 1);
    return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

/* Appends an ok result with n lognormal samples of median `median` ms. */
static eb_result *add(eb_result_set *set, const char *model, const char *spec, uint64_t *s, int n, double median)
{
    eb_result *grown = realloc(set->results, (size_t)(set->n + 1) * sizeof *grown);
    assert_non_null(grown);
    set->results = grown;
    eb_result *r = &set->results[set->n++];
    memset(r, 0, sizeof *r);
    snprintf(r->model_name, sizeof r->model_name, "%s", model);
    snprintf(r->variant.spec, sizeof r->variant.spec, "%s", spec);
    snprintf(r->device, sizeof r->device, "cpu");
    r->status = EB_RESULT_OK;
    r->n_samples = n;
    if (n) {
        r->samples_ms = malloc((size_t)n * sizeof *r->samples_ms);
        assert_non_null(r->samples_ms);
        for (int i = 0; i < n; i++)
            r->samples_ms[i] = median * exp(0.02 * std_normal(s));
    }
    r->peak_rss_bytes = 10 << 20;
    return r;
}

static void set_init(eb_result_set *set, const char *path)
{
    memset(set, 0, sizeof *set);
    snprintf(set->path, sizeof set->path, "%s", path);
    snprintf(set->host, sizeof set->host, "testhost");
}

static void with_task(eb_result *r, double value, int64_t count)
{
    r->task.available = true;
    snprintf(r->task.metric, sizeof r->task.metric, "top1_accuracy");
    r->task.value = value;
    r->task.count = count;
}

typedef struct fixture {
    eb_result_set base, new;
    eb_comparison cmp;
    uint64_t seed;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    set_init(&f->base, "base.json");
    set_init(&f->new, "new.json");
    f->seed = eb_test_seed();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    eb_comparison_free(&f->cmp);
    eb_results_free(&f->base);
    eb_results_free(&f->new);
    free(f);
    return 0;
}

static void compare_with(fixture *f, const eb_compare_opts *o)
{
    eb_err err = {{0}};
    assert_int_equal(eb_compare_sets(&f->base, &f->new, o, &f->cmp, &err), EB_OK);
}

static void compare(fixture *f)
{
    eb_compare_opts o = eb_compare_opts_default();
    compare_with(f, &o);
}

/* Gives r the model file `path` with a SHA-256 of 64 copies of `digit`. */
static void with_file(eb_result *r, const char *path, char digit)
{
    snprintf(r->model, sizeof r->model, "%s", path);
    memset(r->model_sha256, digit, 64);
    r->model_sha256[64] = '\0';
}

static eb_result *with_file_r(eb_result *r, const char *path, char digit)
{
    with_file(r, path, digit);
    return r;
}

/* The markdown report as a malloc'd string. */
static char *md_text(const fixture *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_non_null(m);
    eb_compare_write_md(m, &f->cmp);
    fclose(m);
    return text;
}

/* ---- the rule ------------------------------------------------------------ */

static void verdict__needs_both_significance_and_size(void **state)
{
    (void)state;
    eb_compare_opts o = eb_compare_opts_default(); /* 5%, alpha 0.01 */
    static const struct {
        double ratio, p;
        eb_verdict want;
    } cases[] = {
        {1.20, 0.001, EB_VERDICT_SLOWER}, {1.051, 0.0099, EB_VERDICT_SLOWER}, {1.049, 1e-9, EB_VERDICT_SAME},
        {1.20, 0.01, EB_VERDICT_SAME},    {1.20, 0.5, EB_VERDICT_SAME},       {0.94, 1e-6, EB_VERDICT_FASTER},
        {0.953, 1e-6, EB_VERDICT_SAME}, /* 1/1.05 = 0.95238 */
        {1.0, 1e-12, EB_VERDICT_SAME},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (eb_compare_verdict(cases[i].ratio, cases[i].p, &o) != cases[i].want)
            fail_msg("ratio %g p %g: got %s, expected %s", cases[i].ratio, cases[i].p,
                     eb_verdict_name(eb_compare_verdict(cases[i].ratio, cases[i].p, &o)),
                     eb_verdict_name(cases[i].want));
    o.threshold_pct = 25;
    assert_int_equal(eb_compare_verdict(1.20, 1e-9, &o), EB_VERDICT_SAME);
    o.alpha = 0.05;
    o.threshold_pct = 5;
    assert_int_equal(eb_compare_verdict(1.20, 0.02, &o), EB_VERDICT_SLOWER);
}

/* ---- pairing: odd cases first ---------------------------------------------- */

static void compare_sets__unpaired_results__are_listed_not_errors(void **state)
{
    fixture *f = *state;
    add(&f->base, "a", "ref", &f->seed, 20, 1);
    add(&f->base, "gone", "ref", &f->seed, 20, 1);
    add(&f->new, "a", "ref", &f->seed, 20, 1);
    add(&f->new, "a", "cpu:threads=2", &f->seed, 20, 1); /* same model, other variant */
    compare(f);
    assert_int_equal(f->cmp.n, 3);
    assert_int_equal(f->cmp.count.paired, 1);
    assert_int_equal(f->cmp.count.only_base, 1);
    assert_int_equal(f->cmp.count.only_new, 1);
    assert_string_equal(f->cmp.pairs[1].base->model_name, "gone");
    assert_null(f->cmp.pairs[1].new);
    assert_string_equal(f->cmp.pairs[2].new->variant.spec, "cpu:threads=2");
    assert_null(f->cmp.pairs[2].base);
    assert_int_equal(f->cmp.count.regressed, 0);
}

static void compare_sets__other_device__does_not_pair(void **state)
{
    fixture *f = *state;
    add(&f->base, "a", "ref", &f->seed, 20, 1);
    eb_result *r = add(&f->new, "a", "ref", &f->seed, 20, 1);
    snprintf(r->device, sizeof r->device, "gpu0");
    compare(f);
    assert_int_equal(f->cmp.count.paired, 0);
    assert_int_equal(f->cmp.count.only_base, 1);
    assert_int_equal(f->cmp.count.only_new, 1);
}

static void compare_sets__repeated_key__pairs_in_order_of_appearance(void **state)
{
    fixture *f = *state;
    add(&f->base, "a", "ref", &f->seed, 20, 1);
    add(&f->base, "a", "ref", &f->seed, 20, 2);
    add(&f->new, "a", "ref", &f->seed, 20, 1);
    add(&f->new, "a", "ref", &f->seed, 20, 2);
    compare(f);
    assert_int_equal(f->cmp.count.paired, 2);
    assert_int_equal(f->cmp.count.same, 2);
    assert_ptr_equal(f->cmp.pairs[1].base, &f->base.results[1]);
    assert_ptr_equal(f->cmp.pairs[1].new, &f->new.results[1]);
}

static void compare_sets__ok_then_crashed__is_a_status_regression(void **state)
{
    fixture *f = *state;
    add(&f->base, "a", "ref", &f->seed, 20, 1);
    eb_result *r = add(&f->new, "a", "ref", &f->seed, 0, 1);
    r->status = EB_RESULT_CRASHED;
    snprintf(r->error, sizeof r->error, "killed by signal 11");
    compare(f);
    const eb_compare_pair *p = &f->cmp.pairs[0];
    assert_int_equal(p->verdict, EB_VERDICT_NA);
    assert_true(p->status_regressed && p->regressed);
    assert_non_null(strstr(p->note, "base ok, new crashed"));
    assert_non_null(strstr(p->note, "signal 11"));
    assert_int_equal(f->cmp.count.status_regressed, 1);
    assert_int_equal(f->cmp.count.na, 1);
}

static void compare_sets__statuses_other_than_ok_to_failure__do_not_regress(void **state)
{
    fixture *f = *state;
    static const eb_result_status before[] = {EB_RESULT_UNSUPPORTED, EB_RESULT_OK, EB_RESULT_FAILED,
                                              EB_RESULT_TIMEOUT};
    static const eb_result_status after[] = {EB_RESULT_UNSUPPORTED, EB_RESULT_UNSUPPORTED, EB_RESULT_OK,
                                             EB_RESULT_CRASHED};
    char name[8];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "m%d", i);
        add(&f->base, name, "ref", &f->seed, 20, 1)->status = before[i];
        add(&f->new, name, "ref", &f->seed, 20, 1)->status = after[i];
    }
    compare(f);
    assert_int_equal(f->cmp.count.paired, 4);
    assert_int_equal(f->cmp.count.na, 4);
    assert_int_equal(f->cmp.count.regressed, 0);
    assert_non_null(strstr(f->cmp.pairs[1].note, "base ok, new unsupported"));
}

static void compare_sets__ok_then_interrupted__is_not_a_regression(void **state)
{
    fixture *f = *state;
    add(&f->base, "a", "ref", &f->seed, 20, 1);
    eb_result *r = add(&f->new, "a", "ref", &f->seed, 0, 1);
    r->status = EB_RESULT_INTERRUPTED; /* Ctrl-C: the user stopped it, the code did not fail */
    snprintf(r->error, sizeof r->error, "stopped by Ctrl-C (SIGINT) after 1.0 s");
    compare(f);
    const eb_compare_pair *p = &f->cmp.pairs[0];
    assert_int_equal(p->verdict, EB_VERDICT_NA);
    assert_false(p->status_regressed || p->regressed);
    assert_non_null(strstr(p->note, "base ok, new interrupted"));
    assert_int_equal(f->cmp.count.regressed, 0);
}

static void compare_sets__non_finite_sample__is_na_with_the_reason(void **state)
{
    fixture *f = *state;
    add(&f->base, "a", "ref", &f->seed, 20, 1);
    add(&f->new, "a", "ref", &f->seed, 20, 1)->samples_ms[3] = NAN;
    compare(f);
    assert_int_equal(f->cmp.pairs[0].verdict, EB_VERDICT_NA);
    assert_false(f->cmp.pairs[0].latency_compared);
    assert_non_null(strstr(f->cmp.pairs[0].note, "not a finite number"));
    assert_int_equal(f->cmp.count.regressed, 0);
}

/* ---- latency ---------------------------------------------------------------- */

static void compare_sets__planted_slowdown_and_speedup__are_caught(void **state)
{
    fixture *f = *state;
    add(&f->base, "slow", "ref", &f->seed, 30, 0.19);
    add(&f->new, "slow", "ref", &f->seed, 30, 0.19 * 1.2);
    add(&f->base, "fast", "ref", &f->seed, 30, 0.19);
    add(&f->new, "fast", "ref", &f->seed, 30, 0.19 / 1.25);
    add(&f->base, "same", "ref", &f->seed, 30, 0.19);
    add(&f->new, "same", "ref", &f->seed, 30, 0.19 * 1.01); /* real but below the threshold */
    compare(f);
    const eb_compare_pair *p = f->cmp.pairs;
    assert_int_equal(p[0].verdict, EB_VERDICT_SLOWER);
    assert_true(p[0].regressed);
    assert_true(p[0].lat.ratio.low < 1.2 + 0.06 && p[0].lat.ratio.high > 1.2 - 0.06);
    assert_true(p[0].lat.ratio.low <= p[0].lat.ratio.ratio && p[0].lat.ratio.ratio <= p[0].lat.ratio.high);
    assert_true(p[0].lat.mw.p < 1e-6);
    assert_int_equal(p[1].verdict, EB_VERDICT_FASTER);
    assert_false(p[1].regressed);
    assert_int_equal(p[2].verdict, EB_VERDICT_SAME);
    assert_int_equal(f->cmp.count.slower, 1);
    assert_int_equal(f->cmp.count.faster, 1);
    assert_int_equal(f->cmp.count.same, 1);
    assert_int_equal(f->cmp.count.regressed, 1);
}

static void compare_sets__three_samples_a_side__cannot_be_slower(void **state)
{
    fixture *f = *state;
    add(&f->base, "a", "ref", &f->seed, 3, 1);
    add(&f->new, "a", "ref", &f->seed, 3, 2); /* twice as slow, but p >= 0.1 with 3 + 3 */
    compare(f);
    assert_int_equal(f->cmp.pairs[0].lat.mw.method, EB_MW_EXACT);
    assert_true(f->cmp.pairs[0].lat.mw.p >= 0.1 - 1e-12);
    assert_int_equal(f->cmp.pairs[0].verdict, EB_VERDICT_SAME);
    assert_non_null(strstr(f->cmp.pairs[0].note, "too few samples (3 and 3)"));
}

/* With 5 and 5 the exact test's smallest p is 2 / C(10, 5) = 0.0079 < 0.01:
 * a clear slowdown is caught. */
static void compare_sets__five_samples_a_side_fully_separated__is_slower(void **state)
{
    fixture *f = *state;
    add(&f->base, "a", "ref", &f->seed, 5, 1);
    add(&f->new, "a", "ref", &f->seed, 5, 2);
    compare(f);
    assert_int_equal(f->cmp.pairs[0].lat.mw.method, EB_MW_EXACT);
    assert_true(fabs(f->cmp.pairs[0].lat.mw.p - 2.0 / 252) < 1e-15);
    assert_int_equal(f->cmp.pairs[0].verdict, EB_VERDICT_SLOWER);
    assert_null(strstr(f->cmp.pairs[0].note, "too few"));
}

/* ---- accuracy and memory ------------------------------------------------------- */

static void compare_sets__accuracy_drop_beyond_threshold__regresses(void **state)
{
    fixture *f = *state;
    with_task(add(&f->base, "drop", "ref", &f->seed, 20, 1), 0.901, 1000);
    with_task(add(&f->new, "drop", "ref", &f->seed, 20, 1), 0.890, 1000);   /* -1.1 pp */
    with_task(add(&f->base, "small", "ref", &f->seed, 20, 1), 0.901, 1000);
    with_task(add(&f->new, "small", "ref", &f->seed, 20, 1), 0.897, 1000);  /* -0.4 pp */
    with_task(add(&f->base, "other", "ref", &f->seed, 20, 1), 0.901, 1000);
    with_task(add(&f->new, "other", "ref", &f->seed, 20, 1), 0.700, 500);   /* other images */
    compare(f);
    const eb_compare_pair *p = f->cmp.pairs;
    assert_true(p[0].acc_compared && p[0].acc_regressed && p[0].regressed);
    assert_true(fabs(p[0].acc_delta_pp - (-1.1)) < 1e-9);
    assert_true(p[1].acc_compared && !p[1].acc_regressed);
    assert_false(p[2].acc_compared);
    assert_non_null(strstr(p[2].note, "not compared"));
    assert_int_equal(f->cmp.count.acc_regressed, 1);
    assert_int_equal(f->cmp.count.regressed, 1);
}

static void compare_sets__peak_rss_growth_beyond_threshold_and_floor__regresses(void **state)
{
    fixture *f = *state;
    add(&f->base, "big", "ref", &f->seed, 20, 1);
    add(&f->new, "big", "ref", &f->seed, 20, 1)->peak_rss_bytes = (10 << 20) + (5 << 19); /* +25% */
    add(&f->base, "ok", "ref", &f->seed, 20, 1);
    add(&f->new, "ok", "ref", &f->seed, 20, 1)->peak_rss_bytes = (10 << 20) + (400 << 10); /* +3.9% */
    eb_result *tiny = add(&f->base, "tiny", "ref", &f->seed, 20, 1);
    tiny->peak_rss_bytes = 4 << 20;
    add(&f->new, "tiny", "ref", &f->seed, 20, 1)->peak_rss_bytes = (4 << 20) + (1800 << 10); /* +44%, < 2 MiB */
    compare(f);
    assert_true(f->cmp.pairs[0].mem_regressed && f->cmp.pairs[0].regressed);
    assert_true(fabs(f->cmp.pairs[0].mem_growth_pct - 25) < 1e-9);
    assert_false(f->cmp.pairs[1].mem_regressed);
    assert_true(f->cmp.pairs[2].mem_compared && !f->cmp.pairs[2].mem_regressed); /* within the floor */
    assert_int_equal(f->cmp.count.mem_regressed, 1);
}

/* With peak growth on both sides, that is the figure judged: a variant that
 * adds 4 MiB more over prepare and runs regresses even when the process
 * peak (mostly the model's loading) is unchanged, and a peak that moved
 * with the growth unchanged does not. */
static void compare_sets__peak_growth_on_both_sides__is_the_figure_judged(void **state)
{
    fixture *f = *state;
    eb_result *b = add(&f->base, "grew", "cpu", &f->seed, 20, 1), *n = add(&f->new, "grew", "cpu", &f->seed, 20, 1);
    b->peak_growth_known = n->peak_growth_known = true;
    b->peak_growth_bytes = 4 << 20;
    n->peak_growth_bytes = 8 << 20; /* +100%, +4 MiB; the peak stays 10 MiB */
    b = add(&f->base, "loader", "cpu", &f->seed, 20, 1);
    n = add(&f->new, "loader", "cpu", &f->seed, 20, 1);
    b->peak_growth_known = n->peak_growth_known = true;
    b->peak_growth_bytes = n->peak_growth_bytes = 4 << 20;
    n->peak_rss_bytes = 20 << 20; /* the peak doubled, the growth did not */
    compare(f);
    assert_true(f->cmp.pairs[0].mem_compared && f->cmp.pairs[0].mem_by_growth);
    assert_true(f->cmp.pairs[0].mem_regressed);
    assert_true(fabs(f->cmp.pairs[0].mem_growth_pct - 100) < 1e-9);
    assert_true(f->cmp.pairs[1].mem_by_growth && !f->cmp.pairs[1].mem_regressed);
    assert_int_equal(f->cmp.count.mem_regressed, 1);
}

/* ---- output -------------------------------------------------------------------- */

/* ---- model identity -------------------------------------------------------- */

static void compare_sets__two_models_with_one_file_name__are_not_paired(void **state)
{
    fixture *f = *state;
    /* a/net.onnx in BASE, b/net.onnx (another model, 5x slower) in NEW */
    with_file(add(&f->base, "net", "ref", &f->seed, 30, 1), "a/net.onnx", '1');
    with_file(add(&f->new, "net", "ref", &f->seed, 30, 5), "b/net.onnx", '2');
    compare(f);
    assert_int_equal(f->cmp.count.paired, 0);
    assert_int_equal(f->cmp.count.slower, 0);
    assert_int_equal(f->cmp.count.only_base, 1);
    assert_int_equal(f->cmp.count.only_new, 1);
    assert_int_equal(f->cmp.count.regressed, 0);
    /* the lists tell them apart by folder */
    char *text = md_text(f);
    assert_non_null(strstr(text, "Only in base:\n- a/net, ref, cpu (ok)"));
    assert_non_null(strstr(text, "Only in new:\n- b/net, ref, cpu (ok)"));
    free(text);
}

static void compare_sets__same_model_at_another_path__pairs(void **state)
{
    fixture *f = *state;
    with_file(add(&f->base, "net", "ref", &f->seed, 30, 1), "a/net.onnx", '1');
    with_file(add(&f->new, "net", "ref", &f->seed, 30, 1), "copy/net.onnx", '1');
    compare(f);
    assert_int_equal(f->cmp.count.paired, 1);
    assert_false(f->cmp.pairs[0].model_changed);
    assert_string_equal(f->cmp.pairs[0].base_label, "net");
}

static void compare_sets__both_models_in_both_files__pair_each_with_its_own(void **state)
{
    fixture *f = *state;
    /* two models named net in one run; NEW lists them in the other order */
    with_file(add(&f->base, "net", "ref", &f->seed, 30, 1), "a/net.onnx", '1');
    with_file(add(&f->base, "net", "ref", &f->seed, 30, 5), "b/net.onnx", '2');
    with_file(add(&f->new, "net", "ref", &f->seed, 30, 5), "b/net.onnx", '2');
    with_file(add(&f->new, "net", "ref", &f->seed, 30, 1), "a/net.onnx", '1');
    compare(f);
    assert_int_equal(f->cmp.count.paired, 2);
    assert_int_equal(f->cmp.count.same, 2);
    assert_ptr_equal(f->cmp.pairs[0].new, &f->new.results[1]);
    assert_ptr_equal(f->cmp.pairs[1].new, &f->new.results[0]);
    assert_string_equal(f->cmp.pairs[0].base_label, "a/net");
    assert_string_equal(f->cmp.pairs[1].base_label, "b/net");
}

static void compare_sets__equal_names_in_one_folder_name__get_a_sha_suffix(void **state)
{
    fixture *f = *state;
    with_file(add(&f->base, "net", "ref", &f->seed, 30, 1), "x/m/net.onnx", '1');
    with_file(add(&f->new, "net", "ref", &f->seed, 30, 1), "y/m/net.onnx", 'a');
    compare(f);
    assert_string_equal(f->cmp.pairs[0].base_label, "net@11111111");
    assert_string_equal(f->cmp.pairs[1].new_label, "net@aaaaaaaa");
}

static void compare_sets__model_changed__is_reported_not_judged(void **state)
{
    fixture *f = *state;
    /* the same path, retrained: another SHA-256, 5x slower and less accurate */
    with_task(with_file_r(add(&f->base, "net", "ref", &f->seed, 30, 1), "m/net.onnx", '1'), 0.9, 1000);
    with_task(with_file_r(add(&f->new, "net", "ref", &f->seed, 30, 5), "m/net.onnx", '2'), 0.5, 1000);
    compare(f);
    assert_int_equal(f->cmp.count.paired, 1);
    assert_int_equal(f->cmp.count.model_changed, 1);
    const eb_compare_pair *p = &f->cmp.pairs[0];
    assert_true(p->model_changed);
    assert_int_equal(p->verdict, EB_VERDICT_MODEL_CHANGED);
    assert_string_equal(eb_verdict_name(p->verdict), "model changed");
    assert_false(p->latency_compared);
    assert_false(p->acc_regressed);
    assert_false(p->regressed);
    assert_int_equal(f->cmp.count.regressed, 0);
    assert_int_equal(f->cmp.count.slower, 0);
    assert_string_equal(p->base_label, "net"); /* the same model, changed: no suffix */
    char *text = md_text(f);
    assert_non_null(strstr(text, "| net | ref | cpu | - | - | - | - | model changed |"));
    assert_non_null(strstr(text, "1 model changed"));
    free(text);
}

static void compare_sets__model_changed_with_allow__is_judged(void **state)
{
    fixture *f = *state;
    with_file(add(&f->base, "net", "ref", &f->seed, 30, 1), "m/net.onnx", '1');
    with_file(add(&f->new, "net", "ref", &f->seed, 30, 5), "m/net.onnx", '2');
    eb_compare_opts o = eb_compare_opts_default();
    o.allow_model_change = true;
    compare_with(f, &o);
    const eb_compare_pair *p = &f->cmp.pairs[0];
    assert_true(p->model_changed);
    assert_true(p->latency_compared);
    assert_int_equal(p->verdict, EB_VERDICT_SLOWER);
    assert_true(p->regressed);
    assert_non_null(strstr(p->note, "model changed"));
}

static void compare_sets__model_changed_and_crashing__is_a_status_regression(void **state)
{
    fixture *f = *state;
    with_file(add(&f->base, "net", "ref", &f->seed, 30, 1), "m/net.onnx", '1');
    eb_result *r = with_file_r(add(&f->new, "net", "ref", &f->seed, 0, 1), "m/net.onnx", '2');
    r->status = EB_RESULT_CRASHED;
    compare(f);
    assert_int_equal(f->cmp.pairs[0].verdict, EB_VERDICT_MODEL_CHANGED);
    assert_true(f->cmp.pairs[0].status_regressed);
    assert_int_equal(f->cmp.count.regressed, 1);
}

static void compare_json__holds_every_pair_and_the_summary(void **state)
{
    fixture *f = *state;
    add(&f->base, "slow", "ref", &f->seed, 30, 0.19);
    add(&f->new, "slow", "ref", &f->seed, 30, 0.19 * 1.2);
    add(&f->base, "gone", "ref", &f->seed, 30, 0.19);
    compare(f);
    cJSON *doc = eb_compare_json(&f->cmp);
    assert_non_null(doc);
    const cJSON *pairs = cJSON_GetObjectItem(doc, "pairs"), *p = cJSON_GetArrayItem(pairs, 0);
    assert_int_equal(cJSON_GetArraySize(pairs), 1);
    assert_string_equal(cJSON_GetObjectItem(p, "verdict")->valuestring, "slower");
    assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "regressions"), 0)->valuestring, "slower");
    assert_true(fabs(cJSON_GetObjectItem(p, "ratio")->valuedouble - f->cmp.pairs[0].lat.ratio.ratio) < 1e-12);
    assert_true(cJSON_IsObject(cJSON_GetObjectItem(p, "ratio_ci95")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "only_in_base")), 1);
    const cJSON *sum = cJSON_GetObjectItem(doc, "summary");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(sum, "regressed")));
    assert_int_equal(cJSON_GetObjectItem(sum, "slower")->valueint, 1);
    cJSON_Delete(doc);
}

static void compare_md__has_the_table_row_unpaired_list_and_summary(void **state)
{
    fixture *f = *state;
    add(&f->base, "a|b", "ref", &f->seed, 30, 0.19);
    add(&f->new, "a|b", "ref", &f->seed, 30, 0.19 * 1.2);
    add(&f->new, "fresh", "ref", &f->seed, 30, 0.19);
    compare(f);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    assert_non_null(m);
    eb_compare_write_md(m, &f->cmp);
    fclose(m);
    assert_non_null(strstr(text, "| a\\|b | ref | cpu |")); /* the pipe is escaped */
    assert_non_null(strstr(text, "| slower |"));
    assert_non_null(strstr(text, "Only in new:\n- fresh, ref, cpu (ok)"));
    assert_non_null(strstr(text, "1 paired: 1 slower"));
    assert_non_null(strstr(text, "-> REGRESSED"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdict__needs_both_significance_and_size),
        cmocka_unit_test_setup_teardown(compare_sets__unpaired_results__are_listed_not_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__other_device__does_not_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__repeated_key__pairs_in_order_of_appearance, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__ok_then_crashed__is_a_status_regression, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__statuses_other_than_ok_to_failure__do_not_regress, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(compare_sets__ok_then_interrupted__is_not_a_regression, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__non_finite_sample__is_na_with_the_reason, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__planted_slowdown_and_speedup__are_caught, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__three_samples_a_side__cannot_be_slower, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__five_samples_a_side_fully_separated__is_slower, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(compare_sets__accuracy_drop_beyond_threshold__regresses, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__peak_rss_growth_beyond_threshold_and_floor__regresses, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__peak_growth_on_both_sides__is_the_figure_judged, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__two_models_with_one_file_name__are_not_paired, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__same_model_at_another_path__pairs, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__both_models_in_both_files__pair_each_with_its_own, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(compare_sets__equal_names_in_one_folder_name__get_a_sha_suffix, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(compare_sets__model_changed__is_reported_not_judged, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__model_changed_with_allow__is_judged, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_sets__model_changed_and_crashing__is_a_status_regression, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(compare_json__holds_every_pair_and_the_summary, setup, teardown),
        cmocka_unit_test_setup_teardown(compare_md__has_the_table_row_unpaired_list_and_summary, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
