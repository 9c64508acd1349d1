/* export_points.c - result records as the dashboard exports' points (see
 * export.h): the figures each format may write, with every one that was
 * not measured as NAN, the energy figure only where it is trustworthy and
 * with its kind, and the stable name a series keeps from run to run. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "reports/export.h"

double eb_export_throughput(double median_ms)
{
    return isfinite(median_ms) && median_ms > 0 ? 1000.0 / median_ms : NAN;
}

const char *eb_export_name(const eb_export_point *p, char *buf, size_t n)
{
    if (p->host[0])
        snprintf(buf, n, "%s/%s/%s@%s", p->model, p->variant, p->device, p->host);
    else
        snprintf(buf, n, "%s/%s/%s", p->model, p->variant, p->device);
    return buf;
}

int64_t eb_export_parse_time(const char *iso)
{
    if (!iso || !*iso)
        return 0;
    struct tm tm = {0};
    const char *rest = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!rest)
        return 0;
    int ms = 0;
    if (*rest == '.') { /* milliseconds (further digits ignored) */
        rest++;
        for (int k = 0; k < 3; k++) {
            ms *= 10;
            if (*rest >= '0' && *rest <= '9')
                ms += *rest++ - '0';
        }
        while (*rest >= '0' && *rest <= '9')
            rest++;
    }
    if (*rest != 'Z' && *rest != '\0')
        return 0;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return 0;
    return (int64_t)t * 1000 + ms;
}

static void copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

static void point_of(const eb_result *r, const char *host, const char *commit, const char *start_time,
                     eb_export_point *p)
{
    memset(p, 0, sizeof *p);
    copy(p->model, sizeof p->model, r->model_name[0] ? r->model_name : r->model);
    copy(p->variant, sizeof p->variant, r->variant.spec);
    copy(p->device, sizeof p->device, r->device[0] ? r->device : "cpu");
    copy(p->host, sizeof p->host, host);
    copy(p->status, sizeof p->status, eb_result_status_name(r->status));
    copy(p->commit, sizeof p->commit, commit);
    /* a record kept by --resume was measured when it finished, not now */
    copy(p->start_time, sizeof p->start_time, r->finished_at[0] ? r->finished_at : start_time);
    p->time_ms = eb_export_parse_time(p->start_time);
    p->median_ms = p->ci_low_ms = p->ci_high_ms = NAN;
    p->peak_rss_bytes = NAN;
    p->energy_kind = EB_ENERGY_UNAVAILABLE;
    p->energy_j = p->energy_low_j = p->energy_high_j = NAN;
    if (r->status != EB_RESULT_OK)
        return;
    const eb_latency_stats *s = &r->latency;
    if (r->n_samples > 0 && s->n > 0 && isfinite(s->median)) {
        p->n = s->n;
        p->median_ms = s->median;
        if (s->ci_available && isfinite(s->ci_low) && isfinite(s->ci_high)) {
            p->ci_low_ms = s->ci_low;
            p->ci_high_ms = s->ci_high;
        }
    }
    if (r->peak_rss_bytes > 0)
        p->peak_rss_bytes = (double)r->peak_rss_bytes;
    const eb_energy *e = &r->energy;
    if ((e->kind == EB_ENERGY_MEASURED || e->kind == EB_ENERGY_ESTIMATED) && e->valid && !e->relative_only &&
        isfinite(e->joules_per_inference) && e->joules_per_inference >= 0) {
        p->energy_kind = e->kind;
        p->energy_j = e->joules_per_inference;
        if (isfinite(e->band.low) && isfinite(e->band.high) && e->band.low <= e->band.high) {
            p->energy_low_j = e->band.low;
            p->energy_high_j = e->band.high;
        }
        copy(p->energy_method, sizeof p->energy_method, e->method);
        copy(p->energy_source, sizeof p->energy_source, e->source);
    }
}

eb_status eb_export_points_from_results(const eb_result *results, int n, const char *host, const char *commit,
                                        const char *start_time, eb_export_point **out, eb_err *err)
{
    *out = NULL;
    if (n <= 0)
        return EB_OK;
    eb_export_point *p = calloc((size_t)n, sizeof *p);
    if (!p)
        return eb_errf(err, EB_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++)
        point_of(&results[i], host, commit, start_time, &p[i]);
    *out = p;
    return EB_OK;
}
