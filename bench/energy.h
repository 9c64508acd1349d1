/* energy.h - energy per inference: the meters, the measurement window and
 * the estimators behind a result's `energy` (reports/record.h eb_energy).
 *
 * Meters (one file each, read only where they exist, each saying why not):
 *   energy_powercap.c  RAPL through /sys/class/powercap/intel-rapl:N (AMD
 *                      too): µJ counters, wrapped through max_energy_range_uj
 *   energy_hwmon.c     /sys/class/hwmon: energyN_input (µJ), powerN_input
 *                      (µW), or inN_input x currN_input (mV x mA)
 *   energy_battery.c   /sys/class/power_supply/<battery>: current_now x
 *                      voltage_now (or power_now), only while discharging
 *   energy_nvml.c      NVIDIA's total-energy counter through a dlopen'd NVML
 * Every sysfs path is read under EB_SYSFS_ROOT (default "/"), so the tests
 * build a fake tree (energy_sysfs.c).
 *
 * The window (energy_window.c): an idle baseline before the timed loop, a
 * sampler thread polling the meter over the loop, at least
 * EB_ENERGY_MIN_UPDATES meter updates (else the loop is repeated a bounded
 * number of times, else the figure is valid=false with the reason).
 *
 * Estimates (always kind "estimated", with method, inputs and a band), in
 * the order they are preferred when no meter measured the result:
 *   energy_dvfs.c      a DVFS power table (Android power_profile.xml, the
 *                      Linux Energy Model, or a user CSV) x cpufreq
 *                      time_in_state x the process's CPU time
 *   energy_tdp.c       utilisation x TDP from bench/energy_tdp.csv (x86)
 *   energy_opcount.c   FLOPs and bytes x Horowitz's 45 nm energies: relative only
 * energy_estimate.c picks the best and lists the others as alternatives. */
#ifndef EB_ENERGY_H
#define EB_ENERGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/record.h"

/* ---- sysfs under a root (energy_sysfs.c) --------------------------------- */

/* EB_SYSFS_ROOT, or "/" */
const char *eb_sysfs_root(void);
/* root + rel ("sys/class/powercap") into buf */
void eb_sysfs_path(char *buf, size_t n, const char *rel);
/* Reads the first line of an absolute path, newline stripped; false with
 * errno set when it cannot be read. */
bool eb_sysfs_read_line(const char *path, char *buf, size_t n);
/* The file as a signed / unsigned decimal; false (errno set; EINVAL when
 * not a number) when it cannot be read. */
bool eb_sysfs_read_i64(const char *path, int64_t *v);
bool eb_sysfs_read_u64(const char *path, uint64_t *v);
/* Joins a, "/" and b into buf. */
void eb_path_join(char *buf, size_t n, const char *a, const char *b);

/* ---- meters ------------------------------------------------------------- */

#define EB_METER_MAX_PARTS 8

/* One part of a meter: a RAPL package, a hwmon rail, the battery. */
typedef struct eb_meter_part {
    char label[48];
    char path[512];      /* energy_uj, energyN_input, powerN_input, inN_input, power_now, current_now */
    char path2[512];     /* currN_input / voltage_now for P = V x I; "" otherwise */
    double scale;        /* the raw value (x path2's) times scale is J or W */
    uint64_t range;      /* powercap: max_energy_range_uj, the counter's wrap; 0 none */
    uint64_t last_raw;   /* counters: the previous raw value */
    bool started;
} eb_meter_part;

typedef struct eb_meter eb_meter;
struct eb_meter {
    char source[16];     /* "powercap", "hwmon", "battery", "nvml", ... */
    char name[160];      /* what it reads, for the record */
    bool available;
    char reason[400];    /* why not available */
    bool cumulative;     /* read() gives joules since an origin; else watts now */
    /* Reads the meter: J (cumulative) or W; false when the read failed */
    bool (*read)(eb_meter *m, double *value);
    void (*close)(eb_meter *m);
    int n_parts;
    eb_meter_part parts[EB_METER_MAX_PARTS];
    double acc_j;        /* cumulative meters: joules summed over reads (wraps resolved) */
    /* battery: the status file, read again at the end of a window */
    char status_path[512];
    void *impl;          /* the source's own state (nvml: the library), freed by close */
    void *user;          /* tests' simulated meters */
};

void eb_meter_powercap_probe(eb_meter *m);
void eb_meter_hwmon_probe(eb_meter *m);
void eb_meter_battery_probe(eb_meter *m);
/* device: the NVIDIA GPU's NVML index.  The library is EB_NVML_LIB, or
 * libnvidia-ml.so.1. */
void eb_meter_nvml_probe(eb_meter *m, int device);
/* The battery meter's status says it still discharges (re-read). */
bool eb_meter_battery_discharging(const eb_meter *m, char *why, size_t n);
void eb_meter_close(eb_meter *m);

/* Every meter source, probed: powercap, hwmon, battery, nvml (GPU 0). */
#define EB_METER_SOURCES 4
void eb_meters_probe_all(eb_meter out[EB_METER_SOURCES]);

/* ---- the measurement window (energy_window.c) ---------------------------- */

#define EB_ENERGY_MIN_UPDATES 10
#define EB_ENERGY_MAX_EXTENSIONS 8   /* extra timed-loop repeats at most */
#define EB_ENERGY_MAX_EXTEND_S 20.0  /* and at most this long in all */
#define EB_ENERGY_IDLE_MIN_S 0.5     /* the idle baseline: at least this long, */
#define EB_ENERGY_IDLE_MAX_S 5.0     /* until EB_ENERGY_MIN_UPDATES updates or this long */

typedef struct eb_energy_sampler eb_energy_sampler;

/* What one sampled span saw. */
typedef struct eb_energy_span {
    double seconds;
    double joules;       /* NAN when too few updates to tell */
    int updates;
    double interval_ms;  /* mean time between updates; NAN under 2 */
    bool read_failed;
} eb_energy_span;

/* Polls m every poll_ms in a thread until eb_energy_sampler_stop. */
eb_energy_sampler *eb_energy_sampler_start(eb_meter *m, double poll_ms);
/* Stops it; its span so far.  The sampler stays for _resume / _free. */
void eb_energy_sampler_stop(eb_energy_sampler *s, eb_energy_span *out);
/* Continues the same span (an extension of the window). */
bool eb_energy_sampler_resume(eb_energy_sampler *s);
void eb_energy_sampler_free(eb_energy_sampler *s);

/* The idle baseline: samples m while sleeping, at least min_s, until
 * EB_ENERGY_MIN_UPDATES updates or max_s. */
void eb_energy_idle(eb_meter *m, double min_s, double max_s, eb_energy_span *out);

/* A window around the timed loop: begin (idle baseline, then the sampler),
 * stop after the loop, then extend through more() (which runs the loop's
 * inferences again and returns how many, 0 on failure) while the meter
 * updated fewer than EB_ENERGY_MIN_UPDATES times, then finish into e. */
typedef struct eb_energy_meter_run {
    eb_meter *m;
    eb_energy_span idle;
    eb_energy_sampler *s;
    double t0;
    eb_energy_span loop;
    int64_t inferences;
    int extensions;
} eb_energy_meter_run;

void eb_energy_meter_begin(eb_energy_meter_run *w, eb_meter *m, double idle_min_s, double idle_max_s);
void eb_energy_meter_start(eb_energy_meter_run *w);
void eb_energy_meter_stop(eb_energy_meter_run *w, int64_t inferences);
void eb_energy_meter_extend(eb_energy_meter_run *w, int64_t (*more)(void *ctx), void *ctx, int max_ext,
                            double max_s);
/* Fills e (kind measured, method "meter") from the window. */
void eb_energy_meter_finish(eb_energy_meter_run *w, eb_energy *e);

/* ---- estimates ---------------------------------------------------------- */

/* What the estimators need from a result's timed loop. */
typedef struct eb_energy_usage {
    double cpu_s;            /* the process's CPU time over the loop (all its threads) */
    double wall_s;           /* the loop's wall time */
    int64_t inferences;
    eb_cost cost;            /* the variant's static cost (FLOPs, bytes) */
    eb_mem_levels mem;       /* its bytes by memory level (bench/mem_levels.c); !available: bytes_moved at DRAM */
    char quant[32];          /* the variant's quant=: "none", "fp16", "int8", "int8-static", "int4" */
    char device_kind[16];    /* "cpu", "gpu", ... */
    /* cpufreq time_in_state before and after (energy_dvfs.c), NULL if not taken */
    struct eb_cpufreq_snapshot *tis_before, *tis_after;
} eb_energy_usage;

/* One estimate: a figure (NAN: not applicable, reason says why). */
typedef struct eb_energy_est {
    char method[32];
    char source[96];
    double j;                /* per inference */
    eb_energy_band band;
    bool relative_only;
    char reason[200];
    int n_inputs;
    eb_energy_input inputs[EB_ENERGY_MAX_INPUTS];
} eb_energy_est;

void eb_energy_est_num(eb_energy_est *e, const char *name, double v);
void eb_energy_est_text(eb_energy_est *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The CPU as /proc/cpuinfo (under EB_SYSFS_ROOT) says: vendor, family,
 * model, stepping, brand, the hypervisor flag. */
typedef struct eb_cpu_id {
    bool known;
    char vendor[32];
    int family, model, stepping;
    char brand[128];
    bool hypervisor;         /* the CPUID hypervisor bit: a guest of a VM */
    char arch[16];           /* "x86", "arm", "" */
} eb_cpu_id;
void eb_cpu_id_read(eb_cpu_id *c);

/* utilisation x TDP (energy_tdp.c); table: the CSV text, NULL for the
 * shipped bench/energy_tdp.csv */
void eb_energy_est_tdp(const eb_energy_usage *u, const eb_cpu_id *cpu, const char *table, eb_energy_est *out);
/* FLOPs and bytes x Horowitz 45 nm (energy_opcount.c) */
void eb_energy_est_opcount(const eb_energy_usage *u, eb_energy_est *out);
/* Horowitz's pJ per 64-bit read of the SRAM size nearest capacity (log
 * scale; above 1 MB the 1 MB figure, a low bound); *figure: its text */
double eb_opcount_sram_pj(uint64_t capacity, const char **figure);

/* ---- DVFS tables and time in state (energy_dvfs.c) ------------------------ */

#define EB_DVFS_MAX_CPUS 64
#define EB_DVFS_MAX_STEPS 48

typedef struct eb_dvfs_step {
    uint64_t khz;
    double watts;            /* per core at that frequency (abstract units when table->abstract) */
} eb_dvfs_step;

/* Per-CPU power at each frequency. */
typedef struct eb_dvfs_table {
    bool loaded;
    char source[96];         /* "power_profile.xml (current keys)", "energy_model", "csv FILE" */
    bool abstract;           /* the Energy Model's abstract scale: no joules can be given */
    char note[200];
    int n_cpus;              /* CPUs described; a CPU past them uses the last */
    int n_steps[EB_DVFS_MAX_CPUS];
    eb_dvfs_step steps[EB_DVFS_MAX_CPUS][EB_DVFS_MAX_STEPS];
} eb_dvfs_table;

/* Android power_profile.xml text: legacy keys (cpu.speeds[.clusterN],
 * cpu.active[.clusterN] arrays) or current ones (cpu.core_speeds.clusterN,
 * cpu.core_power.clusterN), cpu.clusters.cores mapping clusters to CPUs;
 * mA times volts (the battery's voltage) gives W.  False (why) when it
 * holds no CPU table. */
bool eb_dvfs_parse_power_profile(const char *xml, double volts, eb_dvfs_table *t, char *why, size_t n);
/* The Linux Energy Model under <root>/sys/kernel/debug/energy_model. */
bool eb_dvfs_load_energy_model(eb_dvfs_table *t, char *why, size_t n);
/* A user CSV: "cpu,khz,watts" lines (cpu "*" for every CPU), '#' comments. */
bool eb_dvfs_parse_csv(const char *text, eb_dvfs_table *t, char *why, size_t n);
/* The table for this machine: EB_POWER_TABLE (a CSV, or a power_profile.xml
 * by its name), else the Energy Model; false (why) when none. */
bool eb_dvfs_find_table(eb_dvfs_table *t, char *why, size_t n);

/* cpufreq/stats/time_in_state of every CPU: (kHz, ticks) rows. */
typedef struct eb_cpufreq_snapshot {
    int n_cpus;              /* CPUs with a time_in_state; 0 when none */
    int cpu[EB_DVFS_MAX_CPUS];
    int n_steps[EB_DVFS_MAX_CPUS];
    uint64_t khz[EB_DVFS_MAX_CPUS][EB_DVFS_MAX_STEPS];
    uint64_t ticks[EB_DVFS_MAX_CPUS][EB_DVFS_MAX_STEPS];
    char why[160];           /* why none */
} eb_cpufreq_snapshot;

void eb_cpufreq_snapshot_take(eb_cpufreq_snapshot *s);

/* DVFS table x the share of time at each frequency (after - before) x the
 * process's CPU time (energy_dvfs.c). */
void eb_energy_est_dvfs(const eb_energy_usage *u, const eb_dvfs_table *t, eb_energy_est *out);

/* ---- the whole: a result's energy (energy_estimate.c) -------------------- */

/* The best figure for a result: measured (w has a valid window) > DVFS
 * table > utilisation x TDP > op counts; the others as alternatives.
 * meter_reasons: why no meter measured it ("" when one did). */
void eb_energy_choose(const eb_energy_usage *u, const eb_energy *measured, const char *meter_reasons,
                      eb_energy *e);

/* Harness glue: before the loop (probe, idle baseline, snapshots), around
 * it (the sampler) and after it (extension, estimates). */
typedef struct eb_energy_run {
    eb_meter meters[EB_METER_SOURCES];
    eb_meter *m;             /* the one measuring, NULL when none */
    char reasons[512];       /* why none measured */
    eb_energy_meter_run w;
    eb_cpufreq_snapshot tis0, tis1;
    double cpu0, wall0, cpu1, wall1;
} eb_energy_run;

/* device_kind: the result's; gpu_index: the runner's device=N */
void eb_energy_run_begin(eb_energy_run *er, const char *device_kind, int gpu_index);
void eb_energy_run_start(eb_energy_run *er);    /* right before the timed loop */
void eb_energy_run_stop(eb_energy_run *er, int64_t inferences); /* right after it */
/* Extends the window if the meter needs it, then estimates; fills res->energy. */
void eb_energy_run_end(eb_energy_run *er, int64_t (*more)(void *ctx), void *ctx, eb_result *res);
/* Frees what begin took (the sampler, the meters); end calls it, and a
 * result that failed on the way calls it instead.  Idempotent. */
void eb_energy_run_release(eb_energy_run *er);

#endif
