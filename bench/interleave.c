/* interleave.c - the schedule and the merge of `run --processes K` (see
 * interleave.h).
 *
 * Why several processes: a process's speed depends on what it drew at
 * start (address space layout, physical pages, code alignment, the core
 * and frequency it landed on), so the samples of one process scatter less
 * than the same build measured again.  pyperf runs 20 worker processes for
 * this reason; the record keeps which process each sample came from, and
 * the statistics resample processes first (reports/stats.h). */
#include "bench/interleave.h"

#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "reports/processes.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void eb_interleave_order(int n_variants, int k, int first, uint64_t seed, int *order)
{
    int n = 0;
    if (first >= 0)
        order[n++] = first;
    for (int v = 0; v < n_variants; v++)
        for (int j = v == first ? 1 : 0; j < k; j++)
            order[n++] = v;
    if (k <= 1)
        return;
    /* Fisher-Yates over everything after the baseline's first job */
    int lo = first >= 0 ? 1 : 0;
    uint64_t s = seed ^ UINT64_C(0x696e7465726c6561); /* "interlea": not the inputs' stream */
    for (int i = n - 1; i > lo; i--) {
        int j = lo + (int)(splitmix64(&s) % (uint64_t)(i - lo + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

void eb_interleave_merge(eb_result *parts, int k, int planned, double cv_threshold, eb_result *out)
{
    int bad = -1;
    for (int i = 0; i < k && bad < 0; i++)
        if (parts[i].status != EB_RESULT_OK)
            bad = i;
    if (bad >= 0 || k == 1) {
        int keep = bad >= 0 ? bad : 0;
        *out = parts[keep];
        for (int i = 0; i < k; i++)
            if (i != keep)
                eb_result_free(&parts[i]);
        if (bad >= 0 && planned > 1)
            eb_result_warn(out, "worker process %d of %d ended %s; the record is that process's", bad + 1, planned,
                           eb_result_status_name(out->status));
        else if (planned > k)
            eb_result_warn(out, "only %d of %d worker processes ran (the sweep was stopped)", k, planned);
        return;
    }
    int total = 0;
    for (int i = 0; i < k; i++)
        total += parts[i].n_samples;
    double *all = total > 0 ? malloc((size_t)total * sizeof *all) : NULL;
    *out = parts[0];
    if (total > 0 && !all) { /* keep the first process's record, and say so */
        for (int i = 1; i < k; i++)
            eb_result_free(&parts[i]);
        eb_result_warn(out, "out of memory merging %d worker processes: only the first one's samples kept", k);
        return;
    }
    double old_median = out->latency.median;
    out->n_processes = k;
    for (int i = 0, off = 0; i < k; i++) {
        if (parts[i].n_samples > 0)
            memcpy(all + off, parts[i].samples_ms, (size_t)parts[i].n_samples * sizeof *all);
        off += parts[i].n_samples;
        out->process_n[i] = parts[i].n_samples;
        out->hit_max_time = out->hit_max_time || parts[i].hit_max_time;
        out->hit_sample_cap = out->hit_sample_cap || parts[i].hit_sample_cap;
        if (parts[i].peak_rss_bytes > out->peak_rss_bytes)
            out->peak_rss_bytes = parts[i].peak_rss_bytes;
        /* the sentinel of the process whose machine speed moved most: one
         * flagged process must not hide behind the first one's figures */
        const eb_sentinel *si = &parts[i].noise.sentinel;
        if (si->available && (!out->noise.sentinel.available || fabs(si->change) > fabs(out->noise.sentinel.change)))
            out->noise.sentinel = *si;
    }
    free(out->samples_ms); /* parts[0]'s */
    out->samples_ms = all;
    out->n_samples = total;
    for (int i = 1; i < k; i++)
        eb_result_free(&parts[i]);
    eb_processes_summarize(out, cv_threshold);
    /* throughput and the roofline share follow the median */
    double f = old_median > 0 && out->latency.median > 0 ? old_median / out->latency.median : 1;
    out->gflops_per_s *= f;
    out->gbytes_per_s *= f;
    if (out->roofline.available)
        out->roofline.share *= f;
    if (planned > k)
        eb_result_warn(out, "only %d of %d worker processes ran (the sweep was stopped)", k, planned);
}
