/* farm_contract.h - what `edgebench run` promises a device farm (Ansible,
 * LAVA, adb, CI) that drives it without a person watching:
 *
 *   --out-dir DIR   every file the run writes goes under DIR (created, with
 *                   its parents, if missing): the results (DIR/results.json
 *                   unless -o names a relative path, taken inside DIR), the
 *                   records journal beside them (--resume's input), and the
 *                   folders of --save-outputs and --save-model (relative
 *                   paths, taken inside DIR; --resume's file too).  An absolute path that is not
 *                   inside DIR is a usage error.  The OpenCL program cache
 *                   goes to DIR/cache unless EDGEBENCH_CACHE_DIR is set.
 *                   Besides DIR, only the temporary folder ($TMPDIR or
 *                   /tmp) is written.
 *   --deadline S    S wall-clock seconds from the start: once passed, no
 *                   further variant starts (each is recorded with status
 *                   `deadline`), the variant in flight is ended at the
 *                   deadline (its per-variant timeout is cut to what is
 *                   left; recorded `deadline` too), the results are written
 *                   and the exit status is 3 (partial).
 *   the last line   whenever --out-dir is given, the last line on stdout on
 *                   every exit path (usage error, bad model, partial,
 *                   environment failure):
 *                     EDGEBENCH_DONE rc=N results=PATH sha256=HEX
 *                   PATH and HEX are `-` when no result file was written.
 *
 * The logic lives here; bench/cmd_run.c calls it at a few points. */
#ifndef EB_FARM_CONTRACT_H
#define EB_FARM_CONTRACT_H

#include <stdbool.h>
#include <stdio.h>

#include "models/status.h"

typedef struct eb_farm {
    const char *out_dir;  /* --out-dir, NULL when absent */
    double deadline_s;    /* --deadline, 0 when absent */
    double started;       /* CLOCK_MONOTONIC seconds at the start */
    char results[4096];   /* -o, resolved inside out_dir */
    char dflt[64];        /* results.FORMAT */
    char save_outputs[4096];
    char save_model[4096];
    char cache[4096];
    char resume[4096];
} eb_farm;

/* Starts the clock (the deadline counts from here) and finds --out-dir in
 * argv before getopt reads it, so that a usage error met on any option
 * still ends with the EDGEBENCH_DONE line.  NULL out_dir when absent. */
void eb_farm_begin(eb_farm *f, int argc, char **argv);

/* Creates out_dir (and its parents) and resolves the run's output paths
 * inside it: *o (NULL: results.FORMAT, --format's or json), *save_outputs and *save_model (NULL
 * stays NULL) are replaced by pointers into f.  "-" for -o stays stdout.
 * EB_EINVAL for an absolute path outside out_dir, EB_EIO when the folder
 * cannot be created.  Sets EDGEBENCH_CACHE_DIR to out_dir/cache unless set. */
eb_status eb_farm_resolve(eb_farm *f, const char *format, const char **o, const char **save_outputs,
                          const char **save_model, eb_err *err);

/* A file the run reads back from its own folder (--resume): a relative
 * *path is taken inside out_dir (as -o is), so that `-o r.json --resume
 * r.json` names one file; an absolute one is kept.  No-op without out_dir. */
void eb_farm_input(eb_farm *f, const char **path);

/* Seconds left before --deadline (INFINITY without one; <= 0 when passed). */
double eb_farm_left(const eb_farm *f);
/* True once --deadline has passed. */
bool eb_farm_deadline_passed(const eb_farm *f);

/* The line above, on out, after flushing whatever stdout holds.  results
 * is the file written (NULL or "" when none): its SHA-256 is read back
 * from the file; a file that cannot be read gives "-". */
void eb_farm_done(FILE *out, int rc, const char *results);

#endif
