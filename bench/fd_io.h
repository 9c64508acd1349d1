/* fd_io.h - whole reads and writes on the pipes and sockets between the
 * sweep, the variant launcher and the variants' processes. */
#ifndef EB_FD_IO_H
#define EB_FD_IO_H

#include <stdbool.h>
#include <stddef.h>

/* Writes all n bytes, retrying on EINTR; false when the other end is gone
 * (on a socket without a SIGPIPE). */
bool eb_fd_write_all(int fd, const void *buf, size_t n);

/* Reads exactly n bytes, retrying on EINTR; false on end of file or error. */
bool eb_fd_read_all(int fd, void *buf, size_t n);

#endif
