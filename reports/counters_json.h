/* counters_json.h - the JSON of a result's "counters" (software events,
 * preemption, hardware counters), "frequency", "thermal" and "roofline",
 * written and read back: emit_json.c and results_load.c call these, so
 * that both directions stay in one file. */
#ifndef EB_COUNTERS_JSON_H
#define EB_COUNTERS_JSON_H

#include <cjson/cJSON.h>

#include "reports/record.h"

/* Adds "counters", "frequency", "thermal" and "roofline" to o.  A result
 * that did not complete its timed runs has each unavailable, saying so. */
void eb_counters_json_add(cJSON *o, const eb_result *r);

/* Reads them back into r (what report and compare use: the preempted
 * count, the hardware totals, the frequency summary, the roofline);
 * absent (older files) leaves them unavailable with the reason. */
void eb_counters_json_load(const cJSON *o, eb_result *r);

#endif
