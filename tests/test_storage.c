/* test_storage.c - tensor storage formats (models/storage.c): building CSR,
 * N:M and quantized storage from dense tensors, validating them, decoding
 * them back, and that the runners refuse a constant that is not dense.
 *
 * Expected values come from the layouts in storage.h, worked by hand on
 * small tensors, or from the random data itself (a CSR decode equals the
 * source exactly; a quantized decode is within half a scale step). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/graph.h"
#include "models/storage.h"
#include "runners/runner.h"
#include "tests/test_util.h"

/* A dense f32 tensor of the given shape over caller-owned data. */
static eb_tensor dense(float *data, int rank, const int64_t *shape)
{
    eb_tensor t = {.dtype = EB_DT_F32, .rank = rank, .data = data};
    memcpy(t.shape, shape, (size_t)rank * sizeof *shape);
    return t;
}

/* t's shape with the given storage, as a transform would leave it. */
static eb_tensor compressed(const eb_tensor *src, eb_storage *s)
{
    eb_tensor t = *src;
    t.data = NULL;
    t.storage = s;
    return t;
}

static void storage_kind__of_a_plain_tensor__is_dense(void **state)
{
    (void)state;
    float x[2] = {1, 2};
    eb_tensor t = dense(x, 1, (int64_t[]){2});
    assert_int_equal(eb_tensor_storage_kind(&t), EB_STORAGE_DENSE);
    assert_string_equal(eb_storage_kind_name(EB_STORAGE_DENSE), "dense");
    assert_string_equal(eb_storage_kind_name(EB_STORAGE_CSR), "csr");
    assert_string_equal(eb_storage_kind_name(EB_STORAGE_NM), "nm");
    assert_string_equal(eb_storage_kind_name(EB_STORAGE_QUANT), "quant");
    assert_string_equal(eb_storage_kind_name(EB_STORAGE_KIND_COUNT), "invalid");
    eb_err err = {{0}};
    assert_int_equal(eb_storage_validate(&t, "w", &err), EB_OK);
    eb_storage_free(NULL);
}

static void csr__of_a_small_matrix__has_the_hand_worked_arrays(void **state)
{
    (void)state;
    /* 3x4:  [0 5 0 0; 0 0 0 0; 1 0 2 3] */
    float x[12] = {0, 5, 0, 0, 0, 0, 0, 0, 1, 0, 2, 3};
    eb_tensor t = dense(x, 2, (int64_t[]){3, 4});
    eb_storage *s;
    eb_err err = {{0}};
    assert_int_equal(eb_storage_csr_from_dense(&t, false, &s, &err), EB_OK);
    const eb_storage_csr *c = &s->u.csr;
    assert_int_equal(c->rows, 3);
    assert_int_equal(c->cols, 4);
    assert_int_equal(c->nnz, 4);
    int64_t rp[4] = {0, 1, 1, 4};
    int32_t ci[4] = {1, 0, 2, 3};
    float v[4] = {5, 1, 2, 3};
    assert_memory_equal(c->row_ptr, rp, sizeof rp);
    assert_memory_equal(c->col_idx, ci, sizeof ci);
    assert_memory_equal(c->values, v, sizeof v);
    eb_tensor ct = compressed(&t, s);
    assert_int_equal(eb_storage_validate(&ct, "w", &err), EB_OK);
    float back[12];
    assert_int_equal(eb_storage_to_dense(&ct, back, &err), EB_OK);
    assert_memory_equal(back, x, sizeof x);
    /* broken: a column out of order */
    c->col_idx[3] = 1;
    assert_int_equal(eb_storage_validate(&ct, "w", &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "out of range or out of order"));
    c->col_idx[3] = 3;
    c->row_ptr[3] = 3;
    assert_int_equal(eb_storage_validate(&ct, "w", &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "row_ptr"));
    eb_storage_free(s);
}

static void csr__of_random_rank4_data__decodes_exactly(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed();
    int64_t shape[4] = {6, 3, 3, 5};
    float x[6 * 3 * 3 * 5];
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = eb_test_uniform(&rng, 0, 1) < 0.6f ? 0.0f : eb_test_uniform(&rng, -2, 2);
    eb_tensor t = dense(x, 4, shape);
    eb_storage *s;
    eb_err err = {{0}};
    assert_int_equal(eb_storage_csr_from_dense(&t, false, &s, &err), EB_OK);
    assert_int_equal(s->u.csr.cols, 45);
    eb_tensor ct = compressed(&t, s);
    float back[sizeof x / sizeof x[0]];
    assert_int_equal(eb_storage_to_dense(&ct, back, &err), EB_OK);
    assert_memory_equal(back, x, sizeof x);
    eb_storage_free(s);
}

static void nm__2_of_4__keeps_the_two_largest_magnitudes(void **state)
{
    (void)state;
    /* 2x8, groups of 4: keep the 2 largest |x| of each, first on ties */
    float x[16] = {1, -4, 3, 2, /**/ 0, 0, 0, 0, /**/ 5, 1, 1, -6, /**/ 2, 2, 2, 2};
    eb_tensor t = dense(x, 2, (int64_t[]){2, 8});
    eb_storage *s;
    eb_err err = {{0}};
    assert_int_equal(eb_storage_nm_from_dense(&t, false, 2, 4, &s, &err), EB_OK);
    const eb_storage_nm *p = &s->u.nm;
    float v[8] = {-4, 3, 0, 0, 5, -6, 2, 2};
    uint8_t idx[8] = {1, 2, 0, 1, 0, 3, 0, 1};
    assert_memory_equal(p->values, v, sizeof v);
    assert_memory_equal(p->index, idx, sizeof idx);
    eb_tensor ct = compressed(&t, s);
    assert_int_equal(eb_storage_validate(&ct, "w", &err), EB_OK);
    float back[16], want[16] = {0, -4, 3, 0, 0, 0, 0, 0, 5, 0, 0, -6, 2, 2, 0, 0};
    assert_int_equal(eb_storage_to_dense(&ct, back, &err), EB_OK);
    assert_memory_equal(back, want, sizeof want);
    s->u.nm.index[1] = 1; /* repeats the group's first index */
    assert_int_equal(eb_storage_validate(&ct, "w", &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "nm index"));
    eb_storage_free(s);
}

static void nm__bad_arguments__are_refused_with_the_reason(void **state)
{
    (void)state;
    float x[6] = {0};
    eb_tensor t = dense(x, 2, (int64_t[]){1, 6});
    eb_storage *s = (eb_storage *)1;
    eb_err err = {{0}};
    assert_int_equal(eb_storage_nm_from_dense(&t, false, 2, 4, &s, &err), EB_EINVAL);
    assert_null(s);
    assert_non_null(strstr(err.msg, "not a multiple of M = 4"));
    assert_int_equal(eb_storage_nm_from_dense(&t, false, 3, 3, &s, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "0 < N < M"));
    eb_tensor i32 = t;
    i32.dtype = EB_DT_I32;
    assert_int_equal(eb_storage_csr_from_dense(&i32, false, &s, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "dense f32"));
}

/* Quantizes random data and checks every decoded element against the
 * source within half of its scale (plus float rounding). */
static void check_quant_round_trip(eb_dtype stored, int axis, int group)
{
    uint64_t rng = eb_test_seed();
    int64_t shape[3] = {4, 3, 8};
    float x[4 * 3 * 8], back[4 * 3 * 8];
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        x[i] = eb_test_uniform(&rng, -3, 3) * (float)(1 + i / 24); /* channels of different range */
    eb_tensor t = dense(x, 3, shape);
    eb_storage *s;
    eb_err err = {{0}};
    assert_int_equal(eb_storage_quant_from_dense(&t, stored, axis, group, 0, &s, &err), EB_OK);
    const eb_storage_quant *q = &s->u.quant;
    assert_int_equal(q->n_scales, group ? 96 / group : axis >= 0 ? shape[axis] : 1);
    eb_tensor ct = compressed(&t, s);
    assert_int_equal(eb_storage_validate(&ct, "w", &err), EB_OK);
    assert_int_equal(eb_storage_to_dense(&ct, back, &err), EB_OK);
    float max_scale = 0;
    for (int64_t k = 0; k < q->n_scales; k++)
        max_scale = fmaxf(max_scale, q->scale[k]);
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
        if (!(fabsf(back[i] - x[i]) <= 0.5f * max_scale * 1.0001f + 1e-6f))
            fail_msg("%s axis %d group %d: element %zu: %g decoded as %g (scale up to %g)", eb_dtype_name(stored), axis,
                     group, i, (double)x[i], (double)back[i], (double)max_scale);
    eb_storage_free(s);
}

static void quant__i8_u8_i4__decode_within_half_a_step(void **state)
{
    (void)state;
    check_quant_round_trip(EB_DT_I8, -1, 0);
    check_quant_round_trip(EB_DT_I8, 0, 0);
    check_quant_round_trip(EB_DT_U8, 1, 0);
    check_quant_round_trip(EB_DT_U8, -1, 0);
    check_quant_round_trip(EB_DT_I4, -1, 4);
    check_quant_round_trip(EB_DT_I4, -1, 8);
}

static void quant__per_channel_scales__follow_the_axis(void **state)
{
    (void)state;
    /* 2x3, axis 0: row amax 4 and 0.5; axis 1: column amax 2, 0.5, 4 */
    float x[6] = {1, -0.5f, 4, -2, 0.25f, 0.5f};
    eb_tensor t = dense(x, 2, (int64_t[]){2, 3});
    eb_storage *s;
    eb_err err = {{0}};
    assert_int_equal(eb_storage_quant_from_dense(&t, EB_DT_I8, 0, 0, 0, &s, &err), EB_OK);
    assert_int_equal(s->u.quant.n_scales, 2);
    assert_true(s->u.quant.scale[0] == 4.0f / 127 && s->u.quant.scale[1] == 2.0f / 127);
    assert_int_equal(((int8_t *)s->u.quant.data)[2], 127);
    eb_storage_free(s);
    assert_int_equal(eb_storage_quant_from_dense(&t, EB_DT_I8, 1, 0, 0, &s, &err), EB_OK);
    assert_int_equal(s->u.quant.n_scales, 3);
    assert_true(s->u.quant.scale[0] == 2.0f / 127 && s->u.quant.scale[1] == 0.5f / 127 && s->u.quant.scale[2] == 4.0f / 127);
    eb_tensor ct = compressed(&t, s);
    s->u.quant.zero_point[1] = 200; /* outside i8 */
    assert_int_equal(eb_storage_validate(&ct, "w", &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "zero point 1 is 200"));
    s->u.quant.zero_point[1] = 0;
    s->u.quant.scale[2] = 0;
    assert_int_equal(eb_storage_validate(&ct, "w", &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "scale 2"));
    eb_storage_free(s);
    /* a group that does not divide the last dim, axis and group at once, a non-quant type */
    assert_int_equal(eb_storage_quant_from_dense(&t, EB_DT_I4, -1, 2, 0, &s, &err), EB_EINVAL);
    assert_int_equal(eb_storage_quant_from_dense(&t, EB_DT_I4, 0, 3, 0, &s, &err), EB_EINVAL);
    assert_int_equal(eb_storage_quant_from_dense(&t, EB_DT_F16, -1, 0, 0, &s, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "expected i8, u8 or i4"));
}

static void validate__storage_and_data_at_once__is_refused(void **state)
{
    (void)state;
    float x[4] = {1, 0, 0, 2};
    eb_tensor t = dense(x, 1, (int64_t[]){4});
    eb_storage *s;
    eb_err err = {{0}};
    assert_int_equal(eb_storage_csr_from_dense(&t, false, &s, &err), EB_OK);
    eb_tensor both = t;
    both.storage = s;
    assert_int_equal(eb_storage_validate(&both, "w", &err), EB_EFORMAT);
    assert_non_null(strstr(err.msg, "csr storage and dense data at once"));
    eb_storage_free(s);
}

static void runners__a_broken_storage__is_refused_in_prepare_and_a_valid_one_accepted(void **state)
{
    (void)state;
    /* a hand-made graph: a constant and a value, no nodes */
    eb_graph *g = calloc(1, sizeof *g);
    g->n_values = 2;
    g->values = calloc(2, sizeof *g->values);
    g->path = strdup("hand.onnx");
    float *w = malloc(4 * sizeof *w);
    w[0] = 1, w[1] = 0, w[2] = 0, w[3] = 2;
    eb_tensor t = dense(w, 1, (int64_t[]){4});
    g->values[0].name = strdup("w");
    g->values[0].t = t;
    g->values[0].is_const = g->values[0].is_initializer = g->values[0].shape_known = true;
    g->values[1].name = strdup("y");
    eb_err err = {{0}};
    eb_storage *s;
    assert_int_equal(eb_storage_csr_from_dense(&g->values[0].t, false, &s, &err), EB_OK);
    free(g->values[0].t.data);
    g->values[0].t.data = NULL;
    g->values[0].t.storage = s;
    char why[256] = "";
    for (int i = 0; i < eb_runner_count(); i++) {
        const eb_runner *r = eb_runner_at(i);
        eb_variant v = eb_variant_default(r->name);
        if (strcmp(r->name, "ref") == 0 || strcmp(r->name, "cpu") == 0) /* the host runners run every format */
            assert_true(r->supports(g, &v, why, sizeof why));
    }
    const eb_runner *ref = eb_runner_find("ref");
    eb_variant v = eb_variant_default("ref");
    eb_plan *plan = NULL;
    assert_int_equal(ref->prepare(g, &v, &plan, &err), EB_OK);
    eb_plan_info info;
    ref->info(plan, &info);
    assert_int_equal(info.weight_bytes, eb_tensor_stored_bytes(&g->values[0].t)); /* as stored */
    ref->release(plan);
    s->u.csr.row_ptr[1] = 5; /* row 0 claims more nonzeros than there are */
    plan = (eb_plan *)1;
    assert_int_equal(ref->prepare(g, &v, &plan, &err), EB_EFORMAT);
    assert_null(plan);
    assert_non_null(strstr(err.msg, "'w'") ? err.msg : strstr(err.msg, "w: csr"));
    eb_graph_free(g); /* frees the storage too (ASan checks) */
}

static void import__every_zoo_weight__is_dense(void **state)
{
    (void)state;
    const char *models[] = {"models/zoo/fmnist-mlp.onnx", "models/zoo/fmnist-cnn.onnx", "models/zoo/fmnist-dwsep.onnx",
                            "models/zoo/fmnist-vit.onnx"};
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        eb_graph *g;
        eb_err err = {{0}};
        if (eb_graph_load(models[m], &g, &err) != EB_OK)
            fail_msg("%s", err.msg);
        int consts = 0;
        for (int i = 0; i < g->n_values; i++) {
            assert_int_equal(eb_tensor_storage_kind(&g->values[i].t), EB_STORAGE_DENSE);
            if (g->values[i].is_initializer) {
                consts++;
                assert_int_equal(eb_storage_validate(&g->values[i].t, g->values[i].name, &err), EB_OK);
            }
        }
        assert_true(consts > 0);
        eb_graph_free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(storage_kind__of_a_plain_tensor__is_dense),
        cmocka_unit_test(csr__of_a_small_matrix__has_the_hand_worked_arrays),
        cmocka_unit_test(csr__of_random_rank4_data__decodes_exactly),
        cmocka_unit_test(nm__2_of_4__keeps_the_two_largest_magnitudes),
        cmocka_unit_test(nm__bad_arguments__are_refused_with_the_reason),
        cmocka_unit_test(quant__i8_u8_i4__decode_within_half_a_step),
        cmocka_unit_test(quant__per_channel_scales__follow_the_axis),
        cmocka_unit_test(validate__storage_and_data_at_once__is_refused),
        cmocka_unit_test(import__every_zoo_weight__is_dense),
        cmocka_unit_test(runners__a_broken_storage__is_refused_in_prepare_and_a_valid_one_accepted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
