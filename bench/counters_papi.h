/* counters_papi.h - the hardware counters through PAPI, the first source
 * metrics_counters.c tries (perf_event_open directly only where PAPI is
 * absent).
 *
 * Built on papi.h when the build finds it (pkg-config papi: Debian's
 * libpapi-dev; -DEB_HAVE_PAPI=1), like libcpuid; the library itself is
 * loaded with dlopen at run time, so that the binary starts where libpapi
 * is not installed (PAPI is then absent, with dlerror's reason), and so
 * that the tests can put a stub with known counts in its place
 * (tests/stubs/papi_stub.c).  The library is EB_PAPI_LIB, or the soname of
 * the header's version ("libpapi.so.7.0"), or libpapi.so.
 *
 * Absent: not built in, not loadable, or PAPI_library_init failed (the
 * caller then uses perf_event_open and records why PAPI was not used).
 * Present: PAPI is the source, even with no counter: the reason is then
 * PAPI's own (its CPU component's disabled_reason, the event's error). */
#ifndef EB_COUNTERS_PAPI_H
#define EB_COUNTERS_PAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reports/record.h"

typedef struct eb_papi eb_papi;

/* Loads and initialises PAPI (once per process and library name), creates
 * an event set on its CPU component with inherit (threads created later
 * count too), adds each of the EB_HW_COUNT events that PAPI has here, and
 * starts it.  Returns the number of events counting, or -1 when PAPI is
 * absent (why says why; *out NULL).  0: PAPI is present but counts nothing
 * here (why: PAPI's reason; *out NULL).  source gets "PAPI <version>",
 * events the events added ("PAPI_TOT_CYC PAPI_TOT_INS ..."); why, when
 * some events did not add, names the first that did not. */
int eb_papi_open(eb_papi **out, char *source, size_t sn, char *events, size_t en, char *why, size_t n);
/* The counts so far; known[i] false for an event not counted. */
bool eb_papi_read(eb_papi *p, uint64_t v[EB_HW_COUNT], bool known[EB_HW_COUNT]);
/* Stops and frees the event set (the library stays loaded). */
void eb_papi_close(eb_papi *p);

#endif
