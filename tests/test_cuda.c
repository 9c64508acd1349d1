/* test_cuda.c - the `cuda` runner against the reference kernels.
 *
 * Needs the runner built (make CUDA=auto|yes with nvcc) and a CUDA device
 * of sm_80 or later; without either, every test is a cmocka skip that
 * prints the reason (CUDA's own error text when there is no driver or no
 * device): CI machines have no GPU.  With one:
 *  - the GEMM kernels directly, in each math mode, on random odd shapes
 *    (row-major and transposed B, broadcast batches, fp16 weights) with
 *    random non-zero data (sign * [0.1, 1)), against the reference MatMul,
 *    by relative L2 error ||gpu - ref|| / ||ref||: fp32 1e-4; tf32 and
 *    fp16 (10-bit mantissas, unit roundoff 2^-11) 5e-3; bf16 (7 bits,
 *    2^-8) 3e-2;
 *  - (tests/cuda_cases.h, shared with test_cuda_host.c, which runs them on
 *    a host stand-in for the GPU) single-op graphs through the runner
 *    against the ref runner:
 *    convolution (groups 1 and 2, depthwise, 1x1, 3x3, 5x5, stride 2,
 *    pads, dilation, with Relu / Clip fused), max / average / global
 *    pooling, Gemm, batched MatMul, softmax, layer norm, transpose,
 *    concat and broadcasting arithmetic, fp32 at 1e-4, with no fallback;
 *  - the zoo's Fashion-MNIST models on 300 test images: top-1 identical to
 *    ref's, image by image, and no fallback; in the tensor-core modes
 *    within 1% of the images. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/dataset.h"
#include "models/graph.h"
#include "models/storage.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "runners/runner.h"
#include "tests/test_util.h"

static uint64_t rng;

/* A value never zero: sign * [0.1, 1). */
static float rand_nonzero(void)
{
    float v = eb_test_uniform(&rng, 0.1f, 1.0f);
    return eb_test_rand(&rng) & 1 ? v : -v;
}

#include "tests/test_graph_builder.h"

#ifdef EB_HAVE_CUDA
#include <cuda_runtime_api.h>

#include "runners/cuda/cu_kernels.h"
#include "runners/cuda/cuda_devices.h"
#endif

static int setup(void **state)
{
    (void)state;
    rng = eb_test_seed();
    return 0;
}

/* Skips the calling test, saying why, unless the runner is built and a
 * CUDA device of sm_80 or later is there. */
static const eb_runner *need_device(void)
{
    const eb_runner *r = eb_runner_find("cuda");
    if (!r) {
        printf("SKIP: the cuda runner is not built into this binary (make CUDA=yes needs nvcc on PATH)\n");
        skip();
    }
#ifdef EB_HAVE_CUDA
    char why[256];
    if (eb_cu_device_count(why, sizeof why) == 0) {
        printf("SKIP: %s\n", why);
        skip();
    }
    if (eb_cu_device_sm(0) < 80) {
        printf("SKIP: CUDA device 0 is sm_%d; the kernels are built for sm_80 and later\n", eb_cu_device_sm(0));
        skip();
    }
#endif
    return r;
}

#include "tests/cuda_cases.h"

/* ---- (a) the GEMM kernels ------------------------------------------------------ */

#ifdef EB_HAVE_CUDA
static eb_tensor f32(int rank, const int64_t *dims)
{
    eb_tensor t;
    memset(&t, 0, sizeof t);
    t.dtype = EB_DT_F32;
    t.rank = rank;
    memcpy(t.shape, dims, sizeof(int64_t) * (size_t)rank);
    return t;
}

static void *dev_copy(const void *h, size_t bytes)
{
    void *d = NULL;
    assert_int_equal(cudaMalloc(&d, bytes ? bytes : 1), cudaSuccess);
    if (h)
        assert_int_equal(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice), cudaSuccess);
    return d;
}

/* C[batch, m, n] = A[batch or 1, m, k] B[k, n] (or B^T stored [n, k]) on
 * the GPU in `math`, against the reference MatMul of the same values (B
 * rounded to fp16 first when b_half). */
static double gemm_case(int math, int batch, int a_batch, int m, int n, int k, bool b_trans, bool b_half)
{
    eb_tensor a = f32(3, (int64_t[]){a_batch, m, k}), b = f32(2, (int64_t[]){k, n});
    fill(&a);
    fill(&b);
    eb_err err;
    uint16_t *bh = NULL;
    if (b_half) { /* the fp16 bits, and B as the kernel sees it */
        eb_storage *s = NULL;
        assert_int_equal(eb_storage_f16_from_dense(&b, &s, &err), EB_OK);
        b.storage = s;
        assert_int_equal(eb_storage_to_dense(&b, b.data, &err), EB_OK);
        b.storage = NULL;
        bh = malloc((size_t)k * (size_t)n * 2);
        assert_non_null(bh);
        memcpy(bh, s->u.f16.data, (size_t)k * (size_t)n * 2);
        eb_storage_free(s);
    }
    float *bt = malloc(sizeof(float) * (size_t)k * (size_t)n); /* B^T, [n, k] */
    assert_non_null(bt);
    for (int i = 0; i < k; i++)
        for (int j = 0; j < n; j++)
            bt[(size_t)j * k + i] = ((float *)b.data)[(size_t)i * n + j];
    /* the reference: MatMul of A (broadcast over the batch) and B */
    eb_tensor ab = f32(3, (int64_t[]){batch, m, k}), want = f32(3, (int64_t[]){batch, m, n});
    assert_int_equal(eb_tensor_alloc(&ab, "a", &err), EB_OK);
    for (int i = 0; i < batch; i++)
        memcpy((float *)ab.data + (size_t)i * m * k, (float *)a.data + (size_t)(a_batch == 1 ? 0 : i) * m * k,
               sizeof(float) * (size_t)m * k);
    assert_int_equal(eb_tensor_alloc(&want, "want", &err), EB_OK);
    int ins[2] = {0, 1}, outs[1] = {2};
    eb_node node = {.op = EB_OP_MATMUL, .op_type = "MatMul", .name = "mm", .opset = 17, .n_in = 2, .n_out = 1,
                    .in = ins, .out = outs};
    const eb_tensor *rin[2] = {&ab, &b};
    eb_tensor *rout[1] = {&want};
    assert_int_equal(eb_ref_eval(&node, rin, rout, &err), EB_OK);

    size_t cbytes = sizeof(float) * (size_t)batch * m * n;
    eb_cu_gemm g = {.m = m, .n = n, .k = k, .batch = batch, .alpha = 1.0f, .math = math};
    g.a = dev_copy(a.data, eb_tensor_nbytes(&a));
    g.a_rs = k, g.a_cs = 1, g.a_bs = a_batch == 1 ? 0 : (int64_t)m * k;
    if (b_half) {
        uint16_t *bth = malloc((size_t)k * (size_t)n * 2);
        assert_non_null(bth);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < n; j++)
                bth[(size_t)j * k + i] = bh[(size_t)i * n + j];
        g.b = dev_copy(b_trans ? bth : bh, (size_t)k * n * 2);
        g.b_half = 1;
        free(bth);
    } else {
        g.b = dev_copy(b_trans ? bt : b.data, sizeof(float) * (size_t)k * n);
    }
    g.b_rs = b_trans ? 1 : n, g.b_cs = b_trans ? k : 1;
    g.c = dev_copy(NULL, cbytes);
    g.c_rs = n, g.c_bs = (int64_t)m * n;
    assert_int_equal(eb_cu_gemm_run(&g, NULL), cudaSuccess);
    assert_int_equal(cudaDeviceSynchronize(), cudaSuccess);
    float *got = malloc(cbytes);
    assert_non_null(got);
    assert_int_equal(cudaMemcpy(got, g.c, cbytes, cudaMemcpyDeviceToHost), cudaSuccess);
    double e = rel_l2(got, want.data, (int64_t)batch * m * n);
    cudaFree((void *)g.a);
    cudaFree((void *)g.b);
    cudaFree(g.c);
    free(got);
    free(bt);
    free(bh);
    eb_tensor_free_data(&a);
    eb_tensor_free_data(&b);
    eb_tensor_free_data(&ab);
    eb_tensor_free_data(&want);
    return e;
}
#endif

static void gemm__each_math_mode__matches_reference_matmul(void **state)
{
    (void)state;
    need_device();
#ifdef EB_HAVE_CUDA
    static const char *const names[] = {"fp32", "tf32", "fp16", "bf16"};
    static const double tol[] = {1e-4, 5e-3, 5e-3, 3e-2};
    /* the last two: few tiles and a long K, split along K */
    static const int shapes[][3] = {{1, 1, 1},      {3, 5, 7},       {17, 33, 65}, {63, 129, 31},
                                    {130, 67, 257}, {257, 300, 129}, {7, 9, 3001}, {65, 49, 1537}};
    for (int math = 0; math < 4; math++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
            for (int variant = 0; variant < 4; variant++) {
                bool trans = variant & 1, half = variant == 2;
                int batch = variant == 3 ? 3 : 1, a_batch = variant == 3 ? (s % 2 ? 1 : 3) : 1;
                double e = gemm_case(math, batch, a_batch, shapes[s][0], shapes[s][1], shapes[s][2], trans, half);
                if (!(e <= tol[math]))
                    fail_msg("math=%s m %d n %d k %d (B %s%s, batch %d of A's %d): relative L2 error %.3g > %.1g",
                             names[math], shapes[s][0], shapes[s][1], shapes[s][2], trans ? "transposed" : "row-major",
                             half ? ", fp16" : "", batch, a_batch, e, tol[math]);
            }
#endif
}

/* ---- (c) the zoo in the tensor-core modes ------------------------------------------ */

/* the tensor-core modes are not held to identical top-1 (their inputs are
 * rounded); they are printed, and must stay within 1% of the images */
static void zoo__tensor_core_modes__top1_within_one_percent(void **state)
{
    (void)state;
    const eb_runner *cuda = need_device();
    static const char *const maths[] = {"tf32", "fp16", "bf16"};
    for (size_t m = 0; m < sizeof maths / sizeof maths[0]; m++) {
        char fb[256];
        int bad = zoo_mismatches(cuda, "fmnist-cnn", maths[m], fb, sizeof fb);
        printf("  fmnist-cnn math=%s: %d of %d top-1 differ from ref\n", maths[m], bad, ZOO_IMAGES);
        assert_true(bad * 100 <= ZOO_IMAGES);
    }
}

/* without a device the runner refuses with CUDA's reason, and never fails */
static void supports__without_device__unsupported_with_reason(void **state)
{
    (void)state;
    const eb_runner *r = eb_runner_find("cuda");
    if (!r) {
        printf("SKIP: the cuda runner is not built into this binary (make CUDA=yes needs nvcc on PATH)\n");
        skip();
    }
#ifdef EB_HAVE_CUDA
    char why[256];
    if (eb_cu_device_count(why, sizeof why) > 0) {
        printf("SKIP: this machine has a CUDA device (the no-device path is for machines without one)\n");
        skip();
    }
    eb_graph *g = NULL;
    eb_err err = {{0}};
    assert_int_equal(eb_model_load("zoo:fmnist-mlp", &g, NULL, &err), EB_OK);
    assert_int_equal(eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err), EB_OK);
    eb_variant v = eb_variant_default("cuda");
    char reason[512] = "";
    assert_false(r->supports(g, &v, reason, sizeof reason));
    assert_true(strncmp(reason, "no CUDA device: ", 16) == 0);
    eb_device d[2];
    assert_int_equal(r->devices(d, 2), 0);
    eb_graph_free(g);
#endif
}

int main(void)
{
    eb_mb_random_values(rand_nonzero);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(supports__without_device__unsupported_with_reason),
        cmocka_unit_test(gemm__each_math_mode__matches_reference_matmul),
        cmocka_unit_test(conv__random_shapes__match_ref),
        cmocka_unit_test(pool__max_avg_global__match_ref),
        cmocka_unit_test(graph_ops__match_ref),
        cmocka_unit_test(fallback_and_gather__match_ref),
        cmocka_unit_test(arch__large_models__match_ref),
        cmocka_unit_test(zoo__fmnist_models__same_top1_as_ref),
        cmocka_unit_test(zoo__tensor_core_modes__top1_within_one_percent),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
