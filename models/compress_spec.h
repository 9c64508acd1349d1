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

typedef enum eb_calib_method {
    EB_CALIB_MINMAX = 0, /* the observed min and max */
    EB_CALIB_PERCENTILE, /* the 99.99th percentile of |x| (min and max clipped to it) */
    EB_CALIB_ENTROPY,    /* the clip threshold with the least KL divergence (TensorRT's method) */
    EB_CALIB_COUNT
} eb_calib_method;

/* Longest prune-skip / quant-skip list ("first|last|conv1"), NUL included. */
#define EB_SKIP_LIST_MAX 128

typedef struct eb_compress_spec {
    eb_prune_kind prune;
    double fraction; /* FRACTION, CHANNEL: 0 < fraction < 1 */
    int n, m;        /* NM: 0 < n < m */
    bool prune_global; /* FRACTION: one threshold over all layers (prune-scope=global) */
    /* layers left dense: '|'-separated node names and the words first and
     * last (the first and the last prunable layer); "" means the default,
     * "first|last"; "none" prunes every layer */
    char prune_skip[EB_SKIP_LIST_MAX];
    eb_quant_kind quant;
    int group;       /* INT4 group size (the variant's group=, default 32) */
    bool group_set;  /* group= was written: a group that fits no layer is then bad input */
    char quant_skip[EB_SKIP_LIST_MAX]; /* nodes kept in fp32, same words; "" none */
    eb_calib_method calib; /* INT8_STATIC's range method */
} eb_compress_spec;

/* "minmax", "percentile", "entropy"; "invalid" out of range. */
const char *eb_calib_method_name(eb_calib_method m);

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
