/* energy_simmeter.c - a meter whose joules are a known linear model of
 * the time and of the work the calibration's microbenchmarks counted
 * (energy_calib.h), so that the tests can check that `calibrate --energy`
 * recovers the model's coefficients.  It is a cumulative meter that
 * updates at every read (the time moves); only EB_SIM_ENERGY_METER or a
 * test makes one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/energy_calib.h"

typedef struct sim_state {
    double t0, coef[4];
    eb_energy_work *w;
} sim_state;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool sim_read(eb_meter *m, double *v)
{
    const sim_state *s = m->impl;
    *v = s->coef[0] * (now_s() - s->t0) + s->coef[1] * (double)atomic_load(&s->w->fp32_flops) +
         s->coef[2] * (double)atomic_load(&s->w->int8_ops) + s->coef[3] * (double)atomic_load(&s->w->bytes);
    return true;
}

static void sim_close(eb_meter *m)
{
    free(m->impl);
    m->impl = NULL;
}

bool eb_meter_sim_linear(eb_meter *m, const char *spec, eb_energy_work *w)
{
    memset(m, 0, sizeof *m);
    snprintf(m->source, sizeof m->source, "simulated");
    sim_state *s = calloc(1, sizeof *s);
    char tail;
    if (!s || sscanf(spec, "%lf,%lf,%lf,%lf%c", &s->coef[0], &s->coef[1], &s->coef[2], &s->coef[3], &tail) != 4) {
        free(s);
        snprintf(m->reason, sizeof m->reason, "'%s' is not W,J/fp32-FLOP,J/int8-op,J/byte", spec);
        return false;
    }
    s->w = w;
    s->t0 = now_s();
    snprintf(m->name, sizeof m->name, "simulated: %g W + %g J/fp32 FLOP + %g J/int8 op + %g J/byte", s->coef[0],
             s->coef[1], s->coef[2], s->coef[3]);
    m->available = true;
    m->cumulative = true;
    m->read = sim_read;
    m->close = sim_close;
    m->impl = s;
    return true;
}
