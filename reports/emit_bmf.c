/* emit_bmf.c - Bencher Metric Format: one JSON object whose keys are
 * benchmark names (export.h's MODEL/VARIANT/DEVICE@HOST) and whose values
 * map a measure's slug to {value, lower_value?, upper_value?}
 * (tests/data/bmf.schema.json is Bencher's published schema).
 *
 * Measures:
 *   latency           the median, in nanoseconds: Bencher's built-in
 *                     Latency measure is in ns, and a value in another
 *                     unit under its slug would be read as ns; the bounds
 *                     are the median's 95% CI
 *   throughput        inferences per second (1000 / median ms), Bencher's
 *                     built-in Throughput (operations / second); the
 *                     bounds from the CI's ends
 *   memory            peak resident memory, bytes
 *   energy            joules per inference, measured by a meter
 *   energy-estimated  joules per inference, estimated (its band as the
 *                     bounds): its own measure, so that an estimate never
 *                     lands in a measurement's series
 * A figure that is unknown has no measure; a point with no figure at all
 * (a failed variant) has no benchmark. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "reports/export.h"

static bool add_measure(cJSON *bench, const char *slug, double value, double lower, double upper)
{
    cJSON *m = cJSON_CreateObject();
    if (!m || !cJSON_AddItemToObject(bench, slug, m))
        return cJSON_Delete(m), false;
    bool ok = cJSON_AddNumberToObject(m, "value", value) != NULL;
    if (ok && isfinite(lower) && isfinite(upper))
        ok = cJSON_AddNumberToObject(m, "lower_value", lower) && cJSON_AddNumberToObject(m, "upper_value", upper);
    return ok;
}

static bool add_point(cJSON *doc, const eb_export_point *p)
{
    bool lat = isfinite(p->median_ms), mem = isfinite(p->peak_rss_bytes), en = isfinite(p->energy_j);
    if (!lat && !mem && !en)
        return true;
    char name[512];
    eb_export_name(p, name, sizeof name);
    cJSON_DeleteItemFromObjectCaseSensitive(doc, name); /* a later point of one name replaces the earlier */
    cJSON *b = cJSON_CreateObject();
    if (!b || !cJSON_AddItemToObject(doc, name, b))
        return cJSON_Delete(b), false;
    bool ok = true;
    if (lat) {
        ok = add_measure(b, "latency", p->median_ms * 1e6, p->ci_low_ms * 1e6, p->ci_high_ms * 1e6) &&
             add_measure(b, "throughput", eb_export_throughput(p->median_ms), eb_export_throughput(p->ci_high_ms),
                         eb_export_throughput(p->ci_low_ms));
    }
    if (ok && mem)
        ok = add_measure(b, "memory", p->peak_rss_bytes, NAN, NAN);
    if (ok && en)
        ok = add_measure(b, p->energy_kind == EB_ENERGY_ESTIMATED ? "energy-estimated" : "energy", p->energy_j,
                         p->energy_low_j, p->energy_high_j);
    return ok;
}

eb_status eb_emit_bmf(FILE *f, const eb_export_point *p, int n, eb_err *err)
{
    cJSON *doc = cJSON_CreateObject();
    bool ok = doc != NULL;
    for (int i = 0; ok && i < n; i++)
        ok = add_point(doc, &p[i]);
    char *text = ok ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!text)
        return eb_errf(err, EB_ENOMEM, "bmf: out of memory");
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return EB_OK;
}
