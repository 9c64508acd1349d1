/* fuzz_idx.c - libFuzzer target: the IDX dataset loader
 * (models/dataset_idx.c), plain and gzip, and the conversion of what it
 * loads to model inputs (eb_dataset_fill).
 *
 * The loader reads two files, images and labels, so an input is split in
 * two: its first 4 bytes, little-endian, are the length of the images
 * file (capped to what follows), the rest after it is the labels file.
 * Both are written to temporary files made once per process.  The size
 * cap: EB_MEM_LIMIT_MB is set to 64, so a header that claims more than
 * that is refused as the loader refuses one larger than memory.
 *
 * Built by `make fuzz` (tests/fuzz/fuzz.mk); tests/fuzz/replay.c links the
 * same function into a plain program for tests/fuzz/regress/idx/. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "models/dataset.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[256], fuzz_images[300], fuzz_labels[300];

static void fuzz_cleanup(void)
{
    unlink(fuzz_images);
    unlink(fuzz_labels);
    rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("EB_MEM_LIMIT_MB", "64", 1);
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/eb-fuzz-idx-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir)) {
        perror("fuzz_idx: mkdtemp");
        exit(1);
    }
    snprintf(fuzz_images, sizeof fuzz_images, "%s/images", fuzz_dir);
    snprintf(fuzz_labels, sizeof fuzz_labels, "%s/labels", fuzz_dir);
    atexit(fuzz_cleanup);
    return 0;
}

static void put(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    for (size_t off = 0; off < size;) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) {
            perror(path);
            abort();
        }
        off += (size_t)n;
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4 || size > (4u << 20))
        return -1;
    size_t n_img = (size_t)data[0] | (size_t)data[1] << 8 | (size_t)data[2] << 16 | (size_t)data[3] << 24;
    if (n_img > size - 4)
        n_img = size - 4;
    put(fuzz_images, data + 4, n_img);
    put(fuzz_labels, data + 4 + n_img, size - 4 - n_img);

    eb_dataset ds;
    eb_err err = {{0}};
    if (eb_dataset_load_idx(fuzz_images, fuzz_labels, NULL, &ds, &err) != EB_OK)
        return 0;
    /* a batch of the first images (at most 8), both layouts */
    int64_t n = ds.count < 8 ? ds.count : 8;
    for (int flatten = 0; flatten <= 1; flatten++) {
        eb_tensor t = {.dtype = EB_DT_F32, .rank = flatten ? 2 : 4};
        t.shape[0] = n;
        if (flatten) {
            t.shape[1] = (int64_t)ds.rows * ds.cols;
        } else {
            t.shape[1] = 1;
            t.shape[2] = ds.rows;
            t.shape[3] = ds.cols;
        }
        eb_preprocess pp = {.mean = 0.5f, .std = 0.25f, .flatten = flatten};
        if (eb_tensor_alloc(&t, "batch", &err) == EB_OK) {
            (void)eb_dataset_fill(&ds, ds.count - n, n, &pp, &t, &err);
            eb_tensor_free_data(&t);
        }
    }
    eb_dataset_free(&ds);
    return 0;
}
