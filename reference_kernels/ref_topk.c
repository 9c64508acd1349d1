/* ref_topk.c - TopK (opsets 1-11): the K largest (largest=1, the default)
 * or smallest elements along `axis` (default -1), with their indices (i64).
 *
 * Each run along the axis is sorted by a stable merge sort of its
 * positions, so equal values keep their index order: the lower index comes
 * first, as the spec asks.  The output is always sorted (sorted=0 leaves
 * the order to the implementation; sorted is one such order).  NaN counts
 * as larger than every number (numpy's sort order): first with largest=1,
 * last with largest=0.  K is the output's axis length, which the shape
 * rule took from the attribute `k` (before opset 10) or input K. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/op_params.h"
#include "reference_kernels/ref.h"
#include "reference_kernels/ref_util.h"

typedef struct topk_run {
    const eb_tensor *x;
    eb_num_kind kind;
    bool largest;
    int64_t base, stride; /* element j of the run is x[base + j * stride] */
} topk_run;

/* Whether position a goes strictly before position b. */
static bool before(const topk_run *r, int64_t a, int64_t b)
{
    const eb_tensor *x = r->x;
    int64_t ia = r->base + a * r->stride, ib = r->base + b * r->stride;
    int ord; /* sign of x[a] - x[b], NaN above everything */
    switch (r->kind) {
    case EB_NUM_FLOAT: {
        double va = eb_dtype_get_f64(x->dtype, x->data, ia), vb = eb_dtype_get_f64(x->dtype, x->data, ib);
        ord = isnan(va) ? !isnan(vb) : isnan(vb) ? -1 : (va > vb) - (va < vb);
        break;
    }
    case EB_NUM_SIGNED: {
        int64_t va = eb_dtype_get_i64(x->dtype, x->data, ia), vb = eb_dtype_get_i64(x->dtype, x->data, ib);
        ord = (va > vb) - (va < vb);
        break;
    }
    default: {
        uint64_t va = eb_dtype_get_u64(x->dtype, x->data, ia), vb = eb_dtype_get_u64(x->dtype, x->data, ib);
        ord = (va > vb) - (va < vb);
        break;
    }
    }
    return r->largest ? ord > 0 : ord < 0;
}

/* Stable merge sort of pos[0..len) with tmp as scratch. */
static void merge_sort(const topk_run *r, int64_t *pos, int64_t *tmp, int64_t len)
{
    if (len < 2)
        return;
    int64_t half = len / 2;
    merge_sort(r, pos, tmp, half);
    merge_sort(r, pos + half, tmp, len - half);
    int64_t i = 0, j = half, o = 0;
    while (i < half && j < len)
        tmp[o++] = before(r, pos[j], pos[i]) ? pos[j++] : pos[i++]; /* ties: the left (lower index) one */
    while (i < half)
        tmp[o++] = pos[i++];
    while (j < len)
        tmp[o++] = pos[j++];
    memcpy(pos, tmp, (size_t)len * sizeof *pos);
}

eb_status eb_ref_topk(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    const eb_tensor *x = in[0];
    eb_tensor *vals = out[0], *idx = eb_has_output(n, out, 1) ? out[1] : NULL;
    int axis;
    eb_norm_axis(eb_attr_int(n, "axis", -1), x->rank, &axis);
    int64_t len = x->shape[axis], k = vals->shape[axis];
    int64_t outer = eb_dims_product(x->shape, axis), inner = eb_dims_product(x->shape + axis + 1, x->rank - axis - 1);
    if (eb_tensor_numel(vals) == 0)
        return EB_OK;
    int64_t *pos = malloc((size_t)len * 2 * sizeof *pos);
    if (!pos)
        return eb_errf(err, EB_ENOMEM, "TopK: out of memory for a run of %lld", (long long)len);
    topk_run r = {.x = x, .kind = eb_num_kind_of(x->dtype), .largest = eb_attr_int(n, "largest", 1) != 0,
                  .stride = inner};
    size_t size = eb_dtypes[x->dtype].size;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++) {
            r.base = o * len * inner + i;
            for (int64_t j = 0; j < len; j++)
                pos[j] = j;
            merge_sort(&r, pos, pos + len, len);
            for (int64_t j = 0; j < k; j++) {
                int64_t dst = (o * k + j) * inner + i;
                memcpy((char *)vals->data + (size_t)dst * size,
                       (const char *)x->data + (size_t)(r.base + pos[j] * inner) * size, size);
                if (idx)
                    ((int64_t *)idx->data)[dst] = pos[j];
            }
        }
    free(pos);
    return EB_OK;
}
