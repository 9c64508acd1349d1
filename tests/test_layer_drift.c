/* test_layer_drift.c - --layers and --sensitivity (bench/layer_drift.c,
 * bench/sensitivity.c): identical graphs drift by nothing at every node; a
 * quantized fmnist-cnn drifts at every node after its first quantized
 * layer and names the first node over a tiny threshold; channel pruning's
 * reshaped values are listed with the reason; each layer compressed alone
 * costs something and the ranking is worst first; the skip rule picks
 * the fewest worst layers reaching half the total cost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/inputs.h"
#include "bench/layer_drift.h"
#include "bench/sensitivity.h"
#include "models/transform.h"
#include "reference_kernels/ref.h"
#include "reports/layers_json.h"
#include "tests/test_util.h"

static const char CNN[] = "models/zoo/fmnist-cnn.onnx";

static eb_graph *load_inferred(const char *path)
{
    eb_graph *g;
    eb_err err = {{0}};
    eb_shape_opts opts = {.batch = 1};
    if (eb_graph_load(path, &g, &err) != EB_OK || eb_graph_infer_shapes(g, &opts, eb_ref_eval, &err) != EB_OK)
        fail_msg("%s: %s", path, err.msg);
    return g;
}

static eb_tensor *random_inputs(const eb_graph *g)
{
    eb_err err = {{0}};
    eb_tensor *in = calloc((size_t)g->n_inputs + 1, sizeof *in);
    assert_non_null(in);
    if (eb_inputs_random(g, eb_test_seed(), in, &err) != EB_OK)
        fail_msg("inputs: %s", err.msg);
    return in;
}

static void compress(eb_graph *g, const eb_compress_spec *spec, eb_transform_report *rep)
{
    eb_err err = {{0}};
    eb_shape_opts opts = {.batch = 1};
    eb_transform_opts xo = {.shape = &opts, .eval = eb_ref_eval};
    if (eb_graph_compress(g, spec, &xo, rep, &err) != EB_OK)
        fail_msg("compress: %s", err.msg);
}

static void layers__identical_graphs__rel_l2_zero_cosine_one_everywhere(void **state)
{
    (void)state;
    eb_graph *a = load_inferred(CNN), *b = load_inferred(CNN);
    eb_tensor *in = random_inputs(a);
    eb_layer_drift ld;
    eb_err err = {{0}};
    assert_int_equal(eb_layer_drift_measure(a, b, in, 0, &ld, &err), EB_OK);
    assert_true(ld.available);
    assert_true(ld.n_values >= b->n_nodes); /* every node output, folded ones too */
    for (int i = 0; i < ld.n_values; i++) {
        if (!ld.values[i].compared)
            fail_msg("%s not compared: %s", ld.values[i].output, ld.values[i].reason);
        assert_true(ld.values[i].rel_l2 == 0);
        assert_true(fabs(ld.values[i].cosine - 1) < 1e-9);
    }
    assert_int_equal(ld.first_over, -1); /* 0 is not over a threshold of 0 */
    free(ld.values);
    eb_inputs_free(in, a->n_inputs);
    free(in);
    eb_graph_free(a);
    eb_graph_free(b);
}

static void layers__int8__drifts_and_names_the_first_node_over(void **state)
{
    (void)state;
    eb_graph *base = load_inferred(CNN), *q = load_inferred(CNN);
    eb_compress_spec spec = {.quant = EB_QUANT_INT8, .group = 32};
    compress(q, &spec, NULL);
    eb_tensor *in = random_inputs(base);
    eb_layer_drift ld;
    eb_err err = {{0}};
    assert_int_equal(eb_layer_drift_measure(base, q, in, 1e-9, &ld, &err), EB_OK);
    assert_true(ld.available);
    int nonzero = 0;
    for (int i = 0; i < ld.n_values; i++) {
        assert_true(ld.values[i].compared);
        assert_true(isfinite(ld.values[i].rel_l2) && ld.values[i].rel_l2 >= 0);
        nonzero += ld.values[i].rel_l2 > 0;
    }
    assert_true(nonzero > 0);
    /* the first over 1e-9: every compared value before it is at most that */
    assert_true(ld.first_over >= 0);
    assert_true(ld.values[ld.first_over].rel_l2 > 1e-9);
    for (int i = 0; i < ld.first_over; i++)
        assert_true(ld.values[i].rel_l2 <= 1e-9);
    /* the graph's output (the last value) drifts too */
    assert_true(ld.values[ld.n_values - 1].rel_l2 > 0);
    /* a huge threshold: none over */
    free(ld.values);
    assert_int_equal(eb_layer_drift_measure(base, q, in, 1e9, &ld, &err), EB_OK);
    assert_int_equal(ld.first_over, -1);
    /* the JSON names it and reads back */
    free(ld.values);
    assert_int_equal(eb_layer_drift_measure(base, q, in, 1e-9, &ld, &err), EB_OK);
    cJSON *j = eb_layer_drift_json(&ld);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "layer_drift", j);
    eb_result r = {0};
    assert_int_equal(eb_layers_json_load(o, &r, &err), EB_OK);
    assert_int_equal(r.layer_drift.n_values, ld.n_values);
    assert_int_equal(r.layer_drift.first_over, ld.first_over);
    assert_string_equal(r.layer_drift.values[ld.first_over].node, ld.values[ld.first_over].node);
    assert_false(r.sensitivity.requested); /* absent: off */
    cJSON_Delete(o);
    eb_result_free(&r);
    free(ld.values);
    eb_inputs_free(in, base->n_inputs);
    free(in);
    eb_graph_free(base);
    eb_graph_free(q);
}

static void layers__channel_pruning__reshaped_values_listed_with_reason(void **state)
{
    (void)state;
    eb_graph *base = load_inferred(CNN), *p = load_inferred(CNN);
    eb_compress_spec spec = {.prune = EB_PRUNE_CHANNEL, .fraction = 0.5, .group = 32};
    eb_shape_opts opts = {.batch = 1};
    eb_transform_opts xo = {.shape = &opts, .eval = eb_ref_eval};
    eb_err err = {{0}};
    eb_status st = eb_graph_compress(p, &spec, &xo, NULL, &err);
    if (st == EB_EUNSUPPORTED) {
        eb_graph_free(base);
        eb_graph_free(p);
        printf("skip: prune=channel is not applied to fmnist-cnn here: %s\n", err.msg);
        skip();
    }
    assert_int_equal(st, EB_OK);
    eb_tensor *in = random_inputs(base);
    eb_layer_drift ld;
    assert_int_equal(eb_layer_drift_measure(base, p, in, 0.05, &ld, &err), EB_OK);
    int reshaped = 0;
    for (int i = 0; i < ld.n_values; i++)
        if (!ld.values[i].compared) {
            assert_true(ld.values[i].reason[0] != '\0'); /* every value left out says why */
            reshaped += strstr(ld.values[i].reason, "shape differs") != NULL;
        }
    assert_true(reshaped > 0);
    free(ld.values);
    eb_inputs_free(in, base->n_inputs);
    free(in);
    eb_graph_free(base);
    eb_graph_free(p);
}

static void sensitivity__rank__worst_first_and_half_the_cost(void **state)
{
    (void)state;
    eb_layer_cost top1[] = {{"a", "Conv", "top1_delta", -0.02}, {"b", "Conv", "top1_delta", 0},
                            {"c", "Gemm", "top1_delta", -0.01}, {"d", "Gemm", "top1_delta", 0.01}};
    eb_sensitivity s = {.n_layers = 4, .layers = top1};
    eb_compress_spec q8 = {.quant = EB_QUANT_INT8};
    eb_sensitivity_rank(&s, &q8);
    assert_string_equal(s.layers[0].node, "a");
    assert_string_equal(s.layers[1].node, "c");
    assert_string_equal(s.layers[2].node, "b");
    assert_string_equal(s.layers[3].node, "d");
    assert_string_equal(s.skip, "a"); /* 0.02 of 0.03 lost: past half */
    assert_string_equal(s.skip_key, "quant-skip");

    eb_layer_cost rel[] = {{"x", "Conv", "rel_l2", 0.3}, {"y", "Conv", "rel_l2", 0.3}, {"z", "Gemm", "rel_l2", 0.3}};
    eb_sensitivity r = {.n_layers = 3, .layers = rel};
    eb_compress_spec pr = {.prune = EB_PRUNE_FRACTION, .fraction = 0.5};
    eb_sensitivity_rank(&r, &pr);
    assert_string_equal(r.skip, "x|y"); /* 0.3 < 0.45 <= 0.6 */
    assert_string_equal(r.skip_key, "prune-skip");
    char paste[600];
    eb_sensitivity_paste(&r, paste, sizeof paste);
    assert_string_equal(paste, "prune-skip=x|y");

    eb_layer_cost none[] = {{"u", "Conv", "top1_delta", 0}, {"v", "Conv", "top1_delta", 0.01}};
    eb_sensitivity n = {.n_layers = 2, .layers = none};
    eb_sensitivity_rank(&n, &q8);
    assert_string_equal(n.skip, "");
    eb_sensitivity_paste(&n, paste, sizeof paste);
    assert_string_equal(paste, "");
}

static void sensitivity__int8_each_layer_alone__costs_ranked(void **state)
{
    (void)state;
    eb_graph *g = load_inferred(CNN);
    eb_compress_spec spec = {.quant = EB_QUANT_INT8, .group = 32};
    eb_transform_report rep = {0};
    compress(g, &spec, &rep);
    eb_tensor *in = random_inputs(g);
    eb_shape_opts opts = {.batch = 1};
    eb_sensitivity_setup s = {.model_path = CNN, .shape = &opts, .spec = &spec, .in = in};
    eb_compressed_layer *layers = calloc((size_t)rep.n_layers + 1, sizeof *layers);
    assert_non_null(layers);
    int quantized = 0;
    for (int i = 0; i < rep.n_layers; i++) {
        snprintf(layers[i].node, sizeof layers[i].node, "%s", rep.layers[i].node);
        snprintf(layers[i].op, sizeof layers[i].op, "%s", rep.layers[i].op);
        snprintf(layers[i].storage, sizeof layers[i].storage, "%s", rep.layers[i].storage);
        quantized += strcmp(rep.layers[i].storage, "dense") != 0;
    }
    assert_true(quantized >= 2);
    eb_sensitivity out;
    eb_err err = {{0}};
    if (eb_sensitivity_measure(&s, layers, rep.n_layers, &out, &err) != EB_OK)
        fail_msg("sensitivity: %s", err.msg);
    assert_true(out.available);
    assert_string_equal(out.metric, "rel_l2");
    assert_int_equal(out.n_layers, quantized);
    for (int i = 0; i < out.n_layers; i++) {
        assert_true(isfinite(out.layers[i].value) && out.layers[i].value > 0);
        if (i)
            assert_true(out.layers[i - 1].value >= out.layers[i].value);
    }
    assert_true(out.skip[0] != '\0');
    assert_non_null(strstr(out.skip, out.layers[0].node)); /* the worst is always in the set */
    free(out.layers);
    free(layers);
    eb_transform_report_free(&rep);
    eb_inputs_free(in, g->n_inputs);
    free(in);
    eb_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layers__identical_graphs__rel_l2_zero_cosine_one_everywhere),
        cmocka_unit_test(layers__int8__drifts_and_names_the_first_node_over),
        cmocka_unit_test(layers__channel_pruning__reshaped_values_listed_with_reason),
        cmocka_unit_test(sensitivity__rank__worst_first_and_half_the_cost),
        cmocka_unit_test(sensitivity__int8_each_layer_alone__costs_ranked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
