/* transform.h - the compression transforms: the one hook between loading a
 * graph (and inferring its shapes) and a runner's prepare, where a
 * variant's pruning and quantization rewrite the weights.
 *
 * eb_graph_compress is the single place that decides whether a variant's
 * compression can be applied.  It rewrites constants in place: a pruned or
 * quantized weight gets a storage (storage.h) that the graph then owns.
 * With no compression it leaves the graph untouched, bit for bit.  No
 * transform is implemented yet: any other spec is refused as unsupported,
 * with the reason, and the harness records the variant so. */
#ifndef EB_TRANSFORM_H
#define EB_TRANSFORM_H

#include <stddef.h>

#include "models/compress_spec.h"
#include "models/graph.h"
#include "models/status.h"

/* What the transforms did to a graph. */
typedef struct eb_transform_report {
    char applied[96];     /* the settings applied, as eb_compress_spec_describe writes them; "none" */
    int tensors_changed;  /* constants whose storage the transforms replaced */
    size_t bytes_before;  /* bytes of the constants before and after */
    size_t bytes_after;
} eb_transform_report;

/* Applies spec to g's constants and fills *rep (rep may be NULL).  For a
 * spec that is none: EB_OK and g unchanged.  Otherwise, for now,
 * EB_EUNSUPPORTED with "prune=0.5 is not implemented yet (issue:
 * compression variants)", g unchanged. */
eb_status eb_graph_compress(eb_graph *g, const eb_compress_spec *spec, eb_transform_report *rep, eb_err *err);

#endif
