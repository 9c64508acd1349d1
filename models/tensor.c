/* tensor.c - shape arithmetic and checked allocation of tensor data. */
#include "tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int64_t eb_tensor_numel(const eb_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++) {
        int64_t d = t->shape[i];
        if (d < 0)
            return -1;
        if (d != 0 && n > INT64_MAX / d)
            return -1;
        n *= d;
    }
    return n;
}

size_t eb_tensor_nbytes(const eb_tensor *t)
{
    int64_t n = eb_tensor_numel(t);
    return n < 0 ? SIZE_MAX : eb_dtype_nbytes(t->dtype, n);
}

bool eb_tensor_same_shape(const eb_tensor *a, const eb_tensor *b)
{
    if (a->rank != b->rank)
        return false;
    for (int i = 0; i < a->rank; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

void eb_tensor_copy_meta(eb_tensor *dst, const eb_tensor *src)
{
    dst->dtype = src->dtype;
    dst->rank = src->rank;
    memcpy(dst->shape, src->shape, sizeof dst->shape);
}

const char *eb_tensor_describe(const eb_tensor *t, char *buf, size_t n)
{
    int off = snprintf(buf, n, "%s[", eb_dtype_name(t->dtype));
    for (int i = 0; i < t->rank && off > 0 && (size_t)off < n; i++)
        off += snprintf(buf + off, n - (size_t)off, "%s%lld", i ? "," : "", (long long)t->shape[i]);
    if (off > 0 && (size_t)off < n)
        snprintf(buf + off, n - (size_t)off, "]");
    return buf;
}

uint64_t eb_mem_limit(void)
{
    const char *env = getenv("EB_MEM_LIMIT_MB");
    if (env && *env)
        return strtoull(env, NULL, 10) << 20;
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || psize <= 0)
        return UINT64_C(1) << 34;
    return (uint64_t)pages * (uint64_t)psize;
}

eb_status eb_tensor_alloc(eb_tensor *t, const char *what, eb_err *err)
{
    char desc[128];
    size_t nb = eb_tensor_nbytes(t);
    if (nb == SIZE_MAX)
        return eb_errf(err, EB_EINVAL, "%s: shape %s overflows", what, eb_tensor_describe(t, desc, sizeof desc));
    if (nb > eb_mem_limit())
        return eb_errf(err, EB_ENOMEM, "%s: %s needs %zu bytes, more than the %llu bytes of memory", what,
                       eb_tensor_describe(t, desc, sizeof desc), nb, (unsigned long long)eb_mem_limit());
    size_t sz = (nb + 63) & ~(size_t)63;
    void *p = aligned_alloc(64, sz ? sz : 64);
    if (!p)
        return eb_errf(err, EB_ENOMEM, "%s: cannot allocate %zu bytes", what, nb);
    memset(p, 0, sz ? sz : 64);
    t->data = p;
    return EB_OK;
}

void eb_tensor_free_data(eb_tensor *t)
{
    free(t->data);
    t->data = NULL;
}
