/* cache_audit.c - --audit cache (cache_audit.h): the run order, the
 * test-only memoizing variant, and the decision. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/cache_audit.h"
#include "bench/inputs.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The memoizing fake: the previous run's input bytes, one buffer per input. */
typedef struct memo {
    bool on;
    bool have;
    int n;
    void **prev;
    size_t *bytes;
} memo;

static bool same_bytes(const eb_tensor *in, int n, void *const *prev, const size_t *bytes)
{
    for (int i = 0; i < n; i++)
        if (eb_tensor_nbytes(&in[i]) != bytes[i] || memcmp(in[i].data, prev[i], bytes[i]) != 0)
            return false;
    return true;
}

static bool tensors_equal(const eb_tensor *a, const eb_tensor *b, int n)
{
    for (int i = 0; i < n; i++)
        if (eb_tensor_nbytes(&a[i]) != eb_tensor_nbytes(&b[i]) || memcmp(a[i].data, b[i].data, eb_tensor_nbytes(&a[i])) != 0)
            return false;
    return true;
}

static eb_status run_one(const eb_runner *r, eb_plan *plan, memo *m, const eb_tensor *in, eb_tensor *out, eb_err *err)
{
    if (m->on && m->have && same_bytes(in, m->n, m->prev, m->bytes))
        return EB_OK; /* the outputs from last time are still in out */
    if (m->on) {
        for (int i = 0; i < m->n; i++) {
            size_t b = eb_tensor_nbytes(&in[i]);
            void *p = b == m->bytes[i] ? m->prev[i] : realloc(m->prev[i], b ? b : 1);
            if (!p)
                return eb_errf(err, EB_ENOMEM, "out of memory");
            memcpy(p, in[i].data, b);
            m->prev[i] = p;
            m->bytes[i] = b;
        }
        m->have = true;
    }
    return r->run(plan, in, out, err);
}

static eb_status timed(const eb_runner *r, eb_plan *plan, memo *m, const eb_tensor *in, eb_tensor *out, double *ms,
                       eb_err *err)
{
    double t0 = now_ms();
    eb_status st = run_one(r, plan, m, in, out, err);
    *ms = now_ms() - t0;
    return st;
}

void eb_cache_audit_run(const eb_runner *r, eb_plan *plan, const eb_graph *g, uint64_t seed, eb_tensor *out,
                        double max_s, const char *memo_key, eb_cache_audit *a)
{
    enum { N = EB_AUDIT_BLOCK * EB_AUDIT_ROUNDS };
    double same_ms[N], distinct_ms[N];
    int ns = 0, nd = 0, n_in = g->n_inputs;
    eb_err err = {{0}};
    const char *knob = getenv("EB_TEST_MEMOIZE");
    memo m = {.on = knob && memo_key && strcmp(knob, memo_key) == 0, .n = n_in};
    eb_tensor *same = calloc((size_t)n_in + 1, sizeof *same), *other = calloc((size_t)n_in + 1, sizeof *other);
    m.prev = calloc((size_t)n_in + 1, sizeof *m.prev);
    m.bytes = calloc((size_t)n_in + 1, sizeof *m.bytes);
    memset(a, 0, sizeof *a);
    a->requested = true;
    a->threshold = EB_AUDIT_THRESHOLD;
    eb_status st = same && other && m.prev && m.bytes ? eb_inputs_random(g, seed, same, &err)
                                                      : eb_errf(&err, EB_ENOMEM, "out of memory");
    bool have_same = st == EB_OK;
    uint64_t next_seed = seed + 1;
    double start = now_ms();
    if (st == EB_OK)
        st = run_one(r, plan, &m, same, out, &err); /* untimed: the first repeat starts like the others */
    for (int round = 0; st == EB_OK && round < EB_AUDIT_ROUNDS; round++) {
        if (round > 0 && now_ms() - start > max_s * 1e3)
            break;
        /* both blocks do the same work around each run: build the input
         * afresh (the repeated one from its seed again, so its bytes are the
         * same), compare it with the repeated input, run it, free it; only
         * whether the bytes repeat differs */
        for (int kind = 0; st == EB_OK && kind < 2; kind++)
            for (int i = 0; st == EB_OK && i < EB_AUDIT_BLOCK; i++) {
                /* a distinct seed whose bytes happen to equal the repeated input's (a tiny integer input) is skipped */
                for (int tries = 0; st == EB_OK && tries < 4; tries++) {
                    st = eb_inputs_random(g, kind == 0 ? seed : next_seed++, other, &err);
                    bool equal = st == EB_OK && tensors_equal(other, same, n_in);
                    if (st != EB_OK || kind == 0 || tries == 3 || !equal)
                        break;
                    eb_inputs_free(other, n_in);
                }
                if (st == EB_OK)
                    st = timed(r, plan, &m, other, out, kind == 0 ? &same_ms[ns++] : &distinct_ms[nd++], &err);
                eb_inputs_free(other, n_in);
            }
    }
    if (st != EB_OK)
        snprintf(a->reason, sizeof a->reason, "the audit's runs failed: %.130s", err.msg);
    else
        eb_cache_audit_judge(same_ms, ns, distinct_ms, nd, EB_AUDIT_BLOCK, EB_AUDIT_THRESHOLD, a);
    if (have_same)
        eb_inputs_free(same, n_in);
    for (int i = 0; m.prev && i < n_in; i++)
        free(m.prev[i]);
    free(m.prev);
    free(m.bytes);
    free(same);
    free(other);
}

static int cmp_double(const void *p, const void *q)
{
    double x = *(const double *)p, y = *(const double *)q;
    return (x > y) - (x < y);
}

/* The p-quantile of sorted s[0..n) by linear interpolation between ranks. */
static double quantile(const double *s, int n, double p)
{
    double pos = p * (n - 1);
    int lo = (int)floor(pos);
    int hi = lo + 1 < n ? lo + 1 : lo;
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/* The median of v[0..n) (n <= 64), on a copy. */
static double block_median(const double *v, int n)
{
    double s[64];
    n = n < 64 ? n : 64;
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void eb_cache_audit_judge(const double *same, int n_same, const double *distinct, int n_distinct, int block,
                          double threshold, eb_cache_audit *a)
{
    a->requested = true;
    a->threshold = threshold;
    a->runs_same = n_same;
    a->runs_distinct = n_distinct;
    a->flagged = false;
    if (n_same < 3 || n_distinct < 3) {
        a->available = false;
        snprintf(a->reason, sizeof a->reason, "too few runs to compare (%d repeated, %d distinct; 3 each at least)",
                 n_same, n_distinct);
        return;
    }
    double *s = malloc((size_t)(n_same + n_distinct) * sizeof *s);
    if (!s) {
        a->available = false;
        snprintf(a->reason, sizeof a->reason, "out of memory");
        return;
    }
    double *d = s + n_same;
    memcpy(s, same, (size_t)n_same * sizeof *s);
    memcpy(d, distinct, (size_t)n_distinct * sizeof *d);
    qsort(s, (size_t)n_same, sizeof *s, cmp_double);
    qsort(d, (size_t)n_distinct, sizeof *d, cmp_double);
    a->same_median_ms = quantile(s, n_same, 0.5);
    a->distinct_median_ms = quantile(d, n_distinct, 0.5);
    a->same_q75_ms = quantile(s, n_same, 0.75);
    a->distinct_q25_ms = quantile(d, n_distinct, 0.25);
    free(s);
    if (!(a->distinct_median_ms > 0)) {
        a->available = false;
        snprintf(a->reason, sizeof a->reason, "the distinct inputs' median is %g ms: no ratio", a->distinct_median_ms);
        return;
    }
    a->available = true;
    a->reason[0] = '\0';
    a->ratio = a->same_median_ms / a->distinct_median_ms;
    a->rounds = a->rounds_faster = 0;
    for (int k = 0; block > 0 && (k + 1) * block <= n_same && (k + 1) * block <= n_distinct; k++) {
        a->rounds++;
        a->rounds_faster += block_median(same + k * block, block) < (1 - threshold) * block_median(distinct + k * block, block);
    }
    a->flagged = a->ratio < 1 - threshold && a->same_q75_ms < a->distinct_q25_ms && a->rounds_faster == a->rounds;
}
