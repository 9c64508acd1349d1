/* threadpool.h - a fixed pool of pthreads, created once (in prepare) and
 * reused for every parallel loop of every run.
 *
 * eb_threadpool_run(tp, n, fn, ctx) calls fn(ctx, i, worker) for i in
 * [0, n) spread over the pool's threads (the caller is worker 0) and
 * returns when all are done.  worker is in [0, eb_threadpool_size(tp)), for
 * per-thread scratch.  A NULL pool runs everything on the caller. */
#ifndef EB_CPU_THREADPOOL_H
#define EB_CPU_THREADPOOL_H

typedef struct eb_threadpool eb_threadpool;

typedef void (*eb_task_fn)(void *ctx, int task, int worker);

/* NULL on failure (pthread_create or memory). */
eb_threadpool *eb_threadpool_new(int threads);
void eb_threadpool_free(eb_threadpool *tp);
int eb_threadpool_size(const eb_threadpool *tp);
void eb_threadpool_run(eb_threadpool *tp, int tasks, eb_task_fn fn, void *ctx);

#endif
