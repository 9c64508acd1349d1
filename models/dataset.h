/* dataset.h - labelled test data for a model's task metric.
 *
 * IDX files (the MNIST family's format: big-endian magic, dims, then raw
 * u8 data), optionally gzip-compressed, read with zlib.  A dataset is
 * images and labels loaded once; eb_dataset_batch turns a range of them
 * into a model input tensor with the manifest's preprocessing. */
#ifndef EB_DATASET_H
#define EB_DATASET_H

#include <stdint.h>

#include "models/tensor.h"

typedef struct eb_dataset {
    int64_t count;        /* images (== labels) */
    int rows, cols;       /* image size */
    uint8_t *images;      /* count * rows * cols, row-major */
    uint8_t *labels;      /* count */
} eb_dataset;

/* Preprocessing of one image: x = (pixel / 255 - mean) / std, laid out as
 * NCHW [N,1,rows,cols] or flattened [N, rows*cols]. */
typedef struct eb_preprocess {
    float mean, std;
    int flatten;          /* 1: [N, rows*cols]; 0: [N, 1, rows, cols] */
} eb_preprocess;

/* Loads an images file and a labels file (IDX, .gz or plain).  Checks
 * magic numbers, that dims are sane and the data is all there, and that the
 * two files hold the same count.  Messages name the file and the problem;
 * a missing file's message names the Debian package `package_hint` when it
 * is not NULL.  Free with eb_dataset_free. */
eb_status eb_dataset_load_idx(const char *images_path, const char *labels_path, const char *package_hint,
                              eb_dataset *ds, eb_err *err);
void eb_dataset_free(eb_dataset *ds);

/* Fills `t` (dtype f32, shape set by the caller to [n,1,rows,cols] or
 * [n,rows*cols], data allocated by the caller) with images first..first+n-1
 * preprocessed by `pp`.  Checks that the tensor's shape fits. */
eb_status eb_dataset_fill(const eb_dataset *ds, int64_t first, int64_t n, const eb_preprocess *pp, eb_tensor *t,
                          eb_err *err);

#endif
