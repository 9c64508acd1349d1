/* noise_json.h - the JSON of a result's "noise" (reports/noise_record.h:
 * --pin, --cooldown, the environment checks, the sentinel, --audit cache,
 * and the flags they raise), written and read back: emit_json.c and
 * results_load.c call these, so that both directions stay in one file. */
#ifndef EB_NOISE_JSON_H
#define EB_NOISE_JSON_H

#include <cjson/cJSON.h>

#include "reports/record.h"

/* The flags a result's noise raises, by name (also the JSON's "flags"). */
#define EB_FLAG_SPEED_CHANGED "noise.machine_speed_changed"
#define EB_FLAG_CACHE "audit.cache_faster_on_repeats"

/* Adds "noise" to o. */
void eb_noise_json_add(cJSON *o, const eb_result *r);

/* Reads "noise" back into r->noise; absent (older files) leaves it zero:
 * not pinned, not checked, no sentinel, no audit. */
void eb_noise_json_load(const cJSON *o, eb_result *r);

#endif
