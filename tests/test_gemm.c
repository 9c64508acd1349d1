/* test_gemm.c - the cpu runner's fp32 GEMM (runners/cpu/gemm.c and its
 * micro-kernels): argument checks, ISA detection, and every kernel this
 * machine can run, forced in turn, against a reference twin.
 *
 * The reference is a plain triple loop in double written here, with the
 * semantics of reference_kernels' Gemm (alpha = beta = 1, transA = 0,
 * transB either way, C a bias row broadcast over M) followed by the
 * activation in double with libm's erf.  Inputs are random in [-1, 1] and
 * never zero (seeded xorshift from tests/test_util.h; the seed is printed).
 *
 * Tolerance.  Per element, |got - want| <= 4 K 2^-24 S + 2e-6 (1 + |want|),
 * where S = sum_p |A[i][p] B[p][j]| + |bias[j]|: 4 K 2^-24 S bounds the
 * rounding of any order of K float multiply-adds (the kernels block K), the
 * second term covers the SIMD GELU's erf approximation (abs error ~4e-7)
 * and one rounding of the activation.  Over a matrix of 64 or more
 * elements, NMSE (sum err^2 / sum want^2) <= 1e-10 (on a few elements
 * NMSE says little: one GELU output near zero is all cancellation).  A wrong product or a missed row moves
 * an element by ~0.1 or more, far outside both.
 *
 * Every C is surrounded by guard floats (a NaN payload that no computation
 * produces) before and after, and its row gaps (ldc > N) hold the same
 * pattern; all of them are checked after every call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runners/cpu/gemm.h"
#include "runners/cpu/gemm_i8_kernel.h"
#include "runners/cpu/gemm_kernel.h"
#include "runners/cpu/threadpool.h"
#include "tests/test_util.h"

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

enum { GUARD = 64 };
static const uint32_t GUARD_BITS = 0x7fc0dead;

/* ---- helpers ----------------------------------------------------------- */

static float guard_value(void)
{
    float f;
    memcpy(&f, &GUARD_BITS, sizeof f);
    return f;
}

static bool is_guard(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u == GUARD_BITS;
}

/* uniform in [-1, -0.01] U [0.01, 1]: random, never zero */
static float rand_nonzero(uint64_t *rng)
{
    float v = eb_test_uniform(rng, 0.01f, 1.0f);
    return (eb_test_rand(rng) & 1) ? -v : v;
}

static float *rand_matrix(uint64_t *rng, size_t count)
{
    float *m = malloc((count ? count : 1) * sizeof *m);
    assert_non_null(m);
    for (size_t i = 0; i < count; i++)
        m[i] = rand_nonzero(rng);
    return m;
}

static double act_ref(double v, const eb_epilogue *ep)
{
    switch (ep->act) {
    case EB_ACT_NONE: return v;
    case EB_ACT_RELU: return v < 0 ? 0 : v;
    case EB_ACT_CLIP: return v < ep->lo ? ep->lo : v > ep->hi ? ep->hi : v;
    case EB_ACT_GELU: return 0.5 * v * (1.0 + erf(v / sqrt(2.0)));
    }
    return v;
}

static const char *act_name(eb_act a)
{
    static const char *names[] = {"none", "relu", "clip", "gelu"};
    return names[a];
}

/* One GEMM case: shapes, strides, layout, epilogue, threads. */
typedef struct gemm_case {
    int m, n, k;
    int lda_pad, ldb_pad, ldc_pad; /* extra floats per row */
    bool trans_b;
    bool bias;
    eb_act act;
    int threads;
} gemm_case;

/* The pools for 1, 2 and 3 threads, created once per driver run. */
static eb_threadpool *g_pools[4];

static eb_threadpool *pool(int threads)
{
    assert_true(threads >= 1 && threads <= 3);
    if (!g_pools[threads]) {
        g_pools[threads] = eb_threadpool_new(threads);
        assert_non_null(g_pools[threads]);
    }
    return g_pools[threads];
}

static int teardown_pools(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++) {
        eb_threadpool_free(g_pools[i]);
        g_pools[i] = NULL;
    }
    eb_gemm_force_isa(EB_ISA_AUTO);
    return 0;
}

/* Runs one case with the current ISA and checks it; fails the test with
 * the case and the seed in the message. */
static void run_case(uint64_t *rng, const gemm_case *tc)
{
    int m = tc->m, n = tc->n, k = tc->k;
    int lda = k + tc->lda_pad, ldc = n + tc->ldc_pad;
    int ldb = (tc->trans_b ? k : n) + tc->ldb_pad;
    size_t brows = tc->trans_b ? (size_t)n : (size_t)k;
    float *a = rand_matrix(rng, (size_t)m * lda);
    float *b = rand_matrix(rng, brows * ldb);
    float *bias = tc->bias ? rand_matrix(rng, (size_t)n) : NULL;
    size_t csize = (size_t)m * ldc;
    float *cbuf = malloc((csize + 2 * GUARD) * sizeof *cbuf);
    assert_non_null(cbuf);
    for (size_t i = 0; i < csize + 2 * GUARD; i++)
        cbuf[i] = guard_value();
    float *c = cbuf + GUARD;

    eb_epilogue ep = {.bias = bias, .act = tc->act, .lo = 0.0f, .hi = 6.0f};
    if (tc->act == EB_ACT_CLIP) {
        /* a window the values cross on both sides */
        ep.lo = -0.25f * sqrtf((float)k);
        ep.hi = 0.25f * sqrtf((float)k);
    }
    eb_packed_b *pb = NULL;
    eb_err err = {{0}};
    assert_int_equal(eb_gemm_pack_b(b, k, n, ldb, tc->trans_b, &pb, &err), EB_OK);
    eb_gemm_f32(m, n, k, a, lda, pb, c, ldc, &ep, pool(tc->threads));
    eb_gemm_packed_free(pb);

    char what[256];
    snprintf(what, sizeof what,
             "isa %s, M=%d N=%d K=%d lda=%d ldb=%d ldc=%d transB=%d bias=%d act=%s threads=%d (seed %llu)",
             eb_isa_name(eb_gemm_isa()), m, n, k, lda, ldb, ldc, tc->trans_b, tc->bias, act_name(tc->act),
             tc->threads, (unsigned long long)eb_test_seed());
    for (int g = 0; g < GUARD; g++)
        if (!is_guard(cbuf[g]) || !is_guard(cbuf[GUARD + csize + g]))
            fail_msg("%s: guard float %d %s C was written", what, g, is_guard(cbuf[g]) ? "after" : "before");
    double err2 = 0, ref2 = 0, worst = 0;
    for (int i = 0; i < m; i++) {
        for (int j = ldc - tc->ldc_pad; j < ldc; j++)
            if (!is_guard(c[(size_t)i * ldc + j]))
                fail_msg("%s: C[%d][%d], outside the M x N box, was written", what, i, j);
        for (int j = 0; j < n; j++) {
            double acc = 0, s = 0;
            for (int p = 0; p < k; p++) {
                double bv = tc->trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                double prod = (double)a[(size_t)i * lda + p] * bv;
                acc += prod;
                s += fabs(prod);
            }
            if (bias) {
                acc += bias[j];
                s += fabs(bias[j]);
            }
            double want = act_ref(acc, &ep), got = c[(size_t)i * ldc + j];
            double tol = 4.0 * k * ldexp(1.0, -24) * s + 2e-6 * (1.0 + fabs(want));
            double e = fabs(got - want);
            if (!(e <= tol))
                fail_msg("%s: C[%d][%d] = %.9g, expected %.9g (error %.3g, tolerance %.3g)", what, i, j, got, want, e,
                         tol);
            err2 += e * e;
            ref2 += want * want;
            if (e > worst)
                worst = e;
        }
    }
    if ((size_t)m * n >= 64 && err2 / ref2 > 1e-10)
        fail_msg("%s: NMSE %.3g > 1e-10 (max abs error %.3g)", what, err2 / ref2, worst);
    free(cbuf);
    free(bias);
    free(b);
    free(a);
}

/* Forces the ISA in *state for this test, or skips with the reason. */
static void use_isa(void **state)
{
    eb_isa isa = *(const eb_isa *)*state;
    if (!eb_gemm_force_isa(isa)) {
        print_message("skipped: this %s and CPU cannot run the %s kernel\n",
#if defined(__x86_64__)
                      "x86-64 build",
#elif defined(__aarch64__)
                      "aarch64 build",
#else
                      "build",
#endif
                      eb_isa_name(isa));
        skip();
    }
    assert_int_equal(eb_gemm_isa(), isa);
}

static void kernel_tile(eb_isa isa, int *mr, int *nr)
{
    switch (isa) {
#if defined(__x86_64__)
    case EB_ISA_AVX2: *mr = EB_AVX2_MR, *nr = EB_AVX2_NR; return;
    case EB_ISA_AVX512: *mr = EB_AVX512_MR, *nr = EB_AVX512_NR; return;
#endif
#if defined(__aarch64__)
    case EB_ISA_NEON: *mr = EB_NEON_MR, *nr = EB_NEON_NR; return;
#endif
    default: *mr = EB_GENERIC_MR, *nr = EB_GENERIC_NR; return;
    }
}

/* ---- failure paths ------------------------------------------------------- */

static void gemm_pack_b__bad_arguments__fail(void **state)
{
    (void)state;
    float b[12] = {0};
    eb_packed_b *p = (eb_packed_b *)b; /* must be reset to NULL on failure */
    eb_err err = {{0}};
    assert_int_equal(eb_gemm_pack_b(b, -1, 3, 3, false, &p, &err), EB_EINVAL);
    assert_null(p);
    assert_string_equal(err.msg, "gemm: pack B: bad shape -1 x 3");
    assert_int_equal(eb_gemm_pack_b(b, 4, 3, 2, false, &p, &err), EB_EINVAL);
    assert_string_equal(err.msg, "gemm: pack B: row stride 2 is less than the row length 3");
    /* transposed, rows are K long */
    assert_int_equal(eb_gemm_pack_b(b, 4, 3, 3, true, &p, &err), EB_EINVAL);
    assert_string_equal(err.msg, "gemm: pack B: row stride 3 is less than the row length 4");
    assert_int_equal(eb_gemm_pack_b(NULL, 4, 3, 3, false, &p, &err), EB_EINVAL);
    assert_string_equal(err.msg, "gemm: pack B: no data for a 4 x 3 matrix");
    assert_null(p);
}

static void gemm_force_isa__foreign_isa__is_refused(void **state)
{
    (void)state;
    eb_isa before = eb_gemm_isa();
#if defined(__aarch64__)
    assert_false(eb_gemm_force_isa(EB_ISA_AVX2));
    assert_false(eb_gemm_force_isa(EB_ISA_AVX512));
#else
    assert_false(eb_gemm_force_isa(EB_ISA_NEON));
#endif
    assert_int_equal(eb_gemm_isa(), before);
    assert_true(eb_gemm_force_isa(EB_ISA_GENERIC));
    assert_int_equal(eb_gemm_isa(), EB_ISA_GENERIC);
    assert_true(eb_gemm_force_isa(EB_ISA_AUTO));
    assert_string_equal(eb_isa_name(EB_ISA_AVX512), "avx512");
    assert_string_equal(eb_isa_name(EB_ISA_GENERIC), "generic");
}

/* ---- detection ------------------------------------------------------------ */

/* The feature list of /proc/cpuinfo ("flags" on x86, "Features" on arm):
 * the kernel's view, an independent witness.  False when there is no such
 * line for this build's architecture (no procfs, or an emulator such as
 * qemu-user showing the host's file). */
static bool proc_cpuinfo_flags(char *out, size_t n)
{
#if defined(__aarch64__)
    const char *key = "Features";
#else
    const char *key = "flags";
#endif
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return false;
    char line[8192];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (strncmp(line, key, strlen(key)) != 0 || !colon)
            continue;
        snprintf(out, n, " %s", colon + 1);
        for (char *q = out; *q; q++)
            if (*q == '\t' || *q == '\n')
                *q = ' ';
        found = true;
    }
    fclose(f);
    return found;
}

static bool has_flag(const char *flags, const char *flag)
{
    char pat[64];
    snprintf(pat, sizeof pat, " %s ", flag);
    return strstr(flags, pat) != NULL;
}

static void isa_detect__agrees_with_proc_cpuinfo(void **state)
{
    (void)state;
    static char flags[8192];
    if (!proc_cpuinfo_flags(flags, sizeof flags - 1)) {
        print_message("skipped: /proc/cpuinfo has no feature line for this architecture\n");
        skip();
    }
    strcat(flags, " ");
    eb_isa want = EB_ISA_GENERIC;
#if defined(__x86_64__)
    if (has_flag(flags, "avx512f") && has_flag(flags, "avx512bw") && has_flag(flags, "avx512_vnni"))
        want = EB_ISA_AVX512VNNI;
    else if (has_flag(flags, "avx512f"))
        want = EB_ISA_AVX512;
    else if (has_flag(flags, "avx2") && has_flag(flags, "fma") && has_flag(flags, "avx_vnni"))
        want = EB_ISA_AVXVNNI;
    else if (has_flag(flags, "avx2") && has_flag(flags, "fma"))
        want = EB_ISA_AVX2;
#elif defined(__aarch64__)
    if (has_flag(flags, "asimd") && has_flag(flags, "asimddp") && EB_I8_HAVE_NEONDOT)
        want = EB_ISA_NEONDOT;
    else if (has_flag(flags, "asimd"))
        want = EB_ISA_NEON;
#endif
    eb_isa got = eb_isa_detect();
    if (got != want)
        fail_msg("eb_isa_detect() = %s, /proc/cpuinfo implies %s", eb_isa_name(got), eb_isa_name(want));
}

#if defined(__aarch64__)
/* Advanced SIMD is part of ARMv8-A, so an aarch64 build runs the NEON
 * kernel by default.  The witness is the kernel's AT_HWCAP, which
 * qemu-user emulates too (its /proc/cpuinfo, before qemu 8.2, is the
 * host's, and the test above skips). */
static void isa_detect__aarch64__picks_neon(void **state)
{
    (void)state;
#if defined(__linux__) && defined(HWCAP_ASIMD)
    unsigned long hwcap = getauxval(AT_HWCAP);
    print_message("AT_HWCAP %#lx: asimd %s; eb_isa_detect() = %s\n", hwcap, (hwcap & HWCAP_ASIMD) ? "yes" : "no",
                  eb_isa_name(eb_isa_detect()));
    assert_true((hwcap & HWCAP_ASIMD) != 0);
#endif
    /* neon, or neondot where the CPU (qemu's "max") has the dot product */
    assert_int_equal(eb_isa_base(eb_isa_detect()), EB_ISA_NEON);
}
#endif

/* The ISA is a variant setting now (cpu:isa=...), never the environment:
 * EB_GEMM_ISA changes nothing.  A thread's pin wins over the process's,
 * on that thread only. */
static void *other_thread_isa(void *arg)
{
    *(eb_isa *)arg = eb_gemm_isa();
    return NULL;
}

static void gemm_isa__thread_pin_beats_force__environment_ignored(void **state)
{
    (void)state;
    eb_isa detected = eb_isa_detect();
    assert_true(eb_gemm_force_isa(EB_ISA_AUTO));
    setenv("EB_GEMM_ISA", detected == EB_ISA_GENERIC ? "avx2" : "generic", 1);
    assert_int_equal(eb_gemm_isa(), detected);
    unsetenv("EB_GEMM_ISA");

    eb_isa parsed = EB_ISA_AUTO;
    assert_true(eb_isa_parse("generic", &parsed));
    assert_int_equal(parsed, EB_ISA_GENERIC);
    assert_false(eb_isa_parse("sse9", &parsed));
    assert_true(eb_isa_supported(EB_ISA_GENERIC));
    assert_false(eb_isa_supported(EB_ISA_AUTO));

    assert_true(eb_gemm_force_isa(detected));
    eb_isa old = eb_gemm_thread_isa(EB_ISA_GENERIC);
    assert_int_equal(old, EB_ISA_AUTO);
    assert_int_equal(eb_gemm_isa(), EB_ISA_GENERIC);
    eb_isa seen = EB_ISA_AUTO;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, other_thread_isa, &seen), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(seen, detected); /* the pin is this thread's only */
    eb_gemm_thread_isa(old);
    assert_int_equal(eb_gemm_isa(), detected);
    assert_true(eb_gemm_force_isa(EB_ISA_AUTO));
}

/* ---- edge cases of the driver ----------------------------------------------- */

static void gemm__k_zero__writes_activation_of_bias(void **state)
{
    (void)state;
    float bias[5] = {-2.0f, -0.5f, 0.25f, 3.0f, 9.0f};
    float c[2 * 6];
    for (int i = 0; i < 12; i++)
        c[i] = guard_value();
    eb_packed_b *pb = NULL;
    eb_err err = {{0}};
    assert_int_equal(eb_gemm_pack_b(NULL, 0, 5, 5, false, &pb, &err), EB_OK);
    eb_epilogue ep = {.bias = bias, .act = EB_ACT_CLIP, .lo = 0.0f, .hi = 6.0f};
    eb_gemm_f32(2, 5, 0, NULL, 1, pb, c, 6, &ep, NULL);
    const float want[5] = {0.0f, 0.0f, 0.25f, 3.0f, 6.0f};
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 5; j++)
            assert_float_equal(c[i * 6 + j], want[j], 0.0f);
        assert_true(is_guard(c[i * 6 + 5]));
    }
    eb_gemm_packed_free(pb);
}

/* B packed while one ISA was pinned keeps working after another is. */
static void gemm__packed_for_generic__still_right_after_auto(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0x51;
    int m = 9, n = 19, k = 23;
    float *a = rand_matrix(&rng, (size_t)m * k), *b = rand_matrix(&rng, (size_t)k * n);
    float c[9 * 19];
    assert_true(eb_gemm_force_isa(EB_ISA_GENERIC));
    eb_packed_b *pb = NULL;
    eb_err err = {{0}};
    assert_int_equal(eb_gemm_pack_b(b, k, n, n, false, &pb, &err), EB_OK);
    assert_true(eb_gemm_packed_bytes(pb) >= (size_t)k * n * sizeof(float));
    assert_true(eb_gemm_force_isa(EB_ISA_AUTO));
    eb_gemm_f32(m, n, k, a, k, pb, c, n, NULL, NULL);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double want = 0;
            for (int p = 0; p < k; p++)
                want += (double)a[i * k + p] * b[p * n + j];
            assert_float_equal(c[i * n + j], want, 1e-5);
        }
    eb_gemm_packed_free(pb);
    free(a);
    free(b);
}

/* ---- every kernel against the reference ------------------------------------ */

/* Every M and N from the edge list (odd primes, tile-1, tile, tile+1,
 * 2 tile+1, 1) crossed with K in {1, 7, KC-crossing}, cycling through
 * layouts, epilogues and thread counts. */
static void gemm__edge_shapes__match_reference(void **state)
{
    use_isa(state);
    int mr, nr;
    kernel_tile(eb_gemm_isa(), &mr, &nr);
    const int ms[] = {1, 5, 7, 11, 13, mr - 1 > 0 ? mr - 1 : 2, mr, mr + 1, 2 * mr + 1};
    const int ns[] = {1, 5, 7, 11, 13, nr - 1, nr, nr + 1, 2 * nr + 1};
    const int ks[] = {1, 7, 13, 300};
    uint64_t rng = eb_test_seed() ^ (uint64_t)eb_gemm_isa();
    int count = 0;
    for (size_t im = 0; im < sizeof ms / sizeof ms[0]; im++)
        for (size_t in = 0; in < sizeof ns / sizeof ns[0]; in++)
            for (size_t ik = 0; ik < sizeof ks / sizeof ks[0]; ik++, count++) {
                gemm_case tc = {
                    .m = ms[im], .n = ns[in], .k = ks[ik],
                    .lda_pad = count % 3, .ldb_pad = count % 2, .ldc_pad = (count / 2) % 3,
                    .trans_b = count % 2 == 1, .bias = count % 4 != 3, .act = (eb_act)(count % 4),
                    .threads = 1 + count % 3,
                };
                run_case(&rng, &tc);
            }
}

/* Each epilogue, with and without bias, both layouts, 1-3 threads, on a
 * shape with edges in M, N and K. */
static void gemm__every_epilogue_and_thread_count__matches_reference(void **state)
{
    use_isa(state);
    uint64_t rng = eb_test_seed() ^ 0x77 ^ (uint64_t)eb_gemm_isa();
    for (int act = EB_ACT_NONE; act <= EB_ACT_GELU; act++)
        for (int bias = 0; bias < 2; bias++)
            for (int t = 0; t < 2; t++)
                for (int threads = 1; threads <= 3; threads++) {
                    gemm_case tc = {
                        .m = 67, .n = 83, .k = 29, .lda_pad = 3, .ldb_pad = 1, .ldc_pad = 5,
                        .trans_b = t, .bias = bias, .act = (eb_act)act, .threads = threads,
                    };
                    run_case(&rng, &tc);
                }
}

/* Random shapes up to ~300, K past one cache block, random padding: several
 * blocks per dimension, so the split over threads is exercised. */
static void gemm__large_random_shapes__match_reference(void **state)
{
    use_isa(state);
    uint64_t rng = eb_test_seed() ^ 0x99 ^ (uint64_t)eb_gemm_isa();
    for (int r = 0; r < 6; r++) {
        gemm_case tc = {
            .m = 100 + (int)(eb_test_rand(&rng) % 200), .n = 100 + (int)(eb_test_rand(&rng) % 200),
            .k = 200 + (int)(eb_test_rand(&rng) % 400), .lda_pad = (int)(eb_test_rand(&rng) % 17),
            .ldb_pad = (int)(eb_test_rand(&rng) % 17), .ldc_pad = (int)(eb_test_rand(&rng) % 17),
            .trans_b = r % 2, .bias = true, .act = (eb_act)(r % 4), .threads = 1 + r % 3,
        };
        run_case(&rng, &tc);
    }
}

/* Batch 1 (M = 1) and thin M with wide N: the work is split over N. */
static void gemm__batch_one__matches_reference(void **state)
{
    use_isa(state);
    uint64_t rng = eb_test_seed() ^ 0x1234 ^ (uint64_t)eb_gemm_isa();
    const int ms[] = {1, 1, 2, 3};
    const int ns[] = {1000, 997, 129, 515};
    for (int r = 0; r < 4; r++)
        for (int threads = 1; threads <= 3; threads++) {
            gemm_case tc = {
                .m = ms[r], .n = ns[r], .k = 301, .ldc_pad = r, .trans_b = r % 2,
                .bias = true, .act = EB_ACT_RELU, .threads = threads,
            };
            run_case(&rng, &tc);
        }
}

/* one test per (check, ISA), named gemm_<isa>__<check> */
#define PER_ISA(check, isa)                                                                                  \
    {.name = "gemm_" #isa "__" #check, .test_func = gemm__##check, .initial_state = (void *)&ISA_##isa}

static const eb_isa ISA_generic = EB_ISA_GENERIC, ISA_avx2 = EB_ISA_AVX2, ISA_avx512 = EB_ISA_AVX512,
                    ISA_neon = EB_ISA_NEON;

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gemm_pack_b__bad_arguments__fail),
        cmocka_unit_test(gemm_force_isa__foreign_isa__is_refused),
        cmocka_unit_test(isa_detect__agrees_with_proc_cpuinfo),
#if defined(__aarch64__)
        cmocka_unit_test(isa_detect__aarch64__picks_neon),
#endif
        cmocka_unit_test(gemm_isa__thread_pin_beats_force__environment_ignored),
        cmocka_unit_test(gemm__k_zero__writes_activation_of_bias),
        cmocka_unit_test(gemm__packed_for_generic__still_right_after_auto),
#define ALL_FOR(isa)                                                                                        \
    PER_ISA(edge_shapes__match_reference, isa), PER_ISA(every_epilogue_and_thread_count__matches_reference, isa), \
        PER_ISA(large_random_shapes__match_reference, isa), PER_ISA(batch_one__matches_reference, isa)
        ALL_FOR(generic),
        ALL_FOR(avx2),
        ALL_FOR(avx512),
        ALL_FOR(neon),
    };
    /* which kernels this run exercises: the per-ISA tests of the others skip */
    print_message("gemm: kernels this build and CPU run:");
    for (int i = EB_ISA_GENERIC; i <= EB_ISA_NEON; i++)
        if (eb_gemm_force_isa((eb_isa)i))
            print_message(" %s", eb_isa_name((eb_isa)i));
    eb_gemm_force_isa(EB_ISA_AUTO);
    print_message("; default %s\n", eb_isa_name(eb_isa_detect()));
    return cmocka_run_group_tests_name("gemm", tests, NULL, teardown_pools);
}
