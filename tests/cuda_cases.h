/* cuda_cases.h - the cuda runner's graph-level checks against the ref
 * runner, shared by test_cuda.c (on a GPU) and test_cuda_host.c (on the
 * host stand-in, tests/cuda_fake.h): single-op graphs on random odd shapes
 * (convolution of every kind with fused Relu / Clip, pooling, Gemm,
 * attention, MatMul + bias, layer norm, concat, broadcasting), fp32 to
 * 1e-4 relative L2 with no fallback, and the zoo's Fashion-MNIST models on
 * 300 test images with top-1 identical to ref's and no fallback.  The
 * includer defines rand_nonzero() and need_device() (which skips, with
 * the reason, where the runner cannot run) and includes cmocka.h,
 * tests/test_graph_builder.h, models/dataset.h, models/zoo.h and runners/runner.h
 * first. */
#ifndef EB_TESTS_CUDA_CASES_H
#define EB_TESTS_CUDA_CASES_H

static const eb_runner *need_device(void);

static double rel_l2(const float *got, const float *want, int64_t n)
{
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = (double)got[i] - want[i];
        num += d * d;
        den += (double)want[i] * want[i];
    }
    return den > 0 ? sqrt(num / den) : sqrt(num);
}

/* random non-zero floats; int64 inputs (token ids) in [0, 1000) */
static void fill(eb_tensor *t)
{
    eb_err err;
    t->data = NULL;
    assert_int_equal(eb_tensor_alloc(t, "test", &err), EB_OK);
    for (int64_t i = 0; i < eb_tensor_numel(t); i++)
        if (t->dtype == EB_DT_I64)
            ((int64_t *)t->data)[i] = (int64_t)(eb_test_rand(&rng) % 1000);
        else
            ((float *)t->data)[i] = rand_nonzero();
}

/* ---- (b) single-op graphs through the runner -------------------------------------- */

/* runs g (compressed already, as cs says; NULL: not) on `ref` and on `cuda`
 * (math=), the same random inputs, every output; returns the worst
 * relative L2 error and the plan's fallbacks */
static double vs_ref(const eb_runner *cuda, eb_graph *g, const char *math, const eb_compress_spec *cs,
                     char *fallbacks, size_t fn)
{
    eb_err err = {{0}};
    eb_tensor in[4], want[4], got[4];
    for (int i = 0; i < g->n_inputs; i++) {
        in[i] = g->values[g->inputs[i]].t;
        in[i].storage = NULL;
        fill(&in[i]);
    }
    for (int i = 0; i < g->n_outputs; i++) {
        eb_tensor_copy_meta(&want[i], &g->values[g->outputs[i]].t);
        eb_tensor_copy_meta(&got[i], &g->values[g->outputs[i]].t);
        want[i].data = got[i].data = NULL;
        assert_int_equal(eb_tensor_alloc(&want[i], "want", &err), EB_OK);
        assert_int_equal(eb_tensor_alloc(&got[i], "got", &err), EB_OK);
    }
    const eb_runner *ref = eb_runner_find("ref");
    eb_variant rv = eb_variant_default("ref"), cv = eb_variant_default("cuda");
    snprintf(cv.math, sizeof cv.math, "%s", math);
    if (cs) {
        rv.compress = cv.compress = *cs;
        snprintf(cv.quant, sizeof cv.quant, "%s", eb_quant_kind_name(cs->quant));
        snprintf(rv.quant, sizeof rv.quant, "%s", eb_quant_kind_name(cs->quant));
    }
    eb_plan *p = NULL;
    if (ref->prepare(g, &rv, &p, &err) != EB_OK || ref->run(p, in, want, &err) != EB_OK)
        fail_msg("ref: %s", err.msg);
    ref->release(p);
    char why[512];
    if (!cuda->supports(g, &cv, why, sizeof why))
        fail_msg("cuda refuses the graph: %s", why);
    if (cuda->prepare(g, &cv, &p, &err) != EB_OK || cuda->run(p, in, got, &err) != EB_OK)
        fail_msg("cuda: %s", err.msg);
    eb_plan_info info;
    cuda->info(p, &info);
    snprintf(fallbacks, fn, "%s", info.fallbacks);
    assert_true(info.device_bytes > 0);
    assert_int_equal(info.phases.runs, 1);
    cuda->release(p);
    double worst = 0;
    for (int i = 0; i < g->n_outputs; i++) {
        double e = rel_l2(got[i].data, want[i].data, eb_tensor_numel(&want[i]));
        worst = e > worst ? e : worst;
        eb_tensor_free_data(&want[i]);
        eb_tensor_free_data(&got[i]);
    }
    for (int i = 0; i < g->n_inputs; i++)
        eb_tensor_free_data(&in[i]);
    return worst;
}

static void expect_match(const eb_runner *cuda, eb_graph *g, const char *what)
{
    char fb[256];
    double e = vs_ref(cuda, g, "fp32", NULL, fb, sizeof fb);
    if (!(e <= 1e-4))
        fail_msg("%s: relative L2 error %.3g > 1e-4", what, e);
    if (fb[0])
        fail_msg("%s: nodes fell back: %s", what, fb);
    eb_graph_free(g);
}

typedef struct conv_case {
    int n, c, h, w, m, k, stride, pad, dil, group;
    const char *act; /* "", "Relu", "Clip" */
} conv_case;

static void conv__random_shapes__match_ref(void **state)
{
    (void)state;
    const eb_runner *cuda = need_device();
    static const conv_case cases[] = {
        {1, 3, 11, 13, 5, 3, 1, 1, 1, 1, ""},   {2, 4, 9, 7, 6, 3, 2, 1, 1, 2, "Relu"},
        {1, 5, 13, 11, 7, 1, 1, 0, 1, 1, "Clip"}, {3, 7, 10, 9, 7, 3, 1, 1, 1, 7, "Clip"},
        {1, 6, 17, 15, 6, 5, 2, 2, 1, 6, ""},   {1, 3, 15, 17, 4, 3, 1, 2, 2, 1, "Relu"},
        {2, 5, 7, 7, 9, 1, 2, 0, 1, 1, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const conv_case *c = &cases[i];
        mb b;
        mb_begin(&b, 17);
        mb_input(&b, "x", 4, (int64_t[]){c->n, c->c, c->h, c->w});
        mb_init(&b, "w", 4, (int64_t[]){c->m, c->c / c->group, c->k, c->k}, NULL);
        mb_init1(&b, "b", c->m, NULL);
        mb_node(&b, "Conv", "x,w,b", c->act[0] ? "t" : "y");
        mb_attr_ints(&b, "kernel_shape", 2, (int64_t[]){c->k, c->k});
        mb_attr_ints(&b, "strides", 2, (int64_t[]){c->stride, c->stride});
        mb_attr_ints(&b, "pads", 4, (int64_t[]){c->pad, c->pad, c->pad, c->pad});
        mb_attr_ints(&b, "dilations", 2, (int64_t[]){c->dil, c->dil});
        mb_attr_int(&b, "group", c->group);
        if (strcmp(c->act, "Clip") == 0) {
            mb_scalar(&b, "lo", -0.5f);
            mb_node(&b, "Clip", "t,lo", "y"); /* no max: only the lower bound */
        } else if (c->act[0]) {
            mb_node(&b, c->act, "t", "y");
        }
        mb_output(&b, "y");
        char what[64];
        snprintf(what, sizeof what, "conv case %zu", i);
        expect_match(cuda, mb_load(&b), what);
    }
}

static void pool__max_avg_global__match_ref(void **state)
{
    (void)state;
    const eb_runner *cuda = need_device();
    static const char *const ops[] = {"MaxPool", "AveragePool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        mb b;
        mb_begin(&b, 17);
        mb_input(&b, "x", 4, (int64_t[]){2, 3, 13, 11});
        mb_node(&b, ops[i], "x", "y");
        if (ops[i][0] != 'G') {
            mb_attr_ints(&b, "kernel_shape", 2, (int64_t[]){3, 2});
            mb_attr_ints(&b, "strides", 2, (int64_t[]){2, 2});
            mb_attr_ints(&b, "pads", 4, (int64_t[]){1, 0, 1, 1});
            if (i == 2)
                mb_attr_int(&b, "count_include_pad", 1);
            mb_attr_int(&b, "ceil_mode", (int64_t)(i == 0));
        }
        mb_output(&b, "y");
        expect_match(cuda, mb_load(&b), ops[i]);
    }
}

/* Gemm with a bias and Relu; batched attention-style MatMul with its
 * softmax; MatMul + bias Add; layer norm; transpose; concat; broadcasting */
static void graph_ops__match_ref(void **state)
{
    (void)state;
    const eb_runner *cuda = need_device();
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 2, (int64_t[]){7, 33});
    mb_init(&b, "w", 2, (int64_t[]){19, 33}, NULL);
    mb_init1(&b, "c", 19, NULL);
    mb_node(&b, "Gemm", "x,w,c", "t");
    mb_attr_int(&b, "transB", 1);
    mb_attr_float(&b, "alpha", 0.5f);
    mb_node(&b, "Relu", "t", "y");
    mb_output(&b, "y");
    expect_match(cuda, mb_load(&b), "Gemm+Relu");

    /* few output tiles and a long reduction: split along K, the bias and
     * Clip applied after the slices */
    mb_begin(&b, 17);
    mb_input(&b, "x", 2, (int64_t[]){3, 1200});
    mb_init(&b, "w", 2, (int64_t[]){1200, 10}, NULL);
    mb_init1(&b, "c", 10, NULL);
    mb_node(&b, "Gemm", "x,w,c", "t");
    mb_scalar(&b, "lo", -0.3f);
    mb_scalar(&b, "hi", 0.4f);
    mb_node(&b, "Clip", "t,lo,hi", "y");
    mb_output(&b, "y");
    expect_match(cuda, mb_load(&b), "Gemm+Clip, split K");

    mb_begin(&b, 17);
    mb_input(&b, "q", 4, (int64_t[]){2, 3, 9, 16});
    mb_input(&b, "k", 4, (int64_t[]){2, 3, 16, 9});
    mb_input(&b, "v", 4, (int64_t[]){2, 3, 9, 16});
    mb_node(&b, "MatMul", "q,k", "s");
    mb_node(&b, "Softmax", "s", "a");
    mb_attr_int(&b, "axis", -1);
    mb_node(&b, "MatMul", "a,v", "o");
    mb_node(&b, "Transpose", "o", "ot");
    mb_attr_ints(&b, "perm", 4, (int64_t[]){0, 2, 1, 3});
    mb_output(&b, "ot");
    expect_match(cuda, mb_load(&b), "attention");

    mb_begin(&b, 17);
    mb_input(&b, "x", 3, (int64_t[]){2, 5, 24});
    mb_init(&b, "w", 2, (int64_t[]){24, 40}, NULL);
    mb_init1(&b, "bias", 40, NULL);
    mb_init1(&b, "g", 40, NULL);
    mb_init1(&b, "be", 40, NULL);
    mb_node(&b, "MatMul", "x,w", "t");
    mb_node(&b, "Add", "t,bias", "u");
    mb_node(&b, "LayerNormalization", "u,g,be", "ln");
    mb_attr_int(&b, "axis", -1);
    mb_node(&b, "Concat", "ln,u", "cat");
    mb_attr_int(&b, "axis", 1);
    mb_init(&b, "s", 2, (int64_t[]){1, 40}, NULL);
    mb_node(&b, "Mul", "cat,s", "m");
    mb_node(&b, "Sigmoid", "m", "y");
    mb_output(&b, "y");
    expect_match(cuda, mb_load(&b), "MatMul+Add, LayerNorm, Concat, Mul, Sigmoid");
}

/* an op without a kernel (ReduceMean) runs on the reference fallback
 * between device steps: its input copied down, its output up; Gather with
 * constant and computed indices runs on the device */
static void fallback_and_gather__match_ref(void **state)
{
    (void)state;
    const eb_runner *cuda = need_device();
    mb b;
    mb_begin(&b, 17);
    mb_input(&b, "x", 4, (int64_t[]){2, 3, 7, 5});
    mb_init(&b, "w", 4, (int64_t[]){4, 3, 3, 3}, NULL);
    mb_node(&b, "Conv", "x,w", "c");
    mb_attr_ints(&b, "kernel_shape", 2, (int64_t[]){3, 3});
    mb_attr_ints(&b, "pads", 4, (int64_t[]){1, 1, 1, 1});
    mb_node(&b, "ReduceMean", "c", "m");
    mb_attr_ints(&b, "axes", 1, (int64_t[]){3});
    mb_node(&b, "Relu", "m", "r");
    mb_init_i64(&b, "idx", 3, (int64_t[]){2, -1, 0});
    mb_node(&b, "Gather", "r,idx", "y");
    mb_attr_int(&b, "axis", 1);
    mb_output(&b, "y");
    eb_graph *g = mb_load(&b);
    char fb[256];
    double e = vs_ref(cuda, g, "fp32", NULL, fb, sizeof fb);
    if (!(e <= 1e-4))
        fail_msg("Conv, ReduceMean (fallback), Relu, Gather: relative L2 error %.3g > 1e-4", e);
    assert_string_equal(fb, "ReduceMean x1");
    eb_graph_free(g);
}

/* the architecture models (make zoo-large into models/cache, or the CLI
 * tests' export into build/arch): whole-model output against ref on one
 * random input, no fallback; skipped, saying so, when none is exported */
static void arch__large_models__match_ref(void **state)
{
    (void)state;
    const eb_runner *cuda = need_device();
    static const char *const names[] = {"mobilenet_v2", "resnet18", "bert"};
    static const char *const dirs[] = {"models/cache", "build/arch"};
    int ran = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[256] = "";
        for (size_t d = 0; d < sizeof dirs / sizeof dirs[0] && !path[0]; d++) {
            snprintf(path, sizeof path, "%s/%s/model.onnx", dirs[d], names[i]);
            FILE *f = fopen(path, "rb");
            if (f)
                fclose(f);
            else
                path[0] = '\0';
        }
        if (!path[0])
            continue;
        eb_graph *g = NULL;
        eb_err err = {{0}};
        if (eb_model_load(path, &g, NULL, &err) != EB_OK || eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err) != EB_OK)
            fail_msg("%s: %s", path, err.msg);
        char fb[256];
        double e = vs_ref(cuda, g, "fp32", NULL, fb, sizeof fb);
        printf("  %s: relative L2 %.3g against ref; fallbacks: %s\n", path, e, fb[0] ? fb : "none");
        if (!(e <= 1e-4) || fb[0])
            fail_msg("%s: relative L2 %.3g (limit 1e-4), fallbacks '%s'", path, e, fb);
        eb_graph_free(g);
        ran++;
    }
    if (!ran) {
        printf("SKIP: no architecture model exported (make zoo-large, or tests/cli/test_arch_models.sh into build/arch)\n");
        skip();
    }
}

/* ---- (c) the zoo ---------------------------------------------------------------------- */

enum { ZOO_IMAGES = 300 };

static void top1(const eb_tensor *t, int64_t rows, int *out)
{
    int64_t cols = eb_tensor_numel(t) / rows;
    const float *p = t->data;
    for (int64_t r = 0; r < rows; r++) {
        int best = 0;
        for (int64_t c = 1; c < cols; c++)
            if (p[r * cols + c] > p[r * cols + best])
                best = (int)c;
        out[r] = best;
    }
}

/* runs zoo model `name` on ZOO_IMAGES test images on ref and cuda (math),
 * returning how many images' top-1 differ */
static int zoo_mismatches(const eb_runner *cuda, const char *name, const char *math, char *fb, size_t fn)
{
    const eb_zoo_entry *z = eb_zoo_find(name);
    assert_non_null(z);
    eb_err err = {{0}};
    eb_dataset ds;
    if (eb_dataset_load_idx(z->test_images, z->test_labels, z->debian_package, &ds, &err) != EB_OK)
        fail_msg("%s", err.msg);
    char ref_name[80];
    snprintf(ref_name, sizeof ref_name, "zoo:%s", name);
    eb_graph *g = NULL;
    eb_shape_opts opts = {.batch = 100};
    if (eb_model_load(ref_name, &g, NULL, &err) != EB_OK || eb_graph_infer_shapes(g, &opts, eb_ref_eval, &err) != EB_OK)
        fail_msg("%s: %s", name, err.msg);
    eb_tensor in = g->values[g->inputs[0]].t, want, got;
    int64_t batch = in.shape[0];
    in.data = NULL;
    in.storage = NULL;
    eb_tensor_copy_meta(&want, &g->values[g->outputs[0]].t);
    eb_tensor_copy_meta(&got, &want);
    want.data = got.data = NULL;
    assert_int_equal(eb_tensor_alloc(&in, "in", &err), EB_OK);
    assert_int_equal(eb_tensor_alloc(&want, "want", &err), EB_OK);
    assert_int_equal(eb_tensor_alloc(&got, "got", &err), EB_OK);
    const eb_runner *ref = eb_runner_find("ref");
    eb_variant rv = eb_variant_default("ref"), cv = eb_variant_default("cuda");
    snprintf(cv.math, sizeof cv.math, "%s", math);
    eb_plan *rp = NULL, *cp = NULL;
    if (ref->prepare(g, &rv, &rp, &err) != EB_OK || cuda->prepare(g, &cv, &cp, &err) != EB_OK)
        fail_msg("%s: %s", name, err.msg);
    int bad = 0, *tr = malloc(sizeof(int) * (size_t)batch), *tc = malloc(sizeof(int) * (size_t)batch);
    assert_true(tr && tc);
    for (int64_t first = 0; first + batch <= ZOO_IMAGES; first += batch) {
        if (eb_dataset_fill(&ds, first, batch, &z->pre, &in, &err) != EB_OK || ref->run(rp, &in, &want, &err) != EB_OK ||
            cuda->run(cp, &in, &got, &err) != EB_OK)
            fail_msg("%s: %s", name, err.msg);
        top1(&want, batch, tr);
        top1(&got, batch, tc);
        for (int64_t i = 0; i < batch; i++)
            bad += tr[i] != tc[i];
    }
    eb_plan_info info;
    cuda->info(cp, &info);
    snprintf(fb, fn, "%s", info.fallbacks);
    ref->release(rp);
    cuda->release(cp);
    free(tr);
    free(tc);
    eb_tensor_free_data(&in);
    eb_tensor_free_data(&want);
    eb_tensor_free_data(&got);
    eb_graph_free(g);
    eb_dataset_free(&ds);
    return bad;
}

static void zoo__fmnist_models__same_top1_as_ref(void **state)
{
    (void)state;
    const eb_runner *cuda = need_device();
    static const char *const models[] = {"fmnist-mlp", "fmnist-cnn", "fmnist-dwsep", "fmnist-vit", "fmnist-student"};
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++) {
        char fb[256];
        int bad = zoo_mismatches(cuda, models[i], "fp32", fb, sizeof fb);
        printf("  %s: %d of %d top-1 differ from ref; fallbacks: %s\n", models[i], bad, ZOO_IMAGES, fb[0] ? fb : "none");
        if (bad)
            fail_msg("%s: %d of %d images' top-1 differ from ref", models[i], bad, ZOO_IMAGES);
        if (fb[0])
            fail_msg("%s: nodes fell back to the reference kernels: %s", models[i], fb);
    }
}

#endif
