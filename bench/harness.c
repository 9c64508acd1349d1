/* harness.c - the measurement of one (model, variant), in this process.
 *
 * Order of work: note the resident size, load and infer, ask the runner,
 * build inputs, note the resident size and reset the peak mark, prepare
 * (timed once), warm up, time each inference alone with the monotonic
 * clock, read the memory figures, then evaluate the task metric and
 * compare with the baseline's outputs.  Only the inference itself is
 * inside the timed region, and nothing after the timed runs (the test set,
 * evaluation outputs, saved files) is in the memory figures.
 *
 * Memory: the process peak (VmHWM) from the process's start to the last
 * timed run; VmRSS at the start and just before prepare; and the peak
 * growth over prepare + timed runs: /proc/self/clear_refs resets VmHWM to
 * the current VmRSS just before prepare, and VmHWM after the timed runs
 * minus that VmRSS is what prepare and the runs added at their highest.
 * In a variant's own process (isolate.c) these are the variant's; with
 * --no-isolate they are the whole sweep's process.  The timing input of a
 * zoo model is read from its test set in a short-lived child, so that the
 * test set is never resident here before the figures are read.
 *
 * Around the timed runs (outside each sample's timed region): software
 * events, preemption per window of samples (one sample unless the probe
 * costs over 1% of one) and hardware counters (metrics_counters.h),
 * CPU frequency between samples and thermal zones (metrics_clock.h).
 *
 * With --profile, separate passes after the memory figures time each node
 * through the runner's profile(): the timed runs call run(), which reads no
 * clock per node, and their samples stay as they are. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/energy.h"
#include "bench/fd_io.h"
#include "bench/cache_audit.h"
#include "bench/calibration.h"
#include "bench/evaluate.h"
#include "bench/harness.h"
#include "bench/mem_levels.h"
#include "bench/inputs.h"
#include "bench/layer_drift.h"
#include "bench/mem_limit.h"
#include "bench/metrics_clock.h"
#include "bench/metrics_counters.h"
#include "bench/metrics_drift.h"
#include "bench/noise_controls.h"
#include "bench/progress.h"
#include "bench/sensitivity.h"
#include "bench/sentinel.h"
#include "models/onnx_export.h"
#include "models/onnx_tensor.h"
#include "models/transform.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* VmRSS and VmHWM of this process in bytes; false without /proc. */
static bool read_rss(uint64_t *rss, uint64_t *hwm)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    int found = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long long kb;
        if (sscanf(line, "VmRSS: %llu kB", &kb) == 1) {
            *rss = kb * 1024;
            found |= 1;
        } else if (sscanf(line, "VmHWM: %llu kB", &kb) == 1) {
            *hwm = kb * 1024;
            found |= 2;
        }
    }
    if (f)
        fclose(f);
    return found == 3;
}

/* Linux keeps a high-water mark of the resident set (VmHWM); writing 5 to
 * clear_refs resets it to the current resident size.  False (errno set)
 * where that is not allowed. */
static bool reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f)
        return false;
    bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

/* What the memory figures need from before prepare. */
typedef struct mem_mark {
    bool have;            /* /proc/self/status could be read */
    uint64_t hwm_load;    /* the peak up to here: start, load, inputs */
    bool reset;           /* the peak mark was reset after that */
    char why[96];         /* why not, when not */
} mem_mark;

static void mark_before_prepare(mem_mark *m, eb_result *res)
{
    uint64_t rss = 0;
    memset(m, 0, sizeof *m);
    if (!(m->have = read_rss(&rss, &m->hwm_load))) {
        snprintf(m->why, sizeof m->why, "/proc/self/status is not readable");
        return;
    }
    res->rss_before_prepare_bytes = rss;
    if (!(m->reset = reset_peak_rss()))
        snprintf(m->why, sizeof m->why, "cannot reset the peak mark: /proc/self/clear_refs: %s", strerror(errno));
}

/* Right after the timed runs: the process peak and the growth since m. */
static void read_memory(const mem_mark *m, eb_result *res)
{
    uint64_t rss = 0, hwm = 0;
    if (m->have && read_rss(&rss, &hwm)) {
        res->peak_rss_bytes = hwm > m->hwm_load ? hwm : m->hwm_load;
        snprintf(res->peak_rss_source, sizeof res->peak_rss_source, "VmHWM");
        if (m->reset) {
            res->peak_growth_known = true;
            res->peak_growth_bytes = hwm > res->rss_before_prepare_bytes ? hwm - res->rss_before_prepare_bytes : 0;
        } else {
            snprintf(res->peak_growth_reason, sizeof res->peak_growth_reason, "%s", m->why);
        }
        return;
    }
    /* no /proc: the lifetime peak so far is the best there is */
    snprintf(res->peak_growth_reason, sizeof res->peak_growth_reason, "%s",
             *m->why ? m->why : "/proc/self/status is not readable");
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        res->peak_rss_bytes = (uint64_t)ru.ru_maxrss * 1024;
        snprintf(res->peak_rss_source, sizeof res->peak_rss_source, "ru_maxrss");
    }
}



/* Fills sets[0..n) (allocated, meta set) with batches 0..n-1 of zoo's
 * test set, or with `train` of its training split.  *opened false (err
 * says why) when the split cannot be loaded.  apart: in a short-lived
 * child, so the dataset never becomes resident in this process (a failed
 * fork falls back to reading it here). */
static eb_status read_batches(const eb_graph *g, const eb_zoo_entry *zoo, bool apart, bool train, int n,
                              eb_tensor *sets, bool *opened, eb_err *err)
{
    typedef struct msg {
        int opened;
        eb_status st;
        eb_err err;
    } msg;
    int fds[2] = {-1, -1};
    pid_t pid = -1;
    if (apart && pipe(fds) == 0) {
        fflush(NULL);
        if ((pid = fork()) < 0) {
            close(fds[0]);
            close(fds[1]);
        }
    }
    if (pid <= 0) { /* the child, or no child */
        eb_dataset ds = {0};
        msg m = {0};
        char path[256];
        if ((train ? eb_evaluate_open_train(zoo, &ds, path, sizeof path, &m.err) : eb_evaluate_open(zoo, &ds, &m.err)) ==
            EB_OK) {
            m.opened = 1;
            for (int i = 0; i < n && m.st == EB_OK; i++)
                m.st = eb_evaluate_batch(g, zoo, &ds, i, &sets[i], &m.err);
        }
        eb_dataset_free(&ds);
        if (pid == 0) {
            close(fds[0]);
            bool ok = eb_fd_write_all(fds[1], &m, sizeof m);
            for (int i = 0; ok && m.opened && m.st == EB_OK && i < n; i++)
                ok = eb_fd_write_all(fds[1], sets[i].data, eb_tensor_nbytes(&sets[i]));
            _exit(ok ? 0 : 1);
        }
        *opened = m.opened;
        if (err)
            *err = m.err;
        return m.opened ? m.st : EB_OK;
    }
    close(fds[1]);
    msg m = {0};
    bool ok = eb_fd_read_all(fds[0], &m, sizeof m);
    for (int i = 0; ok && m.opened && m.st == EB_OK && i < n; i++)
        ok = eb_fd_read_all(fds[0], sets[i].data, eb_tensor_nbytes(&sets[i]));
    close(fds[0]);
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    if (!ok)
        return eb_errf(err, EB_EIO, "%s: the process reading the dataset ended without it (status %d)", zoo->name, wst);
    *opened = m.opened;
    if (err)
        *err = m.err;
    return m.opened ? m.st : EB_OK;
}

/* int8-static's calibration inputs, o->calib_count sets: batches of the
 * model's training split when it is a zoo model with a dataset, else the
 * --inputs files (one set).  sets (g->n_inputs per set) are allocated
 * here; *n gets the count.  EB_EINVAL when there are none to use. */
static eb_status calib_sets(const eb_graph *g, const eb_zoo_entry *zoo, const eb_run_opts *o, eb_tensor **sets, int *n,
                            eb_result *res, eb_err *err)
{
    *n = 0;
    int count = o->inputs_dir ? 1 : zoo ? (int)o->calib_count : 0;
    if (count <= 0)
        return eb_errf(err, EB_EINVAL, "quant=int8-static needs calibration inputs: a zoo model's dataset or --inputs DIR "
                                       "(and --calib N > 0)");
    *sets = calloc((size_t)count * (size_t)g->n_inputs + 1, sizeof **sets);
    if (!*sets)
        return eb_errf(err, EB_ENOMEM, "out of memory");
    eb_status st = EB_OK;
    if (o->inputs_dir) {
        st = eb_inputs_load_files(g, o->inputs_dir, *sets, err);
        snprintf(res->compression.calib_source, sizeof res->compression.calib_source, "--inputs %s", o->inputs_dir);
    } else {
        for (int i = 0; i < count && st == EB_OK; i++) {
            eb_tensor_copy_meta(&(*sets)[i], &g->values[g->inputs[0]].t);
            st = eb_tensor_alloc(&(*sets)[i], "calibration input", err);
        }
        bool opened = false;
        if (st == EB_OK)
            st = read_batches(g, zoo, o->isolate, true, count, *sets, &opened, err);
        if (st == EB_OK && !opened)
            st = EB_EUNSUPPORTED; /* err says why */
        snprintf(res->compression.calib_source, sizeof res->compression.calib_source, "%s training images 0..%lld", zoo->dataset,
                 (long long)count * (g->values[g->inputs[0]].t.rank > 0 ? g->values[g->inputs[0]].t.shape[0] : 1) - 1);
    }
    *n = count;
    return st;
}

static void free_sets(eb_tensor *sets, int n)
{
    for (int i = 0; sets && i < n; i++)
        eb_tensor_free_data(&sets[i]);
    free(sets);
}

/* Test-only fault switch: EB_TEST_FAULT=crash:MODEL/SPEC, hang:MODEL/SPEC
 * or fail:MODEL/SPEC makes that (model name, canonical variant) misbehave,
 * so that tests can prove a sweep survives it. */
static bool inject_fault(const eb_variant *v, eb_result *res)
{
    const char *f = getenv("EB_TEST_FAULT");
    const char *colon = f ? strchr(f, ':') : NULL;
    char key[512];
    snprintf(key, sizeof key, "%s/%s", res->model_name, v->spec);
    if (!colon || strcmp(colon + 1, key) != 0)
        return false;
    if (strncmp(f, "crash:", 6) == 0) {
        signal(SIGSEGV, SIG_DFL); /* a real crash even under ASan, which catches SIGSEGV */
        raise(SIGSEGV);
    }
    if (strncmp(f, "hang:", 5) == 0)
        for (;;)
            pause();
    res->status = EB_RESULT_FAILED;
    snprintf(res->error, sizeof res->error, "injected failure (EB_TEST_FAULT)");
    return true;
}

/* Writes outputs as output_N.pb into dir (created). */
static eb_status save_outputs(const eb_graph *g, const eb_tensor *out, const char *dir, eb_err *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return eb_errf(err, EB_EIO, "%s: cannot create: %s", dir, strerror(errno));
    for (int i = 0; i < g->n_outputs; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/output_%d.pb", dir, i);
        eb_status st = eb_tensor_save_pb(path, &out[i], g->values[g->outputs[i]].name, err);
        if (st != EB_OK)
            return st;
    }
    return EB_OK;
}

static void measure_drift(const eb_graph *g, const eb_tensor *out, const char *dir, eb_result *res)
{
    eb_tensor *base = calloc((size_t)g->n_outputs + 1, sizeof *base);
    eb_err err = {{0}};
    int loaded = 0;
    bool ok = base != NULL;
    for (; ok && loaded < g->n_outputs; loaded++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/output_%d.pb", dir, loaded);
        ok = eb_tensor_load_pb(path, &base[loaded], NULL, &err) == EB_OK;
    }
    if (ok) {
        eb_drift_compute(out, base, g->n_outputs, &res->drift);
    } else {
        res->drift.available = false;
        snprintf(res->drift.reason, sizeof res->drift.reason, "baseline outputs unavailable (the ref baseline did not complete)");
    }
    if (base)
        eb_inputs_free(base, loaded);
    free(base);
}

/* ---- --layers and --sensitivity: where accuracy is lost ----------------
 * After the evaluation, on the reference kernels: the compressed graph g
 * against the fp32 model loaded again here, on the first input batch in
 * (layer_drift.c), and each layer compressed alone (sensitivity.c).  A
 * failure is recorded in their reason; the result stays as measured. */
static void where_lost(const char *model_path, const eb_variant *v, const eb_run_opts *o, const eb_graph *g,
                       const eb_tensor *in, const char *model_sha, const eb_zoo_entry *zoo, const eb_dataset *ds,
                       eb_result *res)
{
    eb_err err = {{0}};
    eb_graph *base = NULL;
    char sha[65];
    bool none = eb_compress_spec_is_none(&v->compress);
    if (o->layers && none) {
        res->layer_drift = (eb_layer_drift){.requested = true, .threshold = o->layers_threshold, .first_over = -1};
        snprintf(res->layer_drift.reason, sizeof res->layer_drift.reason, "no compression: the graph is the fp32 graph");
    } else if (o->layers) {
        if (eb_model_load(model_path, &base, sha, &err) != EB_OK ||
            (o->inputs_dir && eb_inputs_bind_files(base, o->inputs_dir, &err) != EB_OK) ||
            eb_graph_infer_shapes(base, &o->shape, eb_ref_eval, &err) != EB_OK) {
            res->layer_drift = (eb_layer_drift){.requested = true, .threshold = o->layers_threshold, .first_over = -1};
            snprintf(res->layer_drift.reason, sizeof res->layer_drift.reason, "%.159s", err.msg);
        } else {
            eb_layer_drift_measure(base, g, in, o->layers_threshold, &res->layer_drift, &err);
        }
        eb_graph_free(base);
    }
    if (!o->sensitivity)
        return;
    if (none) {
        res->sensitivity = (eb_sensitivity){.requested = true};
        snprintf(res->sensitivity.reason, sizeof res->sensitivity.reason, "no compression: no layer to compress alone");
        return;
    }
    eb_tensor *calib = NULL;
    int n_calib = 0;
    eb_sensitivity_setup s = {.model_path = model_path, .inputs_dir = o->inputs_dir, .shape = &o->shape,
                              .spec = &v->compress, .in = in, .zoo = zoo, .ds = zoo ? ds : NULL,
                              .eval_count = o->eval_count};
    eb_result scratch = {0}; /* calib_sets notes its source in a result: not this one's to change */
    eb_status st = EB_OK;
    if (v->compress.quant == EB_QUANT_INT8_STATIC)
        st = calib_sets(g, eb_zoo_find_dataset(model_sha), o, &calib, &n_calib, &scratch, &err);
    s.n_calib = n_calib;
    s.calib = calib;
    if (st == EB_OK)
        eb_sensitivity_measure(&s, res->compression.layers, res->compression.n_layers, &res->sensitivity, &err);
    else {
        res->sensitivity = (eb_sensitivity){.requested = true};
        snprintf(res->sensitivity.reason, sizeof res->sensitivity.reason, "%.159s", err.msg);
    }
    free_sets(calib, n_calib * g->n_inputs);
}

/* Samples one variant may hold beyond -n: 1 MiB of them.  The buffer is
 * allocated and touched before the peak mark is reset, so that the memory
 * figures never count the harness's own bookkeeping (a 10 us model timed
 * for --min-time 1 s would otherwise add its 800 KB of samples to the
 * variant's peak growth). */
#define EB_SAMPLE_CAP (1 << 17)

static eb_status alloc_samples(const eb_run_opts *o, eb_result *res, int64_t *cap, eb_err *err)
{
    *cap = o->runs > EB_SAMPLE_CAP ? o->runs : EB_SAMPLE_CAP;
    res->samples_ms = malloc((size_t)*cap * sizeof *res->samples_ms);
    if (!res->samples_ms)
        return eb_errf(err, EB_ENOMEM, "out of memory for %lld samples", (long long)*cap);
    /* resident now, not later (not 0: the compiler would make malloc+memset a calloc, which touches nothing) */
    memset(res->samples_ms, 0xff, (size_t)*cap * sizeof *res->samples_ms);
    return EB_OK;
}

/* The timed loop: at least o->runs samples and o->min_time_s seconds,
 * stopping at o->max_time_s or when the buffer of cap samples is full. */
/* The runner's time split (eb_plan_info.phases) over the timed runs only:
 * the sums after them less the sums after the warm-up, per run. */
static void record_phases(const eb_plan_info *before, const eb_plan_info *after, eb_result *res)
{
    uint64_t runs = after->phases.runs - before->phases.runs;
    if (after->phases.runs == 0 || runs == 0)
        return;
    res->phases_known = true;
    res->upload_ms = (after->phases.upload_ms - before->phases.upload_ms) / (double)runs;
    res->compute_ms = (after->phases.compute_ms - before->phases.compute_ms) / (double)runs;
    res->download_ms = (after->phases.download_ms - before->phases.download_ms) / (double)runs;
}

/* The timed loop.  Around each window of samples, outside their timed
 * regions: the preemption probe (metrics_counters.h), its window sized
 * from the fastest warm-up run (or the first sample without warm-up). */
static eb_status time_runs(const eb_runner *r, eb_plan *plan, const eb_tensor *in, eb_tensor *out,
                           const eb_run_opts *o, int64_t cap, eb_energy_run *energy, eb_counter_set *cs,
                           eb_result *res, eb_err *err)
{
    double warm_run_s = 0; /* the fastest warm-up run: the first runs are cold */
    for (int64_t i = 0; i < o->warmup; i++) {
        eb_progress_note(EB_PHASE_WARMUP, i, o->warmup);
        double w0 = now_s();
        eb_status st = r->run(plan, in, out, err);
        double w = now_s() - w0;
        if (st != EB_OK)
            return st;
        warm_run_s = i == 0 || w < warm_run_s ? w : warm_run_s;
    }
    eb_plan_info before = {0}, after = {0};
    r->info(plan, &before);
    eb_progress_note(EB_PHASE_TIMED, 0, o->runs);
    eb_energy_run_start(energy); /* the meter's window: the timed loop (energy_run.c) */
    eb_clock_probe clock;
    eb_clock_begin(&clock, now_s(), &res->clock);
    eb_counters_start(cs, &res->counters);
    eb_counters *ctr = &res->counters;
    ctr->window = warm_run_s > 0 ? eb_counters_window(ctr->probe_ns, warm_run_s * 1e9) : 0; /* 0: after sample 0 */
    int64_t win_first = 0;
    long pre0 = -1;
    double start = now_s(), spent = 0;
    while (res->n_samples < o->runs || spent < o->min_time_s) {
        if (spent >= o->max_time_s && res->n_samples > 0) {
            res->hit_max_time = true;
            break;
        }
        if (res->n_samples == cap) { /* only past -n: cap >= o->runs */
            res->hit_sample_cap = true;
            break;
        }
        if (res->n_samples == win_first)
            pre0 = eb_counters_probe();
        double t0 = now_s();
        eb_status st = r->run(plan, in, out, err);
        double t1 = now_s();
        if (st != EB_OK) {
            eb_energy_run_stop(energy, res->n_samples);
            eb_clock_end(&clock, &res->clock);
            return st;
        }
        res->samples_ms[res->n_samples++] = (t1 - t0) * 1e3;
        if (ctr->window == 0)
            ctr->window = eb_counters_window(ctr->probe_ns, (t1 - t0) * 1e9);
        if (res->n_samples - win_first == ctr->window) {
            eb_counters_note_window(ctr, win_first, ctr->window, pre0, eb_counters_probe());
            win_first = res->n_samples;
        }
        eb_clock_poll(&clock, t1);
        spent = t1 - start;
        eb_progress_note(EB_PHASE_TIMED, res->n_samples, o->runs); /* outside the timed region */
    }
    eb_energy_run_stop(energy, res->n_samples);
    if (res->n_samples > win_first) /* the last, shorter window */
        eb_counters_note_window(ctr, win_first, res->n_samples - win_first, pre0, eb_counters_probe());
    eb_counters_stop(cs, res->n_samples, &res->counters);
    eb_clock_end(&clock, &res->clock);
    r->info(plan, &after);
    record_phases(&before, &after, res);
    return EB_OK;
}

/* The energy window's extension: the timed loop's inferences once more,
 * untimed (the samples are already taken); how many ran, 0 on failure. */
typedef struct more_runs {
    const eb_runner *r;
    eb_plan *plan;
    const eb_tensor *in;
    eb_tensor *out;
    int64_t n;
} more_runs;

static int64_t run_more(void *ctx)
{
    more_runs *m = ctx;
    eb_err err = {{0}};
    for (int64_t i = 0; i < m->n; i++)
        if (m->r->run(m->plan, m->in, m->out, &err) != EB_OK)
            return 0;
    return m->n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Profiling passes: at least PROFILE_MIN_PASSES, then more until
 * PROFILE_MIN_S of passes or PROFILE_MAX_PASSES; the median per unit (and
 * of the pass's wall time) goes into res.  A profile that cannot be taken
 * leaves the result ok, with the reason. */
enum { PROFILE_MIN_PASSES = 3, PROFILE_MAX_PASSES = 100 };
#define PROFILE_MIN_S 0.2

static void profile_runs(const eb_runner *r, eb_plan *plan, const eb_tensor *in, eb_tensor *out, eb_result *res)
{
    eb_err err = {{0}};
    if (!r->profile) {
        snprintf(res->profile_reason, sizeof res->profile_reason,
                 "the %s runner cannot time its nodes (no profile hook)", r->name);
        return;
    }
    int cap = 0, n = 0, passes = 0;
    eb_node_time *first = NULL, *t = NULL;
    double *ms = NULL, pass_ms[PROFILE_MAX_PASSES];
    /* the first pass learns the unit count, with room for it */
    eb_status st = r->profile(plan, in, out, NULL, 0, &n, &err);
    if (st == EB_OK && n > 0) {
        cap = n;
        first = malloc((size_t)cap * sizeof *first);
        t = malloc((size_t)cap * sizeof *t);
        ms = malloc((size_t)cap * PROFILE_MAX_PASSES * sizeof *ms);
        if (!first || !t || !ms)
            st = eb_errf(&err, EB_ENOMEM, "out of memory for the profile");
    }
    double start = now_s();
    while (st == EB_OK && n > 0 && passes < PROFILE_MAX_PASSES &&
           (passes < PROFILE_MIN_PASSES || now_s() - start < PROFILE_MIN_S)) {
        int got = 0;
        double t0 = now_s();
        st = r->profile(plan, in, out, passes ? t : first, cap, &got, &err);
        pass_ms[passes] = (now_s() - t0) * 1e3;
        if (st != EB_OK)
            break;
        if (got != n) {
            st = eb_errf(&err, EB_EINVAL, "the runner listed %d units, then %d", n, got);
            break;
        }
        for (int k = 0; passes && k < n; k++)
            if (strcmp(t[k].name, first[k].name) != 0) {
                st = eb_errf(&err, EB_EINVAL, "the runner's unit %d was '%s', then '%s'", k, first[k].name, t[k].name);
                break;
            }
        for (int k = 0; st == EB_OK && k < n; k++)
            ms[(size_t)k * PROFILE_MAX_PASSES + (size_t)passes] = (passes ? t : first)[k].ms;
        passes += st == EB_OK;
    }
    if (st != EB_OK) {
        snprintf(res->profile_reason, sizeof res->profile_reason, "profiling failed: %s", err.msg);
    } else if (n == 0) {
        snprintf(res->profile_reason, sizeof res->profile_reason, "the plan has no nodes to time");
    } else if (!(res->profile = malloc((size_t)n * sizeof *res->profile))) {
        snprintf(res->profile_reason, sizeof res->profile_reason, "profiling failed: out of memory for the profile");
    } else {
        for (int k = 0; k < n; k++) {
            eb_profile_node *node = &res->profile[k];
            snprintf(node->name, sizeof node->name, "%s", first[k].name);
            snprintf(node->op, sizeof node->op, "%s", first[k].op);
            node->ms = median_of(&ms[(size_t)k * PROFILE_MAX_PASSES], passes);
        }
        res->n_profile = n;
        res->profile_passes = passes;
        res->profile_pass_ms = median_of(pass_ms, passes);
    }
    free(first);
    free(t);
    free(ms);
}

static void fail(eb_result *res, eb_status st, const eb_err *err)
{
    res->status = st == EB_EUNSUPPORTED ? EB_RESULT_UNSUPPORTED : EB_RESULT_FAILED;
    if (st == EB_ENOMEM) /* "out of memory (under --mem-limit ...)": bench/mem_limit.h */
        eb_mem_limit_reason(res->error, sizeof res->error, err->msg);
    else
        snprintf(res->error, sizeof res->error, "%s", err->msg);
}

void eb_harness_run(const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                    eb_result *res)
{
    eb_err err = {{0}};
    eb_graph *g = NULL;
    eb_plan *plan = NULL;
    eb_tensor *in = NULL, *out = NULL;
    int n_in = 0, n_out = 0;
    const eb_runner *r = eb_runner_find(v->runner);
    const eb_zoo_entry *zoo = NULL;
    eb_dataset ds = {0};
    eb_tensor *evals = NULL;
    eb_tensor batch = {0};
    eb_tensor *calib = NULL;
    int calib_n = 0; /* tensors in calib */
    mem_mark mark;
    eb_counter_set cs;
    char sha[65];
    eb_status st;
    eb_energy_run *energy = NULL;

    eb_counters_init(&cs);
    uint64_t rss0 = 0, hwm0 = 0;
    if (read_rss(&rss0, &hwm0))
        res->rss_start_bytes = rss0;
    reset_peak_rss(); /* with --no-isolate, the mark covers this variant's time only */
    eb_result_begin(res, v);
    eb_result_set_device(res, v, true); /* where prepare runs: the driver may start here */
    snprintf(res->inputs, sizeof res->inputs, "%s", o->inputs_dir ? "files" : "random");
    res->warmup = (int)o->warmup;
    res->is_baseline = write_baseline;
    res->profiled = o->profile;
    if (o->pin[0] && (st = eb_pin_apply(o->pin, &err)) != EB_OK) { /* first: every thread started later inherits it */
        fail(res, st, &err);
        goto done;
    }
    if (!r) {
        res->status = EB_RESULT_UNSUPPORTED;
        int off = snprintf(res->error, sizeof res->error, "runner '%s' is not built into this binary (built:", v->runner);
        for (int i = 0; i < eb_runner_count() && off > 0 && off < (int)sizeof res->error; i++)
            off += snprintf(res->error + off, sizeof res->error - (size_t)off, " %s", eb_runner_at(i)->name);
        if (off > 0 && off < (int)sizeof res->error)
            snprintf(res->error + off, sizeof res->error - (size_t)off, ")");
        return;
    }
    if ((st = eb_model_load(model_path, &g, sha, &err)) != EB_OK ||
        (o->inputs_dir && (st = eb_inputs_bind_files(g, o->inputs_dir, &err)) != EB_OK) ||
        (st = eb_graph_infer_shapes(g, &o->shape, eb_ref_eval, &err)) != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    eb_graph_cost(g, &res->cost, NULL);
    /* the compression transforms: the one place that applies or refuses prune/quant */
    eb_transform_opts xo = {.shape = &o->shape, .eval = eb_ref_eval};
    if (v->compress.quant == EB_QUANT_INT8_STATIC &&
        (st = calib_sets(g, eb_zoo_find_dataset(sha), o, &calib, &xo.n_calib, res, &err)) != EB_OK) {
        calib_n = xo.n_calib * g->n_inputs;
        fail(res, st, &err);
        goto done;
    }
    xo.calib = calib;
    eb_transform_report xform = {0};
    st = eb_graph_compress(g, &v->compress, &xo, &xform, &err);
    eb_result_set_compression(res, &xform);
    eb_transform_report_free(&xform);
    free_sets(calib, xo.n_calib * g->n_inputs);
    calib = NULL;
    if (st != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    if (!eb_compress_spec_is_none(&v->compress))
        eb_graph_cost(g, &res->cost, NULL); /* what the compressed graph costs */
    /* --save-model (export): the variant as ONNX, before any runner sees it */
    if (o->save_model_dir) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", o->save_model_dir, res->model_name);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            fail(res, eb_errf(&err, EB_EIO, "%s: cannot create: %s", dir, strerror(errno)), &err);
            goto done;
        }
        snprintf(res->saved_model, sizeof res->saved_model, "%s/%s.onnx", dir, v->spec);
        if ((st = eb_graph_save(g, res->saved_model, &err)) != EB_OK) {
            res->saved_model[0] = '\0';
            fail(res, st, &err);
            goto done;
        }
    }
    char why[512];
    if (!r->supports(g, v, why, sizeof why)) {
        res->status = EB_RESULT_UNSUPPORTED;
        snprintf(res->error, sizeof res->error, "%s", why);
        goto done;
    }
    if (inject_fault(v, res))
        goto done;

    /* a zoo model is timed and compared on its real test images */
    if (o->eval_count > 0 && !o->inputs_dir && (zoo = eb_zoo_find_dataset(sha)) != NULL) {
        bool opened = false;
        if (g->n_inputs != 1) {
            fail(res, eb_errf(&err, EB_EINVAL, "%s: a dataset model takes one input, this one takes %d", zoo->name,
                              g->n_inputs), &err);
            goto done;
        }
        eb_tensor_copy_meta(&batch, &g->values[g->inputs[0]].t);
        if ((st = eb_tensor_alloc(&batch, "input", &err)) != EB_OK ||
            (st = read_batches(g, zoo, o->isolate, false, 1, &batch, &opened, &err)) != EB_OK) {
            fail(res, st, &err);
            goto done;
        }
        if (!opened) {
            snprintf(res->task.reason, sizeof res->task.reason, "%s", err.msg);
            zoo = NULL;
        }
    }
    in = calloc((size_t)g->n_inputs + 1, sizeof *in);
    out = calloc((size_t)g->n_outputs + 1, sizeof *out);
    evals = calloc((size_t)g->n_outputs + 1, sizeof *evals);
    if (!in || !out || !evals) {
        fail(res, eb_errf(&err, EB_ENOMEM, "out of memory"), &err);
        goto done;
    }
    n_in = g->n_inputs; /* calloc'd: freeing unfilled ones is harmless */
    if (o->inputs_dir) {
        st = eb_inputs_load_files(g, o->inputs_dir, in, &err);
    } else if (zoo) {
        snprintf(res->inputs, sizeof res->inputs, "dataset");
        in[0] = batch;
        batch.data = NULL;
        st = EB_OK;
    } else {
        st = eb_inputs_random(g, o->seed, in, &err);
    }
    if (st != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    for (; n_out < g->n_outputs; n_out++) {
        eb_tensor_copy_meta(&out[n_out], &g->values[g->outputs[n_out]].t);
        if ((st = eb_tensor_alloc(&out[n_out], g->values[g->outputs[n_out]].name, &err)) != EB_OK) {
            fail(res, st, &err);
            goto done;
        }
    }
    int64_t cap;
    if ((st = alloc_samples(o, res, &cap, &err)) != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    /* the energy steps' state, resident before the peak mark as the samples are */
    if (!(energy = malloc(sizeof *energy))) {
        fail(res, eb_errf(&err, EB_ENOMEM, "out of memory"), &err);
        goto done;
    }
    memset(energy, 0xff, sizeof *energy);
    energy->m = NULL; /* nothing to release until begin */
    energy->w.s = NULL;
    for (int i = 0; i < EB_METER_SOURCES; i++)
        energy->meters[i].close = NULL;
    mark_before_prepare(&mark, res);
    eb_counters_open(&cs, &res->counters); /* before prepare: its worker threads inherit them */
    double t0 = now_s();
    if ((st = r->prepare(g, v, &plan, &err)) != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    res->prepare_ms = (now_s() - t0) * 1e3;
    eb_plan_info info = {0};
    r->info(plan, &info);
    res->weight_bytes = info.weight_bytes;
    res->activation_bytes = info.activation_bytes;
    res->scratch_bytes = info.scratch_bytes;
    snprintf(res->fallbacks, sizeof res->fallbacks, "%s", info.fallbacks);
    snprintf(res->fusions, sizeof res->fusions, "%s", info.fusions);
    if (info.fallbacks[0] && !eb_compress_spec_is_none(&v->compress))
        eb_result_warn(res, "compressed layers ran on the reference kernels (reference_fallbacks: %s): %s has no "
                            "kernels of its own for them yet", info.fallbacks, v->runner);
    snprintf(res->isa, sizeof res->isa, "%s", info.isa);
    res->device_bytes = info.device_bytes;
    snprintf(res->program_cache, sizeof res->program_cache, "%s", info.program_cache);
    snprintf(res->runner_notes, sizeof res->runner_notes, "%s", info.notes);

    eb_sentinel_before(&res->noise.sentinel); /* the machine's speed before the warm-up (sentinel.h) */
    /* before the warm-up: the meters, the idle baseline, time_in_state (energy_run.c) */
    eb_energy_run_begin(energy, res->device_kind, v->device);
    if ((st = time_runs(r, plan, in, out, o, cap, energy, &cs, res, &err)) != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    /* before the statistics (their sorted copies), the test set, evaluation and saved outputs */
    read_memory(&mark, res);
    more_runs more = {r, plan, in, out, res->n_samples};
    eb_mem_levels_fill_result(g, res); /* bytes by level (CPU results), before the op_counts estimate */
    eb_energy_run_end(energy, run_more, &more, res);
    eb_sentinel_after(&res->noise.sentinel); /* and after the timed runs: did it change? */
    if (o->audit_cache) { /* after the figures above: its runs and inputs are in none of them */
        char key[512];
        snprintf(key, sizeof key, "%s/%s", res->model_name, v->spec);
        eb_cache_audit_run(r, plan, g, o->seed, out, o->max_time_s, key, &res->noise.cache);
    }
    eb_latency_summarize(res->samples_ms, res->n_samples, o->cv_threshold, &res->latency);
    if (o->profile)
        profile_runs(r, plan, in, out, res);
    double median_s = res->latency.median * 1e-3;
    if (median_s > 0) {
        res->gflops_per_s = (double)res->cost.flops / median_s * 1e-9;
        res->gbytes_per_s = (double)res->cost.bytes_moved / median_s * 1e-9;
    }
    eb_roofline_fill(res); /* this machine's calibration, or why none */
    /* drift is measured on every evaluated image when there is a dataset */
    const eb_tensor *compared = out;
    if (zoo && eb_evaluate_open(zoo, &ds, &err) != EB_OK) {
        snprintf(res->task.reason, sizeof res->task.reason, "%s", err.msg);
        zoo = NULL;
    }
    if (zoo) {
        if ((st = eb_evaluate(r, plan, g, zoo, &ds, o->eval_count, evals, &res->task, &err)) != EB_OK) {
            fail(res, st, &err);
            goto done;
        }
        compared = evals;
    }
    if (o->baseline_dir && write_baseline)
        st = save_outputs(g, compared, o->baseline_dir, &err);
    else if (o->baseline_dir)
        measure_drift(g, compared, o->baseline_dir, res);
    else
        snprintf(res->drift.reason, sizeof res->drift.reason, "no baseline");
    if (st == EB_OK && (o->layers || o->sensitivity))
        where_lost(model_path, v, o, g, in, sha, zoo, &ds, res);
    if (st == EB_OK && o->save_outputs_dir) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", o->save_outputs_dir, res->model_name);
        if (mkdir(dir, 0777) != 0 && errno != EEXIST)
            st = eb_errf(&err, EB_EIO, "%s: cannot create: %s", dir, strerror(errno));
        /* one folder per variant, named by its spec (':' and ',' are fine in names) */
        snprintf(dir, sizeof dir, "%s/%s/%s", o->save_outputs_dir, res->model_name, v->spec);
        if (st == EB_OK)
            st = save_outputs(g, out, dir, &err);
    }
    if (st != EB_OK) {
        fail(res, st, &err);
        goto done;
    }
    res->status = EB_RESULT_OK;
done:
    if (energy)
        eb_energy_run_release(energy);
    free(energy);
    eb_counters_close(&cs);
    if (plan)
        r->release(plan);
    if (in)
        eb_inputs_free(in, n_in);
    if (out)
        eb_inputs_free(out, n_out);
    if (evals)
        eb_inputs_free(evals, g->n_outputs);
    free(in);
    free(out);
    free(evals);
    eb_tensor_free_data(&batch);
    free_sets(calib, calib_n);
    eb_dataset_free(&ds);
    eb_graph_free(g);
}
