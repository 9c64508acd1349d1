/* energy_window.c - a meter read over a span of time, and the measurement
 * window of a result: an idle baseline, then the timed loop.
 *
 * A sampler thread polls the meter every poll_ms and notes each update
 * (a value different from the one before) with its time.  A cumulative
 * meter (J) is measured between its first and last update in the span
 * (so that the meter's own update grid does not bias the figure): mean W
 * = dE / dt over those updates, and the span's joules = mean W x its
 * length.  A power meter (W) is integrated over the polls (trapezoids).
 * A span runs from its first poll to its last, the times the meter was
 * read.  At least EB_ENERGY_MIN_UPDATES updates make a window; with fewer, the
 * loop is run again (eb_energy_meter_extend, bounded in repeats and time),
 * and a window that still has too few is valid=false with the reason. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/energy.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct eb_energy_sampler {
    eb_meter *m;
    double poll_s;
    pthread_t th;
    bool running;
    pthread_mutex_t mu;
    bool stop;
    /* the span: guarded by mu */
    double t_start, t_end;
    bool have_prev;
    double prev_v, prev_t;          /* the last poll */
    double first_upd_v, first_upd_t, last_upd_v, last_upd_t;
    int updates;
    double integral_j;              /* power meters */
    bool read_failed;
};

static void poll_once(eb_energy_sampler *s)
{
    double v;
    bool ok = s->m->read(s->m, &v);
    double t = now_s();
    pthread_mutex_lock(&s->mu);
    if (!ok) {
        s->read_failed = true;
    } else {
        if (s->have_prev && !s->m->cumulative)
            s->integral_j += (s->prev_v + v) / 2 * (t - s->prev_t);
        if (s->have_prev && v != s->prev_v) {
            if (s->updates == 0) {
                s->first_upd_v = v;
                s->first_upd_t = t;
            }
            s->updates++;
            s->last_upd_v = v;
            s->last_upd_t = t;
        }
        s->have_prev = true;
        s->prev_v = v;
        s->prev_t = t;
    }
    pthread_mutex_unlock(&s->mu);
}

static void *sampler_main(void *arg)
{
    eb_energy_sampler *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stop;
        pthread_mutex_unlock(&s->mu);
        poll_once(s);
        if (stop)
            return NULL;
        struct timespec ts = {(time_t)s->poll_s, (long)((s->poll_s - (double)(time_t)s->poll_s) * 1e9)};
        nanosleep(&ts, NULL);
    }
}

static bool launch(eb_energy_sampler *s)
{
    s->stop = false;
    s->running = pthread_create(&s->th, NULL, sampler_main, s) == 0;
    return s->running;
}

eb_energy_sampler *eb_energy_sampler_start(eb_meter *m, double poll_ms)
{
    eb_energy_sampler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->m = m;
    s->poll_s = poll_ms * 1e-3;
    pthread_mutex_init(&s->mu, NULL);
    poll_once(s); /* the starting value: the span runs from this poll */
    s->t_start = s->have_prev ? s->prev_t : now_s();
    if (!launch(s)) {
        pthread_mutex_destroy(&s->mu);
        free(s);
        return NULL;
    }
    return s;
}

void eb_energy_sampler_stop(eb_energy_sampler *s, eb_energy_span *out)
{
    memset(out, 0, sizeof *out);
    out->joules = out->interval_ms = NAN;
    if (!s)
        return;
    if (s->running) {
        pthread_mutex_lock(&s->mu);
        s->stop = true;
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->th, NULL);
        s->running = false;
    }
    /* to the last poll, not to now: on a busy machine this thread may wake
     * from the join milliseconds after the sampler's last poll */
    s->t_end = s->have_prev ? s->prev_t : now_s();
    out->seconds = s->t_end - s->t_start;
    out->updates = s->updates;
    out->read_failed = s->read_failed;
    if (s->updates >= 2)
        out->interval_ms = (s->last_upd_t - s->first_upd_t) / (s->updates - 1) * 1e3;
    if (s->m->cumulative) {
        if (s->updates >= 2 && s->last_upd_t > s->first_upd_t)
            out->joules = (s->last_upd_v - s->first_upd_v) / (s->last_upd_t - s->first_upd_t) * out->seconds;
    } else if (s->updates >= 1 || s->have_prev) {
        out->joules = s->integral_j;
    }
}

bool eb_energy_sampler_resume(eb_energy_sampler *s)
{
    return s && !s->running && launch(s);
}

void eb_energy_sampler_free(eb_energy_sampler *s)
{
    if (!s)
        return;
    if (s->running) {
        eb_energy_span ignored;
        eb_energy_sampler_stop(s, &ignored);
    }
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* polling: fast enough to see a RAPL counter's ~1 ms updates, cheap (a
 * sysfs read is microseconds) */
#define POLL_MS 1.0

void eb_energy_idle(eb_meter *m, double min_s, double max_s, eb_energy_span *out)
{
    eb_energy_sampler *s = eb_energy_sampler_start(m, POLL_MS);
    double t0 = now_s();
    for (;;) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        double t = now_s() - t0;
        int upd = 0;
        if (s) {
            pthread_mutex_lock(&s->mu);
            upd = s->updates;
            pthread_mutex_unlock(&s->mu);
        }
        if (!s || t >= max_s || (t >= min_s && upd >= EB_ENERGY_MIN_UPDATES))
            break;
    }
    eb_energy_sampler_stop(s, out);
    eb_energy_sampler_free(s);
}

void eb_energy_meter_begin(eb_energy_meter_run *w, eb_meter *m, double idle_min_s, double idle_max_s)
{
    memset(w, 0, sizeof *w);
    w->m = m;
    eb_energy_idle(m, idle_min_s, idle_max_s, &w->idle);
}

void eb_energy_meter_start(eb_energy_meter_run *w)
{
    w->s = eb_energy_sampler_start(w->m, POLL_MS);
}

void eb_energy_meter_stop(eb_energy_meter_run *w, int64_t inferences)
{
    eb_energy_sampler_stop(w->s, &w->loop);
    w->inferences = inferences;
}

void eb_energy_meter_extend(eb_energy_meter_run *w, int64_t (*more)(void *ctx), void *ctx, int max_ext, double max_s)
{
    double t0 = now_s();
    while (w->s && w->loop.updates < EB_ENERGY_MIN_UPDATES && w->extensions < max_ext && now_s() - t0 < max_s &&
           !w->loop.read_failed) {
        if (!eb_energy_sampler_resume(w->s))
            break;
        int64_t n = more(ctx);
        eb_energy_sampler_stop(w->s, &w->loop);
        if (n <= 0)
            break;
        w->inferences += n;
        w->extensions++;
    }
}

static void add_input(eb_energy *e, const char *name, double v, const char *text)
{
    if (e->n_inputs >= EB_ENERGY_MAX_INPUTS)
        return;
    eb_energy_input *in = &e->inputs[e->n_inputs++];
    snprintf(in->name, sizeof in->name, "%s", name);
    in->num = v;
    snprintf(in->text, sizeof in->text, "%s", text ? text : "");
}

void eb_energy_meter_finish(eb_energy_meter_run *w, eb_energy *e)
{
    eb_energy_window *win = &e->window;
    e->kind = EB_ENERGY_MEASURED;
    snprintf(e->method, sizeof e->method, "meter");
    snprintf(e->source, sizeof e->source, "%s", w->m->source);
    e->band.low = e->band.high = NAN;
    e->reason[0] = '\0';
    win->present = true;
    win->seconds = w->loop.seconds;
    win->inferences = w->inferences;
    win->extensions = w->extensions;
    win->updates = w->loop.updates;
    win->interval_ms = w->loop.interval_ms;
    win->gross_j = w->loop.joules;
    win->idle_watts = w->idle.updates >= 2 && isfinite(w->idle.joules) && w->idle.seconds > 0
                          ? w->idle.joules / w->idle.seconds : NAN;
    win->net_j = isfinite(win->idle_watts) ? win->gross_j - win->idle_watts * win->seconds : NAN;
    e->joules_per_inference = w->inferences > 0 ? win->gross_j / (double)w->inferences : NAN;
    e->net_joules_per_inference = w->inferences > 0 ? win->net_j / (double)w->inferences : NAN;
    add_input(e, "meter", NAN, w->m->name);
    add_input(e, "idle_seconds", w->idle.seconds, NULL);
    add_input(e, "idle_updates", w->idle.updates, NULL);
    char why[200] = "";
    e->valid = true;
    if (w->loop.read_failed) {
        e->valid = false;
        snprintf(e->reason, sizeof e->reason, "the meter could not be read during the window");
    } else if (w->loop.updates < EB_ENERGY_MIN_UPDATES) {
        e->valid = false;
        snprintf(e->reason, sizeof e->reason,
                 "the meter updated %d times in the %.3f s window (%d extra repeats of the timed loop), fewer than "
                 "the %d a window needs: run longer (--min-time)",
                 w->loop.updates, w->loop.seconds, w->extensions, EB_ENERGY_MIN_UPDATES);
    } else if (strcmp(w->m->source, "battery") == 0 && !eb_meter_battery_discharging(w->m, why, sizeof why)) {
        e->valid = false;
        snprintf(e->reason, sizeof e->reason, "%s", why);
    } else if (!isfinite(win->idle_watts)) {
        snprintf(e->reason, sizeof e->reason, "no net figure: the idle baseline saw %d meter updates in %.1f s",
                 w->idle.updates, w->idle.seconds);
    }
    eb_energy_sampler_free(w->s);
    w->s = NULL;
}
