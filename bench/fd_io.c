/* fd_io.c - whole reads and writes (see fd_io.h). */
#include "bench/fd_io.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

bool eb_fd_write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        /* send() on a socket: no SIGPIPE when the other end died */
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == ENOTSOCK)
            w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool eb_fd_read_all(int fd, void *buf, size_t n)
{
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}
