/* harness.h - measuring one (model, variant): load, prepare, warm up, time,
 * compare with the baseline, record memory.  harness.c does the work in
 * the calling process; isolate.c runs it in a child with a timeout. */
#ifndef EB_HARNESS_H
#define EB_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "bench/result.h"
#include "models/graph.h"

typedef struct eb_run_opts {
    int64_t runs;            /* at least this many timed runs (-n) */
    int64_t warmup;          /* untimed runs first */
    double min_time_s;       /* and at least this much timed time */
    double max_time_s;       /* but stop sampling after this long */
    double timeout_s;        /* the whole variant, in its child */
    double cv_threshold;     /* above it a result is `unstable` */
    uint64_t seed;           /* random inputs */
    const char *inputs_dir;  /* input_N.pb files instead of random data, or NULL */
    const char *save_outputs_dir; /* write outputs here, or NULL */
    const char *save_model_dir;   /* --save-model: write each variant as ONNX here, or NULL */
    int64_t eval_count;      /* test images for the task metric of zoo models; 0: none */
    int64_t calib_count;     /* int8-static: calibration batches of a zoo model's training split */
    eb_shape_opts shape;
    bool isolate;            /* each variant in its own process */
    const char *baseline_dir;     /* where the baseline's outputs are, or NULL */
    bool profile;            /* --profile: per-node passes after the timed runs */
    bool layers;             /* --layers: per-node drift against the fp32 graph (layer_drift.h) */
    double layers_threshold; /* --layers-threshold: rel L2 that names the first node over it */
    bool sensitivity;        /* --sensitivity: each layer compressed alone (sensitivity.h) */
    char pin[128];           /* --pin: the variant's CPUs as a canonical list, "" not pinned (noise_controls.h) */
    bool audit_cache;        /* --audit cache: repeated against distinct inputs (cache_audit.h) */
    uint64_t mem_limit;      /* --mem-limit: RLIMIT_DATA of each variant's process, 0 none (mem_limit.h) */
    /* Called by eb_isolate_run while it waits for the variant's process
     * (every 0.25 s, and at once after a signal): refreshes the progress
     * line; true stops the variant, recorded as `interrupted`.  NULL: none. */
    bool (*on_wait)(void *ctx);
    void *on_wait_ctx;
} eb_run_opts;

/* Runs model_path under v in this process and fills *res (zeroed by the
 * caller, model fields set).  Never fails: errors become the result's
 * status.  When write_baseline, the outputs are saved to o->baseline_dir
 * for later variants; otherwise drift is measured against them. */
void eb_harness_run(const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                    eb_result *res);

/* The same in a forked child (no exec) with o->timeout_s: a crash or hang
 * costs only this variant, recorded as `crashed` (with the signal) or
 * `timeout`.  With o->isolate false, calls eb_harness_run directly.  The
 * child is forked by the launcher when one was started (its memory
 * figures are then the variant's own), else from this process. */
void eb_isolate_run(const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                    eb_result *res);

/* Forks the launcher (isolate.c): call it before loading anything big, as
 * every variant's process starts as a copy of this process as it is now.
 * Idempotent.  EB_EIO when socketpair or fork fails. */
eb_status eb_isolate_start(eb_err *err);
/* Ends the launcher and waits for it; harmless when none runs. */
void eb_isolate_stop(void);
/* The launcher's pid, -1 when none runs (for tests). */
pid_t eb_isolate_launcher_pid(void);

#endif
