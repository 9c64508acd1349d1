/* file_replace.c - output files that resist tricks in shared folders (see
 * file_replace.h): mkstemp beside the target, then rename. */
#include "models/file_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The process's umask without changing it for long (read once: umask()
 * can only be read by setting it). */
static mode_t current_umask(void)
{
    static mode_t mask = (mode_t)-1;
    if (mask == (mode_t)-1) {
        mask = umask(022);
        umask(mask);
    }
    return mask;
}

eb_status eb_file_replace_open(eb_file_replace *w, const char *path, eb_err *err)
{
    memset(w, 0, sizeof *w);
    if (snprintf(w->path, sizeof w->path, "%s", path) >= (int)sizeof w->path ||
        snprintf(w->tmp, sizeof w->tmp, "%s.tmpXXXXXX", path) >= (int)sizeof w->tmp)
        return eb_errf(err, EB_EINVAL, "%s: path too long", path);
    int fd = mkstemp(w->tmp); /* O_CREAT | O_EXCL: never opens a planted link */
    if (fd < 0) /* a folder that is not there or not ours: bad input */
        return eb_errf(err, EB_EINVAL, "%s: cannot write: %s", path, strerror(errno));
    if (fchmod(fd, 0666 & ~current_umask()) != 0 || !(w->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        unlink(w->tmp);
        return eb_errf(err, EB_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return EB_OK;
}

eb_status eb_file_replace_publish(eb_file_replace *w, eb_err *err)
{
    if (w->published)
        return EB_OK;
    if (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0) {
        eb_status st = eb_errf(err, EB_EIO, "%s: write failed: %s", w->path, strerror(errno));
        eb_file_replace_abort(w);
        return st;
    }
    if (rename(w->tmp, w->path) != 0) { /* a link at path is replaced, not followed */
        eb_status st = eb_errf(err, EB_EIO, "%s: cannot rename into place: %s", w->path, strerror(errno));
        eb_file_replace_abort(w);
        return st;
    }
    w->published = true;
    return EB_OK;
}

eb_status eb_file_replace_commit(eb_file_replace *w, eb_err *err)
{
    if (!w->f)
        return eb_errf(err, EB_EIO, "%s: not open", w->path);
    bool was_published = w->published;
    eb_status st = eb_file_replace_publish(w, err); /* flushes the appends too, once published */
    if (st != EB_OK)
        return st;
    if (was_published && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
        st = eb_errf(err, EB_EIO, "%s: write failed: %s", w->path, strerror(errno));
    if (fclose(w->f) != 0 && st == EB_OK)
        st = eb_errf(err, EB_EIO, "%s: write failed: %s", w->path, strerror(errno));
    w->f = NULL;
    return st;
}

void eb_file_replace_abort(eb_file_replace *w)
{
    if (w->f)
        fclose(w->f);
    w->f = NULL;
    if (!w->published)
        unlink(w->tmp);
}

FILE *eb_file_open_stream(const char *path)
{
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC); /* no O_CREAT, no O_TRUNC */
    if (fd < 0)
        return NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || S_ISREG(sb.st_mode) || S_ISDIR(sb.st_mode)) {
        close(fd);
        errno = EEXIST; /* a regular file: replace it instead */
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f)
        close(fd);
    return f;
}

bool eb_file_is_stream(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode);
}

eb_status eb_file_replace_write(const char *path, const void *buf, size_t len, eb_err *err)
{
    eb_file_replace w;
    eb_status st = eb_file_replace_open(&w, path, err);
    if (st != EB_OK)
        return st;
    if (len && fwrite(buf, 1, len, w.f) != len) {
        st = eb_errf(err, EB_EIO, "%s: cannot write: %s", path, strerror(errno));
        eb_file_replace_abort(&w);
        return st;
    }
    return eb_file_replace_commit(&w, err);
}
