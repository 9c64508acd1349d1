/* devices.h - a runner's devices, asked where its driver may start.
 *
 * runners/runner.h's rule: no GPU driver is initialised in the parent
 * before the per-variant fork.  `edgebench info` (and anything else in the
 * parent that wants a runner's device list) goes through here: a runner
 * with devices_in_child is asked in a child forked for the purpose, and
 * the entries come back through a pipe; host runners are asked in place. */
#ifndef EB_DEVICES_H
#define EB_DEVICES_H

#include "models/status.h"
#include "runners/runner.h"

/* r's devices into out[max]; returns how many r has (as devices(): more
 * than max when out is too short; 0 when r lists none).  -1 with err when
 * the child asking a devices_in_child runner fails. */
int eb_runner_list_devices(const eb_runner *r, eb_device *out, int max, eb_err *err);

#endif
