/* cmd_info.c - `edgebench info`: the machine results are measured on.
 *
 * Prints eb_device_info (CPU, memory, OS) as text or JSON, plus what the
 * build can see of GPUs, hardware counters and energy meters.  Those three
 * are honest placeholders until their runners and meters exist: they say
 * "unavailable" and why, and never invent a device or a number. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "bench/cli.h"
#include "bench/device_info.h"
#include "reports/emit.h"

static const char USAGE[] =
    "usage: edgebench info [--json]\n"
    "\n"
    "Prints the machine results are measured on: CPU (model, cores, caches,\n"
    "SIMD features), memory, OS and kernel, and whether GPUs, hardware\n"
    "counters and energy meters are available to edgebench.\n"
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

static int print_json(const eb_device_info *d)
{
    cJSON *root = eb_device_info_json(d);
    bool ok = root && cJSON_AddArrayToObject(root, "gpus") && add_unavailable(root, "counters", COUNTERS_WHY) &&
              add_unavailable(root, "energy", ENERGY_WHY);
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
    return EB_EXIT_OK;
}
