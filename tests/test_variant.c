/* test_variant.c - the variant grammar: parsing, sweep expansion and the
 * canonical form (bench/variant.c).
 *
 * Failure paths come first, each checked against the whole message the
 * user would read, with columns counted by hand from the spec.  Then the
 * good paths: defaults, sweep order, ';', prune values holding ':', and a
 * randomized round trip that builds valid specs from the grammar, knows
 * what each must expand to, and checks parse -> canonical -> parse.  The
 * expected values there come from the generator, never from the code under
 * test; the defaults are the documented ones (threads 1, prune none,
 * quant none, group 32, device 0). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/variant.h"
#include "tests/test_util.h"

/* ---- helpers ----------------------------------------------------------- */

/* Parses text into a fresh list and checks that it fails with exactly
 * `want`, leaving the list empty. */
static void check_fails_with(const char *text, const char *want)
{
    eb_variant_list l = {0};
    eb_err err = {{0}};
    eb_status st = eb_variant_parse(text, &l, &err);
    if (st != EB_EINVAL || strcmp(err.msg, want) != 0)
        print_error("spec:     '%s'\nexpected: %s\ngot:      %s (status %d)\n", text, want, err.msg, (int)st);
    assert_int_equal(st, EB_EINVAL);
    assert_string_equal(err.msg, want);
    assert_int_equal(l.n, 0);
    assert_null(l.items);
}

/* Checks that `spec` fails with "variant 'spec': DETAIL". */
static void check_detail(const char *spec, const char *detail)
{
    char want[sizeof((eb_err *)0)->msg];
    snprintf(want, sizeof want, "variant '%s': %s", spec, detail);
    check_fails_with(spec, want);
}

/* Checks that text fails with a message holding `part`, on one line. */
static void check_fails_containing(const char *text, const char *part)
{
    eb_variant_list l = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_variant_parse(text, &l, &err), EB_EINVAL);
    if (!strstr(err.msg, part))
        print_error("expected a message with: %s\ngot: %s\n", part, err.msg);
    assert_non_null(strstr(err.msg, part));
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(l.n, 0);
    assert_null(l.items);
}

/* check_detail for a spec of up to 200 characters (quoted whole); past
 * that the quote is a window, and only the detail is checked. */
static void check_detail_or_window(const char *spec, const char *detail)
{
    if (strlen(spec) <= 200) {
        check_detail(spec, detail);
        return;
    }
    char part[512];
    snprintf(part, sizeof part, "': %s", detail);
    check_fails_containing(spec, part);
}

static eb_variant_list parse_ok(const char *text)
{
    eb_variant_list l = {0};
    eb_err err = {{0}};
    eb_status st = eb_variant_parse(text, &l, &err);
    if (st != EB_OK)
        print_error("spec '%s' failed: %s\n", text, err.msg);
    assert_int_equal(st, EB_OK);
    return l;
}

/* The documented defaults, written out here rather than taken from the
 * registry, so that a changed default is noticed. */
static void check_variant(const eb_variant *v, const char *runner, int threads, const char *prune, const char *quant,
                          int group, int device, const char *spec)
{
    assert_string_equal(v->runner, runner);
    assert_int_equal(v->threads, threads);
    assert_string_equal(v->prune, prune);
    assert_string_equal(v->quant, quant);
    assert_int_equal(v->group, group);
    assert_int_equal(v->device, device);
    assert_string_equal(v->spec, spec);
}

static void check_same(const eb_variant *a, const eb_variant *b)
{
    check_variant(a, b->runner, b->threads, b->prune, b->quant, b->group, b->device, b->spec);
}

/* Appends "{lo,lo+1,...,hi}" to buf. */
static void append_range(char *buf, size_t n, int lo, int hi)
{
    size_t k = strlen(buf);
    for (int i = lo; i <= hi; i++)
        k += (size_t)snprintf(buf + k, n - k, "%c%d", i == lo ? '{' : ',', i);
    snprintf(buf + k, n - k, "}");
}

/* ---- failure paths ------------------------------------------------------ */

static void variant_parse__unclosed_brace__fails_naming_its_column(void **state)
{
    (void)state;
    check_detail("cpu:threads={1,2", "unclosed '{' at column 13");
    check_detail("cpu:quant=int8,threads={1", "unclosed '{' at column 24");
    /* ';' always splits variants, even inside braces */
    check_fails_with("cpu:threads={1;2}", "variant 'cpu:threads={1': unclosed '{' at column 13");
}

static void variant_parse__empty_braces__fails(void **state)
{
    (void)state;
    check_detail("cpu:threads={}", "empty sweep '{}' at column 13");
    check_detail("cpu:quant=int8,prune={}", "empty sweep '{}' at column 22");
}

static void variant_parse__empty_sweep_item__fails(void **state)
{
    (void)state;
    check_detail("cpu:threads={1,,2}", "empty value in sweep at column 16");
    check_detail("cpu:threads={1,}", "empty value in sweep at column 16");
    check_detail("cpu:threads={,1}", "empty value in sweep at column 14");
}

static void variant_parse__misplaced_braces__fail(void **state)
{
    (void)state;
    check_detail("cpu:threads={1,{2}}", "nested '{' at column 16 (the '{' at column 13 is still open)");
    check_detail("cpu:threads=1}", "unmatched '}' at column 14");
    check_detail("cpu:threads={1,2}x", "unexpected 'x' after '}' at column 18");
    check_detail("cpu:threads={1}{2}", "unexpected '{' after '}' at column 16");
    check_detail("cpu:threads=1{2}", "unexpected '{' at column 14 (a sweep is a whole value: threads={A,B})");
    check_detail("{cpu,ref}", "bad character '{' in runner name at column 1 (runner names use a-z, 0-9 and _)");
}

static void variant_parse__unknown_key__fails_listing_known_keys(void **state)
{
    (void)state;
    check_detail("cpu:thread=2", "unknown key 'thread' at column 5 (keys: threads, prune, quant, group, device, isa, prune-scope, prune-skip, quant-skip, calib, opt, gemm, math)");
    check_detail("ref:threads=2,Quant=int8", "unknown key 'Quant' at column 15 (keys: threads, prune, quant, group, device, isa, prune-scope, prune-skip, quant-skip, calib, opt, gemm, math)");
    /* left to right: the unknown key comes before the unclosed brace */
    check_detail("cpu:batch=1,threads={1", "unknown key 'batch' at column 5 (keys: threads, prune, quant, group, device, isa, prune-scope, prune-skip, quant-skip, calib, opt, gemm, math)");
}

static void variant_parse__bad_threads__fails(void **state)
{
    (void)state;
    const char *low[] = {"0", "-1", "abc", "1.5", "+2", "0x2", "2k", "00"};
    const char *high[] = {"1025", "4096", "99999999999999999999999"};
    char spec[128], detail[256];
    for (size_t i = 0; i < sizeof low / sizeof low[0]; i++) {
        snprintf(spec, sizeof spec, "cpu:threads=%s", low[i]);
        snprintf(detail, sizeof detail, "threads must be an integer >= 1, got '%s' at column 13", low[i]);
        check_detail(spec, detail);
    }
    for (size_t i = 0; i < sizeof high / sizeof high[0]; i++) {
        snprintf(spec, sizeof spec, "cpu:threads=%s", high[i]);
        snprintf(detail, sizeof detail, "threads must be an integer <= 1024, got '%s' at column 13", high[i]);
        check_detail(spec, detail);
    }
    check_detail("cpu:threads=", "empty value for threads at column 13");
    /* inside a sweep the column is the item's */
    check_detail("cpu:threads={1,2,0}", "threads must be an integer >= 1, got '0' at column 18");
}

static void variant_parse__bad_prune__fails(void **state)
{
    (void)state;
    const char *range[] = {"0", "1", "1.0", "1.5", "0.0", "1e5", "1e-400"};
    const char *syntax[] = {"-0.5", "abc", "nan", "inf", "0.5.5", "half", "0,5"};
    const char *nm[] = {"2:2", "4:2", "0:4", "2:65", "2:", ":4", "a:4", "2:4:8", "-1:4", "Channel:0.3"};
    const char *chan[] = {"channel:0", "channel:1", "channel:", "channel:x", "channel:2:4", "channel:-0.3"};
    char spec[128], detail[256];
    for (size_t i = 0; i < sizeof range / sizeof range[0]; i++) {
        snprintf(spec, sizeof spec, "cpu:prune=%s", range[i]);
        snprintf(detail, sizeof detail, "prune fraction must be 0 < F < 1, got '%s' at column 11", range[i]);
        check_detail(spec, detail);
    }
    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++) {
        if (strchr(syntax[i], ','))
            continue; /* "0,5" splits into a pair "5": checked below */
        snprintf(spec, sizeof spec, "cpu:prune=%s", syntax[i]);
        snprintf(detail, sizeof detail,
                 "prune must be none, a fraction F (0 < F < 1), N:M or channel:F, got '%s' at column 11", syntax[i]);
        check_detail(spec, detail);
    }
    check_detail("cpu:prune=0,5", "expected KEY=VALUE, got '5' at column 13");
    for (size_t i = 0; i < sizeof nm / sizeof nm[0]; i++) {
        snprintf(spec, sizeof spec, "cpu:prune=%s", nm[i]);
        snprintf(detail, sizeof detail, "prune N:M needs integers 0 < N < M <= 64, got '%s' at column 11", nm[i]);
        check_detail(spec, detail);
    }
    for (size_t i = 0; i < sizeof chan / sizeof chan[0]; i++) {
        snprintf(spec, sizeof spec, "cpu:prune=%s", chan[i]);
        snprintf(detail, sizeof detail, "prune channel:F needs a fraction 0 < F < 1, got '%s' at column 11", chan[i]);
        check_detail(spec, detail);
    }
}

static void variant_parse__bad_quant__fails(void **state)
{
    (void)state;
    const char *bad[] = {"int2", "INT8", "none2", "int8_static", "fp32", "int8-"};
    char spec[128], detail[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(spec, sizeof spec, "cpu:quant=%s", bad[i]);
        snprintf(detail, sizeof detail,
                 "quant must be none, fp16, int8, int8-static or int4, got '%s' at column 11", bad[i]);
        check_detail(spec, detail);
    }
}

static void variant_parse__bad_group__fails(void **state)
{
    (void)state;
    check_detail("cpu:group=0", "group must be an integer >= 1, got '0' at column 11");
    check_detail("cpu:group=-4", "group must be an integer >= 1, got '-4' at column 11");
    check_detail("cpu:group=x", "group must be an integer >= 1, got 'x' at column 11");
    check_detail("cpu:group=65537", "group must be an integer <= 65536, got '65537' at column 11");
}

static void variant_parse__group_without_int4__fails(void **state)
{
    (void)state;
    check_detail("cpu:group=8", "group at column 5 is the int4 group size, but quant is none (add quant=int4)");
    check_detail("cpu:quant=int8,group=64",
                 "group at column 16 is the int4 group size, but quant is int8 (add quant=int4)");
    check_detail("cpu:threads={1,2},group={8,16},quant={fp16,int8}",
                 "group at column 19 is the int4 group size, but quant is fp16 (add quant=int4)");
}

static void variant_parse__group_in_a_sweep_over_quant__stays_with_int4(void **state)
{
    (void)state;
    /* int8 does not read the group: its variants collapse to one */
    eb_variant_list l = parse_ok("cpu:quant={int4,int8},group={16,64}");
    assert_int_equal(l.n, 3);
    check_variant(&l.items[0], "cpu", 1, "none", "int4", 16, 0, "cpu:quant=int4,group=16");
    check_variant(&l.items[1], "cpu", 1, "none", "int4", 64, 0, "cpu:quant=int4,group=64");
    check_variant(&l.items[2], "cpu", 1, "none", "int8", 32, 0, "cpu:quant=int8");
    eb_variant_list_free(&l);
}

static void variant_parse__bad_device__fails(void **state)
{
    (void)state;
    check_detail("cpu:device=-1", "device must be an integer >= 0, got '-1' at column 12");
    check_detail("cpu:device=a", "device must be an integer >= 0, got 'a' at column 12");
    check_detail("cpu:device=1024", "device must be an integer <= 1023, got '1024' at column 12");
}

static void variant_parse__duplicate_key__fails(void **state)
{
    (void)state;
    check_detail("cpu:threads=2,quant=int8,threads=4", "duplicate key 'threads' at column 26 (first at column 5)");
    check_detail("cpu:threads={1,2},threads=3", "duplicate key 'threads' at column 19 (first at column 5)");
}

static void variant_parse__duplicate_sweep_value__fails(void **state)
{
    (void)state;
    check_detail("cpu:threads={1,2,01}", "'01' at column 18 repeats an earlier value of the threads sweep");
    check_detail("cpu:prune={0.5,0.50}", "'0.50' at column 16 repeats an earlier value of the prune sweep");
}

static void variant_parse__empty_runner__fails(void **state)
{
    (void)state;
    check_detail(":threads=2", "empty runner name at column 1");
    check_detail(":", "empty runner name at column 1");
    check_detail("", "empty variant at column 1");
}

static void variant_parse__bad_runner_name__fails(void **state)
{
    (void)state;
    check_detail("CPU", "bad character 'C' in runner name at column 1 (runner names use a-z, 0-9 and _)");
    check_detail("cp-u:threads=2", "bad character '-' in runner name at column 3 (runner names use a-z, 0-9 and _)");
    check_detail("cpu,threads=2", "bad character ',' in runner name at column 4 (runner names use a-z, 0-9 and _)");
    char name[40] = {0};
    memset(name, 'r', 32);
    check_detail(name, "runner name longer than 31 characters at column 1");
}

static void variant_parse__malformed_setting__fails(void **state)
{
    (void)state;
    check_detail("cpu:threads", "expected KEY=VALUE, got 'threads' at column 5");
    check_detail("cpu:=2", "missing key before '=' at column 5");
    check_detail("cpu:threads=2,,quant=int8", "empty setting at column 15");
    check_detail("cpu:threads=2,", "empty setting at column 15");
    check_detail("cpu:", "nothing after ':' at column 4");
}

static void variant_parse__whitespace__fails(void **state)
{
    (void)state;
    check_detail("cpu: threads=2", "whitespace at column 5 (a variant has no spaces)");
    check_detail(" ref", "whitespace at column 1 (a variant has no spaces)");
    check_fails_with("ref; cpu", "variant ' cpu': whitespace at column 1 (a variant has no spaces)");
    /* a control character is quoted as '?', so that the message is one line */
    check_fails_with("cpu:threads=2\n", "variant 'cpu:threads=2?': whitespace at column 14 (a variant has no spaces)");
}

static void variant_parse__empty_variant_between_semicolons__fails(void **state)
{
    (void)state;
    check_detail("ref;;cpu", "empty variant at column 5 (nothing between two ';')");
    check_detail("ref;", "empty variant at column 5 (nothing after the last ';')");
    check_detail(";ref", "empty variant at column 1 (nothing before the first ';')");
    check_detail(";", "empty variant at column 1 (nothing before the first ';')");
    /* a variant after ';' is quoted alone, columns counted in it */
    check_fails_with("ref;cpu:threads=0", "variant 'cpu:threads=0': threads must be an integer >= 1, got '0' at column 13");
}

static void variant_parse__too_many_variants__fails_naming_the_count(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed();
    for (int round = 0; round < 20; round++) {
        /* a x b > 1024 with a <= 1024 threads and b group sizes */
        int a = 2 + (int)(eb_test_rand(&rng) % 1023);
        int b = 1024 / a + 1 + (int)(eb_test_rand(&rng) % 3);
        char spec[16384] = "cpu:threads=";
        append_range(spec, sizeof spec, 1, a);
        strcat(spec, ",group=");
        append_range(spec, sizeof spec, 1, b);
        eb_variant_list l = {0};
        eb_err err = {{0}};
        assert_int_equal(eb_variant_parse(spec, &l, &err), EB_EINVAL);
        char want[128];
        snprintf(want, sizeof want, ": expands to %d variants, more than the limit of 1024", a * b);
        assert_non_null(strstr(err.msg, want));
        assert_int_equal(l.n, 0);
        assert_true(strlen(err.msg) < sizeof err.msg - 1);
    }
    /* exactly the limit is fine */
    char spec[16384] = "cpu:threads=";
    append_range(spec, sizeof spec, 1, 32);
    strcat(spec, ",quant=int4,group=");
    append_range(spec, sizeof spec, 1, 32);
    eb_variant_list l = parse_ok(spec);
    assert_int_equal(l.n, 1024);
    eb_variant_list_free(&l);
}

static void variant_parse__oversized_sweep__is_refused_before_its_values(void **state)
{
    (void)state;
    /* devices above 1023 are bad values, but the count is checked first */
    char *spec = malloc(32768);
    assert_non_null(spec);
    strcpy(spec, "cpu:device=");
    append_range(spec, 32768, 1000, 3000);
    check_fails_containing(spec, "': expands to 2001 variants, more than the limit of 1024");
    free(spec);
}

static void variant_parse__astronomical_sweep__does_not_overflow_the_count(void **state)
{
    (void)state;
    /* 7200^5 > 2^64: the product saturates instead of wrapping round */
    size_t cap = 5 * 7200 * 6 + 128;
    char *spec = malloc(cap);
    assert_non_null(spec);
    strcpy(spec, "cpu:threads=");
    append_range(spec, cap, 1, 7200);
    const char *keys[] = {"prune", "quant", "group", "device"};
    for (int k = 0; k < 4; k++) {
        strcat(spec, ",");
        strcat(spec, keys[k]);
        strcat(spec, "=");
        append_range(spec, cap, 1, 7200);
    }
    check_fails_containing(spec, "': expands to 2^64 variants or more, more than the limit of 1024");
    free(spec);
}

static void variant_parse__too_many_in_all__fails_and_keeps_the_list(void **state)
{
    (void)state;
    char spec[8192] = "cpu:threads=";
    append_range(spec, sizeof spec, 1, 1000);
    eb_variant_list l = parse_ok(spec);
    assert_int_equal(l.n, 1000);
    eb_err err = {{0}};
    char more[256] = "ref;cpu:quant=int4,group=";
    append_range(more, sizeof more, 1, 24);
    assert_int_equal(eb_variant_parse(more, &l, &err), EB_EINVAL);
    assert_string_equal(err.msg, "variant 'cpu:quant=int4,group={1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24}': "
                                 "adds 24 variants, 1025 in all, more than the limit of 1024");
    assert_int_equal(l.n, 1000);
    /* 23 more reach the limit exactly, "ref" included */
    more[strlen(more) - 4] = '}';
    more[strlen(more) - 3] = '\0';
    assert_int_equal(eb_variant_parse(more, &l, &err), EB_OK);
    assert_int_equal(l.n, 1024);
    check_variant(&l.items[1000], "ref", 1, "none", "none", 32, 0, "ref");
    check_variant(&l.items[1023], "cpu", 1, "none", "int4", 23, 0, "cpu:quant=int4,group=23");
    eb_variant_list_free(&l);

    /* variants listed already do not count again */
    strcpy(spec, "cpu:threads=");
    append_range(spec, sizeof spec, 1, 1000);
    l = parse_ok(spec);
    strcpy(spec, "cpu:threads=");
    append_range(spec, sizeof spec, 1, 1024);
    assert_int_equal(eb_variant_parse(spec, &l, &err), EB_OK);
    assert_int_equal(l.n, 1024);
    check_variant(&l.items[1000], "cpu", 1001, "none", "none", 32, 0, "cpu:threads=1001");
    eb_variant_list_free(&l);
}

static void variant_parse__failure__leaves_the_list_unchanged(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("ref;cpu:threads={2,4}");
    assert_int_equal(l.n, 3);
    eb_variant_list before = l;
    eb_variant saved[3];
    memcpy(saved, l.items, sizeof saved);
    const char *bad[] = {"cpu:quant=int8;cpu:threads=0", "cpu:quant={int8,int4};x:y", "gpu;", "cpu:threads={1,2,3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eb_err err = {{0}};
        assert_int_equal(eb_variant_parse(bad[i], &l, &err), EB_EINVAL);
        assert_int_equal(l.n, before.n);
        assert_int_equal(l.cap, before.cap);
        assert_ptr_equal(l.items, before.items);
        assert_memory_equal(l.items, saved, sizeof saved);
    }
    /* a NULL eb_err is allowed */
    assert_int_equal(eb_variant_parse("cpu:threads=0", &l, NULL), EB_EINVAL);
    assert_int_equal(eb_variant_parse(NULL, &l, NULL), EB_EINVAL);
    assert_int_equal(l.n, 3);
    eb_variant_list_free(&l);
}

static void variant_parse__long_spec__error_is_one_line_around_the_column(void **state)
{
    (void)state;
    /* up to 200 characters are quoted whole; a value is named by its
     * first 37 characters */
    char spec[4096] = "cpu:threads={9,";
    size_t k = strlen(spec);
    memset(spec + k, '0', 200 - 2 - k);
    strcpy(spec + 198, "9}"); /* 000...09 repeats the 9 */
    assert_int_equal(strlen(spec), 200);
    char want[512];
    snprintf(want, sizeof want, "variant '%s': '%s...' at column 16 repeats an earlier value of the threads sweep", spec,
             "0000000000000000000000000000000000000");
    check_fails_with(spec, want);

    /* 500 thread counts, then a bad quant at the end: the quote is the end */
    strcpy(spec, "cpu:threads=");
    append_range(spec, sizeof spec, 1, 500);
    strcat(spec, ",quant=bogus");
    int column = (int)strlen(spec) - 4;
    eb_variant_list l = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_variant_parse(spec, &l, &err), EB_EINVAL);
    snprintf(want, sizeof want,
             ",quant=bogus': quant must be none, fp16, int8, int8-static or int4, got 'bogus' at column %d", column);
    assert_non_null(strstr(err.msg, want));
    assert_int_equal(strncmp(err.msg, "variant '...", 12), 0);
    assert_null(strchr(err.msg, '\n'));

    /* a bad value at the start: the quote is the start */
    strcpy(spec, "cpu:threads=");
    append_range(spec, sizeof spec, 1, 500);
    spec[13] = '0';
    assert_int_equal(eb_variant_parse(spec, &l, &err), EB_EINVAL);
    assert_int_equal(strncmp(err.msg, "variant 'cpu:threads={0,2,3,4,", 30), 0);
    assert_non_null(strstr(err.msg, "...': threads must be an integer >= 1, got '0' at column 14"));

    /* in the middle: a window around it, cut at both ends */
    strcpy(spec, "cpu:threads=");
    append_range(spec, sizeof spec, 1, 500);
    char *mid = strstr(spec, ",250,") + 1;
    memcpy(mid, "abc", 3);
    assert_int_equal(eb_variant_parse(spec, &l, &err), EB_EINVAL);
    snprintf(want, sizeof want, "...': threads must be an integer >= 1, got 'abc' at column %d", (int)(mid - spec) + 1);
    assert_int_equal(strncmp(err.msg, "variant '...", 12), 0);
    assert_non_null(strstr(err.msg, want));
    assert_non_null(strstr(err.msg, ",249,abc,251,"));
    assert_true(strlen(err.msg) < 400);

    /* a long value is named by its first characters */
    char big[512] = "cpu:quant=";
    memset(big + strlen(big), 'x', 300);
    assert_int_equal(eb_variant_parse(big, &l, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' at column 11"));
    assert_true(strlen(err.msg) < sizeof err.msg - 1);

    /* control and non-ASCII bytes are shown as '?' */
    check_fails_with("cpu:quant=in\001t8", "variant 'cpu:quant=in?t8': quant must be none, fp16, int8, int8-static or "
                                           "int4, got 'in?t8' at column 11");
    check_fails_with("cpu:quant=\xc3\xa9", "variant 'cpu:quant=?\?': quant must be none, fp16, int8, int8-static or int4, "
                                           "got '?\?' at column 11");
    assert_int_equal(l.n, 0);
}

/* ---- a generator of valid specs, and what each must expand to ----------- */

enum { G_THREADS, G_PRUNE, G_QUANT, G_GROUP, G_DEVICE, G_KEYS };
static const char *const g_keys[G_KEYS] = {"threads", "prune", "quant", "group", "device"};

typedef struct gen_value {
    char text[48]; /* as written in the spec */
    int num;       /* expected, for threads, group, device */
    char str[32];  /* expected, for prune and quant */
} gen_value;

typedef struct gen_axis {
    int key;
    bool sweep; /* written in braces */
    int n;
    gen_value v[3];
    size_t col[3]; /* 1-based column of each value in the spec */
} gen_axis;

typedef struct gen_spec {
    char text[1024];
    char runner[32];
    int n_axes;
    gen_axis axes[G_KEYS];
} gen_spec;

static int rnd(uint64_t *rng, int n)
{
    return (int)(eb_test_rand(rng) % (uint64_t)n);
}

/* An integer written with 0 to 2 leading zeros. */
static void gen_int(uint64_t *rng, gen_value *g, int v)
{
    g->num = v;
    snprintf(g->text, sizeof g->text, "%0*d", rnd(rng, 3) + 1 + (v >= 10) + (v >= 100) + (v >= 1000) + (v >= 10000), v);
}

/* A fraction k/1000 in one of several spellings; the expected text is
 * "0.ddd" without its trailing zeros. */
static void gen_fraction(uint64_t *rng, char *text, size_t tn, char *want, size_t wn)
{
    int k = 1 + rnd(rng, 999);
    char digits[8];
    snprintf(digits, sizeof digits, "%03d", k);
    char zeros[4] = {0};
    memset(zeros, '0', (size_t)rnd(rng, 3));
    snprintf(text, tn, "%s.%s%s", rnd(rng, 2) ? "0" : "", digits, zeros);
    size_t len = strlen(digits);
    while (digits[len - 1] == '0')
        digits[--len] = '\0';
    snprintf(want, wn, "0.%s", digits);
}

static void gen_one(uint64_t *rng, int key, gen_value *g)
{
    memset(g, 0, sizeof *g);
    static const char *const quants[] = {"none", "fp16", "int8", "int8-static", "int4"};
    switch (key) {
    case G_THREADS: gen_int(rng, g, rnd(rng, 4) == 0 ? 1 : 1 + rnd(rng, 1024)); break;
    case G_GROUP: gen_int(rng, g, rnd(rng, 4) == 0 ? 32 : 1 + rnd(rng, 65536)); break;
    case G_DEVICE: gen_int(rng, g, rnd(rng, 4) == 0 ? 0 : rnd(rng, 1024)); break;
    case G_QUANT:
        strcpy(g->str, quants[rnd(rng, 5)]);
        strcpy(g->text, g->str);
        break;
    case G_PRUNE:
        switch (rnd(rng, 4)) {
        case 0: strcpy(g->str, strcpy(g->text, "none")); break;
        case 1: gen_fraction(rng, g->text, sizeof g->text, g->str, sizeof g->str); break;
        case 2: {
            int m = 2 + rnd(rng, 63), n = 1 + rnd(rng, m - 1);
            snprintf(g->text, sizeof g->text, "%0*d:%0*d", 1 + rnd(rng, 2), n, 1 + rnd(rng, 2), m);
            snprintf(g->str, sizeof g->str, "%d:%d", n, m);
            break;
        }
        default: {
            char t[24], w[24];
            gen_fraction(rng, t, sizeof t, w, sizeof w);
            snprintf(g->text, sizeof g->text, "channel:%s", t);
            snprintf(g->str, sizeof g->str, "channel:%s", w);
        }
        }
    }
}

static bool same_value(int key, const gen_value *a, const gen_value *b)
{
    return key == G_PRUNE || key == G_QUANT ? strcmp(a->str, b->str) == 0 : a->num == b->num;
}

/* Writes s->text from its runner and axes, and each value's column.  If
 * unknown_at >= 0 a pair "bogus=1" goes before axis number unknown_at (or
 * at the end), and unknown_col receives its column. */
static void gen_spec_text(gen_spec *s, int unknown_at, size_t *unknown_col)
{
    char text[sizeof s->text];
    size_t k = (size_t)snprintf(text, sizeof text, "%s", s->runner);
    if (unknown_at > s->n_axes)
        unknown_at = s->n_axes;
    for (int a = 0; a <= s->n_axes; a++) {
        if (a == unknown_at) {
            k += (size_t)snprintf(text + k, sizeof text - k, "%c", a == 0 ? ':' : ',');
            *unknown_col = k + 1;
            k += (size_t)snprintf(text + k, sizeof text - k, "bogus=1");
        }
        if (a == s->n_axes)
            break;
        gen_axis *ax = &s->axes[a];
        k += (size_t)snprintf(text + k, sizeof text - k, "%c%s=%s", a == 0 && unknown_at != 0 ? ':' : ',',
                              g_keys[ax->key], ax->sweep ? "{" : "");
        for (int i = 0; i < ax->n; i++) {
            ax->col[i] = k + 1;
            k += (size_t)snprintf(text + k, sizeof text - k, "%s%s", ax->v[i].text, i + 1 < ax->n ? "," : "");
        }
        if (ax->sweep)
            k += (size_t)snprintf(text + k, sizeof text - k, "}");
    }
    memcpy(s->text, text, sizeof text);
}

/* A random valid spec: a random runner, a random subset of the keys in a
 * random order, each a single value or a sweep of 1 to 3 distinct values.
 * If bad_axis >= 0 that axis (made long enough) has its value number
 * bad_item written as bad[key] instead; unknown_at: see gen_spec_text. */
static void gen_spec_build(uint64_t *rng, gen_spec *s, int bad_axis, int bad_item, const char *const *bad,
                           int unknown_at, size_t *unknown_col)
{
    memset(s, 0, sizeof *s);
    static const char runner_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_";
    int rlen = 1 + rnd(rng, 31);
    for (int i = 0; i < rlen; i++)
        s->runner[i] = runner_chars[rnd(rng, (int)sizeof runner_chars - 1)];
    int order[G_KEYS] = {0, 1, 2, 3, 4};
    for (int i = G_KEYS - 1; i > 0; i--) {
        int j = rnd(rng, i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    s->n_axes = rnd(rng, G_KEYS + 1);
    if (bad_axis >= s->n_axes)
        s->n_axes = bad_axis + 1;
    for (int a = 0; a < s->n_axes; a++) {
        gen_axis *ax = &s->axes[a];
        ax->key = order[a];
        ax->sweep = rnd(rng, 2);
        ax->n = ax->sweep ? 1 + rnd(rng, 3) : 1;
        if (a == bad_axis && ax->n <= bad_item) {
            ax->sweep = true;
            ax->n = bad_item + 1;
        }
        for (int i = 0; i < ax->n; i++) {
            bool dup;
            do {
                gen_one(rng, ax->key, &ax->v[i]);
                dup = false;
                for (int j = 0; j < i; j++)
                    dup = dup || same_value(ax->key, &ax->v[i], &ax->v[j]);
            } while (dup);
            if (a == bad_axis && i == bad_item)
                snprintf(ax->v[i].text, sizeof ax->v[i].text, "%s", bad[ax->key]);
        }
    }
    /* group is refused without int4: a spec with a group is made int4
     * (unless its quant axis is the one holding the bad value) */
    int group_axis = -1, quant_axis = -1;
    for (int a = 0; a < s->n_axes; a++) {
        if (s->axes[a].key == G_GROUP)
            group_axis = a;
        if (s->axes[a].key == G_QUANT)
            quant_axis = a;
    }
    if (group_axis >= 0 && (quant_axis < 0 || quant_axis != bad_axis)) {
        if (quant_axis < 0)
            quant_axis = s->n_axes++;
        gen_axis *ax = &s->axes[quant_axis];
        memset(ax, 0, sizeof *ax);
        ax->key = G_QUANT;
        ax->n = 1;
        strcpy(ax->v[0].text, strcpy(ax->v[0].str, "int4"));
    }
    gen_spec_text(s, unknown_at, unknown_col);
}

static int gen_count(const gen_spec *s)
{
    int n = 1;
    for (int a = 0; a < s->n_axes; a++)
        n *= s->axes[a].n;
    return n;
}

/* Variant number idx of s's expansion (mixed radix, first axis slowest),
 * with its canonical text written out from the documented rules. */
static eb_variant gen_expected(const gen_spec *s, int idx)
{
    eb_variant v;
    memset(&v, 0, sizeof v);
    strcpy(v.runner, s->runner);
    v.threads = 1;
    strcpy(v.prune, "none");
    strcpy(v.quant, "none");
    v.group = 32;
    v.device = 0;
    for (int a = s->n_axes - 1; a >= 0; a--) {
        const gen_axis *ax = &s->axes[a];
        const gen_value *g = &ax->v[idx % ax->n];
        idx /= ax->n;
        switch (ax->key) {
        case G_THREADS: v.threads = g->num; break;
        case G_GROUP: v.group = g->num; break;
        case G_DEVICE: v.device = g->num; break;
        case G_PRUNE: strcpy(v.prune, g->str); break;
        case G_QUANT: strcpy(v.quant, g->str); break;
        }
    }
    size_t k = (size_t)snprintf(v.spec, sizeof v.spec, "%s", v.runner);
    const char *sep = ":";
    if (v.threads != 1) {
        k += (size_t)snprintf(v.spec + k, sizeof v.spec - k, "%sthreads=%d", sep, v.threads);
        sep = ",";
    }
    if (strcmp(v.prune, "none") != 0) {
        k += (size_t)snprintf(v.spec + k, sizeof v.spec - k, "%sprune=%s", sep, v.prune);
        sep = ",";
    }
    if (strcmp(v.quant, "none") != 0) {
        k += (size_t)snprintf(v.spec + k, sizeof v.spec - k, "%squant=%s", sep, v.quant);
        sep = ",";
    }
    if (v.group != 32) {
        k += (size_t)snprintf(v.spec + k, sizeof v.spec - k, "%sgroup=%d", sep, v.group);
        sep = ",";
    }
    if (v.device != 0)
        snprintf(v.spec + k, sizeof v.spec - k, "%sdevice=%d", sep, v.device);
    return v;
}

static void variant_parse__random_bad_value__names_its_column(void **state)
{
    (void)state;
    static const char *const bad[G_KEYS] = {"0", "1.5", "int3", "0", "-1"};
    static const char *const what[G_KEYS] = {
        "threads must be an integer >= 1", "prune fraction must be 0 < F < 1",
        "quant must be none, fp16, int8, int8-static or int4", "group must be an integer >= 1",
        "device must be an integer >= 0"};
    uint64_t rng = eb_test_seed() ^ 0x5eed;
    for (int round = 0; round < 500; round++) {
        gen_spec s;
        int bad_axis = rnd(&rng, G_KEYS), bad_item = rnd(&rng, 3);
        gen_spec_build(&rng, &s, bad_axis, bad_item, bad, -1, NULL);
        int key = s.axes[bad_axis].key;
        char detail[256];
        snprintf(detail, sizeof detail, "%s, got '%s' at column %zu", what[key], bad[key], s.axes[bad_axis].col[bad_item]);
        check_detail_or_window(s.text, detail);
    }
}

static void variant_parse__random_unknown_key__names_its_column(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0xbad;
    for (int round = 0; round < 500; round++) {
        gen_spec s;
        size_t column = 0;
        gen_spec_build(&rng, &s, -1, 0, NULL, rnd(&rng, G_KEYS + 1), &column);
        char detail[256];
        snprintf(detail, sizeof detail, "unknown key 'bogus' at column %zu (keys: threads, prune, quant, group, device, isa, prune-scope, prune-skip, quant-skip, calib, opt, gemm, math)",
                 column);
        check_detail_or_window(s.text, detail);
    }
}

/* ---- good paths --------------------------------------------------------- */

static void variant_parse__plain_runner__gives_the_defaults(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("ref");
    assert_int_equal(l.n, 1);
    check_variant(&l.items[0], "ref", 1, "none", "none", 32, 0, "ref");
    eb_variant_list_free(&l);
    char name[40] = {0};
    memset(name, 'r', 31);
    l = parse_ok(name);
    check_variant(&l.items[0], name, 1, "none", "none", 32, 0, name);
    eb_variant_list_free(&l);
}

static void variant_parse__sweep__expands_first_key_slowest(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("cpu:threads={1,2},quant={none,int8}");
    assert_int_equal(l.n, 4);
    check_variant(&l.items[0], "cpu", 1, "none", "none", 32, 0, "cpu");
    check_variant(&l.items[1], "cpu", 1, "none", "int8", 32, 0, "cpu:quant=int8");
    check_variant(&l.items[2], "cpu", 2, "none", "none", 32, 0, "cpu:threads=2");
    check_variant(&l.items[3], "cpu", 2, "none", "int8", 32, 0, "cpu:threads=2,quant=int8");
    eb_variant_list_free(&l);

    /* the order written decides, not the canonical order */
    l = parse_ok("cpu:quant={none,int8},threads={1,2,4},device=1");
    assert_int_equal(l.n, 6);
    check_variant(&l.items[0], "cpu", 1, "none", "none", 32, 1, "cpu:device=1");
    check_variant(&l.items[1], "cpu", 2, "none", "none", 32, 1, "cpu:threads=2,device=1");
    check_variant(&l.items[2], "cpu", 4, "none", "none", 32, 1, "cpu:threads=4,device=1");
    check_variant(&l.items[3], "cpu", 1, "none", "int8", 32, 1, "cpu:quant=int8,device=1");
    check_variant(&l.items[4], "cpu", 2, "none", "int8", 32, 1, "cpu:threads=2,quant=int8,device=1");
    check_variant(&l.items[5], "cpu", 4, "none", "int8", 32, 1, "cpu:threads=4,quant=int8,device=1");
    eb_variant_list_free(&l);

    /* a sweep of one value is a single value */
    l = parse_ok("cpu:threads={8}");
    assert_int_equal(l.n, 1);
    check_variant(&l.items[0], "cpu", 8, "none", "none", 32, 0, "cpu:threads=8");
    eb_variant_list_free(&l);
}

static void variant_parse__semicolons__split_variants(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("ref;cpu:threads=2;cpu:threads={4,8},quant=int4,group=64");
    assert_int_equal(l.n, 4);
    check_variant(&l.items[0], "ref", 1, "none", "none", 32, 0, "ref");
    check_variant(&l.items[1], "cpu", 2, "none", "none", 32, 0, "cpu:threads=2");
    check_variant(&l.items[2], "cpu", 4, "none", "int4", 64, 0, "cpu:threads=4,quant=int4,group=64");
    check_variant(&l.items[3], "cpu", 8, "none", "int4", 64, 0, "cpu:threads=8,quant=int4,group=64");
    eb_variant_list_free(&l);
}

static void variant_parse__prune_values_with_colons__parse(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("cpu:prune=2:4");
    check_variant(&l.items[0], "cpu", 1, "2:4", "none", 32, 0, "cpu:prune=2:4");
    eb_variant_list_free(&l);
    l = parse_ok("cpu:prune=channel:0.3");
    check_variant(&l.items[0], "cpu", 1, "channel:0.3", "none", 32, 0, "cpu:prune=channel:0.3");
    eb_variant_list_free(&l);
    l = parse_ok("cpu:prune={2:4,channel:0.3,0.5,none},threads=2");
    assert_int_equal(l.n, 4);
    check_variant(&l.items[0], "cpu", 2, "2:4", "none", 32, 0, "cpu:threads=2,prune=2:4");
    check_variant(&l.items[1], "cpu", 2, "channel:0.3", "none", 32, 0, "cpu:threads=2,prune=channel:0.3");
    check_variant(&l.items[2], "cpu", 2, "0.5", "none", 32, 0, "cpu:threads=2,prune=0.5");
    check_variant(&l.items[3], "cpu", 2, "none", "none", 32, 0, "cpu:threads=2");
    eb_variant_list_free(&l);
    l = parse_ok("cpu:prune=02:064");
    check_variant(&l.items[0], "cpu", 1, "2:64", "none", 32, 0, "cpu:prune=2:64");
    eb_variant_list_free(&l);
}

static void variant_parse__prune_fraction__is_normalized(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"0.50", "0.5"},       {".5", "0.5"},         {"5e-1", "0.5"},
        {"0.30", "0.3"},       {"0.125000", "0.125"}, {"0.00001", "1e-05"},
        {"1e-05", "1e-05"},    {"0.0001", "0.0001"},  {"0.999", "0.999"},
        {"channel:0.250", "channel:0.25"},            {"channel:.75", "channel:0.75"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char spec[64], canon[64];
        snprintf(spec, sizeof spec, "cpu:prune=%s", cases[i][0]);
        snprintf(canon, sizeof canon, "cpu:prune=%s", cases[i][1]);
        eb_variant_list l = parse_ok(spec);
        check_variant(&l.items[0], "cpu", 1, cases[i][1], "none", 32, 0, canon);
        eb_variant_list_free(&l);
    }
}

static void variant_parse__a_second_argument__appends(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("ref");
    eb_err err = {{0}};
    for (int i = 2; i <= 40; i++) {
        char spec[32];
        snprintf(spec, sizeof spec, "cpu:threads=%d", i);
        assert_int_equal(eb_variant_parse(spec, &l, &err), EB_OK);
        assert_int_equal(l.n, i);
        assert_true(l.cap >= l.n);
    }
    check_variant(&l.items[0], "ref", 1, "none", "none", 32, 0, "ref");
    for (int i = 2; i <= 40; i++)
        assert_int_equal(l.items[i - 1].threads, i);
    eb_variant_list_free(&l);
    assert_null(l.items);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.cap, 0);
    eb_variant_list_free(&l); /* a freed list may be freed again */
}

static void variant_parse__a_variant_listed_already__is_not_added_again(void **state)
{
    (void)state;
    /* -v ref -v 'ref:threads={1,2}' runs ref once */
    eb_variant_list l = parse_ok("ref");
    eb_err err = {{0}};
    assert_int_equal(eb_variant_parse("ref:threads={1,2}", &l, &err), EB_OK);
    assert_int_equal(l.n, 2);
    check_variant(&l.items[0], "ref", 1, "none", "none", 32, 0, "ref");
    check_variant(&l.items[1], "ref", 2, "none", "none", 32, 0, "ref:threads=2");
    eb_variant_list_free(&l);

    l = parse_ok("ref;ref");
    assert_int_equal(l.n, 1);
    eb_variant_list_free(&l);

    /* the first place wins; equal after normalization is equal */
    l = parse_ok("cpu:threads=2;cpu:threads={1,2,4};cpu:prune=0.5,threads=01;cpu:prune=.50");
    assert_int_equal(l.n, 4);
    check_variant(&l.items[0], "cpu", 2, "none", "none", 32, 0, "cpu:threads=2");
    check_variant(&l.items[1], "cpu", 1, "none", "none", 32, 0, "cpu");
    check_variant(&l.items[2], "cpu", 4, "none", "none", 32, 0, "cpu:threads=4");
    check_variant(&l.items[3], "cpu", 1, "0.5", "none", 32, 0, "cpu:prune=0.5");
    eb_variant_list_free(&l);
}

static void variant_canonical__lists_non_default_keys_in_fixed_order(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("cpu:device=1,group=32,quant=int4,prune=none,threads=4");
    check_variant(&l.items[0], "cpu", 4, "none", "int4", 32, 1, "cpu:threads=4,quant=int4,device=1");
    eb_variant_list_free(&l);
    l = parse_ok("cpu:threads=1,prune=none,quant=none,device=0");
    check_variant(&l.items[0], "cpu", 1, "none", "none", 32, 0, "cpu");
    eb_variant_list_free(&l);

    eb_variant v;
    memset(&v, 0, sizeof v);
    strcpy(v.runner, "gpu");
    v.threads = 1;
    strcpy(v.prune, "2:4");
    strcpy(v.quant, "none");
    v.group = 64;
    v.device = 2;
    v.opt = 2; /* the default level: 0 is opt=0, a setting of its own */
    char buf[256];
    eb_variant_canonical(&v, buf, sizeof buf);
    assert_string_equal(buf, "gpu:prune=2:4,group=64,device=2");
}

/* isa= names the kernels' instruction set: checked here by spelling only
 * (the runner refuses one the machine lacks), written last in the
 * canonical text and only when it is not the default "auto". */
static void variant_isa__parses_sweeps_and_is_canonical(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("cpu:isa=generic");
    assert_int_equal(l.n, 1);
    assert_string_equal(l.items[0].isa, "generic");
    assert_string_equal(l.items[0].spec, "cpu:isa=generic");
    eb_variant_list_free(&l);

    l = parse_ok("cpu:isa=auto,threads=2");
    assert_string_equal(l.items[0].isa, "auto");
    assert_string_equal(l.items[0].spec, "cpu:threads=2");
    eb_variant_list_free(&l);

    l = parse_ok("cpu:isa={avx512,avx2,neon,generic},device=1");
    assert_int_equal(l.n, 4);
    assert_string_equal(l.items[0].spec, "cpu:device=1,isa=avx512");
    assert_string_equal(l.items[3].spec, "cpu:device=1,isa=generic");
    eb_variant_list_free(&l);

    l = parse_ok("cpu");
    assert_string_equal(l.items[0].isa, "auto");
    eb_variant_list_free(&l);

    /* a listed variant is not added twice: isa=auto is plain cpu */
    l = parse_ok("cpu;cpu:isa=auto;cpu:isa=generic;cpu:isa=generic,threads=1");
    assert_int_equal(l.n, 2);
    eb_variant_list_free(&l);

    check_detail("cpu:isa=sse9", "isa must be auto, avx512, avx2, neon, generic, avx512vnni, avxvnni or neondot, got 'sse9' at column 9");
    check_detail("cpu:isa=AVX2", "isa must be auto, avx512, avx2, neon, generic, avx512vnni, avxvnni or neondot, got 'AVX2' at column 9");
    check_detail("cpu:isa={avx2,avx2}", "'avx2' at column 15 repeats an earlier value of the isa sweep");
}

/* gemm= and math= are the cuda runner's: checked by spelling, written in
 * the canonical text only when not the defaults own and fp32. */
static void variant_gemm_math__parse_sweep_and_are_canonical(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("cuda");
    assert_string_equal(l.items[0].gemm, "own");
    assert_string_equal(l.items[0].math, "fp32");
    eb_variant_list_free(&l);

    l = parse_ok("cuda:gemm={own,cublas},math={fp32,tf32,fp16,bf16}");
    assert_int_equal(l.n, 8);
    assert_string_equal(l.items[0].spec, "cuda");
    assert_string_equal(l.items[1].spec, "cuda:math=tf32");
    assert_string_equal(l.items[7].spec, "cuda:gemm=cublas,math=bf16");
    assert_string_equal(l.items[7].gemm, "cublas");
    assert_string_equal(l.items[7].math, "bf16");
    eb_variant_list_free(&l);

    l = parse_ok("cuda:math=fp16,quant=fp16,opt=1");
    assert_string_equal(l.items[0].spec, "cuda:quant=fp16,opt=1,math=fp16");
    eb_variant_list_free(&l);

    /* a listed variant is not added twice: gemm=own,math=fp32 is plain cuda */
    l = parse_ok("cuda;cuda:gemm=own,math=fp32");
    assert_int_equal(l.n, 1);
    eb_variant_list_free(&l);

    check_detail("cuda:gemm=cuBLAS", "gemm must be own or cublas, got 'cuBLAS' at column 11");
    check_detail("cuda:math=int8", "math must be fp32, tf32, fp16 or bf16, got 'int8' at column 11");
}

static void variant_canonical__small_buffer__truncates_and_terminates(void **state)
{
    (void)state;
    eb_variant_list l = parse_ok("cpu:threads=2,quant=int8");
    char buf[16];
    memset(buf, '#', sizeof buf);
    eb_variant_canonical(&l.items[0], buf, 8);
    assert_string_equal(buf, "cpu:thr");
    assert_int_equal(buf[8], '#');
    memset(buf, '#', sizeof buf);
    eb_variant_canonical(&l.items[0], buf, 1);
    assert_int_equal(buf[0], '\0');
    assert_int_equal(buf[1], '#');
    eb_variant_canonical(&l.items[0], buf, 0); /* writes nothing */
    assert_int_equal(buf[1], '#');
    eb_variant_list_free(&l);
}

static void variant_canonical__round_trips_random_specs(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed();
    for (int round = 0; round < 2000; round++) {
        /* one to three random variants in one argument */
        gen_spec specs[3];
        int n_specs = 1 + rnd(&rng, 3);
        char text[3 * sizeof specs[0].text + 4] = "";
        for (int i = 0; i < n_specs; i++) {
            gen_spec_build(&rng, &specs[i], -1, 0, NULL, -1, NULL);
            if (i && rnd(&rng, 2)) {
                /* a sub-sweep of the part before: all of it listed already */
                specs[i] = specs[i - 1];
                for (int a = 0; a < specs[i].n_axes; a++)
                    if (specs[i].axes[a].n > 1)
                        specs[i].axes[a].n--;
                gen_spec_text(&specs[i], -1, NULL);
            }
            if (i)
                strcat(text, ";");
            strcat(text, specs[i].text);
        }
        eb_variant_list l = parse_ok(text);
        /* what to expect: every expansion in order, each spec once */
        static eb_variant want_all[3 * 243];
        int n_want = 0;
        for (int i = 0; i < n_specs; i++)
            for (int j = 0; j < gen_count(&specs[i]); j++) {
                eb_variant w = gen_expected(&specs[i], j);
                bool seen = false;
                for (int k = 0; k < n_want && !seen; k++)
                    seen = strcmp(want_all[k].spec, w.spec) == 0;
                if (!seen)
                    want_all[n_want++] = w;
            }
        assert_int_equal(l.n, n_want);
        for (int i = 0; i < n_want; i++) {
            const eb_variant *got = &l.items[i];
            check_same(got, &want_all[i]);
            /* canonical text parses back to this very variant */
            char canon[256];
            eb_variant_canonical(got, canon, sizeof canon);
            assert_string_equal(canon, got->spec);
            eb_variant_list again = parse_ok(canon);
            assert_int_equal(again.n, 1);
            check_same(&again.items[0], got);
            eb_variant_list_free(&again);
        }
        eb_variant_list_free(&l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(variant_parse__unclosed_brace__fails_naming_its_column),
        cmocka_unit_test(variant_parse__empty_braces__fails),
        cmocka_unit_test(variant_parse__empty_sweep_item__fails),
        cmocka_unit_test(variant_parse__misplaced_braces__fail),
        cmocka_unit_test(variant_parse__unknown_key__fails_listing_known_keys),
        cmocka_unit_test(variant_parse__bad_threads__fails),
        cmocka_unit_test(variant_parse__bad_prune__fails),
        cmocka_unit_test(variant_parse__bad_quant__fails),
        cmocka_unit_test(variant_parse__bad_group__fails),
        cmocka_unit_test(variant_parse__group_without_int4__fails),
        cmocka_unit_test(variant_parse__group_in_a_sweep_over_quant__stays_with_int4),
        cmocka_unit_test(variant_parse__bad_device__fails),
        cmocka_unit_test(variant_parse__duplicate_key__fails),
        cmocka_unit_test(variant_parse__duplicate_sweep_value__fails),
        cmocka_unit_test(variant_parse__empty_runner__fails),
        cmocka_unit_test(variant_parse__bad_runner_name__fails),
        cmocka_unit_test(variant_parse__malformed_setting__fails),
        cmocka_unit_test(variant_parse__whitespace__fails),
        cmocka_unit_test(variant_parse__empty_variant_between_semicolons__fails),
        cmocka_unit_test(variant_parse__too_many_variants__fails_naming_the_count),
        cmocka_unit_test(variant_parse__oversized_sweep__is_refused_before_its_values),
        cmocka_unit_test(variant_parse__astronomical_sweep__does_not_overflow_the_count),
        cmocka_unit_test(variant_parse__too_many_in_all__fails_and_keeps_the_list),
        cmocka_unit_test(variant_parse__failure__leaves_the_list_unchanged),
        cmocka_unit_test(variant_parse__long_spec__error_is_one_line_around_the_column),
        cmocka_unit_test(variant_parse__random_bad_value__names_its_column),
        cmocka_unit_test(variant_parse__random_unknown_key__names_its_column),
        cmocka_unit_test(variant_parse__plain_runner__gives_the_defaults),
        cmocka_unit_test(variant_parse__sweep__expands_first_key_slowest),
        cmocka_unit_test(variant_parse__semicolons__split_variants),
        cmocka_unit_test(variant_parse__prune_values_with_colons__parse),
        cmocka_unit_test(variant_parse__prune_fraction__is_normalized),
        cmocka_unit_test(variant_parse__a_second_argument__appends),
        cmocka_unit_test(variant_parse__a_variant_listed_already__is_not_added_again),
        cmocka_unit_test(variant_canonical__lists_non_default_keys_in_fixed_order),
        cmocka_unit_test(variant_isa__parses_sweeps_and_is_canonical),
        cmocka_unit_test(variant_gemm_math__parse_sweep_and_are_canonical),
        cmocka_unit_test(variant_canonical__small_buffer__truncates_and_terminates),
        cmocka_unit_test(variant_canonical__round_trips_random_specs),
    };
    return cmocka_run_group_tests_name("variant", tests, NULL, NULL);
}
