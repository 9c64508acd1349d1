/* threadpool.h - a fixed pool of pthreads, created once (in prepare) and
 * reused for every parallel loop of every run.
 *
 * eb_threadpool_run(tp, n, fn, ctx) calls fn(ctx, i, worker) for i in
 * [0, n) spread over the pool's threads (the caller is worker 0) and
 * returns when all are done.  worker is in [0, eb_threadpool_size(tp)), for
 * per-thread scratch.  A NULL pool runs everything on the caller.
 * eb_cpu_parallel_for is the loop the kernels use on top of it. */
#ifndef EB_CPU_THREADPOOL_H
#define EB_CPU_THREADPOOL_H

#include <stdint.h>

typedef struct eb_threadpool eb_threadpool;

typedef void (*eb_task_fn)(void *ctx, int task, int worker);

/* NULL on failure (pthread_create or memory). */
eb_threadpool *eb_threadpool_new(int threads);
void eb_threadpool_free(eb_threadpool *tp);
int eb_threadpool_size(const eb_threadpool *tp);
void eb_threadpool_run(eb_threadpool *tp, int tasks, eb_task_fn fn, void *ctx);

/* fn(ctx, begin, end) over [0, total) cut into pieces of at least `grain`
 * items, a few per thread so that uneven pieces balance (all on the caller
 * for a NULL or one-thread pool, or when total <= grain). */
typedef void (*eb_range_fn)(void *ctx, int64_t begin, int64_t end);
void eb_cpu_parallel_for(eb_threadpool *tp, int64_t total, int64_t grain, eb_range_fn fn, void *ctx);

#endif
