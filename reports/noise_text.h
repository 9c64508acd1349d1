/* noise_text.h - the lines the run's table prints under a result whose
 * noise raised a flag: the machine's speed changed during it (the
 * sentinel), or it ran faster on a repeated input (--audit cache). */
#ifndef EB_NOISE_TEXT_H
#define EB_NOISE_TEXT_H

#include <stdio.h>

#include "reports/record.h"

/* Writes each flag of r as one line, indented by indent spaces; nothing
 * when there is none. */
void eb_noise_table_lines(FILE *f, int indent, const eb_result *r);

#endif
