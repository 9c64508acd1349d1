/* devices.c - a runner's devices, asked where its driver may start (see
 * devices.h): in place for host runners, in a forked child for a runner
 * with devices_in_child. */
#include "bench/devices.h"
#include "bench/fd_io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>



int eb_runner_list_devices(const eb_runner *r, eb_device *out, int max, eb_err *err)
{
    if (!r->devices)
        return 0;
    if (!r->devices_in_child)
        return r->devices(out, max);

    int fds[2];
    if (pipe(fds) != 0) {
        eb_errf(err, EB_EIO, "%s devices: pipe: %s", r->name, strerror(errno));
        return -1;
    }
    fflush(NULL); /* nothing buffered is printed twice */
    pid_t pid = fork();
    if (pid < 0) {
        eb_errf(err, EB_EIO, "%s devices: fork: %s", r->name, strerror(errno));
        close(fds[0]), close(fds[1]);
        return -1;
    }
    if (pid == 0) { /* the child: the driver starts and dies here */
        close(fds[0]);
        int n = r->devices(out, max);
        int sent = n < max ? n : max;
        bool ok = eb_fd_write_all(fds[1], &n, sizeof n) && eb_fd_write_all(fds[1], out, (size_t)(sent > 0 ? sent : 0) * sizeof *out);
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    int n = 0;
    bool ok = eb_fd_read_all(fds[0], &n, sizeof n);
    int got = n < max ? n : max;
    ok = ok && n >= 0 && eb_fd_read_all(fds[0], out, (size_t)got * sizeof *out);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFSIGNALED(status))
            eb_errf(err, EB_EIO, "%s devices: the child asking the driver died on signal %d", r->name,
                    WTERMSIG(status));
        else
            eb_errf(err, EB_EIO, "%s devices: the child asking the driver sent no list", r->name);
        return -1;
    }
    return n;
}
