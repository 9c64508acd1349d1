/* provenance.h - where a result file came from: tool version and commit,
 * compiler and flags, command line, start time, seed, the machine, the
 * environment (EB_* variables, profiling), and each model file's SHA-256. */
#ifndef EB_PROVENANCE_H
#define EB_PROVENANCE_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/device_info.h"
#include "models/cost.h"
#include "models/status.h"

/* Settings outside the command line that can change the numbers: every
 * EB_* environment variable in effect, and whether profiling was on.  The
 * CPU affinity is the device's (eb_device_info.affinity). */
#define EB_ENV_MAX_VARS 32
typedef struct eb_env_var {
    char name[64];
    char value[256];         /* cut to 255 bytes */
} eb_env_var;

typedef struct eb_environment {
    int n_vars;
    eb_env_var vars[EB_ENV_MAX_VARS]; /* sorted by name */
    int n_dropped;           /* EB_* variables beyond EB_ENV_MAX_VARS, not kept */
    bool profiling;          /* a per-node profiling pass ran (false until --profile exists) */
} eb_environment;

/* Fills *e from this process's environment (environ). */
void eb_environment_get(eb_environment *e);

typedef struct eb_provenance {
    const char *version;
    const char *git_commit;
    const char *compiler;    /* "gcc 12.2.0" / "clang 14.0.6" */
    const char *cflags;
    int argc;
    char **argv;             /* borrowed from main */
    char start_time[32];     /* ISO 8601 UTC */
    uint64_t seed;
    eb_device_info device;
    eb_environment env;
} eb_provenance;

/* Fills *p for this process (device info included). */
void eb_provenance_get(eb_provenance *p, int argc, char **argv, uint64_t seed);

/* A model as the run saw it: identity and static cost. */
typedef struct eb_model_info {
    const char *path;
    char name[128];
    char sha256[65];
    eb_cost cost;
    int n_inputs, n_outputs;
    char inputs[512];        /* "input f32[1,3,224,224]; ..." */
    char outputs[512];
} eb_model_info;

/* "resnet18" from ".../resnet18.onnx", or the folder name for ".../NAME/model.onnx". */
void eb_model_name(const char *path, char *out, size_t n);

#endif
