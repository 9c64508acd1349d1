/* emit_device.c - the machine a result was measured on (eb_device_info,
 * found by bench/device_info.c) as the JSON object that result files
 * (`device`) and `edgebench info --json` hold. */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <string.h>

#include "reports/emit.h"

/* Copies s[0..len) into dst[n] as a string, cut to fit. */
static void copy_span(char *dst, size_t n, const char *s, size_t len)
{
    if (len >= n)
        len = n - 1;
    memcpy(dst, s, len);
    dst[len] = '\0';
}

/* Adds v, or null when it is 0 (unknown); false on allocation failure. */
static bool add_num_or_null(cJSON *o, const char *key, double v)
{
    return (v != 0 ? cJSON_AddNumberToObject(o, key, v) : cJSON_AddNullToObject(o, key)) != NULL;
}

static bool add_str(cJSON *o, const char *key, const char *s)
{
    return cJSON_AddStringToObject(o, key, s) != NULL;
}

cJSON *eb_device_info_json(const eb_device_info *d)
{
    cJSON *root = cJSON_CreateObject(), *cpu = NULL, *cache = NULL, *simd = NULL, *mem = NULL;
    bool ok = root && (cpu = cJSON_AddObjectToObject(root, "cpu")) != NULL;
    ok = ok && add_str(cpu, "source", d->cpu_source) && add_str(cpu, "arch", d->arch) &&
         add_str(cpu, "vendor", d->vendor) && add_str(cpu, "brand", d->brand) &&
         add_num_or_null(cpu, "physical_cores", d->physical_cores) &&
         add_num_or_null(cpu, "logical_cpus", d->logical_cpus) &&
         add_num_or_null(cpu, "online_cpus", d->online_cpus) &&
         add_num_or_null(cpu, "usable_cpus", d->usable_cpus) && add_str(cpu, "affinity", d->affinity) &&
         add_str(cpu, "cores_source", d->cores_source) && add_str(cpu, "cache_source", d->cache_source) &&
         add_str(cpu, "l3_shared_cpus", d->l3_shared_cpus) &&
         (cache = cJSON_AddObjectToObject(cpu, "cache_kib")) != NULL && add_num_or_null(cache, "l1d", d->l1d_kib) &&
         add_num_or_null(cache, "l1i", d->l1i_kib) && add_num_or_null(cache, "l2", d->l2_kib) &&
         add_num_or_null(cache, "l3", d->l3_kib) && (simd = cJSON_AddArrayToObject(cpu, "simd")) != NULL;
    for (const char *s = d->simd; ok && *s;) {
        while (*s == ' ')
            s++;
        size_t len = strcspn(s, " ");
        if (!len)
            break;
        char word[64];
        copy_span(word, sizeof word, s, len);
        cJSON *w = cJSON_CreateString(word);
        ok = w && cJSON_AddItemToArray(simd, w);
        if (w && !ok)
            cJSON_Delete(w);
        s += len;
    }
    cJSON *dis = ok ? cJSON_AddArrayToObject(cpu, "disagreements") : NULL;
    ok = ok && dis;
    for (int i = 0; ok && i < d->n_disagreements; i++) {
        cJSON *w = cJSON_CreateString(d->disagreements[i]);
        ok = w && cJSON_AddItemToArray(dis, w);
        if (w && !ok)
            cJSON_Delete(w);
    }
    ok = ok && add_num_or_null(cpu, "base_mhz", d->base_mhz) &&
         (mem = cJSON_AddObjectToObject(root, "memory")) != NULL &&
         add_num_or_null(mem, "total_bytes", (double)d->mem_total_bytes) &&
         add_num_or_null(mem, "available_bytes", (double)d->mem_available_bytes) && add_str(root, "os", d->os) &&
         add_str(root, "kernel", d->kernel) && add_str(root, "hostname", d->hostname) &&
         (d->notes[0] ? add_str(root, "notes", d->notes) : cJSON_AddNullToObject(root, "notes") != NULL);
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
