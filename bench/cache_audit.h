/* cache_audit.h - --audit cache, after MLPerf's TEST04: a variant that
 * remembers its last input (or its last outputs) would look fast when a
 * benchmark feeds it the same input every run, as the timed loop does.
 * The audit runs the same input back to back and distinct inputs (the
 * harness's random inputs with fresh seeds, each generated right before
 * its run so that both kinds start cache-warm), in alternating blocks of
 * EB_AUDIT_BLOCK runs, EB_AUDIT_ROUNDS rounds, after the timed runs (their
 * samples and memory figures are untouched).  A variant more than
 * EB_AUDIT_THRESHOLD faster on repeats is flagged when the two sets are
 * also apart (the repeats' upper quartile below the distinct runs' lower
 * one) and the repeats were that much faster in every round (block
 * medians), so that one noisy stretch (a competitor that ran during a
 * few distinct runs) cannot flag it: a memoizing variant is faster in
 * every round.
 *
 * Test-only: EB_TEST_MEMOIZE=MODEL/SPEC makes that (model name, canonical
 * variant) skip the inference during the audit when its input bytes equal
 * the previous run's (a deliberately memoizing variant). */
#ifndef EB_CACHE_AUDIT_H
#define EB_CACHE_AUDIT_H

#include "bench/result.h"
#include "models/graph.h"

#define EB_AUDIT_BLOCK 5
#define EB_AUDIT_ROUNDS 4
#define EB_AUDIT_THRESHOLD 0.10

/* Runs the audit on r's prepared plan for graph g (out: the outputs'
 * buffers), the repeated input from seed and distinct ones from seed+1...;
 * stops adding rounds after max_s seconds (at least one round).  memo_key
 * is "MODEL/SPEC" for EB_TEST_MEMOIZE.  Fills *a (requested set). */
void eb_cache_audit_run(const eb_runner *r, eb_plan *plan, const eb_graph *g, uint64_t seed, eb_tensor *out,
                        double max_s, const char *memo_key, eb_cache_audit *a);

/* The decision alone, on run times (ms) in the order they ran: block runs
 * per block (0: no blocks), the repeated ones in same[], the distinct in
 * distinct[].  Medians, the quartiles, ratio, the rounds and flagged;
 * available.  Fewer than 3 of either: unavailable. */
void eb_cache_audit_judge(const double *same, int n_same, const double *distinct, int n_distinct, int block,
                          double threshold, eb_cache_audit *a);

#endif
