/* interrupt.h - Ctrl-C during `edgebench run`: SIGINT only sets a flag in
 * the sweep, which stops the variant in flight (recorded `interrupted`),
 * writes what finished and exits 130.  Variants' processes keep the
 * disposition SIGINT had at start, so Ctrl-C kills them as it would. */
#ifndef EB_INTERRUPT_H
#define EB_INTERRUPT_H

#include <stdbool.h>

/* Installs the flag-setting handler, unless SIGINT was ignored at start
 * (a background job of a shell without job control keeps ignoring it). */
void eb_interrupt_install(void);
/* SIGINT arrived since eb_interrupt_install. */
bool eb_interrupted(void);
/* In a forked child: SIGINT does what it did before eb_interrupt_install. */
void eb_interrupt_restore_default(void);

#endif
