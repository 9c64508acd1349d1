/* test_file_replace.c - output files that resist planted links
 * (models/file_replace.h): a link at the target is replaced and its victim
 * untouched; the temporary file is fresh (never a name that exists); a
 * published file takes appends; an aborted one leaves nothing; a device is
 * opened in place while a regular file is refused there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/file_replace.h"

typedef struct dir_state {
    char dir[64];
} dir_state;

static int make_dir(void **state)
{
    dir_state *d = calloc(1, sizeof *d);
    snprintf(d->dir, sizeof d->dir, "/tmp/eb-test-file-replace-XXXXXX");
    if (!mkdtemp(d->dir))
        return -1;
    *state = d;
    return 0;
}

static int remove_dir(void **state)
{
    dir_state *d = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->dir);
    int rc = system(cmd);
    free(d);
    return rc == 0 ? 0 : -1;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* entries in dir besides . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void link_at_target__replaced_victim_untouched(void **state)
{
    dir_state *d = *state;
    char victim[128], path[128], buf[64];
    snprintf(victim, sizeof victim, "%s/victim", d->dir);
    snprintf(path, sizeof path, "%s/out.json", d->dir);
    write_text(victim, "victim");
    assert_int_equal(symlink(victim, path), 0);
    eb_err err = {{0}};
    assert_int_equal(eb_file_replace_write(path, "new", 3, &err), EB_OK);
    assert_string_equal(read_text(victim, buf, sizeof buf), "victim");
    struct stat sb;
    assert_int_equal(lstat(path, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    assert_string_equal(read_text(path, buf, sizeof buf), "new");
    assert_int_equal(count_entries(d->dir), 2); /* no temporary file left */
}

static void temporary_file__fresh_beside_the_target(void **state)
{
    dir_state *d = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/out.csv", d->dir);
    eb_file_replace a, b;
    eb_err err = {{0}};
    assert_int_equal(eb_file_replace_open(&a, path, &err), EB_OK);
    assert_int_equal(eb_file_replace_open(&b, path, &err), EB_OK);
    assert_string_not_equal(a.tmp, b.tmp);
    assert_memory_equal(a.tmp, path, strlen(path)); /* in the target's folder */
    struct stat sb;
    assert_int_equal(lstat(a.tmp, &sb), 0);
    assert_true(S_ISREG(sb.st_mode) && sb.st_nlink == 1);
    eb_file_replace_abort(&a);
    eb_file_replace_abort(&b);
    assert_int_equal(count_entries(d->dir), 0);
}

static void published__appends_visible_after_flush(void **state)
{
    dir_state *d = *state;
    char path[128], buf[64];
    snprintf(path, sizeof path, "%s/out.jsonl", d->dir);
    write_text(path, "old\n");
    eb_file_replace w;
    eb_err err = {{0}};
    assert_int_equal(eb_file_replace_open(&w, path, &err), EB_OK);
    fputs("kept\n", w.f);
    assert_string_equal(read_text(path, buf, sizeof buf), "old\n"); /* not yet */
    assert_int_equal(eb_file_replace_publish(&w, &err), EB_OK);
    assert_string_equal(read_text(path, buf, sizeof buf), "kept\n");
    fputs("more\n", w.f);
    fflush(w.f);
    assert_string_equal(read_text(path, buf, sizeof buf), "kept\nmore\n");
    assert_int_equal(eb_file_replace_commit(&w, &err), EB_OK);
    assert_int_equal(count_entries(d->dir), 1);
}

static void missing_folder__bad_input_naming_the_path(void **state)
{
    dir_state *d = *state;
    char path[128];
    snprintf(path, sizeof path, "%s/no/such/out.json", d->dir);
    eb_file_replace w;
    eb_err err = {{0}};
    assert_int_equal(eb_file_replace_open(&w, path, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, path));
}

static void stream__device_opened_regular_file_refused(void **state)
{
    dir_state *d = *state;
    char path[128], buf[64];
    snprintf(path, sizeof path, "%s/regular", d->dir);
    write_text(path, "keep");
    assert_true(eb_file_is_stream("/dev/null"));
    assert_false(eb_file_is_stream(path));
    FILE *f = eb_file_open_stream("/dev/null");
    assert_non_null(f);
    fclose(f);
    assert_null(eb_file_open_stream(path)); /* a link swapped in: never truncated */
    assert_string_equal(read_text(path, buf, sizeof buf), "keep");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(link_at_target__replaced_victim_untouched, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(temporary_file__fresh_beside_the_target, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(published__appends_visible_after_flush, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(missing_folder__bad_input_naming_the_path, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(stream__device_opened_regular_file_refused, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
