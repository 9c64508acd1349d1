/* noise_controls.c - --pin and --cooldown (noise_controls.h).
 *
 * Pinning is applied in each variant's own process, first thing (harness.c),
 * so the sweep and the launcher stay where they were and every thread the
 * variant starts afterwards (the cpu runner's pool, a driver's threads)
 * inherits the mask: pthreads start with their creator's affinity and the
 * pool never sets its own. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/cache_audit.h"
#include "bench/device_info.h"
#include "bench/energy.h"
#include "bench/noise_controls.h"

eb_status eb_pin_parse(const char *list, const char *online, char *canon, size_t n, int *count, eb_err *err)
{
    static bool want[EB_PIN_MAX_CPUS], on[EB_PIN_MAX_CPUS];
    int k = eb_cpu_list_parse(list, want, EB_PIN_MAX_CPUS);
    if (k < 0)
        return eb_errf(err, EB_EINVAL, "--pin '%s': not a CPU list (examples: 0, 0-1, 0,2; CPUs 0..%d)", list,
                       EB_PIN_MAX_CPUS - 1);
    if (k == 0)
        return eb_errf(err, EB_EINVAL, "--pin '%s': the list names no CPU", list);
    if (eb_cpu_list_parse(online, on, EB_PIN_MAX_CPUS) <= 0)
        return eb_errf(err, EB_EINVAL, "--pin '%s': the online CPUs ('%s') cannot be read as a CPU list", list, online);
    for (int c = 0; c < EB_PIN_MAX_CPUS; c++)
        if (want[c] && !on[c])
            return eb_errf(err, EB_EINVAL, "--pin '%s': CPU %d is not online (online: %s)", list, c, online);
    eb_cpu_list_format(want, EB_PIN_MAX_CPUS, canon, n);
    *count = k;
    return EB_OK;
}

/* The online CPUs as a list: sysfs (the real one: pinning is real, so
 * EB_SYSFS_ROOT's fake trees do not apply), else this process's affinity. */
static void online_cpus(char *buf, size_t n)
{
    if (eb_sysfs_read_line("/sys/devices/system/cpu/online", buf, n) && *buf)
        return;
    static bool set[EB_PIN_MAX_CPUS];
    cpu_set_t cs;
    CPU_ZERO(&cs);
    buf[0] = '\0';
    if (sched_getaffinity(0, sizeof cs, &cs) != 0)
        return;
    for (int c = 0; c < EB_PIN_MAX_CPUS && c < CPU_SETSIZE; c++)
        set[c] = CPU_ISSET(c, &cs);
    eb_cpu_list_format(set, EB_PIN_MAX_CPUS, buf, n);
}

static void to_cpu_set(const char *canon, cpu_set_t *cs)
{
    static bool set[EB_PIN_MAX_CPUS];
    CPU_ZERO(cs);
    eb_cpu_list_parse(canon, set, EB_PIN_MAX_CPUS);
    for (int c = 0; c < EB_PIN_MAX_CPUS && c < CPU_SETSIZE; c++)
        if (set[c])
            CPU_SET(c, cs);
}

eb_status eb_pin_check(const char *list, char *canon, size_t n, int *count, eb_err *err)
{
    char online[512];
    online_cpus(online, sizeof online);
    eb_status st = eb_pin_parse(list, online, canon, n, count, err);
    if (st != EB_OK)
        return st;
    cpu_set_t old, want;
    if (sched_getaffinity(0, sizeof old, &old) != 0)
        return EB_OK; /* nothing to restore to: the variants will say if the kernel refuses */
    to_cpu_set(canon, &want);
    if (sched_setaffinity(0, sizeof want, &want) != 0)
        return eb_errf(err, EB_EINVAL, "--pin %s: the kernel refuses this set (sched_setaffinity: %s); "
                                       "the CPUs this process may use are limited (a cpuset?)", canon, strerror(errno));
    sched_setaffinity(0, sizeof old, &old);
    return EB_OK;
}

eb_status eb_pin_apply(const char *canon, eb_err *err)
{
    cpu_set_t want;
    to_cpu_set(canon, &want);
    if (sched_setaffinity(0, sizeof want, &want) != 0)
        return eb_errf(err, EB_EIO, "--pin %s: sched_setaffinity: %s", canon, strerror(errno));
    return EB_OK;
}

void eb_noise_stamp(eb_result *r, const char *pin, const eb_env_checks *env, bool audit_cache)
{
    r->noise.pinned = pin && *pin;
    snprintf(r->noise.cpus, sizeof r->noise.cpus, "%s", r->noise.pinned ? pin : "");
    r->noise.env = *env;
    if (audit_cache && !r->noise.cache.requested) {
        r->noise.cache.requested = true;
        r->noise.cache.threshold = EB_AUDIT_THRESHOLD;
        snprintf(r->noise.cache.reason, sizeof r->noise.cache.reason, "the variant did not complete its timed runs");
    }
}

double eb_cooldown_wait(eb_cooldown *c, bool (*stop)(void *ctx), void *ctx)
{
    if (c->started++ == 0 || c->seconds <= 0)
        return 0;
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        double waited = (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9;
        double left = c->seconds - waited;
        if (left <= 0 || (stop && stop(ctx)))
            return waited;
        double slice = left < 0.1 ? left : 0.1;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(slice * 1e9)};
        nanosleep(&ts, NULL); /* EINTR (Ctrl-C) ends the slice early: stop() sees it */
    }
}
