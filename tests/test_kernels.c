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
 * node after it where the GEMM's epilogue has one). */
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
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/gemm.h"
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
                case EB_KERNEL_WDOT_I4: rc = eb_storage_quant_from_dense(&tw, EB_DT_I4, 1, groups[ik], 1, &st, &err); break;
                case EB_KERNEL_WDOT_F16: rc = eb_storage_f16_from_dense(&tw, &st, &err); break;
                case EB_KERNEL_SPMM_CSR: rc = eb_storage_csr_from_dense(&tw, false, &st, &err); break;
                default: rc = eb_storage_nm_from_dense(&tw, false, ik == 3 ? 4 : 2, ik == 3 ? 8 : 4, &st, &err); break;
                }
                assert_int_equal(rc, EB_OK);
                cw.storage = st;
                eb_cweights pw;
                assert_true(eb_cweights_supported(&cw, true));
                assert_int_equal(eb_cweights_pack(&cw, true, &pw, &err), EB_OK);
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
                free_guarded(y);
                eb_cweights_free(&pw);
                eb_storage_free(st);
                free(x), free(w), free(bias), free(ref), free(tmp);
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
    case EB_KERNEL_WDOT_I4:
    case EB_KERNEL_WDOT_F16:
    case EB_KERNEL_SPMM_CSR:
    case EB_KERNEL_SPMM_NM: run_wgemm(k); break;
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

static const char *const KIND_NAMES[EB_KERNEL_KINDS] = {"gemm", "dwconv", "pool", "softmax", "wdot_i4", "wdot_f16", "spmm_csr", "spmm_nm"};

int main(void)
{
    g_rng = eb_test_seed();
    const eb_isa isas[] = {EB_ISA_GENERIC, EB_ISA_AVX2, EB_ISA_AVX512, EB_ISA_NEON};
    enum { N_ISAS = sizeof isas / sizeof isas[0] };
    int n = eb_n_kernels + EB_KERNEL_KINDS * N_ISAS;
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
    int rc = _cmocka_run_group_tests("kernels", tests, (size_t)t, NULL, NULL);
    free(tests);
    free(cases);
    return rc;
}
