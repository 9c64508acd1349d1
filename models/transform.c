/* transform.c - the compression hook (transform.h): decides whether a
 * variant's pruning and quantization apply, and will apply them.  The
 * transforms themselves come with the compression-variants issue; until
 * then every spec but none is refused here, in one place. */
#include "models/transform.h"

#include <stdio.h>
#include <string.h>

/* Bytes of g's constants as stored (dense ones only today). */
static size_t constant_bytes(const eb_graph *g)
{
    size_t sum = 0;
    for (int i = 0; i < g->n_values; i++)
        if (g->values[i].is_const && g->values[i].t.data) {
            size_t b = eb_tensor_nbytes(&g->values[i].t);
            sum += b == SIZE_MAX ? 0 : b;
        }
    return sum;
}

eb_status eb_graph_compress(eb_graph *g, const eb_compress_spec *spec, eb_transform_report *rep, eb_err *err)
{
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
