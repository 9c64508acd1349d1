/* interrupt.h - Ctrl-C or SIGTERM during `edgebench run`: SIGINT and
 * SIGTERM only set a flag in the sweep, which stops the variant in flight
 * (recorded `interrupted`), writes what finished and exits 130 (a service
 * manager's SIGTERM is a stop, as Ctrl-C is).  Variants' processes keep the
 * disposition both signals had at start, so they kill them as they would. */
#ifndef EB_INTERRUPT_H
#define EB_INTERRUPT_H

#include <stdbool.h>

/* Installs the flag-setting handler for SIGINT and SIGTERM, except for one
 * ignored at start (a background job of a shell without job control keeps
 * ignoring SIGINT). */
void eb_interrupt_install(void);
/* SIGINT or SIGTERM arrived since eb_interrupt_install. */
bool eb_interrupted(void);
/* The one that came first (SIGINT, SIGTERM), 0 none. */
int eb_interrupt_signal(void);
/* It for a message: "Ctrl-C (SIGINT)" or "SIGTERM". */
const char *eb_interrupt_name(void);
/* In a forked child: SIGINT and SIGTERM do what they did before
 * eb_interrupt_install. */
void eb_interrupt_restore_default(void);

#endif
