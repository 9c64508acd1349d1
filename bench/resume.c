/* resume.c - the records --resume keeps from an earlier run (see
 * resume.h).  A document is parsed whole; anything else is read line by
 * line, each line on its own, so one cut line costs only itself. */
#include "bench/resume.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/cli.h"
#include "models/onnx_tensor.h"
#include "reports/emit.h"
#include "reports/results_load.h"

/* FILE.jsonl next to FILE (FILE.json -> FILE.jsonl), "" when FILE is one. */
static void sibling_path(const char *path, char *buf, size_t n)
{
    size_t len = strlen(path);
    if (len > 6 && strcmp(path + len - 6, ".jsonl") == 0)
        buf[0] = '\0';
    else if (len > 5 && strcmp(path + len - 5, ".json") == 0)
        snprintf(buf, n, "%.*s.jsonl", (int)(len - 5), path);
    else
        snprintf(buf, n, "%s.jsonl", path);
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Takes record o (detached, owned) into rs when its status is kept; a
 * record of the same (model, variant) read before is replaced (or
 * dropped, when this one's status is not kept). */
static void keep(eb_resume *rs, cJSON *o, const char *where)
{
    const char *status = str_of(o, "status");
    if (strcmp(status, "ok") != 0 && strcmp(status, "unsupported") != 0) {
        /* a later record that did not finish well: the variant runs again,
         * even if an earlier file holds an ok one */
        eb_result *old = eb_resume_find(rs, str_of(o, "model_sha256"),
                                        str_of(cJSON_GetObjectItemCaseSensitive(o, "variant"), "spec"));
        if (old) {
            eb_result_free(old);
            *old = rs->kept[--rs->n];
        }
        cJSON_Delete(o);
        return;
    }
    /* what a JSON Lines record says about its run: written anew */
    static const char *const run_keys[] = {"schema_version", "run_start_time", "git_commit", "host", "environment"};
    for (size_t i = 0; i < sizeof run_keys / sizeof run_keys[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(o, run_keys[i]);
    eb_result r;
    eb_err err = {{0}};
    if (eb_result_from_json(o, where, &r, &err) != EB_OK) {
        eb_cli_error("warning: --resume: %s; that record runs again", err.msg);
        rs->n_skipped++;
        cJSON_Delete(o);
        return;
    }
    r.raw = o;
    eb_result *old = eb_resume_find(rs, r.model_sha256, r.variant.spec);
    if (old) {
        eb_result_free(old);
        *old = r;
        return;
    }
    eb_result *grown = realloc(rs->kept, (size_t)(rs->n + 1) * sizeof *grown);
    bool *taken = realloc(rs->taken, (size_t)(rs->n + 1) * sizeof *taken);
    if (grown)
        rs->kept = grown;
    if (taken)
        rs->taken = taken;
    if (!grown || !taken) {
        eb_result_free(&r);
        rs->n_skipped++;
        return;
    }
    rs->taken[rs->n] = false;
    rs->kept[rs->n++] = r;
}

static bool schema_ok(const cJSON *o)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "schema_version");
    return cJSON_IsNumber(v) && v->valueint == EB_SCHEMA_VERSION;
}

/* Reads one file into rs.  *found false when it is not there. */
static eb_status load_one(const char *path, eb_resume *rs, bool *found, eb_err *err)
{
    *found = false;
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return EB_OK;
    *found = true;
    void *buf;
    size_t len;
    eb_status st = eb_read_file(path, &buf, &len, err);
    if (st != EB_OK)
        return st;
    char *text = buf; /* NUL-terminated */
    cJSON *doc = cJSON_ParseWithLength(text, len);
    if (doc && cJSON_IsObject(doc) && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "results"))) {
        if (!schema_ok(doc)) {
            cJSON_Delete(doc);
            free(text);
            return eb_errf(err, EB_EFORMAT, "--resume %s: not an edgebench result file of schema %d", path,
                           EB_SCHEMA_VERSION);
        }
        cJSON *results = cJSON_GetObjectItemCaseSensitive(doc, "results");
        int i = 0;
        while (cJSON_GetArraySize(results) > 0) {
            char where[600];
            snprintf(where, sizeof where, "%s: results[%d]", path, i++);
            keep(rs, cJSON_DetachItemFromArray(results, 0), where);
        }
        cJSON_Delete(doc);
        free(text);
        return EB_OK;
    }
    cJSON_Delete(doc);
    int line_no = 0, good = 0, bad = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        line_no++;
        if (!*line)
            continue;
        cJSON *o = cJSON_Parse(line);
        if (!o || !cJSON_IsObject(o) || !schema_ok(o)) {
            /* the last line of a killed run may be cut short */
            eb_cli_error("warning: --resume %s:%d: not a complete result record; skipped", path, line_no);
            cJSON_Delete(o);
            bad++;
            continue;
        }
        char where[600];
        snprintf(where, sizeof where, "%s:%d", path, line_no);
        keep(rs, o, where);
        good++;
    }
    free(text);
    rs->n_skipped += bad;
    if (good == 0 && bad > 0)
        return eb_errf(err, EB_EFORMAT, "--resume %s: no result record in it", path);
    return EB_OK;
}

eb_status eb_resume_load(const char *path, eb_resume *rs, eb_err *err)
{
    memset(rs, 0, sizeof *rs);
    char sibling[4200];
    sibling_path(path, sibling, sizeof sibling);
    bool found = false, found_sibling = false;
    size_t len = strlen(path);
    /* -o X.csv or X.md: only X.csv.jsonl holds records that can be read back */
    bool table = (len > 4 && strcmp(path + len - 4, ".csv") == 0) || (len > 3 && strcmp(path + len - 3, ".md") == 0);
    eb_status st = table ? EB_OK : load_one(path, rs, &found, err);
    if (st == EB_OK && *sibling)
        st = load_one(sibling, rs, &found_sibling, err); /* written as variants finished: it wins */
    if (st != EB_OK) {
        eb_resume_free(rs);
        return st;
    }
    if (!found && !found_sibling)
        eb_cli_error("warning: --resume %s: not there%s%s%s; every variant runs", path, *sibling ? " (nor " : "",
                     sibling, *sibling ? ")" : "");
    return EB_OK;
}

eb_result *eb_resume_find(eb_resume *rs, const char *sha256, const char *spec)
{
    for (int i = 0; i < rs->n; i++)
        if (!rs->taken[i] && strcmp(rs->kept[i].model_sha256, sha256) == 0 && strcmp(rs->kept[i].variant.spec, spec) == 0)
            return &rs->kept[i];
    return NULL;
}

void eb_resume_take(eb_resume *rs, eb_result *r, eb_result *out)
{
    *out = *r;
    memset(r, 0, sizeof *r); /* nothing left to free here */
    rs->taken[r - rs->kept] = true;
}

int eb_resume_untaken(const eb_resume *rs)
{
    int n = 0;
    for (int i = 0; i < rs->n; i++)
        n += !rs->taken[i];
    return n;
}

eb_status eb_resume_plan(const char *path, const char *const *sha256, int n_models, const eb_variant_list *vl,
                         eb_resume *rs, eb_result ***kept, eb_err *err)
{
    *kept = NULL;
    eb_status st = eb_resume_load(path, rs, err);
    if (st != EB_OK)
        return st;
    if (!(*kept = calloc((size_t)n_models * (size_t)vl->n + 1, sizeof **kept)))
        return eb_errf(err, EB_ENOMEM, "out of memory");
    int n_kept = 0;
    for (int m = 0; m < n_models; m++)
        for (int i = 0; sha256[m] && i < vl->n; i++) {
            eb_result *r = eb_resume_find(rs, sha256[m], vl->items[i].spec);
            if (r) {
                rs->taken[r - rs->kept] = true; /* a model listed twice: one record each */
                (*kept)[m * vl->n + i] = r;
                n_kept++;
            }
        }
    for (int k = 0; k < rs->n; k++) /* eb_resume_take marks them again as they are recorded */
        rs->taken[k] = false;
    int others = rs->n - n_kept;
    eb_cli_error("--resume %s: %d variant%s kept (ok or unsupported), %d to run%s", path, n_kept, n_kept == 1 ? "" : "s",
                 n_models * vl->n - n_kept, others > 0 ? "; records of other models or variants dropped" : "");
    return EB_OK;
}

void eb_resume_free(eb_resume *rs)
{
    for (int i = 0; i < rs->n; i++)
        eb_result_free(&rs->kept[i]);
    free(rs->kept);
    free(rs->taken);
    memset(rs, 0, sizeof *rs);
}
