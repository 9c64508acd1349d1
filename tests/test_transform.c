/* test_transform.c - the compression transforms (models/transform.c,
 * prune.c, quantize.c, calibrate.c) on the zoo models after shape
 * inference, as the harness calls them: no compression leaves a graph
 * bit-identical; pruning zeroes exactly the weights it says; each
 * quantization stores what it says and stays close to fp32 on ref; bad
 * settings are refused with one line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "models/transform.h"
#include "runners/runner.h"
#include "reference_kernels/ref.h"
#include "tests/test_util.h"

static const char *const zoo[] = {"models/zoo/fmnist-mlp.onnx", "models/zoo/fmnist-cnn.onnx",
                                  "models/zoo/fmnist-dwsep.onnx", "models/zoo/fmnist-vit.onnx"};

/* A growing byte buffer: the graph written out, pointers included, so that
 * two snapshots are equal only when nothing moved or changed. */
typedef struct snap {
    unsigned char *p;
    size_t n, cap;
} snap;

static void put(snap *s, const void *p, size_t n)
{
    if (s->n + n > s->cap) {
        s->cap = (s->n + n) * 2;
        s->p = realloc(s->p, s->cap);
        assert_non_null(s->p);
    }
    if (n)
        memcpy(s->p + s->n, p, n);
    s->n += n;
}

static void put_str(snap *s, const char *str)
{
    put(s, &str, sizeof str);
    if (str)
        put(s, str, strlen(str) + 1);
}

static snap snapshot(const eb_graph *g)
{
    snap s = {0};
    put(&s, &g->n_values, sizeof g->n_values);
    put(&s, &g->n_nodes, sizeof g->n_nodes);
    for (int i = 0; i < g->n_values; i++) {
        const eb_value *v = &g->values[i];
        put_str(&s, v->name);
        put(&s, &v->t, sizeof v->t); /* dtype, rank, shape, data and storage pointers */
        put(&s, &v->shape_known, sizeof v->shape_known);
        put(&s, &v->is_const, sizeof v->is_const);
        put(&s, &v->producer, sizeof v->producer);
        size_t nb = eb_tensor_nbytes(&v->t);
        if (v->t.data && nb != SIZE_MAX)
            put(&s, v->t.data, nb);
    }
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *nd = &g->nodes[i];
        put(&s, &nd->op, sizeof nd->op);
        put_str(&s, nd->op_type);
        put(&s, &nd->n_in, sizeof nd->n_in);
        put(&s, &nd->n_out, sizeof nd->n_out);
        put(&s, nd->in, (size_t)nd->n_in * sizeof *nd->in);
        put(&s, nd->out, (size_t)nd->n_out * sizeof *nd->out);
        put(&s, &nd->n_attrs, sizeof nd->n_attrs);
        put(&s, &nd->folded, sizeof nd->folded);
    }
    return s;
}

static eb_graph *load_inferred(const char *path)
{
    eb_graph *g;
    eb_err err = {{0}};
    eb_shape_opts opts = {.batch = 1};
    if (eb_graph_load(path, &g, &err) != EB_OK || eb_graph_infer_shapes(g, &opts, eb_ref_eval, &err) != EB_OK)
        fail_msg("%s: %s", path, err.msg);
    return g;
}

static void compress__none__leaves_every_zoo_graph_bit_identical(void **state)
{
    (void)state;
    for (size_t m = 0; m < sizeof zoo / sizeof zoo[0]; m++) {
        eb_graph *g = load_inferred(zoo[m]);
        snap before = snapshot(g);
        eb_compress_spec none = {.group = 32};
        eb_transform_report rep;
        memset(&rep, 0xab, sizeof rep);
        eb_err err = {{0}};
        assert_int_equal(eb_graph_compress(g, &none, NULL, &rep, &err), EB_OK);
        snap after = snapshot(g);
        assert_int_equal(after.n, before.n);
        assert_memory_equal(after.p, before.p, before.n);
        assert_string_equal(rep.applied, "none");
        assert_int_equal(rep.tensors_changed, 0);
        assert_true(rep.bytes_before > 0);
        assert_int_equal(rep.bytes_after, rep.bytes_before);
        assert_int_equal(eb_graph_compress(g, &none, NULL, NULL, &err), EB_OK); /* rep is optional */
        free(before.p);
        free(after.p);
        eb_graph_free(g);
    }
}

/* Runs g on runner `name` with seeded random inputs; the first output,
 * allocated, into *y, and the plan's fallbacks into fb (when not NULL). */
static void run_on(const char *name, const eb_graph *g, uint64_t seed, eb_tensor *y, char fb[256])
{
    const eb_runner *r = eb_runner_find(name);
    eb_variant v = eb_variant_default(name);
    eb_plan *plan;
    eb_err err = {{0}};
    eb_tensor *in = calloc((size_t)g->n_inputs, sizeof *in), *out = calloc((size_t)g->n_outputs, sizeof *out);
    uint64_t st = seed;
    for (int i = 0; i < g->n_inputs; i++) {
        eb_tensor_copy_meta(&in[i], &g->values[g->inputs[i]].t);
        assert_int_equal(eb_tensor_alloc(&in[i], "in", &err), EB_OK);
        for (int64_t k = 0; k < eb_tensor_numel(&in[i]); k++)
            ((float *)in[i].data)[k] = eb_test_uniform(&st, -1, 1);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        eb_tensor_copy_meta(&out[i], &g->values[g->outputs[i]].t);
        assert_int_equal(eb_tensor_alloc(&out[i], "out", &err), EB_OK);
    }
    if (r->prepare(g, &v, &plan, &err) != EB_OK || r->run(plan, in, out, &err) != EB_OK)
        fail_msg("%s: %s", name, err.msg);
    if (fb) {
        eb_plan_info info;
        r->info(plan, &info);
        memcpy(fb, info.fallbacks, sizeof info.fallbacks);
    }
    r->release(plan);
    *y = out[0];
    for (int i = 1; i < g->n_outputs; i++)
        eb_tensor_free_data(&out[i]);
    for (int i = 0; i < g->n_inputs; i++)
        eb_tensor_free_data(&in[i]);
    free(in);
    free(out);
}

static void run_ref(const eb_graph *g, uint64_t seed, eb_tensor *y)
{
    run_on("ref", g, seed, y, NULL);
}

/* The layer entries of a report by node name. */
static const eb_layer_change *entry(const eb_transform_report *r, const char *node)
{
    for (int i = 0; i < r->n_layers; i++)
        if (strcmp(r->layers[i].node, node) == 0)
            return &r->layers[i];
    fail_msg("no report entry for %s", node);
    return NULL;
}

/* The dense values of weight value w (decoded when stored compressed). */
static float *weight_values(const eb_graph *g, int w)
{
    int64_t n = eb_tensor_numel(&g->values[w].t);
    float *d = malloc((size_t)n * sizeof *d);
    eb_err err = {{0}};
    assert_int_equal(eb_storage_to_dense(&g->values[w].t, d, &err), EB_OK);
    return d;
}

static int weight_of(const eb_graph *g, const char *node)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i].name, node) == 0)
            return g->nodes[i].in[1];
    fail_msg("no node %s", node);
    return -1;
}

static void prune_fraction__zeroes_exactly_the_smallest_per_layer_and_keeps_first_and_last(void **state)
{
    (void)state;
    eb_graph *orig = load_inferred(zoo[1]), *g = load_inferred(zoo[1]); /* fmnist-cnn: conv1 conv2 fc1 fc2 */
    eb_compress_spec spec = {.prune = EB_PRUNE_FRACTION, .fraction = 0.6, .group = 32};
    eb_transform_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_graph_compress(g, &spec, NULL, &rep, &err), EB_OK);
    const char *names[] = {"/conv1/Conv", "/conv2/Conv", "/fc1/Gemm", "/fc2/Gemm"};
    for (int k = 0; k < 4; k++) {
        int w = weight_of(g, names[k]);
        const eb_tensor *t = &orig->values[w].t;
        int64_t n = eb_tensor_numel(t);
        float *after = weight_values(g, w);
        const float *before = t->data;
        const eb_layer_change *c = entry(&rep, names[k]);
        if (k == 0 || k == 3) { /* first and last: kept dense by default */
            assert_memory_equal(after, before, (size_t)n * sizeof *after);
            assert_string_equal(c->storage, "dense");
            assert_non_null(strstr(c->note, "prune-skip"));
        } else {
            int64_t zeros = 0;
            float kept_min = INFINITY, cut_max = 0;
            for (int64_t i = 0; i < n; i++) {
                if (after[i] == 0.0f) {
                    zeros++;
                    cut_max = fmaxf(cut_max, fabsf(before[i]));
                } else {
                    assert_true(after[i] == before[i]);
                    kept_min = fminf(kept_min, fabsf(before[i]));
                }
            }
            assert_int_equal(zeros, (int64_t)floor(0.6 * (double)n));
            assert_true(cut_max <= kept_min);
            assert_string_equal(c->storage, "csr");
            assert_true(fabs(c->sparsity - (double)zeros / (double)n) < 1e-12);
            assert_true(c->bytes_after > 0 && c->bytes_after < c->bytes_before);
        }
        free(after);
    }
    assert_int_equal(rep.tensors_changed, 2);
    eb_tensor y0, y1; /* still runs on ref, same output shape */
    run_ref(orig, 7, &y0);
    run_ref(g, 7, &y1);
    assert_true(eb_tensor_same_shape(&y0, &y1));
    eb_tensor_free_data(&y0);
    eb_tensor_free_data(&y1);
    eb_transform_report_free(&rep);

    /* global: one threshold, the same total count over the pruned layers */
    eb_graph *h = load_inferred(zoo[1]);
    spec.prune_global = true;
    snprintf(spec.prune_skip, sizeof spec.prune_skip, "none");
    assert_int_equal(eb_graph_compress(h, &spec, NULL, &rep, &err), EB_OK);
    int64_t total = 0, zeros = 0;
    float kept_min = INFINITY, cut_max = 0;
    for (int k = 0; k < 4; k++) {
        int w = weight_of(h, names[k]);
        int64_t n = eb_tensor_numel(&orig->values[w].t);
        float *after = weight_values(h, w);
        const float *before = orig->values[w].t.data;
        for (int64_t i = 0; i < n; i++) {
            if (after[i] == 0.0f)
                zeros++, cut_max = fmaxf(cut_max, fabsf(before[i]));
            else
                kept_min = fminf(kept_min, fabsf(before[i]));
        }
        total += n;
        free(after);
    }
    assert_int_equal(zeros, (int64_t)floor(0.6 * (double)total));
    assert_true(cut_max <= kept_min);
    assert_int_equal(rep.tensors_changed, 4);
    eb_transform_report_free(&rep);
    eb_graph_free(h);
    eb_graph_free(g);
    eb_graph_free(orig);
}

static void prune_nm__keeps_n_of_every_m_along_the_reduction(void **state)
{
    (void)state;
    /* fmnist-mlp: Gemm weights [N, K] (transB); fmnist-vit: MatMul weights [K, N] */
    for (int m = 0; m < 4; m += 3) {
        eb_graph *orig = load_inferred(zoo[m]), *g = load_inferred(zoo[m]);
        eb_compress_spec spec = {.prune = EB_PRUNE_NM, .n = 2, .m = 4, .group = 32};
        snprintf(spec.prune_skip, sizeof spec.prune_skip, "none");
        eb_transform_report rep;
        eb_err err = {{0}};
        assert_int_equal(eb_graph_compress(g, &spec, NULL, &rep, &err), EB_OK);
        int checked = 0;
        for (int l = 0; l < rep.n_layers; l++) {
            const eb_layer_change *c = &rep.layers[l];
            int w = weight_of(g, c->node);
            if (strcmp(c->storage, "nm") != 0) {
                assert_non_null(strstr(c->note, "not a multiple of M"));
                continue;
            }
            const eb_tensor *t = &orig->values[w].t;
            const eb_node *nd = NULL;
            for (int i = 0; i < g->n_nodes; i++)
                if (strcmp(g->nodes[i].name, c->node) == 0)
                    nd = &g->nodes[i];
            bool kn = nd->op == EB_OP_MATMUL || (nd->op == EB_OP_GEMM && !eb_attr_int(nd, "transB", 0)); /* [K, N] */
            int64_t rows = kn ? t->shape[1] : t->shape[0], k = eb_tensor_numel(t) / rows;
            float *after = weight_values(g, w);
            const float *before = t->data;
            for (int64_t r = 0; r < rows; r++)
                for (int64_t q = 0; q < k; q += 4) {
                    int kept = 0;
                    float kept_min = INFINITY, cut_max = 0;
                    for (int j = 0; j < 4; j++) {
                        int64_t at = kn ? (q + j) * rows + r : r * k + q + j;
                        if (after[at] != 0.0f) {
                            kept++;
                            assert_true(after[at] == before[at]);
                            kept_min = fminf(kept_min, fabsf(before[at]));
                        } else {
                            cut_max = fmaxf(cut_max, fabsf(before[at]));
                        }
                    }
                    assert_true(kept <= 2);
                    assert_true(cut_max <= kept_min);
                }
            assert_true(c->sparsity >= 0.5 - 1e-9);
            free(after);
            checked++;
        }
        assert_true(checked > 0);
        eb_tensor y; /* runs through the N:M kernels */
        run_ref(g, 3, &y);
        eb_tensor_free_data(&y);
        eb_transform_report_free(&rep);
        eb_graph_free(g);
        eb_graph_free(orig);
    }
}

/* Largest |a - b| / max|b| of two same-shaped f32 tensors. */
static double rel_err(const eb_tensor *a, const eb_tensor *b)
{
    double d = 0, m = 0;
    for (int64_t i = 0; i < eb_tensor_numel(b); i++) {
        d = fmax(d, fabs((double)((float *)a->data)[i] - ((float *)b->data)[i]));
        m = fmax(m, fabs((double)((float *)b->data)[i]));
    }
    return m > 0 ? d / m : d;
}

static void quant__each_format_stores_as_said_and_stays_close_to_fp32(void **state)
{
    (void)state;
    const struct {
        eb_quant_kind q;
        const char *storage;
        double tol; /* relative to the largest output */
    } cases[] = {{EB_QUANT_FP16, "f16", 1e-3}, {EB_QUANT_INT8, "quant", 0.05}, {EB_QUANT_INT4, "quant", 0.3}};
    for (size_t m = 0; m < sizeof zoo / sizeof zoo[0]; m++)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            eb_graph *orig = load_inferred(zoo[m]), *g = load_inferred(zoo[m]);
            eb_compress_spec spec = {.quant = cases[c].q, .group = 16};
            eb_transform_report rep;
            eb_err err = {{0}};
            assert_int_equal(eb_graph_compress(g, &spec, NULL, &rep, &err), EB_OK);
            assert_true(rep.n_layers > 0);
            int stored = 0;
            for (int l = 0; l < rep.n_layers; l++) {
                const eb_layer_change *e = &rep.layers[l];
                if (strcmp(e->storage, "dense") == 0) { /* int4: a reduction group 16 does not divide */
                    assert_int_equal(cases[c].q, EB_QUANT_INT4);
                    assert_non_null(strstr(e->note, "does not divide"));
                    continue;
                }
                stored++;
                assert_string_equal(e->storage, cases[c].storage);
                assert_true(e->bytes_after < e->bytes_before);
                for (int i = 0; i < g->n_nodes; i++)
                    if (strcmp(g->nodes[i].name, e->node) == 0)
                        assert_true((g->nodes[i].quant != NULL) == (cases[c].q == EB_QUANT_INT8));
            }
            assert_true(stored > 0);
            assert_true(rep.bytes_after < rep.bytes_before);
            eb_tensor y0, y1;
            run_ref(orig, 11, &y0);
            run_ref(g, 11, &y1);
            double e = rel_err(&y1, &y0);
            if (!(e <= cases[c].tol) || e == 0.0)
                fail_msg("%s %s: relative error %g, expected in (0, %g]", zoo[m], cases[c].storage, e, cases[c].tol);
            eb_tensor_free_data(&y0);
            eb_tensor_free_data(&y1);
            eb_transform_report_free(&rep);
            eb_graph_free(g);
            eb_graph_free(orig);
        }
}

static void quant_int8_static__needs_calibration_and_sets_grids_by_method(void **state)
{
    (void)state;
    eb_graph *g = load_inferred(zoo[1]);
    eb_compress_spec spec = {.quant = EB_QUANT_INT8_STATIC, .group = 32};
    eb_transform_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_graph_compress(g, &spec, NULL, &rep, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "calibration"));
    eb_transform_report_free(&rep);
    assert_int_equal(eb_compress_check(g, &spec, false, &err), EB_EINVAL);
    assert_int_equal(eb_compress_check(g, &spec, true, &err), EB_OK);
    eb_graph_free(g);

    /* 8 random calibration inputs; percentile and entropy clip, so their input ranges are no wider */
    enum { SETS = 8 };
    eb_tensor calib[SETS];
    uint64_t st = 5;
    float in_range[EB_CALIB_COUNT] = {0};
    for (int method = 0; method < EB_CALIB_COUNT; method++) {
        g = load_inferred(zoo[1]);
        for (int i = 0; i < SETS; i++) {
            calib[i] = (eb_tensor){0};
            eb_tensor_copy_meta(&calib[i], &g->values[g->inputs[0]].t);
            assert_int_equal(eb_tensor_alloc(&calib[i], "calib", &err), EB_OK);
            for (int64_t k = 0; k < eb_tensor_numel(&calib[i]); k++)
                ((float *)calib[i].data)[k] = eb_test_uniform(&st, -1, 3);
        }
        eb_transform_opts o = {.n_calib = SETS, .calib = calib, .eval = eb_ref_eval};
        spec.calib = (eb_calib_method)method;
        assert_int_equal(eb_graph_compress(g, &spec, &o, &rep, &err), EB_OK);
        assert_int_equal(rep.calib_inputs, SETS);
        const eb_layer_change *c = entry(&rep, "/conv1/Conv");
        assert_string_equal(c->act, "static");
        assert_true(c->in_scale > 0 && c->out_scale > 0);
        assert_true(c->in_zero >= 0 && c->in_zero <= 255);
        in_range[method] = c->in_scale * 255;
        eb_tensor y;
        run_ref(g, 2, &y);
        eb_tensor_free_data(&y);
        for (int i = 0; i < SETS; i++)
            eb_tensor_free_data(&calib[i]);
        eb_transform_report_free(&rep);
        eb_graph_free(g);
    }
    assert_true(in_range[EB_CALIB_PERCENTILE] <= in_range[EB_CALIB_MINMAX] * (1 + 1e-6));
    assert_true(in_range[EB_CALIB_ENTROPY] <= in_range[EB_CALIB_MINMAX] * (1 + 1e-6));
}

static void bad_settings__are_refused_with_one_clear_line(void **state)
{
    (void)state;
    eb_graph *g = load_inferred(zoo[1]);
    eb_err err = {{0}};
    eb_compress_spec spec = {.quant = EB_QUANT_INT4, .group = 7, .group_set = true}; /* divides no reduction of fmnist-cnn */
    assert_int_equal(eb_compress_check(g, &spec, true, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "group=7 divides the reduction length of no layer"));
    eb_compress_spec skip = {.quant = EB_QUANT_INT8, .group = 32};
    snprintf(skip.quant_skip, sizeof skip.quant_skip, "first|/nope/Conv");
    assert_int_equal(eb_compress_check(g, &skip, true, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "quant-skip: no Conv, Gemm or MatMul layer with a constant weight is named '/nope/Conv'"));
    eb_transform_report rep;
    assert_int_equal(eb_graph_compress(g, &spec, NULL, &rep, &err), EB_EUNSUPPORTED);
    eb_transform_report_free(&rep);
    spec.group_set = false; /* the default group: not bad input, the variant is unsupported */
    assert_int_equal(eb_compress_check(g, &spec, true, &err), EB_OK);
    eb_graph_free(g);
}

static void quant_skip_and_prune_combined__keep_named_layers_fp32_and_zeros_exact(void **state)
{
    (void)state;
    eb_graph *g = load_inferred(zoo[1]);
    eb_compress_spec spec = {.prune = EB_PRUNE_NM, .n = 2, .m = 4, .quant = EB_QUANT_INT8, .group = 32};
    snprintf(spec.quant_skip, sizeof spec.quant_skip, "last");
    eb_transform_report rep;
    eb_err err = {{0}};
    assert_int_equal(eb_graph_compress(g, &spec, NULL, &rep, &err), EB_OK);
    const eb_layer_change *fc2 = entry(&rep, "/fc2/Gemm"), *conv2 = entry(&rep, "/conv2/Conv");
    assert_string_equal(fc2->storage, "dense");
    assert_string_equal(conv2->storage, "quant");
    assert_true(conv2->sparsity >= 0.5 - 1e-9); /* the pruned zeros stay exact zeros in int8 */
    float *w = weight_values(g, weight_of(g, "/conv2/Conv"));
    int64_t n = eb_tensor_numel(&g->values[weight_of(g, "/conv2/Conv")].t), zeros = 0;
    for (int64_t i = 0; i < n; i++)
        zeros += w[i] == 0.0f;
    assert_true(zeros * 2 >= n);
    free(w);
    eb_transform_report_free(&rep);
    eb_graph_free(g);
}

/* Largest |a - b| / max|b| of two same-shaped f32 tensors (below). */
static double rel_err(const eb_tensor *a, const eb_tensor *b);

static void cpu__compressed_formats_run_on_its_own_kernels_and_match_ref(void **state)
{
    (void)state;
    const eb_compress_spec specs[] = {
        {.quant = EB_QUANT_FP16, .group = 32},
        {.quant = EB_QUANT_INT4, .group = 16},
        {.prune = EB_PRUNE_FRACTION, .fraction = 0.5, .group = 32},
        {.prune = EB_PRUNE_NM, .n = 2, .m = 4, .group = 32},
        {.quant = EB_QUANT_INT8, .group = 32}, /* quantized nodes: cpu's int8 kernels, bit-exact per layer */
    };
    for (size_t m = 0; m < 3; m++)
        for (size_t k = 0; k < sizeof specs / sizeof specs[0]; k++) {
            eb_graph *g = load_inferred(zoo[m]);
            eb_err err = {{0}};
            assert_int_equal(eb_graph_compress(g, &specs[k], NULL, NULL, &err), EB_OK);
            eb_tensor yr, yc;
            char fb[256];
            run_ref(g, 9, &yr);
            run_on("cpu", g, 9, &yc, fb);
            if (fb[0] != '\0')
                fail_msg("%s spec %zu: fallbacks '%s'", zoo[m], k, fb);
            double e = rel_err(&yc, &yr); /* float rounding of the fp32 layers only */
            if (!(e <= 1e-4))
                fail_msg("%s spec %zu: cpu against ref %g", zoo[m], k, e);
            eb_tensor_free_data(&yr);
            eb_tensor_free_data(&yc);
            eb_graph_free(g);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compress__none__leaves_every_zoo_graph_bit_identical),
        cmocka_unit_test(prune_fraction__zeroes_exactly_the_smallest_per_layer_and_keeps_first_and_last),
        cmocka_unit_test(prune_nm__keeps_n_of_every_m_along_the_reduction),
        cmocka_unit_test(quant__each_format_stores_as_said_and_stays_close_to_fp32),
        cmocka_unit_test(quant_int8_static__needs_calibration_and_sets_grids_by_method),
        cmocka_unit_test(bad_settings__are_refused_with_one_clear_line),
        cmocka_unit_test(quant_skip_and_prune_combined__keep_named_layers_fp32_and_zeros_exact),
        cmocka_unit_test(cpu__compressed_formats_run_on_its_own_kernels_and_match_ref),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
