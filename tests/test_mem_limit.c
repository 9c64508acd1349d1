/* test_mem_limit.c - --mem-limit (bench/mem_limit.h): sizes parse as the
 * help says, the default is a share of the usable memory, and in a
 * process under the limit an allocation over it fails (NULL, EB_ENOMEM)
 * where it is asked for while small ones go on; the reason says "out of
 * memory" and names the limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/mem_limit.h"
#include "models/tensor.h"

static void parse__sizes_with_suffixes__bytes_in_powers_of_1024(void **state)
{
    (void)state;
    uint64_t b;
    char desc[256];
    eb_err err = {{0}};
    assert_int_equal(eb_mem_limit_parse("512M", &b, desc, sizeof desc, &err), EB_OK);
    assert_true(b == UINT64_C(512) << 20);
    assert_string_equal(desc, "512 MiB: --mem-limit 512M");
    assert_int_equal(eb_mem_limit_parse("4G", &b, desc, sizeof desc, &err), EB_OK);
    assert_true(b == UINT64_C(4) << 30);
    assert_int_equal(eb_mem_limit_parse("1.5GiB", &b, desc, sizeof desc, &err), EB_OK);
    assert_true(b == UINT64_C(3) << 29);
    assert_int_equal(eb_mem_limit_parse("2097152", &b, desc, sizeof desc, &err), EB_OK);
    assert_true(b == UINT64_C(2) << 20);
    assert_int_equal(eb_mem_limit_parse("none", &b, desc, sizeof desc, &err), EB_OK);
    assert_true(b == 0);
}

static void parse__bad_sizes__refused_naming_the_option(void **state)
{
    (void)state;
    const char *bad[] = {"", "abc", "12Q", "-5M", "0", "150%", "1K", "5MM", "nan"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t b;
        char desc[256];
        eb_err err = {{0}};
        assert_int_equal(eb_mem_limit_parse(bad[i], &b, desc, sizeof desc, &err), EB_EINVAL);
        assert_non_null(strstr(err.msg, "--mem-limit"));
    }
}

static void default__a_stated_share_of_the_usable_memory(void **state)
{
    (void)state;
    uint64_t usable = eb_mem_usable();
    if (!usable)
        skip(); /* sysconf cannot tell this machine's memory */
    char desc[256];
    uint64_t b = eb_mem_limit_default(desc, sizeof desc);
    assert_true(b == usable / 100 * EB_MEM_LIMIT_DEFAULT_PERCENT);
    assert_non_null(strstr(desc, "the default, 75% of the"));
    uint64_t half;
    eb_err err = {{0}};
    assert_int_equal(eb_mem_limit_parse("50%", &half, desc, sizeof desc, &err), EB_OK);
    assert_true(half == usable / 2 || half + 1 == usable / 2 || half == usable / 2 + 1);
}

static void apply__allocation_over_the_limit__fails_where_asked(void **state)
{
    (void)state;
    char why[160];
    if (!eb_mem_limit_enforceable(why, sizeof why)) {
        printf("skipped: %s\n", why);
        skip();
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        eb_mem_limit_apply(UINT64_C(256) << 20);
        /* volatile: clang may otherwise drop a malloc whose memory is never
         * used and take it as succeeded */
        void *volatile big = malloc(UINT64_C(512) << 20); /* over the limit: NULL, not a kill */
        void *volatile small = malloc(1 << 20);
        eb_tensor t = {.dtype = EB_DT_F32, .rank = 2, .shape = {16384, 16384}}; /* 1 GiB */
        eb_err err = {{0}};
        eb_status st = eb_tensor_alloc(&t, "y", &err);
        char reason[512];
        eb_mem_limit_reason(reason, sizeof reason, err.msg);
        int bad = (big != NULL) | (small == NULL) << 1 | (st != EB_ENOMEM) << 2 |
                  (strncmp(reason, "out of memory (under --mem-limit 256 MiB): y: ", 46) != 0) << 3;
        if (bad & 8)
            fprintf(stderr, "reason: %s\n", reason);
        _exit(bad);
    }
    int wst;
    assert_true(waitpid(pid, &wst, 0) == pid);
    assert_true(WIFEXITED(wst));
    assert_int_equal(WEXITSTATUS(wst), 0);
}

static void reason__message_saying_out_of_memory__said_once(void **state)
{
    (void)state;
    char reason[256];
    eb_mem_limit_reason(reason, sizeof reason, "out of memory");
    assert_string_equal(reason, "out of memory: an allocation failed");
    eb_mem_limit_reason(reason, sizeof reason, "w: cannot allocate 8 bytes");
    assert_string_equal(reason, "out of memory: w: cannot allocate 8 bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse__sizes_with_suffixes__bytes_in_powers_of_1024),
        cmocka_unit_test(parse__bad_sizes__refused_naming_the_option),
        cmocka_unit_test(default__a_stated_share_of_the_usable_memory),
        cmocka_unit_test(apply__allocation_over_the_limit__fails_where_asked),
        cmocka_unit_test(reason__message_saying_out_of_memory__said_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
