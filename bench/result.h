/* result.h - bench's side of the result record (reports/record.h): what
 * every result of a variant carries, filled from the runners' types.
 *
 * The record itself is plain data owned by reports; bench fills it (the
 * harness in the variant's child process, isolate.c and cmd_run.c for
 * results that never ran). */
#ifndef EB_RESULT_H
#define EB_RESULT_H

#include "reports/record.h"
#include "runners/runner.h"

/* The fields every result of variant v has, whether or not it ran: the
 * variant's spec, runner and settings (the record's copy of v), and the
 * energy, unavailable until the harness measures or estimates it. */
void eb_result_begin(eb_result *r, const eb_variant *v);

/* Copies what the compression transforms did into r->compression (its
 * calib_source is the harness's to set). */
struct eb_transform_report;
void eb_result_set_compression(eb_result *r, const struct eb_transform_report *rep);

/* Sets r's device and device_name from v's runner and device=N.  in_child:
 * this process may initialise the runner's driver (the variant's child, or
 * the harness itself); otherwise a runner with devices_in_child is named
 * without asking it (runners/runner.h). */
void eb_result_set_device(eb_result *r, const eb_variant *v, bool in_child);

#endif
