/* transform.c - the compression hook (transform.h): decides whether a
 * variant's pruning and quantization apply, applies them, and records
 * what they did layer by layer. */
#include "models/transform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"

uint64_t eb_tensor_stored_bytes(const eb_tensor *t)
{
    if (t->storage)
        return eb_storage_bytes(t);
    size_t b = t->data ? eb_tensor_nbytes(t) : 0;
    return b == SIZE_MAX ? 0 : b;
}

/* Bytes of g's constants as stored. */
static size_t constant_bytes(const eb_graph *g)
{
    size_t sum = 0;
    for (int i = 0; i < g->n_values; i++)
        if (g->values[i].is_const)
            sum += eb_tensor_stored_bytes(&g->values[i].t);
    return sum;
}

eb_status eb_transform_report_add(eb_transform_report *rep, const eb_layer_change *c, eb_err *err)
{
    eb_layer_change *grown = realloc(rep->layers, ((size_t)rep->n_layers + 1) * sizeof *grown);
    if (!grown)
        return eb_errf(err, EB_ENOMEM, "out of memory recording the transforms");
    rep->layers = grown;
    rep->layers[rep->n_layers++] = *c;
    return EB_OK;
}

void eb_transform_report_free(eb_transform_report *rep)
{
    if (!rep)
        return;
    free(rep->layers);
    rep->layers = NULL;
    rep->n_layers = 0;
}

eb_status eb_graph_compress(eb_graph *g, const eb_compress_spec *spec, const eb_transform_opts *opts,
                            eb_transform_report *rep, eb_err *err)
{
    (void)opts;
    eb_transform_report r = {.applied = "none"};
    r.bytes_before = r.bytes_after = constant_bytes(g);
    if (rep)
        *rep = r;
    if (eb_compress_spec_is_none(spec))
        return EB_OK;
    char what[96];
    eb_compress_spec_describe(spec, what, sizeof what);
    return eb_errf(err, EB_EUNSUPPORTED, "%s is not implemented yet (issue: compression variants)", what);
}
