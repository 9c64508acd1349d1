/* cli.h - what the edgebench subcommands share: exit codes, loading a model
 * ready to run (import + shape inference with --batch/--dim).  Number
 * formatting is reports/fmt_units.h.  Each subcommand lives in its own
 * cmd_<name>.c. */
#ifndef EB_CLI_H
#define EB_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "models/graph.h"

/* Exit status, the same for every command (DESIGN.md "Commands"). */
enum {
    EB_EXIT_OK = 0,
    EB_EXIT_REGRESSED = 1,
    EB_EXIT_USAGE = 2,    /* usage error or bad input */
    EB_EXIT_PARTIAL = 3,  /* some variant failed, crashed or timed out */
    EB_EXIT_ENV = 75,     /* the environment failed; worth retrying */
    EB_EXIT_INTERRUPTED = 130, /* Ctrl-C (128 + SIGINT, as shells report it) */
};

int eb_cmd_inspect(int argc, char **argv);
int eb_cmd_run(int argc, char **argv);
int eb_cmd_models(int argc, char **argv);
int eb_cmd_info(int argc, char **argv);
int eb_cmd_report(int argc, char **argv);
int eb_cmd_compare(int argc, char **argv);
int eb_cmd_history(int argc, char **argv);
int eb_cmd_calibrate(int argc, char **argv);
int eb_cmd_merge(int argc, char **argv);

/* Prints "edgebench: <msg>" to stderr. */
void eb_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Loads `path` and infers its shapes; on failure prints the reason and
 * returns NULL (the caller exits EB_EXIT_USAGE: the model is bad input).
 * With keep_on_infer_error, a graph whose shapes could not be inferred is
 * still returned (inspect shows what it can); *infer_st tells. */
eb_graph *eb_cli_load_model(const char *path, const eb_shape_opts *opts, bool keep_on_infer_error,
                            eb_status *infer_st);

/* Parses "--dim NAME=N" into opts; false (with a message) on bad text. */
bool eb_cli_parse_dim(const char *arg, eb_shape_opts *opts);
/* Parses an integer / a finite number option value in [min, max]; false
 * (with a message naming the option) if it is not one. */
bool eb_cli_parse_int(const char *opt, const char *arg, int64_t min, int64_t max, int64_t *out);
bool eb_cli_parse_double(const char *opt, const char *arg, double min, double max, double *out);

/* For getopt_long's '?' or ':' (optstrings start with ':' so that a
 * missing value is told apart): prints one line,
 *   edgebench CMD: unknown option '--foo' (did you mean '--format'?) (see edgebench CMD --help)
 * and returns EB_EXIT_USAGE.  cmd is "run", "history add", ...; longs is
 * the command's option table (for the suggestion). */
struct option;
int eb_cli_bad_option(const char *cmd, int c, const struct option *longs, char **argv);

/* The candidate closest to word by edit distance (insertions, deletions,
 * substitutions, swaps of neighbours), when it is close enough to be a
 * typo of it (at most 1 edit for words up to 4 characters, else up to a
 * third of the word's length); NULL when none is. */
const char *eb_cli_suggest(const char *word, const char *const *candidates, int n);


#endif
