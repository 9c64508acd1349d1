/* device_info.h - what machine a result was measured on.
 *
 * CPU identity from libcpuid (vendor, brand, cores, threads, caches, SIMD
 * features) with /proc/cpuinfo as the fallback where libcpuid cannot
 * identify the CPU (and on non-x86 hosts); memory from /proc/meminfo; OS and
 * kernel from uname and /etc/os-release.  The CPU counts and caches are
 * then cross-checked against the OS (sysfs, sched_getaffinity), whose
 * figures win; each figure's source and every disagreement are recorded.
 * Fields that cannot be read are empty / zero and `notes` says why. */
#ifndef EB_DEVICE_INFO_H
#define EB_DEVICE_INFO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/status.h"
#include "runners/cpu_features.h"
#include "reports/record.h"

struct cJSON;

/* eb_device_info, the fields a result file records, is declared in
 * reports/record.h; its JSON form is eb_device_info_json (reports/emit.h). */

/* Fills *d; never fails hard (what cannot be read is left empty, noted). */
void eb_device_info_get(eb_device_info *d);

/* Text form for `edgebench info`. */
void eb_device_info_print(const eb_device_info *d, FILE *f);

/* ---- the pieces eb_device_info_get is made of (exposed for the tests) ----
 * Each reads text or a folder the caller names, so that fixed /proc and /sys
 * contents can be fed in; EB_EFORMAT / EB_EIO (with err) when the input has
 * nothing usable, in which case *d is left unchanged. */

/* /proc/cpuinfo text (x86: vendor_id, model name, physical id, cpu cores,
 * flags, cpu MHz; arm/aarch64: CPU implementer, CPU part, Features) into
 * vendor, brand, physical_cores, logical_cpus (the number of "processor"
 * entries), simd and base_mhz.  Fields the text lacks are set to empty/0. */
eb_status eb_device_info_parse_cpuinfo(const char *text, eb_device_info *d, eb_err *err);

/* /proc/meminfo text: MemTotal and MemAvailable (kB) into bytes.  A missing
 * MemAvailable (kernels before 3.14) leaves 0; a missing MemTotal fails. */
eb_status eb_device_info_parse_meminfo(const char *text, eb_device_info *d, eb_err *err);

/* os-release text: PRETTY_NAME (else NAME), unquoted, into d->os. */
eb_status eb_device_info_parse_os_release(const char *text, eb_device_info *d, eb_err *err);

/* A sysfs CPU folder such as /sys/devices/system/cpu: fills the fields that
 * are still 0 - caches from cpu0/cache/index<N>/{level,type,size} and
 * physical_cores from cpu<N>/topology/thread_siblings_list - and keeps the
 * others.  EB_EIO when neither could be read. */
eb_status eb_device_info_read_sysfs(const char *cpu_dir, eb_device_info *d, eb_err *err);

/* Cross-checks the CPU counts and caches already in *d (from libcpuid or
 * /proc/cpuinfo, as d->cpu_source says) against what the OS reports, and
 * keeps the OS's figures where it has them:
 *   - cpu_dir (a sysfs CPU folder, /sys/devices/system/cpu in production,
 *     a fake tree in tests): `online` -> logical_cpus and online_cpus;
 *     cpu<N>/topology/{physical_package_id,core_id} of the online CPUs ->
 *     physical_cores (distinct pairs); cpu<N>/cache/index<K>/{level,type,
 *     size,shared_cpu_list} of the first usable CPU -> the caches;
 *   - affinity, the CPU list this process may run on ("0-1"), or NULL for
 *     this process's sched_getaffinity -> usable_cpus and affinity.
 * cores_source and cache_source say where each figure came from; each
 * figure the two sources give differently is listed in disagreements
 * ("libcpuid says 254 logical CPUs, the OS 2"); a figure the OS does not
 * report keeps the earlier source's value and a note says it is
 * unchecked. */
void eb_device_info_check_os(eb_device_info *d, const char *cpu_dir, const char *affinity);

/* Cuts the x86 extensions in the space-separated list simd[n] to those
 * whose register state f says the OS saves: AVX-class ones (avx, avx2, fma,
 * f16c, avx_vnni) need f->os_avx, AVX-512 ones f->os_avx512; other words
 * stay.  What it removes goes into dropped[dn] (dn may be 0).  The same
 * XCR0 rule as the cpu runner's kernel dispatch (runners/cpu_features.h). */
void eb_device_info_os_simd(char *simd, size_t n, const eb_cpu_features *f, char *dropped, size_t dn);

/* Linux CPU list text ("0-3,8,10-11") into set[0..max) (true per listed
 * CPU); the number of CPUs, or -1 when the text is not a CPU list or names
 * a CPU >= max. */
int eb_cpu_list_parse(const char *text, bool *set, int max);
/* set[0..max) as the shortest CPU list ("0-3,8"); "" for an empty set. */
void eb_cpu_list_format(const bool *set, int max, char *buf, size_t n);

#endif
