/* threadpool.c - the cpu runner's fixed pool of pthreads.
 *
 * Workers are created once by eb_threadpool_new and live until
 * eb_threadpool_free joins them.  A parallel region (eb_threadpool_run)
 * writes the job (fn, ctx) and publishes it through one 64-bit atomic word,
 *
 *     state = generation (16 bits) | task count (24) | next task (24),
 *
 * which workers claim tasks from with compare-and-swap; the caller claims
 * too, as worker 0.  Because the job's identity and its counter live in one
 * word, a worker can only claim a task of the job it saw published, and a
 * successful claim means that job is still running, so its fn and ctx are
 * still valid.  The caller therefore waits for the job's tasks to be done,
 * not for every worker to turn up: a worker that was descheduled (a busy
 * machine) or asleep when the job was short is simply not needed, and
 * finds nothing left to claim when it runs.
 *
 * Waiting spins first (a few hundred microseconds of pause) and then
 * blocks on a condition variable, for workers waiting for a job as for the
 * caller waiting for the last task: back-to-back parallel loops of one
 * inference cost about a microsecond, an idle pool costs no CPU.  Sleepers
 * announce themselves in a counter, so a publish or a finish takes the
 * mutex only when someone is asleep (seq_cst on both sides: either the
 * waker sees the sleeper or the sleeper sees the new state).
 *
 * One job at a time: run() must not be called on the same pool from two
 * threads at once.  Called from inside a task of the same pool it runs the
 * tasks inline on the calling thread instead of deadlocking. */
#include "runners/cpu/threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define cpu_relax() ((void)0)
#endif

/* pause iterations before blocking; a Zen 4 pause is ~64 cycles, a recent
 * Intel one ~140, so this is 100-300 microseconds */
enum { SPIN_ITERS = 5000 };

/* the state word's fields */
#define NEXT_BITS 24
#define TASK_BITS 24
#define FIELD_MASK ((UINT64_C(1) << NEXT_BITS) - 1)
#define MAX_TASKS ((int)FIELD_MASK)
#define GEN_OF(s) ((s) >> (NEXT_BITS + TASK_BITS))
#define TASKS_OF(s) (((s) >> NEXT_BITS) & FIELD_MASK)
#define NEXT_OF(s) ((s) & FIELD_MASK)

typedef struct pool_worker {
    struct eb_threadpool *tp;
    int index;
    pthread_t thread;
} pool_worker;

struct eb_threadpool {
    int size;        /* threads including the caller */
    pool_worker *workers; /* size - 1 of them, index 1.. */
    int started;     /* how many pthread_create succeeded */

    pthread_mutex_t mu;
    pthread_cond_t wake; /* a new job, or stop */
    pthread_cond_t done; /* the job's last task finished */

    _Atomic uint64_t state;
    atomic_int finished;        /* tasks of the current job done */
    atomic_int workers_asleep;  /* on `wake` */
    atomic_bool caller_asleep;  /* on `done` */
    atomic_bool stop;

    /* the current job; written by the caller before it publishes `state` */
    eb_task_fn fn;
    void *ctx;
};

/* the pool whose task this thread is running now, to make nested run()
 * calls on the same pool run inline */
static _Thread_local const eb_threadpool *tl_inside;

/* Claims and runs tasks of the job with generation `gen` until none is
 * left or the job changed. */
static void work_on(eb_threadpool *tp, uint64_t gen, int worker_index)
{
    uint64_t s = atomic_load_explicit(&tp->state, memory_order_acquire);
    for (;;) {
        if (GEN_OF(s) != gen || NEXT_OF(s) >= TASKS_OF(s))
            return;
        if (!atomic_compare_exchange_weak_explicit(&tp->state, &s, s + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        int tasks = (int)TASKS_OF(s);
        const eb_threadpool *outer = tl_inside;
        tl_inside = tp;
        tp->fn(tp->ctx, (int)NEXT_OF(s), worker_index);
        tl_inside = outer;
        if (atomic_fetch_add(&tp->finished, 1) + 1 == tasks &&
            atomic_load(&tp->caller_asleep)) {
            pthread_mutex_lock(&tp->mu);
            pthread_cond_signal(&tp->done);
            pthread_mutex_unlock(&tp->mu);
        }
        s = atomic_load_explicit(&tp->state, memory_order_acquire);
    }
}

static void *worker_main(void *arg)
{
    pool_worker *w = arg;
    eb_threadpool *tp = w->tp;
    uint64_t seen = 0; /* generation 0: no job yet */
    for (;;) {
        uint64_t gen;
        int spins = 0;
        while ((gen = GEN_OF(atomic_load_explicit(&tp->state, memory_order_acquire))) == seen &&
               !atomic_load_explicit(&tp->stop, memory_order_relaxed) && spins < SPIN_ITERS) {
            cpu_relax();
            spins++;
        }
        if (gen == seen) {
            pthread_mutex_lock(&tp->mu);
            atomic_fetch_add(&tp->workers_asleep, 1);
            while ((gen = GEN_OF(atomic_load(&tp->state))) == seen && !atomic_load(&tp->stop))
                pthread_cond_wait(&tp->wake, &tp->mu);
            atomic_fetch_sub(&tp->workers_asleep, 1);
            pthread_mutex_unlock(&tp->mu);
        }
        if (atomic_load_explicit(&tp->stop, memory_order_acquire))
            break;
        seen = gen;
        work_on(tp, gen, w->index);
    }
    return NULL;
}

eb_threadpool *eb_threadpool_new(int threads)
{
    if (threads < 1)
        return NULL;
    eb_threadpool *tp = calloc(1, sizeof *tp);
    if (!tp)
        return NULL;
    tp->size = threads;
    atomic_init(&tp->state, 0);
    atomic_init(&tp->finished, 0);
    atomic_init(&tp->workers_asleep, 0);
    atomic_init(&tp->caller_asleep, false);
    atomic_init(&tp->stop, false);
    if (pthread_mutex_init(&tp->mu, NULL) != 0) {
        free(tp);
        return NULL;
    }
    if (pthread_cond_init(&tp->wake, NULL) != 0) {
        pthread_mutex_destroy(&tp->mu);
        free(tp);
        return NULL;
    }
    if (pthread_cond_init(&tp->done, NULL) != 0) {
        pthread_cond_destroy(&tp->wake);
        pthread_mutex_destroy(&tp->mu);
        free(tp);
        return NULL;
    }
    if (threads > 1) {
        tp->workers = calloc((size_t)threads - 1, sizeof *tp->workers);
        if (!tp->workers) {
            eb_threadpool_free(tp);
            return NULL;
        }
        for (int i = 0; i < threads - 1; i++) {
            tp->workers[i].tp = tp;
            tp->workers[i].index = i + 1;
            if (pthread_create(&tp->workers[i].thread, NULL, worker_main, &tp->workers[i]) != 0) {
                eb_threadpool_free(tp);
                return NULL;
            }
            tp->started++;
        }
    }
    return tp;
}

void eb_threadpool_free(eb_threadpool *tp)
{
    if (!tp)
        return;
    pthread_mutex_lock(&tp->mu);
    atomic_store(&tp->stop, true);
    pthread_cond_broadcast(&tp->wake);
    pthread_mutex_unlock(&tp->mu);
    for (int i = 0; i < tp->started; i++)
        pthread_join(tp->workers[i].thread, NULL);
    free(tp->workers);
    pthread_cond_destroy(&tp->done);
    pthread_cond_destroy(&tp->wake);
    pthread_mutex_destroy(&tp->mu);
    free(tp);
}

int eb_threadpool_size(const eb_threadpool *tp)
{
    return tp ? tp->size : 1;
}

/* One job of at most MAX_TASKS tasks. */
static void run_job(eb_threadpool *tp, int tasks, eb_task_fn fn, void *ctx)
{
    tp->fn = fn;
    tp->ctx = ctx;
    atomic_store_explicit(&tp->finished, 0, memory_order_relaxed);
    uint64_t gen = (GEN_OF(atomic_load_explicit(&tp->state, memory_order_relaxed)) + 1) & 0xffff;
    if (gen == 0)
        gen = 1; /* 0 is the workers' "no job yet" */
    atomic_store(&tp->state, (gen << (NEXT_BITS + TASK_BITS)) | ((uint64_t)tasks << NEXT_BITS));
    if (atomic_load(&tp->workers_asleep) > 0) {
        pthread_mutex_lock(&tp->mu);
        pthread_cond_broadcast(&tp->wake);
        pthread_mutex_unlock(&tp->mu);
    }

    work_on(tp, gen, 0);

    int spins = 0;
    while (atomic_load_explicit(&tp->finished, memory_order_acquire) < tasks && spins < SPIN_ITERS) {
        cpu_relax();
        spins++;
    }
    if (atomic_load_explicit(&tp->finished, memory_order_acquire) < tasks) {
        pthread_mutex_lock(&tp->mu);
        atomic_store(&tp->caller_asleep, true);
        while (atomic_load(&tp->finished) < tasks)
            pthread_cond_wait(&tp->done, &tp->mu);
        atomic_store(&tp->caller_asleep, false);
        pthread_mutex_unlock(&tp->mu);
    }
}

typedef struct offset_job {
    eb_task_fn fn;
    void *ctx;
    int offset;
} offset_job;

static void offset_task(void *ctx, int task, int worker)
{
    const offset_job *j = ctx;
    j->fn(j->ctx, j->offset + task, worker);
}

void eb_threadpool_run(eb_threadpool *tp, int tasks, eb_task_fn fn, void *ctx)
{
    if (tasks <= 0)
        return;
    if (!tp || tp->size == 1 || tasks == 1 || tl_inside == tp) {
        for (int t = 0; t < tasks; t++)
            fn(ctx, t, 0);
        return;
    }
    if (tasks <= MAX_TASKS) {
        run_job(tp, tasks, fn, ctx);
        return;
    }
    /* more tasks than the state word counts: consecutive jobs */
    for (int off = 0; off < tasks; off += MAX_TASKS) {
        offset_job j = {fn, ctx, off};
        run_job(tp, tasks - off < MAX_TASKS ? tasks - off : MAX_TASKS, offset_task, &j);
    }
}

/* ---- parallel loops over a range ---------------------------------------- */

typedef struct range_job {
    eb_range_fn fn;
    void *ctx;
    int64_t total, piece;
} range_job;

static void range_task(void *arg, int task, int worker)
{
    (void)worker;
    const range_job *j = arg;
    int64_t b = (int64_t)task * j->piece, e = b + j->piece < j->total ? b + j->piece : j->total;
    if (b < e)
        j->fn(j->ctx, b, e);
}

void eb_cpu_parallel_for(eb_threadpool *tp, int64_t total, int64_t grain, eb_range_fn fn, void *ctx)
{
    if (total <= 0)
        return;
    int threads = tp ? eb_threadpool_size(tp) : 1;
    if (grain < 1)
        grain = 1;
    if (threads <= 1 || total <= grain) {
        fn(ctx, 0, total);
        return;
    }
    /* four pieces per thread balance uneven pieces; never below grain */
    int64_t pieces = (int64_t)threads * 4;
    int64_t piece = (total + pieces - 1) / pieces;
    if (piece < grain)
        piece = grain;
    range_job j = {fn, ctx, total, piece};
    eb_threadpool_run(tp, (int)((total + piece - 1) / piece), range_task, &j);
}
