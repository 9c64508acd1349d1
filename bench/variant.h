/* variant.h - the variant grammar of DESIGN.md: parsing and sweep expansion.
 *
 *   RUNNER[:KEY=VALUE[,KEY=VALUE...]]      several per argument, split by ';'
 *   a value in braces is a sweep:  cpu:threads={1,2,4},quant={none,int8}
 *   expands to the cartesian product (6 variants), first key slowest.
 *
 * Keys and values: threads=N (N >= 1), prune=none|F (0<F<1)|N:M (0<N<M)|
 * channel:F (0<F<1), quant=none|fp16|int8|int8-static|int4, group=N (int4
 * group size, N >= 1; default 32; refused unless the variant is int4, kept
 * only by the int4 variants of a sweep over quant), device=N (N >= 0),
 * isa=auto|avx512|avx2|neon|generic|avx512vnni|avxvnni|neondot (the kernels' instruction set; auto,
 * the default, is the best the CPU runs; the cpu runner reads it, refuses
 * one the machine lacks, and records the one used).  The runner name's
 * spelling ([a-z0-9_], at most 31 characters) is checked here, whether it
 * exists is the registry's business; key names and values are checked.
 * eb_variant itself is declared in runners/runner.h; besides the strings,
 * the parser fills its `compress` (models/compress_spec.h), the settings
 * parsed, which is what runners and transforms read. */
#ifndef EB_VARIANT_H
#define EB_VARIANT_H

#include "models/status.h"
#include "runners/runner.h"

typedef struct eb_variant_list {
    eb_variant *items;
    int n, cap;
} eb_variant_list;

/* Most variants one run may expand to; a larger sweep is an error. */
#define EB_MAX_VARIANTS 1024

/* Parses `text` (one -v argument) and appends its expanded variants to
 * *list (which starts zeroed), skipping any already in the list (so
 * `-v ref -v 'ref:threads={1,2}'` runs ref once).  The whole list is capped
 * at EB_MAX_VARIANTS.  Each variant's spec is its canonical text.
 * On a malformed spec returns EB_EINVAL with a message that quotes the
 * spec and points at the offending part, e.g.
 *   variant 'cpu:threads={1,2': unclosed '{' at column 13
 * The list is left as it was on failure.  Free with eb_variant_list_free. */
eb_status eb_variant_parse(const char *text, eb_variant_list *list, eb_err *err);
void eb_variant_list_free(eb_variant_list *list);

/* Canonical text: the runner, then the keys that differ from the default
 * in the fixed order threads, prune, quant, group, device, isa:
 * "ref", "cpu:threads=2,quant=int8", "cpu:isa=generic".  Parsing it gives the same variant. */
void eb_variant_canonical(const eb_variant *v, char *buf, size_t n);

#endif
