/* test_cpu_index_ops.c - the cpu runner's kernels for the ops that move
 * elements by position or index (runners/cpu/index_ops.c, planned by
 * cpu_plan_index.c: Trilu, CumSum, GatherElements, GatherND,
 * ScatterElements, ScatterND, TopK) against their reference twins.
 *
 * Each case is a one-node graph (test_graph_builder.h) on random shapes
 * (odd lengths, random ranks and axes) with random data that is never
 * zero (f32: sign * [0.1, 1); ints: +-[1, 50]) and random indices in
 * [-dim, dim), negative ones included, fed as graph inputs so the kernels
 * see run-time indices.  Each is run on ref, then on cpu with every ISA
 * the machine runs forced in turn, at 1 and 2 threads: the outputs must be
 * bit-identical (memcmp: data movement, CumSum's double sums and TopK's
 * order are the twins' own) and no node may fall back to a reference
 * kernel.  Trilu's k and CumSum's axis are constants or graph inputs
 * (read at run time).  TopK also runs on values from a small set with NaNs (ties: the
 * lower index first, NaN above every number).  A run-time index out of
 * range fails the cpu run with the index named, as ref does.  Seeded;
 * the seed is printed on failure. */
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
#include "models/onnx_tensor.h"
#include "runners/cpu/cpu_runner.h"
#include "runners/cpu/gemm.h"
#include "runners/runner.h"
#include "tests/test_graph_builder.h"
#include "tests/test_util.h"

enum { ONNX_F32 = 1, ONNX_I32 = 6, ONNX_I64 = 7, ONNX_F64 = 11 };

static uint64_t rng;

static float rand_nonzero(void)
{
    float v = eb_test_uniform(&rng, 0.1f, 1.0f);
    return eb_test_rand(&rng) & 1 ? v : -v;
}

static int64_t rand_int(int64_t lo, int64_t hi) /* [lo, hi] */
{
    return lo + (int64_t)(eb_test_rand(&rng) % (uint64_t)(hi - lo + 1));
}

static int setup(void **state)
{
    (void)state;
    rng = eb_test_seed();
    return 0;
}

/* How the test fills each graph input. */
typedef enum fill_kind { FILL_DATA = 0, FILL_INDEX, FILL_TIES, FILL_VALUE } fill_kind;
typedef struct fill {
    fill_kind kind;
    int64_t value;       /* FILL_VALUE: every element */
    int period;          /* FILL_INDEX: value i lies in [-dims[i % period], dims[i % period]) */
    int64_t dims[EB_MAX_RANK];
    bool out_of_range;   /* FILL_INDEX: one value is dims past the end */
} fill;

static void fill_input(eb_tensor *t, const fill *f)
{
    int64_t n = eb_tensor_numel(t);
    for (int64_t i = 0; i < n; i++) {
        if (f->kind == FILL_VALUE) {
            eb_dtype_set_i64(t->dtype, t->data, i, f->value);
        } else if (f->kind == FILL_INDEX) {
            int64_t d = f->dims[i % f->period];
            eb_dtype_set_i64(t->dtype, t->data, i, rand_int(-d, d - 1));
        } else if (t->dtype == EB_DT_F32 && f->kind == FILL_TIES) {
            static const float SET[] = {-1.0f, -0.5f, 0.25f, 0.5f, 1.0f};
            int r = (int)rand_int(0, 5);
            ((float *)t->data)[i] = r == 5 ? NAN : SET[r];
        } else if (t->dtype == EB_DT_F32) {
            ((float *)t->data)[i] = rand_nonzero();
        } else if (t->dtype == EB_DT_F64) {
            ((double *)t->data)[i] = rand_nonzero();
        } else {
            int64_t v = rand_int(1, 50);
            eb_dtype_set_i64(t->dtype, t->data, i, eb_test_rand(&rng) & 1 ? v : -v);
        }
    }
    if (f->kind == FILL_INDEX && f->out_of_range && n > 0)
        eb_dtype_set_i64(t->dtype, t->data, n - 1, f->dims[(n - 1) % f->period]);
}

typedef struct outs {
    int n;
    eb_tensor t[2];
} outs;

/* Runs g on runner name; false (and the message in why) when the run fails. */
static bool run_on(const char *name, int threads, const eb_graph *g, const eb_tensor *in, outs *o, char *fb,
                   char *why, size_t wn)
{
    const eb_runner *r = eb_runner_find(name);
    assert_non_null(r);
    eb_variant v = eb_variant_default(name);
    v.threads = threads;
    char sup[256] = "";
    if (!r->supports(g, &v, sup, sizeof sup))
        fail_msg("%s does not support the graph: %s", name, sup);
    eb_plan *p = NULL;
    eb_err err = {{0}};
    if (r->prepare(g, &v, &p, &err) != EB_OK)
        fail_msg("%s prepare: %s", name, err.msg);
    o->n = g->n_outputs;
    assert_true(o->n <= 2);
    for (int i = 0; i < o->n; i++) {
        eb_tensor_copy_meta(&o->t[i], &g->values[g->outputs[i]].t);
        o->t[i].data = NULL;
        assert_int_equal(eb_tensor_alloc(&o->t[i], "out", &err), EB_OK);
        memset(o->t[i].data, 0xA5, eb_tensor_nbytes(&o->t[i]));
    }
    bool ok = r->run(p, in, o->t, &err) == EB_OK;
    if (!ok)
        snprintf(why, wn, "%s", err.msg);
    if (fb)
        snprintf(fb, 512, "%s", eb_cpu_plan_fallbacks(p));
    r->release(p);
    return ok;
}

static void outs_free(outs *o)
{
    for (int i = 0; i < o->n; i++)
        eb_tensor_free_data(&o->t[i]);
    o->n = 0;
}

/* g's inputs filled as fills[] say (one per input). */
static void make_inputs(const eb_graph *g, const fill *fills, eb_tensor *in)
{
    for (int i = 0; i < g->n_inputs; i++) {
        eb_err err;
        eb_tensor_copy_meta(&in[i], &g->values[g->inputs[i]].t);
        in[i].data = NULL;
        assert_int_equal(eb_tensor_alloc(&in[i], "in", &err), EB_OK);
        fill_input(&in[i], &fills[i]);
    }
}

/* cpu against ref on g, bit for bit, every ISA the machine runs forced in
 * turn, at 1 and 2 threads, no fallback; frees g. */
static void expect_exact(eb_graph *g, const fill *fills, const char *what)
{
    eb_tensor in[4] = {{0}};
    assert_true(g->n_inputs <= 4);
    make_inputs(g, fills, in);
    outs want = {0};
    char why[512] = "";
    if (!run_on("ref", 1, g, in, &want, NULL, why, sizeof why))
        fail_msg("%s: ref run: %s", what, why);
    int ran = 0;
    for (int isa = EB_ISA_GENERIC; isa < 16 && strcmp(eb_isa_name((eb_isa)isa), "?") != 0; isa++) {
        if (!eb_gemm_force_isa((eb_isa)isa))
            continue;
        for (int threads = 1; threads <= 2; threads++) {
            outs got = {0};
            char fb[512] = "";
            if (!run_on("cpu", threads, g, in, &got, fb, why, sizeof why))
                fail_msg("%s [%s]: cpu run: %s", what, eb_isa_name((eb_isa)isa), why);
            if (fb[0])
                fail_msg("%s [%s]: fell back to reference kernels: %s", what, eb_isa_name((eb_isa)isa), fb);
            for (int o = 0; o < want.n; o++)
                if (memcmp(got.t[o].data, want.t[o].data, eb_tensor_nbytes(&want.t[o])) != 0) {
                    size_t es = eb_dtypes[want.t[o].dtype].size, nb = eb_tensor_nbytes(&want.t[o]), b = 0;
                    while (b < nb && ((char *)got.t[o].data)[b] == ((char *)want.t[o].data)[b])
                        b++;
                    fail_msg("%s [%s, %d threads]: output %d differs from ref first at element %zu", what,
                             eb_isa_name((eb_isa)isa), threads, o, b / es);
                }
            outs_free(&got);
        }
        ran++;
    }
    eb_gemm_force_isa(EB_ISA_AUTO);
    assert_true(ran >= 1);
    outs_free(&want);
    for (int i = 0; i < g->n_inputs; i++)
        eb_tensor_free_data(&in[i]);
    eb_graph_free(g);
}

/* A random shape of rank r, dims in [1, 7] (odd ones mostly). */
static void rand_shape(int r, int64_t *d)
{
    static const int64_t DIMS[] = {1, 2, 3, 5, 7};
    for (int i = 0; i < r; i++)
        d[i] = DIMS[rand_int(0, 4)];
}

static void desc(char *buf, size_t n, const char *op, int r, const int64_t *d, const char *extra)
{
    int k = snprintf(buf, n, "%s [", op);
    for (int i = 0; i < r && k < (int)n; i++)
        k += snprintf(buf + k, n - (size_t)k, "%s%lld", i ? "," : "", (long long)d[i]);
    snprintf(buf + k, n - (size_t)k, "] %s", extra);
}

/* ---- Trilu and CumSum ---------------------------------------------------------------- */

static void trilu__random_shapes_k_and_dtypes__bit_exact_on_every_isa(void **state)
{
    (void)state;
    static const int TYPES[] = {ONNX_F32, ONNX_I64, ONNX_F64};
    for (int c = 0; c < 24; c++) {
        int r = (int)rand_int(2, 4);
        int64_t d[EB_MAX_RANK];
        rand_shape(r, d);
        d[r - 2] = rand_int(1, 9), d[r - 1] = rand_int(1, 9);
        int64_t k = rand_int(-10, 10);
        int upper = (int)rand_int(0, 1), ty = TYPES[c % 3];
        bool with_k = c % 4 != 0, runtime_k = c % 4 == 3; /* k a graph input: read at run time */
        mb b;
        mb_begin(&b, 14);
        mb_input_typed(&b, "x", r, d, ty);
        if (runtime_k)
            mb_input_typed(&b, "k", 0, NULL, ONNX_I64);
        else if (with_k)
            mb_init_i64(&b, "k", -1, (int64_t[]){k});
        mb_node(&b, "Trilu", with_k ? "x,k" : "x", "y");
        mb_attr_int(&b, "upper", upper);
        mb_output(&b, "y");
        char what[160], extra[64];
        snprintf(extra, sizeof extra, "upper=%d k=%lld%s type=%d", upper, with_k ? (long long)k : 0LL,
                 runtime_k ? " (an input)" : "", ty);
        desc(what, sizeof what, "Trilu", r, d, extra);
        fill fills[2] = {{0}, {.kind = FILL_VALUE, .value = k}};
        expect_exact(mb_load(&b), fills, what);
    }
}

static void cumsum__random_axes_flags_and_dtypes__bit_exact_on_every_isa(void **state)
{
    (void)state;
    static const int TYPES[] = {ONNX_F32, ONNX_I32, ONNX_I64, ONNX_F64};
    for (int c = 0; c < 32; c++) {
        int r = (int)rand_int(1, 4);
        int64_t d[EB_MAX_RANK];
        rand_shape(r, d);
        int64_t axis = rand_int(-r, r - 1);
        int excl = (int)rand_int(0, 1), rev = (int)rand_int(0, 1), ty = TYPES[c % 4];
        mb b;
        mb_begin(&b, 14);
        mb_input_typed(&b, "x", r, d, ty);
        bool runtime_axis = c % 3 == 2; /* a graph input: read at run time */
        if (runtime_axis)
            mb_input_typed(&b, "axis", 0, NULL, c % 2 ? ONNX_I32 : ONNX_I64);
        else
            mb_init_i64(&b, "axis", -1, (int64_t[]){axis});
        mb_node(&b, "CumSum", "x,axis", "y");
        mb_attr_int(&b, "exclusive", excl);
        mb_attr_int(&b, "reverse", rev);
        mb_output(&b, "y");
        char what[160], extra[80];
        snprintf(extra, sizeof extra, "axis=%lld%s exclusive=%d reverse=%d type=%d", (long long)axis,
                 runtime_axis ? " (an input)" : "", excl, rev, ty);
        desc(what, sizeof what, "CumSum", r, d, extra);
        fill fills[2] = {{0}, {.kind = FILL_VALUE, .value = axis}};
        expect_exact(mb_load(&b), fills, what);
    }
}

/* ---- the element gathers and scatters ------------------------------------------------- */

static void elements__gather_and_scatter_random__bit_exact_on_every_isa(void **state)
{
    (void)state;
    static const char *RED[] = {"none", "add", "mul", "max", "min"};
    for (int c = 0; c < 40; c++) {
        bool scatter = c % 2 == 1;
        int r = (int)rand_int(1, 4);
        int64_t d[EB_MAX_RANK], id[EB_MAX_RANK];
        rand_shape(r, d);
        int axis = (int)rand_int(0, r - 1);
        for (int i = 0; i < r; i++)
            id[i] = i == axis ? rand_int(1, 6) : rand_int(1, d[i]);
        int ity = c % 4 < 2 ? ONNX_I64 : ONNX_I32;
        const char *red = scatter ? RED[rand_int(0, 4)] : "none";
        mb b;
        mb_begin(&b, 18);
        mb_input(&b, "data", r, d);
        mb_input_typed(&b, "idx", r, id, ity);
        if (scatter)
            mb_input(&b, "upd", r, id);
        mb_node(&b, scatter ? "ScatterElements" : "GatherElements", scatter ? "data,idx,upd" : "data,idx", "y");
        mb_attr_int(&b, "axis", axis - (c % 3 == 0 ? r : 0));
        if (scatter)
            mb_attr_string(&b, "reduction", red);
        mb_output(&b, "y");
        fill fills[3] = {{0}, {.kind = FILL_INDEX, .period = 1, .dims = {d[axis]}}, {0}};
        char what[160], extra[80];
        snprintf(extra, sizeof extra, "axis=%d idx type %d reduction=%s", axis, ity, red);
        desc(what, sizeof what, scatter ? "ScatterElements" : "GatherElements", r, d, extra);
        expect_exact(mb_load(&b), fills, what);
    }
}

/* ---- the ND gathers and scatters ------------------------------------------------------- */

static void nd__gather_and_scatter_random__bit_exact_on_every_isa(void **state)
{
    (void)state;
    for (int c = 0; c < 40; c++) {
        bool scatter = c % 2 == 1;
        int r = (int)rand_int(1, 4);
        int64_t d[EB_MAX_RANK];
        rand_shape(r, d);
        int bd = scatter ? 0 : (int)rand_int(0, r - 1);
        int m = (int)rand_int(1, r - bd);
        /* indices: batch dims (data's), then 1-2 dims of tuples, then m */
        int64_t id[EB_MAX_RANK], ud[EB_MAX_RANK];
        int ir = 0;
        for (int i = 0; i < bd; i++)
            id[ir++] = d[i];
        int extra_dims = (int)rand_int(0, 2);
        for (int i = 0; i < extra_dims; i++)
            id[ir++] = rand_int(1, 5);
        id[ir++] = m;
        int ur = 0;
        for (int i = 0; i < ir - 1; i++)
            ud[ur++] = id[i];
        for (int i = m; i < r; i++)
            ud[ur++] = d[i];
        int ity = c % 4 < 2 ? ONNX_I64 : ONNX_I32;
        const char *red = scatter && c % 3 == 0 ? "add" : "none";
        mb b;
        mb_begin(&b, 16);
        mb_input(&b, "data", r, d);
        mb_input_typed(&b, "idx", ir, id, ity);
        if (scatter)
            mb_input(&b, "upd", ur, ud);
        mb_node(&b, scatter ? "ScatterND" : "GatherND", scatter ? "data,idx,upd" : "data,idx", "y");
        if (scatter)
            mb_attr_string(&b, "reduction", red);
        else
            mb_attr_int(&b, "batch_dims", bd);
        mb_output(&b, "y");
        fill fi = {.kind = FILL_INDEX, .period = m};
        for (int k = 0; k < m; k++)
            fi.dims[k] = d[bd + k];
        fill fills[3] = {{0}, fi, {0}};
        char what[160], extra[80];
        snprintf(extra, sizeof extra, "batch_dims=%d m=%d idx rank %d type %d reduction=%s", bd, m, ir, ity, red);
        desc(what, sizeof what, scatter ? "ScatterND" : "GatherND", r, d, extra);
        expect_exact(mb_load(&b), fills, what);
    }
}

/* ---- TopK -------------------------------------------------------------------------------- */

static void topk__random_and_tied_values__bit_exact_on_every_isa(void **state)
{
    (void)state;
    for (int c = 0; c < 32; c++) {
        int r = (int)rand_int(1, 3);
        int64_t d[EB_MAX_RANK];
        rand_shape(r, d);
        int axis = (int)rand_int(0, r - 1);
        /* long runs now and then: K past the insertion path's limit */
        if (c % 8 == 7)
            d[axis] = rand_int(70, 150);
        int64_t k = rand_int(1, d[axis]); /* K=0: an empty output, nothing to run */
        int largest = (int)rand_int(0, 1);
        mb b;
        mb_begin(&b, 11);
        mb_input(&b, "x", r, d);
        mb_init_i64(&b, "K", 1, (int64_t[]){k});
        mb_node(&b, "TopK", "x,K", "v,i");
        mb_attr_int(&b, "axis", axis);
        mb_attr_int(&b, "largest", largest);
        mb_output(&b, "v");
        mb_output(&b, "i");
        fill fills[1] = {{.kind = c % 2 ? FILL_TIES : FILL_DATA}};
        char what[160], extra[80];
        snprintf(extra, sizeof extra, "axis=%d K=%lld largest=%d%s", axis, (long long)k, largest,
                 c % 2 ? " (ties, NaN)" : "");
        desc(what, sizeof what, "TopK", r, d, extra);
        expect_exact(mb_load(&b), fills, what);
    }
}

/* ---- a run-time index out of range --------------------------------------------------------- */

static void index__out_of_range_at_run_time__fails_the_cpu_run(void **state)
{
    (void)state;
    const char *ops[] = {"GatherElements", "GatherND", "ScatterElements", "ScatterND"};
    for (int o = 0; o < 4; o++) {
        bool scatter = o >= 2, nd = o % 2 == 1;
        int64_t d[2] = {5, 3}, id[2] = {4, nd ? 1 : 3}, ud[2] = {4, nd ? 3 : 3};
        mb b;
        mb_begin(&b, 16);
        mb_input(&b, "data", 2, d);
        mb_input_typed(&b, "idx", 2, id, ONNX_I64);
        if (scatter)
            mb_input(&b, "upd", nd ? 2 : 2, ud);
        mb_node(&b, ops[o], scatter ? "data,idx,upd" : "data,idx", "y");
        mb_output(&b, "y");
        eb_graph *g = mb_load(&b);
        fill fills[3] = {{0}, {.kind = FILL_INDEX, .period = 1, .dims = {5}, .out_of_range = true}, {0}};
        eb_tensor in[3] = {{0}};
        make_inputs(g, fills, in);
        outs got = {0}, want = {0};
        char why[512] = "", rwhy[512] = "";
        assert_false(run_on("ref", 1, g, in, &want, NULL, rwhy, sizeof rwhy));
        assert_false(run_on("cpu", 1, g, in, &got, NULL, why, sizeof why));
        print_message("%s: cpu: %s\n", ops[o], why);
        assert_non_null(strstr(why, "5"));
        outs_free(&got);
        outs_free(&want);
        for (int i = 0; i < g->n_inputs; i++)
            eb_tensor_free_data(&in[i]);
        eb_graph_free(g);
    }
}

int main(void)
{
    mb_random_values(rand_nonzero);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(trilu__random_shapes_k_and_dtypes__bit_exact_on_every_isa),
        cmocka_unit_test(cumsum__random_axes_flags_and_dtypes__bit_exact_on_every_isa),
        cmocka_unit_test(elements__gather_and_scatter_random__bit_exact_on_every_isa),
        cmocka_unit_test(nd__gather_and_scatter_random__bit_exact_on_every_isa),
        cmocka_unit_test(topk__random_and_tied_values__bit_exact_on_every_isa),
        cmocka_unit_test(index__out_of_range_at_run_time__fails_the_cpu_run),
    };
    return cmocka_run_group_tests_name("cpu_index_ops", tests, setup, NULL);
}
