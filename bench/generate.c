/* generate.c - the generate scenario (see generate.h): prompts from the
 * held-out text, the prefill and decode steps on a runner, one forked
 * process per row, the quality pass of --eval, the table and the records.
 *
 * A step (gen_plan) loads the model, binds the step's shapes (token ids
 * [1, T], cache inputs [1, heads, P, head_dim]), infers shapes, applies the
 * variant's compression, prepares the runner, runs once and releases; only
 * run() and the argmax of the last position are timed.  The cache lives
 * between steps as the previous step's present outputs.
 *
 * --eval W: W windows of `context` + 1 held-out bytes (context: the zoo
 * entry's, else 128), teacher-forced: the model reads `context` bytes in
 * one call and every position's next byte is scored.  Perplexity = exp of
 * the mean negative log-likelihood.  The first variant writes its
 * log-probabilities to a temporary file; every later variant's KL
 * divergence KL(first || it) and top-1 agreement are computed against them.
 * The greedy tokens of a row are compared with the first variant's of the
 * same prompt and gen (tokens before divergence). */
#include "bench/generate.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/cli.h"
#include "bench/fortunes_text.h"
#include "bench/kv_cache.h"
#include "bench/output_path.h"
#include "bench/provenance.h"
#include "bench/result.h"
#include "models/transform.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "reports/emit.h"
#include "reports/emit_text.h"
#include "reports/gen_record.h"
#include "runners/runner.h"

#define DEFAULT_CONTEXT 128

bool eb_gen_parse_scenario(const char *arg, eb_gen_opts *g)
{
    if (strcmp(arg, "generate") == 0)
        g->on = true;
    else if (strcmp(arg, "latency") == 0)
        g->on = false;
    else {
        eb_cli_error("--scenario %s: unknown scenario (known: latency, generate)", arg);
        return false;
    }
    return true;
}

bool eb_gen_parse_counts(const char *flag, const char *arg, int64_t min, int64_t max, int64_t *vals, int *n)
{
    size_t len = strlen(arg);
    bool braces = len >= 2 && arg[0] == '{' && arg[len - 1] == '}';
    char buf[256];
    if (len >= sizeof buf) {
        eb_cli_error("%s %s: too long", flag, arg);
        return false;
    }
    snprintf(buf, sizeof buf, "%.*s", (int)(braces ? len - 2 : len), braces ? arg + 1 : arg);
    *n = 0;
    char *rest = buf, *tok;
    while ((tok = strsep(&rest, ",")) != NULL) {
        char *end;
        errno = 0;
        long long v = strtoll(tok, &end, 10);
        if (*tok == '\0' || *end != '\0' || errno || v < min || v > max) {
            eb_cli_error("%s %s: '%s' is not a whole number from %lld to %lld", flag, arg, tok, (long long)min,
                         (long long)max);
            return false;
        }
        if (*n == EB_GEN_MAX_SWEEP) {
            eb_cli_error("%s %s: at most %d values", flag, arg, EB_GEN_MAX_SWEEP);
            return false;
        }
        vals[(*n)++] = v;
    }
    if (*n == 0 || (!braces && *n > 1)) {
        eb_cli_error("%s %s: give N or a sweep {N,M,...}", flag, arg);
        return false;
    }
    return true;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* ---- one prepared step ---------------------------------------------- */

typedef struct gen_model {
    const char *ref;
    char name[128];
    char sha[65];
    const eb_zoo_entry *zoo;
    eb_kv_layout kv;
    int64_t context;      /* the eval window; positions the model takes, 0 unknown */
    eb_dtype ids_dtype;
} gen_model;

typedef struct gen_ctx {
    const gen_model *m;
    const eb_variant *v;
    const eb_runner *r;
    eb_tensor cache[EB_KV_MAX_TENSORS]; /* the last present outputs */
    int64_t cache_len;
    double prepare_ms;
    int plans;
} gen_ctx;

typedef struct gen_plan {
    eb_graph *g;
    eb_plan *plan;
    eb_tensor *in, *out;
} gen_plan;

static void plan_close(gen_ctx *c, gen_plan *p)
{
    if (p->plan)
        c->r->release(p->plan);
    for (int i = 0; p->g && p->in && i < p->g->n_inputs; i++)
        if (i == c->m->kv.ids_input)
            eb_tensor_free_data(&p->in[i]); /* the cache inputs borrow c->cache */
    for (int i = 0; p->g && p->out && i < p->g->n_outputs; i++)
        eb_tensor_free_data(&p->out[i]);
    free(p->in);
    free(p->out);
    eb_graph_free(p->g);
    memset(p, 0, sizeof *p);
}

/* Loads, binds [1, T] ids and a past of P, compresses and prepares. */
static eb_status plan_open(gen_ctx *c, int64_t T, int64_t P, gen_plan *p, eb_err *err)
{
    const eb_kv_layout *kv = &c->m->kv;
    memset(p, 0, sizeof *p);
    eb_status st = eb_model_load(c->m->ref, &p->g, NULL, err);
    if (st != EB_OK)
        return st;
    eb_tensor ids = {.dtype = c->m->ids_dtype, .rank = 2, .shape = {1, T}};
    if ((st = eb_graph_bind_input(p->g, kv->ids_input, &ids, false, err)) != EB_OK)
        goto fail;
    for (int s = 0; s < kv->n_cache; s++) {
        eb_tensor past = {.dtype = EB_DT_F32, .rank = 4, .shape = {1, kv->heads[s], P, kv->head_dim[s]}};
        if ((st = eb_graph_bind_input(p->g, kv->past_input[s], &past, false, err)) != EB_OK)
            goto fail;
    }
    eb_shape_opts so = {0};
    if ((st = eb_graph_infer_shapes(p->g, &so, eb_ref_eval, err)) != EB_OK)
        goto fail;
    eb_transform_opts xo = {.shape = &so, .eval = eb_ref_eval};
    eb_transform_report rep = {0};
    st = eb_graph_compress(p->g, &c->v->compress, &xo, &rep, err);
    eb_transform_report_free(&rep);
    if (st != EB_OK)
        goto fail;
    char why[512];
    if (!c->r->supports(p->g, c->v, why, sizeof why)) {
        st = eb_errf(err, EB_EUNSUPPORTED, "%s", why);
        goto fail;
    }
    p->in = calloc((size_t)p->g->n_inputs + 1, sizeof *p->in);
    p->out = calloc((size_t)p->g->n_outputs + 1, sizeof *p->out);
    if (!p->in || !p->out) {
        st = eb_errf(err, EB_ENOMEM, "out of memory");
        goto fail;
    }
    for (int i = 0; i < p->g->n_inputs; i++)
        eb_tensor_copy_meta(&p->in[i], &p->g->values[p->g->inputs[i]].t);
    if ((st = eb_tensor_alloc(&p->in[kv->ids_input], "input_ids", err)) != EB_OK)
        goto fail;
    for (int o = 0; o < p->g->n_outputs; o++) {
        eb_tensor_copy_meta(&p->out[o], &p->g->values[p->g->outputs[o]].t);
        if ((st = eb_tensor_alloc(&p->out[o], p->g->values[p->g->outputs[o]].name, err)) != EB_OK)
            goto fail;
    }
    double t0 = now_ms();
    if ((st = c->r->prepare(p->g, c->v, &p->plan, err)) != EB_OK)
        goto fail;
    c->prepare_ms += now_ms() - t0;
    c->plans++;
    return EB_OK;
fail:
    plan_close(c, p);
    return st;
}

static void set_ids(gen_plan *p, int ids_input, const int64_t *tok, int64_t T)
{
    eb_tensor *t = &p->in[ids_input];
    for (int64_t i = 0; i < T; i++) {
        if (t->dtype == EB_DT_I64)
            ((int64_t *)t->data)[i] = tok[i];
        else
            ((int32_t *)t->data)[i] = (int32_t)tok[i];
    }
}

static int argmax_row(const float *row, int64_t n)
{
    int best = 0;
    for (int64_t i = 1; i < n; i++)
        if (row[i] > row[best])
            best = (int)i;
    return best;
}

/* One step: tokens tok[0..T) after a past of c->cache_len (KV) or the
 * whole sequence (full-sequence; tok is then all of it).  *next gets the
 * argmax of the last position, *ms the time of run() and the argmax. */
static eb_status step(gen_ctx *c, const int64_t *tok, int64_t T, int *next, double *ms, eb_err *err)
{
    const eb_kv_layout *kv = &c->m->kv;
    int64_t P = kv->n_cache ? c->cache_len : 0;
    gen_plan p;
    eb_status st = plan_open(c, T, P, &p, err);
    if (st != EB_OK)
        return st;
    set_ids(&p, kv->ids_input, tok, T);
    for (int s = 0; s < kv->n_cache; s++)
        p.in[kv->past_input[s]].data = c->cache[s].data;
    double t0 = now_ms();
    st = c->r->run(p.plan, p.in, p.out, err);
    if (st == EB_OK) {
        const eb_tensor *lg = &p.out[kv->logits_output];
        *next = argmax_row((const float *)lg->data + (size_t)(T - 1) * (size_t)kv->vocab, kv->vocab);
    }
    *ms = now_ms() - t0;
    for (int s = 0; st == EB_OK && s < kv->n_cache; s++) { /* present -> past */
        eb_tensor_free_data(&c->cache[s]);
        c->cache[s] = p.out[kv->present_output[s]];
        p.out[kv->present_output[s]].data = NULL;
        p.out[kv->present_output[s]].storage = NULL;
    }
    if (st == EB_OK && kv->n_cache)
        c->cache_len = P + T;
    plan_close(c, &p);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, int n, double q)
{
    if (n <= 0)
        return NAN;
    int k = (int)ceil(q * n) - 1;
    return v[k < 0 ? 0 : k >= n ? n - 1 : k];
}

static uint64_t vm_hwm(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    unsigned long long kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return (uint64_t)kb * 1024;
}

/* The generation itself: prefill N prompt tokens, then decode to M. */
static eb_status generate(gen_ctx *c, const unsigned char *text, int64_t N, int64_t M, eb_gen_record *rec,
                          eb_err *err)
{
    const eb_kv_layout *kv = &c->m->kv;
    int64_t *seq = calloc((size_t)(N + M), sizeof *seq);
    double *dec = calloc((size_t)M + 1, sizeof *dec);
    if (!seq || !dec) {
        free(seq);
        free(dec);
        return eb_errf(err, EB_ENOMEM, "out of memory");
    }
    for (int64_t i = 0; i < N; i++)
        seq[i] = text[i] % (kv->vocab < 256 ? kv->vocab : 256);
    int next = 0;
    double ms = 0;
    eb_status st = step(c, seq, N, &next, &ms, err);
    int64_t len = N;
    if (st == EB_OK) {
        rec->prefill_ms = ms;
        rec->ttft_ms = ms;
        seq[len++] = next;
        rec->tokens[rec->n_tokens++] = next;
    }
    int n_dec = 0;
    while (st == EB_OK && len < N + M) {
        if (kv->n_cache)
            st = step(c, &seq[len - 1], 1, &next, &ms, err);
        else
            st = step(c, seq, len, &next, &ms, err);
        if (st != EB_OK)
            break;
        dec[n_dec++] = ms;
        seq[len++] = next;
        if (rec->n_tokens < EB_GEN_MAX_TOKENS)
            rec->tokens[rec->n_tokens++] = next;
    }
    if (st == EB_OK) {
        rec->decode_steps = n_dec;
        double sum = 0;
        for (int i = 0; i < n_dec; i++)
            sum += dec[i];
        rec->decode_ms = sum;
        rec->total_ms = rec->ttft_ms + sum;
        rec->prefill_tok_s = rec->prefill_ms > 0 ? (double)N / (rec->prefill_ms * 1e-3) : NAN;
        rec->decode_tok_s = n_dec > 0 && sum > 0 ? (double)n_dec / (sum * 1e-3) : NAN;
        qsort(dec, (size_t)n_dec, sizeof *dec, cmp_double);
        rec->decode_p50_ms = pct(dec, n_dec, 0.50);
        rec->decode_p90_ms = pct(dec, n_dec, 0.90);
        rec->decode_p99_ms = pct(dec, n_dec, 0.99);
        rec->kv_cache_bytes = kv->n_cache ? eb_kv_bytes(kv, c->cache_len) : 0;
    }
    free(seq);
    free(dec);
    return st;
}

/* ---- --eval --------------------------------------------------------- */

/* Teacher-forced windows of held-out text: perplexity, and log-probs
 * written to (first variant) or compared with (others) base_path. */
static eb_status evaluate(gen_ctx *c, const unsigned char *text, size_t text_len, int64_t windows, bool is_base,
                          const char *base_path, eb_gen_record *rec, eb_err *err)
{
    const eb_kv_layout *kv = &c->m->kv;
    int64_t W = c->m->context, V = kv->vocab;
    rec->kl_mean = rec->top1_agreement = NAN; /* unless compared with the first variant below */
    int64_t avail = (int64_t)(text_len / (size_t)(W + 1));
    if (windows > avail)
        windows = avail;
    rec->eval_windows = windows;
    if (windows <= 0) {
        snprintf(rec->eval_reason, sizeof rec->eval_reason, "the held-out text is shorter than one window");
        return EB_OK;
    }
    int64_t *tok = calloc((size_t)W, sizeof *tok);
    float *lp = calloc((size_t)V, sizeof *lp), *base = calloc((size_t)V, sizeof *base);
    FILE *bf = NULL;
    if (base_path)
        bf = fopen(base_path, is_base ? "wb" : "rb");
    gen_plan p = {0};
    eb_status st = (!tok || !lp || !base) ? eb_errf(err, EB_ENOMEM, "out of memory") : EB_OK;
    c->cache_len = 0;
    if (st == EB_OK)
        st = plan_open(c, W, 0, &p, err);
    double nll = 0, kl = 0;
    int64_t n = 0, agree = 0, compared = 0;
    for (int64_t w = 0; st == EB_OK && w < windows; w++) {
        const unsigned char *x = text + w * (W + 1);
        for (int64_t i = 0; i < W; i++)
            tok[i] = x[i] % (V < 256 ? V : 256);
        set_ids(&p, kv->ids_input, tok, W);
        for (int s = 0; s < kv->n_cache; s++)
            p.in[kv->past_input[s]].data = c->cache[s].data; /* length 0 */
        if ((st = c->r->run(p.plan, p.in, p.out, err)) != EB_OK)
            break;
        const float *lg = p.out[kv->logits_output].data;
        for (int64_t i = 0; i < W; i++) {
            const float *row = lg + i * V;
            double mx = row[0], z = 0;
            for (int64_t k = 1; k < V; k++)
                mx = row[k] > mx ? row[k] : mx;
            for (int64_t k = 0; k < V; k++)
                z += exp(row[k] - mx);
            double lz = mx + log(z);
            for (int64_t k = 0; k < V; k++)
                lp[k] = (float)(row[k] - lz);
            nll -= lp[x[i + 1] % (V < 256 ? V : 256)];
            n++;
            if (bf && is_base) {
                fwrite(lp, sizeof *lp, (size_t)V, bf);
            } else if (bf && fread(base, sizeof *base, (size_t)V, bf) == (size_t)V) {
                double d = 0;
                for (int64_t k = 0; k < V; k++)
                    d += exp(base[k]) * (base[k] - lp[k]);
                kl += d > 0 ? d : 0; /* >= 0 in exact arithmetic: below is float rounding */
                agree += argmax_row(base, V) == argmax_row(lp, V);
                compared++;
            }
        }
    }
    if (p.g)
        plan_close(c, &p);
    if (bf)
        fclose(bf);
    free(tok);
    free(lp);
    free(base);
    if (st != EB_OK)
        return st;
    rec->eval_available = true;
    rec->eval_tokens = n;
    rec->perplexity = exp(nll / (double)n);
    if (compared == n && n > 0) {
        rec->kl_mean = kl / (double)n;
        rec->top1_agreement = (double)agree / (double)n;
    }
    return EB_OK;
}

/* ---- one row in its own process -------------------------------------- */

typedef struct row_job {
    const gen_model *m;
    const eb_variant *v;
    const unsigned char *text;
    size_t text_len;
    int64_t N, M, eval_windows;
    bool is_base;
    const char *base_path;
} row_job;

typedef struct row_msg {
    eb_gen_record rec;
    int status; /* eb_result_status */
    char error[512];
} row_msg;

static void run_row(const row_job *j, row_msg *msg)
{
    eb_gen_record *rec = &msg->rec;
    eb_err err = {{0}};
    gen_ctx c = {.m = j->m, .v = j->v, .r = eb_runner_find(j->v->runner)};
    if (!c.r) {
        msg->status = EB_RESULT_UNSUPPORTED;
        snprintf(msg->error, sizeof msg->error, "runner '%s' is not built into this binary", j->v->runner);
        return;
    }
    eb_status st = generate(&c, j->text, j->N, j->M, rec, &err);
    for (int s = 0; s < EB_KV_MAX_TENSORS; s++)
        eb_tensor_free_data(&c.cache[s]);
    c.cache_len = 0;
    if (st == EB_OK && j->eval_windows > 0) {
        rec->eval_requested = true;
        st = evaluate(&c, j->text, j->text_len, j->eval_windows, j->is_base, j->base_path, rec, &err);
        for (int s = 0; s < EB_KV_MAX_TENSORS; s++)
            eb_tensor_free_data(&c.cache[s]);
    }
    rec->prepare_ms = c.prepare_ms;
    rec->plans = c.plans;
    rec->peak_rss_bytes = vm_hwm();
    if (st == EB_OK) {
        msg->status = EB_RESULT_OK;
    } else {
        msg->status = st == EB_EUNSUPPORTED ? EB_RESULT_UNSUPPORTED : EB_RESULT_FAILED;
        snprintf(msg->error, sizeof msg->error, "%s", err.msg);
    }
}

/* Forks the row; a crash or --timeout is the row's status. */
static void fork_row(const row_job *j, double timeout_s, row_msg *msg)
{
    int fd[2];
    if (pipe(fd) != 0) {
        msg->status = EB_RESULT_FAILED;
        snprintf(msg->error, sizeof msg->error, "pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        alarm((unsigned)ceil(timeout_s));
        row_msg *m = calloc(1, sizeof *m);
        if (m) {
            run_row(j, m);
            const char *p = (const char *)m;
            size_t left = sizeof *m;
            while (left > 0) {
                ssize_t k = write(fd[1], p, left);
                if (k <= 0)
                    break;
                p += k;
                left -= (size_t)k;
            }
        }
        _exit(0);
    }
    close(fd[1]);
    if (pid < 0) {
        close(fd[0]);
        msg->status = EB_RESULT_FAILED;
        snprintf(msg->error, sizeof msg->error, "fork: %s", strerror(errno));
        return;
    }
    char *p = (char *)msg;
    size_t got = 0;
    while (got < sizeof *msg) {
        ssize_t k = read(fd[0], p + got, sizeof *msg - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd[0]);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
    }
    if (got == sizeof *msg)
        return;
    memset(msg, 0, sizeof *msg);
    if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGALRM) {
        msg->status = EB_RESULT_TIMEOUT;
        snprintf(msg->error, sizeof msg->error, "timed out after %g s (--timeout)", timeout_s);
    } else {
        msg->status = EB_RESULT_CRASHED;
        snprintf(msg->error, sizeof msg->error, "the row's process died%s%s",
                 WIFSIGNALED(ws) ? " on " : "", WIFSIGNALED(ws) ? strsignal(WTERMSIG(ws)) : "");
    }
}

/* ---- the sweep -------------------------------------------------------- */

/* Loads m->ref once: decoder layout, context, zoo entry.  False (message
 * printed) when it is not a decoder this scenario can drive. */
static bool describe(gen_model *m, const eb_gen_opts *g)
{
    eb_err err = {{0}};
    eb_graph *gr;
    if (eb_model_load(m->ref, &gr, m->sha, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        return false;
    }
    eb_model_name(m->ref, m->name, sizeof m->name);
    bool ok = eb_kv_detect(gr, g->kv_past, g->kv_present, &m->kv, &err) == EB_OK;
    if (ok) { /* one token after one cached position: the logits' shape */
        m->ids_dtype = gr->values[gr->inputs[m->kv.ids_input]].t.dtype;
        eb_tensor ids = {.dtype = m->ids_dtype, .rank = 2, .shape = {1, 1}};
        eb_shape_opts so = {0};
        ok = eb_graph_bind_input(gr, m->kv.ids_input, &ids, false, &err) == EB_OK;
        for (int s = 0; ok && s < m->kv.n_cache; s++) {
            eb_tensor past = {.dtype = EB_DT_F32, .rank = 4, .shape = {1, m->kv.heads[s], 1, m->kv.head_dim[s]}};
            ok = eb_graph_bind_input(gr, m->kv.past_input[s], &past, false, &err) == EB_OK;
        }
        ok = ok && eb_graph_infer_shapes(gr, &so, eb_ref_eval, &err) == EB_OK &&
             eb_kv_check_logits(gr, &m->kv, &err) == EB_OK;
    }
    if (!ok)
        eb_cli_error("--scenario generate: %s", err.msg);
    eb_graph_free(gr);
    m->zoo = eb_zoo_find(m->sha);
    m->context = m->zoo && m->zoo->context > 0 ? m->zoo->context : DEFAULT_CONTEXT;
    return ok;
}

static const char *tok_s_cell(double v, char *buf, size_t n)
{
    if (!isfinite(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.1f", v);
    return buf;
}

static void print_header(FILE *f, int w)
{
    fprintf(f, "%-*s %7s %5s %5s %10s %10s %10s %10s %9s %10s %9s %9s\n", w, "model / variant", "mode", "pp", "tg",
            "pp tok/s", "tg tok/s", "TTFT", "tg p50", "KV", "ppl", "Δppl", "KL");
}

static void print_row(FILE *f, int w, const char *model, const eb_variant *v, int64_t N, int64_t M,
                      const row_msg *msg)
{
    char label[512], a[32], b[32], t1[32], t2[32], kv[32], ppl[32], dp[32], kl[32];
    snprintf(label, sizeof label, "%s %s", model, v->spec);
    if (msg->status != EB_RESULT_OK) {
        fprintf(f, "%-*s %s: %s\n", w, label, eb_result_status_name((eb_result_status)msg->status), msg->error);
        return;
    }
    const eb_gen_record *r = &msg->rec;
    snprintf(kv, sizeof kv, "%.1f KiB", (double)r->kv_cache_bytes / 1024);
    if (r->eval_available) {
        snprintf(ppl, sizeof ppl, "%.3f", r->perplexity);
        if (isfinite(r->perplexity_delta))
            snprintf(dp, sizeof dp, "%+.3f", r->perplexity_delta);
        else
            snprintf(dp, sizeof dp, "-");
        if (isfinite(r->kl_mean))
            snprintf(kl, sizeof kl, "%.4f", r->kl_mean);
        else
            snprintf(kl, sizeof kl, "-");
    } else {
        snprintf(ppl, sizeof ppl, "-");
        snprintf(dp, sizeof dp, "-");
        snprintf(kl, sizeof kl, "-");
    }
    fprintf(f, "%-*s %7s %5lld %5lld %10s %10s %10s %10s %9s %10s %9s %9s\n", w, label,
            r->mode[0] == 'k' ? "kv" : "full", (long long)N, (long long)M, tok_s_cell(r->prefill_tok_s, a, sizeof a),
            tok_s_cell(r->decode_tok_s, b, sizeof b), eb_duration_cell(r->ttft_ms, t1, sizeof t1),
            eb_duration_cell(r->decode_p50_ms, t2, sizeof t2), r->kv_cache_bytes ? kv : "-", ppl, dp, kl);
    char top1[48] = "";
    if (isfinite(r->top1_agreement))
        snprintf(top1, sizeof top1, "top-1 agreement %.2f%%, ", r->top1_agreement * 100);
    if (r->tokens_before_divergence >= 0)
        fprintf(f, "%-*s   drift vs the first variant: %sgreedy tokens before divergence %lld/%d\n", w, "", top1,
                (long long)r->tokens_before_divergence, r->n_tokens);
}

/* The record: the usual result fields that apply, and the generate block. */
static void fill_result(eb_result *res, const gen_model *m, const eb_variant *v, const row_msg *msg)
{
    eb_result_begin(res, v);
    eb_result_set_device(res, v, false);
    snprintf(res->model, sizeof res->model, "%s", m->ref);
    snprintf(res->model_name, sizeof res->model_name, "%s", m->name);
    snprintf(res->model_sha256, sizeof res->model_sha256, "%s", m->sha);
    snprintf(res->inputs, sizeof res->inputs, "dataset");
    res->status = (eb_result_status)msg->status;
    snprintf(res->error, sizeof res->error, "%s", msg->error);
    snprintf(res->drift.reason, sizeof res->drift.reason, "generate scenario: see generate.kl_mean");
    snprintf(res->task.reason, sizeof res->task.reason, "generate scenario: see generate.perplexity");
    snprintf(res->peak_growth_reason, sizeof res->peak_growth_reason, "generate scenario: see generate.peak_rss_bytes");
    if (msg->status == EB_RESULT_OK) {
        res->peak_rss_bytes = msg->rec.peak_rss_bytes;
        snprintf(res->peak_rss_source, sizeof res->peak_rss_source, "VmHWM");
        res->prepare_ms = msg->rec.prepare_ms;
    }
    res->generate = malloc(sizeof *res->generate);
    if (res->generate)
        *res->generate = msg->rec;
}

int eb_generate_sweep(const eb_gen_opts *g, const eb_run_opts *o, const eb_variant_list *vl, const char **models,
                      int n_models, const char *out_path, const char *format_arg, int argc, char **argv)
{
    eb_err err = {{0}};
    eb_output out;
    if (eb_output_resolve(out_path, format_arg, &out, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        return EB_EXIT_USAGE;
    }
    for (int i = 0; i < vl->n; i++)
        if (vl->items[i].compress.quant == EB_QUANT_INT8_STATIC) {
            eb_cli_error("--scenario generate: %s: quant=int8-static needs calibration inputs, which this scenario "
                         "does not have; use quant=int8 (dynamic)", vl->items[i].spec);
            return EB_EXIT_USAGE;
        }
    gen_model *ms = calloc((size_t)n_models, sizeof *ms);
    unsigned char *text = NULL;
    size_t text_len = 0;
    int rc = EB_EXIT_USAGE;
    int64_t max_len = 0;
    for (int i = 0; i < g->n_prompts; i++)
        for (int k = 0; k < g->n_gens; k++)
            if (g->prompts[i] + g->gens[k] > max_len)
                max_len = g->prompts[i] + g->gens[k];
    if (!ms)
        return EB_EXIT_ENV;
    for (int m = 0; m < n_models; m++) {
        ms[m].ref = models[m];
        if (!describe(&ms[m], g))
            goto done;
        if (ms[m].zoo && ms[m].zoo->context > 0 && max_len > ms[m].zoo->context) {
            eb_cli_error("--scenario generate: %s takes at most %lld positions; --prompt + --gen reach %lld",
                         ms[m].name, (long long)ms[m].zoo->context, (long long)max_len);
            goto done;
        }
    }
    if (eb_fortunes_heldout(g->corpus_dir, &text, &text_len, &err) != EB_OK) {
        eb_cli_error("--scenario generate: the prompts come from the held-out text of the fortunes corpus: %s",
                     err.msg);
        goto done;
    }
    int64_t max_prompt = 0;
    for (int i = 0; i < g->n_prompts; i++)
        max_prompt = g->prompts[i] > max_prompt ? g->prompts[i] : max_prompt;
    if ((size_t)max_prompt > text_len) {
        eb_cli_error("--prompt %lld: the held-out text has only %zu bytes", (long long)max_prompt, text_len);
        goto done;
    }
    int n_rows = n_models * g->n_prompts * g->n_gens * vl->n;
    eb_result *results = calloc((size_t)n_rows, sizeof *results);
    eb_model_info *infos = calloc((size_t)n_models, sizeof *infos);
    row_msg *msg = calloc(1, sizeof *msg), *base = calloc(1, sizeof *base);
    if (!results || !infos || !msg || !base) {
        free(results);
        free(infos);
        free(msg);
        free(base);
        rc = EB_EXIT_ENV;
        goto done;
    }
    char base_path[512];
    const char *tmpdir = getenv("TMPDIR");
    snprintf(base_path, sizeof base_path, "%s/edgebench-gen-%d.logp", tmpdir && *tmpdir == '/' ? tmpdir : "/tmp",
             (int)getpid());
    int w = 20;
    for (int m = 0; m < n_models; m++)
        for (int i = 0; i < vl->n; i++) {
            int l = (int)(strlen(ms[m].name) + strlen(vl->items[i].spec) + 1);
            w = l > w ? l : w;
        }
    FILE *tf = out.kind == EB_OUTPUT_STDOUT ? stderr : stdout; /* stdout may carry the document */
    print_header(tf, w);
    int n = 0;
    bool failed = false;
    for (int m = 0; m < n_models; m++) {
        infos[m].path = ms[m].ref;
        snprintf(infos[m].name, sizeof infos[m].name, "%s", ms[m].name);
        snprintf(infos[m].sha256, sizeof infos[m].sha256, "%s", ms[m].sha);
        for (int pi = 0; pi < g->n_prompts; pi++)
            for (int gi = 0; gi < g->n_gens; gi++)
                for (int i = 0; i < vl->n; i++) {
                    row_job j = {.m = &ms[m], .v = &vl->items[i], .text = text, .text_len = text_len,
                                 .N = g->prompts[pi], .M = g->gens[gi], .eval_windows = o->eval_count,
                                 .is_base = i == 0, .base_path = base_path};
                    memset(msg, 0, sizeof *msg);
                    fork_row(&j, o->timeout_s, msg);
                    eb_gen_record *r = &msg->rec;
                    if (msg->status == EB_RESULT_OK) {
                        snprintf(r->mode, sizeof r->mode, "%s", ms[m].kv.n_cache ? "kv-cache" : "full-sequence");
                        snprintf(r->prefill, sizeof r->prefill, "%s",
                                 ms[m].kv.n_cache ? "one call, past length 0" : "one call on the prompt");
                        r->prompt_tokens = j.N;
                        r->gen_tokens = j.M;
                        r->pytorch_perplexity = NAN;
                        if (ms[m].zoo && ms[m].zoo->pytorch_perplexity_16 > 0 && r->eval_windows == 16)
                            r->pytorch_perplexity = ms[m].zoo->pytorch_perplexity_16;
                        r->perplexity_delta = NAN;
                        r->tokens_before_divergence = -1;
                        if (i > 0 && base->status == EB_RESULT_OK) {
                            if (r->eval_available && base->rec.eval_available)
                                r->perplexity_delta = r->perplexity - base->rec.perplexity;
                            int64_t k = 0;
                            while (k < r->n_tokens && k < base->rec.n_tokens && r->tokens[k] == base->rec.tokens[k])
                                k++;
                            r->tokens_before_divergence = k;
                        }
                        if (i == 0 || !r->eval_available || base->status != EB_RESULT_OK) {
                            r->kl_mean = NAN;
                            r->top1_agreement = NAN;
                        }
                        if (r->eval_requested && !r->eval_available && !r->eval_reason[0])
                            snprintf(r->eval_reason, sizeof r->eval_reason, "not measured");
                        if (!r->eval_requested) {
                            r->perplexity = NAN;
                            snprintf(r->eval_reason, sizeof r->eval_reason, "--eval 0");
                        }
                    } else {
                        failed = failed || msg->status != EB_RESULT_UNSUPPORTED;
                    }
                    if (i == 0)
                        *base = *msg;
                    print_row(tf, w, ms[m].name, &vl->items[i], j.N, j.M, msg);
                    fflush(tf);
                    fill_result(&results[n++], &ms[m], &vl->items[i], msg);
                }
        unlink(base_path);
    }
    rc = failed ? EB_EXIT_PARTIAL : EB_EXIT_OK;
    if (out.kind != EB_OUTPUT_NONE) {
        eb_provenance prov;
        eb_provenance_get(&prov, argc, argv, o->seed);
        eb_run_settings settings = {.runs = 1, .timeout_s = o->timeout_s, .isolated = true,
                                    .eval_images = o->eval_count};
        eb_report_doc doc = {&prov, &settings, infos, n_models, results, n};
        eb_status st = EB_OK;
        if (out.format == EB_FMT_JSONL) { /* one record per line */
            FILE *f = out.kind == EB_OUTPUT_STDOUT ? stdout : fopen(out.path, "w");
            if (!f)
                st = eb_errf(&err, EB_EIO, "%s: %s", out.path, strerror(errno));
            for (int i = 0; st == EB_OK && i < n; i++)
                st = eb_emit_jsonl_record(f, &prov, &results[i], &err);
            if (f && f != stdout && fclose(f) != 0 && st == EB_OK)
                st = eb_errf(&err, EB_EIO, "%s: %s", out.path, strerror(errno));
        } else {
            st = out.kind == EB_OUTPUT_STDOUT ? eb_emit_stream(stdout, out.format, &doc, &err)
                                              : eb_emit_file(out.path, out.format, &doc, &err);
        }
        if (st != EB_OK) {
            eb_cli_error("%s", err.msg);
            rc = EB_EXIT_ENV;
        }
    }
    for (int i = 0; i < n; i++)
        eb_result_free(&results[i]);
    free(results);
    free(infos);
    free(msg);
    free(base);
done:
    free(text);
    free(ms);
    return rc;
}
