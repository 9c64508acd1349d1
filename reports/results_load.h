/* results_load.h - reading result files back: a JSON document of schema 1
 * (`edgebench run -o FILE`) or JSON Lines (one result per line), into the
 * same eb_result records the harness produced, for report, compare and
 * history.  Bad files get a message naming the file and the problem. */
#ifndef EB_RESULTS_LOAD_H
#define EB_RESULTS_LOAD_H

#include "reports/record.h"

struct cJSON;

typedef struct eb_result_set {
    char path[512];
    char start_time[32];     /* run.start_time (or the first line's run_start_time) */
    char git_commit[64];
    char tool_version[32];
    char host[64];
    char cpu[160];           /* device.cpu.brand */
    int n_devices;           /* a merged document's devices (reports/merge.h), else 0 */
    double cv_threshold;     /* run.settings.cv_threshold, 0.05 when absent */
    eb_result *results;      /* n records, each owning its samples */
    int n;
    struct cJSON *doc;       /* the parsed document (NULL for JSON Lines) for anything else */
} eb_result_set;

/* Loads path (format detected from its first character: '{' then a
 * document unless every line is an object of its own).  Fails with
 * EB_EFORMAT on malformed JSON, a missing or unknown schema_version, or a
 * result without model/variant/status. */
eb_status eb_results_load(const char *path, eb_result_set *out, eb_err *err);
void eb_results_free(eb_result_set *s);

/* One result object (of a document's results, or a JSON Lines record) into
 * *r, as eb_results_load reads each; nothing to free on failure. */
eb_status eb_result_from_json(const struct cJSON *o, const char *where, eb_result *r, eb_err *err);

#endif
