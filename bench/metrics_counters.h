/* metrics_counters.h - what the timed loop cost besides time: software
 * events, preempted samples, hardware counters (eb_counters in
 * reports/record.h).
 *
 * Order of use in the harness: eb_counters_open before prepare (perf's
 * counters are opened with inherit, so the worker threads prepare starts
 * are counted too), eb_counters_start right before the first timed run,
 * eb_counters_probe before and after each window of timed samples (outside the timed
 * region) with eb_counters_note_window, eb_counters_stop right after the
 * last, eb_counters_close at the end.
 *
 * Sources: hardware counters through PAPI where it is built in and loads
 * (bench/counters_papi.c; its reason when it counts nothing here), else
 * perf_event_open directly, with why PAPI was not used (hw_papi); the
 * source is recorded (hw_source, hw_events).  Software events (task-clock,
 * context-switches, cpu-migrations, page-faults) where perf opens them;
 * the voluntary/involuntary split and minor/major faults always from
 * getrusage(RUSAGE_SELF), which sums every thread.  Preemption: ru_nivcsw
 * (involuntary switches of any thread) before and after each window of
 * samples; a window whose count grew was preempted, and so are its
 * samples.  A window is one sample unless the probe (a syscall: about
 * 1.3 us on a VM with page-table isolation, where it also flushes the
 * TLB before the next sample) costs more than 1% of a sample; then it is
 * as many samples as bring it to 1%, so that microsecond models are not
 * slowed by their own noise probe. */
#ifndef EB_METRICS_COUNTERS_H
#define EB_METRICS_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "reports/record.h"

enum { EB_SW_TASK_CLOCK, EB_SW_CONTEXT_SWITCHES, EB_SW_CPU_MIGRATIONS, EB_SW_PAGE_FAULTS, EB_SW_COUNT };

struct eb_papi;

typedef struct eb_counter_set {
    struct eb_papi *papi;        /* PAPI's event set, NULL when perf (or nothing) counts */
    uint64_t papi0[EB_HW_COUNT];
    int sw_fd[EB_SW_COUNT];      /* -1 when not open */
    int hw_fd[EB_HW_COUNT];
    uint64_t sw0[EB_SW_COUNT];   /* values at start */
    uint64_t hw0[EB_HW_COUNT], hw_enabled0[EB_HW_COUNT], hw_running0[EB_HW_COUNT];
    bool started;
    long ru_nvcsw0, ru_nivcsw0, ru_minflt0, ru_majflt0;
    bool ru_ok;
} eb_counter_set;

/* Nothing open: eb_counters_close is then harmless. */
void eb_counters_init(eb_counter_set *cs);
/* Opens what opens; out gets the sources and the reasons for what did not. */
void eb_counters_open(eb_counter_set *cs, eb_counters *out);
/* Reads the starting values (and measures one probe's cost). */
void eb_counters_start(eb_counter_set *cs, eb_counters *out);
/* The process's involuntary context switches so far; -1 when unknown. */
long eb_counters_probe(void);
/* Samples per probe window for a run of run_ns when a probe costs
 * probe_ns: 1 while the probe is at most 1% of a run, else enough runs
 * that it is (at most 1024).  run_ns <= 0 (unknown): 1. */
int eb_counters_window(double probe_ns, double run_ns);
/* Records the window of n samples from `first` as preempted when after >
 * before (both known). */
void eb_counters_note_window(eb_counters *out, int64_t first, int64_t n, long before, long after);
/* The deltas since start over `runs` timed runs. */
void eb_counters_stop(eb_counter_set *cs, int64_t runs, eb_counters *out);
void eb_counters_close(eb_counter_set *cs);

/* For `edgebench info`: whether perf's software events and the hardware
 * counters open here, with the reason when not (why: n bytes); the
 * hardware's source ("PAPI 7.0", "perf_event_open") and, when it is not
 * PAPI, why (papi: pn bytes, "" when PAPI is the source). */
bool eb_counters_sw_status(char *why, size_t n);
bool eb_counters_hw_status(char *source, size_t sn, char *papi, size_t pn, char *why, size_t n);

#endif
