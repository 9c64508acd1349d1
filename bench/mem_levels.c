/* mem_levels.c - the cache sizes a result's bytes are split by, and the
 * split (see mem_levels.h; the rule is models/cost_levels.h's). */
#include "bench/mem_levels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/device_info.h"
#include "bench/energy.h"

static bool read_text(const char *path, char *buf, size_t n)
{
    return eb_sysfs_read_line(path, buf, n);
}

/* "48K", "1024K", "32M", or bytes */
static uint64_t size_bytes(const char *s)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s)
        return 0;
    return v * (*end == 'K' ? 1024ULL : *end == 'M' ? 1024ULL * 1024 : *end == 'G' ? 1024ULL * 1024 * 1024 : 1);
}

/* sysfs cpu0/cache: true when a data or unified cache was listed */
static bool from_sysfs(eb_cache_sizes *c)
{
    char dir[512], path[600], level[16], type[32], size[32], line[32];
    eb_sysfs_path(dir, sizeof dir, "sys/devices/system/cpu/cpu0/cache");
    int top = 0;
    for (int i = 0; i < 16; i++) {
        snprintf(path, sizeof path, "%s/index%d/level", dir, i);
        if (!read_text(path, level, sizeof level))
            continue;
        snprintf(path, sizeof path, "%s/index%d/type", dir, i);
        if (!read_text(path, type, sizeof type) || strcmp(type, "Instruction") == 0)
            continue;
        snprintf(path, sizeof path, "%s/index%d/size", dir, i);
        if (!read_text(path, size, sizeof size))
            continue;
        int lv = atoi(level);
        uint64_t b = size_bytes(size);
        if (lv == 1 && !c->capacity[EB_LEVEL_L1])
            c->capacity[EB_LEVEL_L1] = b;
        else if (lv == 2 && !c->capacity[EB_LEVEL_L2])
            c->capacity[EB_LEVEL_L2] = b;
        else if (lv >= 3 && lv >= top) /* the last level: L3 (or an L4) */
            c->capacity[EB_LEVEL_LLC] = b;
        snprintf(path, sizeof path, "%s/index%d/coherency_line_size", dir, i);
        if (lv >= top && read_text(path, line, sizeof line) && atoi(line) > 0) {
            c->line_bytes = (uint32_t)atoi(line);
            snprintf(c->line_source, sizeof c->line_source, "sysfs L%d coherency_line_size", lv);
        }
        if (lv > top)
            top = lv;
    }
    /* no L3: the L2 is the last level */
    if (!c->capacity[EB_LEVEL_LLC] && top == 2) {
        c->capacity[EB_LEVEL_LLC] = c->capacity[EB_LEVEL_L2];
        c->capacity[EB_LEVEL_L2] = 0;
    }
    return top > 0;
}

static void fill(eb_cache_sizes *c)
{
    memset(c, 0, sizeof *c);
    if (from_sysfs(c)) {
        snprintf(c->source, sizeof c->source, "sysfs");
    } else {
        eb_device_info d;
        eb_device_info_get(&d);
        c->capacity[EB_LEVEL_L1] = (uint64_t)d.l1d_kib * 1024;
        c->capacity[EB_LEVEL_L2] = (uint64_t)d.l2_kib * 1024;
        c->capacity[EB_LEVEL_LLC] = (uint64_t)d.l3_kib * 1024;
        if (!d.l3_kib && d.l2_kib) { /* no L3: the L2 is the last level */
            c->capacity[EB_LEVEL_LLC] = c->capacity[EB_LEVEL_L2];
            c->capacity[EB_LEVEL_L2] = 0;
        }
        if (d.l1d_kib || d.l2_kib || d.l3_kib)
            snprintf(c->source, sizeof c->source, "%s", d.cpu_source);
        else
            snprintf(c->why, sizeof c->why, "no cache size known (sysfs lists no caches and %s gives none)",
                     d.cpu_source[0] ? d.cpu_source : "libcpuid");
    }
    if (!c->line_bytes) {
        static const int names[] = {_SC_LEVEL3_CACHE_LINESIZE, _SC_LEVEL2_CACHE_LINESIZE, _SC_LEVEL1_DCACHE_LINESIZE};
        static const char *const what[] = {"L3", "L2", "L1d"};
        for (int i = 0; i < 3 && !c->line_bytes; i++) {
            long v = sysconf(names[i]);
            if (v > 0) {
                c->line_bytes = (uint32_t)v;
                snprintf(c->line_source, sizeof c->line_source, "sysconf %s line size (glibc)", what[i]);
            }
        }
    }
}

const eb_cache_sizes *eb_cache_sizes_get(void)
{
    static eb_cache_sizes c;
    static char root[512];
    static bool done;
    if (!done || strcmp(root, eb_sysfs_root()) != 0) {
        snprintf(root, sizeof root, "%s", eb_sysfs_root());
        fill(&c);
        done = true;
    }
    return &c;
}

void eb_mem_levels_fill_with(const eb_graph *g, const eb_cache_sizes *cs, const eb_counters *ctr, eb_mem_levels *m)
{
    memset(m, 0, sizeof *m);
    uint64_t b[EB_LEVEL_COUNT];
    eb_graph_bytes_by_level(g, cs->capacity, b, &m->footprint);
    for (int l = 0; l < EB_LEVEL_DRAM; l++)
        m->capacity[l] = cs->capacity[l];
    for (int l = 0; l < EB_LEVEL_COUNT; l++)
        m->bytes[l] = (double)b[l];
    m->available = true;
    snprintf(m->capacity_source, sizeof m->capacity_source, "%s", cs->source[0] ? cs->source : "none");
    if (!cs->source[0])
        snprintf(m->reason, sizeof m->reason, "every byte charged to DRAM: %s", cs->why[0] ? cs->why : "no cache size known");
    m->model_dram = m->bytes[EB_LEVEL_DRAM];
    snprintf(m->dram_source, sizeof m->dram_source, "model");
    if (ctr && ctr->hw_available && ctr->hw_known[EB_HW_CACHE_MISSES] && ctr->line_bytes > 0 && ctr->runs > 0) {
        m->bytes[EB_LEVEL_DRAM] = (double)ctr->hw[EB_HW_CACHE_MISSES] * ctr->line_bytes / (double)ctr->runs;
        snprintf(m->dram_source, sizeof m->dram_source, "counters");
    }
}

void eb_mem_levels_fill(const eb_graph *g, const eb_counters *ctr, eb_mem_levels *m)
{
    eb_mem_levels_fill_with(g, eb_cache_sizes_get(), ctr, m);
}

void eb_mem_levels_fill_result(const eb_graph *g, eb_result *res)
{
    if (strcmp(res->device_kind, "cpu") != 0) {
        memset(&res->mem_levels, 0, sizeof res->mem_levels);
        snprintf(res->mem_levels.reason, sizeof res->mem_levels.reason,
                 "the cache sizes known are the host CPU's; this result ran on a %s",
                 res->device_kind[0] ? res->device_kind : "device of unknown kind");
        return;
    }
    eb_mem_levels_fill(g, &res->counters, &res->mem_levels);
}
