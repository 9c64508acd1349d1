/* test_kernels.c - every row of the cpu runner's kernel table
 * (runners/cpu/kernels.def) against its reference twin in
 * reference_kernels/, with the row's ISA forced.
 *
 * One test per row (skipped, with the reason, where this build or CPU
 * cannot run its ISA), and one per (kind, ISA) that runs the row the
 * dispatcher picks for that ISA, so pooling, softmax and depthwise are
 * checked on every ISA the machine has, not only the detected one.
 *
 * Shapes are odd and cut around the kernel's tile t (the GEMM's register
 * tile, the vector width elsewhere): 5, 7, 11, 13, t-1, t, t+1, 2t+1, with
 * batch 1 (and 2); data is random and non-zero from the seeded xorshift
 * (EB_TEST_SEED or the clock; the seed is printed).  Each output buffer
 * has guard bytes before and after it, checked after every call, and
 * starts as garbage.  The comparison: NaN and infinity where the twin has
 * them, then the NMSE over the rest at most the row's tolerance.  The twin
 * runs through its eb_node_eval_fn on a one-node graph made here (a Relu
 * node after it where the GEMM's epilogue has one).
 *
 * The int8 GEMM rows (GEMM_I8, tolerance 0) are compared bit for bit
 * (memcmp) with the quantized Gemm of ref_compressed.c: a Gemm node with
 * eb_node_quant (static with and without requantization, dynamic) and an
 * s8 weight with per-channel scales, K from 1 to past one K step, with
 * transB, alpha, beta, bias or none, and ReLU / Clip applied to the twin's
 * output with eb_gemm_act_scalar (the fused activation's definition); in
 * each output mode (eb_i8_out: float, u8 and grid floats on a random next
 * grid, compared with eb_quantize of the twin's output), with C's rows
 * wider than N (the gaps must keep their garbage), on 1 and 2 threads.
 * GELU, a vector erf in the SIMD rows, is held to the fp32 GEMM rows'
 * tolerance (and one step on the next grid).  The
 * activation quantizers (eb_quantize_u8, eb_dynamic_grid_u8) are compared
 * bit for bit with eb_quantize / eb_ref_dynamic_grid on NaN, infinities,
 * huge values and ties. */
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
#include "reference_kernels/ref_quant.h"
#include "runners/cpu/conv_i8.h"
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/gemm.h"
#include "runners/cpu/gemm_i8.h"
#include "runners/cpu/kernels.h"
#include "runners/cpu/wgemm.h"
#include "tests/test_util.h"

enum { GUARD = 64 }; /* floats of guard before and after an output */
static const unsigned char GUARD_BYTE = 0xa5;

static uint64_t g_rng;

static float rnd(void)
{
    /* non-zero, both signs */
    float v = eb_test_uniform(&g_rng, 0.05f, 1.0f);
    return eb_test_rand(&g_rng) & 1 ? v : -v;
}

static void fill(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rnd();
}

/* ---- guarded output buffers ----------------------------------------------------- */

static float *guarded(size_t n)
{
    float *b = malloc((n + 2 * GUARD) * sizeof(float));
    assert_non_null(b);
    memset(b, GUARD_BYTE, GUARD * sizeof(float));
    memset(b + GUARD + n, GUARD_BYTE, GUARD * sizeof(float));
    for (size_t i = 0; i < n; i++)
        b[GUARD + i] = 12345.0f; /* garbage the kernel must overwrite */
    return b + GUARD;
}

static void check_guards(const float *y, size_t n, const char *what)
{
    const unsigned char *lo = (const unsigned char *)(y - GUARD), *hi = (const unsigned char *)(y + n);
    for (size_t i = 0; i < GUARD * sizeof(float); i++)
        if (lo[i] != GUARD_BYTE || hi[i] != GUARD_BYTE)
            fail_msg("%s: guard byte %s the output overwritten (seed %llu)", what, lo[i] != GUARD_BYTE ? "before" : "after",
                     (unsigned long long)eb_test_seed());
}

static void free_guarded(float *y)
{
    free(y - GUARD);
}

/* NaN/Inf parity, then NMSE <= tol.  The norm is scale's (ref's when
 * NULL): after a ReLU it is the pre-activation's, so that a clamped,
 * nearly empty output does not blow rounding up into a failure. */
static void compare(const float *y, const float *ref, const float *scale, size_t n, double tol, const char *what)
{
    if (!scale)
        scale = ref;
    double err = 0, norm = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(ref[i]) != isnan(y[i]) || (isinf(ref[i]) && ref[i] != y[i]) || (isinf(y[i]) && !isinf(ref[i])))
            fail_msg("%s: element %zu is %g, the reference %g (seed %llu)", what, i, y[i], ref[i],
                     (unsigned long long)eb_test_seed());
        if (!isfinite(ref[i]))
            continue;
        double d = (double)y[i] - ref[i];
        err += d * d;
        norm += (double)scale[i] * scale[i];
    }
    double nmse = norm > 0 ? err / norm : err;
    if (!(nmse <= tol))
        fail_msg("%s: NMSE %.3g > %.3g (seed %llu)", what, nmse, tol, (unsigned long long)eb_test_seed());
}

/* ---- one-node graphs for the twins ------------------------------------------------ */

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

/* Runs the twin on node (op, attrs) with inputs in (n_in) into out[0]. */
static void twin(const eb_kernel *k, eb_op op, const char *op_type, eb_attr *attrs, int n_attrs, const eb_tensor **in,
                 int n_in, eb_tensor *out)
{
    int ins[4] = {0, 1, 2, 3}, outs[1] = {4};
    eb_node n = {.op = op, .op_type = (char *)op_type, .name = "twin", .opset = 13, .n_in = n_in, .n_out = 1,
                 .in = ins, .out = outs, .n_attrs = n_attrs, .attrs = attrs};
    eb_tensor *o[1] = {out};
    memset(out->data, 0, eb_tensor_nbytes(out)); /* the contract: outputs arrive zeroed */
    eb_err err;
    eb_status st = (op == k->op || (k->op == EB_OP_MAX_POOL && op == EB_OP_AVERAGE_POOL) ? k->ref : eb_ref_eval)(
        &n, in, o, &err);
    if (st != EB_OK)
        fail_msg("%s's twin %s: %s", k->name, k->ref_name, err.msg);
}

/* The twin of a quantized node (eb_node_quant nq), as twin(). */
static void twin_quant(const eb_kernel *k, eb_op op, const char *op_type, eb_node_quant *nq, eb_attr *attrs,
                       int n_attrs, const eb_tensor **in, int n_in, eb_tensor *out)
{
    int ins[4] = {0, 1, 2, 3}, outs[1] = {4};
    eb_node n = {.op = op, .op_type = (char *)op_type, .name = "twin", .opset = 13, .n_in = n_in, .n_out = 1,
                 .in = ins, .out = outs, .n_attrs = n_attrs, .attrs = attrs, .quant = nq};
    eb_tensor *o[1] = {out};
    memset(out->data, 0, eb_tensor_nbytes(out));
    eb_err err;
    if (k->ref(&n, in, o, &err) != EB_OK)
        fail_msg("%s's twin %s: %s", k->name, k->ref_name, err.msg);
}

static int shape_dims(int tile, int *d)
{
    int cand[] = {5, 7, 11, 13, tile - 1, tile, tile + 1, 2 * tile + 1}, n = 0;
    for (size_t i = 0; i < sizeof cand / sizeof cand[0]; i++)
        if (cand[i] >= 1)
            d[n++] = cand[i];
    return n;
}

/* The vector width in floats of an ISA: the tile of the non-GEMM kernels. */
static int lanes(eb_isa isa)
{
    return isa == EB_ISA_AVX512 ? 16 : isa == EB_ISA_NEON ? 4 : 8;
}

/* ---- per kind -------------------------------------------------------------------------- */

static void run_gemm(const eb_kernel *k)
{
    int md[9], nd[9], kd[9]; /* shape_dims fills 8, one more for batch 1 */
    int nm = shape_dims(k->mr, md), nn = shape_dims(k->nr, nd), nk = shape_dims(8, kd);
    md[nm++] = 1; /* batch 1: one row of A */
    for (int im = 0; im < nm; im++)
        for (int in = 0; in < nn; in++) {
            int m = md[im], n = nd[in], kk = kd[(im + in) % nk] + (int)(eb_test_rand(&g_rng) % 3);
            bool relu = (im + in) % 2;
            float *a = malloc(sizeof(float) * (size_t)m * kk), *b = malloc(sizeof(float) * (size_t)kk * n);
            float *bias = malloc(sizeof(float) * (size_t)n), *ref = malloc(sizeof(float) * (size_t)m * n);
            float *tmp = malloc(sizeof(float) * (size_t)m * n);
            assert_true(a && b && bias && ref && tmp);
            fill(a, (size_t)m * kk);
            fill(b, (size_t)kk * n);
            fill(bias, (size_t)n);
            float *y = guarded((size_t)m * n);

            eb_packed_b *pb = NULL;
            eb_err err;
            assert_int_equal(eb_gemm_pack_b(b, kk, n, n, false, &pb, &err), EB_OK);
            eb_epilogue ep = {.bias = bias, .act = relu ? EB_ACT_RELU : EB_ACT_NONE};
            eb_gemm_f32(m, n, kk, a, kk, pb, y, n, &ep, NULL);
            eb_gemm_packed_free(pb);

            int64_t sa[2] = {m, kk}, sb[2] = {kk, n}, sc[1] = {n}, sy[2] = {m, n};
            eb_tensor ta = tensor(a, 2, sa), tb = tensor(b, 2, sb), tc = tensor(bias, 1, sc);
            eb_tensor ty = tensor(relu ? tmp : ref, 2, sy);
            const eb_tensor *in3[3] = {&ta, &tb, &tc};
            twin(k, EB_OP_GEMM, "Gemm", NULL, 0, in3, 3, &ty);
            if (relu) {
                eb_tensor tr = tensor(ref, 2, sy);
                const eb_tensor *in1[1] = {&ty};
                twin(k, EB_OP_RELU, "Relu", NULL, 0, in1, 1, &tr);
            }
            char what[160];
            snprintf(what, sizeof what, "%s M=%d N=%d K=%d%s", k->name, m, n, kk, relu ? " relu" : "");
            check_guards(y, (size_t)m * n, what);
            compare(y, ref, relu ? tmp : NULL, (size_t)m * n, k->tol, what);
            free_guarded(y);
            free(a), free(b), free(bias), free(ref), free(tmp);
        }
}

static void run_dwconv(const eb_kernel *k)
{
    int cd[9];
    int nc = shape_dims(lanes(k->isa), cd);
    cd[nc++] = 33; /* past the 32-channel block */
    for (int ic = 0; ic < nc; ic++)
        for (int stride = 1; stride <= 2; stride++) {
            int c = cd[ic], batch = 1 + ic % 2, h = ic % 2 ? 7 : 5, w = ic % 3 ? 9 : 6;
            int oh = (h + 2 - 3) / stride + 1, ow = (w + 2 - 3) / stride + 1;
            size_t nx = (size_t)batch * c * h * w, ny = (size_t)batch * c * oh * ow;
            float *x = malloc(sizeof(float) * nx), *xh = malloc(sizeof(float) * nx);
            float *wt = malloc(sizeof(float) * (size_t)c * 9), *bias = malloc(sizeof(float) * (size_t)c);
            float *ref = malloc(sizeof(float) * ny), *yc = malloc(sizeof(float) * ny);
            assert_true(x && xh && wt && bias && ref && yc);
            fill(x, nx);
            fill(wt, (size_t)c * 9);
            fill(bias, (size_t)c);
            float *y = guarded(ny);

            eb_dwconv2d d = {.win = {.n = batch, .c = c, .h = h, .w = w, .oh = oh, .ow = ow, .kh = 3, .kw = 3,
                                     .sh = stride, .sw = stride, .dh = 1, .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1},
                             .act = EB_ACT_NONE, .row = k->fn.dwconv};
            eb_err err;
            assert_int_equal(eb_dwconv2d_pack(&d, wt, NULL, bias, &err), EB_OK);
            eb_layout_nchw_to_nhwc_f32(batch, c, h * w, x, xh, NULL);
            eb_dwconv2d_nhwc_f32(&d, xh, y, NULL);
            eb_dwconv2d_release(&d);

            int64_t sx[4] = {batch, c, h, w}, sw[4] = {c, 1, 3, 3}, sb[1] = {c}, sy[4] = {batch, c, oh, ow};
            eb_tensor tx = tensor(x, 4, sx), tw = tensor(wt, 4, sw), tb = tensor(bias, 1, sb), ty = tensor(ref, 4, sy);
            int64_t ks[2] = {3, 3}, st[2] = {stride, stride}, pads[4] = {1, 1, 1, 1};
            eb_attr attrs[4] = {attr_int("group", c), attr_ints("kernel_shape", ks, 2), attr_ints("strides", st, 2),
                                attr_ints("pads", pads, 4)};
            const eb_tensor *in3[3] = {&tx, &tw, &tb};
            twin(k, EB_OP_CONV, "Conv", attrs, 4, in3, 3, &ty);

            char what[160];
            snprintf(what, sizeof what, "%s n=%d c=%d %dx%d stride %d", k->name, batch, c, h, w, stride);
            check_guards(y, ny, what);
            eb_layout_nhwc_to_nchw_f32(batch, c, oh * ow, y, yc, NULL);
            compare(yc, ref, NULL, ny, k->tol, what);
            free_guarded(y);
            free(x), free(xh), free(wt), free(bias), free(ref), free(yc);
        }
}

/* The int8 depthwise rows (quantized nodes): dynamic, static and
 * requantized grids, bit for bit against the quantized Conv of
 * ref_compressed.c (tol 0). */
static void run_dwconv_i8(const eb_kernel *k)
{
    int cd[9];
    int nc = shape_dims(lanes(k->isa), cd);
    cd[nc++] = 33;
    for (int ic = 0; ic < nc; ic++)
        for (int stride = 1; stride <= 2; stride++) {
            int c = cd[ic], batch = 1 + ic % 2, h = ic % 2 ? 7 : 5, w = ic % 3 ? 9 : 6;
            int oh = (h + 2 - 3) / stride + 1, ow = (w + 2 - 3) / stride + 1;
            size_t nx = (size_t)batch * c * h * w, ny = (size_t)batch * c * oh * ow;
            float *x = malloc(sizeof(float) * nx), *xh = malloc(sizeof(float) * nx);
            float *wt = malloc(sizeof(float) * (size_t)c * 9), *bias = malloc(sizeof(float) * (size_t)c);
            float *ref = malloc(sizeof(float) * ny), *yc = malloc(sizeof(float) * ny);
            assert_true(x && xh && wt && bias && ref && yc);
            fill(x, nx);
            fill(wt, (size_t)c * 9);
            fill(bias, (size_t)c);
            float *y = guarded(ny);
            int64_t sx[4] = {batch, c, h, w}, sw[4] = {c, 1, 3, 3}, sb[1] = {c}, sy[4] = {batch, c, oh, ow};
            eb_tensor tw = tensor(wt, 4, sw);
            eb_storage *ws = NULL;
            eb_err err;
            assert_int_equal(eb_storage_quant_from_dense(&tw, EB_DT_I8, 0, 0, 0, &ws, &err), EB_OK);
            const eb_storage_quant *wq = &ws->u.quant;
            eb_node_quant nq = ic % 3 == 0   ? (eb_node_quant){EB_ACT_DYNAMIC, 0, 0, false, 0, 0}
                               : ic % 3 == 1 ? (eb_node_quant){EB_ACT_STATIC, 0.006f, 131, false, 0, 0}
                                             : (eb_node_quant){EB_ACT_STATIC, 0.007f, 120, true, 0.01f, 77};

            eb_dwconv_i8 d = {.win = {.n = batch, .c = c, .h = h, .w = w, .oh = oh, .ow = ow, .kh = 3, .kw = 3,
                                      .sh = stride, .sw = stride, .dh = 1, .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1},
                              .row = k->fn.dwconv_i8};
            assert_int_equal(eb_qlayer_init(&d.q, &nq, wq->scale, wq->n_scales, c, 1.0f, bias, EB_ACT_NONE, 0, 0, &err),
                             EB_OK);
            assert_int_equal(eb_dwconv_i8_pack(&d, wq->data, &err), EB_OK);
            void *scratch = malloc(eb_dwconv_i8_scratch_bytes(&d));
            assert_non_null(scratch);
            eb_layout_nchw_to_nhwc_f32(batch, c, h * w, x, xh, NULL);
            eb_dwconv_i8_nhwc(&d, xh, y, scratch, NULL);
            eb_dwconv_i8_release(&d);
            free(scratch);

            eb_tensor tx = tensor(x, 4, sx), tb = tensor(bias, 1, sb), ty = tensor(ref, 4, sy);
            tw.data = NULL;
            tw.storage = ws;
            int64_t ks[2] = {3, 3}, st[2] = {stride, stride}, pads[4] = {1, 1, 1, 1};
            eb_attr attrs[4] = {attr_int("group", c), attr_ints("kernel_shape", ks, 2), attr_ints("strides", st, 2),
                                attr_ints("pads", pads, 4)};
            const eb_tensor *in3[3] = {&tx, &tw, &tb};
            twin_quant(k, EB_OP_CONV, "Conv", &nq, attrs, 4, in3, 3, &ty);

            char what[160];
            snprintf(what, sizeof what, "%s n=%d c=%d %dx%d stride %d act %d%s", k->name, batch, c, h, w, stride,
                     (int)nq.act, nq.requant ? " requant" : "");
            check_guards(y, ny, what);
            eb_layout_nhwc_to_nchw_f32(batch, c, oh * ow, y, yc, NULL);
            if (memcmp(yc, ref, sizeof(float) * ny) != 0)
                for (size_t i = 0; i < ny; i++)
                    if (yc[i] != ref[i])
                        fail_msg("%s: element %zu is %.9g, the reference %.9g (seed %llu)", what, i, yc[i], ref[i],
                                 (unsigned long long)eb_test_seed());
            free_guarded(y);
            eb_storage_free(ws);
            free(x), free(xh), free(wt), free(bias), free(ref), free(yc);
        }
}

static void run_pool(const eb_kernel *k)
{
    int cd[9];
    int nc = shape_dims(lanes(k->isa), cd);
    cd[nc++] = 33;
    for (int ic = 0; ic < nc; ic++)
        for (int kind = 0; kind < 3; kind++) { /* max, average, average counting pads */
            int c = cd[ic], batch = 1 + ic % 2, h = ic % 2 ? 7 : 5, w = ic % 3 ? 9 : 6, stride = 1 + (ic + kind) % 2;
            int oh = (h + 2 - 3) / stride + 1, ow = (w + 2 - 3) / stride + 1;
            size_t nx = (size_t)batch * c * h * w, ny = (size_t)batch * c * oh * ow;
            float *x = malloc(sizeof(float) * nx), *xh = malloc(sizeof(float) * nx);
            float *ref = malloc(sizeof(float) * ny), *yc = malloc(sizeof(float) * ny);
            assert_true(x && xh && ref && yc);
            fill(x, nx);
            float *y = guarded(ny);

            eb_pool2d p = {.win = {.n = batch, .c = c, .h = h, .w = w, .oh = oh, .ow = ow, .kh = 3, .kw = 3,
                                   .sh = stride, .sw = stride, .dh = 1, .dw = 1, .pt = 1, .pl = 1, .pb = 1, .pr = 1},
                           .is_max = kind == 0, .count_pad = kind == 2, .row = k->fn.pool};
            eb_layout_nchw_to_nhwc_f32(batch, c, h * w, x, xh, NULL);
            eb_pool2d_nhwc_f32(&p, xh, y, NULL);

            int64_t sx[4] = {batch, c, h, w}, sy[4] = {batch, c, oh, ow};
            eb_tensor tx = tensor(x, 4, sx), ty = tensor(ref, 4, sy);
            int64_t ks[2] = {3, 3}, st[2] = {stride, stride}, pads[4] = {1, 1, 1, 1};
            eb_attr attrs[4] = {attr_ints("kernel_shape", ks, 2), attr_ints("strides", st, 2),
                                attr_ints("pads", pads, 4), attr_int("count_include_pad", kind == 2)};
            const eb_tensor *in1[1] = {&tx};
            twin(k, kind == 0 ? EB_OP_MAX_POOL : EB_OP_AVERAGE_POOL, kind == 0 ? "MaxPool" : "AveragePool", attrs, 4,
                 in1, 1, &ty);

            char what[160];
            snprintf(what, sizeof what, "%s %s n=%d c=%d %dx%d stride %d", k->name,
                     kind == 0 ? "max" : kind == 1 ? "avg" : "avg+pads", batch, c, h, w, stride);
            check_guards(y, ny, what);
            eb_layout_nhwc_to_nchw_f32(batch, c, oh * ow, y, yc, NULL);
            compare(yc, ref, NULL, ny, k->tol, what);
            free_guarded(y);
            free(x), free(xh), free(ref), free(yc);
        }
}

static void run_softmax(const eb_kernel *k)
{
    int cd[9];
    int nc = shape_dims(lanes(k->isa), cd);
    cd[nc++] = 4 * lanes(k->isa) + 3;
    for (int ic = 0; ic < nc; ic++) {
        int rows = 1 + ic % 3, cols = cd[ic];
        size_t n = (size_t)rows * cols;
        float *x = malloc(sizeof(float) * n), *ref = malloc(sizeof(float) * n);
        assert_true(x && ref);
        for (size_t i = 0; i < n; i++)
            x[i] = 8.0f * rnd(); /* a spread wide enough for the exponentials to differ */
        float *y = guarded(n);
        eb_softmax_rows_f32(rows, cols, x, y, false, k->fn.softmax, NULL);

        int64_t s[2] = {rows, cols};
        eb_tensor tx = tensor(x, 2, s), ty = tensor(ref, 2, s);
        const eb_tensor *in1[1] = {&tx};
        twin(k, EB_OP_SOFTMAX, "Softmax", NULL, 0, in1, 1, &ty);

        char what[160];
        snprintf(what, sizeof what, "%s rows=%d cols=%d", k->name, rows, cols);
        check_guards(y, n, what);
        compare(y, ref, NULL, n, k->tol, what);
        free_guarded(y);
        free(x), free(ref);
    }
}

/* ---- the int8 GEMM ---------------------------------------------------------------------- */

static eb_threadpool *g_pool2; /* two workers: the block split */

/* An s8 weight in -127..127, never 0 */
static int8_t rnd_w(void)
{
    int v = 1 + (int)(eb_test_rand(&g_rng) % 127);
    return (int8_t)(eb_test_rand(&g_rng) & 1 ? v : -v);
}

typedef enum i8_mode { I8_STATIC_REQUANT, I8_STATIC, I8_DYNAMIC, I8_MODES } i8_mode;

static const char *const I8_MODE_NAMES[I8_MODES] = {"static+requant", "static", "dynamic"};
static const char *const I8_OUT_NAMES[] = {"out=f32", "out=u8", "out=grid_f32"};

/* One GEMM_I8 case: ours against eb_ref_compressed, bit for bit; with
 * out = U8 / GRID_F32 against that output quantized onto a random next
 * grid with eb_quantize.  GELU (vector in the SIMD rows, gelu_avx.h) is
 * compared within the fp32 GEMM row's tolerance, and on the next grid
 * within one step (a value on a rounding boundary may land either side). */
static void run_gemm_i8_case(const eb_kernel *k, int m, int n, int kk, i8_mode mode, bool trans_b, bool with_bias,
                             float alpha, float beta, eb_act act, eb_i8_out out, eb_threadpool *tp)
{
    size_t nx = (size_t)m * kk, nw = (size_t)kk * n, ny = (size_t)m * n;
    float *x = malloc(sizeof(float) * nx), *ws = malloc(sizeof(float) * (size_t)n);
    float *bias = malloc(sizeof(float) * (size_t)n), *bias_eff = malloc(sizeof(float) * (size_t)n);
    float *mult = malloc(sizeof(float) * (size_t)n), *ref = malloc(sizeof(float) * ny);
    int8_t *w = malloc(nw);
    int32_t *wz = calloc((size_t)n, sizeof(int32_t));
    uint8_t *xq = malloc(nx);
    assert_true(x && ws && bias && bias_eff && mult && ref && w && wz && xq);
    fill(x, nx);
    for (size_t i = 0; i < nx; i++)
        x[i] *= 4.0f; /* past the static grid's ends too */
    for (size_t i = 0; i < nw; i++)
        w[i] = rnd_w();
    for (int j = 0; j < n; j++) {
        ws[j] = eb_test_uniform(&g_rng, 0.001f, 0.05f);
        bias[j] = rnd();
    }
    if (n >= 4) { /* NaN and infinities through the epilogue and the requantization */
        bias[0] = NAN;
        bias[1] = INFINITY;
        bias[2] = -INFINITY;
    }

    /* the twin: a quantized Gemm node, weight [K,N] (or [N,K] with transB)
     * stored s8 with one scale per output channel */
    eb_node_quant nq = {.act = mode == I8_DYNAMIC ? EB_ACT_DYNAMIC : EB_ACT_STATIC,
                        .in_scale = eb_test_uniform(&g_rng, 0.01f, 0.03f),
                        .in_zero = (int32_t)(eb_test_rand(&g_rng) % 256),
                        .requant = mode == I8_STATIC_REQUANT,
                        .out_scale = eb_test_uniform(&g_rng, 0.01f, 0.2f),
                        .out_zero = (int32_t)(eb_test_rand(&g_rng) % 256)};
    eb_storage st = {.kind = EB_STORAGE_QUANT,
                     .u.quant = {.stored = EB_DT_I8, .axis = trans_b ? 0 : 1, .n_scales = n, .scale = ws,
                                 .zero_point = wz, .data = w}};
    int64_t sx[2] = {m, kk}, sw[2] = {trans_b ? n : kk, trans_b ? kk : n}, sb[1] = {n}, sy[2] = {m, n};
    eb_tensor tx = tensor(x, 2, sx), tw = tensor(NULL, 2, sw), tb = tensor(bias, 1, sb), ty = tensor(ref, 2, sy);
    tw.storage = &st;
    eb_attr attrs[3] = {attr_int("transB", trans_b), {.name = "alpha", .type = EB_ATTR_FLOAT, .f = alpha},
                        {.name = "beta", .type = EB_ATTR_FLOAT, .f = beta}};
    int ins[3] = {0, 1, 2}, outs[1] = {3};
    eb_node node = {.op = EB_OP_GEMM, .op_type = "Gemm", .name = "twin", .opset = 13, .n_in = with_bias ? 3 : 2,
                    .n_out = 1, .in = ins, .out = outs, .n_attrs = 3, .attrs = attrs, .quant = &nq};
    const eb_tensor *in3[3] = {&tx, &tw, &tb};
    eb_tensor *o[1] = {&ty};
    memset(ref, 0, sizeof(float) * ny);
    eb_err err;
    if (eb_ref_compressed(&node, in3, o, &err) != EB_OK)
        fail_msg("%s's twin: %s", k->name, err.msg);
    eb_epilogue fep = {.act = act, .lo = -0.5f, .hi = 0.75f};
    float *pre = malloc(sizeof(float) * ny); /* before the activation */
    assert_non_null(pre);
    memcpy(pre, ref, sizeof(float) * ny);
    for (size_t i = 0; i < ny; i++)
        ref[i] = eb_gemm_act_scalar(ref[i], &fep);
    float next_scale = eb_test_uniform(&g_rng, 0.005f, 0.05f);
    int32_t next_zero = (int32_t)(eb_test_rand(&g_rng) % 256);

    /* ours, as the cpu runner calls it */
    float xs = nq.in_scale;
    int32_t xz = nq.in_zero;
    if (mode == I8_DYNAMIC)
        eb_dynamic_grid_u8(x, nx, &xs, &xz);
    eb_quantize_u8(x, nx, xs, xz, xq);
    for (int j = 0; j < n; j++) {
        mult[j] = xs * ws[j];
        bias_eff[j] = beta * bias[j];
    }
    eb_packed_b8 *pb = NULL;
    assert_int_equal(eb_gemm_i8_pack_b(w, kk, n, trans_b ? kk : n, trans_b, &pb, &err), EB_OK);
    eb_epilogue_i8 ep = {.a_zero = xz, .mult = mult, .alpha = alpha, .bias = with_bias && beta != 0.0f ? bias_eff : NULL,
                         .requant = nq.requant, .out_scale = nq.out_scale, .out_zero = nq.out_zero, .act = act,
                         .lo = fep.lo, .hi = fep.hi, .out = out, .next_scale = next_scale,
                         .next_zero = next_zero};
    /* with transB, A's rows lie 4 bytes apart more than K, with garbage between */
    int lda = trans_b ? kk + 4 : kk;
    uint8_t *xs_rows = malloc((size_t)m * lda);
    assert_non_null(xs_rows);
    memset(xs_rows, 0xee, (size_t)m * lda);
    for (int i = 0; i < m; i++)
        memcpy(xs_rows + (size_t)i * lda, xq + (size_t)i * kk, (size_t)kk);
    /* with two threads or a quantized output, C's rows lie 3 elements
     * apart more than N: the gaps keep their garbage */
    int ldc = tp || out != EB_I8_OUT_F32 ? n + 3 : n;
    size_t nc = (size_t)m * ldc, es = out == EB_I8_OUT_U8 ? 1 : 4, nfl = (nc * es + 3) / 4;
    float *y = guarded(nfl);
    uint8_t *y8 = (uint8_t *)y;
    if (out == EB_I8_OUT_U8)
        memset(y8, 0xee, nfl * 4); /* u8 garbage, up to the guard */
    eb_gemm_i8(m, n, kk, xs_rows, lda, pb, y, ldc, &ep, tp);
    free(xs_rows);
    eb_gemm_i8_packed_free(pb);

    char what[240];
    snprintf(what, sizeof what, "%s M=%d N=%d K=%d %s%s%s alpha=%g beta=%g act=%d %s%s", k->name, m, n, kk,
             I8_MODE_NAMES[mode], trans_b ? " transB lda=K+4" : "", with_bias ? " bias" : "", alpha, beta, (int)act,
             I8_OUT_NAMES[out], tp ? " 2 threads" : "");
    check_guards(y, nfl, what);
    bool gelu = act == EB_ACT_GELU;
    if (out == EB_I8_OUT_F32 && gelu) {
        /* the fp32 kernels' GELU, within their tolerance; GELU(-inf) is 0
         * there, NaN (-inf * 0) in the scalar form: those are left out */
        const eb_kernel *f32 = eb_kernel_pick(EB_KERNEL_GEMM, k->isa);
        float *yd = malloc(sizeof(float) * ny);
        assert_non_null(yd);
        for (size_t i = 0; i < ny; i++) {
            yd[i] = y[(i / (size_t)n) * (size_t)ldc + i % (size_t)n];
            if (pre[i] == -INFINITY)
                yd[i] = ref[i] = 0.0f;
        }
        compare(yd, ref, pre, ny, f32->tol, what);
        free(yd);
    } else {
        for (size_t i = 0; i < ny; i++) {
            size_t r = i / (size_t)n, col = i % (size_t)n, at = r * (size_t)ldc + col;
            if (out == EB_I8_OUT_F32) {
                if (memcmp(&y[at], &ref[i], sizeof(float)) != 0)
                    fail_msg("%s: element %zu (row %zu, column %zu) is %.9g, the reference %.9g (seed %llu)", what,
                             i, r, col, y[at], ref[i], (unsigned long long)eb_test_seed());
                continue;
            }
            int32_t q = eb_quantize(ref[i], next_scale, next_zero, 0, 255);
            float got = out == EB_I8_OUT_U8 ? (float)y8[at] : y[at] + (float)next_zero;
            float want = (float)q;
            if (out == EB_I8_OUT_GRID_F32) {
                float g = (float)(q - next_zero);
                if (memcmp(&y[at], &g, sizeof g) != 0 && !gelu)
                    fail_msg("%s: element %zu (row %zu, column %zu) is %.9g, the reference %.9g (seed %llu)", what,
                             i, r, col, y[at], g, (unsigned long long)eb_test_seed());
            }
            if (gelu ? !(fabsf(got - want) <= 1.0f) : got != want)
                fail_msg("%s: element %zu (row %zu, column %zu) is q = %g, the reference's %g (%.9g on %g, %d) "
                         "(seed %llu)",
                         what, i, r, col, got, want, ref[i], next_scale, next_zero,
                         (unsigned long long)eb_test_seed());
        }
    }
    for (size_t r = 0; r < (size_t)m; r++)
        for (size_t col = (size_t)n; col < (size_t)ldc; col++)
            if (out == EB_I8_OUT_U8 ? y8[r * (size_t)ldc + col] != 0xee : y[r * (size_t)ldc + col] != 12345.0f)
                fail_msg("%s: C's gap at row %zu, column %zu was written", what, r, col);
    if (out == EB_I8_OUT_U8)
        for (size_t b = nc; b < nfl * 4; b++)
            if (y8[b] != 0xee)
                fail_msg("%s: byte %zu past C's last element was written", what, b);
    free_guarded(y);
    free(pre);
    free(x), free(ws), free(bias), free(bias_eff), free(mult), free(ref), free(w), free(wz), free(xq);
}

static void run_gemm_i8(const eb_kernel *k)
{
    int md[10], nd[9];
    int nm = shape_dims(k->mr, md), nn = shape_dims(k->nr, nd);
    md[nm++] = 1; /* batch 1 */
    /* K: below the group of 4, odd, around it, and past one K step (1024) */
    static const int kd[] = {1, 2, 3, 4, 5, 7, 13, 33, 67, 255};
    int nk = (int)(sizeof kd / sizeof kd[0]), c = 0;
    for (int im = 0; im < nm; im++)
        for (int in = 0; in < nn; in++, c++) {
            int kk = kd[c % nk] + (c % 5 == 4 ? (int)(eb_test_rand(&g_rng) % 3) : 0);
            i8_mode mode = (i8_mode)(c % I8_MODES);
            eb_act act = (eb_act)(c % 3); /* none, relu, clip */
            float alpha = c % 4 == 1 ? 0.7f : 1.0f, beta = c % 4 == 2 ? 0.5f : 1.0f;
            eb_i8_out out = (eb_i8_out)(c / 3 % 3); /* not in step with mode and act */
            run_gemm_i8_case(k, md[im], nd[in], kk, mode, c % 2 == 1, c % 7 != 3, alpha, beta, act, out, NULL);
        }
    /* K steps accumulated in C or, for u8 output, in the block's own tile
     * (K > 1024, odd), a two-thread split, every mode and output */
    for (int mode = 0; mode < I8_MODES; mode++)
        for (int out = 0; out < 3; out++) {
            run_gemm_i8_case(k, 2 * k->mr + 3, 3 * k->nr + 5, 1031 + mode, (i8_mode)mode, mode == 1, true, 1.0f,
                             1.0f, (eb_act)(mode + 1 < 3 ? mode + 1 : 0), (eb_i8_out)out, NULL);
            run_gemm_i8_case(k, 37, 4 * k->nr + 1, out == EB_I8_OUT_U8 ? 1029 : 301, (i8_mode)mode, mode == 2, true,
                             0.9f, 1.0f, EB_ACT_RELU, (eb_i8_out)out, g_pool2);
        }
    /* GELU: odd shapes, one and several K steps, one and two threads */
    for (int out = 0; out < 3; out++) {
        run_gemm_i8_case(k, k->mr + 1, 2 * k->nr + 3, 77, I8_STATIC, false, true, 1.0f, 1.0f, EB_ACT_GELU,
                         (eb_i8_out)out, NULL);
        run_gemm_i8_case(k, 2 * k->mr - 1, k->nr + 5, 45, I8_STATIC_REQUANT, true, true, 0.8f, 1.0f, EB_ACT_GELU,
                         (eb_i8_out)out, NULL);
        run_gemm_i8_case(k, 29, 2 * k->nr + 1, 1101, I8_DYNAMIC, false, true, 1.0f, 1.0f, EB_ACT_GELU,
                         (eb_i8_out)out, g_pool2);
    }
}

/* Every kind finds a row for every ISA (its own, else down the chain
 * avx512vnni -> avx512 -> avx2 -> generic, avxvnni -> avx2, neondot -> neon
 * -> generic), the fp32 GEMM of a VNNI / dot ISA is its base ISA's, and the
 * new names parse. */
static void pick_chain(void **state)
{
    (void)state;
    for (int kind = 0; kind < EB_KERNEL_KINDS; kind++)
        for (int i = EB_ISA_GENERIC; i <= EB_ISA_LAST; i++) {
            const eb_kernel *k = eb_kernel_pick((eb_kernel_kind)kind, (eb_isa)i);
            assert_non_null(k);
            assert_int_equal(k->kind, kind);
            /* never an ISA outside the one asked for's family */
            eb_isa got = k->isa, base = eb_isa_base((eb_isa)i);
            assert_true(got == (eb_isa)i || got == base || got == EB_ISA_GENERIC ||
                        (got == EB_ISA_AVX2 && (base == EB_ISA_AVX512 || base == EB_ISA_AVX2)));
        }
    static const eb_isa ext[] = {EB_ISA_AVX512VNNI, EB_ISA_AVXVNNI, EB_ISA_NEONDOT};
    static const eb_isa base[] = {EB_ISA_AVX512, EB_ISA_AVX2, EB_ISA_NEON};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(eb_isa_base(ext[i]), base[i]);
        assert_ptr_equal(eb_kernel_pick(EB_KERNEL_GEMM, ext[i]), eb_kernel_pick(EB_KERNEL_GEMM, base[i]));
        eb_isa parsed = EB_ISA_AUTO;
        assert_true(eb_isa_parse(eb_isa_name(ext[i]), &parsed));
        assert_int_equal(parsed, ext[i]);
    }
    /* on x86-64 the VNNI ISAs have their own int8 row */
#if defined(__x86_64__)
    assert_int_equal(eb_kernel_pick(EB_KERNEL_GEMM_I8, EB_ISA_AVX512VNNI)->isa, EB_ISA_AVX512VNNI);
    assert_int_equal(eb_kernel_pick(EB_KERNEL_GEMM_I8, EB_ISA_AVXVNNI)->isa, EB_ISA_AVXVNNI);
    assert_int_equal(eb_kernel_pick(EB_KERNEL_GEMM_I8, EB_ISA_AVX512)->isa, EB_ISA_AVX2);
#endif
}

/* The weight -128 is outside the symmetric range the kernels rely on. */
static void gemm_i8_refuses_minus_128(void **state)
{
    (void)state;
    int8_t w[6] = {1, -2, 3, -128, 5, 6};
    eb_packed_b8 *pb = NULL;
    eb_err err;
    assert_int_equal(eb_gemm_i8_pack_b(w, 2, 3, 3, false, &pb, &err), EB_EUNSUPPORTED);
    assert_null(pb);
    w[3] = -127;
    assert_int_equal(eb_gemm_i8_pack_b(w, 2, 3, 3, false, &pb, &err), EB_OK);
    eb_gemm_i8_packed_free(pb);
}

/* eb_quantize_u8 is eb_quantize on every value: NaN, infinities, values past
 * lrintf's range and past the 4e9 cut, ties (x.5 on scale 1), -0. */
static void quantize_u8_bit_exact(void **state)
{
    (void)state;
    enum { N = 1500 };
    float *x = malloc(sizeof(float) * N);
    uint8_t *q = malloc(N);
    assert_true(x && q);
    static const float special[] = {NAN, -NAN, INFINITY, -INFINITY, 1e30f, -1e30f, 3e9f, -3e9f, 5e9f, -5e9f,
                                    2147483648.0f, -2147483648.0f, 0.0f, -0.0f, 0.5f, -0.5f, 1.5f, -1.5f,
                                    2.5f, 254.5f, 255.5f, -127.5f, 127.5f, 128.5f};
    const size_t ns = sizeof special / sizeof special[0];
    size_t n = 0;
    for (size_t i = 0; i < ns; i++)
        x[n++] = special[i];
    for (int t = -600; t <= 600; t++) /* every tie from -300 to 300 */
        x[n++] = (float)t * 0.5f;
    while (n < N)
        x[n++] = 300.0f * rnd();
    static const float scales[] = {1.0f, 0.5f, 0.0173f, 3.0f, 1e-30f};
    static const int32_t zeros[] = {0, 128, 255, 17};
    for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++)
        for (size_t zi = 0; zi < sizeof zeros / sizeof zeros[0]; zi++)
            for (size_t len = N - 7; len <= N; len += 7) { /* the SIMD loop's tail */
                memset(q, 0xcd, N);
                eb_quantize_u8(x, len, scales[si], zeros[zi], q);
                for (size_t i = 0; i < len; i++)
                    if (q[i] != (uint8_t)eb_quantize(x[i], scales[si], zeros[zi], 0, 255))
                        fail_msg("eb_quantize_u8(%g, scale %g, zero %d) = %d, eb_quantize %d", x[i], scales[si],
                                 zeros[zi], q[i], eb_quantize(x[i], scales[si], zeros[zi], 0, 255));
                for (size_t i = len; i < N; i++)
                    assert_int_equal(q[i], 0xcd); /* nothing past n */
            }
    free(x);
    free(q);
}

/* eb_dynamic_grid_u8 is eb_ref_dynamic_grid: NaN skipped, infinities,
 * one-signed data, all zero, every length up to past the SIMD width. */
static void dynamic_grid_u8_bit_exact(void **state)
{
    (void)state;
    enum { N = 41 };
    float x[N];
    for (int kind = 0; kind < 7; kind++)
        for (int len = 0; len <= N; len++) {
            for (int i = 0; i < N; i++) {
                float v = rnd() * 10.0f;
                x[i] = kind == 1 ? fabsf(v) : kind == 2 ? -fabsf(v) : kind == 3 ? 0.0f : v;
            }
            if (kind == 4 && len > 0)
                x[eb_test_rand(&g_rng) % (uint64_t)len] = NAN;
            if (kind == 5 && len > 1) {
                x[0] = INFINITY;
                x[len - 1] = -3.0f;
            }
            if (kind == 6 && len > 0)
                x[len - 1] = -INFINITY;
            float s1, s2;
            int32_t z1, z2;
            eb_dynamic_grid_u8(x, (size_t)len, &s1, &z1);
            eb_ref_dynamic_grid(x, len, &s2, &z2);
            if (memcmp(&s1, &s2, sizeof s1) != 0 || z1 != z2)
                fail_msg("kind %d, n %d: eb_dynamic_grid_u8 gave (%.9g, %d), eb_ref_dynamic_grid (%.9g, %d)", kind,
                         len, s1, z1, s2, z2);
        }
}

/* The I4X kernels' arithmetic: each row of X quantized (eb_xq8_quantize:
 * q >= -127 and q * scale within half a step of x), the twin's Gemm on
 * X dequantized from it equals y to NMSE 1e-10 (fp32 sums in another
 * order): the int8 dots themselves are exact. */
static void expect_q8_exact(const eb_kernel *k, const eb_cweights *pw, const float *x, int m, int n, int kk,
                            const eb_tensor *cw, float *bias, bool relu, const float *y, const char *what)
{
    (void)pw;
    float *xd = malloc(sizeof(float) * (size_t)m * kk), *ref = malloc(sizeof(float) * (size_t)m * n);
    float *tmp = malloc(sizeof(float) * (size_t)m * n), *s = malloc(sizeof(float) * (size_t)kk / 32);
    int8_t *q = malloc((size_t)kk);
    int32_t *c8 = malloc(sizeof(int32_t) * (size_t)kk / 32);
    assert_true(xd && ref && tmp && s && q && c8);
    for (int i = 0; i < m; i++) {
        eb_xq8_quantize(x + (size_t)i * kk, kk, q, s, c8);
        for (int c = 0; c < kk / 32; c++) {
            int32_t sum = 0;
            for (int j = c * 32; j < c * 32 + 32; j++) {
                float xj = x[(size_t)i * kk + j], dq = (float)q[j] * s[c];
                if (q[j] < -127 || fabs((double)xj - dq) > 0.5001 * s[c])
                    fail_msg("%s: x = %g quantized to %d x %g", what, xj, q[j], s[c]);
                xd[(size_t)i * kk + j] = dq;
                sum += q[j];
            }
            assert_int_equal(c8[c], 8 * sum);
        }
    }
    int64_t sx[2] = {m, kk}, sc[1] = {n}, sy[2] = {m, n};
    eb_tensor tx = tensor(xd, 2, sx), tc = tensor(bias, 1, sc), ty = tensor(relu ? tmp : ref, 2, sy);
    const eb_tensor *in3[3] = {&tx, cw, &tc};
    eb_attr tb = attr_int("transB", 1);
    twin(k, EB_OP_GEMM, "Gemm", &tb, 1, in3, 3, &ty);
    if (relu) {
        eb_tensor tr = tensor(ref, 2, sy);
        const eb_tensor *in1[1] = {&ty};
        twin(k, EB_OP_RELU, "Relu", NULL, 0, in1, 1, &tr);
    }
    char exact[200];
    snprintf(exact, sizeof exact, "%s, against the int8 arithmetic", what);
    compare(y, ref, relu ? tmp : NULL, (size_t)m * n, 1e-10, exact);
    free(xd), free(ref), free(tmp), free(s), free(q), free(c8);
}

/* The compressed-weight kernels (wgemm.h) through eb_wgemm, with the
 * row's ISA: W [N][K] random, compressed by the reference compressor of
 * the row's format (for CSR after zeroing about 80% of it), against the
 * reference Gemm (transB = 1) on the compressed tensor.  M covers the GEMV
 * form (1, 2), row blocks of EB_WDOT_ROWS and partial SpMM tiles. */
static void run_wgemm(const eb_kernel *k)
{
    static const int ms[] = {1, 2, 3, 5, 17, 33};
    static const int ns[] = {3, 7, 13, 65}; /* NMSE over >= 3 outputs: one alone may be near 0 */
    int ks[4], groups[4] = {0};
    switch (k->kind) {
    case EB_KERNEL_WDOT_I4: /* (K, group): group 16 splits a 32-chunk, 64 spans two */
        ks[0] = 32, groups[0] = 32, ks[1] = 96, groups[1] = 32, ks[2] = 160, groups[2] = 16, ks[3] = 192, groups[3] = 64;
        break;
    case EB_KERNEL_WDOT_I4Q8: /* groups a multiple of 32: one, two and four blocks of activations */
        ks[0] = 32, groups[0] = 32, ks[1] = 96, groups[1] = 32, ks[2] = 192, groups[2] = 64, ks[3] = 256, groups[3] = 128;
        break;
    case EB_KERNEL_SPMM_NM: ks[0] = 4, ks[1] = 36, ks[2] = 516, ks[3] = 8; break; /* 2:4 (516: three column blocks); 4:8 last */
    default: ks[0] = 5, ks[1] = 17, ks[2] = 37, ks[3] = 130; break;
    }
    for (size_t im = 0; im < sizeof ms / sizeof ms[0]; im++)
        for (size_t in = 0; in < sizeof ns / sizeof ns[0]; in++)
            for (int ik = 0; ik < 4; ik++) {
                int m = ms[im], n = ns[in], kk = ks[ik];
                bool relu = (im + in + (size_t)ik) % 2;
                float *x = malloc(sizeof(float) * (size_t)m * kk), *w = malloc(sizeof(float) * (size_t)n * kk);
                float *bias = malloc(sizeof(float) * (size_t)n), *ref = malloc(sizeof(float) * (size_t)m * n);
                float *tmp = malloc(sizeof(float) * (size_t)m * n);
                assert_true(x && w && bias && ref && tmp);
                fill(x, (size_t)m * kk);
                fill(w, (size_t)n * kk);
                fill(bias, (size_t)n);
                if (k->kind == EB_KERNEL_SPMM_CSR)
                    for (size_t i = 0; i < (size_t)n * kk; i++)
                        if (eb_test_rand(&g_rng) % 5)
                            w[i] = 0.0f;
                int64_t sx[2] = {m, kk}, sw[2] = {n, kk}, sc[1] = {n}, sy[2] = {m, n};
                eb_tensor tw = tensor(w, 2, sw), cw = tensor(NULL, 2, sw);
                eb_storage *st = NULL;
                eb_err err;
                eb_status rc = EB_OK;
                switch (k->kind) {
                case EB_KERNEL_WDOT_I4:
                case EB_KERNEL_WDOT_I4Q8: rc = eb_storage_quant_from_dense(&tw, EB_DT_I4, 1, groups[ik], 1, &st, &err); break;
                case EB_KERNEL_WDOT_F16: rc = eb_storage_f16_from_dense(&tw, &st, &err); break;
                case EB_KERNEL_SPMM_CSR: rc = eb_storage_csr_from_dense(&tw, false, &st, &err); break;
                default: rc = eb_storage_nm_from_dense(&tw, false, ik == 3 ? 4 : 2, ik == 3 ? 8 : 4, &st, &err); break;
                }
                assert_int_equal(rc, EB_OK);
                cw.storage = st;
                eb_cweights pw;
                bool q8 = k->kind == EB_KERNEL_WDOT_I4Q8;
                assert_true(q8 ? eb_cweights_i4x_supported(&cw, true) : eb_cweights_supported(&cw, true));
                assert_int_equal(q8 ? eb_cweights_pack_i4x(&cw, true, &pw, &err) : eb_cweights_pack(&cw, true, &pw, &err),
                                 EB_OK);
                float *y = guarded((size_t)m * n);
                eb_epilogue ep = {.bias = bias, .act = relu ? EB_ACT_RELU : EB_ACT_NONE};
                eb_wgemm(&pw, k->isa, m, x, (size_t)kk, y, (size_t)n, &ep, NULL, NULL);

                eb_tensor tx = tensor(x, 2, sx), tc = tensor(bias, 1, sc), ty = tensor(relu ? tmp : ref, 2, sy);
                const eb_tensor *in3[3] = {&tx, &cw, &tc};
                eb_attr tb = attr_int("transB", 1);
                twin(k, EB_OP_GEMM, "Gemm", &tb, 1, in3, 3, &ty);
                if (relu) {
                    eb_tensor tr = tensor(ref, 2, sy);
                    const eb_tensor *in1[1] = {&ty};
                    twin(k, EB_OP_RELU, "Relu", NULL, 0, in1, 1, &tr);
                }
                char what[160];
                snprintf(what, sizeof what, "%s M=%d N=%d K=%d%s", k->name, m, n, kk, relu ? " relu" : "");
                check_guards(y, (size_t)m * n, what);
                compare(y, ref, relu ? tmp : NULL, (size_t)m * n, k->tol, what);
                if (q8) /* and exactly the int8 arithmetic: the twin on X as quantized */
                    expect_q8_exact(k, &pw, x, m, n, kk, &cw, bias, relu, y, what);
                free_guarded(y);
                eb_cweights_free(&pw);
                eb_storage_free(st);
                free(x), free(w), free(bias), free(ref), free(tmp);
            }
}

/* ---- per-channel affine and reductions (cpuops) ------------------------------------------- */

/* A BatchNormalization's pass on [outer][c][inner] (inner 1: channels
 * innermost, as NHWC), with and without Relu; the twin's output gets the
 * Relu applied here. */
static void run_affine(const eb_kernel *k)
{
    int cd[9];
    int nc = shape_dims(lanes(k->isa), cd);
    for (int ic = 0; ic < nc; ic++)
        for (int form = 0; form < 4; form++) { /* inner 1 / odd, act none / relu */
            int64_t c = cd[ic], outer = 1 + (ic + form) % 3, inner = form % 2 ? 1 : 2 * lanes(k->isa) + 3;
            bool relu = form >= 2;
            size_t n = (size_t)(outer * c * inner);
            float *x = malloc(sizeof(float) * n), *ref = malloc(sizeof(float) * n);
            float *prm = malloc(sizeof(float) * (size_t)c * 4), *sc = malloc(sizeof(float) * (size_t)c * 2);
            assert_true(x && ref && prm && sc);
            fill(x, n);
            fill(prm, (size_t)c * 4);
            for (int64_t i = 0; i < c; i++)
                prm[3 * c + i] = fabsf(prm[3 * c + i]) + 0.5f; /* variance */
            for (int64_t i = 0; i < c; i++) {
                double s = prm[i] / sqrt((double)prm[3 * c + i] + 1e-5);
                sc[i] = (float)s;
                sc[c + i] = (float)(prm[c + i] - prm[2 * c + i] * s);
            }
            float *y = guarded(n);
            eb_channel_affine a = {.outer = outer, .c = c, .inner = inner, .scale = sc, .shift = sc + c,
                                   .act = relu ? EB_ACT_RELU : EB_ACT_NONE, .rows = k->fn.affine};
            eb_channel_affine_f32(&a, x, y, NULL);

            int64_t sx[3] = {outer, c, inner}, sp[1] = {c};
            eb_tensor tx = tensor(x, inner > 1 ? 3 : 2, sx), ty = tensor(ref, inner > 1 ? 3 : 2, sx);
            eb_tensor tp[4];
            for (int i = 0; i < 4; i++)
                tp[i] = tensor(prm + i * c, 1, sp);
            const eb_tensor *in[5] = {&tx, &tp[0], &tp[1], &tp[2], &tp[3]};
            twin(k, EB_OP_BATCH_NORM, "BatchNormalization", NULL, 0, in, 5, &ty);
            float *pre = malloc(sizeof(float) * n);
            assert_non_null(pre);
            memcpy(pre, ref, sizeof(float) * n);
            if (relu)
                for (size_t i = 0; i < n; i++)
                    ref[i] = ref[i] < 0 ? 0 : ref[i];
            char what[160];
            snprintf(what, sizeof what, "%s outer=%lld c=%lld inner=%lld%s", k->name, (long long)outer, (long long)c,
                     (long long)inner, relu ? " relu" : "");
            check_guards(y, n, what);
            compare(y, ref, pre, n, k->tol, what);
            free_guarded(y);
            free(x), free(ref), free(prm), free(sc), free(pre);
        }
}

/* Mean, Sum, Max, Min over the last dim ([outer][count]) and the middle
 * one ([outer][count][inner]). */
static void run_reduce(const eb_kernel *k)
{
    static const eb_op ops[4] = {EB_OP_REDUCE_MEAN, EB_OP_REDUCE_SUM, EB_OP_REDUCE_MAX, EB_OP_REDUCE_MIN};
    static const char *const names[4] = {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"};
    int cd[9];
    int nc = shape_dims(lanes(k->isa), cd);
    cd[nc++] = 16 * lanes(k->isa) + 5;
    for (int ic = 0; ic < nc; ic++)
        for (int form = 0; form < 8; form++) {
            int op = form % 4;
            bool middle = form >= 4;
            int64_t outer = 1 + ic % 3, count = cd[ic], inner = middle ? cd[(ic + 3) % nc] + 520 * (ic % 2) : 1;
            size_t nx = (size_t)(outer * count * inner), ny = (size_t)(outer * inner);
            float *x = malloc(sizeof(float) * nx), *ref = malloc(sizeof(float) * ny);
            assert_true(x && ref);
            fill(x, nx);
            if (op < 2) /* Mean, Sum of positive values: random signs can cancel to near zero, where the
                         * float sum's rounding is a large share of the result (NMSE 1.01e-10 once) */
                for (size_t i = 0; i < nx; i++)
                    x[i] = fabsf(x[i]);
            float *y = guarded(ny);
            eb_reduce r = {.op = ops[op], .outer = outer, .count = count, .inner = inner, .rows = k->fn.reduce};
            eb_reduce_f32(&r, x, y, NULL);

            int64_t sx[3] = {outer, count, inner}, sy[3] = {outer, 1, inner}, axis[1] = {1};
            eb_tensor tx = tensor(x, 3, sx), ty = tensor(ref, 3, sy);
            eb_tensor ta = {.dtype = EB_DT_I64, .rank = 1, .shape = {1}, .data = axis};
            eb_attr attrs[1] = {attr_ints("axes", axis, 1)};
            const eb_tensor *in[2] = {&tx, &ta};
            bool sum = ops[op] == EB_OP_REDUCE_SUM; /* opset 13: its axes are an input */
            twin(k, ops[op], names[op], sum ? NULL : attrs, sum ? 0 : 1, in, sum ? 2 : 1, &ty);
            char what[160];
            snprintf(what, sizeof what, "%s %s outer=%lld count=%lld inner=%lld", k->name, names[op], (long long)outer,
                     (long long)count, (long long)inner);
            check_guards(y, ny, what);
            compare(y, ref, NULL, ny, k->tol, what);
            free_guarded(y);
            free(x), free(ref);
        }
}

/* Runs row k with isa forced on this thread (the GEMM packs and runs for it). */
static void run_row(const eb_kernel *k, eb_isa isa)
{
    eb_isa prev = eb_gemm_thread_isa(isa);
    switch (k->kind) {
    case EB_KERNEL_GEMM: run_gemm(k); break;
    case EB_KERNEL_DWCONV: run_dwconv(k); break;
    case EB_KERNEL_POOL: run_pool(k); break;
    case EB_KERNEL_SOFTMAX: run_softmax(k); break;
    case EB_KERNEL_GEMM_I8: run_gemm_i8(k); break;
    case EB_KERNEL_DWCONV_I8: run_dwconv_i8(k); break;
    case EB_KERNEL_WDOT_I4:
    case EB_KERNEL_WDOT_F16:
    case EB_KERNEL_WDOT_I4Q8:
    case EB_KERNEL_SPMM_CSR:
    case EB_KERNEL_SPMM_NM: run_wgemm(k); break;
    case EB_KERNEL_AFFINE: run_affine(k); break;
    case EB_KERNEL_REDUCE: run_reduce(k); break;
    default: fail_msg("%s: a kind this test does not know (add it here)", k->name);
    }
    eb_gemm_thread_isa(prev);
}

/* ---- the tests: one per row, one per (kind, ISA) ------------------------------------------ */

static void row_test(void **state)
{
    const eb_kernel *k = *state;
    if (!eb_isa_supported(k->isa)) {
        printf("skipped: %s needs %s: %s\n", k->name, eb_isa_name(k->isa), eb_isa_why_not(k->isa));
        skip();
    }
    if (k->kind == EB_KERNEL_GEMM_I8)
        assert_true(k->in_dtype == EB_DT_U8 && k->w_dtype == EB_DT_I8 && k->format == EB_KERNEL_QUANT && k->tol == 0);
    else if (k->kind == EB_KERNEL_DWCONV_I8)
        assert_true(k->in_dtype == EB_DT_U8 && k->w_dtype == EB_DT_I8 && k->tol == 0);
    else /* f32 activations; dense, or the compressed formats of wgemm.h */
        assert_true(k->in_dtype == EB_DT_F32);
    run_row(k, k->isa);
}

typedef struct dispatch_case {
    eb_kernel_kind kind;
    eb_isa isa;
    char name[64];
} dispatch_case;

static void dispatch_test(void **state)
{
    const dispatch_case *c = *state;
    if (!eb_isa_supported(c->isa)) {
        printf("skipped: %s: %s\n", eb_isa_name(c->isa), eb_isa_why_not(c->isa));
        skip();
    }
    const eb_kernel *k = eb_kernel_pick(c->kind, c->isa);
    assert_non_null(k);
    /* the row picked never needs more than the ISA asked for */
    assert_true(eb_isa_supported(k->isa));
    run_row(k, c->isa);
}

static const char *const KIND_NAMES[EB_KERNEL_KINDS] = {"gemm",    "dwconv",  "pool",     "softmax",  "gemm_i8",
                                                        "dwconv_i8", "wdot_i4", "wdot_f16", "spmm_csr", "spmm_nm",
                                                        "affine",  "reduce"};

int main(void)
{
    g_rng = eb_test_seed();
    const eb_isa isas[] = {EB_ISA_GENERIC, EB_ISA_AVX2,    EB_ISA_AVX512, EB_ISA_NEON,
                           EB_ISA_AVXVNNI, EB_ISA_AVX512VNNI, EB_ISA_NEONDOT};
    enum { N_ISAS = sizeof isas / sizeof isas[0], N_EXTRA = 4 };
    g_pool2 = eb_threadpool_new(2);
    if (!g_pool2)
        return 1;
    int n = eb_n_kernels + EB_KERNEL_KINDS * N_ISAS + N_EXTRA;
    struct CMUnitTest *tests = calloc((size_t)n, sizeof *tests);
    dispatch_case *cases = calloc(EB_KERNEL_KINDS * N_ISAS, sizeof *cases);
    if (!tests || !cases)
        return 1;
    int t = 0;
    for (int i = 0; i < eb_n_kernels; i++)
        tests[t++] = (struct CMUnitTest){.name = eb_kernels[i].name, .test_func = row_test,
                                         .initial_state = (void *)&eb_kernels[i]};
    for (int kind = 0; kind < EB_KERNEL_KINDS; kind++)
        for (int j = 0; j < N_ISAS; j++) {
            dispatch_case *c = &cases[kind * N_ISAS + j];
            c->kind = (eb_kernel_kind)kind;
            c->isa = isas[j];
            snprintf(c->name, sizeof c->name, "dispatch__%s__on_%s", KIND_NAMES[kind], eb_isa_name(isas[j]));
            tests[t++] = (struct CMUnitTest){.name = c->name, .test_func = dispatch_test, .initial_state = c};
        }
    tests[t++] = (struct CMUnitTest){.name = "pick_chain", .test_func = pick_chain};
    tests[t++] = (struct CMUnitTest){.name = "gemm_i8_refuses_minus_128", .test_func = gemm_i8_refuses_minus_128};
    tests[t++] = (struct CMUnitTest){.name = "quantize_u8_bit_exact", .test_func = quantize_u8_bit_exact};
    tests[t++] = (struct CMUnitTest){.name = "dynamic_grid_u8_bit_exact", .test_func = dynamic_grid_u8_bit_exact};
    int rc = _cmocka_run_group_tests("kernels", tests, (size_t)t, NULL, NULL);
    eb_threadpool_free(g_pool2);
    free(tests);
    free(cases);
    return rc;
}
