/* env_checks.h - the state of the machine at the start of a run that can
 * make its timings vary (what pyperf and Google Benchmark warn about): the
 * cpufreq governor, turbo/boost, ASLR, SMT, the load average and the other
 * processes running, and whether the run is pinned.  Read once by `run`,
 * warned about once on stderr, and recorded in every result
 * (eb_result.noise.env).  Every file is read under $EB_SYSFS_ROOT (default
 * /: sysfs and procfs alike, as bench/energy_sysfs.c does), so that tests
 * can use a fake tree.  A check that cannot be read is unavailable with
 * the path and errno. */
#ifndef EB_ENV_CHECKS_H
#define EB_ENV_CHECKS_H

#include <stdio.h>

#include "bench/result.h"

/* Reads the checks.  pinned: --pin's canonical list, "" when not pinned;
 * the governor is read for those CPUs, else for the CPUs this process may
 * use (sched_getaffinity), which also sizes the load average's warning.
 * self: a pid not to count among the busy processes (the caller's). */
void eb_env_checks_read(const char *pinned, int self, eb_env_checks *c);

/* Writes the checks to f once: one "environment:" line with every value,
 * then, when some are noisy, one "warning:" line saying why each is. */
void eb_env_checks_print(FILE *f, const eb_env_checks *c);

#endif
