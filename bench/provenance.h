/* provenance.h - where a result file came from: tool version and commit,
 * compiler and flags, command line, start time, seed, the machine, the
 * environment (EB_* variables, profiling), and each model file's SHA-256.
 * The structs (eb_provenance, eb_environment, eb_model_info) are the
 * record's plain data, declared in reports/record.h; bench fills them. */
#ifndef EB_PROVENANCE_H
#define EB_PROVENANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/device_info.h"
#include "models/cost.h"
#include "models/status.h"
#include "reports/record.h"

/* Fills *e from this process's environment (environ). */
void eb_environment_get(eb_environment *e);

/* Fills *p for this process (device info included). */
void eb_provenance_get(eb_provenance *p, int argc, char **argv, uint64_t seed);

/* "resnet18" from ".../resnet18.onnx", or the folder name for ".../NAME/model.onnx". */
void eb_model_name(const char *path, char *out, size_t n);

#endif
