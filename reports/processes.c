/* processes.c - samples grouped by worker process (see processes.h).
 *
 * The interval of a multi-process result's median is the hierarchical
 * bootstrap's (stats.h): processes resampled first, then the samples of
 * each.  The order-statistic interval eb_latency_summarize computes treats
 * every sample as independent, which samples of one process are not; it
 * stays the interval of one-process results, which the record marks as
 * within-process only (emit_json.c). */
#include "reports/processes.h"

#include <math.h>
#include <string.h>

int eb_result_processes(const eb_result *r)
{
    return r->n_processes > 1 ? r->n_processes : 1;
}

void eb_result_groups(const eb_result *r, eb_sample_groups *g, int *one_count)
{
    g->x = r->samples_ms;
    g->n = r->n_samples;
    if (r->n_processes > 1) {
        g->counts = r->process_n;
        g->k = r->n_processes;
    } else {
        *one_count = r->n_samples;
        g->counts = one_count;
        g->k = 1;
    }
}

double eb_result_process_median(const eb_result *r, int i)
{
    if (r->n_processes <= 1)
        return i == 0 ? eb_stats_median(r->samples_ms, r->n_samples) : NAN;
    if (i < 0 || i >= r->n_processes)
        return NAN;
    int off = 0;
    for (int j = 0; j < i; j++)
        off += r->process_n[j];
    return r->process_n[i] > 0 ? eb_stats_median(r->samples_ms + off, r->process_n[i]) : NAN;
}

void eb_processes_summarize(eb_result *r, double cv_threshold)
{
    eb_latency_summarize(r->samples_ms, r->n_samples, cv_threshold, &r->latency);
    r->ci_hierarchical = false;
    if (r->n_processes <= 1 || r->n_samples < 1)
        return;
    eb_sample_groups g;
    int one;
    eb_result_groups(r, &g, &one);
    double lo, hi;
    eb_err err = {{0}};
    if (eb_hier_median_ci(&g, EB_BOOT_RESAMPLES, 0.95, EB_BOOT_SEED, &lo, &hi, &err) != EB_OK) {
        /* bad grouping or no memory: no interval rather than a wrong one */
        r->latency.ci_available = false;
        r->latency.ci_low = r->latency.ci_high = r->latency.ci_level = NAN;
        return;
    }
    r->latency.ci_available = true;
    r->latency.ci_low = lo;
    r->latency.ci_high = hi;
    r->latency.ci_level = 0.95;
    r->ci_hierarchical = true;
}

bool eb_processes_from_tags(eb_result *r, const int *tags, int n)
{
    r->n_processes = 0;
    if (n != r->n_samples || n < 1 || tags[0] != 0)
        return false;
    int counts[EB_RESULT_MAX_PROCESSES] = {0}, k = 1;
    for (int i = 0; i < n; i++) {
        if (tags[i] == k) /* the next process starts */
            k++;
        else if (tags[i] != k - 1)
            return false;
        if (k > EB_RESULT_MAX_PROCESSES)
            return false;
        counts[k - 1]++;
    }
    if (k > 1) {
        r->n_processes = k;
        memcpy(r->process_n, counts, sizeof counts);
    }
    return true;
}
