/* energy_info.h - `edgebench info`'s energy part (energy_info.c): the
 * meter sources and the estimators, each with its status and reason. */
#ifndef EB_ENERGY_INFO_H
#define EB_ENERGY_INFO_H

#include <stdio.h>

#include <cjson/cJSON.h>

/* {"available", "reason"?, "meters": [{source, available, reads|reason}],
 *  "estimates": [{method, applies, reason}]} */
cJSON *eb_energy_info_json(void);
/* "energy meters:" and "energy estimates:" lines, one per source/method */
void eb_energy_info_print(FILE *f);

#endif
