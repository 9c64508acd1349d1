/* interrupt.c - the SIGINT/SIGTERM flag of the sweep (see interrupt.h).
 * No SA_RESTART: a wait in poll() returns at once with EINTR, so the
 * variant in flight is stopped without waiting for the next wake-up. */
#include <signal.h>
#include <string.h>

#include "bench/interrupt.h"

/* the signals that stop the sweep, Ctrl-C's first */
static const int eb_stop_signals[] = {SIGINT, SIGTERM};
#define N_STOP (sizeof eb_stop_signals / sizeof eb_stop_signals[0])

static volatile sig_atomic_t eb_sigint_seen; /* the signal that came first, 0 none */
static struct sigaction eb_sigint_before[N_STOP];
static bool eb_sigint_installed[N_STOP];

static void on_sigint(int sig)
{
    if (!eb_sigint_seen)
        eb_sigint_seen = sig;
}

void eb_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_STOP; i++) {
        if (sigaction(eb_stop_signals[i], NULL, &eb_sigint_before[i]) != 0 ||
            eb_sigint_before[i].sa_handler == SIG_IGN)
            continue;
        eb_sigint_installed[i] = sigaction(eb_stop_signals[i], &sa, NULL) == 0;
    }
}

bool eb_interrupted(void)
{
    return eb_sigint_seen != 0;
}

int eb_interrupt_signal(void)
{
    return eb_sigint_seen;
}

const char *eb_interrupt_name(void)
{
    return eb_sigint_seen == SIGTERM ? "SIGTERM" : "Ctrl-C (SIGINT)";
}

void eb_interrupt_restore_default(void)
{
    for (size_t i = 0; i < N_STOP; i++)
        if (eb_sigint_installed[i])
            sigaction(eb_stop_signals[i], &eb_sigint_before[i], NULL);
}
