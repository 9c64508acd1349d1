/* remap.c - the cpu runner's index-map copy, the kernel of Slice and Pad:
 * y[i0..ik] = x[map0[i0]..mapk[ik]], or the fill value where a map says -1,
 * for any element type (it moves bytes).
 *
 * The planner (cpu_plan_slice.c) gives each output dim its map (Slice:
 * first + i*step, negative steps included; Pad: the constant, edge,
 * reflect or wrap source index of ref_pad.c, or -1 for the constant) in
 * the order the bytes lie (NCHW or NHWC), and merges the innermost dims
 * that copy whole into one block of bytes.  The innermost remaining dim is
 * cut in prepare into runs (consecutive sources, or fill), so each output
 * row is a few memcpy/fill calls; rows go to the pool. */
#include <stdlib.h>
#include <string.h>

#include "runners/cpu/cpu_kernels.h"

enum { REMAP_GRAIN_BYTES = 65536 };

eb_status eb_remap_prepare(eb_remap *r, eb_err *err)
{
    int last = r->rank - 1;
    r->n_runs = 0;
    r->runs = malloc(sizeof *r->runs * (size_t)(r->out[last] + 1));
    if (!r->runs)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory for a copy plan");
    const int64_t *m = r->map[last];
    for (int64_t i = 0; i < r->out[last];) {
        int64_t j = i + 1;
        if (m[i] < 0)
            while (j < r->out[last] && m[j] < 0)
                j++;
        else
            while (j < r->out[last] && m[j] == m[j - 1] + 1)
                j++;
        r->runs[r->n_runs++] = (eb_remap_run){.out = i, .len = j - i, .src = m[i]};
        i = j;
    }
    return EB_OK;
}

void eb_remap_release(eb_remap *r)
{
    free(r->runs);
    free(r->maps);
    r->runs = NULL;
    r->maps = NULL;
}

typedef struct remap_ctx {
    const eb_remap *r;
    const char *x;
    char *y;
} remap_ctx;

static void fill(const eb_remap *r, char *dst, int64_t blocks)
{
    size_t n = (size_t)blocks * r->block / r->es;
    if (r->fill_zero) {
        memset(dst, 0, n * r->es);
        return;
    }
    for (size_t k = 0; k < n; k++)
        memcpy(dst + k * r->es, r->fill, r->es);
}

static void rows(void *arg, int64_t b, int64_t e)
{
    const remap_ctx *c = arg;
    const eb_remap *r = c->r;
    int last = r->rank - 1;
    size_t row_bytes = (size_t)r->out[last] * r->block;
    for (int64_t o = b; o < e; o++) {
        char *dst = c->y + (size_t)o * row_bytes;
        int64_t rem = o, off = 0;
        bool is_fill = false;
        for (int d = last - 1; d >= 0 && !is_fill; d--) {
            int64_t src = r->map[d][rem % r->out[d]];
            rem /= r->out[d];
            if (src < 0)
                is_fill = true;
            off += src * r->in_stride[d];
        }
        if (is_fill) {
            fill(r, dst, r->out[last]);
            continue;
        }
        const char *src = c->x + (size_t)off * r->block;
        for (int k = 0; k < r->n_runs; k++) {
            const eb_remap_run *run = &r->runs[k];
            if (run->src < 0)
                fill(r, dst + (size_t)run->out * r->block, run->len);
            else
                memcpy(dst + (size_t)run->out * r->block, src + (size_t)run->src * r->block,
                       (size_t)run->len * r->block);
        }
    }
}

void eb_remap_copy(const eb_remap *r, const void *x, void *y, eb_threadpool *tp)
{
    int64_t n_rows = 1;
    for (int d = 0; d < r->rank - 1; d++)
        n_rows *= r->out[d];
    size_t row_bytes = (size_t)r->out[r->rank - 1] * r->block;
    remap_ctx c = {r, x, y};
    eb_cpu_parallel_for(tp, n_rows, (int64_t)(REMAP_GRAIN_BYTES / (row_bytes ? row_bytes : 1)) + 1, rows, &c);
}
