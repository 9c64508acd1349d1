/* dataset_idx.c - IDX image and label files (MNIST, Fashion-MNIST), and their
 * conversion to model input tensors.
 *
 * An IDX file is a 4-byte big-endian magic (0x0000TTDD: TT the element type,
 * 0x08 for u8; DD the number of dims), DD big-endian u32 dims, then the raw
 * elements.  A file that starts with the gzip magic is inflated with zlib
 * (all its members, as gunzip does); any other file is read as it is.  Both
 * headers are read and checked (magic, dim ranges, size against
 * eb_mem_limit(), equal counts) before anything is allocated; then the data
 * is read and each file must end exactly where its header says.  Reading to
 * the end makes zlib check each gzip trailer (CRC-32 and length), so a
 * flipped byte in a .gz file is reported as corrupt rather than loaded as
 * wrong pixels, and a .gz file cut anywhere, even in its last byte, is
 * reported as truncated.  Bytes after the data, and non-gzip bytes after a
 * gzip stream, are rejected: they mean the header and the file disagree.
 *
 * This file does not know which model uses which dataset; the zoo manifest
 * names the files and the preprocessing. */
#include "models/dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define EB_IDX_MAGIC_U8_IMAGES 0x00000803u /* u8, 3 dims: count, rows, cols */
#define EB_IDX_MAGIC_U8_LABELS 0x00000801u /* u8, 1 dim: count */
#define EB_IDX_MAX_SIDE 4096
#define EB_IDX_MAX_COUNT 10000000

/* One open IDX file, plain or gzip.  zlib's gzread would be shorter, but
 * it does not always notice a .gz file cut in its last bytes: when a large
 * read has consumed the whole input it reports a clean end of file even
 * though the stream never reached its trailer.  Driving inflate() directly
 * makes "the stream ended" an explicit state. */
typedef struct idx_file {
    const char *path;   /* borrowed, for messages */
    int fd;
    int gzip;           /* 1: inflating gzip members; 0: plain bytes */
    int zlive;          /* zs initialised */
    int member_end;     /* the current gzip member ended, its trailer checked */
    int eof;            /* read() returned 0 */
    z_stream zs;        /* next_in/avail_in index `in` in both modes */
    unsigned char *in;
} idx_file;

#define IDX_IN_SIZE (1u << 16)

static eb_status idx_fill(idx_file *f, eb_err *err)
{
    if (f->eof || f->zs.avail_in == IDX_IN_SIZE)
        return EB_OK;
    if (f->zs.avail_in)
        memmove(f->in, f->zs.next_in, f->zs.avail_in);
    f->zs.next_in = f->in;
    for (;;) {
        ssize_t n = read(f->fd, f->in + f->zs.avail_in, IDX_IN_SIZE - f->zs.avail_in);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return eb_errf(err, EB_EIO, "%s: read error: %s", f->path, strerror(errno));
        if (n == 0)
            f->eof = 1;
        f->zs.avail_in += (uInt)n;
        return EB_OK;
    }
}

static void idx_close(idx_file *f)
{
    if (f->zlive)
        inflateEnd(&f->zs);
    if (f->fd >= 0)
        close(f->fd);
    free(f->in);
    f->zlive = 0;
    f->fd = -1;
    f->in = NULL;
}

static eb_status idx_open(idx_file *f, const char *path, const char *package_hint, eb_err *err)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        if (e == ENOENT && package_hint && *package_hint)
            return eb_errf(err, EB_EIO, "%s: %s (install the Debian package %s)", path, strerror(e), package_hint);
        return eb_errf(err, EB_EIO, "%s: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return eb_errf(err, EB_EIO, "%s: not a regular file", path);
    if (!(f->in = malloc(IDX_IN_SIZE)))
        return eb_errf(err, EB_ENOMEM, "%s: cannot allocate a read buffer", path);
    eb_status st2;
    while (f->zs.avail_in < 2 && !f->eof)
        if ((st2 = idx_fill(f, err)))
            return st2;
    /* the gzip magic; an IDX magic starts with two zero bytes */
    f->gzip = f->zs.avail_in >= 2 && f->zs.next_in[0] == 0x1f && f->zs.next_in[1] == 0x8b;
    if (f->gzip) {
        if (inflateInit2(&f->zs, 15 + 16) != Z_OK) /* 16: gzip wrapper, with its CRC-32 and length check */
            return eb_errf(err, EB_ENOMEM, "%s: cannot initialise zlib", path);
        f->zlive = 1;
    }
    return EB_OK;
}

/* Reads up to `len` bytes of content (decompressed, across all gzip
 * members) into buf, stopping early only at the true end of the content;
 * *got says how many came.  A damaged or cut gzip stream is an error
 * that names `what`, the part of the file being read (NULL: past the
 * data, where only the gzip trailer should remain). */
static eb_status idx_pull(idx_file *f, unsigned char *buf, size_t len, size_t *got, const char *what, eb_err *err)
{
    eb_status st;
    *got = 0;
    while (*got < len) {
        if (!f->gzip) {
            if (!f->zs.avail_in) {
                if (f->eof)
                    return EB_OK;
                if ((st = idx_fill(f, err)))
                    return st;
                continue;
            }
            size_t n = len - *got < f->zs.avail_in ? len - *got : f->zs.avail_in;
            memcpy(buf + *got, f->zs.next_in, n);
            f->zs.next_in += n;
            f->zs.avail_in -= (uInt)n;
            *got += n;
            continue;
        }
        if (f->member_end) {
            /* another member may follow (concatenated .gz files) */
            while (f->zs.avail_in < 2 && !f->eof)
                if ((st = idx_fill(f, err)))
                    return st;
            if (!f->zs.avail_in)
                return EB_OK;
            if (f->zs.avail_in < 2 || f->zs.next_in[0] != 0x1f || f->zs.next_in[1] != 0x8b)
                return eb_errf(err, EB_EFORMAT, "%s: bytes that are not gzip data follow the gzip stream", f->path);
            if (inflateReset(&f->zs) != Z_OK)
                return eb_errf(err, EB_EFORMAT, "%s: cannot restart zlib", f->path);
            f->member_end = 0;
        }
        if (!f->zs.avail_in && !f->eof && (st = idx_fill(f, err)))
            return st;
        if (!f->zs.avail_in && f->eof) {
            if (!what)
                return eb_errf(err, EB_EFORMAT,
                               "%s: truncated gzip stream: it stops before its gzip trailer (the data is there but "
                               "unchecked)",
                               f->path);
            return eb_errf(err, EB_EFORMAT, "%s: truncated gzip stream: the %s ends after %zu of %zu bytes",
                           f->path, what, *got, len);
        }
        size_t want = len - *got;
        f->zs.next_out = buf + *got;
        f->zs.avail_out = want > (1u << 30) ? 1u << 30 : (uInt)want;
        uInt before = f->zs.avail_out;
        int ret = inflate(&f->zs, Z_NO_FLUSH);
        *got += before - f->zs.avail_out;
        switch (ret) {
        case Z_OK:
        case Z_BUF_ERROR: /* no progress: needs input, fetched above next time round */
            break;
        case Z_STREAM_END:
            f->member_end = 1;
            break;
        case Z_MEM_ERROR:
            return eb_errf(err, EB_ENOMEM, "%s: zlib ran out of memory", f->path);
        default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            return eb_errf(err, EB_EFORMAT, "%s: corrupt gzip data%s%s (zlib: %s)", f->path, what ? ", found reading the " : "",
                           what ? what : "", f->zs.msg ? f->zs.msg : "bad stream");
        }
    }
    return EB_OK;
}

/* Reads exactly `len` bytes (`what` names them in messages). */
static eb_status idx_read(idx_file *f, void *buf, size_t len, const char *what, eb_err *err)
{
    size_t got;
    eb_status st = idx_pull(f, buf, len, &got, what, err);
    if (st)
        return st;
    if (got < len)
        return eb_errf(err, EB_EFORMAT, "%s: truncated: the %s ends after %zu of %zu bytes", f->path, what, got, len);
    return EB_OK;
}

/* Checks that the content ends here: no more bytes and, for .gz, every
 * member complete with an intact trailer (CRC-32 and length). */
static eb_status idx_expect_end(idx_file *f, const char *what, eb_err *err)
{
    unsigned char extra[256];
    size_t got = 0, more = 0;
    eb_status st;
    do {
        if ((st = idx_pull(f, extra, sizeof extra, &got, NULL, err)))
            return st;
        more += got;
    } while (got == sizeof extra && more < (1u << 20));
    if (more)
        return eb_errf(err, EB_EFORMAT, "%s: %s%zu bytes after the %s (the file is longer than its header says)",
                       f->path, more >= (1u << 20) ? "at least " : "", more, what);
    return EB_OK;
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads the magic and `ndims` dims of an IDX file whose magic must be
 * `magic`; `kind` ("images", "labels") names it in messages. */
static eb_status idx_header(idx_file *f, uint32_t magic, int ndims, uint32_t *dims, const char *kind, eb_err *err)
{
    unsigned char b[4 * 4];
    eb_status st = idx_read(f, b, 4, "header", err);
    if (st)
        return st;
    uint32_t got = be32(b);
    if (got != magic)
        return eb_errf(err, EB_EFORMAT, "%s: not an IDX %s file (magic 0x%08x, expected 0x%08x: u8 data, %d dim%s)",
                       f->path, kind, (unsigned)got, (unsigned)magic, ndims, ndims == 1 ? "" : "s");
    if ((st = idx_read(f, b, 4 * (size_t)ndims, "header", err)))
        return st;
    for (int i = 0; i < ndims; i++)
        dims[i] = be32(b + 4 * i);
    if (dims[0] < 1 || dims[0] > EB_IDX_MAX_COUNT)
        return eb_errf(err, EB_EFORMAT, "%s: count %u is out of range [1, %d]", f->path, (unsigned)dims[0],
                       EB_IDX_MAX_COUNT);
    return EB_OK;
}

eb_status eb_dataset_load_idx(const char *images_path, const char *labels_path, const char *package_hint,
                              eb_dataset *ds, eb_err *err)
{
    if (!ds)
        return eb_errf(err, EB_EINVAL, "dataset: no output given");
    memset(ds, 0, sizeof *ds);
    if (!images_path || !labels_path)
        return eb_errf(err, EB_EINVAL, "dataset: images and labels paths are required");

    idx_file img = {.fd = -1}, lab = {.fd = -1};
    uint32_t idims[3], ldims[1];
    uint8_t *images = NULL, *labels = NULL;
    eb_status st;

    if ((st = idx_open(&img, images_path, package_hint, err)) ||
        (st = idx_header(&img, EB_IDX_MAGIC_U8_IMAGES, 3, idims, "images", err)))
        goto done;
    if (idims[1] < 1 || idims[1] > EB_IDX_MAX_SIDE || idims[2] < 1 || idims[2] > EB_IDX_MAX_SIDE) {
        st = eb_errf(err, EB_EFORMAT, "%s: image size %ux%u is out of range (rows and cols must be 1..%d)",
                     images_path, (unsigned)idims[1], (unsigned)idims[2], EB_IDX_MAX_SIDE);
        goto done;
    }
    /* at most 1e7 * 4096 * 4096 < 2^48: no overflow in 64 bits */
    uint64_t pixels = (uint64_t)idims[0] * idims[1] * idims[2];
    uint64_t limit = eb_mem_limit();
    if (pixels + idims[0] > limit || pixels > SIZE_MAX) {
        st = eb_errf(err, EB_ENOMEM, "%s: %u images of %ux%u need %llu bytes, more than the %llu bytes of memory",
                     images_path, (unsigned)idims[0], (unsigned)idims[1], (unsigned)idims[2],
                     (unsigned long long)(pixels + idims[0]), (unsigned long long)limit);
        goto done;
    }

    if ((st = idx_open(&lab, labels_path, package_hint, err)) ||
        (st = idx_header(&lab, EB_IDX_MAGIC_U8_LABELS, 1, ldims, "labels", err)))
        goto done;
    if (ldims[0] != idims[0]) {
        st = eb_errf(err, EB_EFORMAT, "%s: %u labels, but %s has %u images", labels_path, (unsigned)ldims[0],
                     images_path, (unsigned)idims[0]);
        goto done;
    }

    images = malloc((size_t)pixels);
    labels = malloc(idims[0]);
    if (!images || !labels) {
        st = eb_errf(err, EB_ENOMEM, "%s: cannot allocate %llu bytes for %u images", images_path,
                     (unsigned long long)pixels, (unsigned)idims[0]);
        goto done;
    }
    if ((st = idx_read(&img, images, (size_t)pixels, "image data", err)) ||
        (st = idx_expect_end(&img, "image data", err)) || (st = idx_read(&lab, labels, idims[0], "label data", err)) ||
        (st = idx_expect_end(&lab, "label data", err)))
        goto done;

    ds->count = idims[0];
    ds->rows = (int)idims[1];
    ds->cols = (int)idims[2];
    ds->images = images;
    ds->labels = labels;
    images = labels = NULL;
done:
    free(images);
    free(labels);
    idx_close(&img);
    idx_close(&lab);
    return st;
}

void eb_dataset_free(eb_dataset *ds)
{
    if (!ds)
        return;
    free(ds->images);
    free(ds->labels);
    memset(ds, 0, sizeof *ds);
}

eb_status eb_dataset_fill(const eb_dataset *ds, int64_t first, int64_t n, const eb_preprocess *pp, eb_tensor *t,
                          eb_err *err)
{
    if (!ds || !ds->images || !pp || !t)
        return eb_errf(err, EB_EINVAL, "dataset fill: dataset, preprocessing and tensor are required");
    if (!(pp->std > 0.0f) || !isfinite(pp->std) || !isfinite(pp->mean))
        return eb_errf(err, EB_EINVAL, "dataset fill: preprocessing std %g must be finite and > 0 (mean %g finite)",
                       (double)pp->std, (double)pp->mean);
    if (first < 0 || n < 1 || first > ds->count || n > ds->count - first)
        return eb_errf(err, EB_EINVAL,
                       "dataset fill: %lld images from index %lld: need n >= 1 and first + n <= %lld, the dataset's "
                       "count",
                       (long long)n, (long long)first, (long long)ds->count);

    char have[128], want[128];
    eb_tensor expect = {.dtype = EB_DT_F32};
    if (pp->flatten) {
        expect.rank = 2;
        expect.shape[0] = n;
        expect.shape[1] = (int64_t)ds->rows * ds->cols;
    } else {
        expect.rank = 4;
        expect.shape[0] = n;
        expect.shape[1] = 1;
        expect.shape[2] = ds->rows;
        expect.shape[3] = ds->cols;
    }
    if (t->dtype != EB_DT_F32 || !eb_tensor_same_shape(t, &expect))
        return eb_errf(err, EB_EINVAL, "dataset fill: tensor is %s, expected %s for %lld %dx%d images%s",
                       eb_tensor_describe(t, have, sizeof have), eb_tensor_describe(&expect, want, sizeof want),
                       (long long)n, ds->rows, ds->cols, pp->flatten ? " flattened" : "");
    if (t->storage || !t->data)
        return eb_errf(err, EB_EINVAL, "dataset fill: tensor %s has no plain dense data",
                       eb_tensor_describe(t, have, sizeof have));

    /* 256 possible inputs: compute each once in double, round once to f32 */
    float lut[256];
    for (int v = 0; v < 256; v++)
        lut[v] = (float)(((double)v / 255.0 - (double)pp->mean) / (double)pp->std);
    size_t per = (size_t)ds->rows * (size_t)ds->cols, total = per * (size_t)n;
    const uint8_t *src = ds->images + per * (size_t)first;
    float *dst = t->data;
    for (size_t i = 0; i < total; i++)
        dst[i] = lut[src[i]];
    return EB_OK;
}
