/* plan_memory.h - the cpu runner's static activation-memory planner.
 *
 * Every buffer a plan needs during run() (activations, layout copies,
 * per-step scratch) is an item with a size and a lifetime [first, last] in
 * step numbers, inclusive.  eb_plan_memory gives each item an offset in one
 * arena so that no two items whose lifetimes intersect overlap in memory,
 * and returns the arena's size.  The method is TensorFlow Lite Micro's
 * greedy planner: items by decreasing size, each at the lowest offset
 * (aligned) that fits between the items already placed that are alive at
 * the same time.  It is not optimal (the problem is NP-hard) but within a
 * few percent of the lower bound (the largest set of buffers alive at one
 * step) on the CNNs and transformers of the suite. */
#ifndef EB_CPU_PLAN_MEMORY_H
#define EB_CPU_PLAN_MEMORY_H

#include <stddef.h>

#include "models/status.h"

typedef struct eb_mem_item {
    size_t size;     /* bytes; 0 is allowed (offset 0) */
    int first, last; /* lifetime in steps, inclusive; first <= last */
    size_t offset;   /* out: byte offset in the arena, a multiple of align */
} eb_mem_item;

/* Places items[0..n) (align: a power of two).  On success *arena_size is
 * the bytes the arena must have (a multiple of align).  EB_ENOMEM only when
 * scratch allocation fails. */
eb_status eb_plan_memory(eb_mem_item *items, int n, size_t align, size_t *arena_size, eb_err *err);

/* The largest total size of items alive at one step: a lower bound on any
 * plan's arena (before alignment). */
size_t eb_plan_memory_lower_bound(const eb_mem_item *items, int n);

#endif
