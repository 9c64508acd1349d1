/* movement.c - the cpu runner's data-movement kernels: Concat, Split and
 * Gather as runs of memcpy, for any element type (they move bytes).
 *
 * Each is a set of block copies: for o < outer, `len` bytes from
 * src + o*src_stride to dst + o*dst_stride.  Concat copies each input into
 * its slot of every outer row, Split the reverse, Gather each index's slice.
 * Gather's indices are read at run time (an embedding lookup takes them
 * from the model's input); one out of range fails the run with the
 * reference kernel's message, negative ones count from the end. */
#include <string.h>

#include "runners/cpu/cpu_kernels.h"

static void copy_rows(void *arg, int64_t b, int64_t e)
{
    const eb_copy *c = arg;
    for (int64_t o = b; o < e; o++)
        memcpy(c->dst + o * c->dst_stride, c->src + o * c->src_stride, c->len);
}

void eb_copy_blocks(const eb_copy *c, eb_threadpool *tp)
{
    int64_t grain = (int64_t)(65536 / (c->len ? c->len : 1)) + 1;
    eb_cpu_parallel_for(tp, c->outer, grain, copy_rows, (void *)c);
}

eb_status eb_gather_rows(const char *data, int64_t outer, int64_t axis_dim, size_t inner_bytes, const void *idx,
                         bool idx_i64, int64_t n_idx, char *y, eb_threadpool *tp, eb_err *err)
{
    for (int64_t k = 0; k < n_idx; k++) {
        int64_t v = idx_i64 ? ((const int64_t *)idx)[k] : ((const int32_t *)idx)[k];
        if (v < -axis_dim || v >= axis_dim)
            return eb_errf(err, EB_EINVAL, "Gather: index %lld out of range for a dim of %lld", (long long)v,
                           (long long)axis_dim);
        if (v < 0)
            v += axis_dim;
        eb_copy c = {.src = data + (size_t)v * inner_bytes,
                     .dst = y + (size_t)k * inner_bytes,
                     .len = inner_bytes,
                     .outer = outer,
                     .src_stride = (int64_t)((size_t)axis_dim * inner_bytes),
                     .dst_stride = (int64_t)((size_t)n_idx * inner_bytes)};
        /* rows of one index are small: parallel only over many outer rows */
        eb_copy_blocks(&c, outer > 1 ? tp : NULL);
    }
    return EB_OK;
}
