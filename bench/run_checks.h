/* run_checks.h - what `edgebench run` checks in its command line before
 * any variant runs, so that a typo costs a second and not a sweep: runner
 * names, model references, --dim names, --eval against the test set, and
 * thread counts against the CPUs this process may use.  Refusals are
 * EB_EINVAL with one line that says what was wrong and, where a close
 * match exists, what was probably meant; the caller exits 2. */
#ifndef EB_RUN_CHECKS_H
#define EB_RUN_CHECKS_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/result.h"
#include "bench/variant.h"
#include "models/graph.h"
#include "models/zoo.h"

/* Every variant's runner must be one this version knows (runner.h's
 * eb_runner_known_names), built in or not: a name it does not know is a
 * typo ("did you mean 'cpu'?").  A known runner this binary lacks is not
 * refused: its variants are recorded as unsupported, with the reason. */
eb_status eb_run_check_runners(const eb_variant_list *l, eb_err *err);

/* A model reference must be zoo:NAME of a zoo model, or a path to a
 * regular file that can be read.  A missing file whose name is a zoo
 * model's (or close to one) gets "did you mean 'zoo:NAME'?". */
eb_status eb_run_check_model_ref(const char *ref, eb_err *err);

/* Marks in used[k] each --dim opts->dims[k] that is a symbolic dim of one
 * of g's inputs. */
void eb_run_mark_dims(const eb_graph *g, const eb_shape_opts *opts, bool used[8]);
/* Refuses a --dim that no model marked (listing the dims the models have,
 * from dims_seen, "" when none). */
eb_status eb_run_check_dims(const eb_shape_opts *opts, const bool used[8], const char *dims_seen, eb_err *err);
/* Appends g's symbolic input dim names to buf (comma-separated, each once). */
void eb_run_list_dims(const eb_graph *g, char *buf, size_t n);

/* --eval N above the test set of zoo model `zoo` is refused (--eval all
 * takes the whole set); eval_count INT64_MAX stands for all. */
eb_status eb_run_check_eval(int64_t eval_count, const eb_zoo_entry *zoo, const char *model_name, eb_err *err);

/* CPUs this process may run on (sched_getaffinity); 0 when unknown. */
int eb_run_usable_cpus(void);
/* Prints one warning on stderr for each variant with more threads than
 * cpus (0: unknown, nothing is said). */
void eb_run_warn_threads(const eb_variant_list *l, int cpus);
/* Records the same warning in a result of such a variant (its record's
 * threads against cpus). */
void eb_run_add_warnings(eb_result *r, int cpus);

#endif
