/* record.h - the result record and the run's provenance, as plain data.
 *
 * One eb_result per (model, variant, device): what was measured.  bench
 * fills it (bench/harness.c in the variant's child process; bench/isolate.c
 * sends it to the parent through a pipe, so it holds no pointers but its
 * owned samples and profile arrays); reports turns it into JSON, CSV,
 * markdown (emit_*.c) and reads it back (results_load.c) for report,
 * compare and history.  Owned by reports so that reports needs nothing
 * above it: the variant is its spec's strings and numbers (bench converts
 * the runners' eb_variant), the device and environment are the facts bench
 * found, and the latency figures are reports/latency_stats.h's.
 *
 * The document around the results (eb_provenance, eb_run_settings,
 * eb_model_info) is plain data too, filled by bench/provenance.c and
 * bench/cmd_run.c. */
#ifndef EB_RECORD_H
#define EB_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "models/cost.h"
#include "models/cost_levels.h"
#include "reports/latency_stats.h"
#include "reports/noise_record.h"

/* ---- one result --------------------------------------------------------- */

typedef enum eb_result_status {
    EB_RESULT_OK = 0,
    EB_RESULT_UNSUPPORTED, /* the runner cannot execute this model/settings: `error` says why */
    EB_RESULT_FAILED,      /* an error stopped it: `error` says which */
    EB_RESULT_TIMEOUT,     /* killed after --timeout seconds */
    EB_RESULT_CRASHED,     /* died on `signal` */
    EB_RESULT_INTERRUPTED, /* stopped by Ctrl-C (SIGINT) while it ran; not a regression */
    EB_RESULT_DEADLINE,    /* run --deadline: not started, or ended, because the deadline passed */
} eb_result_status;

/* "ok", "unsupported", "failed", "timeout", "crashed", "interrupted", "deadline". */
const char *eb_result_status_name(eb_result_status s);

/* The variant as its spec said (DESIGN.md "Variant grammar"): the same
 * keys as the runners' eb_variant, as data.  The sizes are eb_variant's. */
typedef struct eb_result_variant {
    char spec[256];   /* canonical text, e.g. "cpu:threads=2,quant=int8" */
    char runner[32];
    int threads;      /* worker threads, >= 1 */
    char prune[32];   /* "none", "0.5", "2:4", "channel:0.3" */
    char quant[32];   /* "none", "fp16", "int8", "int8-static", "int4" */
    int group;        /* int4 group size */
    int device;       /* GPU / OpenCL device index */
    char isa[16];     /* the isa= key as asked: "auto", "avx512", ..., "neondot" (gemm.h) */
    int opt;          /* the opt= key: the cpu graph optimizer's level, 0..2 (default 2) */
} eb_result_variant;

/* Accuracy drift of a variant's outputs against the ref baseline's on the
 * same inputs (bench/metrics_drift.c computes it). */
typedef struct eb_drift {
    bool available;        /* false: reason says why (no float output, shapes differ) */
    char reason[160];
    double max_abs, mean_abs, rel_l2, cosine, snr_db;
    bool has_top1;
    double top1_agreement; /* in [0, 1] */
    long long top1_rows;   /* rows compared */
} eb_drift;

/* The task metric of a zoo model on its dataset (bench/evaluate.c). */
typedef struct eb_task_metric {
    bool available;
    char reason[256];          /* why not, when not available */
    char metric[32];           /* "top1_accuracy" */
    char dataset[64];
    int64_t correct, count;
    double value;              /* correct / count */
    double reference;          /* PyTorch's value on the full test set (manifest), -1 if none */
    bool has_delta;
    double delta;              /* value - the baseline's value, in the same run */
} eb_task_metric;

/* Energy per inference: measured (a meter such as RAPL), estimated (from a
 * model of the machine) or unavailable (reason says why). */
typedef enum eb_energy_kind {
    EB_ENERGY_UNAVAILABLE = 0,
    EB_ENERGY_MEASURED,
    EB_ENERGY_ESTIMATED,
} eb_energy_kind;

/* "unavailable", "measured", "estimated". */
const char *eb_energy_kind_name(eb_energy_kind k);

/* An energy figure's uncertainty, in joules per inference (NAN: none). */
typedef struct eb_energy_band {
    double low, high;
} eb_energy_band;

/* One input of a method, by name: a number, or text when text[0]. */
#define EB_ENERGY_MAX_INPUTS 14
typedef struct eb_energy_input {
    char name[32];
    double num;
    char text[96];
} eb_energy_input;

/* A meter's measurement window (bench/energy_window.c): the idle
 * baseline taken before the timed loop, then the loop (extended while the
 * meter updated fewer than 10 times).  Totals over the window. */
typedef struct eb_energy_window {
    bool present;                /* a meter was read over the timed loop */
    double seconds;              /* the window's wall time, extensions included */
    int64_t inferences;          /* inferences inside it */
    int extensions;              /* extra timed-loop repeats run for enough updates */
    double idle_watts;           /* NAN when the idle baseline saw too few updates */
    double gross_j, net_j;       /* the meter's joules; net = gross - idle_watts * seconds (NAN unknown) */
    int updates;                 /* times the meter's value changed in the window */
    double interval_ms;          /* the meter's observed update interval */
} eb_energy_window;

/* Another method's figure for the same result, or why it has none. */
#define EB_ENERGY_MAX_ALTS 5 /* the meter and every estimator but the chosen one */
typedef struct eb_energy_alt {
    char method[32];
    eb_energy_kind kind;
    double joules_per_inference; /* NAN: not applicable, reason says why */
    eb_energy_band band;
    char reason[200];
} eb_energy_alt;

typedef struct eb_energy {
    eb_energy_kind kind;
    char source[32];             /* what measured or estimated it ("powercap", "bench/energy_tdp.csv"), "" when none */
    double joules_per_inference; /* NAN when there is no figure; measured: gross */
    char reason[512];            /* why there is no figure, or why it is not measured; "" */
    /* added with the meters and estimators (bench/energy*.c) */
    char method[32];             /* "meter", "calibrated", "dvfs_table", "utilisation_tdp", "op_counts", "" */
    double net_joules_per_inference; /* measured: gross less the idle baseline; NAN unknown */
    eb_energy_band band;         /* estimated: the range the figure may lie in */
    bool valid;                  /* false: the figure is not trustworthy, reason says why */
    bool relative_only;          /* only ratios between results mean something (op_counts) */
    int n_inputs;
    eb_energy_input inputs[EB_ENERGY_MAX_INPUTS];
    eb_energy_window window;
    int n_alts;
    eb_energy_alt alts[EB_ENERGY_MAX_ALTS];
} eb_energy;

/* What the timed loop cost the machine besides time (bench/metrics_counters.c):
 * software events (always tried: perf_event_open's software events where
 * they open, getrusage otherwise), which samples were preempted, and the
 * hardware counters where the machine exposes a PMU.  Totals over the
 * timed loop; per inference is total / runs. */
enum { EB_HW_CYCLES, EB_HW_INSTRUCTIONS, EB_HW_CACHE_REFERENCES, EB_HW_CACHE_MISSES, EB_HW_BRANCH_MISSES,
       EB_HW_DTLB_MISSES, EB_HW_L1D_MISSES, EB_HW_COUNT };
/* "cycles", "instructions", "cache_references", "cache_misses", "branch_misses", "dtlb_misses",
 * "l1d_misses".  cache_references / cache_misses are the last-level cache's (PAPI_L3_TCA /
 * PAPI_L3_TCM, L2 where PAPI has no L3 event; perf's cache-references / cache-misses). */
const char *eb_hw_counter_name(int i);
#define EB_PREEMPT_MAX_LISTED 64

typedef struct eb_counters {
    bool sw_available;           /* false: sw_reason says why (no timed loop ran, getrusage failed) */
    char sw_source[24];          /* "perf_event_open" (task clock, switches, migrations, faults) or "getrusage" */
    char sw_reason[200];         /* why perf's software events were not used, or why none */
    int64_t runs;                /* timed runs the totals cover */
    /* getrusage(RUSAGE_SELF) deltas: every thread of the process */
    uint64_t ctx_involuntary, ctx_voluntary, faults_minor, faults_major;
    bool perf_sw;                /* the perf software figures below are known */
    double task_clock_ms;        /* CPU time of all threads */
    uint64_t context_switches, cpu_migrations, page_faults;
    /* preemption: ru_nivcsw read before and after each window of `window`
     * timed samples (1: each sample), outside the samples' timed regions */
    bool preempt_known;
    char preempt_reason[160];
    int window;                  /* samples per window: 1 unless a probe costs over 1% of a sample */
    int64_t windows, preempted_windows;
    int64_t preempted_samples;   /* samples in windows during which another task preempted a thread of the process */
    int n_preempted_listed;      /* the first sample of the first EB_PREEMPT_MAX_LISTED preempted windows */
    int32_t preempted[EB_PREEMPT_MAX_LISTED];
    double probe_ns;             /* one probe's measured cost (outside the timed region) */
    /* hardware counters */
    bool hw_available;           /* at least one opened and counted */
    char hw_source[24];          /* "perf_event_open" */
    char hw_reason[256];         /* why not, or which did not open */
    bool hw_known[EB_HW_COUNT];
    uint64_t hw[EB_HW_COUNT];    /* totals over the timed loop (scaled when multiplexed) */
    bool hw_scaled;              /* the kernel multiplexed them: totals scaled by enabled/running time */
    /* added with PAPI (bench/counters_papi.c): hw_source is then "PAPI" */
    char hw_events[192];         /* the events counted, as the source names them */
    char hw_papi[256];           /* why PAPI is not the source (not built in, not loadable), "" when it is */
    uint32_t line_bytes;         /* the LLC's line size (sysfs coherency_line_size): DRAM bytes are derived as
                                  * cache_misses x line_bytes; 0 unknown */
} eb_counters;

/* Bytes per inference by memory level (bench/mem_levels.c): the cost
 * model's bytes moved split by the rule in models/cost_levels.h with this
 * machine's cache sizes, and DRAM from the hardware counters (LLC misses x
 * line size) where they counted. */
typedef struct eb_mem_levels {
    bool available;              /* false: reason says why */
    char reason[200];            /* or a note ("every byte charged to DRAM: no cache size known") */
    uint64_t capacity[EB_LEVEL_DRAM]; /* L1D, L2, LLC bytes the rule used; 0 unknown */
    char capacity_source[32];    /* "sysfs", "libcpuid", ... */
    uint64_t footprint;          /* weights + peak activations: where the weights were placed */
    double bytes[EB_LEVEL_COUNT]; /* per inference, as charged */
    double model_dram;           /* the cost model's DRAM bytes (kept when the counters replace them) */
    char dram_source[16];        /* "counters" or "model" */
} eb_mem_levels;

/* CPU frequency and temperature over a result's timed runs (bench/metrics_clock.c),
 * from sysfs under $EB_SYSFS_ROOT (default "/"). */
#define EB_MAX_THERMAL_ZONES 8
typedef struct eb_thermal_zone {
    char name[32];               /* thermal_zoneN */
    char type[32];               /* its type file: "x86_pkg_temp", "cpu-thermal" */
    double start_c, end_c;       /* NAN when unreadable */
} eb_thermal_zone;

typedef struct eb_clock {
    bool freq_available;         /* false: freq_reason says why */
    char freq_reason[200];
    char governor[32];           /* scaling_governor, "" unreadable */
    int polls;                   /* frequency readings (between samples, at most every 10 ms) */
    double start_mhz, min_mhz, median_mhz, max_mhz, end_mhz;
    bool throttled;              /* min fell more than 10% below start */
    bool thermal_available;
    char thermal_reason[200];
    int n_zones;
    eb_thermal_zone zones[EB_MAX_THERMAL_ZONES];
} eb_clock;

/* The result on the device's roofline (bench/calibration.c): the peaks
 * `edgebench calibrate` measured on this machine, the roof at the result's
 * arithmetic intensity and the share of it the median reached. */
typedef struct eb_roofline {
    bool available;              /* false: reason says why (not calibrated, not a CPU result) */
    char reason[200];            /* when available: a note ("above the DRAM roof: ..."), "" none */
    char calibration[512];       /* the calibration file */
    char calibrated_at[32];      /* its date, ISO 8601 UTC */
    char dtype[8];               /* "fp32" or "int8": which compute roof */
    int threads;                 /* the calibrated thread count used */
    double peak_gops;            /* GFLOP/s (fp32) or GOP/s (int8) */
    double peak_gbytes_per_s;    /* triad bandwidth */
    double intensity;            /* FLOPs per byte moved (cost model) */
    double roof_gops;            /* min(peak, bandwidth x intensity) */
    double share;                /* achieved / roof */
    bool memory_bound;           /* intensity below the ridge point */
} eb_roofline;

/* One unit of the runner's per-node profile (--profile): a node, nodes
 * fused into one step (names and ops joined by '+'), or work no node asks
 * for (op "(layout)").  The sizes are the runners' eb_node_time's. */
typedef struct eb_profile_node {
    char name[256];
    char op[96];
    double ms;                 /* the median over the profiling passes */
} eb_profile_node;

/* What the compression transforms did to one layer (models/transform.h's
 * eb_layer_change, as data). */
typedef struct eb_compressed_layer {
    char node[128];
    char op[32];
    char weight[128];
    char storage[16];          /* "dense", "csr", "nm", "quant", "f16" */
    double sparsity;           /* zeros / elements of the weight after */
    int64_t channels_before, channels_after; /* channel pruning; 0 otherwise */
    uint64_t bytes_before, bytes_after;
    float scale_min, scale_max; /* weight quantization scales; 0 when none */
    char act[16];              /* "dynamic", "static", "" */
    float in_scale, out_scale; /* static: the calibrated u8 grids */
    int32_t in_zero, out_zero;
    char note[160];            /* why it was left alone or kept dense; "" */
} eb_compressed_layer;

/* The compression a result ran with: applied, what it changed, layer by layer. */
typedef struct eb_compression {
    char applied[96];          /* "none", "prune=0.5,quant=int8" */
    int tensors_changed;
    uint64_t bytes_before, bytes_after; /* the model's constants as stored */
    int calib_inputs;          /* int8-static: calibration input sets; 0 otherwise */
    char calib_source[96];     /* where they came from */
    int n_layers;
    eb_compressed_layer *layers; /* owned */
} eb_compression;

/* --layers: one node output of the compressed graph against the same
 * value of the uncompressed fp32 graph, both on the reference kernels and
 * the same input (bench/layer_drift.c). */
typedef struct eb_layer_drift_value {
    int node_index;            /* the producing node's index in graph order */
    char node[128];
    char op[32];
    char output[128];          /* the value's name */
    bool compared;             /* false: reason says why (shape differs, not float32) */
    char reason[96];
    double rel_l2, cosine;
} eb_layer_drift_value;

typedef struct eb_layer_drift {
    bool requested;            /* --layers was on */
    bool available;            /* false: reason says why */
    char reason[160];
    double threshold;          /* rel L2 above which a node is "over" */
    int first_over;            /* index into values of the first over it; -1 none */
    int n_values;
    eb_layer_drift_value *values; /* owned */
} eb_layer_drift;

/* --sensitivity: the cost of compressing one layer alone. */
typedef struct eb_layer_cost {
    char node[128];
    char op[32];
    char metric[16];           /* "top1_delta" (compressed - fp32, in [-1, 1]) or "rel_l2" */
    double value;
} eb_layer_cost;

typedef struct eb_sensitivity {
    bool requested;            /* --sensitivity was on */
    bool available;            /* false: reason says why */
    char reason[160];
    char metric[16];           /* as in the layers */
    int64_t eval_images;       /* top1_delta: the first N test images; 0 otherwise */
    double baseline;           /* top1_delta: the fp32 graph's top-1 on them */
    char skip_key[16];         /* "quant-skip" (a quant= variant) or "prune-skip" */
    char skip[512];            /* the suggested set for it, "A|B"; "" none */
    char rule[160];            /* how skip was chosen */
    int n_layers;
    eb_layer_cost *layers;     /* owned; ranked worst first */
} eb_sensitivity;

#define EB_RESULT_MAX_WARNINGS 4
#define EB_RESULT_MAX_PROCESSES 64 /* --processes at most */

typedef struct eb_result {
    /* what */
    char model[512];        /* path as given */
    char model_name[128];   /* file name without .onnx, or the folder of a model.onnx */
    char model_sha256[65];
    eb_result_variant variant;
    char device[64];        /* where it ran: the runner's device id for device=N ("cpu" for
                             * host runners), stable across runs: results pair on it */
    char device_name[128];  /* that device's model (the CPU brand), "" unknown */
    char device_kind[16];   /* "cpu", "gpu", "accelerator" as the runner says, "" unknown */
    char device_id[96];     /* the farm device it came from in a merged document
                             * (reports/merge.h), "" in a single device's file */
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
    /* --processes K (reports/processes.h): samples_ms holds process_n[0]
     * samples of the first worker process, then process_n[1] of the second,
     * ...; n_processes 0 or 1: all from one process (process_n unused) */
    int n_processes;
    int process_n[EB_RESULT_MAX_PROCESSES];
    bool ci_hierarchical;   /* latency's median CI is the hierarchical bootstrap's over the processes */
    double prepare_ms;      /* runner prepare(), once */

    /* accuracy against the baseline, on the same inputs */
    eb_drift drift;
    char inputs[32];        /* "random", "files" or "dataset" */
    eb_task_metric task;    /* the model's task metric on its dataset (zoo models) */

    /* memory (see bench/harness.c): the variant's own process, started
     * small by the launcher (bench/isolate.c), read right after the timed runs */
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
    char fusions[256];         /* what the runner's graph optimizer fused, by pattern
                                * (eb_plan_info.fusions), "" when nothing */
    char saved_model[512];     /* --save-model: the ONNX file written for this variant, "" when none */
    uint64_t device_bytes;     /* the plan's bytes in device memory; 0 for host runners */
    /* offloading runners (eb_plan_info.phases): each timed inference's mean time in
     * host->device copies, kernels and device->host copies, from the device's timers */
    bool phases_known;
    double upload_ms, compute_ms, download_ms;
    char program_cache[8];     /* "hit", "miss" (compiled in prepare), "" not applicable */
    char runner_notes[160];    /* what the runner says a reader of its timings must know */

    /* energy per inference */
    eb_energy energy;

    /* software events, preemption and hardware counters over the timed loop;
     * frequency and temperature; the roofline (bench/metrics_*.c, calibration.c) */
    eb_counters counters;
    eb_clock clock;
    eb_roofline roofline;

    /* compression (prune=, quant=): what was applied, layer by layer */
    eb_compression compression;

    /* static cost, and what the median achieved */
    eb_cost cost;
    eb_mem_levels mem_levels;  /* bytes by memory level (bench/mem_levels.c) */
    double gflops_per_s;
    double gbytes_per_s;

    /* per-node profile (--profile): separate passes after the timed runs,
     * which it never touches; the runner's units of work */
    bool profiled;             /* --profile was on for this result */
    int profile_passes;        /* passes behind the medians; 0 when there is no profile */
    char profile_reason[256];  /* why there is no profile, "" when there is */
    double profile_pass_ms;    /* median wall time of one profiling pass, timers included */
    int n_profile;
    eb_profile_node *profile;  /* owned; per unit, in run order: the median ms over the passes */
    /* --layers and --sensitivity (bench/layer_drift.c, bench/sensitivity.c) */
    eb_layer_drift layer_drift;
    eb_sensitivity sensitivity;
    /* what the run accepted but the reader should know (threads above the
     * usable CPUs, ...): one sentence each */
    int n_warnings;
    char warnings[EB_RESULT_MAX_WARNINGS][256];
    /* --pin, --cooldown, the sentinel, the environment checks, --audit cache (noise_record.h) */
    eb_noise noise;
    /* when the sweep recorded it (UTC, ISO 8601 with ms; "" unknown): a
     * record kept by --resume keeps its own */
    char finished_at[32];
    /* a record kept by --resume (bench/resume.c): its JSON as read, written
     * back as it was (owned; NULL for a result of this run) */
    struct cJSON *raw;
} eb_result;

/* Appends a warning to r (dropped when r holds EB_RESULT_MAX_WARNINGS). */
void eb_result_warn(eb_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void eb_result_free(eb_result *r);

/* The sum of the profile's per-node medians (0 when there is none): the
 * denominator of each node's share. */
double eb_result_profile_total_ms(const eb_result *r);

/* ---- the document around the results ------------------------------------ */

/* What machine a result was measured on (bench/device_info.c finds it:
 * libcpuid or /proc/cpuinfo, cross-checked against the OS).  Fields that
 * could not be read are empty / zero and `notes` says why. */
typedef struct eb_device_info {
    char cpu_source[32];        /* "libcpuid" or "/proc/cpuinfo" */
    char arch[32];              /* uname machine: x86_64, aarch64 */
    char vendor[64];
    char brand[128];
    int physical_cores;         /* 0 when unknown */
    int logical_cpus;
    int online_cpus;            /* sysconf(_SC_NPROCESSORS_ONLN) */
    int l1d_kib, l1i_kib, l2_kib, l3_kib; /* 0 when unknown */
    char simd[256];             /* space-separated: "sse4_2 avx avx2 fma avx512f" / "neon asimd" */
    double base_mhz;            /* 0 when unknown */
    uint64_t mem_total_bytes;
    uint64_t mem_available_bytes;
    char os[128];               /* PRETTY_NAME from /etc/os-release */
    char kernel[128];           /* uname -sr */
    char hostname[64];
    char notes[768];            /* why something is missing or unchecked, or "" */
    /* cross-checked against the OS (eb_device_info_check_os) */
    int usable_cpus;            /* CPUs this process may run on: sched_getaffinity within the online ones */
    char affinity[128];         /* those CPUs as a list, "0-1", "" unknown */
    char cores_source[48];      /* where physical_cores and logical_cpus come from: "sysfs", "libcpuid", ... */
    char cache_source[48];      /* where the cache sizes come from */
    char l3_shared_cpus[64];    /* the CPUs sharing the usable CPUs' L3 (sysfs shared_cpu_list), "" unknown */
    int n_disagreements;
    char disagreements[6][128]; /* "libcpuid says 254 logical CPUs, the OS 2" */
} eb_device_info;

/* Settings outside the command line that can change the numbers: every
 * EB_* environment variable in effect, and whether profiling was on.  The
 * CPU affinity is the device's (eb_device_info.affinity). */
#define EB_ENV_MAX_VARS 32
typedef struct eb_env_var {
    char name[64];
    char value[256];         /* cut to 255 bytes */
} eb_env_var;

typedef struct eb_environment {
    int n_vars;
    eb_env_var vars[EB_ENV_MAX_VARS]; /* sorted by name */
    int n_dropped;           /* EB_* variables beyond EB_ENV_MAX_VARS, not kept */
    bool profiling;          /* a per-node profiling pass ran (false until --profile exists) */
} eb_environment;

/* Where a result file came from: tool version and commit, compiler and
 * flags, command line, start time, seed, the machine, the environment. */
typedef struct eb_provenance {
    const char *version;
    const char *git_commit;
    const char *compiler;    /* "gcc 12.2.0" / "clang 14.0.6" */
    const char *cflags;
    int argc;
    char **argv;             /* borrowed from main */
    char start_time[32];     /* ISO 8601 UTC */
    uint64_t seed;
    eb_device_info device;
    eb_environment env;
} eb_provenance;

/* The run's settings as the document records them (run.settings). */
typedef struct eb_run_settings {
    int64_t runs;            /* at least this many timed runs (-n) */
    int64_t warmup;          /* untimed runs first */
    double min_time_s;       /* and at least this much timed time */
    double max_time_s;       /* but stop sampling after this long */
    double timeout_s;        /* the whole variant, in its child */
    double cv_threshold;     /* above it a result is `unstable` (a fraction) */
    bool isolated;           /* each variant in its own process */
    const char *inputs_dir;  /* input_N.pb files instead of random data, or NULL */
    int64_t eval_images;     /* test images for the task metric of zoo models; 0: none */
    int processes;           /* --processes: worker processes per variant (0 or 1: one) */
    uint64_t mem_limit_bytes; /* --mem-limit applied to each variant's process, 0 none */
    const char *mem_limit;   /* what it is, or why none ("4 GiB: --mem-limit 4G"), NULL: not recorded */
} eb_run_settings;

/* A model as the run saw it: identity and static cost. */
typedef struct eb_model_info {
    const char *path;
    char name[128];
    char sha256[65];
    eb_cost cost;
    int n_inputs, n_outputs;
    char inputs[512];        /* "input f32[1,3,224,224]; ..." */
    char outputs[512];
} eb_model_info;

#endif
