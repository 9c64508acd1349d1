/* layers_json.h - the JSON of --layers ("layer_drift") and --sensitivity
 * ("sensitivity") in a result, written and read back: emit_json.c and
 * results_load.c call these, so that both directions stay in one file. */
#ifndef EB_LAYERS_JSON_H
#define EB_LAYERS_JSON_H

#include <cjson/cJSON.h>

#include "models/status.h"
#include "reports/record.h"

/* null when the option was off. */
cJSON *eb_layer_drift_json(const eb_layer_drift *ld);
cJSON *eb_sensitivity_json(const eb_sensitivity *s);

/* Reads o's "layer_drift" and "sensitivity" into r (arrays owned by r);
 * absent or null leaves them off.  EB_ENOMEM only. */
eb_status eb_layers_json_load(const cJSON *o, eb_result *r, eb_err *err);

/* The suggested skip set as a variant key a user can paste
 * ("quant-skip=A|B"), "" when there is none. */
void eb_sensitivity_paste(const eb_sensitivity *s, char *buf, size_t n);

#endif
