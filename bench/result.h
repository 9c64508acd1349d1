/* result.h - one record per (model, variant, device): what was measured.
 *
 * Filled by the harness (harness.c) in the variant's child process and
 * sent to the parent through a pipe (isolate.c); turned into JSON, CSV or
 * markdown only by reports/emit_*.c.  A result owns its samples and
 * profile arrays. */
#ifndef EB_RESULT_H
#define EB_RESULT_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/evaluate.h"
#include "bench/metrics_drift.h"
#include "bench/metrics_latency.h"
#include "models/cost.h"
#include "runners/runner.h"

typedef enum eb_result_status {
    EB_RESULT_OK = 0,
    EB_RESULT_UNSUPPORTED, /* the runner cannot execute this model/settings: `error` says why */
    EB_RESULT_FAILED,      /* an error stopped it: `error` says which */
    EB_RESULT_TIMEOUT,     /* killed after --timeout seconds */
    EB_RESULT_CRASHED,     /* died on `signal` */
    EB_RESULT_INTERRUPTED, /* stopped by Ctrl-C (SIGINT) while it ran; not a regression */
} eb_result_status;

const char *eb_result_status_name(eb_result_status s);

#define EB_RESULT_MAX_WARNINGS 4

typedef struct eb_result {
    /* what */
    char model[512];        /* path as given */
    char model_name[128];   /* file name without .onnx, or the folder of a model.onnx */
    char model_sha256[65];
    eb_variant variant;
    char device[64];        /* where it ran: the runner's device id for device=N (eb_device.id:
                             * "cpu" for host runners), stable across runs: results pair on it */
    char device_name[128];  /* that device's model (eb_device.name: the CPU brand), "" unknown */
    bool is_baseline;       /* this run is the ref baseline the drift is measured against */

    /* outcome */
    eb_result_status status;
    char error[512];
    int signal;

    /* latency (ms); warm-up runs excluded */
    int warmup;
    int n_samples;
    double *samples_ms;     /* owned */
    eb_latency_stats latency;
    bool hit_max_time;      /* --max-time stopped sampling before -n/--min-time were met */
    bool hit_sample_cap;    /* the sample buffer (2^17 or -n) filled before --min-time was met */
    double prepare_ms;      /* runner prepare(), once */

    /* accuracy against the baseline, on the same inputs */
    eb_drift drift;
    char inputs[32];        /* "random", "files" or "dataset" */
    eb_task_metric task;    /* the model's task metric on its dataset (zoo models) */

    /* memory (see harness.c): the variant's own process, started small by
     * the launcher (isolate.c), read right after the timed runs */
    uint64_t peak_rss_bytes;   /* process peak from its start to the last timed run; 0 unknown */
    char peak_rss_source[32];  /* "VmHWM" or "ru_maxrss" */
    uint64_t weight_bytes;     /* as the runner stores them */
    uint64_t activation_bytes; /* buffers for intermediate values, as planned by the runner */
    uint64_t rss_start_bytes;           /* VmRSS when the process began, before loading; 0 unknown */
    uint64_t rss_before_prepare_bytes;  /* VmRSS just before prepare (model loaded, inputs built); 0 unknown */
    bool peak_growth_known;
    uint64_t peak_growth_bytes;  /* peak over prepare + timed runs minus rss_before_prepare_bytes */
    char peak_growth_reason[96]; /* why not known */
    uint64_t scratch_bytes;      /* kernel scratch as the runner plans it (eb_plan_info) */
    char fallbacks[256];       /* ops the runner ran on reference kernels, "" when none */
    char isa[16];              /* instruction set the kernels used (eb_plan_info.isa), "" unknown */
    uint64_t device_bytes;     /* the plan's bytes in device memory (eb_plan_info); 0 host runners */

    /* static cost, and what the median achieved */
    eb_cost cost;
    double gflops_per_s;
    double gbytes_per_s;

    /* per-node profile (--profile): separate passes after the timed runs,
     * which it never touches; the runner's units of work (runner.h) */
    bool profiled;             /* --profile was on for this result */
    int profile_passes;        /* passes behind the medians; 0 when there is no profile */
    char profile_reason[256];  /* why there is no profile, "" when there is */
    double profile_pass_ms;    /* median wall time of one profiling pass, timers included */
    int n_profile;
    eb_node_time *profile;     /* owned; per unit, in run order: the median ms over the passes */
    /* what the run accepted but the reader should know (threads above the
     * usable CPUs, ...): one sentence each */
    int n_warnings;
    char warnings[EB_RESULT_MAX_WARNINGS][256];
} eb_result;

/* Sets r's device and device_name from v's runner and device=N.  in_child:
 * this process may initialise the runner's driver (the variant's child, or
 * the harness itself); otherwise a runner with devices_in_child is named
 * without asking it (runners/runner.h). */
void eb_result_set_device(eb_result *r, const eb_variant *v, bool in_child);

/* Appends a warning to r (dropped when r holds EB_RESULT_MAX_WARNINGS). */
void eb_result_warn(eb_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void eb_result_free(eb_result *r);

/* The sum of the profile's per-node medians (0 when there is none): the
 * denominator of each node's share. */
double eb_result_profile_total_ms(const eb_result *r);

#endif
