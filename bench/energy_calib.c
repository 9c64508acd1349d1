/* energy_calib.c - the microbenchmarks of `calibrate --energy`, each over
 * a meter window: idle (sleeping), fp32 and int8 (the peak loops of
 * bench/peak_kernels.c: registers only, no memory traffic) and the
 * STREAM triad (bandwidth-bound, 24 bytes an element), each --repeats
 * times; then held out from the fit, two mixes (fp32 chunks alternating
 * with triad passes, int8 chunks with triad passes) and o->models (zoo
 * models on the cpu runner, energy_calib_model.c) whose measured joules
 * the fitted model must predict: their MAPE is the estimate's band.
 *
 * One thread runs the work, in chunks of about a millisecond, counting
 * what each did (eb_energy_work) as it goes; the window runs at least
 * o->seconds and until the meter updated EB_ENERGY_MIN_UPDATES times
 * (bounded by EB_ENERGY_MAX_EXTEND_S more), else the calibration fails
 * saying so.  A cumulative meter that updated at least FINE_UPDATES
 * times is also read right before the first chunk and right after the
 * last, and that difference is the window's: exact for the work counted
 * whatever the power did in between (the sampler's figure assumes it
 * constant, which a loaded machine breaks), and off by at most two
 * updates' worth, 2%.  A coarser meter keeps the sampler's figure.  A window's joules are the meter's gross ones: the static
 * term of the model is what the machine draws whatever runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/energy_calib.h"
#include "bench/peak_kernels.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

enum { FINE_UPDATES = 100 };
enum { W_IDLE = 1, W_FP32 = 2, W_INT8 = 4, W_TRIAD = 8 };

typedef struct bench {
    eb_energy_work *work;
    eb_isa fisa, iisa;
    long fiters, iiters;     /* loop iterations in a chunk of ~1 ms */
    double *a, *b, *c;
    size_t n, pos, slice;    /* the triad: elements, the next one, elements a chunk */
    double sink;
} bench;

typedef struct step_ctx {
    bench *k;
    int what;
} step_ctx;

static void chunk(bench *k, int what)
{
    if (what & W_IDLE) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (what & W_FP32)
        atomic_fetch_add(&k->work->fp32_flops, (uint64_t)eb_peak_fp32_loop(k->fisa, k->fiters, &k->sink));
    if (what & W_INT8)
        atomic_fetch_add(&k->work->int8_ops, (uint64_t)eb_peak_int8_loop(k->iisa, k->iiters, &k->sink));
    if (what & W_TRIAD) {
        size_t hi = k->pos + k->slice < k->n ? k->pos + k->slice : k->n;
        eb_triad(k->a, k->b, k->c, 3.0, k->pos, hi);
        atomic_fetch_add(&k->work->bytes, (uint64_t)(3 * sizeof(double) * (hi - k->pos)));
        k->pos = hi == k->n ? 0 : hi;
    }
}

/* iterations of a loop for ~1 ms */
static long chunk_iters(bool int8, eb_isa isa, double *sink)
{
    long it = 1000;
    for (;;) {
        double t0 = now_s();
        if (int8)
            eb_peak_int8_loop(isa, it, sink);
        else
            eb_peak_fp32_loop(isa, it, sink);
        double s = now_s() - t0;
        if (s > 2e-4 || it > (1L << 40))
            return (long)fmax(1, it * 1e-3 / fmax(s, 1e-9));
        it *= 4;
    }
}

static bool chunk_step(void *ctx)
{
    step_ctx *c = ctx;
    chunk(c->k, c->what);
    return true;
}

static bool window(bench *k, eb_meter *m, const eb_energy_calib_opts *o, int what, const char *name,
                   eb_calib_obs *ob, char *why, size_t n)
{
    step_ctx c = {k, what};
    return eb_energy_calib_window(m, o->seconds, k->work, chunk_step, &c, name, ob, why, n);
}

bool eb_energy_calib_window(eb_meter *m, double seconds, eb_energy_work *work, bool (*step)(void *ctx), void *ctx,
                            const char *name, eb_calib_obs *ob, char *why, size_t n)
{
    memset(ob, 0, sizeof *ob);
    snprintf(ob->workload, sizeof ob->workload, "%s", name);
    uint64_t f0 = atomic_load(&work->fp32_flops), i0 = atomic_load(&work->int8_ops), b0 = atomic_load(&work->bytes);
    double v0 = NAN, v1 = NAN, t_v0 = now_s(), t_v1;
    bool direct = m->cumulative && m->read(m, &v0);
    t_v0 = (t_v0 + now_s()) / 2;
    eb_energy_sampler *s = eb_energy_sampler_start(m, 1.0);
    if (!s) {
        snprintf(why, n, "%s: cannot start the meter's sampler thread", name);
        return false;
    }
    eb_energy_span sp;
    double t0 = now_s(), until = seconds;
    bool stepped = true;
    for (;;) {
        while (stepped && now_s() - t0 < until)
            stepped = step(ctx);
        eb_energy_sampler_stop(s, &sp);
        if (!stepped || sp.read_failed || sp.updates >= EB_ENERGY_MIN_UPDATES ||
            until >= seconds + EB_ENERGY_MAX_EXTEND_S || !eb_energy_sampler_resume(s))
            break;
        until += seconds; /* the meter is slow: longer */
    }
    eb_energy_sampler_free(s);
    t_v1 = now_s();
    direct = direct && m->read(m, &v1);
    t_v1 = (t_v1 + now_s()) / 2;
    ob->seconds = sp.seconds;
    ob->joules = sp.joules;
    if (direct && sp.updates >= FINE_UPDATES) {
        ob->seconds = t_v1 - t_v0;
        ob->joules = v1 - v0;
    }
    ob->fp32_flops = (double)(atomic_load(&work->fp32_flops) - f0);
    ob->int8_ops = (double)(atomic_load(&work->int8_ops) - i0);
    ob->bytes = (double)(atomic_load(&work->bytes) - b0);
    if (!stepped)
        snprintf(why, n, "%s: the workload failed", name);
    else if (sp.read_failed)
        snprintf(why, n, "%s: the meter could not be read during the window", name);
    else if (sp.updates < EB_ENERGY_MIN_UPDATES || !isfinite(sp.joules))
        snprintf(why, n, "%s: the meter updated %d times in %.1f s, fewer than the %d a window needs", name,
                 sp.updates, sp.seconds, EB_ENERGY_MIN_UPDATES);
    else
        return true;
    return false;
}

bool eb_energy_calibrate(eb_meter *m, const eb_energy_calib_opts *o, eb_calib_energy *out, char *why, size_t n)
{
    memset(out, 0, sizeof *out);
    snprintf(out->meter, sizeof out->meter, "%s", m->source);
    snprintf(out->meter_name, sizeof out->meter_name, "%s", m->name);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out->date, sizeof out->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    eb_energy_work own;
    memset(&own, 0, sizeof own);
    bench k = {.work = o->work ? o->work : &own, .fisa = eb_peak_fp32_isa(), .iisa = eb_peak_int8_isa()};
    k.fiters = chunk_iters(false, k.fisa, &k.sink);
    k.iiters = chunk_iters(true, k.iisa, &k.sink);
    k.n = o->triad_bytes / sizeof(double);
    k.slice = 1 << 15; /* 768 KiB of the three arrays a chunk: ~1 ms at some GB/s */
    k.a = malloc(k.n * sizeof *k.a);
    k.b = malloc(k.n * sizeof *k.b);
    k.c = malloc(k.n * sizeof *k.c);
    if (!k.n || !k.a || !k.b || !k.c) {
        free(k.a), free(k.b), free(k.c);
        snprintf(why, n, "out of memory for the triad's arrays (3 x %zu bytes)", o->triad_bytes);
        return false;
    }
    for (size_t i = 0; i < k.n; i++)
        k.a[i] = 0, k.b[i] = 1.0, k.c[i] = 2.0;
    static const struct {
        int what;
        const char *name;
    } fit[] = {{W_IDLE, "idle"}, {W_FP32, "fp32"}, {W_INT8, "int8"}, {W_TRIAD, "triad"}},
      held[] = {{W_FP32 | W_TRIAD, "fp32+triad"}, {W_INT8 | W_TRIAD, "int8+triad"}};
    bool ok = true;
    for (int r = 0; ok && r < o->repeats; r++)
        for (int i = 0; ok && i < 4 && out->n_fit < EB_CALIB_MAX_OBS - 2; i++)
            ok = window(&k, m, o, fit[i].what, fit[i].name, &out->obs[out->n_fit++], why, n);
    for (int i = 0; ok && i < 2; i++)
        ok = window(&k, m, o, held[i].what, held[i].name, &out->obs[out->n_fit + out->n_heldout++], why, n);
    free(k.a), free(k.b), free(k.c);
    for (int i = 0; ok && i < o->n_models && out->n_fit + out->n_heldout < EB_CALIB_MAX_OBS; i++)
        ok = eb_energy_calib_model(m, o->seconds, k.work, o->models[i], &out->obs[out->n_fit + out->n_heldout++], why,
                                   n);
    if (k.sink == 12345.0) /* keep the loops' results alive */
        fprintf(stderr, " ");
    return ok && eb_energy_fit(out, why, n);
}
