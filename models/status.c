/* status.c - formatting of eb_err messages. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

eb_status eb_errf(eb_err *err, eb_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

eb_status eb_err_prefix(eb_err *err, eb_status code, const char *prefix)
{
    if (err) {
        char tmp[sizeof err->msg];
        size_t len = strlen(prefix);
        if (len > sizeof tmp - 3)
            len = sizeof tmp - 3;
        memcpy(tmp, prefix, len);
        memcpy(tmp + len, ": ", 2);
        /* the old message, cut to what fits after the prefix */
        size_t room = sizeof tmp - len - 3, old = strnlen(err->msg, sizeof err->msg);
        if (old > room)
            old = room;
        memcpy(tmp + len + 2, err->msg, old);
        tmp[len + 2 + old] = '\0';
        memcpy(err->msg, tmp, sizeof tmp);
    }
    return code;
}

const char *eb_status_name(eb_status s)
{
    switch (s) {
    case EB_OK: return "ok";
    case EB_EINVAL: return "invalid";
    case EB_EFORMAT: return "format";
    case EB_EUNSUPPORTED: return "unsupported";
    case EB_ENOMEM: return "out of memory";
    case EB_EIO: return "i/o";
    case EB_ETIMEOUT: return "timeout";
    }
    return "?";
}
