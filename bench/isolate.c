/* isolate.c - one variant per child process, with a timeout.
 *
 * Plain fork() and no exec, so it also works under qemu-user.  The child
 * runs eb_harness_run and writes its eb_result back through a pipe: the
 * struct as raw bytes (parent and child are the same program image) and
 * then the samples.  The parent waits on the pipe with poll() until the
 * deadline; a child that dies or overstays is recorded as crashed (with its
 * signal) or timeout, and the sweep goes on. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/harness.h"

static bool write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads exactly n bytes unless the deadline passes or the pipe closes.
 * Returns bytes read; *timed_out tells which. */
static size_t read_until(int fd, void *buf, size_t n, double deadline, bool *timed_out)
{
    char *p = buf;
    size_t got = 0;
    while (got < n) {
        double left = deadline - now_s();
        if (left <= 0) {
            *timed_out = true;
            break;
        }
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int pr = poll(&pfd, 1, left > 1e6 ? 1000000000 : (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            continue; /* re-check the deadline */
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break; /* the child closed the pipe: exited or died */
        got += (size_t)r;
    }
    return got;
}

static void child(int fd, const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                  eb_result *res)
{
    eb_harness_run(model_path, v, o, write_baseline, res);
    bool ok = write_all(fd, res, sizeof *res) &&
              write_all(fd, res->samples_ms, (size_t)res->n_samples * sizeof *res->samples_ms);
    _exit(ok ? 0 : 1); /* no atexit handlers, no double-flushed stdio */
}

void eb_isolate_run(const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                    eb_result *res)
{
    if (!o->isolate) {
        eb_harness_run(model_path, v, o, write_baseline, res);
        return;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        res->status = EB_RESULT_FAILED;
        snprintf(res->error, sizeof res->error, "pipe: %s", strerror(errno));
        return;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        res->status = EB_RESULT_FAILED;
        snprintf(res->error, sizeof res->error, "fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return;
    }
    if (pid == 0) {
        /* if the sweep itself is killed, take the variant down with it */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(fds[0]);
        child(fds[1], model_path, v, o, write_baseline, res);
    }
    close(fds[1]);

    double deadline = now_s() + o->timeout_s;
    bool timed_out = false;
    eb_result got;
    size_t n = read_until(fds[0], &got, sizeof got, deadline, &timed_out);
    bool complete = n == sizeof got;
    double *samples = NULL;
    if (complete && got.n_samples > 0) {
        size_t bytes = (size_t)got.n_samples * sizeof *samples;
        samples = malloc(bytes);
        complete = samples && read_until(fds[0], samples, bytes, deadline, &timed_out) == bytes;
    }
    if (timed_out)
        kill(pid, SIGKILL);
    close(fds[0]);
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;

    if (complete && !timed_out && WIFEXITED(wst) && WEXITSTATUS(wst) == 0) {
        /* keep the parent's identity fields; take the measurements */
        char model[sizeof res->model], name[sizeof res->model_name], sha[sizeof res->model_sha256];
        memcpy(model, res->model, sizeof model);
        memcpy(name, res->model_name, sizeof name);
        memcpy(sha, res->model_sha256, sizeof sha);
        *res = got;
        memcpy(res->model, model, sizeof model);
        memcpy(res->model_name, name, sizeof name);
        memcpy(res->model_sha256, sha, sizeof sha);
        res->samples_ms = samples;
        return;
    }
    free(samples);
    res->variant = *v;
    snprintf(res->device, sizeof res->device, "cpu");
    res->is_baseline = write_baseline;
    res->n_samples = 0;
    res->samples_ms = NULL;
    if (timed_out) {
        res->status = EB_RESULT_TIMEOUT;
        snprintf(res->error, sizeof res->error, "killed after the %.15g s timeout", o->timeout_s);
    } else if (WIFSIGNALED(wst)) {
        res->status = EB_RESULT_CRASHED;
        res->signal = WTERMSIG(wst);
        snprintf(res->error, sizeof res->error, "crashed with signal %d (%s)", res->signal, strsignal(res->signal));
    } else {
        res->status = EB_RESULT_FAILED;
        snprintf(res->error, sizeof res->error, "the variant's process exited with status %d without a result",
                 WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
    }
}
