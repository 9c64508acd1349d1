/* interrupt.c - the SIGINT flag of the sweep (see interrupt.h).  No
 * SA_RESTART: a wait in poll() returns at once with EINTR, so the variant
 * in flight is stopped without waiting for the next wake-up. */
#include <signal.h>
#include <string.h>

#include "bench/interrupt.h"

static volatile sig_atomic_t eb_sigint_seen;
static struct sigaction eb_sigint_before;
static bool eb_sigint_installed;

static void on_sigint(int sig)
{
    (void)sig;
    eb_sigint_seen = 1;
}

void eb_interrupt_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    if (sigaction(SIGINT, NULL, &eb_sigint_before) != 0 || eb_sigint_before.sa_handler == SIG_IGN)
        return;
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    eb_sigint_installed = sigaction(SIGINT, &sa, NULL) == 0;
}

bool eb_interrupted(void)
{
    return eb_sigint_seen != 0;
}

void eb_interrupt_restore_default(void)
{
    if (eb_sigint_installed)
        sigaction(SIGINT, &eb_sigint_before, NULL);
}
