/* output_path.h - where `edgebench run` writes its results (-o, --format),
 * decided and checked before any variant runs.
 *
 *   no -o, no --format   the terminal table only
 *   --format F, no -o    the document in F on stdout (the table on stderr)
 *   -o -                 the document on stdout (--format, default json)
 *   -o FILE              the format from FILE's extension (.json, .jsonl,
 *                        .csv, .md, .prom for openmetrics; any other:
 *                        json, or --format; .json with --format gab or
 *                        bmf, which are JSON, is that format); an
 *                        explicit --format that contradicts the extension
 *                        is refused.  A regular file or a new path is
 *                        replaced atomically at the end, with FILE's .jsonl
 *                        written record by record next to it; a character
 *                        device or a FIFO (/dev/null, /dev/stdout) is
 *                        written straight into, with no .jsonl beside it.
 *
 * Refused (EB_EINVAL, a usage error): a directory, a block device or
 * socket, a path whose folder is missing or not writable, a device or FIFO
 * that is not writable. */
#ifndef EB_OUTPUT_PATH_H
#define EB_OUTPUT_PATH_H

#include <stdbool.h>

#include "models/status.h"
#include "reports/emit.h"

typedef enum eb_output_kind {
    EB_OUTPUT_NONE,    /* no document: the table only */
    EB_OUTPUT_STDOUT,  /* the document on stdout */
    EB_OUTPUT_FILE,    /* a regular file or a new path: replaced atomically */
    EB_OUTPUT_STREAM,  /* an existing device or FIFO: written in place */
} eb_output_kind;

typedef struct eb_output {
    eb_output_kind kind;
    const char *path;     /* as given (NULL for NONE and STDOUT) */
    eb_format format;
    char records[4096];   /* where records go as variants finish ("" none):
                             FILE's .jsonl, or the path itself for jsonl */
} eb_output;

/* Decides from -o (path, NULL when absent) and --format (format_arg, NULL
 * when absent) and checks the path; see above. */
eb_status eb_output_resolve(const char *path, const char *format_arg, eb_output *out, eb_err *err);

#endif
