/* cuda_devices.h - the CUDA devices as the runner lists them (runner.h's
 * eb_device), and whether any is usable, with CUDA's reason when none is
 * (no driver, no device).  Asking initialises the CUDA driver, so only a
 * variant's child process may call these (devices_in_child). */
#ifndef EB_CUDA_DEVICES_H
#define EB_CUDA_DEVICES_H

#include <stdbool.h>
#include <stddef.h>

#include "runners/runner.h"

/* runner.h's devices(): ids "cuda:<N>" */
int eb_cu_devices(eb_device *out, int max);
/* How many devices there are; 0 with why set ("no CUDA device: CUDA driver
 * version is insufficient for CUDA runtime version") when none is usable. */
int eb_cu_device_count(char *why, size_t n);
/* Compute capability of device i as major * 10 + minor; 0 when unknown. */
int eb_cu_device_sm(int i);

#endif
