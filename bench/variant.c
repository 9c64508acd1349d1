/* variant.c - the variant grammar of DESIGN.md: one -v argument in, its
 * expanded eb_variants out.
 *
 * An argument is split on ';' into variants.  A variant is RUNNER[:SETTINGS],
 * cut at its first ':' only, because prune values ("2:4", "channel:0.3")
 * hold colons of their own.  SETTINGS are KEY=VALUE pairs split on the
 * commas outside braces; a value in braces is a sweep, and the variants are
 * the cartesian product of the values in the order written, first key
 * slowest.  Each variant is parsed in two passes: the first checks the
 * shape (braces, keys, duplicate keys) and counts the product, so that an
 * oversized sweep is refused before its values are looked at; the second
 * checks and normalizes each value and writes it straight into the variants
 * that take it.  Everything is appended to the caller's list at the end, so
 * a failure leaves the list as it was.
 *
 * Only spelling is checked here: whether a runner of that name is built in,
 * or can run those settings, is for the registry and the runner to say.
 * Nothing is printed.  An error is one line that quotes the variant and
 * gives a 1-based byte column in it; every byte of the quote stands for one
 * byte of the variant (control and non-ASCII bytes show as '?'), and a long
 * variant is quoted as a window around the column, cut with "...".
 *
 * Choices the grammar leaves open, made strict so that typos are caught:
 * no whitespace anywhere (the shell has already split on it); no empty
 * variant before, between or after ';'; integers are plain decimal digits
 * (leading zeros allowed, normalized away); a sweep may not repeat a value,
 * but a variant that is listed already (from an earlier ';' part or -v
 * argument) is quietly not added again, so overlapping sweeps run it once;
 * limits threads <= 1024, group <= 65536, device <= 1023, N:M with M <= 64;
 * group is the int4 group size: a variant that names it and is int4 in
 * none of its expansions is refused (a typo for another key, or a setting
 * that would silently do nothing), and a sweep that crosses int4 with
 * other quants keeps the group only in its int4 variants (the others,
 * back at the default, are then listed once).  isa names a kernel
 * instruction set whether or not this machine has it (the runner refuses
 * one it cannot run, so that the refusal is recorded).  opt is the cpu
 * runner's graph-optimizer level, 0..2 (default 2; other runners refuse
 * any other).  gemm (own|cublas) and math (fp32|tf32|fp16|bf16) are the
 * cuda runner's GEMM provider and tensor-core precision (defaults own and
 * fp32; other runners refuse any other). */
#include "bench/variant.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_THREADS, K_PRUNE, K_QUANT, K_GROUP, K_DEVICE, K_ISA, K_PRUNE_SCOPE, K_PRUNE_SKIP, K_QUANT_SKIP, K_CALIB, K_OPT, K_GEMM, K_MATH, K_COUNT };
static const char *const key_names[K_COUNT] = {"threads", "prune", "quant", "group", "device",
                                               "isa", "prune-scope", "prune-skip", "quant-skip", "calib", "opt", "gemm", "math"};
#define KEY_LIST "threads, prune, quant, group, device, isa, prune-scope, prune-skip, quant-skip, calib, opt, gemm, math"

static const char *const calib_names[] = {"minmax", "percentile", "entropy"};
_Static_assert(sizeof calib_names / sizeof calib_names[0] == EB_CALIB_COUNT, "one name per eb_calib_method");

static const char *const quant_names[] = {"none", "fp16", "int8", "int8-static", "int4"};
_Static_assert(sizeof quant_names / sizeof quant_names[0] == EB_QUANT_KIND_COUNT, "one name per eb_quant_kind");
#define QUANT_LIST "none, fp16, int8, int8-static or int4"

/* kernel instruction sets (runners/cpu/gemm.h names them the same way);
 * whether this machine has one is the runner's to say */
static const char *const isa_names[] = {"auto", "avx512", "avx2", "neon", "generic", "avx512vnni", "avxvnni", "neondot"};
#define ISA_LIST "auto, avx512, avx2, neon, generic, avx512vnni, avxvnni or neondot"

/* the cuda runner's GEMM provider and the precision its GEMM / conv inputs take on the
 * tensor cores (fp32 accumulation); the other runners refuse a value other than the first */
static const char *const gemm_names[] = {"own", "cublas"};
#define GEMM_LIST "own or cublas"
static const char *const math_names[] = {"fp32", "tf32", "fp16", "bf16"};
#define MATH_LIST "fp32, tf32, fp16 or bf16"

#define MAX_THREADS 1024
#define MAX_GROUP 65536
#define MAX_DEVICE 1023
#define MAX_NM_M 64
#define MAX_OPT 2 /* the cpu runner's graph-optimizer levels: 0 none, 1 basic, 2 all */

/* how much of a variant an error quotes, and of a value it names */
#define QUOTE_MAX 200
#define SHOW_MAX 40

typedef struct span {
    const char *p;
    size_t n;
} span;

/* The text an error quotes (one variant, or the whole argument), and where
 * the message goes. */
typedef struct quoted {
    const char *p;
    size_t n;
    eb_err *err;
} quoted;

/* One KEY=VALUE of a variant: a single value, or a sweep of n_items. */
typedef struct axis {
    int key;
    span value; /* as written: "4" or "{1,2,4}" */
    bool sweep;
    size_t n_items;
} axis;

/* A value checked and normalized, ready to go into an eb_variant. */
typedef struct setting {
    int num;
    char str[EB_SKIP_LIST_MAX];
    eb_compress_spec cs; /* prune: prune, fraction, n, m; quant: quant */
} setting;

/* ---- error messages ---------------------------------------------------- */

/* Appends n bytes of p to out (capacity cap, k used), one character per
 * byte so that columns still line up; returns the new length. */
static size_t put_bytes(char *out, size_t k, size_t cap, const char *p, size_t n)
{
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)p[i];
        out[k++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
    }
    out[k] = '\0';
    return k;
}

/* A value as an error names it: cut to SHOW_MAX characters. */
static const char *show(char out[SHOW_MAX + 1], span s)
{
    if (s.n <= SHOW_MAX)
        put_bytes(out, 0, SHOW_MAX + 1, s.p, s.n);
    else
        put_bytes(out, put_bytes(out, 0, SHOW_MAX + 1, s.p, SHOW_MAX - 3), SHOW_MAX + 1, "...", 3);
    return out;
}

/* The quoted text, whole or as a window of it around offset `at`. */
static void excerpt(char out[QUOTE_MAX + 1], const quoted *q, size_t at)
{
    if (q->n <= QUOTE_MAX) {
        put_bytes(out, 0, QUOTE_MAX + 1, q->p, q->n);
        return;
    }
    size_t w = QUOTE_MAX - 6, start = at > w / 2 ? at - w / 2 : 0;
    if (start + w > q->n)
        start = q->n - w;
    size_t k = 0;
    if (start > 0)
        k = put_bytes(out, k, QUOTE_MAX + 1, "...", 3);
    k = put_bytes(out, k, QUOTE_MAX + 1, q->p + start, w);
    if (start + w < q->n)
        put_bytes(out, k, QUOTE_MAX + 1, "...", 3);
}

static int col(const quoted *q, const char *at)
{
    return (int)(at - q->p) + 1;
}

/* "variant 'QUOTE': DETAIL", the quote centred on `at`. */
static eb_status failv(const quoted *q, eb_status code, const char *at, const char *fmt, va_list ap)
{
    char quote[QUOTE_MAX + 1], detail[sizeof q->err->msg - QUOTE_MAX - 16];
    excerpt(quote, q, (size_t)(at - q->p));
    vsnprintf(detail, sizeof detail, fmt, ap);
    return eb_errf(q->err, code, "variant '%s': %s", quote, detail);
}

static eb_status fail(const quoted *q, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static eb_status fail(const quoted *q, const char *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eb_status st = failv(q, EB_EINVAL, at, fmt, ap);
    va_end(ap);
    return st;
}

static eb_status fail_nomem(const quoted *q, ...)
{
    va_list ap;
    va_start(ap, q);
    eb_status st = failv(q, EB_ENOMEM, q->p, "out of memory", ap);
    va_end(ap);
    return st;
}

/* ---- values ------------------------------------------------------------ */

static bool span_is(span s, const char *word)
{
    return strlen(word) == s.n && memcmp(s.p, word, s.n) == 0;
}

/* Plain decimal digits; a value above 10^9 reads as 10^9 + 1 (too large
 * for every key, and no overflow). */
static bool parse_uint(span s, long *out)
{
    if (s.n == 0)
        return false;
    long v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
        if (v <= 1000000000L)
            v = v * 10 + (s.p[i] - '0');
    }
    *out = v > 1000000000L ? 1000000001L : v;
    return true;
}

typedef enum { FRAC_OK, FRAC_SYNTAX, FRAC_RANGE } frac_result;

/* A fraction 0 < F < 1 in decimal ("0.5", ".25", "5e-1"), written into out
 * as the shortest text that reads back as the same double ("0.50" -> "0.5").
 * Hex, inf and nan are not fractions. */
static frac_result parse_fraction(span s, char out[24])
{
    char buf[64];
    if (s.n == 0 || s.n >= sizeof buf || !(isdigit((unsigned char)s.p[0]) || s.p[0] == '.'))
        return FRAC_SYNTAX;
    for (size_t i = 0; i < s.n; i++)
        if (!strchr("0123456789.eE+-", s.p[i]) || s.p[i] == '\0')
            return FRAC_SYNTAX;
    memcpy(buf, s.p, s.n);
    buf[s.n] = '\0';
    char *end;
    double x = strtod(buf, &end);
    if (end != buf + s.n)
        return FRAC_SYNTAX;
    if (!(x > 0 && x < 1))
        return FRAC_RANGE;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 24, "%.*g", prec, x);
        if (strtod(out, NULL) == x)
            break;
    }
    return FRAC_OK;
}

static eb_status check_int(const quoted *q, int key, span item, long lo, long hi, setting *out)
{
    char shown[SHOW_MAX + 1];
    long v;
    if (!parse_uint(item, &v) || v < lo)
        return fail(q, item.p, "%s must be an integer >= %ld, got '%s' at column %d", key_names[key], lo, show(shown, item),
                    col(q, item.p));
    if (v > hi)
        return fail(q, item.p, "%s must be an integer <= %ld, got '%s' at column %d", key_names[key], hi, show(shown, item),
                    col(q, item.p));
    out->num = (int)v;
    return EB_OK;
}

static eb_status check_prune(const quoted *q, span item, setting *out)
{
    char shown[SHOW_MAX + 1], frac[24];
    if (span_is(item, "none")) {
        strcpy(out->str, "none");
        return EB_OK; /* cs.prune is EB_PRUNE_NONE already */
    }
    const size_t chan = strlen("channel:");
    if (item.n >= chan && memcmp(item.p, "channel:", chan) == 0) {
        if (parse_fraction((span){item.p + chan, item.n - chan}, frac) != FRAC_OK)
            return fail(q, item.p, "prune channel:F needs a fraction 0 < F < 1, got '%s' at column %d", show(shown, item),
                        col(q, item.p));
        snprintf(out->str, sizeof out->str, "channel:%s", frac);
        out->cs.prune = EB_PRUNE_CHANNEL;
        out->cs.fraction = strtod(frac, NULL);
        return EB_OK;
    }
    const char *colon = memchr(item.p, ':', item.n);
    if (colon) {
        long n, m;
        span ns = {item.p, (size_t)(colon - item.p)}, ms = {colon + 1, item.n - ns.n - 1};
        if (!parse_uint(ns, &n) || !parse_uint(ms, &m) || !(0 < n && n < m && m <= MAX_NM_M))
            return fail(q, item.p, "prune N:M needs integers 0 < N < M <= %d, got '%s' at column %d", MAX_NM_M,
                        show(shown, item), col(q, item.p));
        snprintf(out->str, sizeof out->str, "%ld:%ld", n, m);
        out->cs.prune = EB_PRUNE_NM;
        out->cs.n = (int)n;
        out->cs.m = (int)m;
        return EB_OK;
    }
    switch (parse_fraction(item, frac)) {
    case FRAC_OK:
        snprintf(out->str, sizeof out->str, "%s", frac);
        out->cs.prune = EB_PRUNE_FRACTION;
        out->cs.fraction = strtod(frac, NULL); /* the same double as the text's */
        return EB_OK;
    case FRAC_RANGE:
        return fail(q, item.p, "prune fraction must be 0 < F < 1, got '%s' at column %d", show(shown, item), col(q, item.p));
    case FRAC_SYNTAX: break;
    }
    return fail(q, item.p, "prune must be none, a fraction F (0 < F < 1), N:M or channel:F, got '%s' at column %d",
                show(shown, item), col(q, item.p));
}

static eb_status check_value(const quoted *q, int key, span item, setting *out)
{
    char shown[SHOW_MAX + 1];
    memset(out, 0, sizeof *out);
    switch (key) {
    case K_THREADS: return check_int(q, key, item, 1, MAX_THREADS, out);
    case K_GROUP: return check_int(q, key, item, 1, MAX_GROUP, out);
    case K_DEVICE: return check_int(q, key, item, 0, MAX_DEVICE, out);
    case K_OPT: return check_int(q, key, item, 0, MAX_OPT, out);
    case K_PRUNE: return check_prune(q, item, out);
    case K_QUANT:
        for (size_t i = 0; i < sizeof quant_names / sizeof quant_names[0]; i++)
            if (span_is(item, quant_names[i])) {
                strcpy(out->str, quant_names[i]);
                out->cs.quant = (eb_quant_kind)i; /* quant_names is in eb_quant_kind order */
                return EB_OK;
            }
        return fail(q, item.p, "quant must be " QUANT_LIST ", got '%s' at column %d", show(shown, item), col(q, item.p));
    case K_PRUNE_SCOPE:
        if (span_is(item, "per-layer") || span_is(item, "global")) {
            out->cs.prune_global = span_is(item, "global");
            snprintf(out->str, sizeof out->str, "%s", out->cs.prune_global ? "global" : "per-layer");
            return EB_OK;
        }
        return fail(q, item.p, "prune-scope must be per-layer or global, got '%s' at column %d", show(shown, item),
                    col(q, item.p));
    case K_PRUNE_SKIP:
    case K_QUANT_SKIP:
        /* node names and first|last|none, '|'-separated: none of the grammar's own characters */
        if (item.n >= EB_SKIP_LIST_MAX || memchr(item.p, '{', item.n) || memchr(item.p, '}', item.n) ||
            memchr(item.p, '=', item.n) || item.p[0] == '|' || item.p[item.n - 1] == '|')
            return fail(q, item.p, "%s must be node names, first, last or none joined by '|' (under %d characters), got '%s' at column %d",
                        key_names[key], EB_SKIP_LIST_MAX, show(shown, item), col(q, item.p));
        snprintf(out->str, sizeof out->str, "%.*s", (int)item.n, item.p);
        return EB_OK;
    case K_CALIB:
        for (size_t i = 0; i < sizeof calib_names / sizeof calib_names[0]; i++)
            if (span_is(item, calib_names[i])) {
                strcpy(out->str, calib_names[i]);
                out->cs.calib = (eb_calib_method)i;
                return EB_OK;
            }
        return fail(q, item.p, "calib must be minmax, percentile or entropy, got '%s' at column %d", show(shown, item),
                    col(q, item.p));
    case K_ISA:
        for (size_t i = 0; i < sizeof isa_names / sizeof isa_names[0]; i++)
            if (span_is(item, isa_names[i])) {
                strcpy(out->str, isa_names[i]);
                return EB_OK;
            }
        return fail(q, item.p, "isa must be " ISA_LIST ", got '%s' at column %d", show(shown, item), col(q, item.p));
    case K_GEMM:
        for (size_t i = 0; i < sizeof gemm_names / sizeof gemm_names[0]; i++)
            if (span_is(item, gemm_names[i])) {
                strcpy(out->str, gemm_names[i]);
                return EB_OK;
            }
        return fail(q, item.p, "gemm must be " GEMM_LIST ", got '%s' at column %d", show(shown, item), col(q, item.p));
    case K_MATH:
        for (size_t i = 0; i < sizeof math_names / sizeof math_names[0]; i++)
            if (span_is(item, math_names[i])) {
                strcpy(out->str, math_names[i]);
                return EB_OK;
            }
        return fail(q, item.p, "math must be " MATH_LIST ", got '%s' at column %d", show(shown, item), col(q, item.p));
    }
    return fail(q, item.p, "internal error: key %d", key);
}

static void set_value(eb_variant *v, int key, const setting *s)
{
    switch (key) {
    case K_THREADS: v->threads = s->num; break;
    case K_GROUP:
        v->group = v->compress.group = s->num;
        v->compress.group_set = true;
        break;
    case K_DEVICE: v->device = s->num; break;
    case K_PRUNE:
        memcpy(v->prune, s->str, sizeof v->prune);
        v->compress.prune = s->cs.prune;
        v->compress.fraction = s->cs.fraction;
        v->compress.n = s->cs.n;
        v->compress.m = s->cs.m;
        break;
    case K_QUANT:
        memcpy(v->quant, s->str, sizeof v->quant);
        v->compress.quant = s->cs.quant;
        break;
    case K_ISA: snprintf(v->isa, sizeof v->isa, "%s", s->str); break;
    case K_PRUNE_SCOPE: v->compress.prune_global = s->cs.prune_global; break;
    case K_PRUNE_SKIP: snprintf(v->compress.prune_skip, sizeof v->compress.prune_skip, "%s", s->str); break;
    case K_QUANT_SKIP: snprintf(v->compress.quant_skip, sizeof v->compress.quant_skip, "%s", s->str); break;
    case K_CALIB: v->compress.calib = s->cs.calib; break;
    case K_OPT: v->opt = s->num; break;
    case K_GEMM: snprintf(v->gemm, sizeof v->gemm, "%s", s->str); break;
    case K_MATH: snprintf(v->math, sizeof v->math, "%s", s->str); break;
    }
}

static bool has_value(const eb_variant *v, int key, const setting *s)
{
    switch (key) {
    case K_THREADS: return v->threads == s->num;
    case K_GROUP: return v->group == s->num;
    case K_DEVICE: return v->device == s->num;
    case K_PRUNE: return strcmp(v->prune, s->str) == 0;
    case K_QUANT: return strcmp(v->quant, s->str) == 0;
    case K_ISA: return strcmp(v->isa, s->str) == 0;
    case K_PRUNE_SCOPE: return v->compress.prune_global == s->cs.prune_global;
    case K_PRUNE_SKIP: return strcmp(v->compress.prune_skip, s->str) == 0;
    case K_QUANT_SKIP: return strcmp(v->compress.quant_skip, s->str) == 0;
    case K_CALIB: return v->compress.calib == s->cs.calib;
    case K_OPT: return v->opt == s->num;
    case K_GEMM: return strcmp(v->gemm, s->str) == 0;
    case K_MATH: return strcmp(v->math, s->str) == 0;
    }
    return false;
}

/* ---- shape ------------------------------------------------------------- */

/* One KEY=VALUE (already known to have balanced, unnested braces). */
static eb_status parse_pair(const quoted *q, span pair, axis *a)
{
    char shown[SHOW_MAX + 1];
    if (pair.n == 0)
        return fail(q, pair.p, "empty setting at column %d", col(q, pair.p));
    const char *eq = memchr(pair.p, '=', pair.n);
    if (!eq)
        return fail(q, pair.p, "expected KEY=VALUE, got '%s' at column %d", show(shown, pair), col(q, pair.p));
    span key = {pair.p, (size_t)(eq - pair.p)};
    if (key.n == 0)
        return fail(q, pair.p, "missing key before '=' at column %d", col(q, pair.p));
    a->key = -1;
    for (int k = 0; k < K_COUNT; k++)
        if (span_is(key, key_names[k]))
            a->key = k;
    if (a->key < 0)
        return fail(q, key.p, "unknown key '%s' at column %d (keys: " KEY_LIST ")", show(shown, key), col(q, key.p));
    a->value = (span){eq + 1, pair.n - key.n - 1};
    const char *v = a->value.p, *end = v + a->value.n;
    if (a->value.n == 0)
        return fail(q, v, "empty value for %s at column %d", key_names[a->key], col(q, v));
    if (*v != '{') {
        a->sweep = false;
        a->n_items = 1;
        for (const char *c = v; c < end; c++)
            if (*c == '{')
                return fail(q, c, "unexpected '{' at column %d (a sweep is a whole value: %s={A,B})", col(q, c),
                            key_names[a->key]);
        return EB_OK;
    }
    a->sweep = true;
    const char *close = memchr(v, '}', a->value.n);
    if (close + 1 != end)
        return fail(q, close + 1, "unexpected '%c' after '}' at column %d", isprint((unsigned char)close[1]) ? close[1] : '?',
                    col(q, close + 1));
    if (close == v + 1)
        return fail(q, v, "empty sweep '{}' at column %d", col(q, v));
    a->n_items = 0;
    for (const char *item = v + 1;;) {
        const char *comma = memchr(item, ',', (size_t)(close - item));
        const char *stop = comma ? comma : close;
        if (stop == item)
            return fail(q, item, "empty value in sweep at column %d", col(q, item));
        a->n_items++;
        if (!comma)
            return EB_OK;
        item = comma + 1;
    }
}

/* The i-th item of an axis (i < n_items). */
static span axis_item(const axis *a, size_t i)
{
    if (!a->sweep)
        return a->value;
    const char *p = a->value.p + 1, *close = a->value.p + a->value.n - 1;
    for (;; i--) {
        const char *comma = memchr(p, ',', (size_t)(close - p));
        const char *stop = comma ? comma : close;
        if (i == 0)
            return (span){p, (size_t)(stop - p)};
        p = comma + 1;
    }
}

static bool runner_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

static bool listed(const eb_variant *vs, size_t n, const char *spec)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(vs[i].spec, spec) == 0)
            return true;
    return false;
}

/* Parses variant q and appends to *out (n_out of them so far) those of its
 * variants that neither `list` nor *out holds yet. */
static eb_status parse_variant(const quoted *q, const eb_variant_list *list, eb_variant **out, size_t *n_out)
{
    const char *p = q->p, *end = p + q->n;
    for (const char *c = p; c < end; c++)
        if (isspace((unsigned char)*c))
            return fail(q, c, "whitespace at column %d (a variant has no spaces)", col(q, c));

    const char *colon = memchr(p, ':', q->n);
    const char *runner_end = colon ? colon : end;
    if (runner_end == p)
        return fail(q, p, "empty runner name at column 1");
    for (const char *c = p; c < runner_end; c++)
        if (!runner_char(*c))
            return fail(q, c, "bad character '%c' in runner name at column %d (runner names use a-z, 0-9 and _)",
                        isprint((unsigned char)*c) ? *c : '?', col(q, c));
    char runner[sizeof((eb_variant *)0)->runner];
    if ((size_t)(runner_end - p) >= sizeof runner)
        return fail(q, p, "runner name longer than %zu characters at column 1", sizeof runner - 1);
    memcpy(runner, p, (size_t)(runner_end - p));
    runner[runner_end - p] = '\0';

    /* pass 1: the shape, left to right */
    axis axes[K_COUNT];
    const char *key_at[K_COUNT] = {0};
    int n_axes = 0;
    if (colon) {
        if (colon + 1 == end)
            return fail(q, colon, "nothing after ':' at column %d", col(q, colon));
        const char *open = NULL, *pair = colon + 1;
        for (const char *c = pair;; c++) {
            if (c < end && *c == '{') {
                if (open)
                    return fail(q, c, "nested '{' at column %d (the '{' at column %d is still open)", col(q, c),
                                col(q, open));
                open = c;
            } else if (c < end && *c == '}') {
                if (!open)
                    return fail(q, c, "unmatched '}' at column %d", col(q, c));
                open = NULL;
            } else if (c == end || (*c == ',' && !open)) {
                if (c == end && open)
                    return fail(q, open, "unclosed '{' at column %d", col(q, open));
                axis a;
                eb_status st = parse_pair(q, (span){pair, (size_t)(c - pair)}, &a);
                if (st != EB_OK)
                    return st;
                if (key_at[a.key])
                    return fail(q, pair, "duplicate key '%s' at column %d (first at column %d)", key_names[a.key],
                                col(q, pair), col(q, key_at[a.key]));
                key_at[a.key] = pair;
                axes[n_axes++] = a;
                if (c == end)
                    break;
                pair = c + 1;
            }
        }
    }

    /* the count, before any value is read */
    unsigned long long count = 1;
    for (int i = 0; i < n_axes; i++)
        count = count > ULLONG_MAX / axes[i].n_items ? ULLONG_MAX : count * axes[i].n_items;
    if (count > EB_MAX_VARIANTS) {
        if (count == ULLONG_MAX)
            return fail(q, p, "expands to 2^64 variants or more, more than the limit of %d", EB_MAX_VARIANTS);
        return fail(q, p, "expands to %llu variants, more than the limit of %d", count, EB_MAX_VARIANTS);
    }
    size_t n = (size_t)count;
    eb_variant *grown = realloc(*out, (*n_out + n) * sizeof **out);
    if (!grown)
        return fail_nomem(q);
    *out = grown;
    eb_variant *vs = grown + *n_out;
    for (size_t i = 0; i < n; i++)
        vs[i] = eb_variant_default(runner);

    /* pass 2: each value checked once, then written into every variant
     * whose digit for its axis is that value (first axis slowest) */
    size_t stride = n;
    for (int ai = 0; ai < n_axes; ai++) {
        const axis *a = &axes[ai];
        stride /= a->n_items;
        for (size_t j = 0; j < a->n_items; j++) {
            span item = axis_item(a, j);
            setting s;
            eb_status st = check_value(q, a->key, item, &s);
            if (st != EB_OK)
                return st;
            for (size_t k = 0; k < j; k++)
                if (has_value(&vs[k * stride], a->key, &s)) {
                    char shown[SHOW_MAX + 1];
                    return fail(q, item.p, "'%s' at column %d repeats an earlier value of the %s sweep", show(shown, item),
                                col(q, item.p), key_names[a->key]);
                }
            for (size_t i = j * stride; i < n; i += stride * a->n_items)
                for (size_t r = 0; r < stride; r++)
                    set_value(&vs[i + r], a->key, &s);
        }
    }
    if (key_at[K_GROUP]) {
        bool any_int4 = false;
        for (size_t i = 0; i < n; i++)
            any_int4 = any_int4 || vs[i].compress.quant == EB_QUANT_INT4;
        if (!any_int4)
            return fail(q, key_at[K_GROUP], "group at column %d is the int4 group size, but quant is %s (add quant=int4)",
                        col(q, key_at[K_GROUP]), vs[0].quant);
        eb_variant d = eb_variant_default(runner);
        for (size_t i = 0; i < n; i++)
            if (vs[i].compress.quant != EB_QUANT_INT4) {
                vs[i].group = vs[i].compress.group = d.group;
                vs[i].compress.group_set = false;
            }
    }
    /* the keys that refine a compression need it in some variant of the sweep */
    static const struct {
        int key;
        const char *needs;
    } refines[] = {{K_PRUNE_SCOPE, "a fraction prune (prune=F)"},
                   {K_PRUNE_SKIP, "pruning (prune=...)"},
                   {K_QUANT_SKIP, "quantization (quant=...)"},
                   {K_CALIB, "quant=int8-static"}};
    for (size_t r = 0; r < sizeof refines / sizeof refines[0]; r++) {
        int key = refines[r].key;
        bool used = false;
        for (size_t i = 0; key_at[key] && i < n; i++) {
            const eb_compress_spec *c = &vs[i].compress;
            used = used || (key == K_PRUNE_SCOPE ? c->prune == EB_PRUNE_FRACTION
                            : key == K_PRUNE_SKIP ? c->prune != EB_PRUNE_NONE
                            : key == K_QUANT_SKIP ? c->quant != EB_QUANT_NONE
                                                  : c->quant == EB_QUANT_INT8_STATIC);
        }
        if (key_at[key] && !used)
            return fail(q, key_at[key], "%s at column %d applies to %s, which no variant here has", key_names[key],
                        col(q, key_at[key]), refines[r].needs);
    }
    for (size_t i = 0; i < n; i++) {
        memset(vs[i].spec, 0, sizeof vs[i].spec);
        eb_variant_canonical(&vs[i], vs[i].spec, sizeof vs[i].spec);
    }

    /* a variant listed already (`-v ref -v ref:threads={1,2}`) is kept
     * once, where it first appeared; the canonical text is its identity */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (listed(list->items, (size_t)list->n, vs[i].spec) || listed(*out, *n_out + kept, vs[i].spec))
            continue;
        if (kept != i)
            vs[kept] = vs[i];
        kept++;
    }
    size_t total = (size_t)list->n + *n_out + kept;
    if (total > EB_MAX_VARIANTS)
        return fail(q, p, "adds %zu variants, %zu in all, more than the limit of %d", kept, total, EB_MAX_VARIANTS);
    *n_out += kept;
    return EB_OK;
}

/* ---- the interface ----------------------------------------------------- */

eb_status eb_variant_parse(const char *text, eb_variant_list *list, eb_err *err)
{
    if (!text || !list)
        return eb_errf(err, EB_EINVAL, "variant: no text or no list");
    quoted whole = {text, strlen(text), err};
    eb_variant *out = NULL;
    size_t n_out = 0;
    eb_status st = EB_OK;
    for (const char *p = text;;) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        if (n == 0) {
            st = fail(&whole, p, "empty variant at column %d%s", col(&whole, p),
                      whole.n == 0 ? ""
                      : !semi      ? " (nothing after the last ';')"
                      : p == text  ? " (nothing before the first ';')"
                                   : " (nothing between two ';')");
            goto done;
        }
        quoted one = {p, n, err};
        st = parse_variant(&one, list, &out, &n_out);
        if (st != EB_OK || !semi)
            break;
        p = semi + 1;
    }
    if (st == EB_OK) {
        size_t need = (size_t)list->n + n_out;
        if (need > (size_t)list->cap) {
            size_t cap = list->cap > 0 ? (size_t)list->cap : 8;
            while (cap < need)
                cap *= 2;
            eb_variant *items = realloc(list->items, cap * sizeof *items);
            if (!items) {
                st = fail_nomem(&whole);
                goto done;
            }
            list->items = items;
            list->cap = (int)cap;
        }
        memcpy(list->items + list->n, out, n_out * sizeof *out);
        list->n = (int)need;
    }
done:
    free(out);
    return st;
}

void eb_variant_list_free(eb_variant_list *list)
{
    if (!list)
        return;
    free(list->items);
    memset(list, 0, sizeof *list);
}

/* Appends to buf (size n, k used), keeping it terminated; returns the new k
 * (at most n - 1). */
static size_t add(char *buf, size_t n, size_t k, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t add(char *buf, size_t n, size_t k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + k, n - k, fmt, ap);
    va_end(ap);
    if (w < 0)
        return k;
    return k + (size_t)w < n ? k + (size_t)w : n - 1;
}

void eb_variant_canonical(const eb_variant *v, char *buf, size_t n)
{
    if (!buf || n == 0)
        return;
    /* the defaults are registry.c's, so that they live in one place */
    eb_variant d = eb_variant_default(v->runner);
    size_t k = add(buf, n, 0, "%s", v->runner);
    char sep = ':';
    if (v->threads != d.threads) {
        k = add(buf, n, k, "%cthreads=%d", sep, v->threads);
        sep = ',';
    }
    if (strcmp(v->prune, d.prune) != 0) {
        k = add(buf, n, k, "%cprune=%s", sep, v->prune);
        sep = ',';
    }
    if (strcmp(v->quant, d.quant) != 0) {
        k = add(buf, n, k, "%cquant=%s", sep, v->quant);
        sep = ',';
    }
    if (v->group != d.group) {
        k = add(buf, n, k, "%cgroup=%d", sep, v->group);
        sep = ',';
    }
    if (v->device != d.device) {
        k = add(buf, n, k, "%cdevice=%d", sep, v->device);
        sep = ',';
    }
    if (v->isa[0] && strcmp(v->isa, d.isa) != 0) { /* "" (a zeroed variant) is the default */
        k = add(buf, n, k, "%cisa=%s", sep, v->isa);
        sep = ',';
    }
    if (v->compress.prune_global) {
        k = add(buf, n, k, "%cprune-scope=global", sep);
        sep = ',';
    }
    if (v->compress.prune_skip[0]) {
        k = add(buf, n, k, "%cprune-skip=%s", sep, v->compress.prune_skip);
        sep = ',';
    }
    if (v->compress.quant_skip[0]) {
        k = add(buf, n, k, "%cquant-skip=%s", sep, v->compress.quant_skip);
        sep = ',';
    }
    if (v->compress.calib != EB_CALIB_MINMAX) {
        k = add(buf, n, k, "%ccalib=%s", sep, calib_names[v->compress.calib]);
        sep = ',';
    }
    if (v->opt != d.opt) {
        k = add(buf, n, k, "%copt=%d", sep, v->opt);
        sep = ',';
    }
    if (v->gemm[0] && strcmp(v->gemm, d.gemm) != 0) { /* "" (a zeroed variant) is the default */
        k = add(buf, n, k, "%cgemm=%s", sep, v->gemm);
        sep = ',';
    }
    if (v->math[0] && strcmp(v->math, d.math) != 0)
        add(buf, n, k, "%cmath=%s", sep, v->math);
}
