/* interleave.h - `run --processes K`: each variant measured in K worker
 * processes, the processes of all the variants of a model run in a random
 * order (Google Benchmark's random interleaving: a slow spell of the
 * machine then hits several variants a little rather than one variant
 * entirely), and the K results of a variant merged into one record whose
 * samples are tagged by process (reports/processes.h). */
#ifndef EB_INTERLEAVE_H
#define EB_INTERLEAVE_H

#include <stdint.h>

#include "bench/result.h"

/* The order of the jobs of one model: order[0..n_variants*k) holds each
 * variant index k times, shuffled (Fisher-Yates) by a generator seeded
 * from seed; except that first (>= 0), the baseline variant, has its
 * first job at the front (the others measure their drift against its
 * outputs).  k == 1 keeps the variants' order: one process each, as
 * without --processes. */
void eb_interleave_order(int n_variants, int k, int first, uint64_t seed, int *order);

/* Merges parts[0..k) (the results of one variant's worker processes, in
 * the order they ran; k >= 1) into *out and frees them.  All ok: parts[0]'s
 * record (its drift, memory, energy, counters) with every part's samples
 * concatenated, process by process (n_processes, process_n), the latency
 * summary of the pooled samples with the hierarchical-bootstrap interval
 * of the median, throughput and roofline share at the pooled median, the
 * largest peak RSS, hit_max_time / hit_sample_cap when any part hit it.
 * A part that is not ok (failed, crashed, timeout, interrupted) makes the
 * record that part's, saying which process it was.  `planned` > k: the
 * sweep stopped before the other processes ran (a warning says so). */
void eb_interleave_merge(eb_result *parts, int k, int planned, double cv_threshold, eb_result *out);

#endif
