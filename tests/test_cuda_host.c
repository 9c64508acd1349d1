/* test_cuda_host.c - the cuda runner's planning and execution on a machine
 * without a GPU: the CUDA runtime and the kernel launchers are replaced by
 * host stand-ins (tests/cuda_fake.h: plain loops written from each
 * launcher's contract in cu_kernels.h), so everything the runner decides -
 * which nodes become which kernels with which strides, offsets, batch
 * strides and fused epilogues, Reshape and its kind as aliases, constants
 * uploaded (fp16 weights as their bits), the reference fallback with its
 * copies, concat's strided copies, the walk dropping a declined step - is
 * checked against the ref runner (tests/cuda_cases.h: single-op graphs on
 * odd shapes and the zoo's models, no fallback, top-1 identical).  The
 * CUDA kernels themselves need a GPU: test_cuda.c.  Skipped, with the
 * reason, when the runner is not built. */
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
#include "models/transform.h"
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
#include "tests/cuda_fake.h"
#endif

static int setup(void **state)
{
    (void)state;
    rng = eb_test_seed();
    return 0;
}

static const eb_runner *need_device(void)
{
    const eb_runner *r = eb_runner_find("cuda");
#ifdef EB_HAVE_CUDA
    if (r)
        return r;
#endif
    printf("SKIP: the cuda runner is not built into this binary (make CUDA=yes needs nvcc on PATH)\n");
    skip();
    return r;
}

#include "tests/cuda_cases.h"

/* quant=fp16 keeps the GEMM weights as fp16 bits on the device: the plan
 * must read them as such (the stand-in GEMM decodes them), so the result
 * matches ref on the same fp16 weights */
static void quant_fp16__weights_as_fp16__match_ref(void **state)
{
    (void)state;
    const eb_runner *cuda = need_device();
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 4, (int64_t[]){1, 3, 9, 9});
    mb_init(&b, "w", 4, (int64_t[]){5, 3, 3, 3}, NULL);
    mb_node(&b, "Conv", "x,w", "c");
    mb_attr_ints(&b, "kernel_shape", 2, (int64_t[]){3, 3});
    mb_node(&b, "Flatten", "c", "f");
    mb_init(&b, "fc", 2, (int64_t[]){245, 7}, NULL);
    mb_node(&b, "MatMul", "f,fc", "y");
    mb_output(&b, "y");
    eb_graph *g = mb_load(&b);
    eb_compress_spec cs = {.quant = EB_QUANT_FP16, .group = 32};
    eb_err err = {{0}};
    if (eb_graph_compress(g, &cs, NULL, NULL, &err) != EB_OK)
        fail_msg("quant=fp16: %s", err.msg);
    char fb[256];
    double e = vs_ref(cuda, g, "fp32", &cs, fb, sizeof fb);
    if (!(e <= 1e-4) || fb[0])
        fail_msg("quant=fp16: relative L2 %.3g, fallbacks '%s'", e, fb);
    eb_graph_free(g);
}

int main(void)
{
    eb_mb_random_values(rand_nonzero);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conv__random_shapes__match_ref),
        cmocka_unit_test(pool__max_avg_global__match_ref),
        cmocka_unit_test(graph_ops__match_ref),
        cmocka_unit_test(fallback_and_gather__match_ref),
        cmocka_unit_test(arch__large_models__match_ref),
        cmocka_unit_test(quant_fp16__weights_as_fp16__match_ref),
        cmocka_unit_test(zoo__fmnist_models__same_top1_as_ref),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
