/* status.h - error codes and the caller-owned error message.
 *
 * Every fallible function returns an eb_status and, on failure, fills the
 * caller's eb_err with one line that names the object and the reason
 * ("model.onnx: node 3 (Conv): weight rank 3, expected 4").  Nothing here
 * prints; main() decides what reaches the user. */
#ifndef EB_STATUS_H
#define EB_STATUS_H

#include <stddef.h>

typedef enum eb_status {
    EB_OK = 0,
    EB_EINVAL,       /* bad argument or bad input value */
    EB_EFORMAT,      /* malformed file or model */
    EB_EUNSUPPORTED, /* valid, but not something this code can do */
    EB_ENOMEM,
    EB_EIO,
    EB_ETIMEOUT,
} eb_status;

typedef struct eb_err {
    char msg[512];
} eb_err;

/* Formats into err->msg (if err is not NULL) and returns `code`, so that a
 * failure reads `return eb_errf(err, EB_EFORMAT, "%s: ...", path);`. */
eb_status eb_errf(eb_err *err, eb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message (adds context on the way up). */
eb_status eb_err_prefix(eb_err *err, eb_status code, const char *prefix);

const char *eb_status_name(eb_status s);

#endif
