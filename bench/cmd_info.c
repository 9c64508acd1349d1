/* cmd_info.c - `edgebench info`: the machine results are measured on.
 *
 * Prints eb_device_info (CPU, memory, OS) as text or JSON, plus what the
 * build can see of GPUs, hardware counters and energy meters.  Those three
 * are honest placeholders until their runners and meters exist: they say
 * "unavailable" and why, and never invent a device or a number.  Then each
 * built runner's devices (runner.h devices(); a runner whose driver must
 * not start in this process is asked in a child: bench/devices.c). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "bench/cli.h"
#include "bench/device_info.h"
#include "bench/devices.h"
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

static const char GPUS_WHY[] = "none detected (CUDA/OpenCL runners not built)";
static const char COUNTERS_WHY[] = "PAPI support not built yet";
static const char ENERGY_WHY[] = "not implemented yet";

/* {"available": false, "reason": why} under key; false on allocation failure. */
static bool add_unavailable(cJSON *root, const char *key, const char *why)
{
    cJSON *o = cJSON_AddObjectToObject(root, key);
    return o && cJSON_AddFalseToObject(o, "available") && cJSON_AddStringToObject(o, "reason", why);
}

enum { MAX_DEVICES = 16 };

/* "runners": [{"name", "devices": [{"id", "name", "kind", "memory_bytes"}]
 * or "devices_error"}]; false on allocation failure. */
static bool add_runners(cJSON *root)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "runners");
    if (!arr)
        return false;
    for (int i = 0; i < eb_runner_count(); i++) {
        const eb_runner *r = eb_runner_at(i);
        eb_device dev[MAX_DEVICES];
        eb_err err = {{0}};
        int n = eb_runner_list_devices(r, dev, MAX_DEVICES, &err);
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o) || !cJSON_AddStringToObject(o, "name", r->name))
            return false;
        if (n < 0) {
            if (!cJSON_AddStringToObject(o, "devices_error", err.msg))
                return false;
            continue;
        }
        cJSON *ds = cJSON_AddArrayToObject(o, "devices");
        if (!ds)
            return false;
        for (int k = 0; k < n && k < MAX_DEVICES; k++) {
            cJSON *d = cJSON_CreateObject();
            if (!d || !cJSON_AddItemToArray(ds, d) || !cJSON_AddStringToObject(d, "id", dev[k].id) ||
                !(dev[k].name[0] ? cJSON_AddStringToObject(d, "name", dev[k].name) : cJSON_AddNullToObject(d, "name")) ||
                !cJSON_AddStringToObject(d, "kind", dev[k].kind) ||
                !(dev[k].memory_bytes ? cJSON_AddNumberToObject(d, "memory_bytes", (double)dev[k].memory_bytes)
                                      : cJSON_AddNullToObject(d, "memory_bytes")))
                return false;
        }
    }
    return true;
}

/* One line per device: "runners:       cpu device=0: cpu = AMD ... (cpu, 31.2 GiB)". */
static void print_runners(void)
{
    const char *label = "runners:";
    for (int i = 0; i < eb_runner_count(); i++) {
        const eb_runner *r = eb_runner_at(i);
        eb_device dev[MAX_DEVICES];
        eb_err err = {{0}};
        int n = eb_runner_list_devices(r, dev, MAX_DEVICES, &err);
        if (n <= 0) {
            printf("%-16s%s: %s\n", label, r->name, n < 0 ? err.msg : "no devices");
            label = "";
        }
        for (int k = 0; k < n && k < MAX_DEVICES; k++, label = "") {
            char mem[32] = "memory unknown";
            if (dev[k].memory_bytes)
                eb_fmt_bytes((double)dev[k].memory_bytes, mem, sizeof mem);
            printf("%-16s%s device=%d: %s = %s (%s, %s)\n", label, r->name, k, dev[k].id,
                   dev[k].name[0] ? dev[k].name : "model unknown", dev[k].kind, mem);
        }
    }
}

static int print_json(const eb_device_info *d)
{
    cJSON *root = eb_device_info_json(d);
    bool ok = root && cJSON_AddArrayToObject(root, "gpus") && add_unavailable(root, "counters", COUNTERS_WHY) &&
              add_unavailable(root, "energy", ENERGY_WHY) && add_runners(root);
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
    if (json)
        return print_json(&d);
    eb_device_info_print(&d, stdout);
    /* the same 16-wide label column as eb_device_info_print */
    printf("%-16s%s\n", "gpus:", GPUS_WHY);
    printf("%-16sunavailable (%s)\n", "counters:", COUNTERS_WHY);
    printf("%-16sunavailable (%s)\n", "energy meters:", ENERGY_WHY);
    print_runners();
    return EB_EXIT_OK;
}
