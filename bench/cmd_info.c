/* cmd_info.c - `edgebench info`: the machine results are measured on.
 *
 * Prints eb_device_info (CPU, memory, OS) as text or JSON, the GPUs the
 * built runners find (or why none), the counter sources (software events:
 * perf or getrusage; hardware counters: PAPI with its own reason when it
 * counts nothing here, perf_event_open with the errno reason where PAPI is
 * absent; cpufreq; thermal zones), the energy
 * meter sources and estimators, each with its status and reason
 * (bench/energy_info.c), then each built runner's devices (runner.h
 * devices(); a runner whose driver must not start in this process is asked
 * in a child: bench/devices.c), with what a GPU runner's driver says of
 * each: platform, vendor, driver, compute units, local memory, features. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "bench/cli.h"
#include "bench/device_info.h"
#include "bench/devices.h"
#include "bench/energy_info.h"
#include "bench/mem_levels.h"
#include "bench/metrics_clock.h"
#include "bench/metrics_counters.h"
#include "reports/emit.h"
#include "reports/fmt_units.h"

static const char USAGE[] =
    "usage: edgebench info [--json]\n"
    "\n"
    "Prints the machine results are measured on: CPU (model, cores, caches,\n"
    "SIMD features), memory, OS and kernel, and whether GPUs, hardware\n"
    "counters and energy meters are available to edgebench, and each built\n"
    "runner's devices (device=N picks entry N; results name its id).\n"
    "  --json   one JSON object instead of text\n"
    "Exit status: 0 ok; 2 bad usage; 75 out of memory.\n";


/* The counter sources (metrics_counters.h, metrics_clock.h), each with
 * its status and the reason when it is absent. */
typedef struct counter_sources {
    bool perf_sw, hw, freq, thermal;
    char perf_sw_why[256], hw_why[256], freq_line[256], thermal_line[256];
    char hw_source[24], hw_papi[256]; /* the hardware's source; why not PAPI ("" when PAPI) */
} counter_sources;

static void probe_sources(counter_sources *c)
{
    c->perf_sw = eb_counters_sw_status(c->perf_sw_why, sizeof c->perf_sw_why);
    c->hw = eb_counters_hw_status(c->hw_source, sizeof c->hw_source, c->hw_papi, sizeof c->hw_papi, c->hw_why,
                                  sizeof c->hw_why);
    c->freq = eb_clock_freq_status(c->freq_line, sizeof c->freq_line);
    c->thermal = eb_clock_thermal_status(c->thermal_line, sizeof c->thermal_line);
}

/* "counters": {available, software, preemption, hardware}, "cpufreq", "thermal" */
static bool add_sources(cJSON *root, const counter_sources *c)
{
    cJSON *o = cJSON_AddObjectToObject(root, "counters"), *sw, *hw, *pre, *fq, *th;
    if (!o || !cJSON_AddTrueToObject(o, "available") || !(sw = cJSON_AddObjectToObject(o, "software")) ||
        !(pre = cJSON_AddObjectToObject(o, "preemption")) || !(hw = cJSON_AddObjectToObject(o, "hardware")) ||
        !(fq = cJSON_AddObjectToObject(root, "cpufreq")) || !(th = cJSON_AddObjectToObject(root, "thermal")))
        return false;
    cJSON_AddTrueToObject(sw, "available");
    cJSON_AddStringToObject(sw, "source", c->perf_sw ? "perf_event_open" : "getrusage");
    if (!c->perf_sw)
        cJSON_AddStringToObject(sw, "perf_reason", c->perf_sw_why);
    cJSON_AddTrueToObject(pre, "available");
    cJSON_AddStringToObject(pre, "source", "getrusage(RUSAGE_SELF) ru_nivcsw around each timed sample");
    cJSON_AddBoolToObject(hw, "available", c->hw);
    cJSON_AddStringToObject(hw, "source", c->hw_source);
    if (c->hw_why[0])
        cJSON_AddStringToObject(hw, "reason", c->hw_why);
    cJSON *papi = cJSON_AddObjectToObject(hw, "papi");
    cJSON_AddBoolToObject(papi, "used", !c->hw_papi[0]);
    if (c->hw_papi[0])
        cJSON_AddStringToObject(papi, "reason", c->hw_papi);
    /* the cache sizes bytes by level are charged by, and the line DRAM bytes are derived with */
    const eb_cache_sizes *k = eb_cache_sizes_get();
    cJSON *ml = cJSON_AddObjectToObject(root, "memory_levels");
    cJSON_AddBoolToObject(ml, "available", k->source[0] != '\0');
    if (k->source[0]) {
        cJSON_AddStringToObject(ml, "source", k->source);
        for (int l = 0; l < EB_LEVEL_DRAM; l++)
            cJSON_AddNumberToObject(ml, eb_level_name(l), (double)k->capacity[l]);
    } else {
        cJSON_AddStringToObject(ml, "reason", k->why);
    }
    if (k->line_bytes)
        cJSON_AddNumberToObject(ml, "line_bytes", k->line_bytes);
    cJSON_AddStringToObject(ml, "line_source", k->line_bytes ? k->line_source : "unknown");
    cJSON_AddBoolToObject(fq, "available", c->freq);
    cJSON_AddStringToObject(fq, c->freq ? "status" : "reason", c->freq_line);
    cJSON_AddBoolToObject(th, "available", c->thermal);
    return cJSON_AddStringToObject(th, c->thermal ? "status" : "reason", c->thermal_line) != NULL;
}

static void print_sources(const counter_sources *c)
{
    if (c->perf_sw)
        printf("%-16ssoftware: perf_event_open (task-clock, context-switches, cpu-migrations, page-faults) and "
               "getrusage (voluntary/involuntary switches, minor/major faults, preemption per sample)\n", "counters:");
    else
        printf("%-16ssoftware: getrusage (switches, faults, preemption per sample); perf unavailable (%s)\n",
               "counters:", c->perf_sw_why);
    if (c->hw)
        printf("%-16shardware: %s%s%s\n", "", c->hw_source, c->hw_why[0] ? "; partly: " : "", c->hw_why);
    else
        printf("%-16shardware: %s: unavailable (%s)\n", "", c->hw_source, c->hw_why);
    if (c->hw_papi[0])
        printf("%-16s          PAPI not used (%s)\n", "", c->hw_papi);
    const eb_cache_sizes *k = eb_cache_sizes_get();
    if (k->source[0])
        printf("%-16sL1 %llu KiB, L2 %llu KiB, LLC %llu KiB (%s), line %u B (%s): bytes by level from the cost model, "
               "DRAM from the counters where they count\n", "memory levels:",
               (unsigned long long)(k->capacity[EB_LEVEL_L1] >> 10), (unsigned long long)(k->capacity[EB_LEVEL_L2] >> 10),
               (unsigned long long)(k->capacity[EB_LEVEL_LLC] >> 10), k->source, k->line_bytes,
               k->line_bytes ? k->line_source : "unknown");
    else
        printf("%-16sunavailable (%s): every byte charged to DRAM\n", "memory levels:", k->why);
    printf("%-16s%s%s%s\n", "cpu frequency:", c->freq ? "" : "unavailable (", c->freq_line, c->freq ? "" : ")");
    printf("%-16s%s%s%s\n", "thermal:", c->thermal ? "" : "unavailable (", c->thermal_line, c->thermal ? "" : ")");
}

enum { MAX_DEVICES = 16 };

/* Each built runner's devices, asked once (a GPU runner in a child). */
typedef struct runner_devices {
    const eb_runner *r;
    int n;              /* -1: the listing failed, err says why */
    eb_device dev[MAX_DEVICES];
    char err[256];
} runner_devices;

static runner_devices *list_all(int *count)
{
    *count = eb_runner_count();
    runner_devices *all = calloc((size_t)*count + 1, sizeof *all);
    for (int i = 0; all && i < *count; i++) {
        eb_err err = {{0}};
        all[i].r = eb_runner_at(i);
        all[i].n = eb_runner_list_devices(all[i].r, all[i].dev, MAX_DEVICES, &err);
        if (all[i].n > MAX_DEVICES)
            all[i].n = MAX_DEVICES;
        snprintf(all[i].err, sizeof all[i].err, "%s", err.msg);
    }
    return all;
}

/* Why no GPU is listed: no GPU runner built, or what those built found. */
static void no_gpu_reason(const runner_devices *all, int count, char *why, size_t n)
{
    size_t k = (size_t)snprintf(why, n, "none detected");
    const char *sep = " (";
    for (int i = 0; i < count && k < n; i++) {
        if (!all[i].r->devices_in_child)
            continue; /* host runners list the host */
        if (all[i].n < 0)
            k += (size_t)snprintf(why + k, n - k, "%s%s: %s", sep, all[i].r->name, all[i].err);
        else if (all[i].n == 0)
            k += (size_t)snprintf(why + k, n - k, "%s%s: no device", sep, all[i].r->name);
        else
            k += (size_t)snprintf(why + k, n - k, "%s%s: %d device%s, none a GPU", sep, all[i].r->name, all[i].n,
                                  all[i].n == 1 ? "" : "s");
        sep = "; ";
    }
    if (k < n)
        snprintf(why + k, n - k, "%s", strcmp(sep, " (") == 0 ? " (CUDA/OpenCL runners not built)" : ")");
}

static int count_gpus(const runner_devices *all, int count)
{
    int g = 0;
    for (int i = 0; i < count; i++)
        for (int k = 0; k < all[i].n; k++)
            g += strcmp(all[i].dev[k].kind, "gpu") == 0;
    return g;
}

static cJSON *str_or_null(const char *s)
{
    return s[0] ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *num_or_null(uint64_t v)
{
    return v ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
}

/* {"runner", "index", "id", "name", "kind", "memory_bytes", and what a GPU
 * runner's driver says: platform, vendor, driver, compute_units,
 * local_memory_bytes, features}. */
static cJSON *device_json(const eb_runner *r, int index, const eb_device *d)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "runner", r->name);
    cJSON_AddNumberToObject(o, "index", index);
    cJSON_AddStringToObject(o, "id", d->id);
    cJSON_AddItemToObject(o, "name", str_or_null(d->name));
    cJSON_AddStringToObject(o, "kind", d->kind);
    cJSON_AddItemToObject(o, "memory_bytes", num_or_null(d->memory_bytes));
    if (r->devices_in_child) {
        cJSON_AddItemToObject(o, "platform", str_or_null(d->platform));
        cJSON_AddItemToObject(o, "vendor", str_or_null(d->vendor));
        cJSON_AddItemToObject(o, "driver", str_or_null(d->driver));
        cJSON_AddItemToObject(o, "compute_units", num_or_null(d->compute_units));
        cJSON_AddItemToObject(o, "local_memory_bytes", num_or_null(d->local_memory_bytes));
        cJSON_AddStringToObject(o, "features", d->features);
    }
    return o;
}

/* "gpus": [device...] and "runners": [{"name", "devices": [...] or
 * "devices_error"}]; false on allocation failure. */
static bool add_devices(cJSON *root, const runner_devices *all, int count)
{
    cJSON *gpus = cJSON_AddArrayToObject(root, "gpus"), *arr = cJSON_AddArrayToObject(root, "runners");
    if (!gpus || !arr)
        return false;
    if (count_gpus(all, count) == 0) {
        char why[512];
        no_gpu_reason(all, count, why, sizeof why);
        cJSON_AddStringToObject(root, "gpus_reason", why);
    }
    for (int i = 0; i < count; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o) || !cJSON_AddStringToObject(o, "name", all[i].r->name))
            return false;
        if (all[i].n < 0) {
            if (!cJSON_AddStringToObject(o, "devices_error", all[i].err))
                return false;
            continue;
        }
        cJSON *ds = cJSON_AddArrayToObject(o, "devices");
        for (int k = 0; ds && k < all[i].n; k++) {
            cJSON *d = device_json(all[i].r, k, &all[i].dev[k]);
            if (!d || !cJSON_AddItemToArray(ds, d))
                return false;
            if (strcmp(all[i].dev[k].kind, "gpu") == 0 &&
                !cJSON_AddItemToArray(gpus, device_json(all[i].r, k, &all[i].dev[k])))
                return false;
        }
        if (!ds)
            return false;
    }
    return true;
}

/* One line per device: "runners:       cpu device=0: cpu = AMD ... (cpu, 31.2 GiB)",
 * then for a GPU runner's device what its driver says. */
static void print_runners(const runner_devices *all, int count)
{
    const char *label = "runners:";
    for (int i = 0; i < count; i++) {
        const eb_runner *r = all[i].r;
        if (all[i].n <= 0) {
            printf("%-16s%s: %s\n", label, r->name, all[i].n < 0 ? all[i].err : "no devices");
            label = "";
        }
        for (int k = 0; k < all[i].n; k++, label = "") {
            const eb_device *d = &all[i].dev[k];
            char mem[32] = "memory unknown", local[32] = "unknown";
            if (d->memory_bytes)
                eb_fmt_bytes((double)d->memory_bytes, mem, sizeof mem);
            printf("%-16s%s device=%d: %s = %s (%s, %s)\n", label, r->name, k, d->id,
                   d->name[0] ? d->name : "model unknown", d->kind, mem);
            if (!r->devices_in_child)
                continue;
            if (d->local_memory_bytes)
                eb_fmt_bytes((double)d->local_memory_bytes, local, sizeof local);
            printf("%-16s  platform %s, vendor %s, driver %s, %u compute units, local memory %s, features: %s\n", "",
                   d->platform[0] ? d->platform : "unknown", d->vendor[0] ? d->vendor : "unknown",
                   d->driver[0] ? d->driver : "unknown", d->compute_units, local,
                   d->features[0] ? d->features : "none of note");
        }
    }
}

static int print_json(const eb_device_info *d, const runner_devices *all, int count)
{
    cJSON *root = eb_device_info_json(d);
    counter_sources cs;
    probe_sources(&cs);
    bool ok = root && add_devices(root, all, count) && add_sources(root, &cs) &&
              cJSON_AddItemToObject(root, "energy", eb_energy_info_json());
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (!text) {
        eb_cli_error("info: out of memory");
        return EB_EXIT_ENV;
    }
    printf("%s\n", text);
    cJSON_free(text);
    return EB_EXIT_OK;
}

int eb_cmd_info(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int c;
    optind = 0; /* rescan from the start: the tests call this more than once */
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("info", c, opts, argv);
        }
    }
    if (optind != argc) {
        eb_cli_error("info takes no arguments, got '%s' (see edgebench info --help)", argv[optind]);
        return EB_EXIT_USAGE;
    }

    eb_device_info d;
    eb_device_info_get(&d);
    int count = 0;
    runner_devices *all = list_all(&count);
    if (!all) {
        eb_cli_error("info: out of memory");
        return EB_EXIT_ENV;
    }
    if (json) {
        int rc = print_json(&d, all, count);
        free(all);
        return rc;
    }
    eb_device_info_print(&d, stdout);
    /* the same 16-wide label column as eb_device_info_print */
    int gpus = count_gpus(all, count);
    if (gpus) {
        printf("%-16s%d (listed under runners, kind gpu)\n", "gpus:", gpus);
    } else {
        char why[512];
        no_gpu_reason(all, count, why, sizeof why);
        printf("%-16s%s\n", "gpus:", why);
    }
    counter_sources cs;
    probe_sources(&cs);
    print_sources(&cs);
    eb_energy_info_print(stdout);
    print_runners(all, count);
    free(all);
    return EB_EXIT_OK;
}
