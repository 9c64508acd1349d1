/* runner.h - the one interface every execution engine implements.
 *
 * A runner is a table of functions plus a name.  The harness calls
 * supports() then prepare() once per (model, variant), run() per inference
 * and release() at the end; with --profile, profile() a few times after the
 * timed runs.  It never names a runner.  The graph must have
 * gone through eb_graph_infer_shapes, and outlives the plan.
 * Adding a runner: its own folder under runners/ and one line in runners.def.
 *
 * Devices.  devices() lists where a runner can execute; the variant key
 * device=N picks entry N, and every result names it (eb_device.id, with
 * the model in eb_device.name).  The rule for GPU runners: no GPU driver
 * (CUDA, OpenCL ICDs) may be initialised in the parent process, before the
 * per-variant fork (bench/isolate.c) - CUDA does not survive fork(), and a
 * driver's threads would be lost in every child.  A runner that needs a
 * driver to enumerate its devices sets devices_in_child: the harness then
 * calls its devices() only inside a variant's child, and `edgebench info`
 * only in a child it forks for the purpose (bench/devices.c), and the
 * parent, which must still name the device of a result it writes itself
 * (a timeout, a crash), names it "<runner>:<N>" - so such a runner's
 * devices() must give exactly those ids.  Host runners (ref, cpu) list the
 * host CPU, id "cpu", from no driver: they may be asked anywhere. */
#ifndef EB_RUNNER_H
#define EB_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/compress_spec.h"
#include "models/graph.h"

/* A parsed variant spec (see DESIGN.md "Variant grammar"): the runner and
 * its settings.  Parsing lives in bench/variant.c; runners only read it. */
typedef struct eb_variant {
    char runner[32];
    int threads;      /* worker threads, >= 1 */
    char prune[32];   /* "none", "0.5", "2:4", "channel:0.3" */
    char quant[32];   /* "none", "fp16", "int8", "int8-static", "int4" */
    int group;        /* int4 group size */
    int device;       /* GPU / OpenCL device index */
    char isa[16];     /* kernel instruction set: "auto" (the best this CPU runs),
                       * "avx512", "avx2", "neon", "generic"; the cpu runner's */
    int opt;          /* graph-optimizer level, the cpu runner's: 0 none (every node its
                       * own step), 1 basic (no-op removal, BatchNorm folding, epilogues),
                       * 2 (default) also the pattern fusions (runners/cpu/cpu_opt.h) */
    char gemm[16];    /* the cuda runner's GEMM provider: "own" (default) or "cublas"; "" a
                       * zeroed variant, own.  Other runners refuse any other */
    char math[16];    /* the cuda runner's GEMM / conv input precision on the tensor cores, fp32
                       * accumulation: "fp32" (default, no tensor cores), "tf32", "fp16", "bf16";
                       * "" a zeroed variant, fp32.  Other runners refuse any other */
    char spec[256];   /* canonical text, e.g. "cpu:threads=2,quant=int8" */
    eb_compress_spec compress; /* prune, quant and group parsed: what runners and
                                * transforms read (the strings are for reports) */
} eb_variant;

/* A variant with every setting at its default, for runner `name`. */
eb_variant eb_variant_default(const char *name);

typedef struct eb_plan eb_plan; /* private to each runner */

/* One place a runner can execute (devices()). */
typedef struct eb_device {
    char id[32];            /* short and stable across runs on one machine: what results and
                             * `compare` pair on.  "cpu" for the host; "<runner>:<N>" for a
                             * runner with devices_in_child (see the contract above) */
    char name[128];         /* the model as the hardware or driver names it ("AMD EPYC 9R14"),
                             * "" when it cannot be read */
    char kind[16];          /* "cpu", "gpu", "npu", ... */
    uint64_t memory_bytes;  /* memory the device has (the host: physical RAM); 0 unknown */
    /* What a GPU runner's driver says of it ("" / 0 where it does not, and for the host):
     * `edgebench info` lists them, results keep id, name and kind. */
    char platform[64];      /* the OpenCL platform ("Portable Computing Language"), "CUDA" */
    char vendor[64];        /* "NVIDIA Corporation", "AuthenticAMD" */
    char driver[64];        /* the driver's version string */
    uint32_t compute_units; /* OpenCL compute units, CUDA multiprocessors */
    uint64_t local_memory_bytes; /* per work-group local / per-block shared memory */
    char features[256];     /* what the kernels care about, space-separated: "fp16 int8-dot
                             * subgroups", "sm_90 tf32 bf16" */
} eb_device;

/* What a prepared plan costs in memory. */
typedef struct eb_plan_info {
    size_t weight_bytes;      /* weights as the runner stores them */
    size_t activation_bytes;  /* bytes of buffers for intermediate values */
    size_t scratch_bytes;     /* kernel working buffers the plan reserves (im2row, Winograd
                               * tiles, argument arrays); where they live inside the activation
                               * arena (cpu) they are counted in activation_bytes too */
    char fallbacks[256];      /* ops run on reference kernels ("Conv x1"), "" when none */
    char isa[16];             /* instruction set the kernels actually use ("avx2"; "c" for
                               * plain C reference kernels), "" when the runner does not say */
    char fusions[256];        /* what the graph optimizer fused, counted by pattern
                               * ("LayerNorm x9, Conv+Relu x17"), "" when nothing */
    uint64_t device_bytes;    /* bytes the plan holds in the device's own memory (a GPU's);
                               * 0 for host runners, whose memory is the figures above */
    /* Offloading runners: where each inference's time went, from the device's own
     * timers (OpenCL profiling events, CUDA events), summed over every run() since
     * prepare; the harness takes the difference across its timed runs.  runs == 0:
     * the runner does not split its time (host runners). */
    struct {
        uint64_t runs;
        double upload_ms;     /* host -> device copies of the inputs */
        double compute_ms;    /* the kernels */
        double download_ms;   /* device -> host copies of the outputs */
    } phases;
    char program_cache[8];    /* compiled device code: "hit" (loaded from the on-disk cache),
                               * "miss" (compiled now, then stored), "" when not applicable */
    char notes[160];          /* what a reader of the timings must know ("PoCL: the OpenCL
                               * device is the host CPU; timings are CPU timings"), "" none */
} eb_plan_info;

/* One unit of work of a plan, timed by profile(): a graph node, or a step
 * of the runner that executes several nodes at once (a Conv with its Relu
 * fused: their names and ops joined by '+', in graph order, the whole
 * step's time on it), or work that no node asks for (a layout conversion:
 * op "(layout)").  Names too long for the field end in "...". */
typedef struct eb_node_time {
    char name[256];
    char op[96];
    double ms;
} eb_node_time;

typedef struct eb_runner {
    const char *name;
    const char *description;
    /* Can this runner execute g with v's settings?  If not, writes the
     * reason into why (the harness records it as status "unsupported"). */
    bool (*supports)(const eb_graph *g, const eb_variant *v, char *why, size_t n);
    /* Builds everything run() needs (buffers, packed weights, threads). */
    eb_status (*prepare)(const eb_graph *g, const eb_variant *v, eb_plan **out, eb_err *err);
    /* One inference.  in[i] feeds g->inputs[i]; out[i] receives
     * g->outputs[i] and is caller-allocated with the inferred shape. */
    eb_status (*run)(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_err *err);
    void (*info)(const eb_plan *p, eb_plan_info *out);
    void (*release)(eb_plan *p);
    /* Optional: NULL when the runner cannot time its parts.  One inference
     * as run() does it, also timing each unit of work: times[k] gets the
     * k-th unit for k < max, and *n the number of units (more than max
     * when times is too short: call again with room).  A plan lists the
     * same units in the same order on every call.  run() itself never
     * times its parts, so the timed runs carry no profiling cost. */
    eb_status (*profile)(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max, int *n,
                         eb_err *err);
    /* Where it can execute: out[k] gets device k for k < max; returns how
     * many there are (more than max when out is too short), 0 when none
     * is usable now.  Index k is the variant's device=k. */
    int (*devices)(eb_device *out, int max);
    /* devices() (and prepare) initialise a driver that must not live in
     * the parent: call devices() only in a child process (see above). */
    bool devices_in_child;
} eb_runner;

/* The runners built into this binary, in runners.def order. */
int eb_runner_count(void);
const eb_runner *eb_runner_at(int i);
/* NULL when no runner has that name (not built, or misspelt). */
const eb_runner *eb_runner_find(const char *name);

/* Every runner name this version knows, built into this binary or not
 * (opencl and cuda are optional backends), NULL-terminated: a name outside
 * the list is a typo; one in it that eb_runner_find does not return is a
 * backend this binary was built without. */
extern const char *const eb_runner_known_names[];
bool eb_runner_known(const char *name);

/* For host runners' devices(): the host CPU, id "cpu", its brand (CPUID;
 * "" where the CPU does not say) and physical RAM. */
int eb_runner_host_devices(eb_device *out, int max);

/* The id of r's device `index` (the variant's device=N) into id[n]: the
 * entry's id from devices(), or "<runner>:<N>" for a runner with
 * devices_in_child when in_child is false (devices() is not called then).
 * False, with id set to "<runner>:<N>", when r has no such device. */
bool eb_runner_device_id(const eb_runner *r, int index, bool in_child, char *id, size_t n);
/* The whole entry, when this process may ask (not devices_in_child, or
 * in_child); false when it may not or there is no such device. */
bool eb_runner_device(const eb_runner *r, int index, bool in_child, eb_device *out);

/* For a runner's supports(): the variant keys that belong to one runner
 * (threads, isa, opt: cpu's; gemm, math: cuda's) must stay at their
 * defaults on the others, so that no result claims a setting that did not
 * apply.  `takes` names the keys this runner reads (EB_KEY_* bits); false,
 * with why naming the first other key set, its value and whose it is. */
enum { EB_KEY_THREADS = 1u, EB_KEY_ISA = 2u, EB_KEY_OPT = 4u, EB_KEY_GEMM = 8u, EB_KEY_MATH = 16u };
bool eb_runner_keys_default(const char *runner, const eb_variant *v, unsigned takes, char *why, size_t n);

/* For a runner's supports(): false, with why naming the first node whose
 * op the suite does not implement, when there is one. */
bool eb_runner_ops_known(const eb_graph *g, char *why, size_t n);
/* For prepare: every compressed constant's storage checked against its
 * tensor (storage.h's rules), EB_EFORMAT naming the first broken one. */
eb_status eb_runner_check_storage(const eb_graph *g, eb_err *err);

/* For a runner's profile(): sets times[k] (when k < max) to name, op and
 * ms, with "..." ending a name or op cut to fit. */
void eb_node_time_set(eb_node_time *times, int max, int k, const char *name, const char *op, double ms);

#endif
