/* metrics_clock.h - CPU frequency and temperature over the timed runs
 * (eb_clock in reports/record.h), from sysfs.
 *
 * Every path is read under $EB_SYSFS_ROOT (default "/"), so that tests can
 * hand in a fake tree: <root>/sys/devices/system/cpu/cpuN/cpufreq/
 * {scaling_cur_freq (kHz), scaling_governor} and <root>/sys/class/thermal/
 * thermal_zone*\/{type, temp (millidegrees C)}.  The frequency is that of
 * the CPU the timing thread is on at each poll (sched_getcpu): that CPU is
 * busy, where an idle one's clock says nothing about the run.  Polls: at
 * the start, between samples at most every EB_CLOCK_POLL_S, at the end;
 * each is outside the timed region. */
#ifndef EB_METRICS_CLOCK_H
#define EB_METRICS_CLOCK_H

#include <stdbool.h>

#include "reports/record.h"

#define EB_CLOCK_POLL_S 0.010
enum { EB_CLOCK_MAX_POLLS = 4096 };

typedef struct eb_clock_probe {
    char root[448];
    bool freq_ok;          /* the start poll read a frequency */
    double last_s;         /* time of the last poll */
    int n;
    double *mhz;           /* EB_CLOCK_MAX_POLLS readings, owned */
} eb_clock_probe;

/* Governor, first frequency reading and the thermal zones' start
 * temperatures into out; the reasons for what is absent. */
void eb_clock_begin(eb_clock_probe *p, double now_s, eb_clock *out);
/* A frequency reading when EB_CLOCK_POLL_S has passed since the last. */
void eb_clock_poll(eb_clock_probe *p, double now_s);
/* The last reading, the summary, the end temperatures; frees p's buffer. */
void eb_clock_end(eb_clock_probe *p, eb_clock *out);

/* min/median/max of readings[0..n) into out, start = readings[0], end =
 * readings[n-1], throttled when min < 0.9 x start.  n >= 1.  (mhz is
 * reordered.) */
void eb_clock_summarize(double *mhz, int n, eb_clock *out);

/* For `edgebench info`: what cpufreq and the thermal zones say now, or
 * why there are none (line: n bytes). */
bool eb_clock_freq_status(char *line, size_t n);
bool eb_clock_thermal_status(char *line, size_t n);

#endif
