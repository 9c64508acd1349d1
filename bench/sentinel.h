/* sentinel.h - the machine's speed before and after a variant: a fixed
 * scalar workload (the same code and iteration count every time) timed
 * EB_SENTINEL_REPS times right before the warm-up and again right after
 * the timed runs, in the variant's own process and on its CPUs.  When the
 * medians differ by more than EB_SENTINEL_THRESHOLD the machine changed
 * speed while the variant was measured (a clock that fell, a competitor
 * that started), and the result is flagged (noise.machine_speed_changed).
 *
 * Why 5 reps and the median: one rep of a few ms can be preempted on a
 * busy machine; the median of 5 ignores up to 2 such reps.  Why 10%: it
 * is the size of slowdown `compare` is asked to detect, so a machine speed
 * change of that size is indistinguishable from a regression.
 *
 * Test-only: EB_TEST_SENTINEL_MS=B,A makes the sentinel read a simulated
 * clock on which each rep before takes B ms and each rep after A ms (the
 * workload still runs), so that tests can force a slowdown
 * deterministically.  Like every EB_* variable it is recorded in the
 * result file's environment. */
#ifndef EB_SENTINEL_H
#define EB_SENTINEL_H

#include "bench/result.h"

#define EB_SENTINEL_REPS 5
#define EB_SENTINEL_THRESHOLD 0.10

/* Times the workload before the variant: fills s->before_ms (and reps,
 * threshold, simulated); s->available stays false until the after run. */
void eb_sentinel_before(eb_sentinel *s);
/* Times it after the variant and judges (eb_sentinel_judge). */
void eb_sentinel_after(eb_sentinel *s);

/* The decision alone, on two sets of rep times (ms): their medians into
 * before_ms / after_ms, change = after / before - 1, speed_changed when
 * |change| > threshold; available.  A median of 0 or less (an unusable
 * clock) leaves it unavailable with the reason. */
void eb_sentinel_judge(const double *before, const double *after, int n, double threshold, eb_sentinel *s);

/* One run of the workload (for tests: it must not be optimized away and
 * must take the same work every time); returns its checksum. */
double eb_sentinel_workload(void);

#endif
