/* compress_spec.h - a variant's compression settings, parsed: which
 * pruning and which quantization the transforms (transform.h) apply.
 *
 * bench/variant.c fills it while it parses `prune=` and `quant=`; the
 * variant keeps its strings too (the canonical text, the JSON and the
 * reports read those).  Runners and transforms decide on this struct,
 * never on the strings.  All zeros is "no compression" (group 0 then
 * stands for the default, 32). */
#ifndef EB_COMPRESS_SPEC_H
#define EB_COMPRESS_SPEC_H

#include <stdbool.h>
#include <stddef.h>

typedef enum eb_prune_kind {
    EB_PRUNE_NONE = 0,
    EB_PRUNE_FRACTION, /* unstructured: the smallest `fraction` of the weights */
    EB_PRUNE_NM,       /* n of every m consecutive weights kept */
    EB_PRUNE_CHANNEL,  /* the `fraction` of output channels with the smallest norm */
    EB_PRUNE_KIND_COUNT
} eb_prune_kind;

typedef enum eb_quant_kind {
    EB_QUANT_NONE = 0,
    EB_QUANT_FP16,
    EB_QUANT_INT8,        /* weights int8, activations quantized at run time */
    EB_QUANT_INT8_STATIC, /* activation ranges calibrated ahead of time */
    EB_QUANT_INT4,        /* weights int4 in groups of `group` */
    EB_QUANT_KIND_COUNT
} eb_quant_kind;

typedef struct eb_compress_spec {
    eb_prune_kind prune;
    double fraction; /* FRACTION, CHANNEL: 0 < fraction < 1 */
    int n, m;        /* NM: 0 < n < m */
    eb_quant_kind quant;
    int group;       /* INT4 group size (the variant's group=, default 32) */
} eb_compress_spec;

/* True when the spec neither prunes nor quantizes. */
bool eb_compress_spec_is_none(const eb_compress_spec *s);
/* The names the variant grammar uses: "none", "fraction", "nm", "channel";
 * "none", "fp16", "int8", "int8-static", "int4".  "invalid" out of range. */
const char *eb_prune_kind_name(eb_prune_kind k);
const char *eb_quant_kind_name(eb_quant_kind k);
/* The settings as the variant grammar writes them, the parts that are not
 * none joined by ',': "prune=2:4,quant=int4,group=64", "prune=0.5";
 * "none" when there are none.  Fractions in the shortest text that reads
 * back as the same double. */
void eb_compress_spec_describe(const eb_compress_spec *s, char *buf, size_t n);

#endif
