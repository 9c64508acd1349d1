/* mem_limit.h - `edgebench run --mem-limit`: a ceiling on each variant's
 * memory, so that a model that asks for too much fails alone, recorded as
 * `failed` with the reason "out of memory", instead of the kernel's OOM
 * killer choosing a victim on the machine.
 *
 * The ceiling is setrlimit(RLIMIT_DATA) in the variant's process (and
 * what it forks), set right after the fork.  RLIMIT_DATA, not RLIMIT_AS:
 * since Linux 4.7 it counts the heap and every private writable mapping,
 * which is where tensors, arenas and thread stacks live, and nothing that
 * is only reserved.  RLIMIT_AS would also count reserved address space
 * (glibc's 64 MiB malloc arenas per thread, GPU drivers' unified address
 * ranges), so a variant that uses little could not start.  Allocation then
 * fails with ENOMEM where it is asked for, and the harness records it.
 *
 * Default: 75% of the memory this process may use, the smaller of the
 * physical memory and its cgroup v2 memory.max.  Not applied under
 * AddressSanitizer (its shadow maps count as data: every allocation would
 * fail) nor with --no-isolate (the limit would bind the sweep itself);
 * the result document says so (run.settings.mem_limit). */
#ifndef EB_MEM_LIMIT_H
#define EB_MEM_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/status.h"

#define EB_MEM_LIMIT_DEFAULT_PERCENT 75

/* Parses --mem-limit's SIZE: bytes with an optional K, M, G or T suffix
 * (powers of 1024, decimals allowed: 1.5G), a percentage of the usable
 * memory (75%), or "none".  *bytes 0 for none.  desc says what it is, for
 * the record.  EB_EINVAL (err says why) otherwise. */
eb_status eb_mem_limit_parse(const char *arg, uint64_t *bytes, char *desc, size_t n, eb_err *err);

/* The default, EB_MEM_LIMIT_DEFAULT_PERCENT of the usable memory. */
uint64_t eb_mem_limit_default(char *desc, size_t n);

/* What run uses: arg (--mem-limit, NULL for the default) parsed, or the
 * default; none (0, desc saying why) when not isolated or under
 * AddressSanitizer (with a warning when arg asked for one). */
eb_status eb_mem_limit_choose(const char *arg, bool isolated, uint64_t *bytes, char *desc, size_t n, eb_err *err);

/* The memory this process may use: physical, or less under a cgroup v2
 * memory.max; 0 when unknown. */
uint64_t eb_mem_usable(void);

/* Whether this build can enforce a limit; false (why says so) under
 * AddressSanitizer. */
bool eb_mem_limit_enforceable(char *why, size_t n);

/* In the variant's process: sets RLIMIT_DATA to bytes (0: nothing).  The
 * limit is remembered for eb_mem_limit_reason. */
void eb_mem_limit_apply(uint64_t bytes);

/* The reason of a result whose allocation failed: "out of memory (under
 * --mem-limit 256 MiB): MSG". */
void eb_mem_limit_reason(char *out, size_t n, const char *msg);

#endif
