/* mem_levels.h - this machine's cache hierarchy, and a result's bytes by
 * memory level (reports/record.h eb_mem_levels).
 *
 * Cache sizes: sysfs (cpu0/cache/index<N>/{level,type,size,
 * coherency_line_size} under $EB_SYSFS_ROOT, which the tests fake), else
 * libcpuid through eb_device_info_get (a VM's kernel may list no caches:
 * this one does not), else none.  The LLC's line size: sysfs
 * coherency_line_size, else glibc's sysconf (_SC_LEVEL3_CACHE_LINESIZE,
 * CPUID on x86), else unknown. */
#ifndef EB_MEM_LEVELS_H
#define EB_MEM_LEVELS_H

#include <stdint.h>

#include "models/graph.h"
#include "reports/record.h"

typedef struct eb_cache_sizes {
    uint64_t capacity[EB_LEVEL_DRAM]; /* L1D, L2, LLC bytes; 0 unknown */
    char source[32];                  /* "sysfs", "libcpuid", "/proc/cpuinfo", "" none */
    uint32_t line_bytes;              /* the last level's line; 0 unknown */
    char line_source[48];
    char why[200];                    /* why no size is known, "" */
} eb_cache_sizes;

/* Read once per process and sysfs root. */
const eb_cache_sizes *eb_cache_sizes_get(void);

/* m: g's bytes moved by level (models/cost_levels.h's rule) with this
 * machine's cache sizes; DRAM from ctr's LLC misses x line size when the
 * hardware counters counted them (ctr may be NULL). */
void eb_mem_levels_fill(const eb_graph *g, const eb_counters *ctr, eb_mem_levels *m);
/* The harness's step: res->mem_levels for a result on the host CPU from
 * g and res->counters; for another device (a GPU), unavailable: the cache
 * sizes known are the host's. */
void eb_mem_levels_fill_result(const eb_graph *g, eb_result *res);
/* The same with given cache sizes (the tests' fake hierarchies). */
void eb_mem_levels_fill_with(const eb_graph *g, const eb_cache_sizes *cs, const eb_counters *ctr, eb_mem_levels *m);

#endif
