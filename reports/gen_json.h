/* gen_json.h - the "generate" object of a result (reports/gen_record.h),
 * as results-schema.json describes it. */
#ifndef EB_GEN_JSON_H
#define EB_GEN_JSON_H

#include "reports/gen_record.h"

struct cJSON;
/* The object; the caller owns it.  NULL on OOM. */
struct cJSON *eb_gen_json(const eb_gen_record *g);

#endif
