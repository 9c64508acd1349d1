/* results_devices.h - one device's part of a merged result set
 * (reports/merge.h), seen as the set that device's own file was: its
 * results, its run's start time, its edgebench's commit and version, and
 * its device id as the host.  history add stores a merged document this
 * way, one run per device, so each device's trend is its own. */
#ifndef EB_RESULTS_DEVICES_H
#define EB_RESULTS_DEVICES_H

#include "reports/results_load.h"

/* Fills *view with the d-th device (0 <= d < s->n_devices) of s.  The view
 * borrows the results' samples from s: free it with
 * eb_results_device_view_free, before s. */
eb_status eb_results_device_view(const eb_result_set *s, int d, eb_result_set *view, eb_err *err);
void eb_results_device_view_free(eb_result_set *view);

#endif
