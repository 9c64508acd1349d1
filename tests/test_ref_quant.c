/* test_ref_quant.c - the reference kernels on compressed weights
 * (reference_kernels/ref_compressed.c) against the arithmetic ref_quant.h
 * states, written out again here as plain loops: int8 Conv and MatMul
 * nodes (dynamic and static, requantized) bit for bit, the sparse products
 * against the dense product of the decoded weight, on random odd shapes
 * and random data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_quant.h"
#include "tests/test_util.h"

static eb_tensor make(uint64_t *st, int rank, const int64_t *shape, float lo, float hi)
{
    eb_tensor t = {.dtype = EB_DT_F32, .rank = rank};
    memcpy(t.shape, shape, (size_t)rank * sizeof *shape);
    eb_err err = {{0}};
    assert_int_equal(eb_tensor_alloc(&t, "t", &err), EB_OK);
    for (int64_t i = 0; i < eb_tensor_numel(&t); i++)
        ((float *)t.data)[i] = eb_test_uniform(st, lo, hi);
    return t;
}

static int32_t q8(float x, float s, int32_t z, int32_t lo, int32_t hi)
{
    long v = lrintf(x / s) + z;
    return v < lo ? lo : v > hi ? hi : (int32_t)v;
}

/* x [1, C, H, W] conv w [M, C, kh, kw], no padding, stride 1: the stated int8 arithmetic. */
static void expect_conv(const eb_tensor *x, const eb_tensor *w, const float *bias, const eb_node_quant *nq, float *y)
{
    const eb_storage_quant *wq = &w->storage->u.quant;
    const int8_t *wd = wq->data;
    int64_t c = x->shape[1], h = x->shape[2], wi = x->shape[3], m = w->shape[0], kh = w->shape[2], kw = w->shape[3];
    int64_t oh = h - kh + 1, ow = wi - kw + 1;
    float xs = nq->in_scale;
    int32_t xz = nq->in_zero;
    if (nq->act == EB_ACT_DYNAMIC)
        eb_ref_dynamic_grid(x->data, eb_tensor_numel(x), &xs, &xz);
    const float *xd = x->data;
    for (int64_t o = 0; o < m; o++)
        for (int64_t i = 0; i < oh; i++)
            for (int64_t j = 0; j < ow; j++) {
                int64_t acc = 0;
                for (int64_t ci = 0; ci < c; ci++)
                    for (int64_t a = 0; a < kh; a++)
                        for (int64_t b = 0; b < kw; b++)
                            acc += (int64_t)(q8(xd[(ci * h + i + a) * wi + j + b], xs, xz, 0, 255) - xz) *
                                   wd[((o * c + ci) * kh + a) * kw + b];
                float v = (float)(int32_t)acc * (xs * wq->scale[o]) + bias[o];
                if (nq->act == EB_ACT_STATIC && nq->requant)
                    v = (float)(q8(v, nq->out_scale, nq->out_zero, 0, 255) - nq->out_zero) * nq->out_scale;
                y[(o * oh + i) * ow + j] = v;
            }
}

static void int8_conv__matches_the_stated_arithmetic_bit_for_bit(void **state)
{
    (void)state;
    uint64_t st = eb_test_seed();
    for (int trial = 0; trial < 24; trial++) {
        int64_t c = 1 + (int64_t)(eb_test_rand(&st) % 5), m = 1 + (int64_t)(eb_test_rand(&st) % 7);
        int64_t kh = 1 + (int64_t)(eb_test_rand(&st) % 3), kw = 1 + (int64_t)(eb_test_rand(&st) % 3);
        int64_t h = kh + (int64_t)(eb_test_rand(&st) % 6), wd = kw + (int64_t)(eb_test_rand(&st) % 6);
        eb_tensor x = make(&st, 4, (int64_t[]){1, c, h, wd}, -2, 3);
        eb_tensor w = make(&st, 4, (int64_t[]){m, c, kh, kw}, -1, 1);
        eb_tensor b = make(&st, 1, (int64_t[]){m}, -0.5f, 0.5f);
        eb_storage *s;
        eb_err err = {{0}};
        assert_int_equal(eb_storage_quant_from_dense(&w, EB_DT_I8, 0, 0, 0, &s, &err), EB_OK);
        eb_tensor_free_data(&w);
        w.storage = s;
        eb_node_quant nq = trial % 2 ? (eb_node_quant){EB_ACT_DYNAMIC, 0, 0, false, 0, 0}
                                     : (eb_node_quant){EB_ACT_STATIC, 0.021f, 97, trial % 4 == 0, 0.05f, 31};
        int io[2] = {0, 1};
        eb_node n = {.op = EB_OP_CONV, .op_type = "Conv", .name = "c", .n_in = 3, .n_out = 1, .in = (int[]){0, 1, 2},
                     .out = io, .quant = &nq};
        int64_t oh = h - kh + 1, ow = wd - kw + 1;
        eb_tensor y = {.dtype = EB_DT_F32, .rank = 4, .shape = {1, m, oh, ow}};
        assert_int_equal(eb_tensor_alloc(&y, "y", &err), EB_OK);
        const eb_tensor *in[3] = {&x, &w, &b};
        eb_tensor *out[1] = {&y};
        assert_int_equal(eb_ref_eval(&n, in, out, &err), EB_OK);
        float *want = malloc((size_t)eb_tensor_numel(&y) * sizeof *want);
        expect_conv(&x, &w, b.data, &nq, want);
        assert_memory_equal(y.data, want, (size_t)eb_tensor_numel(&y) * sizeof *want);
        free(want);
        eb_tensor_free_data(&x);
        eb_tensor_free_data(&b);
        eb_tensor_free_data(&y);
        eb_storage_free(s);
    }
}

static void int8_matmul__matches_the_stated_arithmetic_bit_for_bit(void **state)
{
    (void)state;
    uint64_t st = eb_test_seed() + 1;
    for (int trial = 0; trial < 24; trial++) {
        int64_t rows = 1 + (int64_t)(eb_test_rand(&st) % 9), k = 1 + (int64_t)(eb_test_rand(&st) % 37),
                nn = 1 + (int64_t)(eb_test_rand(&st) % 11);
        eb_tensor x = make(&st, 2, (int64_t[]){rows, k}, -3, 2), w = make(&st, 2, (int64_t[]){k, nn}, -1, 1);
        eb_storage *s;
        eb_err err = {{0}};
        assert_int_equal(eb_storage_quant_from_dense(&w, EB_DT_I8, 1, 0, 0, &s, &err), EB_OK);
        eb_tensor_free_data(&w);
        w.storage = s;
        eb_node_quant nq = {EB_ACT_DYNAMIC, 0, 0, false, 0, 0};
        eb_node n = {.op = EB_OP_MATMUL, .op_type = "MatMul", .name = "m", .n_in = 2, .n_out = 1, .in = (int[]){0, 1},
                     .out = (int[]){2}, .quant = &nq};
        eb_tensor y = {.dtype = EB_DT_F32, .rank = 2, .shape = {rows, nn}};
        assert_int_equal(eb_tensor_alloc(&y, "y", &err), EB_OK);
        const eb_tensor *in[2] = {&x, &w};
        eb_tensor *out[1] = {&y};
        assert_int_equal(eb_ref_eval(&n, in, out, &err), EB_OK);
        float xs;
        int32_t xz;
        eb_ref_dynamic_grid(x.data, rows * k, &xs, &xz);
        const int8_t *wq = s->u.quant.data;
        for (int64_t i = 0; i < rows; i++)
            for (int64_t j = 0; j < nn; j++) {
                int64_t acc = 0;
                for (int64_t p = 0; p < k; p++)
                    acc += (int64_t)(q8(((float *)x.data)[i * k + p], xs, xz, 0, 255) - xz) * wq[p * nn + j];
                float want = (float)(int32_t)acc * (xs * s->u.quant.scale[j]);
                if (((float *)y.data)[i * nn + j] != want)
                    fail_msg("trial %d [%lld,%lld]: %.9g, stated %.9g", trial, (long long)i, (long long)j,
                             (double)((float *)y.data)[i * nn + j], (double)want);
            }
        eb_tensor_free_data(&x);
        eb_tensor_free_data(&y);
        eb_storage_free(s);
    }
}

static void sparse_products__equal_the_dense_product_of_the_decoded_weight(void **state)
{
    (void)state;
    uint64_t st = eb_test_seed() + 2;
    for (int trial = 0; trial < 32; trial++) {
        int64_t rows = 1 + (int64_t)(eb_test_rand(&st) % 7), k = 4 * (1 + (int64_t)(eb_test_rand(&st) % 9)),
                nn = 1 + (int64_t)(eb_test_rand(&st) % 13);
        bool transposed = trial % 2; /* MatMul's [K, N] weight, or Gemm transB's [N, K] */
        eb_tensor x = make(&st, 2, (int64_t[]){rows, k}, -1, 1);
        eb_tensor w = make(&st, 2, transposed ? (int64_t[]){k, nn} : (int64_t[]){nn, k}, -1, 1);
        for (int64_t i = 0; i < eb_tensor_numel(&w); i++) /* a third of the weights zero */
            if (eb_test_rand(&st) % 3 == 0)
                ((float *)w.data)[i] = 0;
        eb_storage *s;
        eb_err err = {{0}};
        if (trial % 4 < 2)
            assert_int_equal(eb_storage_csr_from_dense(&w, transposed, &s, &err), EB_OK);
        else
            assert_int_equal(eb_storage_nm_from_dense(&w, transposed, 2, 4, &s, &err), EB_OK);
        eb_tensor dense = w, packed = w;
        dense.data = malloc((size_t)eb_tensor_numel(&w) * sizeof(float));
        packed.data = NULL;
        packed.storage = s;
        assert_int_equal(eb_storage_to_dense(&packed, dense.data, &err), EB_OK);
        eb_attr tb = {.name = "transB", .type = EB_ATTR_INT, .i = 1};
        eb_node n = transposed ? (eb_node){.op = EB_OP_MATMUL, .op_type = "MatMul", .n_in = 2, .n_out = 1}
                               : (eb_node){.op = EB_OP_GEMM, .op_type = "Gemm", .n_in = 2, .n_out = 1, .n_attrs = 1,
                                           .attrs = &tb};
        eb_tensor y1 = {.dtype = EB_DT_F32, .rank = 2, .shape = {rows, nn}}, y2 = y1;
        assert_int_equal(eb_tensor_alloc(&y1, "y", &err), EB_OK);
        assert_int_equal(eb_tensor_alloc(&y2, "y", &err), EB_OK);
        assert_int_equal(eb_ref_eval(&n, (const eb_tensor *[]){&x, &packed}, (eb_tensor *[]){&y1}, &err), EB_OK);
        assert_int_equal(eb_ref_eval(&n, (const eb_tensor *[]){&x, &dense}, (eb_tensor *[]){&y2}, &err), EB_OK);
        char why[256];
        if (!eb_test_tensors_close(&y1, &y2, 1e-6, 1e-6, why, sizeof why))
            fail_msg("trial %d (%s%s): %s", trial, s->kind == EB_STORAGE_CSR ? "csr" : "nm", transposed ? ", transposed" : "", why);
        free(dense.data);
        eb_tensor_free_data(&w);
        eb_tensor_free_data(&x);
        eb_tensor_free_data(&y1);
        eb_tensor_free_data(&y2);
        eb_storage_free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(int8_conv__matches_the_stated_arithmetic_bit_for_bit),
        cmocka_unit_test(int8_matmul__matches_the_stated_arithmetic_bit_for_bit),
        cmocka_unit_test(sparse_products__equal_the_dense_product_of_the_decoded_weight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
