/* test_threadpool.c - the cpu runner's thread pool (runners/cpu/threadpool.c).
 *
 * What a pool must guarantee, checked by counting: every task index of a
 * run is called exactly once, with a worker index in [0, size); run()
 * returns only after all of them finished (a task's side effects are
 * visible to the caller); nested runs on the same pool do not deadlock;
 * workers that went to sleep are woken by the next job; freeing joins
 * (ASan/LSan in SANITIZE=1 builds see no leak or use after free).  The
 * stress test runs tens of thousands of back-to-back jobs of random sizes,
 * where a lost wake-up or a task claimed from a stale job would show up as
 * a hang or a wrong count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runners/cpu/threadpool.h"
#include "tests/test_util.h"

enum { MAX_TASKS = 4096 };

typedef struct counts {
    atomic_int hits[MAX_TASKS];
    atomic_int bad_worker;
    atomic_int by_worker[8];
    int size;
    int sleep_us; /* per task, 0: none */
} counts;

static void count_task(void *ctx, int task, int worker)
{
    counts *c = ctx;
    if (task < 0 || task >= MAX_TASKS || worker < 0 || worker >= c->size) {
        atomic_fetch_add(&c->bad_worker, 1);
        return;
    }
    if (c->sleep_us) {
        struct timespec ts = {0, (long)c->sleep_us * 1000};
        nanosleep(&ts, NULL);
    }
    atomic_fetch_add(&c->hits[task], 1);
    if (worker < 8)
        atomic_fetch_add(&c->by_worker[worker], 1);
}

/* Runs `tasks` tasks and checks each ran exactly once. */
static void run_and_check(eb_threadpool *tp, counts *c, int tasks)
{
    for (int i = 0; i < tasks; i++)
        atomic_store(&c->hits[i], 0);
    eb_threadpool_run(tp, tasks, count_task, c);
    for (int i = 0; i < tasks; i++)
        if (atomic_load(&c->hits[i]) != 1)
            fail_msg("pool of %d, %d tasks: task %d ran %d times", c->size, tasks, i, atomic_load(&c->hits[i]));
    assert_int_equal(atomic_load(&c->bad_worker), 0);
}

static counts *new_counts(int size)
{
    counts *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->size = size;
    return c;
}

/* ---- failure paths ------------------------------------------------------- */

static void threadpool_new__zero_or_negative_threads__returns_null(void **state)
{
    (void)state;
    assert_null(eb_threadpool_new(0));
    assert_null(eb_threadpool_new(-3));
    eb_threadpool_free(NULL); /* a no-op */
    assert_int_equal(eb_threadpool_size(NULL), 1);
}

/* ---- good paths ----------------------------------------------------------- */

static void threadpool_run__null_pool__runs_every_task_on_the_caller(void **state)
{
    (void)state;
    counts *c = new_counts(1);
    run_and_check(NULL, c, 37);
    assert_int_equal(atomic_load(&c->by_worker[0]), 37);
    eb_threadpool_run(NULL, 0, count_task, c); /* nothing to do */
    free(c);
}

static void threadpool_run__every_size__runs_each_task_once(void **state)
{
    (void)state;
    const int task_counts[] = {1, 2, 3, 5, 7, 64, 1000, MAX_TASKS};
    for (int size = 1; size <= 4; size++) {
        eb_threadpool *tp = eb_threadpool_new(size);
        assert_non_null(tp);
        assert_int_equal(eb_threadpool_size(tp), size);
        counts *c = new_counts(size);
        for (int rep = 0; rep < 20; rep++)
            for (size_t i = 0; i < sizeof task_counts / sizeof task_counts[0]; i++)
                run_and_check(tp, c, task_counts[i]);
        free(c);
        eb_threadpool_free(tp);
    }
}

static void threadpool_run__many_short_jobs__lose_no_task(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0x7007;
    eb_threadpool *tp = eb_threadpool_new(3);
    assert_non_null(tp);
    counts *c = new_counts(3);
    for (int rep = 0; rep < 30000; rep++)
        run_and_check(tp, c, 1 + (int)(eb_test_rand(&rng) % 9));
    free(c);
    eb_threadpool_free(tp);
}

/* Workers block after spinning a while; the next job must wake them, and
 * slow tasks must be shared among them. */
static void threadpool_run__after_idle__wakes_workers_to_share_slow_tasks(void **state)
{
    (void)state;
    eb_threadpool *tp = eb_threadpool_new(3);
    assert_non_null(tp);
    counts *c = new_counts(3);
    c->sleep_us = 2000;
    for (int rep = 0; rep < 3; rep++) {
        struct timespec idle = {0, 20 * 1000 * 1000}; /* long past the spin */
        nanosleep(&idle, NULL);
        run_and_check(tp, c, 24);
    }
    /* 72 tasks of 2 ms: the caller alone would need 144 ms, and sleeping
     * tasks leave the CPU to the workers even on a loaded machine */
    int others = atomic_load(&c->by_worker[1]) + atomic_load(&c->by_worker[2]);
    if (others == 0)
        fail_msg("all 72 tasks ran on the caller: the workers never woke");
    free(c);
    eb_threadpool_free(tp);
}

typedef struct nested {
    eb_threadpool *tp;
    counts *inner;
    atomic_int outer_hits;
} nested;

static void inner_run(void *ctx, int task, int worker)
{
    nested *n = ctx;
    (void)task;
    (void)worker;
    /* tasks of the outer job call run() on the same pool */
    eb_threadpool_run(n->tp, 5, count_task, n->inner);
    atomic_fetch_add(&n->outer_hits, 1);
}

static void threadpool_run__nested_on_the_same_pool__runs_inline(void **state)
{
    (void)state;
    eb_threadpool *tp = eb_threadpool_new(2);
    assert_non_null(tp);
    nested n = {.tp = tp, .inner = new_counts(2)};
    atomic_init(&n.outer_hits, 0);
    eb_threadpool_run(tp, 4, inner_run, &n);
    assert_int_equal(atomic_load(&n.outer_hits), 4);
    for (int i = 0; i < 5; i++)
        assert_int_equal(atomic_load(&n.inner->hits[i]), 4); /* once per outer task */
    assert_int_equal(atomic_load(&n.inner->bad_worker), 0);
    free(n.inner);
    eb_threadpool_free(tp);
}

/* A task's writes are visible when run() returns. */
typedef struct sum_job {
    const uint32_t *in;
    uint64_t partial[64];
} sum_job;

static void sum_task(void *ctx, int task, int worker)
{
    sum_job *j = ctx;
    (void)worker;
    uint64_t s = 0;
    for (int i = 0; i < 1000; i++)
        s += j->in[task * 1000 + i];
    j->partial[task] = s;
}

static void threadpool_run__results_of_tasks__are_visible_to_the_caller(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed() ^ 0x5a5a;
    uint32_t *in = malloc(64 * 1000 * sizeof *in);
    assert_non_null(in);
    uint64_t want = 0;
    for (int i = 0; i < 64000; i++) {
        in[i] = (uint32_t)eb_test_rand(&rng);
        want += in[i];
    }
    eb_threadpool *tp = eb_threadpool_new(2);
    assert_non_null(tp);
    for (int rep = 0; rep < 200; rep++) {
        sum_job j = {.in = in};
        eb_threadpool_run(tp, 64, sum_task, &j);
        uint64_t got = 0;
        for (int t = 0; t < 64; t++)
            got += j.partial[t];
        assert_int_equal(got, want);
    }
    eb_threadpool_free(tp);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threadpool_new__zero_or_negative_threads__returns_null),
        cmocka_unit_test(threadpool_run__null_pool__runs_every_task_on_the_caller),
        cmocka_unit_test(threadpool_run__every_size__runs_each_task_once),
        cmocka_unit_test(threadpool_run__many_short_jobs__lose_no_task),
        cmocka_unit_test(threadpool_run__after_idle__wakes_workers_to_share_slow_tasks),
        cmocka_unit_test(threadpool_run__nested_on_the_same_pool__runs_inline),
        cmocka_unit_test(threadpool_run__results_of_tasks__are_visible_to_the_caller),
    };
    return cmocka_run_group_tests_name("threadpool", tests, NULL, NULL);
}
