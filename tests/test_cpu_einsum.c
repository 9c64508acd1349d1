/* test_cpu_einsum.c - Einsum on the cpu runner (runners/cpu/cpu_plan_einsum.c):
 * two-operand equations that are batched matrix products run as
 * transposes + the batched GEMM, within the cpu runner's tolerance of the
 * reference loop nest (relative L2 1e-5; fp32 sums in another order), on
 * every ISA the machine runs, at 1 and 2 threads, with no fallback; the
 * others (diagonals, a sum over one operand, one operand, broadcast
 * ellipsis dims) still match ref on its fallback.
 *
 * Each equation gets random label sizes in [1, 7] (seeded; the seed is
 * printed on failure) and random inputs, never zero (sign * [0.1, 1));
 * the second operand is a graph input or a constant in turn. */
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
#include "runners/cpu/cpu_runner.h"
#include "runners/cpu/gemm.h"
#include "runners/runner.h"
#include "tests/test_graph_builder.h"
#include "tests/test_util.h"

#define TOL 1e-5

static uint64_t rng;

static float rand_nonzero(void)
{
    return eb_test_nonzero(&rng, 1.0f);
}

static int setup(void **state)
{
    (void)state;
    rng = eb_test_seed();
    return 0;
}

/* Runs g on runner name; returns the output (malloc'd), the fallbacks. */
static float *run_on(const char *name, int threads, const eb_graph *g, const eb_tensor *in, int64_t *n, char *fb)
{
    const eb_runner *r = eb_runner_find(name);
    eb_variant v = eb_variant_default(name);
    v.threads = threads;
    eb_plan *p = NULL;
    eb_err err = {{0}};
    if (r->prepare(g, &v, &p, &err) != EB_OK)
        fail_msg("%s prepare: %s", name, err.msg);
    eb_tensor out = {0};
    eb_tensor_copy_meta(&out, &g->values[g->outputs[0]].t);
    out.data = NULL;
    assert_int_equal(eb_tensor_alloc(&out, "y", &err), EB_OK);
    if (r->run(p, in, &out, &err) != EB_OK)
        fail_msg("%s run: %s", name, err.msg);
    *n = eb_tensor_numel(&out);
    if (fb)
        snprintf(fb, 256, "%s", eb_cpu_plan_fallbacks(p));
    r->release(p);
    return out.data;
}

/* The shape of term t (letters; "..." as the two dims e1 e2). */
static int term_shape(const char *t, size_t len, const int64_t *size, int64_t e1, int64_t e2, int64_t *dims)
{
    int r = 0;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == '.') {
            dims[r++] = e1;
            dims[r++] = e2;
            i += 2;
        } else {
            dims[r++] = size[(unsigned char)t[i]];
        }
    }
    return r;
}

static void check_equation(const char *eq, bool fast, bool const_b, bool broadcast)
{
    int64_t size[128];
    for (int c = 0; c < 128; c++)
        size[c] = 1 + (int64_t)(eb_test_rand(&rng) % 7);
    int64_t e1 = 2 + (int64_t)(eb_test_rand(&rng) % 3), e2 = 2 + (int64_t)(eb_test_rand(&rng) % 3);
    const char *comma = strchr(eq, ','), *arrow = strstr(eq, "->");
    size_t la = comma ? (size_t)(comma - eq) : (arrow ? (size_t)(arrow - eq) : strlen(eq));
    const char *tb = comma ? comma + 1 : NULL;
    size_t lb = tb ? (arrow ? (size_t)(arrow - tb) : strlen(tb)) : 0;
    int64_t da[8], db[8];
    int ra = term_shape(eq, la, size, e1, e2, da), rb = tb ? term_shape(tb, lb, size, broadcast ? 1 : e1, e2, db) : 0;
    mb b;
    mb_begin(&b, 12);
    mb_input(&b, "a", ra, da);
    if (tb && const_b)
        mb_init(&b, "b", rb, db, NULL);
    else if (tb)
        mb_input(&b, "b", rb, db);
    mb_node(&b, "Einsum", tb ? "a,b" : "a", "y");
    mb_attr_string(&b, "equation", eq);
    mb_output(&b, "y");
    eb_graph *g = mb_load(&b);
    eb_tensor in[2] = {{0}};
    mb_inputs(g, in, &rng, 1.0f);
    int64_t n = 0, n2 = 0;
    float *want = run_on("ref", 1, g, in, &n, NULL);
    int ran = 0;
    for (int isa = EB_ISA_GENERIC; isa < 16 && strcmp(eb_isa_name((eb_isa)isa), "?") != 0; isa++) {
        if (!eb_gemm_force_isa((eb_isa)isa))
            continue;
        ran++;
        for (int threads = 1; threads <= 2; threads++) {
            char fb[256];
            float *got = run_on("cpu", threads, g, in, &n2, fb);
            assert_int_equal(n, n2);
            double num = 0, den = 0;
            for (int64_t k = 0; k < n; k++) {
                double d = (double)got[k] - want[k];
                num += d * d;
                den += (double)want[k] * want[k];
            }
            double e = sqrt(num / den);
            const char *in_name = eb_isa_name((eb_isa)isa);
            if (!(e <= TOL))
                fail_msg("Einsum '%s'%s [%s, %d threads]: relative L2 error %.3g > %.0e", eq,
                         const_b ? " (constant B)" : "", in_name, threads, e, TOL);
            if (fast && fb[0])
                fail_msg("Einsum '%s' [%s]: fell back to reference kernels: %s", eq, in_name, fb);
            if (!fast && !strstr(fb, "Einsum"))
                fail_msg("Einsum '%s': expected on the reference fallback, fallbacks '%s'", eq, fb);
            free(got);
        }
    }
    eb_gemm_force_isa(EB_ISA_AUTO);
    assert_true(ran >= 1);
    free(want);
    for (int i = 0; i < g->n_inputs; i++)
        eb_tensor_free_data(&in[i]);
    eb_graph_free(g);
}

static void einsum__matmul_like_equations__run_on_the_gemm(void **state)
{
    (void)state;
    static const char *EQ[] = {
        "ij,jk->ik",       "ij,jk",          "bij,bjk->bik",    "bhqd,bhkd->bhqk", "bhqk,bhkd->bhqd",
        "ik,jk->ij",       "ki,kj->ij",      "i,j->ij",         "bi,bi->b",        "i,i",
        "bid,bjd->bij",    "ij,kj->ki",      "abc,cd->abd",     "bqhd,bkhd->bhqk", "...ij,...jk->...ik",
        "ab,cb->ca",       "nchw,kc->nkhw",  "bhd,bhd->bh",
    };
    for (int rep = 0; rep < 2; rep++)
        for (size_t i = 0; i < sizeof EQ / sizeof EQ[0]; i++)
            check_equation(EQ[i], true, rep == 1, false);
}

static void einsum__other_equations__match_ref_on_the_fallback(void **state)
{
    (void)state;
    check_equation("ii,ij->j", false, false, false); /* a diagonal */
    check_equation("ij,jk->i", false, false, false); /* k summed in the second alone */
    check_equation("ij->ji", false, false, false);   /* one operand */
    check_equation("...ij,...jk->...ik", false, false, true); /* broadcast ellipsis */
}

int main(void)
{
    mb_random_values(rand_nonzero);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(einsum__matmul_like_equations__run_on_the_gemm),
        cmocka_unit_test(einsum__other_equations__match_ref_on_the_fallback),
    };
    return cmocka_run_group_tests_name("cpu_einsum", tests, setup, NULL);
}
