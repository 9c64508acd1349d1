/* emit_gab.c - github-action-benchmark's `customSmallerIsBetter` input:
 * a JSON array of {name, unit, value, range?, extra?} (the action's
 * BenchmarkResult; tests/data/gab.schema.json states the shape).
 *
 * The action reads every entry of the file one way (smaller is better), so
 * only figures for which that holds are written: latency (the median, ms,
 * with its 95% CI as `range`), peak resident memory (bytes) and energy per
 * inference (J).  Throughput, where bigger is better, is left out (BMF
 * and OpenMetrics carry it).  An energy estimate is its own entry, named
 * "energy (estimated)" and saying its method in `extra`, so the action's
 * charts never put an estimate in a measurement's series.  A point without
 * a figure has no entry for it: nothing is written as 0. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "reports/export.h"

static bool add_entry(cJSON *arr, const char *bench, const char *metric, const char *unit, double value,
                      const char *range, const char *extra)
{
    char name[640];
    snprintf(name, sizeof name, "%s %s", bench, metric);
    cJSON *o = cJSON_CreateObject();
    if (!o || !cJSON_AddItemToArray(arr, o))
        return cJSON_Delete(o), false;
    bool ok = cJSON_AddStringToObject(o, "name", name) && cJSON_AddStringToObject(o, "unit", unit) &&
              cJSON_AddNumberToObject(o, "value", value);
    if (ok && range && *range)
        ok = cJSON_AddStringToObject(o, "range", range) != NULL;
    if (ok && extra && *extra)
        ok = cJSON_AddStringToObject(o, "extra", extra) != NULL;
    return ok;
}

static bool add_point(cJSON *arr, const eb_export_point *p)
{
    char bench[512], range[96] = "", extra[384];
    eb_export_name(p, bench, sizeof bench);
    bool ok = true;
    if (isfinite(p->median_ms)) {
        if (isfinite(p->ci_low_ms))
            snprintf(range, sizeof range, "95%% CI %.6g to %.6g", p->ci_low_ms, p->ci_high_ms);
        snprintf(extra, sizeof extra, "median of %d timed runs%s%s", p->n, p->commit[0] ? "; edgebench " : "",
                 p->commit);
        ok = add_entry(arr, bench, "latency", "ms", p->median_ms, range, extra);
    }
    if (ok && isfinite(p->peak_rss_bytes))
        ok = add_entry(arr, bench, "peak memory", "bytes", p->peak_rss_bytes, NULL,
                       "peak resident memory of the variant's process");
    if (ok && isfinite(p->energy_j)) {
        bool est = p->energy_kind == EB_ENERGY_ESTIMATED;
        range[0] = '\0';
        if (isfinite(p->energy_low_j))
            snprintf(range, sizeof range, "%.6g to %.6g", p->energy_low_j, p->energy_high_j);
        snprintf(extra, sizeof extra, "joules per inference, %s by %s (%s)", est ? "estimated" : "measured",
                 p->energy_method[0] ? p->energy_method : "?", p->energy_source[0] ? p->energy_source : "?");
        ok = add_entry(arr, bench, est ? "energy (estimated)" : "energy", "J", p->energy_j, range, extra);
    }
    return ok;
}

eb_status eb_emit_gab(FILE *f, const eb_export_point *p, int n, eb_err *err)
{
    cJSON *arr = cJSON_CreateArray();
    bool ok = arr != NULL;
    for (int i = 0; ok && i < n; i++)
        ok = add_point(arr, &p[i]);
    char *text = ok ? cJSON_Print(arr) : NULL;
    cJSON_Delete(arr);
    if (!text)
        return eb_errf(err, EB_ENOMEM, "gab: out of memory");
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return EB_OK;
}
