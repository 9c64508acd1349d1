/* compress_spec.c - names and text of the parsed compression settings. */
#include "models/compress_spec.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const prune_names[EB_PRUNE_KIND_COUNT] = {"none", "fraction", "nm", "channel"};
static const char *const quant_names[EB_QUANT_KIND_COUNT] = {"none", "fp16", "int8", "int8-static", "int4"};
_Static_assert(EB_PRUNE_KIND_COUNT == 4 && EB_QUANT_KIND_COUNT == 5, "name every prune and quant kind");

bool eb_compress_spec_is_none(const eb_compress_spec *s)
{
    return s->prune == EB_PRUNE_NONE && s->quant == EB_QUANT_NONE;
}

const char *eb_prune_kind_name(eb_prune_kind k)
{
    return (unsigned)k < EB_PRUNE_KIND_COUNT ? prune_names[k] : "invalid";
}

const char *eb_quant_kind_name(eb_quant_kind k)
{
    return (unsigned)k < EB_QUANT_KIND_COUNT ? quant_names[k] : "invalid";
}

/* x in the fewest digits that read back as x. */
static void shortest(double x, char out[32])
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 32, "%.*g", prec, x);
        if (strtod(out, NULL) == x)
            return;
    }
}

const char *eb_calib_method_name(eb_calib_method m)
{
    static const char *const names[EB_CALIB_COUNT] = {"minmax", "percentile", "entropy"};
    return (unsigned)m < EB_CALIB_COUNT ? names[m] : "invalid";
}

void eb_compress_spec_describe(const eb_compress_spec *s, char *buf, size_t n)
{
    if (!buf || n == 0)
        return;
    char frac[32], prune[64] = "", quant[48] = "";
    switch (s->prune) {
    case EB_PRUNE_NONE: break;
    case EB_PRUNE_FRACTION: shortest(s->fraction, frac), snprintf(prune, sizeof prune, "prune=%s", frac); break;
    case EB_PRUNE_NM: snprintf(prune, sizeof prune, "prune=%d:%d", s->n, s->m); break;
    case EB_PRUNE_CHANNEL: shortest(s->fraction, frac), snprintf(prune, sizeof prune, "prune=channel:%s", frac); break;
    default: snprintf(prune, sizeof prune, "prune=invalid"); break;
    }
    if (s->quant == EB_QUANT_INT4)
        snprintf(quant, sizeof quant, "quant=int4,group=%d", s->group > 0 ? s->group : 32);
    else if (s->quant != EB_QUANT_NONE)
        snprintf(quant, sizeof quant, "quant=%s", eb_quant_kind_name(s->quant));
    if (!prune[0] && !quant[0])
        snprintf(buf, n, "none");
    else
        snprintf(buf, n, "%s%s%s", prune, prune[0] && quant[0] ? "," : "", quant);
}
