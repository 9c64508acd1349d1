/* json_out.h - a measured figure into a JSON document: the number, or null
 * where it is not finite (NaN is how a record says "not measured", and
 * JSON has neither NaN nor infinity).  One definition for every writer. */
#ifndef EB_JSON_OUT_H
#define EB_JSON_OUT_H

#include <cjson/cJSON.h>
#include <math.h>

static inline cJSON *eb_json_num(double v)
{
    return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

static inline void eb_json_add_num(cJSON *o, const char *k, double v)
{
    cJSON_AddItemToObject(o, k, eb_json_num(v));
}

#endif
