/* plan_memory.c - greedy offset assignment over buffer lifetimes (see
 * plan_memory.h).  O(n^2) in the number of items, which stays in the
 * hundreds for the models of the suite. */
#include "runners/cpu/plan_memory.h"

#include <stdbool.h>
#include <stdlib.h>

typedef struct placed {
    size_t offset, end;
} placed;

typedef struct sort_key {
    size_t size;
    int first, index;
} sort_key;

static int by_size_desc(const void *pa, const void *pb)
{
    const sort_key *a = pa, *b = pb;
    if (a->size != b->size)
        return a->size < b->size ? 1 : -1;
    /* ties: earlier first, then index, for a deterministic plan */
    if (a->first != b->first)
        return a->first < b->first ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static int by_offset(const void *pa, const void *pb)
{
    const placed *a = pa, *b = pb;
    return a->offset < b->offset ? -1 : a->offset > b->offset;
}

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) & ~(a - 1);
}

eb_status eb_plan_memory(eb_mem_item *items, int n, size_t align, size_t *arena_size, eb_err *err)
{
    *arena_size = 0;
    if (n <= 0)
        return EB_OK;
    sort_key *order = malloc(sizeof(sort_key) * (size_t)n);
    int *done = malloc(sizeof(int) * (size_t)n);
    placed *live = malloc(sizeof(placed) * (size_t)n);
    if (!order || !done || !live) {
        free(order);
        free(done);
        free(live);
        return eb_errf(err, EB_ENOMEM, "memory planner: out of memory for %d buffers", n);
    }
    for (int i = 0; i < n; i++)
        order[i] = (sort_key){items[i].size, items[i].first, i};
    qsort(order, (size_t)n, sizeof(sort_key), by_size_desc);

    size_t arena = 0;
    for (int k = 0; k < n; k++) {
        eb_mem_item *it = &items[order[k].index];
        /* the already placed items alive at the same time, by offset */
        int nl = 0;
        for (int j = 0; j < k; j++) {
            const eb_mem_item *o = &items[done[j]];
            if (o->size > 0 && o->first <= it->last && it->first <= o->last)
                live[nl++] = (placed){o->offset, o->offset + o->size};
        }
        qsort(live, (size_t)nl, sizeof(placed), by_offset);
        /* first gap from the bottom that holds the item */
        size_t off = 0;
        for (int j = 0; j < nl; j++) {
            if (live[j].offset >= off + it->size)
                break;
            if (live[j].end > off)
                off = align_up(live[j].end, align);
        }
        it->offset = it->size ? off : 0;
        if (it->size && off + it->size > arena)
            arena = off + it->size;
        done[k] = order[k].index;
    }
    free(order);
    free(done);
    free(live);
    *arena_size = align_up(arena, align);
    return EB_OK;
}

size_t eb_plan_memory_lower_bound(const eb_mem_item *items, int n)
{
    size_t best = 0;
    for (int i = 0; i < n; i++) {
        /* the peak is reached at some item's first step */
        size_t sum = 0;
        for (int j = 0; j < n; j++)
            if (items[j].first <= items[i].first && items[i].first <= items[j].last)
                sum += items[j].size;
        best = sum > best ? sum : best;
    }
    return best;
}
