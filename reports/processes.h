/* processes.h - a result's samples grouped by worker process (`run
 * --processes K`): the record's view of them for the statistics (stats.h's
 * eb_sample_groups), each process's median, the latency summary of the
 * pooled samples with the hierarchical-bootstrap interval of the median,
 * and the check of a file's per-sample process tags.
 *
 * The record (record.h) keeps the samples of process 0 first, then those
 * of process 1, ..., with n_processes and process_n[] saying how many; a
 * result from one process has n_processes 0 or 1.  In JSON (emit_json.c,
 * results-schema.json) the same is latency.processes (K),
 * latency.process_of_sample (the process index of each sample, in order)
 * and latency.process_medians. */
#ifndef EB_PROCESSES_H
#define EB_PROCESSES_H

#include <stdbool.h>

#include "reports/record.h"
#include "reports/stats.h"

/* What the record says of its median's interval (latency.median_ci95). */
#define EB_CI_METHOD_HIERARCHICAL "hierarchical percentile bootstrap (processes, then samples)"
#define EB_CI_SCOPE_WITHIN \
    "within-process only: one process, so the interval does not cover the shift from one process to the next"

/* Worker processes behind r's samples: at least 1. */
int eb_result_processes(const eb_result *r);

/* r's samples as groups; one_count is storage for the single count of a
 * one-process result (it must outlive *g). */
void eb_result_groups(const eb_result *r, eb_sample_groups *g, int *one_count);

/* The median of process i's samples (0 <= i < eb_result_processes(r));
 * NAN when it has none. */
double eb_result_process_median(const eb_result *r, int i);

/* Fills r->latency from the pooled samples (eb_latency_summarize with
 * cv_threshold) and, with more than one process, replaces the median's
 * interval by the hierarchical bootstrap's (EB_BOOT_RESAMPLES, EB_BOOT_SEED,
 * 95%; ci_hierarchical set), whose coverage is the nominal 0.95. */
void eb_processes_summarize(eb_result *r, double cv_threshold);

/* Sets r's process grouping from a file's per-sample tags[0..n) (n must be
 * r->n_samples): accepted only when the tags run 0, 0, ..., 1, 1, ... up to
 * k-1 without gaps, k <= EB_RESULT_MAX_PROCESSES.  False (r left as one
 * process) otherwise: a file that does not say it cleanly is read as one
 * process. */
bool eb_processes_from_tags(eb_result *r, const int *tags, int n);

#endif
