/* test_util.h - helpers shared by the test drivers: a seeded xorshift
 * generator (seed from EB_TEST_SEED or the clock, printed on failure), temp
 * folders, and tensor comparison. */
#ifndef EB_TEST_UTIL_H
#define EB_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/tensor.h"

/* The run's seed: EB_TEST_SEED if set, else from the clock; printed once. */
uint64_t eb_test_seed(void);
uint64_t eb_test_rand(uint64_t *state);
/* Uniform in [lo, hi). */
float eb_test_uniform(uint64_t *state, float lo, float hi);
/* A value never zero: a random sign times [0.1, hi). */
float eb_test_nonzero(uint64_t *state, float hi);
/* Uniform in [lo, hi] (integers). */
int eb_test_int(uint64_t *state, int lo, int hi);

/* Creates a fresh folder under $TMPDIR and returns its path (static
 * storage, valid until the next call). */
const char *eb_test_tmpdir(void);
/* Writes len bytes to path; returns false on failure. */
bool eb_test_write_file(const char *path, const void *data, size_t len);

/* Compares two tensors: same dtype and shape; floats within
 * |a-e| <= atol + rtol*|e| with NaN only where expected has NaN and
 * infinities equal; other dtypes exact.  On mismatch writes the first
 * difference into why and returns false. */
bool eb_test_tensors_close(const eb_tensor *actual, const eb_tensor *expected, double rtol, double atol, char *why,
                           size_t n);

#endif
