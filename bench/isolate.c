/* isolate.c - one variant per child process, with a timeout, forked by a
 * small launcher.
 *
 * Plain fork() and no exec, so it also works under qemu-user.  The child
 * runs eb_harness_run and writes its eb_result back through a pipe: the
 * struct as raw bytes (parent and child are the same program image), then
 * the samples, then the profile (--profile).  Its parent waits on the pipe
 * with poll() until the
 * deadline; a child that dies or overstays is recorded as crashed (with its
 * signal) or timeout, and the sweep goes on.  Every wait wakes at least
 * every 0.25 s for o->on_wait (the progress line, Ctrl-C).
 *
 * The launcher: a child's resident set counts every page it shares with
 * the process it was forked from, so a variant forked from the sweep would
 * carry whatever the sweep holds (a parent holding 300 MB gave a child a
 * 308 MB peak).  eb_isolate_start forks a launcher while the sweep is
 * still small; eb_isolate_run sends it each job over a socket (the
 * variant, the options with their strings, the result's identity fields)
 * and the launcher forks the variant's child and sends back the finished
 * result.  A launcher that dies costs the job in flight (recorded as
 * failed, saying so); later jobs are forked directly.  Ctrl-C: the
 * launcher, like the sweep, keeps a flag and stops the variant in flight,
 * recorded as `interrupted`; a SIGINT sent to the sweep alone stops the
 * launcher, and with it the variant. */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/fd_io.h"
#include "bench/harness.h"
#include "bench/interrupt.h"
#include "bench/mem_limit.h"

/* the launcher and its socket; pid -1 when there is none */
static pid_t g_launcher = -1;
static int g_sock = -1;


static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads exactly n bytes unless the deadline passes, o->on_wait asks to
 * stop (o may be NULL), or the pipe closes.  Returns bytes read; *timed_out and *stopped
 * tell which. */
static size_t read_until(int fd, void *buf, size_t n, double deadline, const eb_run_opts *o, bool *timed_out,
                         bool *stopped)
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
        int pr = poll(&pfd, 1, left > 0.25 ? 250 : (int)(left * 1000) + 1);
        if (o && o->on_wait && o->on_wait(o->on_wait_ctx)) {
            *stopped = true;
            break;
        }
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

/* A result on the wire (child -> launcher -> sweep): the struct as raw
 * bytes (both ends are the same program image; its pointers are
 * meaningless there), then the samples, then the profile (--profile). */
static bool send_result(int fd, const eb_result *r)
{
    return eb_fd_write_all(fd, r, sizeof *r) &&
           eb_fd_write_all(fd, r->samples_ms, (size_t)r->n_samples * sizeof *r->samples_ms) &&
           eb_fd_write_all(fd, r->profile, (size_t)r->n_profile * sizeof *r->profile) &&
           eb_fd_write_all(fd, r->compression.layers, (size_t)r->compression.n_layers * sizeof *r->compression.layers) &&
           eb_fd_write_all(fd, r->layer_drift.values, (size_t)r->layer_drift.n_values * sizeof *r->layer_drift.values) &&
           eb_fd_write_all(fd, r->sensitivity.layers, (size_t)r->sensitivity.n_layers * sizeof *r->sensitivity.layers);
}

/* Reads what send_result wrote into *got unless the deadline passes, the
 * wait is stopped or the other end closes; false then, with nothing left
 * to free. */
static bool recv_result(int fd, eb_result *got, double deadline, const eb_run_opts *o, bool *timed_out,
                        bool *stopped)
{
    if (read_until(fd, got, sizeof *got, deadline, o, timed_out, stopped) != sizeof *got || got->n_samples < 0 ||
        got->n_profile < 0 || got->compression.n_layers < 0 || got->layer_drift.n_values < 0 ||
        got->sensitivity.n_layers < 0)
        return false;
    size_t sbytes = (size_t)got->n_samples * sizeof *got->samples_ms;
    size_t pbytes = (size_t)got->n_profile * sizeof *got->profile;
    size_t lbytes = (size_t)got->compression.n_layers * sizeof *got->compression.layers;
    double *samples = NULL;
    eb_profile_node *profile = NULL;
    eb_compressed_layer *layers = NULL;
    size_t dbytes = (size_t)got->layer_drift.n_values * sizeof *got->layer_drift.values;
    size_t cbytes = (size_t)got->sensitivity.n_layers * sizeof *got->sensitivity.layers;
    eb_layer_drift_value *dvals = NULL;
    eb_layer_cost *costs = NULL;
    bool ok = (!sbytes || ((samples = malloc(sbytes)) && read_until(fd, samples, sbytes, deadline, o, timed_out, stopped) == sbytes)) &&
              (!pbytes || ((profile = malloc(pbytes)) && read_until(fd, profile, pbytes, deadline, o, timed_out, stopped) == pbytes)) &&
              (!lbytes || ((layers = malloc(lbytes)) && read_until(fd, layers, lbytes, deadline, o, timed_out, stopped) == lbytes)) &&
              (!dbytes || ((dvals = malloc(dbytes)) && read_until(fd, dvals, dbytes, deadline, o, timed_out, stopped) == dbytes)) &&
              (!cbytes || ((costs = malloc(cbytes)) && read_until(fd, costs, cbytes, deadline, o, timed_out, stopped) == cbytes));
    if (!ok) {
        free(samples);
        free(profile);
        free(layers);
        free(dvals);
        free(costs);
        return false;
    }
    got->samples_ms = samples;
    got->profile = profile;
    got->compression.layers = layers;
    got->layer_drift.values = dvals;
    got->sensitivity.layers = costs;
    return true;
}

static void child(int fd, const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                  eb_result *res)
{
    eb_harness_run(model_path, v, o, write_baseline, res);
    _exit(send_result(fd, res) ? 0 : 1); /* no atexit handlers, no double-flushed stdio */
}

/* Takes got's measurements into *res, keeping res's identity fields. */
static void take_result(eb_result *res, const eb_result *got)
{
    eb_result r = *got;
    memcpy(r.model, res->model, sizeof r.model);
    memcpy(r.model_name, res->model_name, sizeof r.model_name);
    memcpy(r.model_sha256, res->model_sha256, sizeof r.model_sha256);
    *res = r;
}

/* A result with no measurements: what the sweep knows of the variant. */
static void unfinished(eb_result *res, const eb_variant *v, const eb_run_opts *o, bool write_baseline)
{
    eb_result_begin(res, v);
    eb_result_set_device(res, v, false); /* the parent: no driver before the fork */
    res->is_baseline = write_baseline;
    res->profiled = o->profile;
    res->n_profile = 0;
    res->profile = NULL;
    res->compression.n_layers = 0;
    res->compression.layers = NULL;
    res->layer_drift.n_values = 0;
    res->layer_drift.values = NULL;
    res->sensitivity.n_layers = 0;
    res->sensitivity.layers = NULL;
    res->n_samples = 0;
    res->samples_ms = NULL;
}

/* Forks the variant's child from this process and waits for its result. */
static void fork_and_wait(const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                          eb_result *res)
{
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
        eb_interrupt_restore_default(); /* Ctrl-C kills the variant, not a flag in it */
        eb_mem_limit_apply(o->mem_limit); /* its allocations fail, not the machine */
        close(fds[0]);
        if (g_sock >= 0)
            close(g_sock); /* only the launcher talks to the sweep */
        child(fds[1], model_path, v, o, write_baseline, res);
    }
    close(fds[1]);

    double deadline = now_s() + o->timeout_s;
    bool timed_out = false, stopped = false;
    eb_result got;
    bool complete = recv_result(fds[0], &got, deadline, o, &timed_out, &stopped);
    if (timed_out || stopped)
        kill(pid, SIGKILL);
    close(fds[0]);
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;

    if (complete && !timed_out && !stopped && WIFEXITED(wst) && WEXITSTATUS(wst) == 0) {
        take_result(res, &got);
        return;
    }
    if (complete)
        eb_result_free(&got);
    unfinished(res, v, o, write_baseline);
    if (stopped || (WIFSIGNALED(wst) && WTERMSIG(wst) == SIGINT) ||
        (WIFSIGNALED(wst) && WTERMSIG(wst) == SIGTERM && eb_interrupted())) { /* the group's SIGTERM */
        res->status = EB_RESULT_INTERRUPTED;
        snprintf(res->error, sizeof res->error, "stopped by %s after %.1f s",
                 eb_interrupted() ? eb_interrupt_name() : "Ctrl-C (SIGINT)", o->timeout_s - (deadline - now_s()));
    } else if (timed_out) {
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

/* ---- the launcher ------------------------------------------------------- */

/* A job on the wire: this header (raw: both ends are the same program
 * image; its pointers are meaningless there), then each string as a
 * length (UINT32_MAX for NULL) and its bytes. */
typedef struct job {
    eb_variant v;
    eb_run_opts o;
    bool write_baseline;
    char model[sizeof ((eb_result *)0)->model];
    char model_name[sizeof ((eb_result *)0)->model_name];
    char model_sha256[sizeof ((eb_result *)0)->model_sha256];
} job;


/* The launcher's wait hook: Ctrl-C reached it (and the variant). */
static bool launcher_wait(void *ctx)
{
    (void)ctx;
    return eb_interrupted();
}

static bool send_str(int fd, const char *s)
{
    uint32_t len = s ? (uint32_t)strlen(s) : UINT32_MAX;
    return eb_fd_write_all(fd, &len, sizeof len) && (!s || eb_fd_write_all(fd, s, len));
}

/* NULL stays NULL; *ok false on a short read or no memory. */
static char *recv_str(int fd, bool *ok)
{
    uint32_t len;
    if (!*ok || !eb_fd_read_all(fd, &len, sizeof len)) {
        *ok = false;
        return NULL;
    }
    if (len == UINT32_MAX)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (!s || !eb_fd_read_all(fd, s, len)) {
        free(s);
        *ok = false;
        return NULL;
    }
    s[len] = 0;
    return s;
}

/* The launcher's loop: one job in, one result out, until the socket closes. */
static void launcher(int fd)
{
    g_sock = fd; /* the variants' children close it */
    eb_interrupt_install(); /* Ctrl-C: stop the variant, answer `interrupted` */
    for (;;) {
        job j;
        if (!eb_fd_read_all(fd, &j, sizeof j))
            _exit(0);
        bool ok = true;
        char *model_path = recv_str(fd, &ok);
        j.o.inputs_dir = recv_str(fd, &ok);
        j.o.save_outputs_dir = recv_str(fd, &ok);
        j.o.baseline_dir = recv_str(fd, &ok);
        for (int i = 0; i < j.o.shape.n_dims; i++)
            j.o.shape.dims[i].name = recv_str(fd, &ok);
        if (!ok || !model_path)
            _exit(1);
        j.o.on_wait = launcher_wait; /* the sweep's hook points into the sweep */
        j.o.on_wait_ctx = NULL;
        eb_result res;
        memset(&res, 0, sizeof res);
        memcpy(res.model, j.model, sizeof res.model);
        memcpy(res.model_name, j.model_name, sizeof res.model_name);
        memcpy(res.model_sha256, j.model_sha256, sizeof res.model_sha256);
        fork_and_wait(model_path, &j.v, &j.o, j.write_baseline, &res);
        ok = send_result(fd, &res);
        eb_result_free(&res);
        free(model_path);
        free((char *)j.o.inputs_dir);
        free((char *)j.o.save_outputs_dir);
        free((char *)j.o.baseline_dir);
        for (int i = 0; i < j.o.shape.n_dims; i++)
            free((char *)j.o.shape.dims[i].name);
        if (!ok)
            _exit(1);
    }
}

eb_status eb_isolate_start(eb_err *err)
{
    if (g_launcher > 0)
        return EB_OK;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return eb_errf(err, EB_EIO, "cannot start the variant launcher: socketpair: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return eb_errf(err, EB_EIO, "cannot start the variant launcher: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* the sweep gone, nothing to launch for */
        close(sv[0]);
        launcher(sv[1]);
    }
    close(sv[1]);
    g_launcher = pid;
    g_sock = sv[0];
    return EB_OK;
}

void eb_isolate_stop(void)
{
    if (g_launcher <= 0)
        return;
    close(g_sock); /* the launcher reads end-of-file and exits */
    while (waitpid(g_launcher, NULL, 0) < 0 && errno == EINTR)
        ;
    g_launcher = -1;
    g_sock = -1;
}

pid_t eb_isolate_launcher_pid(void)
{
    return g_launcher;
}

/* The launcher died, garbled the exchange, or the sweep was told to stop
 * (its variant's process dies with it): reap it, later jobs fork directly. */
static void launcher_lost(const eb_variant *v, const eb_run_opts *o, bool write_baseline, bool stopped,
                          eb_result *res)
{
    int wst = 0;
    kill(g_launcher, SIGKILL);
    while (waitpid(g_launcher, &wst, 0) < 0 && errno == EINTR)
        ;
    close(g_sock);
    g_launcher = -1;
    g_sock = -1;
    unfinished(res, v, o, write_baseline);
    res->status = stopped ? EB_RESULT_INTERRUPTED : EB_RESULT_FAILED;
    if (stopped)
        snprintf(res->error, sizeof res->error, "stopped by %s", eb_interrupt_name());
    else if (WIFSIGNALED(wst))
        snprintf(res->error, sizeof res->error,
                 "the variant launcher process died (signal %d, %s) before returning this variant's result",
                 WTERMSIG(wst), strsignal(WTERMSIG(wst)));
    else
        snprintf(res->error, sizeof res->error,
                 "the variant launcher process ended (status %d) before returning this variant's result",
                 WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
}

void eb_isolate_run(const char *model_path, const eb_variant *v, const eb_run_opts *o, bool write_baseline,
                    eb_result *res)
{
    eb_result_begin(res, v); /* what a result that never comes back still says */
    if (!o->isolate) {
        eb_harness_run(model_path, v, o, write_baseline, res);
        return;
    }
    if (g_launcher <= 0) {
        fork_and_wait(model_path, v, o, write_baseline, res);
        return;
    }
    job j;
    memset(&j, 0, sizeof j);
    j.v = *v;
    j.o = *o;
    j.write_baseline = write_baseline;
    memcpy(j.model, res->model, sizeof j.model);
    memcpy(j.model_name, res->model_name, sizeof j.model_name);
    memcpy(j.model_sha256, res->model_sha256, sizeof j.model_sha256);
    bool ok = eb_fd_write_all(g_sock, &j, sizeof j) && send_str(g_sock, model_path) && send_str(g_sock, o->inputs_dir) &&
              send_str(g_sock, o->save_outputs_dir) && send_str(g_sock, o->baseline_dir);
    for (int i = 0; ok && i < o->shape.n_dims; i++)
        ok = send_str(g_sock, o->shape.dims[i].name);
    /* the launcher enforces the timeout itself; it answers or dies */
    eb_result got;
    bool timed_out = false, stopped = false;
    if (!ok || !recv_result(g_sock, &got, INFINITY, o, &timed_out, &stopped)) {
        launcher_lost(v, o, write_baseline, stopped, res);
        return;
    }
    take_result(res, &got);
}
