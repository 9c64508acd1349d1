/* file_replace.h - writing an output file so that nothing planted in a
 * shared folder can redirect it.
 *
 * Every file the suite writes (results, their .jsonl, reports, plots'
 * scripts, saved models and outputs, calibration files) goes to a fresh
 * temporary file made by mkstemp in the target's own folder (O_CREAT |
 * O_EXCL: a name that exists, a planted symbolic link included, is never
 * opened) and is then renamed over the target.  rename() replaces a
 * symbolic link at the target itself: the link goes, the file it pointed
 * to is untouched.  A reader never sees half a file.
 *
 * An existing character device or FIFO (/dev/null, /dev/stdout, a pipe) is
 * written straight into instead, as a shell redirection would: renamed
 * over, /dev/null would become a file.  Such a path is opened without
 * O_CREAT or O_TRUNC and checked with fstat, so a link swapped in between
 * to a regular file is refused, never truncated. */
#ifndef EB_FILE_REPLACE_H
#define EB_FILE_REPLACE_H

#include <stdbool.h>
#include <stdio.h>

#include "models/status.h"

typedef struct eb_file_replace {
    FILE *f;          /* the temporary file, open for writing */
    char tmp[4200];   /* its name: "<path>.tmpXXXXXX" */
    char path[4096];  /* the target */
    bool published;   /* renamed over the target already (eb_file_replace_publish) */
} eb_file_replace;

/* Creates the temporary file beside path, mode 0666 less the umask, as
 * fopen would.  EB_EINVAL when the folder is missing or not writable (bad
 * input), with a message naming path. */
eb_status eb_file_replace_open(eb_file_replace *w, const char *path, eb_err *err);

/* Flushes, fsyncs, closes and renames the file over the target (nothing
 * to do but close after eb_file_replace_publish).  On any failure the
 * temporary file is removed and the target is as it was. */
eb_status eb_file_replace_commit(eb_file_replace *w, eb_err *err);

/* Flushes, fsyncs and renames the file over the target now, keeping w->f
 * open for appending (a JSON Lines file that grows record by record, each
 * one visible as it is flushed).  eb_file_replace_commit then only closes. */
eb_status eb_file_replace_publish(eb_file_replace *w, eb_err *err);

/* Closes and removes the temporary file (nothing once published). */
void eb_file_replace_abort(eb_file_replace *w);

/* Opens an existing character device or FIFO at path for writing (no
 * O_CREAT, no O_TRUNC).  NULL with errno EEXIST when path turns out to be
 * a regular file (write it with eb_file_replace_open instead), or with the
 * open's errno. */
FILE *eb_file_open_stream(const char *path);

/* Whether path exists (following links) and is not a regular file or a
 * folder: a device or FIFO, written in place. */
bool eb_file_is_stream(const char *path);

/* Writes len bytes to path through eb_file_replace_*. */
eb_status eb_file_replace_write(const char *path, const void *buf, size_t len, eb_err *err);

#endif
