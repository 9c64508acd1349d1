/* noise_record.h - what a result records about the noise around its
 * measurement (eb_result.noise): where it ran (--pin), the pause before it
 * (--cooldown), the machine's speed before and after it (the sentinel,
 * bench/sentinel.c), the environment the run started in (bench/env_checks.c)
 * and, with --audit cache, whether it ran faster on a repeated input than
 * on distinct ones (bench/cache_audit.c).  Plain data: it travels through
 * the variant's pipe with the rest of eb_result. */
#ifndef EB_NOISE_RECORD_H
#define EB_NOISE_RECORD_H

#include <stdbool.h>

/* One environment check: its value ("performance", "on", "full") or, when
 * it could not be read, available false and the reason.  noisy: the value
 * is one that makes timings vary more than they need to (the warning). */
typedef struct eb_env_check {
    bool available;
    bool noisy;
    char value[96];
    char reason[160];
} eb_env_check;

/* The checks, read once at the start of the run (the same in every
 * result of it).  checked false: the run did not check (--no-isolate
 * results still have them; a result read from an older file does not). */
typedef struct eb_env_checks {
    bool checked;
    eb_env_check governor;       /* cpufreq scaling_governor of the CPUs the run uses */
    eb_env_check turbo;          /* intel_pstate/no_turbo or cpufreq/boost: "on" / "off" */
    eb_env_check aslr;           /* randomize_va_space: "off", "conservative", "full" */
    eb_env_check smt;            /* smt/active: "on" / "off" */
    eb_env_check load_average;   /* /proc/loadavg: "1.00 0.50 0.25" */
    eb_env_check busy_processes; /* other processes in state R at the start: "0" */
    eb_env_check pinned;         /* "0-1" (--pin) or "no" */
} eb_env_checks;

/* The sentinel: a fixed scalar workload timed `reps` times right before
 * the warm-up and again right after the variant's timed runs, on the
 * variant's own CPU.  change = after / before - 1 (medians); beyond
 * +-threshold the machine's speed changed while the variant was measured. */
typedef struct eb_sentinel {
    bool available;              /* false: reason says why (the variant did not reach its timed runs) */
    char reason[160];
    bool simulated;              /* EB_TEST_SENTINEL_MS gave the times (tests only) */
    int reps;
    double before_ms, after_ms;  /* medians of the reps */
    double change;               /* after / before - 1 */
    double threshold;            /* a fraction: 0.10 */
    bool speed_changed;          /* |change| > threshold */
} eb_sentinel;

/* --audit cache (MLPerf TEST04): the same input run back to back against
 * distinct inputs (fresh seeds), in alternating blocks. */
typedef struct eb_cache_audit {
    bool requested;              /* --audit cache was on */
    bool available;              /* false: reason says why */
    char reason[160];
    int runs_same, runs_distinct;
    double same_median_ms, distinct_median_ms;
    double same_q75_ms, distinct_q25_ms;
    double ratio;                /* same_median / distinct_median */
    double threshold;            /* a fraction: 0.10 */
    int rounds;                  /* pairs of blocks (repeated, distinct) */
    int rounds_faster;           /* rounds whose repeated block's median is more than threshold below its distinct one's */
    bool flagged;                /* repeats more than threshold faster, the two sets apart, in every round */
} eb_cache_audit;

typedef struct eb_noise {
    bool pinned;                 /* --pin was given */
    char cpus[128];              /* its CPU list, canonical ("0-1"); "" when not pinned */
    double cooldown_s;           /* --cooldown: the wait before this variant (0: none) */
    eb_env_checks env;
    eb_sentinel sentinel;
    eb_cache_audit cache;
} eb_noise;

#endif
