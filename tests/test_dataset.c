/* test_dataset.c - IDX dataset loading (plain and gzip) and preprocessing.
 *
 * Small IDX files are written here, byte by byte, into a temp folder, so
 * each test states exactly what is wrong with its file: a bad magic, a cut
 * or bit-flipped gzip stream, a short plain file, dims out of range or too
 * large for memory, a label file that disagrees with its image file.  The
 * good-path tests check a random dataset round-trips, that preprocessing
 * gives values computed here by hand or in long double, and, when the
 * Debian package dataset-fashion-mnist is installed, that the real
 * Fashion-MNIST files load with their published composition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "models/dataset.h"
#include "tests/test_util.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"
#define FMNIST_PACKAGE "dataset-fashion-mnist"
#define MAGIC_IMAGES 0x00000803u
#define MAGIC_LABELS 0x00000801u

/* ---- files in the group's temp folder ------------------------------------ */

static char g_dir[256];

static int group_setup(void **state)
{
    const char *d = eb_test_tmpdir();
    if (!d)
        return -1;
    snprintf(g_dir, sizeof g_dir, "%s", d);
    return 0;
}

static int group_teardown(void **state)
{
    DIR *dir = opendir(g_dir);
    if (dir) {
        struct dirent *e;
        char p[600];
        while ((e = readdir(dir)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", g_dir, e->d_name);
                if (remove(p) != 0)
                    fprintf(stderr, "test_dataset: cannot remove %s\n", p);
            }
        closedir(dir);
    }
    rmdir(g_dir);
    return 0;
}

typedef struct path {
    char s[512];
} path;

static path tmp(const char *name)
{
    path p;
    snprintf(p.s, sizeof p.s, "%s/%s", g_dir, name);
    return p;
}

static void put_be32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* Writes magic, ndims big-endian dims and `len` data bytes to `file`,
 * through zlib's gzwrite when `gz`, else as a plain file. */
static void write_idx(const char *file, int gz, uint32_t magic, const uint32_t *dims, int ndims, const void *data,
                      size_t len)
{
    size_t hlen = 4 + 4 * (size_t)ndims;
    uint8_t *buf = malloc(hlen + len + 1);
    assert_non_null(buf);
    put_be32(buf, magic);
    for (int i = 0; i < ndims; i++)
        put_be32(buf + 4 + 4 * i, dims[i]);
    if (len)
        memcpy(buf + hlen, data, len);
    if (gz) {
        gzFile g = gzopen(file, "wb");
        assert_non_null(g);
        assert_int_equal(gzwrite(g, buf, (unsigned)(hlen + len)), (int)(hlen + len));
        assert_int_equal(gzclose(g), Z_OK);
    } else {
        assert_true(eb_test_write_file(file, buf, hlen + len));
    }
    free(buf);
}

static long file_size(const char *file)
{
    struct stat st;
    assert_int_equal(stat(file, &st), 0);
    return (long)st.st_size;
}

static void cut_file(const char *file, long len)
{
    assert_int_equal(truncate(file, len), 0);
}

static void copy_file(const char *from, const char *to)
{
    FILE *f = fopen(from, "rb");
    assert_non_null(f);
    uint8_t buf[1 << 14];
    size_t n = fread(buf, 1, sizeof buf, f);
    assert_true(feof(f)); /* the test files are small */
    fclose(f);
    assert_true(eb_test_write_file(to, buf, n));
}

static void xor_byte(const char *file, long at, uint8_t mask)
{
    FILE *f = fopen(file, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, at, SEEK_SET), 0);
    int c = fgetc(f);
    assert_true(c != EOF);
    assert_int_equal(fseek(f, at, SEEK_SET), 0);
    assert_int_equal(fputc(c ^ mask, f), c ^ mask);
    assert_int_equal(fclose(f), 0);
}

/* A random dataset kept in memory and written to `<stem>-images` and
 * `<stem>-labels` (".gz" added to whichever is compressed). */
typedef struct fixture {
    uint32_t count, rows, cols;
    uint8_t *pixels, *labels;
    path images_file, labels_file;
} fixture;

static fixture make_fixture(const char *stem, uint32_t count, uint32_t rows, uint32_t cols, int gz_images,
                            int gz_labels)
{
    static uint64_t rng;
    if (!rng)
        rng = eb_test_seed();
    fixture fx = {count, rows, cols, malloc((size_t)count * rows * cols), malloc(count), {{0}}, {{0}}};
    assert_non_null(fx.pixels);
    assert_non_null(fx.labels);
    for (size_t i = 0; i < (size_t)count * rows * cols; i++)
        fx.pixels[i] = (uint8_t)(eb_test_rand(&rng) >> 56);
    for (size_t i = 0; i < count; i++)
        fx.labels[i] = (uint8_t)(eb_test_rand(&rng) >> 56); /* any u8: labels are not range-checked */
    char name[128];
    snprintf(name, sizeof name, "%s-images%s", stem, gz_images ? ".gz" : "");
    fx.images_file = tmp(name);
    snprintf(name, sizeof name, "%s-labels%s", stem, gz_labels ? ".gz" : "");
    fx.labels_file = tmp(name);
    uint32_t idims[3] = {count, rows, cols};
    write_idx(fx.images_file.s, gz_images, MAGIC_IMAGES, idims, 3, fx.pixels, (size_t)count * rows * cols);
    write_idx(fx.labels_file.s, gz_labels, MAGIC_LABELS, &count, 1, fx.labels, count);
    return fx;
}

static void free_fixture(fixture *fx)
{
    free(fx->pixels);
    free(fx->labels);
}

/* Loads and expects failure with `code` and a message containing each of
 * the NULL-terminated strings that follow. */
static void expect_load_failure(const char *images, const char *labels, const char *hint, eb_status code, ...)
{
    eb_dataset ds;
    eb_err err = {{0}};
    eb_status st = eb_dataset_load_idx(images, labels, hint, &ds, &err);
    if (st != code)
        fail_msg("expected %s, got %s: %s", eb_status_name(code), eb_status_name(st), err.msg);
    assert_null(ds.images);
    assert_null(ds.labels);
    assert_int_equal(ds.count, 0);
    va_list ap;
    va_start(ap, code);
    for (const char *want; (want = va_arg(ap, const char *));)
        if (!strstr(err.msg, want))
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, want);
    va_end(ap);
}

/* ---- load: failures ------------------------------------------------------ */

static void load__missing_images_file__names_path_and_package_hint(void **state)
{
    fixture fx = make_fixture("miss", 3, 2, 2, 1, 1);
    path nowhere = tmp("no-such-images.gz");
    expect_load_failure(nowhere.s, fx.labels_file.s, FMNIST_PACKAGE, EB_EIO, nowhere.s, "No such file or directory",
                        "install the Debian package " FMNIST_PACKAGE, NULL);
    free_fixture(&fx);
}

static void load__missing_labels_file__names_the_labels_path(void **state)
{
    fixture fx = make_fixture("missl", 3, 2, 2, 1, 1);
    path nowhere = tmp("no-such-labels.gz");
    expect_load_failure(fx.images_file.s, nowhere.s, FMNIST_PACKAGE, EB_EIO, nowhere.s, "No such file or directory",
                        FMNIST_PACKAGE, NULL);
    free_fixture(&fx);
}

static void load__missing_file_without_hint__gives_no_install_advice(void **state)
{
    path nowhere = tmp("absent");
    eb_dataset ds;
    eb_err err = {{0}};
    assert_int_equal(eb_dataset_load_idx(nowhere.s, nowhere.s, NULL, &ds, &err), EB_EIO);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_null(strstr(err.msg, "install"));
}

static void load__directory__is_not_a_regular_file(void **state)
{
    fixture fx = make_fixture("dir", 3, 2, 2, 0, 0);
    expect_load_failure(g_dir, fx.labels_file.s, NULL, EB_EIO, g_dir, "not a regular file", NULL);
    free_fixture(&fx);
}

static void load__wrong_images_magic__fails_naming_the_magic(void **state)
{
    fixture fx = make_fixture("magic", 4, 3, 3, 1, 0);
    uint32_t dims[3] = {4, 3, 3};
    for (int gz = 0; gz <= 1; gz++) {
        path f = tmp(gz ? "magic-f32-images.gz" : "magic-f32-images");
        write_idx(f.s, gz, 0x00000d03u, dims, 3, fx.pixels, 36); /* f32 type code */
        expect_load_failure(f.s, fx.labels_file.s, NULL, EB_EFORMAT, f.s, "not an IDX images file",
                            "magic 0x00000d03", NULL);
    }
    /* the labels file given as the images file */
    expect_load_failure(fx.labels_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.labels_file.s,
                        "not an IDX images file", "magic 0x00000801", NULL);
    /* a text file */
    path txt = tmp("magic-text");
    assert_true(eb_test_write_file(txt.s, "hello, world\n", 13));
    expect_load_failure(txt.s, fx.labels_file.s, NULL, EB_EFORMAT, "not an IDX images file", "magic 0x68656c6c",
                        NULL);
    free_fixture(&fx);
}

static void load__wrong_labels_magic__fails_naming_the_magic(void **state)
{
    fixture fx = make_fixture("lmagic", 4, 3, 3, 0, 1);
    expect_load_failure(fx.images_file.s, fx.images_file.s, NULL, EB_EFORMAT, fx.images_file.s,
                        "not an IDX labels file", "magic 0x00000803", NULL);
    free_fixture(&fx);
}

static void load__gzip_cut_in_half__fails_as_truncated(void **state)
{
    fixture fx = make_fixture("gzcut", 20, 9, 9, 1, 1);
    long size = file_size(fx.images_file.s);
    cut_file(fx.images_file.s, size / 2);
    expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.images_file.s, "truncated", NULL);
    free_fixture(&fx);
}

static void load__every_cut_of_a_gzip_file__fails_as_truncated(void **state)
{
    fixture fx = make_fixture("gzcuts", 6, 5, 7, 1, 1);
    path whole = tmp("gzcuts-whole.gz");
    copy_file(fx.labels_file.s, whole.s);
    long size = file_size(whole.s);
    for (long len = 0; len < size; len++) {
        copy_file(whole.s, fx.labels_file.s);
        cut_file(fx.labels_file.s, len);
        expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.labels_file.s, "truncated",
                            NULL);
    }
    free_fixture(&fx);
}

static void load__every_cut_of_a_plain_file__fails_as_truncated(void **state)
{
    fixture fx = make_fixture("plaincuts", 6, 5, 7, 0, 0);
    path whole = tmp("plaincuts-whole");
    copy_file(fx.images_file.s, whole.s);
    long size = file_size(whole.s);
    assert_int_equal(size, 16 + 6 * 5 * 7);
    for (long len = 0; len < size; len++) {
        copy_file(whole.s, fx.images_file.s);
        cut_file(fx.images_file.s, len);
        expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.images_file.s, "truncated",
                            len < 16 ? "header" : "image data", NULL);
    }
    free_fixture(&fx);
}

static void load__large_gzip_cut_in_its_last_bytes__fails_as_truncated(void **state)
{
    /* 1 MB: zlib's gzread hands a read this large straight to inflate,
     * and once the data is out it reports a clean end of file whether or
     * not the trailer (or the end of the last block) is there */
    fixture fx = make_fixture("gztail", 1000, 32, 32, 1, 1);
    path whole = tmp("gztail-whole.gz");
    long size = file_size(fx.images_file.s);
    assert_int_equal(rename(fx.images_file.s, whole.s), 0);
    FILE *in = fopen(whole.s, "rb");
    assert_non_null(in);
    uint8_t *bytes = malloc((size_t)size);
    assert_non_null(bytes);
    assert_int_equal(fread(bytes, 1, (size_t)size, in), (size_t)size);
    fclose(in);
    for (long cut = 1; cut <= 12; cut++) {
        assert_true(eb_test_write_file(fx.images_file.s, bytes, (size_t)(size - cut)));
        expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.images_file.s,
                            "truncated gzip stream", NULL);
    }
    free(bytes);
    free_fixture(&fx);
}

static void load__non_gzip_bytes_after_the_gzip_stream__are_rejected(void **state)
{
    fixture fx = make_fixture("gzjunk", 4, 3, 3, 1, 1);
    FILE *f = fopen(fx.images_file.s, "ab");
    assert_non_null(f);
    assert_int_equal(fputs("junk\n", f), 1);
    assert_int_equal(fclose(f), 0);
    expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.images_file.s,
                        "not gzip data follow the gzip stream", NULL);
    free_fixture(&fx);
}

static void load__flipped_byte_in_gzip_data__fails_as_corrupt(void **state)
{
    /* random pixels do not compress: deflate stores them, so the middle of
     * the file is pixel bytes and only the CRC-32 in the trailer can tell */
    fixture fx = make_fixture("gzflip", 20, 9, 9, 1, 1);
    long size = file_size(fx.images_file.s);
    xor_byte(fx.images_file.s, size / 2, 0x10);
    expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.images_file.s, "corrupt", NULL);
    free_fixture(&fx);
}

static void load__every_flipped_byte_after_the_gzip_header__fails(void **state)
{
    /* bytes 4..9 of a gzip header (mtime, extra flags, OS) are not checked */
    fixture fx = make_fixture("gzflips", 5, 4, 6, 1, 1);
    path whole = tmp("gzflips-whole.gz");
    copy_file(fx.images_file.s, whole.s);
    long size = file_size(whole.s);
    for (long at = 10; at < size; at++) {
        copy_file(whole.s, fx.images_file.s);
        xor_byte(fx.images_file.s, at, 0xff);
        eb_dataset ds;
        eb_err err = {{0}};
        eb_status st = eb_dataset_load_idx(fx.images_file.s, fx.labels_file.s, NULL, &ds, &err);
        /* corrupt, truncated, or a damaged header read as a wrong magic or dims */
        if (st != EB_EFORMAT || !strstr(err.msg, fx.images_file.s))
            fail_msg("byte %ld of %ld flipped: %s: %s", at, size, eb_status_name(st), err.msg);
        eb_dataset_free(&ds);
    }
    free_fixture(&fx);
}

static void load__bytes_after_the_data__are_rejected(void **state)
{
    fixture fx = make_fixture("trail", 4, 3, 5, 0, 0);
    uint32_t dims[3] = {4, 3, 5};
    uint8_t more[4 * 3 * 5 + 7];
    memcpy(more, fx.pixels, 60);
    memset(more + 60, 0xab, 7);
    for (int gz = 0; gz <= 1; gz++) {
        path f = tmp(gz ? "trail-bad-images.gz" : "trail-bad-images");
        write_idx(f.s, gz, MAGIC_IMAGES, dims, 3, more, sizeof more);
        expect_load_failure(f.s, fx.labels_file.s, NULL, EB_EFORMAT, f.s, "7 bytes after the image data", NULL);
    }
    uint8_t lmore[5] = {1, 2, 3, 4, 5};
    write_idx(fx.labels_file.s, 1, MAGIC_LABELS, &fx.count, 1, lmore, 5);
    expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.labels_file.s,
                        "1 bytes after the label data", NULL);
    free_fixture(&fx);
}

static void load__label_count_mismatch__names_both_counts(void **state)
{
    fixture fx = make_fixture("count", 5, 2, 3, 1, 1);
    uint32_t six = 6;
    uint8_t labels[6] = {0, 1, 2, 3, 4, 5};
    write_idx(fx.labels_file.s, 1, MAGIC_LABELS, &six, 1, labels, 6);
    expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.labels_file.s, "6 labels",
                        "5 images", NULL);
    free_fixture(&fx);
}

static void load__zero_or_oversized_dims__fail(void **state)
{
    fixture fx = make_fixture("dims", 2, 2, 2, 0, 0);
    static const struct {
        uint32_t dims[3];
        const char *says;
    } cases[] = {
        {{0, 28, 28}, "count 0 is out of range"},  {{2, 0, 28}, "0x28 is out of range"},
        {{2, 28, 0}, "28x0 is out of range"},      {{2, 4097, 28}, "4097x28 is out of range"},
        {{2, 28, 4097}, "28x4097 is out of range"}, {{10000001, 1, 1}, "count 10000001 is out of range"},
    };
    path f = tmp("dims-bad-images");
    uint8_t data[8] = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_idx(f.s, 0, MAGIC_IMAGES, cases[i].dims, 3, data, sizeof data);
        expect_load_failure(f.s, fx.labels_file.s, NULL, EB_EFORMAT, f.s, cases[i].says, NULL);
    }
    uint32_t zero = 0;
    write_idx(fx.labels_file.s, 0, MAGIC_LABELS, &zero, 1, NULL, 0);
    expect_load_failure(fx.images_file.s, fx.labels_file.s, NULL, EB_EFORMAT, fx.labels_file.s,
                        "count 0 is out of range", NULL);
    free_fixture(&fx);
}

static void load__huge_dims__fail_without_allocating(void **state)
{
    /* headers only: reaching the data would say "truncated" (and, under
     * ASan, a terabyte malloc would abort the test) */
    fixture fx = make_fixture("huge", 2, 2, 2, 0, 0);
    path f = tmp("huge-images");
    uint32_t over[3] = {0x7fffffffu, 4096, 4096};
    write_idx(f.s, 0, MAGIC_IMAGES, over, 3, NULL, 0);
    expect_load_failure(f.s, fx.labels_file.s, NULL, EB_EFORMAT, "count 2147483647 is out of range", NULL);

    uint32_t big[3] = {10000000, 4096, 4096}; /* each dim allowed; 1.7e14 bytes are not */
    write_idx(f.s, 1, MAGIC_IMAGES, big, 3, NULL, 0);
    expect_load_failure(f.s, fx.labels_file.s, NULL, EB_ENOMEM, f.s, "167772170000000 bytes", "bytes of memory", NULL);

    /* under a 1 MiB limit, the 7.8 MB of Fashion-MNIST's test images */
    const char *old = getenv("EB_MEM_LIMIT_MB");
    char *saved = old ? strdup(old) : NULL;
    setenv("EB_MEM_LIMIT_MB", "1", 1);
    uint32_t fm[3] = {10000, 28, 28};
    write_idx(f.s, 1, MAGIC_IMAGES, fm, 3, NULL, 0);
    eb_dataset ds;
    eb_err err = {{0}};
    eb_status st = eb_dataset_load_idx(f.s, fx.labels_file.s, NULL, &ds, &err);
    if (saved) {
        setenv("EB_MEM_LIMIT_MB", saved, 1);
        free(saved);
    } else {
        unsetenv("EB_MEM_LIMIT_MB");
    }
    assert_int_equal(st, EB_ENOMEM);
    assert_non_null(strstr(err.msg, "7850000 bytes")); /* 10000*28*28 pixels + 10000 labels */
    assert_non_null(strstr(err.msg, "1048576 bytes of memory"));
    free_fixture(&fx);
}

/* ---- load: success ------------------------------------------------------- */

static void load__random_dataset__round_trips(void **state)
{
    uint64_t rng = eb_test_seed() ^ 0x5151;
    for (int gz = 0; gz < 4; gz++) {
        uint32_t count = 1 + (uint32_t)(eb_test_rand(&rng) % 40), rows = 1 + (uint32_t)(eb_test_rand(&rng) % 13),
                 cols = 1 + (uint32_t)(eb_test_rand(&rng) % 13);
        char stem[32];
        snprintf(stem, sizeof stem, "round%d", gz);
        fixture fx = make_fixture(stem, count, rows, cols, gz & 1, gz >> 1);
        eb_dataset ds;
        eb_err err = {{0}};
        eb_status st = eb_dataset_load_idx(fx.images_file.s, fx.labels_file.s, FMNIST_PACKAGE, &ds, &err);
        if (st != EB_OK)
            fail_msg("%u images of %ux%u: %s", count, rows, cols, err.msg);
        assert_int_equal(ds.count, count);
        assert_int_equal(ds.rows, rows);
        assert_int_equal(ds.cols, cols);
        assert_memory_equal(ds.images, fx.pixels, (size_t)count * rows * cols);
        assert_memory_equal(ds.labels, fx.labels, count);
        eb_dataset_free(&ds);
        assert_null(ds.images);
        assert_int_equal(ds.count, 0);
        free_fixture(&fx);
    }
}

static void load__concatenated_gzip_members__read_as_one_file(void **state)
{
    /* what `cat a.gz b.gz` makes; gunzip reads it as the two contents joined */
    fixture fx = make_fixture("members", 9, 4, 5, 0, 0);
    uint8_t header[16];
    put_be32(header, MAGIC_IMAGES);
    put_be32(header + 4, 9);
    put_be32(header + 8, 4);
    put_be32(header + 12, 5);
    path f = tmp("members-images.gz");
    static const size_t cuts[] = {0, 7, 16, 16 + 100, 16 + 180};
    for (int m = 0; m < 4; m++) {
        gzFile g = gzopen(f.s, m ? "ab" : "wb");
        assert_non_null(g);
        for (size_t at = cuts[m]; at < cuts[m + 1]; at++) {
            uint8_t b = at < 16 ? header[at] : fx.pixels[at - 16];
            assert_int_equal(gzwrite(g, &b, 1), 1);
        }
        assert_int_equal(gzclose(g), Z_OK);
    }
    eb_dataset ds;
    eb_err err = {{0}};
    if (eb_dataset_load_idx(f.s, fx.labels_file.s, NULL, &ds, &err) != EB_OK)
        fail_msg("%s", err.msg);
    assert_int_equal(ds.count, 9);
    assert_memory_equal(ds.images, fx.pixels, 180);
    eb_dataset_free(&ds);
    free_fixture(&fx);
}

/* ---- fill ---------------------------------------------------------------- */

/* An in-memory dataset over `px` (count images of rows x cols). */
static eb_dataset mem_dataset(uint8_t *px, int64_t count, int rows, int cols)
{
    static uint8_t no_labels[64];
    return (eb_dataset){count, rows, cols, px, no_labels};
}

static void expect_fill_failure(const eb_dataset *ds, int64_t first, int64_t n, const eb_preprocess *pp,
                                eb_tensor *t, const char *says)
{
    eb_err err = {{0}};
    eb_status st = eb_dataset_fill(ds, first, n, pp, t, &err);
    if (st != EB_EINVAL || !strstr(err.msg, says))
        fail_msg("fill(first %lld, n %lld): expected invalid with \"%s\", got %s: %s", (long long)first,
                 (long long)n, says, eb_status_name(st), err.msg);
}

static void fill__wrong_dtype__fails(void **state)
{
    uint8_t px[3 * 2 * 2] = {0};
    eb_dataset ds = mem_dataset(px, 3, 2, 2);
    uint8_t out[12];
    eb_tensor t = {.dtype = EB_DT_U8, .rank = 4, .shape = {3, 1, 2, 2}, .data = out};
    eb_preprocess pp = {0.0f, 1.0f, 0};
    expect_fill_failure(&ds, 0, 3, &pp, &t, "tensor is u8[3,1,2,2], expected f32[3,1,2,2]");
}

static void fill__wrong_shape__fails(void **state)
{
    uint8_t px[3 * 2 * 5] = {0};
    eb_dataset ds = mem_dataset(px, 3, 2, 5);
    float out[64];
    eb_preprocess nchw = {0.0f, 1.0f, 0}, flat = {0.0f, 1.0f, 1};
    static const struct {
        int rank;
        int64_t shape[4];
        int flatten;
        const char *says;
    } cases[] = {
        {2, {3, 10}, 0, "tensor is f32[3,10], expected f32[3,1,2,5]"},
        {4, {3, 1, 2, 5}, 1, "tensor is f32[3,1,2,5], expected f32[3,10]"},
        {4, {2, 1, 2, 5}, 0, "expected f32[3,1,2,5]"},
        {4, {3, 1, 5, 2}, 0, "expected f32[3,1,2,5]"},
        {4, {3, 3, 2, 5}, 0, "expected f32[3,1,2,5]"},
        {3, {3, 2, 5}, 0, "expected f32[3,1,2,5]"},
        {2, {3, 9}, 1, "expected f32[3,10]"},
        {1, {30}, 1, "expected f32[3,10]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eb_tensor t = {.dtype = EB_DT_F32, .rank = cases[i].rank, .data = out};
        memcpy(t.shape, cases[i].shape, sizeof cases[i].shape);
        expect_fill_failure(&ds, 0, 3, cases[i].flatten ? &flat : &nchw, &t, cases[i].says);
    }
    eb_tensor no_data = {.dtype = EB_DT_F32, .rank = 2, .shape = {3, 10}};
    expect_fill_failure(&ds, 0, 3, &flat, &no_data, "no plain dense data");
}

static void fill__range_outside_the_dataset__fails(void **state)
{
    uint8_t px[4 * 2 * 2] = {0};
    eb_dataset ds = mem_dataset(px, 4, 2, 2);
    float out[64];
    eb_preprocess pp = {0.0f, 1.0f, 1};
    static const int64_t ranges[][2] = {{3, 2}, {4, 1}, {-1, 2}, {0, 0}, {0, -1}, {0, 5}, {1, INT64_MAX}};
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        eb_tensor t = {.dtype = EB_DT_F32, .rank = 2, .shape = {ranges[i][1], 4}, .data = out};
        expect_fill_failure(&ds, ranges[i][0], ranges[i][1], &pp, &t, "first + n <= 4");
    }
}

static void fill__nonpositive_or_nonfinite_std__fails(void **state)
{
    uint8_t px[4] = {0};
    eb_dataset ds = mem_dataset(px, 1, 2, 2);
    float out[4];
    eb_tensor t = {.dtype = EB_DT_F32, .rank = 2, .shape = {1, 4}, .data = out};
    const float bad[] = {0.0f, -0.0f, -0.5f, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        eb_preprocess pp = {0.5f, bad[i], 1};
        expect_fill_failure(&ds, 0, 1, &pp, &t, "std");
    }
    eb_preprocess nan_mean = {NAN, 1.0f, 1};
    expect_fill_failure(&ds, 0, 1, &nan_mean, &t, "mean");
}

static void fill__hand_computed_pixels__are_exact(void **state)
{
    /* p/255 for these p is 0, 1, 0.2, 0.8, 0.4, 0.6: with mean 0.5 and
     * std 0.25 the results are -2, 2, -1.2, 1.2, -0.4, 0.4 */
    uint8_t px[2 * 1 * 3] = {0, 255, 51, 204, 102, 153};
    eb_dataset ds = mem_dataset(px, 2, 1, 3);
    float out[6];
    eb_tensor t = {.dtype = EB_DT_F32, .rank = 4, .shape = {2, 1, 1, 3}, .data = out};
    eb_preprocess pp = {0.5f, 0.25f, 0};
    eb_err err = {{0}};
    assert_int_equal(eb_dataset_fill(&ds, 0, 2, &pp, &t, &err), EB_OK);
    const float want[6] = {-2.0f, 2.0f, -1.2f, 1.2f, -0.4f, 0.4f};
    for (int i = 0; i < 6; i++)
        if (out[i] != want[i])
            fail_msg("pixel %d (%d): got %.9g, expected %.9g", i, px[i], (double)out[i], (double)want[i]);

    /* mean 0, std 1 gives p/255; pixel 0 of the second image at first=1 */
    pp = (eb_preprocess){0.0f, 1.0f, 1};
    t = (eb_tensor){.dtype = EB_DT_F32, .rank = 2, .shape = {1, 3}, .data = out};
    assert_int_equal(eb_dataset_fill(&ds, 1, 1, &pp, &t, &err), EB_OK);
    assert_true(out[0] == 0.8f && out[1] == 0.4f && out[2] == 0.6f);

    /* Fashion-MNIST's usual constants: 0 -> -0.286/0.353 = -0.810198300...,
     * 255 -> 0.714/0.353 = 2.022662889...; float mean/std shift them ~1e-7 */
    pp = (eb_preprocess){0.2860f, 0.3530f, 1};
    t.shape[1] = 3;
    assert_int_equal(eb_dataset_fill(&ds, 0, 1, &pp, &t, &err), EB_OK);
    assert_true(fabs(out[0] - -0.810198300) < 3e-7);
    assert_true(fabs(out[1] - 2.022662889) < 5e-7);
}

static void fill__every_pixel_value__matches_the_formula_in_long_double(void **state)
{
    uint64_t rng = eb_test_seed() ^ 0xf111;
    uint8_t px[3 * 16 * 16];
    for (int i = 0; i < 3 * 256; i++)
        px[i] = (uint8_t)(i * 167 + 3); /* 167 is odd: each image holds every value once */
    eb_dataset ds = mem_dataset(px, 3, 16, 16);
    static float out[3 * 256 + 16];
    for (int trial = 0; trial < 20; trial++) {
        eb_preprocess pp = {eb_test_uniform(&rng, -1.0f, 1.0f), eb_test_uniform(&rng, 0.01f, 3.0f), trial & 1};
        eb_tensor t = {.dtype = EB_DT_F32, .rank = 4, .shape = {3, 1, 16, 16}, .data = out};
        if (pp.flatten) {
            t.rank = 2;
            t.shape[1] = 256;
        }
        eb_err err = {{0}};
        assert_int_equal(eb_dataset_fill(&ds, 0, 3, &pp, &t, &err), EB_OK);
        for (int i = 0; i < 3 * 256; i++) {
            long double want = ((long double)px[i] / 255.0L - pp.mean) / pp.std;
            if (fabsl((long double)out[i] - want) > fabsl(want) * 0x1p-24L * 1.001L + 1e-12L)
                fail_msg("pixel %d, mean %.9g std %.9g: got %.9g, expected %.12Lg", px[i], (double)pp.mean,
                         (double)pp.std, (double)out[i], want);
        }
    }
}

static void fill__flatten_and_nchw__give_the_same_values_in_image_order(void **state)
{
    fixture fx = make_fixture("order", 7, 5, 3, 1, 0);
    eb_dataset ds;
    eb_err err = {{0}};
    assert_int_equal(eb_dataset_load_idx(fx.images_file.s, fx.labels_file.s, NULL, &ds, &err), EB_OK);
    enum { FIRST = 2, N = 4, PER = 15, GUARD = 8 };
    float a[N * PER + GUARD], b[N * PER + GUARD];
    for (int i = 0; i < N * PER + GUARD; i++)
        a[i] = b[i] = -12345.0f;
    eb_preprocess pa = {0.25f, 0.5f, 0}, pb = {0.25f, 0.5f, 1};
    eb_tensor ta = {.dtype = EB_DT_F32, .rank = 4, .shape = {N, 1, 5, 3}, .data = a};
    eb_tensor tb = {.dtype = EB_DT_F32, .rank = 2, .shape = {N, PER}, .data = b};
    assert_int_equal(eb_dataset_fill(&ds, FIRST, N, &pa, &ta, &err), EB_OK);
    assert_int_equal(eb_dataset_fill(&ds, FIRST, N, &pb, &tb, &err), EB_OK);
    assert_memory_equal(a, b, sizeof a);
    for (int i = 0; i < N; i++)
        for (int r = 0; r < 5; r++)
            for (int c = 0; c < 3; c++) {
                double p = fx.pixels[(FIRST + i) * PER + r * 3 + c];
                assert_true(fabs(a[i * PER + r * 3 + c] - (p / 255.0 - 0.25) / 0.5) < 1e-6);
            }
    for (int i = N * PER; i < N * PER + GUARD; i++)
        assert_true(a[i] == -12345.0f);
    eb_dataset_free(&ds);
    free_fixture(&fx);
}

/* ---- the real Fashion-MNIST files ---------------------------------------- */

/* Loads FMNIST_DIR/<set>-*, or skip()s with the reason when absent. */
static void load_fashion_mnist(const char *set, eb_dataset *ds)
{
    char images[256], labels[256];
    snprintf(images, sizeof images, "%s/%s-images-idx3-ubyte.gz", FMNIST_DIR, set);
    snprintf(labels, sizeof labels, "%s/%s-labels-idx1-ubyte.gz", FMNIST_DIR, set);
    if (access(images, R_OK) != 0 || access(labels, R_OK) != 0) {
        print_message("skipped: %s not found (install the Debian package %s)\n", images, FMNIST_PACKAGE);
        skip();
    }
    eb_err err = {{0}};
    eb_status st = eb_dataset_load_idx(images, labels, FMNIST_PACKAGE, ds, &err);
    if (st != EB_OK)
        fail_msg("%s", err.msg);
}

static void check_fashion_mnist(const eb_dataset *ds, int64_t count, double mean_lo, double mean_hi)
{
    assert_int_equal(ds->count, count);
    assert_int_equal(ds->rows, 28);
    assert_int_equal(ds->cols, 28);
    int64_t per_class[256] = {0};
    for (int64_t i = 0; i < ds->count; i++)
        per_class[ds->labels[i]]++;
    for (int c = 0; c < 256; c++)
        if (per_class[c] != (c < 10 ? count / 10 : 0))
            fail_msg("class %d appears %lld times", c, (long long)per_class[c]);
    double sum = 0;
    for (int64_t i = 0; i < count * 28 * 28; i++)
        sum += ds->images[i];
    double mean = sum / (double)(count * 28 * 28) / 255.0;
    if (mean < mean_lo || mean > mean_hi)
        fail_msg("mean pixel %.5f outside [%.4f, %.4f]", mean, mean_lo, mean_hi);
}

static void fashion_mnist__test_set__has_1000_images_of_each_class(void **state)
{
    eb_dataset ds;
    load_fashion_mnist("t10k", &ds);
    check_fashion_mnist(&ds, 10000, 0.285, 0.289);
    /* the first test images: ankle boot, pullover, trouser, trouser */
    assert_int_equal(ds.labels[0], 9);
    assert_int_equal(ds.labels[1], 2);
    assert_int_equal(ds.labels[2], 1);
    assert_int_equal(ds.labels[3], 1);
    eb_dataset_free(&ds);
}

static void fashion_mnist__train_set__has_6000_images_of_each_class(void **state)
{
    eb_dataset ds;
    load_fashion_mnist("train", &ds);
    /* 0.2860 is the published training-set mean used for normalisation */
    check_fashion_mnist(&ds, 60000, 0.2855, 0.2865);
    /* normalised with (0.2860, 0.3530), batch by batch, the whole set has
     * mean ~0 and std ~1 */
    enum { BATCH = 1000 };
    float *x = malloc(sizeof(float) * BATCH * 784);
    assert_non_null(x);
    eb_tensor t = {.dtype = EB_DT_F32, .rank = 4, .shape = {BATCH, 1, 28, 28}, .data = x};
    eb_preprocess pp = {0.2860f, 0.3530f, 0};
    eb_err err = {{0}};
    double s = 0, s2 = 0;
    for (int64_t first = 0; first < 60000; first += BATCH) {
        assert_int_equal(eb_dataset_fill(&ds, first, BATCH, &pp, &t, &err), EB_OK);
        for (size_t i = 0; i < (size_t)BATCH * 784; i++) {
            s += x[i];
            s2 += (double)x[i] * x[i];
        }
    }
    double m = s / (60000.0 * 784), sd = sqrt(s2 / (60000.0 * 784) - m * m);
    if (fabs(m) > 2e-3 || fabs(sd - 1.0) > 2e-3)
        fail_msg("normalised mean %.5f, std %.5f", m, sd);
    free(x);
    eb_dataset_free(&ds);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load__missing_images_file__names_path_and_package_hint),
        cmocka_unit_test(load__missing_labels_file__names_the_labels_path),
        cmocka_unit_test(load__missing_file_without_hint__gives_no_install_advice),
        cmocka_unit_test(load__directory__is_not_a_regular_file),
        cmocka_unit_test(load__wrong_images_magic__fails_naming_the_magic),
        cmocka_unit_test(load__wrong_labels_magic__fails_naming_the_magic),
        cmocka_unit_test(load__gzip_cut_in_half__fails_as_truncated),
        cmocka_unit_test(load__every_cut_of_a_gzip_file__fails_as_truncated),
        cmocka_unit_test(load__every_cut_of_a_plain_file__fails_as_truncated),
        cmocka_unit_test(load__large_gzip_cut_in_its_last_bytes__fails_as_truncated),
        cmocka_unit_test(load__non_gzip_bytes_after_the_gzip_stream__are_rejected),
        cmocka_unit_test(load__flipped_byte_in_gzip_data__fails_as_corrupt),
        cmocka_unit_test(load__every_flipped_byte_after_the_gzip_header__fails),
        cmocka_unit_test(load__bytes_after_the_data__are_rejected),
        cmocka_unit_test(load__label_count_mismatch__names_both_counts),
        cmocka_unit_test(load__zero_or_oversized_dims__fail),
        cmocka_unit_test(load__huge_dims__fail_without_allocating),
        cmocka_unit_test(load__random_dataset__round_trips),
        cmocka_unit_test(load__concatenated_gzip_members__read_as_one_file),
        cmocka_unit_test(fill__wrong_dtype__fails),
        cmocka_unit_test(fill__wrong_shape__fails),
        cmocka_unit_test(fill__range_outside_the_dataset__fails),
        cmocka_unit_test(fill__nonpositive_or_nonfinite_std__fails),
        cmocka_unit_test(fill__hand_computed_pixels__are_exact),
        cmocka_unit_test(fill__every_pixel_value__matches_the_formula_in_long_double),
        cmocka_unit_test(fill__flatten_and_nchw__give_the_same_values_in_image_order),
        cmocka_unit_test(fashion_mnist__test_set__has_1000_images_of_each_class),
        cmocka_unit_test(fashion_mnist__train_set__has_6000_images_of_each_class),
    };
    return cmocka_run_group_tests_name("dataset", tests, group_setup, group_teardown);
}
