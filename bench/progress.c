/* progress.c - the progress line of `edgebench run` on a terminal (see
 * progress.h): the page the variant's process writes its phase to, the
 * ETA arithmetic, and the redraw on stderr.
 *
 * ETA of a variant: from the rate of its current phase.  Timed runs go on
 * until -n runs and --min-time seconds are both met, capped by --max-time;
 * the evaluation's length is known only once it starts.  ETA of the sweep:
 * the mean time of the variants done, times those left, plus what is left
 * of this one.  Unknown ETAs print as "-", never as a guess. */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench/progress.h"

/* Written by the variant's process, read by the sweep's: a torn read only
 * shows a stale count for one refresh. */
typedef struct shared_page {
    volatile int phase;
    volatile int64_t done, count;
    volatile double phase_start;
} shared_page;

static shared_page *eb_progress_page; /* NULL: no progress line in this run */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* system-wide: the same in parent and child */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void eb_progress_note(eb_phase phase, int64_t done, int64_t total)
{
    shared_page *p = eb_progress_page;
    if (!p)
        return;
    if (p->phase != (int)phase) {
        p->phase_start = now_s();
        p->phase = (int)phase;
    }
    p->done = done;
    p->count = total;
}

double eb_progress_phase_eta(const eb_progress_view *v)
{
    double t = v->now - v->phase_start;
    if (v->done <= 0 || t <= 0)
        return -1;
    double per = t / (double)v->done;
    switch (v->phase) {
    case EB_PHASE_WARMUP: {
        double timed = (double)v->runs * per;
        if (timed < v->min_time_s)
            timed = v->min_time_s;
        if (timed > v->max_time_s)
            timed = v->max_time_s;
        return (double)(v->count - v->done) * per + timed;
    }
    case EB_PHASE_TIMED: {
        double left = (double)(v->runs - v->done) * per;
        if (left < v->min_time_s - t)
            left = v->min_time_s - t;
        if (left > v->max_time_s - t)
            left = v->max_time_s - t;
        return left > 0 ? left : 0;
    }
    case EB_PHASE_EVAL: return (double)(v->count - v->done) * per;
    case EB_PHASE_START: break;
    }
    return -1;
}

/* "4.2 s", "32 s", "1m20s", "2h05m"; "-" when negative (unknown). */
static const char *dur(double s, char *buf, size_t n)
{
    if (s < 0)
        snprintf(buf, n, "-");
    else if (s < 9.95)
        snprintf(buf, n, "%.1f s", s);
    else if (s < 59.5)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)(s + 0.5) / 60, (int)(s + 0.5) % 60);
    else
        snprintf(buf, n, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    return buf;
}

void eb_progress_format(const eb_progress_view *v, char *buf, size_t n)
{
    static const char *const names[] = {"loading", "warm-up", "timed", "eval"};
    char what[64], el[16], eta[16], all[16], all_eta[16];
    if (v->phase == EB_PHASE_START || v->count <= 0)
        snprintf(what, sizeof what, "%s", names[v->phase]);
    else if (v->phase == EB_PHASE_TIMED && v->done > v->count) /* --min-time asks for more than -n */
        snprintf(what, sizeof what, "timed %lld runs", (long long)v->done);
    else
        snprintf(what, sizeof what, "%s %lld/%lld", names[v->phase], (long long)v->done, (long long)v->count);
    double left = eb_progress_phase_eta(v);
    double sweep_left = -1;
    if (v->finished > 0) {
        /* this variant: its own ETA, else what a mean variant has left, else unknown */
        double mean = v->finished_s / v->finished;
        double here = left >= 0 ? left : mean - (v->now - v->variant_start);
        int after = v->total - v->index + (v->spec ? 0 : 1); /* a silent baseline precedes variant index */
        if (here >= 0)
            sweep_left = (double)after * mean + here;
    } else if (v->total == v->index && v->spec && left >= 0) {
        sweep_left = left; /* the only variant: the sweep ends with it */
    }
    snprintf(buf, n, "[%d/%d] %s %s: %s, %s, ETA %s | run %s, ETA %s", v->index, v->total, v->model,
             v->spec ? v->spec : "ref (baseline)", what, dur(v->now - v->variant_start, el, sizeof el),
             dur(left, eta, sizeof eta), dur(v->now - v->sweep_start, all, sizeof all),
             dur(sweep_left, all_eta, sizeof all_eta));
}

void eb_progress_init(eb_progress *p, int total, int64_t runs, double min_time_s, double max_time_s)
{
    memset(p, 0, sizeof *p);
    const char *force = getenv("EB_TEST_PROGRESS");
    p->on = isatty(2) || (force && strcmp(force, "1") == 0);
    p->f = stderr;
    p->total = total;
    p->runs = runs;
    p->min_time_s = min_time_s;
    p->max_time_s = max_time_s;
    p->sweep_start = now_s();
    if (p->on && !eb_progress_page) {
        void *m = mmap(NULL, sizeof(shared_page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED)
            eb_progress_page = m;
    }
}

static void draw(eb_progress *p)
{
    const shared_page *sp = eb_progress_page;
    double t = now_s();
    eb_progress_view v = {.index = p->index, .total = p->total, .model = p->model, .spec = p->spec, .now = t,
                          .sweep_start = p->sweep_start, .variant_start = p->variant_start,
                          .phase_start = sp ? sp->phase_start : p->variant_start,
                          .phase = sp ? (eb_phase)sp->phase : EB_PHASE_START, .done = sp ? sp->done : 0,
                          .count = sp ? sp->count : 0, .runs = p->runs, .min_time_s = p->min_time_s,
                          .max_time_s = p->max_time_s, .finished = p->finished, .finished_s = p->finished_s};
    if (v.phase < EB_PHASE_START || v.phase > EB_PHASE_EVAL)
        v.phase = EB_PHASE_START;
    char line[512];
    eb_progress_format(&v, line, sizeof line);
    /* never wider than the terminal: a wrapped line cannot be redrawn with \r */
    struct winsize ws;
    if (ioctl(fileno(p->f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && ws.ws_col - 1 < (int)sizeof line)
        line[ws.ws_col - 1] = '\0';
    fprintf(p->f, "\r\033[K%s", line);
    fflush(p->f);
    p->last_draw = t;
}

void eb_progress_begin(eb_progress *p, const char *model, const char *spec, int index)
{
    if (!p->on)
        return;
    p->model = model;
    p->spec = spec;
    p->index = index;
    p->variant_start = now_s();
    shared_page *sp = eb_progress_page;
    if (sp) {
        sp->phase = EB_PHASE_START;
        sp->done = sp->count = 0;
        sp->phase_start = p->variant_start;
    }
    draw(p);
}

void eb_progress_tick(eb_progress *p)
{
    if (p->on && now_s() - p->last_draw >= 0.5)
        draw(p);
}

void eb_progress_end(eb_progress *p, bool counted)
{
    if (!p->on)
        return;
    /* a silent baseline's time counts, spread over the variants */
    p->finished += counted;
    p->finished_s += now_s() - p->variant_start;
    eb_progress_clear(p);
}

void eb_progress_clear(eb_progress *p)
{
    if (p->on) {
        fputs("\r\033[K", p->f);
        fflush(p->f);
    }
}
