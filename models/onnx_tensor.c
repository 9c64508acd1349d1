/* onnx_tensor.c - ONNX TensorProto <-> eb_tensor, and whole-file reads.
 *
 * A TensorProto holds its data in one of three places: raw_data
 * (little-endian bytes), a typed repeated field (float_data, int32_data, ...)
 * or an external file.  Every path checks that the element count the dims
 * declare matches what is there before copying anything. */
#include "models/onnx_tensor.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/file_replace.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ONNX raw_data is little-endian; big-endian hosts need byte swapping here"
#endif

eb_status eb_read_file(const char *path, void **buf, size_t *len, eb_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return eb_errf(err, EB_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return eb_errf(err, EB_EIO, "%s: not a regular file", path);
    }
    if ((uint64_t)st.st_size > eb_mem_limit()) {
        fclose(f);
        return eb_errf(err, EB_ENOMEM, "%s: file of %lld bytes is larger than memory", path, (long long)st.st_size);
    }
    size_t n = (size_t)st.st_size;
    char *p = malloc(n + 1);
    if (!p) {
        fclose(f);
        return eb_errf(err, EB_ENOMEM, "%s: cannot allocate %zu bytes", path, n);
    }
    if (fread(p, 1, n, f) != n) {
        free(p);
        fclose(f);
        return eb_errf(err, EB_EIO, "%s: read failed", path);
    }
    fclose(f);
    p[n] = '\0';
    *buf = p;
    *len = n;
    return EB_OK;
}

/* Opens `location` inside `dir` for external data, refusing any path that
 * resolves outside dir (absolute paths, "..", symlinks pointing out). */
static eb_status read_external(const Onnx__TensorProto *tp, const char *what, const char *dir, void *dst,
                               size_t nbytes, eb_err *err)
{
    const char *location = NULL;
    long long offset = 0, length = -1;
    for (size_t i = 0; i < tp->n_external_data; i++) {
        const char *k = tp->external_data[i]->key, *v = tp->external_data[i]->value;
        if (!k || !v)
            continue;
        if (strcmp(k, "location") == 0)
            location = v;
        else if (strcmp(k, "offset") == 0)
            offset = strtoll(v, NULL, 10);
        else if (strcmp(k, "length") == 0)
            length = strtoll(v, NULL, 10);
    }
    if (!dir)
        return eb_errf(err, EB_EFORMAT, "%s: external data is not allowed here", what);
    if (!location || !*location)
        return eb_errf(err, EB_EFORMAT, "%s: external data without a location", what);
    if (offset < 0 || (length >= 0 && (size_t)length != nbytes))
        return eb_errf(err, EB_EFORMAT, "%s: external data offset %lld / length %lld does not match %zu bytes",
                       what, offset, length, nbytes);
    if (location[0] == '/')
        return eb_errf(err, EB_EFORMAT, "%s: external data path '%s' is absolute; it must stay in the model's folder",
                       what, location);
    char joined[PATH_MAX], real_dir[PATH_MAX], real_file[PATH_MAX];
    if (snprintf(joined, sizeof joined, "%s/%s", dir, location) >= (int)sizeof joined)
        return eb_errf(err, EB_EFORMAT, "%s: external data path too long", what);
    if (!realpath(dir, real_dir))
        return eb_errf(err, EB_EIO, "%s: %s: %s", what, dir, strerror(errno));
    if (!realpath(joined, real_file))
        return eb_errf(err, EB_EIO, "%s: external data '%s': %s", what, location, strerror(errno));
    size_t dl = strlen(real_dir);
    if (strncmp(real_file, real_dir, dl) != 0 || (real_file[dl] != '/' && strcmp(real_dir, "/") != 0))
        return eb_errf(err, EB_EFORMAT, "%s: external data path '%s' leaves the model's folder", what, location);
    FILE *f = fopen(real_file, "rb");
    if (!f)
        return eb_errf(err, EB_EIO, "%s: external data '%s': %s", what, location, strerror(errno));
    int ok = fseeko(f, (off_t)offset, SEEK_SET) == 0 && fread(dst, 1, nbytes, f) == nbytes;
    fclose(f);
    if (!ok)
        return eb_errf(err, EB_EFORMAT, "%s: external data '%s' is shorter than offset %lld + %zu bytes", what,
                       location, offset, nbytes);
    return EB_OK;
}

/* Number of elements held in the typed field that this dtype uses, and a
 * copier from it.  Returns -1 when the dtype has no typed field. */
static int64_t typed_count(const Onnx__TensorProto *tp, eb_dtype dt)
{
    switch (dt) {
    case EB_DT_F32: return (int64_t)tp->n_float_data;
    case EB_DT_F64: return (int64_t)tp->n_double_data;
    case EB_DT_I64: return (int64_t)tp->n_int64_data;
    case EB_DT_U32:
    case EB_DT_U64: return (int64_t)tp->n_uint64_data;
    case EB_DT_I32:
    case EB_DT_I16:
    case EB_DT_I8:
    case EB_DT_U16:
    case EB_DT_U8:
    case EB_DT_BOOL:
    case EB_DT_F16:
    case EB_DT_BF16: return (int64_t)tp->n_int32_data;
    default: return -1;
    }
}

static void typed_copy(const Onnx__TensorProto *tp, eb_tensor *t, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        switch (t->dtype) {
        case EB_DT_F32: ((float *)t->data)[i] = tp->float_data[i]; break;
        case EB_DT_F64: ((double *)t->data)[i] = tp->double_data[i]; break;
        case EB_DT_I64: ((int64_t *)t->data)[i] = tp->int64_data[i]; break;
        case EB_DT_U32: ((uint32_t *)t->data)[i] = (uint32_t)tp->uint64_data[i]; break;
        case EB_DT_U64: ((uint64_t *)t->data)[i] = tp->uint64_data[i]; break;
        case EB_DT_F16:
        case EB_DT_BF16: ((uint16_t *)t->data)[i] = (uint16_t)tp->int32_data[i]; break; /* bits */
        default: eb_dtype_set_i64(t->dtype, t->data, i, tp->int32_data[i]); break;
        }
    }
}

eb_status eb_tensor_from_onnx(const Onnx__TensorProto *tp, const char *what, const char *dir, eb_tensor *t,
                              eb_err *err)
{
    memset(t, 0, sizeof *t);
    if (tp->segment)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: segmented tensors are not supported", what);
    eb_dtype dt = eb_dtype_from_onnx(tp->data_type);
    if (dt == EB_DT_UNDEFINED)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: data type %s (%d) is not supported", what,
                       eb_onnx_type_name(tp->data_type), (int)tp->data_type);
    if (tp->n_dims > EB_MAX_RANK)
        return eb_errf(err, EB_EUNSUPPORTED, "%s: rank %zu exceeds the maximum %d", what, tp->n_dims, EB_MAX_RANK);
    t->dtype = dt;
    t->rank = (int)tp->n_dims;
    for (int i = 0; i < t->rank; i++) {
        if (tp->dims[i] < 0)
            return eb_errf(err, EB_EFORMAT, "%s: negative dimension %lld", what, (long long)tp->dims[i]);
        t->shape[i] = tp->dims[i];
    }
    int64_t numel = eb_tensor_numel(t);
    size_t nbytes = eb_tensor_nbytes(t);
    if (numel < 0 || nbytes == SIZE_MAX)
        return eb_errf(err, EB_EFORMAT, "%s: element count of its dims overflows", what);

    bool external = tp->has_data_location && tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    int64_t typed = typed_count(tp, dt);
    /* validate the data source before allocating numel elements */
    if (!external) {
        if (tp->has_raw_data && tp->raw_data.len > 0) {
            if (tp->raw_data.len != nbytes)
                return eb_errf(err, EB_EFORMAT, "%s: declares %lld elements (%zu bytes) but raw_data holds %zu bytes",
                               what, (long long)numel, nbytes, tp->raw_data.len);
        } else if (typed != numel) {
            return eb_errf(err, EB_EFORMAT, "%s: declares %lld elements but holds %lld", what, (long long)numel,
                           (long long)(typed < 0 ? 0 : typed));
        }
    }
    char desc[64];
    snprintf(desc, sizeof desc, "%s", what);
    eb_status st = eb_tensor_alloc(t, desc, err);
    if (st != EB_OK)
        return st;
    if (external)
        st = read_external(tp, what, dir, t->data, nbytes, err);
    else if (tp->has_raw_data && tp->raw_data.len > 0)
        memcpy(t->data, tp->raw_data.data, nbytes);
    else
        typed_copy(tp, t, numel);
    if (st == EB_OK && dt == EB_DT_BOOL) /* keep bools canonical 0/1 */
        for (int64_t i = 0; i < numel; i++)
            ((uint8_t *)t->data)[i] = ((uint8_t *)t->data)[i] != 0;
    if (st != EB_OK)
        eb_tensor_free_data(t);
    return st;
}

eb_status eb_tensor_load_pb(const char *path, eb_tensor *t, char **name, eb_err *err)
{
    void *buf;
    size_t len;
    eb_status st = eb_read_file(path, &buf, &len, err);
    if (st != EB_OK)
        return st;
    Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, len, buf);
    free(buf);
    if (!tp)
        return eb_errf(err, EB_EFORMAT, "%s: not a valid ONNX TensorProto file", path);
    st = eb_tensor_from_onnx(tp, path, NULL, t, err);
    if (st == EB_OK && name)
        *name = tp->name && *tp->name ? strdup(tp->name) : NULL;
    onnx__tensor_proto__free_unpacked(tp, NULL);
    return st;
}

eb_status eb_tensor_save_pb(const char *path, const eb_tensor *t, const char *name, eb_err *err)
{
    Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
    int64_t dims[EB_MAX_RANK];
    for (int i = 0; i < t->rank; i++)
        dims[i] = t->shape[i];
    tp.n_dims = (size_t)t->rank;
    tp.dims = dims;
    tp.has_data_type = 1;
    tp.data_type = eb_dtypes[t->dtype].onnx;
    tp.name = (char *)(name ? name : "");
    tp.has_raw_data = 1;
    tp.raw_data.len = eb_tensor_nbytes(t);
    tp.raw_data.data = t->data;
    size_t len = onnx__tensor_proto__get_packed_size(&tp);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return eb_errf(err, EB_ENOMEM, "%s: cannot allocate %zu bytes", path, len);
    onnx__tensor_proto__pack(&tp, buf);
    eb_status st = eb_file_replace_write(path, buf, len, err); /* mkstemp + rename: a planted link is not followed */
    free(buf);
    return st;
}
