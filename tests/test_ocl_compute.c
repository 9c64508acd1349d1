/* test_ocl_compute.c - the OpenCL runner's GEMM, MatMul, convolution and
 * pooling steps (runners/opencl/ocl_compute.h) against the reference
 * kernels, on the first OpenCL device (PoCL in CI).
 *
 * Each make function runs on random odd shapes (sizes around and past the
 * GEMM tiles, 1, primes) with random non-zero data from the seeded xorshift
 * (EB_TEST_SEED or the clock; the seed is printed), f32 and f16 weights,
 * every fused activation (none, relu, clip), with and without bias, and
 * input/output views at non-zero offsets in larger buffers whose other
 * elements must keep their sentinel.  The oracle is eb_ref_eval on a
 * one-node graph (Gemm with transB and alpha for GEMM and MatMul, one
 * batch matrix at a time; Conv; MaxPool / AveragePool / the global pools),
 * its output put through the activation here; f16 weights are decoded to
 * f32 (eb_storage_to_dense) for the oracle, the values the kernels compute
 * with.  Tolerance: |got - want| <= 1e-4 + 1e-4 * |want| (fp32 sums of up
 * to a few hundred products of values in [-1, 1] against the reference's).
 * Every convolution way (depthwise, 1x1 gemm, direct, im2col+gemm) is
 * asserted to have been taken by some case (direct and im2col forced with
 * EB_OCL_CONV: which one a shape takes depends on the device type).  Each GEMM-based case runs with
 * the tile the device's table picks and again with one of the list forced
 * (EB_OCL_TILE, in turn), so every tile of gemm.cl - the GPU ones too - is
 * checked on whatever device runs the test.
 *
 * Without the OpenCL runner in the build (EB_HAVE_OPENCL), or without a
 * device, every test is a visible skip with the reason. */
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
#include "reference_kernels/ref.h"
#include "tests/test_util.h"

#if EB_HAVE_OPENCL
#include "runners/opencl/ocl_compute.h"
#include "runners/opencl/ocl_gemm.h"

enum { PAD = 37 }; /* floats before and after a view, holding SENTINEL */
static const float SENTINEL = 1234.5f;
static const double RTOL = 1e-4, ATOL = 1e-4;

static uint64_t g_rng;
static eb_ocl g_ocl;
static bool g_open;
static char g_why[600];

static int setup(void **state)
{
    g_rng = eb_test_seed();
    eb_err err;
    g_open = eb_ocl_open(0, &g_ocl, &err) == EB_OK;
    if (!g_open)
        snprintf(g_why, sizeof g_why, "no OpenCL device to test on: %s", err.msg);
    return 0;
}

static int teardown(void **state)
{
    if (g_open)
        eb_ocl_close(&g_ocl);
    return 0;
}

static bool need_device(void)
{
    if (!g_open)
        print_message("skipped: %s\n", g_why);
    return g_open;
}

static float *random_floats(size_t n)
{
    float *v = malloc(sizeof(float) * (n ? n : 1));
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) {
        float x = eb_test_uniform(&g_rng, 0.05f, 1.0f); /* non-zero, either sign */
        v[i] = eb_test_rand(&g_rng) & 1 ? x : -x;
    }
    return v;
}

/* A device buffer of PAD + n + PAD floats: the view starts at PAD. */
static eb_ocl_view upload(const float *host, size_t n)
{
    size_t total = n + 2 * PAD;
    float *tmp = malloc(sizeof(float) * total);
    assert_non_null(tmp);
    for (size_t i = 0; i < total; i++)
        tmp[i] = SENTINEL;
    if (host)
        memcpy(tmp + PAD, host, sizeof(float) * n);
    eb_ocl_view v = {.offset = PAD};
    eb_err err;
    if (eb_ocl_buffer(&g_ocl, sizeof(float) * total, tmp, &v.mem, &err) != EB_OK)
        fail_msg("device buffer: %s", err.msg);
    free(tmp);
    return v;
}

/* Runs step s and reads the n floats of view y, checking the sentinels. */
static void run_and_read(const eb_ocl_step *s, eb_ocl_view y, float *out, size_t n, const char *what)
{
    cl_int rc = eb_ocl_step_enqueue(&g_ocl, s, NULL);
    if (rc != CL_SUCCESS)
        fail_msg("%s: enqueue: %s", what, eb_ocl_error_name(rc));
    size_t total = n + 2 * PAD;
    float *tmp = malloc(sizeof(float) * total);
    assert_non_null(tmp);
    rc = clEnqueueReadBuffer(g_ocl.queue, y.mem, CL_TRUE, 0, sizeof(float) * total, tmp, 0, NULL, NULL);
    if (rc != CL_SUCCESS)
        fail_msg("%s: read back: %s", what, eb_ocl_error_name(rc));
    for (size_t i = 0; i < PAD; i++)
        if (tmp[i] != SENTINEL || tmp[PAD + n + i] != SENTINEL)
            fail_msg("%s: wrote outside its output (element %zd)", what,
                     tmp[i] != SENTINEL ? (ptrdiff_t)i - PAD : (ptrdiff_t)(n + i));
    memcpy(out, tmp + PAD, sizeof(float) * n);
    free(tmp);
}

static void compare(const float *got, const float *want, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs((double)got[i] - want[i]) <= ATOL + RTOL * fabs((double)want[i])))
            fail_msg("%s: element %zu is %.8g, the reference %.8g (seed %llu)", what, i, got[i], want[i],
                     (unsigned long long)eb_test_seed());
}

/* Forces GEMM tile i of the list (EB_OCL_TILE), or the table's pick for -1. */
static void force_tile(int i)
{
    if (i < 0)
        unsetenv("EB_OCL_TILE");
    else
        setenv("EB_OCL_TILE", eb_ocl_tiles[i]->name, 1);
}

static int n_tiles(void)
{
    int n = 0;
    while (eb_ocl_tiles[n])
        n++;
    return n;
}

static float act_of(float v, eb_ocl_act act, float lo, float hi)
{
    return act == EB_OCL_ACT_RELU ? fmaxf(v, 0.0f) : act == EB_OCL_ACT_CLIP ? fminf(fmaxf(v, lo), hi) : v;
}

static const char *act_name(eb_ocl_act act)
{
    return act == EB_OCL_ACT_RELU ? "relu" : act == EB_OCL_ACT_CLIP ? "clip" : "none";
}

static eb_tensor tensor(float *data, int rank, const int64_t *shape)
{
    eb_tensor t = {.dtype = EB_DT_F32, .rank = rank, .data = data};
    for (int d = 0; d < rank; d++)
        t.shape[d] = shape[d];
    return t;
}

static eb_attr attr_int(const char *name, int64_t v)
{
    return (eb_attr){.name = (char *)name, .type = EB_ATTR_INT, .i = v};
}

static eb_attr attr_ints(const char *name, int64_t *v, size_t n)
{
    return (eb_attr){.name = (char *)name, .type = EB_ATTR_INTS, .ints = v, .n = n};
}

static void ref_node(eb_op op, const char *op_type, eb_attr *attrs, int n_attrs, const eb_tensor **in, int n_in,
                     eb_tensor *out)
{
    int ins[3] = {0, 1, 2}, outs[1] = {3};
    eb_node n = {.op = op, .op_type = (char *)op_type, .name = "oracle", .opset = 19, .n_in = n_in, .n_out = 1,
                 .in = ins, .out = outs, .n_attrs = n_attrs, .attrs = attrs};
    eb_tensor *o[1] = {out};
    memset(out->data, 0, eb_tensor_nbytes(out));
    eb_err err;
    if (eb_ref_eval(&n, in, o, &err) != EB_OK)
        fail_msg("%s reference: %s", op_type, err.msg);
}

/* A weight tensor of the given shape and its values as the kernels see
 * them (*dense): f32 as made, or f16 storage and its decoding. */
static eb_tensor make_weight(float *values, int rank, const int64_t *shape, bool f16, eb_storage **storage)
{
    eb_tensor w = tensor(values, rank, shape);
    *storage = NULL;
    if (!f16)
        return w;
    eb_err err;
    if (eb_storage_f16_from_dense(&w, storage, &err) != EB_OK)
        fail_msg("f16 storage: %s", err.msg);
    eb_tensor h = w;
    h.data = NULL;
    h.storage = *storage;
    if (eb_storage_to_dense(&h, values, &err) != EB_OK) /* the values the device computes with */
        fail_msg("f16 decode: %s", err.msg);
    return h;
}

/* ---- GEMM and MatMul ------------------------------------------------------------- */

typedef struct gemm_case {
    int64_t batch, m, n, k;
} gemm_case;

/* sizes around the tiles (8, 32, 64; k steps of 16 and 32), primes and 1 */
static const gemm_case GEMM_CASES[] = {
    {1, 1, 1, 1},   {1, 1, 70, 33},  {1, 7, 13, 5},   {1, 8, 64, 32},  {2, 9, 65, 17},  {1, 31, 33, 16},
    {1, 33, 31, 47}, {3, 63, 67, 15}, {1, 64, 64, 64}, {2, 65, 129, 97}, {1, 130, 66, 131}, {1, 200, 3, 257},
};

/* The oracle: per batch, a Gemm node (transB, alpha, the bias as C), then
 * the activation. */
static void gemm_oracle(const eb_ocl_matmul_desc *d, const float *a, const float *b, const float *bias, float *c)
{
    for (int64_t z = 0; z < d->batch; z++) {
        int64_t sa[2] = {d->m, d->k}, sb[2] = {d->trans_b ? d->n : d->k, d->trans_b ? d->k : d->n};
        int64_t sc[2] = {d->m, d->n}, sbias[1] = {d->n};
        eb_tensor ta = tensor((float *)a + z * d->a_batch_stride, 2, sa);
        eb_tensor tb = tensor((float *)b + z * d->b_batch_stride, 2, sb);
        eb_tensor tbias = tensor((float *)bias, 1, sbias), tc = tensor(c + z * d->c_batch_stride, 2, sc);
        eb_attr attrs[2] = {attr_int("transB", d->trans_b), {.name = "alpha", .type = EB_ATTR_FLOAT, .f = d->alpha}};
        const eb_tensor *in[3] = {&ta, &tb, &tbias};
        ref_node(EB_OP_GEMM, "Gemm", attrs, 2, in, bias ? 3 : 2, &tc);
        for (int64_t i = 0; i < d->m * d->n; i++)
            ((float *)tc.data)[i] = act_of(((float *)tc.data)[i], d->act, d->lo, d->hi);
    }
}

/* One case of eb_ocl_gemm_make (weight) or eb_ocl_matmul_make (run-time B). */
static void gemm_one(const gemm_case *gc, int variant, bool runtime_b)
{
    eb_ocl_matmul_desc d = {.batch = gc->batch, .m = gc->m, .n = gc->n, .k = gc->k, .trans_b = variant & 1,
                            .alpha = variant & 2 ? 1.0f : eb_test_uniform(&g_rng, 0.5f, 2.0f),
                            .act = (eb_ocl_act)(variant % 3), .lo = -0.3f, .hi = 0.4f};
    bool f16 = !runtime_b && (variant & 4), broadcast = (variant % 5) < 2, with_bias = !runtime_b && variant % 7 != 3;
    d.a_batch_stride = d.m * d.k;
    d.b_batch_stride = broadcast ? 0 : d.k * d.n;
    d.c_batch_stride = d.m * d.n;
    size_t na = (size_t)(d.batch * d.m * d.k), nb = (size_t)((broadcast ? 1 : d.batch) * d.k * d.n);
    size_t nc = (size_t)(d.batch * d.m * d.n);
    float *a = random_floats(na), *b = random_floats(nb), *bias = random_floats((size_t)d.n);
    float *want = malloc(sizeof(float) * nc), *got = malloc(sizeof(float) * nc);
    assert_true(want && got);
    eb_storage *storage;
    int64_t sw[3] = {broadcast ? 1 : d.batch, d.trans_b ? d.n : d.k, d.trans_b ? d.k : d.n};
    eb_tensor w = make_weight(b, 3, sw, f16, &storage);
    gemm_oracle(&d, a, b, with_bias ? bias : NULL, want);

    char what[240];
    snprintf(what, sizeof what, "%s batch %lld %lldx%lldx%lld%s%s%s act %s alpha %g",
             runtime_b ? "matmul" : "gemm", (long long)d.batch, (long long)d.m, (long long)d.n, (long long)d.k,
             d.trans_b ? " trans_b" : "", f16 ? " f16" : "", broadcast ? " broadcast B" : "", act_name(d.act),
             d.alpha);
    eb_ocl_view va = upload(a, na), vc = upload(NULL, nc), vb = {0};
    eb_ocl_step s;
    eb_err err;
    eb_status st;
    if (runtime_b) {
        vb = upload(b, nb);
        st = eb_ocl_matmul_make(&g_ocl, &d, va, vb, vc, &s, &err);
    } else {
        st = eb_ocl_gemm_make(&g_ocl, &d, &w, with_bias ? bias : NULL, va, vc, &s, &err);
    }
    if (st != EB_OK)
        fail_msg("%s: %s", what, err.msg);
    snprintf(what + strlen(what), sizeof what - strlen(what), " (%s)", s.method);
    run_and_read(&s, vc, got, nc, what);
    compare(got, want, nc, what);
    eb_ocl_step_release(&s);
    clReleaseMemObject(va.mem);
    clReleaseMemObject(vc.mem);
    if (vb.mem)
        clReleaseMemObject(vb.mem);
    eb_storage_free(storage);
    free(a), free(b), free(bias), free(want), free(got);
}

static void gemm_matches_the_reference_on_odd_shapes_f32_and_f16_every_act(void **state)
{
    if (!need_device())
        skip();
    for (size_t i = 0; i < sizeof GEMM_CASES / sizeof GEMM_CASES[0]; i++)
        for (int v = 0; v < 6; v++)
            for (int t = -1; t < 1; t++) { /* the table's tile, then each in turn */
                force_tile(t < 0 ? -1 : (int)(i * 6 + v) % n_tiles());
                gemm_one(&GEMM_CASES[i], (int)i + v * 7, false);
            }
    force_tile(-1);
}

static void matmul_matches_the_reference_on_odd_shapes_with_and_without_trans_b(void **state)
{
    if (!need_device())
        skip();
    for (size_t i = 0; i < sizeof GEMM_CASES / sizeof GEMM_CASES[0]; i++)
        for (int v = 0; v < 4; v++)
            for (int t = -1; t < 1; t++) {
                force_tile(t < 0 ? -1 : (int)(i * 4 + v) % n_tiles());
                gemm_one(&GEMM_CASES[i], (int)i + v * 5, true);
            }
    force_tile(-1);
}

/* ---- convolution ------------------------------------------------------------------- */

typedef struct conv_case {
    int64_t n, c, h, w, oc, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, group;
    const char *way; /* the method the step must report */
} conv_case;

static const conv_case CONV_CASES[] = {
    {1, 3, 11, 13, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, "im2col"},
    {2, 5, 17, 15, 12, 3, 3, 2, 2, 1, 2, 0, 1, 2, 1, 1, "im2col"},   /* strides, asymmetric pads, dilation */
    {1, 8, 9, 10, 16, 3, 3, 1, 2, 0, 1, 2, 0, 1, 1, 2, "im2col"},    /* groups */
    {1, 1, 28, 28, 6, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, "im2col"},    /* fmnist-cnn's first */
    {1, 19, 7, 7, 70, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, "im2col"},    /* 1x1, stride 2 */
    {2, 17, 7, 9, 33, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, "1x1 gemm"},
    {1, 8, 5, 5, 12, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 4, "1x1 gemm"},   /* grouped 1x1 */
    {2, 7, 10, 11, 7, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1, 7, "depthwise"},
    {1, 5, 13, 9, 5, 5, 5, 1, 1, 4, 3, 4, 5, 2, 2, 5, "depthwise"},  /* 5x5, dilation 2 */
    {1, 2, 9, 9, 3, 2, 2, 1, 1, 0, 0, 1, 1, 1, 1, 1, "direct"},
    {1, 4, 9, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, "direct"},      /* few output channels */
    {2, 2, 11, 10, 5, 3, 2, 1, 2, 1, 0, 2, 1, 2, 3, 1, "direct"},    /* dilations, strides, asymmetric pads */
    {1, 3, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3, "direct"},      /* channel multiplier 2 */
    {2, 4, 10, 21, 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2, "direct"},   /* two blocks of channels a group */
    {1, 6, 1, 19, 10, 1, 3, 1, 2, 0, 1, 0, 1, 1, 1, 1, "im2col"},    /* 1-D */
};

static void conv_one(const conv_case *cc, int variant)
{
    bool f16 = variant & 1, with_bias = variant % 3 != 1;
    eb_ocl_conv_desc d = {.n = cc->n, .c = cc->c, .h = cc->h, .w = cc->w, .oc = cc->oc, .kh = cc->kh, .kw = cc->kw,
                          .stride_h = cc->sh, .stride_w = cc->sw, .pad_top = cc->pt, .pad_left = cc->pl,
                          .dil_h = cc->dh, .dil_w = cc->dw, .group = cc->group, .act = (eb_ocl_act)(variant % 3),
                          .lo = -0.5f, .hi = 0.6f};
    d.oh = (d.h + cc->pt + cc->pb - d.dil_h * (d.kh - 1) - 1) / d.stride_h + 1;
    d.ow = (d.w + cc->pl + cc->pr - d.dil_w * (d.kw - 1) - 1) / d.stride_w + 1;
    size_t nx = (size_t)(d.n * d.c * d.h * d.w), nw = (size_t)(d.oc * d.c / d.group * d.kh * d.kw);
    size_t ny = (size_t)(d.n * d.oc * d.oh * d.ow);
    float *x = random_floats(nx), *wv = random_floats(nw), *bias = random_floats((size_t)d.oc);
    float *want = malloc(sizeof(float) * ny), *got = malloc(sizeof(float) * ny);
    assert_true(want && got);
    eb_storage *storage;
    int64_t sx[4] = {d.n, d.c, d.h, d.w}, sw[4] = {d.oc, d.c / d.group, d.kh, d.kw}, sb[1] = {d.oc};
    int64_t sy[4] = {d.n, d.oc, d.oh, d.ow};
    eb_tensor w = make_weight(wv, 4, sw, f16, &storage);
    eb_tensor tx = tensor(x, 4, sx), tw = tensor(wv, 4, sw), tb = tensor(bias, 1, sb), ty = tensor(want, 4, sy);
    int64_t ks[2] = {d.kh, d.kw}, st2[2] = {d.stride_h, d.stride_w}, pads[4] = {cc->pt, cc->pl, cc->pb, cc->pr};
    int64_t dil[2] = {d.dil_h, d.dil_w};
    eb_attr attrs[5] = {attr_int("group", d.group), attr_ints("kernel_shape", ks, 2), attr_ints("strides", st2, 2),
                        attr_ints("pads", pads, 4), attr_ints("dilations", dil, 2)};
    const eb_tensor *in[3] = {&tx, &tw, &tb};
    ref_node(EB_OP_CONV, "Conv", attrs, 5, in, with_bias ? 3 : 2, &ty);
    for (size_t i = 0; i < ny; i++)
        want[i] = act_of(want[i], d.act, d.lo, d.hi);

    char what[280];
    snprintf(what, sizeof what,
             "conv n%lld c%lld %lldx%lld oc%lld k%lldx%lld s%lldx%lld pads %lld,%lld,%lld,%lld d%lldx%lld g%lld%s "
             "act %s%s",
             (long long)d.n, (long long)d.c, (long long)d.h, (long long)d.w, (long long)d.oc, (long long)d.kh,
             (long long)d.kw, (long long)d.stride_h, (long long)d.stride_w, (long long)cc->pt, (long long)cc->pl,
             (long long)cc->pb, (long long)cc->pr, (long long)d.dil_h, (long long)d.dil_w, (long long)d.group,
             f16 ? " f16" : "", act_name(d.act), with_bias ? " bias" : "");
    eb_ocl_view vx = upload(x, nx), vy = upload(NULL, ny);
    eb_ocl_step s;
    eb_err err;
    /* direct or im2col depends on the device type: forced, so that every
     * device checks both kernels on these shapes */
    if (strcmp(cc->way, "direct") == 0 || strcmp(cc->way, "im2col") == 0)
        setenv("EB_OCL_CONV", cc->way, 1);
    eb_status st = eb_ocl_conv_make(&g_ocl, &d, &w, with_bias ? bias : NULL, vx, vy, &s, &err);
    unsetenv("EB_OCL_CONV");
    if (st != EB_OK)
        fail_msg("%s: %s", what, err.msg);
    if (!strstr(s.method, cc->way))
        fail_msg("%s: computed by \"%s\", expected the %s way", what, s.method, cc->way);
    snprintf(what + strlen(what), sizeof what - strlen(what), " (%s)", s.method);
    run_and_read(&s, vy, got, ny, what);
    compare(got, want, ny, what);
    eb_ocl_step_release(&s);
    clReleaseMemObject(vx.mem);
    clReleaseMemObject(vy.mem);
    eb_storage_free(storage);
    free(x), free(wv), free(bias), free(want), free(got);
}

static void conv_matches_the_reference_every_way_f32_and_f16_every_act(void **state)
{
    if (!need_device())
        skip();
    for (size_t i = 0; i < sizeof CONV_CASES / sizeof CONV_CASES[0]; i++)
        for (int v = 0; v < 6; v++)
            for (int t = -1; t < 1; t++) {
                force_tile(t < 0 ? -1 : (int)(i * 6 + v) % n_tiles());
                conv_one(&CONV_CASES[i], v);
            }
    force_tile(-1);
}

/* ---- pooling ------------------------------------------------------------------------- */

typedef struct pool_case {
    int64_t n, c, h, w, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
    bool global;
} pool_case;

static const pool_case POOL_CASES[] = {
    {1, 3, 11, 13, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, false}, {2, 5, 9, 7, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, false},
    {1, 4, 10, 9, 3, 2, 1, 2, 1, 0, 2, 1, 1, 1, false},  {1, 2, 12, 11, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, false},
    {2, 3, 7, 9, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, true},    {1, 5, 23, 17, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, true},
    {1, 70, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, true},
};

static void pool_one(const pool_case *pc, bool max, bool count_pad)
{
    bool dilated = pc->dh > 1 || pc->dw > 1;
    if (dilated && !max)
        return; /* AveragePool's dilations: the reference's opset 19 only, not tested here */
    eb_ocl_pool_desc d = {.n = pc->n, .c = pc->c, .h = pc->h, .w = pc->w, .kh = pc->global ? pc->h : pc->kh,
                          .kw = pc->global ? pc->w : pc->kw, .stride_h = pc->sh, .stride_w = pc->sw,
                          .pad_top = pc->pt, .pad_left = pc->pl, .dil_h = pc->dh, .dil_w = pc->dw, .max = max,
                          .count_include_pad = count_pad};
    d.oh = (d.h + pc->pt + pc->pb - d.dil_h * (d.kh - 1) - 1) / d.stride_h + 1;
    d.ow = (d.w + pc->pl + pc->pr - d.dil_w * (d.kw - 1) - 1) / d.stride_w + 1;
    size_t nx = (size_t)(d.n * d.c * d.h * d.w), ny = (size_t)(d.n * d.c * d.oh * d.ow);
    float *x = random_floats(nx), *want = malloc(sizeof(float) * ny), *got = malloc(sizeof(float) * ny);
    assert_true(want && got);
    int64_t sx[4] = {d.n, d.c, d.h, d.w}, sy[4] = {d.n, d.c, d.oh, d.ow};
    eb_tensor tx = tensor(x, 4, sx), ty = tensor(want, 4, sy);
    const eb_tensor *in[1] = {&tx};
    if (pc->global) {
        ref_node(max ? EB_OP_GLOBAL_MAX_POOL : EB_OP_GLOBAL_AVG_POOL, max ? "GlobalMaxPool" : "GlobalAveragePool",
                 NULL, 0, in, 1, &ty);
    } else {
        int64_t ks[2] = {d.kh, d.kw}, st2[2] = {d.stride_h, d.stride_w}, pads[4] = {pc->pt, pc->pl, pc->pb, pc->pr};
        int64_t dil[2] = {d.dil_h, d.dil_w};
        eb_attr attrs[5] = {attr_ints("kernel_shape", ks, 2), attr_ints("strides", st2, 2),
                            attr_ints("pads", pads, 4), attr_int("count_include_pad", count_pad),
                            attr_ints("dilations", dil, 2)};
        ref_node(max ? EB_OP_MAX_POOL : EB_OP_AVERAGE_POOL, max ? "MaxPool" : "AveragePool", attrs,
                 max || dilated ? 5 : 4, in, 1, &ty);
    }
    char what[200];
    snprintf(what, sizeof what, "%s%s n%lld c%lld %lldx%lld k%lldx%lld s%lldx%lld pads %lld,%lld,%lld,%lld d%lldx%lld",
             pc->global ? "global " : "", max ? "max" : count_pad ? "avg count_include_pad" : "avg", (long long)d.n,
             (long long)d.c, (long long)d.h, (long long)d.w, (long long)d.kh, (long long)d.kw, (long long)d.stride_h,
             (long long)d.stride_w, (long long)pc->pt, (long long)pc->pl, (long long)pc->pb, (long long)pc->pr,
             (long long)d.dil_h, (long long)d.dil_w);
    eb_ocl_view vx = upload(x, nx), vy = upload(NULL, ny);
    eb_ocl_step s;
    eb_err err;
    if (eb_ocl_pool_make(&g_ocl, &d, vx, vy, &s, &err) != EB_OK)
        fail_msg("%s: %s", what, err.msg);
    if ((strstr(s.method, "global") != NULL) != pc->global)
        fail_msg("%s: computed by \"%s\"", what, s.method);
    run_and_read(&s, vy, got, ny, what);
    compare(got, want, ny, what);
    eb_ocl_step_release(&s);
    clReleaseMemObject(vx.mem);
    clReleaseMemObject(vy.mem);
    free(x), free(want), free(got);
}

static void pool_matches_the_reference_max_avg_count_include_pad_and_global(void **state)
{
    if (!need_device())
        skip();
    for (size_t i = 0; i < sizeof POOL_CASES / sizeof POOL_CASES[0]; i++) {
        pool_one(&POOL_CASES[i], true, false);
        pool_one(&POOL_CASES[i], false, false);
        pool_one(&POOL_CASES[i], false, true);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemm_matches_the_reference_on_odd_shapes_f32_and_f16_every_act),
        cmocka_unit_test(matmul_matches_the_reference_on_odd_shapes_with_and_without_trans_b),
        cmocka_unit_test(conv_matches_the_reference_every_way_f32_and_f16_every_act),
        cmocka_unit_test(pool_matches_the_reference_max_avg_count_include_pad_and_global),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

#else /* no OpenCL runner in this build */

static void opencl_compute_kernels(void **state)
{
    print_message("skipped: the OpenCL runner is not built (OPENCL=no, or no OpenCL.pc for pkg-config)\n");
    skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(opencl_compute_kernels)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif
