/* resume.h - `edgebench run --resume FILE`: the records of an earlier run
 * of the same sweep that need not run again.
 *
 * FILE is a result document or JSON Lines.  FILE's .jsonl sibling (X.json
 * -> X.jsonl), written record by record as variants finish, holds what a
 * killed run finished: it is read too, and its record wins where both
 * hold one for the same (model, variant); for a CSV or Markdown FILE only
 * the .jsonl is read.  Kept: records whose status is
 * ok or unsupported; the others (failed, crashed, timeout, interrupted)
 * run again.  A line that does not parse (the last line of a killed run
 * may be cut) is skipped with a warning.  A kept record is written back
 * as it was read, its finished_at included; the fields a JSON Lines record
 * carries about its run (run_start_time, git_commit, host, environment)
 * are the resuming run's. */
#ifndef EB_RESUME_H
#define EB_RESUME_H

#include <stdbool.h>

#include "bench/result.h"
#include "bench/variant.h"

typedef struct eb_resume {
    eb_result *kept; /* n records, each with raw set (owned) */
    bool *taken;     /* kept[i] was given to the sweep (eb_resume_take) */
    int n;
    int n_skipped;   /* lines or records that could not be read */
} eb_resume;

/* Reads path and its .jsonl sibling.  Neither there: an empty set and a
 * warning (a first run of a nightly job).  EB_EFORMAT (err says where)
 * when what is there is no result file at all. */
eb_status eb_resume_load(const char *path, eb_resume *rs, eb_err *err);

/* Loads path (eb_resume_load) and maps each (model, variant) of the run to
 * its kept record: *kept (allocated, [model * vl->n + variant], NULL
 * where it runs).  sha256[m] is model m's, NULL for a model that cannot be
 * measured (it keeps nothing).  Says on stderr how many are kept. */
eb_status eb_resume_plan(const char *path, const char *const *sha256, int n_models, const eb_variant_list *vl,
                         eb_resume *rs, eb_result ***kept, eb_err *err);

/* The kept record of (model sha256, variant spec), or NULL. */
eb_result *eb_resume_find(eb_resume *rs, const char *sha256, const char *spec);

/* Moves kept record r (from eb_resume_find) out into *out: the caller owns
 * it then. */
void eb_resume_take(eb_resume *rs, eb_result *r, eb_result *out);

/* Kept records never taken: they are not part of this run. */
int eb_resume_untaken(const eb_resume *rs);

void eb_resume_free(eb_resume *rs);

#endif
