/* prune.c - magnitude pruning of layer weights: unstructured (prune=P,
 * per layer or with one threshold over all layers) and N:M structured
 * (prune=N:M, along the reduction axis).
 *
 * Unstructured: the floor(P * count) weights of smallest magnitude become
 * zero, count being the layer's weights (per layer) or all pruned layers'
 * (global); ties go by position, earlier first, so the result does not
 * depend on the sort.  N:M: in every group of M consecutive weights of an
 * output's reduction (a Conv's C*kh*kw in memory order, a Gemm's or
 * MatMul's K) the N of largest magnitude stay (earlier on ties); a layer
 * whose reduction is not a multiple of M is left dense, and says so.
 * Unless quantization follows, the pruned weight is then stored as CSR or
 * N:M (storage.h), by output row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "models/transform_layers.h"

typedef struct mag {
    float a;
    int layer;
    int64_t i;
} mag;

static int by_magnitude(const void *pa, const void *pb)
{
    const mag *a = pa, *b = pb;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    if (a->layer != b->layer)
        return a->layer < b->layer ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Zeroes the floor(fraction * total) smallest weights over the layers
 * in[0..n) with pick[] set. */
static eb_status zero_smallest(eb_graph *g, const eb_layer *layers, int n, const bool *pick, double fraction,
                               eb_err *err)
{
    int64_t total = 0;
    for (int l = 0; l < n; l++)
        if (pick[l])
            total += eb_tensor_numel(&g->values[layers[l].weight].t);
    mag *m = malloc((size_t)(total ? total : 1) * sizeof *m);
    if (!m)
        return eb_errf(err, EB_ENOMEM, "prune: out of memory sorting %lld weights", (long long)total);
    int64_t k = 0;
    for (int l = 0; l < n; l++) {
        if (!pick[l])
            continue;
        const eb_tensor *t = &g->values[layers[l].weight].t;
        const float *x = t->data;
        for (int64_t i = 0; i < eb_tensor_numel(t); i++)
            m[k++] = (mag){fabsf(x[i]), l, i};
    }
    qsort(m, (size_t)total, sizeof *m, by_magnitude);
    int64_t cut = (int64_t)floor(fraction * (double)total);
    for (int64_t j = 0; j < cut; j++)
        ((float *)g->values[layers[m[j].layer].weight].t.data)[m[j].i] = 0.0f;
    free(m);
    return EB_OK;
}

/* Replaces t's dense data with storage s. */
static void attach(eb_tensor *t, eb_storage *s)
{
    eb_tensor_free_data(t);
    t->storage = s;
}

eb_status eb_prune_weights(eb_graph *g, const eb_layer *layers, int n, const bool *skip, const eb_compress_spec *spec,
                           bool then_quant, eb_layer_change *ch, int *changed, eb_err *err)
{
    bool *pick = calloc((size_t)n + 1, sizeof *pick);
    if (!pick)
        return eb_errf(err, EB_ENOMEM, "prune: out of memory");
    eb_status st = EB_OK;
    for (int l = 0; l < n; l++) {
        pick[l] = !skip[l] && g->values[layers[l].weight].t.data && !g->values[layers[l].weight].t.storage;
        if (skip[l])
            eb_layer_note(&ch[l], "kept dense (prune-skip)");
        if (pick[l] && spec->prune == EB_PRUNE_NM && layers[l].k % spec->m != 0) {
            eb_layer_note(&ch[l], "kept dense: its reduction length %lld is not a multiple of M = %d",
                     (long long)layers[l].k, spec->m);
            pick[l] = false;
        }
    }
    if (spec->prune == EB_PRUNE_FRACTION && spec->prune_global)
        st = zero_smallest(g, layers, n, pick, spec->fraction, err);
    for (int l = 0; st == EB_OK && l < n; l++) {
        if (!pick[l])
            continue;
        eb_tensor *t = &g->values[layers[l].weight].t;
        eb_storage *s = NULL;
        if (spec->prune == EB_PRUNE_FRACTION) {
            bool one[1] = {true};
            if (!spec->prune_global)
                st = zero_smallest(g, &layers[l], 1, one, spec->fraction, err);
            if (st == EB_OK && !then_quant)
                st = eb_storage_csr_from_dense(t, layers[l].transposed, &s, err);
        } else {
            st = eb_storage_nm_from_dense(t, layers[l].transposed, spec->n, spec->m, &s, err);
            if (st == EB_OK && then_quant) { /* the kept values, zeros between, back into the dense data */
                eb_tensor view = *t;
                view.data = NULL;
                view.storage = s;
                st = eb_storage_to_dense(&view, t->data, err);
            }
        }
        if (st != EB_OK)
            break;
        if (s && !then_quant)
            attach(t, s);
        else
            eb_storage_free(s);
        ch[l].sparsity = eb_dense_sparsity(t);
        if (s && !then_quant)
            ch[l].sparsity = 1.0 - (double)(s->kind == EB_STORAGE_CSR ? s->u.csr.nnz
                                                                       : s->u.nm.rows * (s->u.nm.cols / s->u.nm.m) * s->u.nm.n) /
                                       (double)eb_tensor_numel(t);
        (*changed)++;
    }
    free(pick);
    return st;
}
