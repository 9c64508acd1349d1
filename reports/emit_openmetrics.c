/* emit_openmetrics.c - the points as OpenMetrics text, which the
 * Prometheus text parsers (node-exporter's textfile collector, the
 * pushgateway, `promtool check metrics`) read too: # HELP, # TYPE and
 * # UNIT lines, then the samples, and # EOF.  Gauges, in base units (as
 * Prometheus asks: seconds, bytes, joules):
 *
 *   edgebench_result_ok                       1 when the variant ran, 0
 *                                             when not (status label)
 *   edgebench_latency_seconds                 stat="median", "ci95_low",
 *                                             "ci95_high"
 *   edgebench_throughput_inferences_per_second  1 / median
 *   edgebench_peak_rss_bytes                  the variant process's peak
 *   edgebench_energy_per_inference_joules     energy_kind="measured" or
 *                                             "estimated", with the method
 *                                             and source as labels
 *
 * Every sample has the labels model, variant, device (the runner's device:
 * cpu, opencl:0) and host (the machine, "" unknown), so results merged
 * from many machines stay apart.  A figure that is unknown has no sample.
 * With timestamps (history export, for `promtool tsdb
 * create-blocks-from openmetrics`) each sample ends with its point's time
 * in seconds, the series in time order; without them (run, compare) the
 * file is what a textfile collector or a pushgateway accepts (both refuse
 * timestamps). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/export.h"

/* A label value: backslash, double quote and newline escaped. */
static void label_value(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '"')
            fputs("\\\"", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void labels(FILE *f, const eb_export_point *p)
{
    fputs("{model=\"", f);
    label_value(f, p->model);
    fputs("\",variant=\"", f);
    label_value(f, p->variant);
    fputs("\",device=\"", f);
    label_value(f, p->device);
    fputs("\",host=\"", f);
    label_value(f, p->host);
    fputc('"', f);
}

static void sample_end(FILE *f, double v, const eb_export_point *p, bool timestamps)
{
    fprintf(f, "} %.10g", v);
    if (timestamps && p->time_ms > 0)
        fprintf(f, " %lld.%03d", (long long)(p->time_ms / 1000), (int)(p->time_ms % 1000));
    fputc('\n', f);
}

static void family(FILE *f, const char *name, const char *unit, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
    if (unit)
        fprintf(f, "# UNIT %s %s\n", name, unit);
}

/* Series in name order and each series oldest first: OpenMetrics wants a
 * metric's points together and in time order. */
static const eb_export_point *sort_base;
static int by_series_time(const void *a, const void *b)
{
    const eb_export_point *x = &sort_base[*(const int *)a], *y = &sort_base[*(const int *)b];
    int c;
    if ((c = strcmp(x->model, y->model)) || (c = strcmp(x->variant, y->variant)) ||
        (c = strcmp(x->device, y->device)) || (c = strcmp(x->host, y->host)))
        return c;
    return x->time_ms < y->time_ms ? -1 : x->time_ms > y->time_ms;
}

eb_status eb_emit_openmetrics(FILE *f, const eb_export_point *pts, int n, bool timestamps, eb_err *err)
{
    int *ord = malloc(sizeof *ord * (size_t)(n > 0 ? n : 1));
    if (!ord)
        return eb_errf(err, EB_ENOMEM, "openmetrics: out of memory");
    for (int i = 0; i < n; i++)
        ord[i] = i;
    sort_base = pts;
    qsort(ord, (size_t)n, sizeof *ord, by_series_time);

    family(f, "edgebench_result_ok", NULL, "1 when the variant ran (status ok), 0 when it did not (status says why)");
    for (int k = 0; k < n; k++) {
        const eb_export_point *p = &pts[ord[k]];
        fputs("edgebench_result_ok", f);
        labels(f, p);
        fputs(",status=\"", f);
        label_value(f, p->status);
        fputc('"', f);
        sample_end(f, strcmp(p->status, "ok") == 0, p, timestamps);
    }

    family(f, "edgebench_latency_seconds", "seconds",
           "Inference latency: the median of the timed runs and its 95% confidence interval");
    static const char *const stats[] = {"median", "ci95_low", "ci95_high"};
    for (int k = 0; k < n; k++) {
        const eb_export_point *p = &pts[ord[k]];
        const double v[] = {p->median_ms, p->ci_low_ms, p->ci_high_ms};
        for (int s = 0; s < 3; s++) {
            if (!isfinite(v[s]))
                continue;
            fputs("edgebench_latency_seconds", f);
            labels(f, p);
            fprintf(f, ",stat=\"%s\"", stats[s]);
            sample_end(f, v[s] / 1000.0, p, timestamps);
        }
    }

    family(f, "edgebench_throughput_inferences_per_second", NULL,
           "Inferences per second, one over the median latency");
    for (int k = 0; k < n; k++) {
        const eb_export_point *p = &pts[ord[k]];
        double t = eb_export_throughput(p->median_ms);
        if (!isfinite(t))
            continue;
        fputs("edgebench_throughput_inferences_per_second", f);
        labels(f, p);
        sample_end(f, t, p, timestamps);
    }

    family(f, "edgebench_peak_rss_bytes", "bytes", "Peak resident memory of the variant's process");
    for (int k = 0; k < n; k++) {
        const eb_export_point *p = &pts[ord[k]];
        if (!isfinite(p->peak_rss_bytes))
            continue;
        fputs("edgebench_peak_rss_bytes", f);
        labels(f, p);
        sample_end(f, p->peak_rss_bytes, p, timestamps);
    }

    family(f, "edgebench_energy_per_inference_joules", "joules",
           "Energy per inference; energy_kind says whether a meter measured it or a model estimated it");
    for (int k = 0; k < n; k++) {
        const eb_export_point *p = &pts[ord[k]];
        if (!isfinite(p->energy_j))
            continue;
        fputs("edgebench_energy_per_inference_joules", f);
        labels(f, p);
        fprintf(f, ",energy_kind=\"%s\",energy_method=\"", eb_energy_kind_name(p->energy_kind));
        label_value(f, p->energy_method);
        fputs("\",energy_source=\"", f);
        label_value(f, p->energy_source);
        fputc('"', f);
        sample_end(f, p->energy_j, p, timestamps);
    }
    fputs("# EOF\n", f);
    free(ord);
    return EB_OK;
}
