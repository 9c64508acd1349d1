/* noise_controls.h - the run's controls over where and when variants run:
 * --pin CPU-LIST (each variant's process on those CPUs) and --cooldown S
 * (a pause between variants), and what the result records of both. */
#ifndef EB_NOISE_CONTROLS_H
#define EB_NOISE_CONTROLS_H

#include <stdbool.h>
#include <stddef.h>

#include "bench/result.h"

/* The largest CPU number --pin takes (glibc's cpu_set_t holds 1024). */
#define EB_PIN_MAX_CPUS 1024

/* Checks --pin's CPU-LIST ("0", "0-1", "0,2") against online, the online
 * CPUs as a Linux CPU list (/sys/devices/system/cpu/online's text).  On
 * success canon gets the list in its shortest form ("0,1" -> "0-1") and
 * *count the number of CPUs.  EB_EINVAL, saying which CPU or why, when the
 * text is not a CPU list, is empty, or names a CPU that is not online. */
eb_status eb_pin_parse(const char *list, const char *online, char *canon, size_t n, int *count, eb_err *err);

/* eb_pin_parse against this machine's online CPUs (the sysfs file, or
 * this process's affinity where it cannot be read), then a trial: the
 * affinity is set to the list and restored, so that a list the kernel
 * refuses (outside a cpuset) is refused now, not in every variant. */
eb_status eb_pin_check(const char *list, char *canon, size_t n, int *count, eb_err *err);

/* Sets this process's CPU affinity (every thread it starts later inherits
 * it: the cpu runner's pool) to the canonical list.  EB_EIO with errno's
 * text when the kernel refuses. */
eb_status eb_pin_apply(const char *canon, eb_err *err);

/* --cooldown: the pause before every variant's process but the first. */
typedef struct eb_cooldown {
    double seconds;  /* 0: none */
    int started;     /* variants started so far */
} eb_cooldown;

/* Waits c->seconds unless this is the first variant, in slices of at most
 * 0.1 s, stopping early when stop(ctx) says so (Ctrl-C; stop may be NULL).
 * Returns the seconds waited (0 for the first variant). */
double eb_cooldown_wait(eb_cooldown *c, bool (*stop)(void *ctx), void *ctx);

/* What the sweep stamps on every result it records, whether or not the
 * variant ran: pinned and the list (pin: canonical, "" none), the
 * environment checks of the run, and, with --audit cache, that the audit
 * was asked for (its reason until the variant's process fills it). */
void eb_noise_stamp(eb_result *r, const char *pin, const eb_env_checks *env, bool audit_cache);

#endif
