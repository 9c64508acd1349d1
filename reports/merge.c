/* merge.c - per-device result documents into one (reports/merge.h), with
 * cJSON: each input's provenance goes into devices[], its results into
 * results[] tagged with the device id, its models into models[] once. */
#include "reports/merge.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/onnx_tensor.h"
#include "models/zoo.h"
#include "reports/emit.h"

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *str_or(const cJSON *o, const char *k, const char *def)
{
    const cJSON *v = get(o, k);
    return cJSON_IsString(v) ? v->valuestring : def;
}

static int id_char_ok(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
}

int eb_merge_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!id_char_ok(name[i]))
            return 0;
    return 1;
}

void eb_merge_device_id(const cJSON *device, char out[EB_DEVICE_ID_MAX])
{
    const cJSON *cpu = get(device, "cpu"), *mem = get(device, "memory"), *total = get(mem, "total_bytes");
    char key[512], hex[65];
    /* what one machine keeps from run to run: not its kernel, load or governor */
    int k = snprintf(key, sizeof key, "%s|%s|%s|%.0f", str_or(cpu, "arch", ""), str_or(cpu, "vendor", ""),
                     str_or(cpu, "brand", ""), cJSON_IsNumber(total) ? total->valuedouble : 0.0);
    eb_sha256_hex(key, k < (int)sizeof key ? (size_t)k : sizeof key - 1, hex);
    const char *host = str_or(device, "hostname", "");
    char h[64];
    snprintf(h, sizeof h, "%s", *host ? host : "unknown");
    for (char *c = h; *c; c++)
        if (!id_char_ok(*c))
            *c = '_';
    snprintf(out, EB_DEVICE_ID_MAX, "%s-%.8s", h, hex);
}

static cJSON *dup(const cJSON *o)
{
    return o ? cJSON_Duplicate(o, 1) : cJSON_CreateNull();
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Checks that doc is a single-device result document of this schema. */
static eb_status check_input(const char *path, const cJSON *doc, const cJSON *first, const char *first_path,
                             eb_err *err)
{
    if (!cJSON_IsObject(doc))
        return eb_errf(err, EB_EFORMAT, "%s: not an edgebench result document (merge reads what run -o FILE.json writes)",
                       path);
    const cJSON *v = get(doc, "schema_version");
    if (get(doc, "run_start_time") && !get(doc, "results"))
        return eb_errf(err, EB_EFORMAT,
                       "%s: a JSON Lines result record; merge reads the document run -o FILE.json writes", path);
    if (!cJSON_IsNumber(v) || !cJSON_IsArray(get(doc, "results")))
        return eb_errf(err, EB_EFORMAT, "%s: no schema_version or no results array: not an edgebench result document",
                       path);
    if (get(doc, "devices"))
        return eb_errf(err, EB_EFORMAT, "%s: already a merged document; merge the per-device files it came from",
                       path);
    if (!cJSON_IsObject(get(doc, "device")) || !cJSON_IsObject(get(doc, "run")))
        return eb_errf(err, EB_EFORMAT, "%s: no device or run object: not an edgebench result document", path);
    if (first) {
        const cJSON *fv = get(first, "schema_version");
        if (fv->valueint != v->valueint)
            return eb_errf(err, EB_EFORMAT, "%s: schema_version %d, but %s has %d: results of different schemas are not merged",
                           path, v->valueint, first_path, fv->valueint);
    }
    if (v->valueint != EB_SCHEMA_VERSION)
        return eb_errf(err, EB_EFORMAT, "%s: schema_version %d, this edgebench reads %d", path, v->valueint,
                       EB_SCHEMA_VERSION);
    return EB_OK;
}

static bool same_model(const cJSON *a, const cJSON *b)
{
    return strcmp(str_or(a, "name", ""), str_or(b, "name", "")) == 0 &&
           strcmp(str_or(a, "sha256", ""), str_or(b, "sha256", "")) == 0;
}

static eb_status add_models(cJSON *models, const cJSON *doc, eb_err *err)
{
    const cJSON *m, *have;
    cJSON_ArrayForEach(m, get(doc, "models"))
    {
        bool found = false;
        cJSON_ArrayForEach(have, models) found = found || same_model(m, have);
        if (!found && !cJSON_AddItemToArray(models, cJSON_Duplicate(m, 1)))
            return eb_errf(err, EB_ENOMEM, "merge: out of memory");
    }
    return EB_OK;
}

static cJSON *device_entry(const eb_merge_input *in, const cJSON *doc, const char *sha256, const char *id)
{
    cJSON *e = cJSON_CreateObject(), *src;
    const cJSON *dev = get(doc, "device");
    bool ok = e && cJSON_AddStringToObject(e, "id", id) &&
              (in->name ? cJSON_AddStringToObject(e, "name", in->name) : cJSON_AddNullToObject(e, "name")) &&
              cJSON_AddStringToObject(e, "host", str_or(dev, "hostname", "")) &&
              (src = cJSON_AddObjectToObject(e, "source")) && cJSON_AddStringToObject(src, "file", base_name(in->path)) &&
              cJSON_AddStringToObject(src, "sha256", sha256) && cJSON_AddItemToObject(e, "tool", dup(get(doc, "tool"))) &&
              cJSON_AddItemToObject(e, "run", dup(get(doc, "run"))) && cJSON_AddItemToObject(e, "device", dup(dev));
    if (!ok) {
        cJSON_Delete(e);
        return NULL;
    }
    return e;
}

static cJSON *merge_json(const eb_merge_info *info)
{
    cJSON *m = cJSON_CreateObject(), *tool, *cl;
    bool ok = m && (tool = cJSON_AddObjectToObject(m, "tool")) && cJSON_AddStringToObject(tool, "name", "edgebench") &&
              cJSON_AddStringToObject(tool, "version", info->tool_version) &&
              cJSON_AddStringToObject(tool, "git_commit", info->git_commit) &&
              cJSON_AddStringToObject(m, "time", info->time) && (cl = cJSON_AddArrayToObject(m, "command_line"));
    for (int i = 0; ok && i < info->argc; i++)
        ok = cJSON_AddItemToArray(cl, cJSON_CreateString(info->argv[i]));
    if (!ok) {
        cJSON_Delete(m);
        return NULL;
    }
    return m;
}

eb_status eb_merge_docs(const eb_merge_input *in, const cJSON *const *docs, char (*sha256)[65], int n,
                        const eb_merge_info *info, cJSON **out, eb_err *err)
{
    *out = NULL;
    if (n < 1)
        return eb_errf(err, EB_EINVAL, "merge: no input files");
    char(*ids)[EB_DEVICE_ID_MAX] = calloc((size_t)n, sizeof *ids);
    cJSON *doc = cJSON_CreateObject(), *devices = NULL, *models = NULL, *results = NULL;
    eb_status st = EB_OK;
    if (!ids || !doc || !cJSON_AddNumberToObject(doc, "schema_version", EB_SCHEMA_VERSION) ||
        !cJSON_AddItemToObject(doc, "merge", merge_json(info)) || !(devices = cJSON_AddArrayToObject(doc, "devices")) ||
        !(models = cJSON_AddArrayToObject(doc, "models")) || !(results = cJSON_AddArrayToObject(doc, "results"))) {
        st = eb_errf(err, EB_ENOMEM, "merge: out of memory");
        goto out;
    }
    for (int i = 0; i < n && st == EB_OK; i++) {
        if ((st = check_input(in[i].path, docs[i], i ? docs[0] : NULL, in[0].path, err)) != EB_OK)
            break;
        if (in[i].name)
            snprintf(ids[i], sizeof ids[i], "%s", in[i].name);
        else
            eb_merge_device_id(get(docs[i], "device"), ids[i]);
        for (int j = 0; j < i; j++)
            if (strcmp(ids[i], ids[j]) == 0) {
                st = eb_errf(err, EB_EINVAL,
                             in[i].name ? "%s and %s: both named %s; give each file its own name (--name FILE=NAME)"
                                        : "%s and %s: the same device (%s) twice; if they are different runs or "
                                          "devices, name them (--name FILE=NAME)",
                             in[j].path, in[i].path, ids[i]);
                goto out;
            }
        cJSON *e = device_entry(&in[i], docs[i], sha256[i], ids[i]);
        if (!e || !cJSON_AddItemToArray(devices, e)) {
            st = eb_errf(err, EB_ENOMEM, "merge: out of memory");
            break;
        }
        if ((st = add_models(models, docs[i], err)) != EB_OK)
            break;
        const cJSON *r;
        cJSON_ArrayForEach(r, get(docs[i], "results"))
        {
            if (!cJSON_IsObject(r)) {
                st = eb_errf(err, EB_EFORMAT, "%s: a result that is not an object", in[i].path);
                break;
            }
            if (get(r, "device_id")) {
                st = eb_errf(err, EB_EFORMAT, "%s: its results carry device ids already: a merged document", in[i].path);
                break;
            }
            cJSON *c = cJSON_Duplicate(r, 1);
            if (!c || !cJSON_AddStringToObject(c, "device_id", ids[i]) || !cJSON_AddItemToArray(results, c)) {
                cJSON_Delete(c);
                st = eb_errf(err, EB_ENOMEM, "merge: out of memory");
                break;
            }
        }
    }
out:
    free(ids);
    if (st != EB_OK)
        cJSON_Delete(doc);
    else
        *out = doc;
    return st;
}

eb_status eb_merge_files(const eb_merge_input *in, int n, const eb_merge_info *info, cJSON **out, eb_err *err)
{
    *out = NULL;
    cJSON **docs = calloc((size_t)(n > 0 ? n : 1), sizeof *docs);
    char(*sha)[65] = calloc((size_t)(n > 0 ? n : 1), sizeof *sha);
    eb_status st = docs && sha ? EB_OK : eb_errf(err, EB_ENOMEM, "merge: out of memory");
    for (int i = 0; i < n && st == EB_OK; i++) {
        void *buf;
        size_t len;
        if ((st = eb_read_file(in[i].path, &buf, &len, err)) != EB_OK) {
            if (st != EB_ENOMEM) /* missing, unreadable: bad input, not the machine */
                st = EB_EINVAL;
            break;
        }
        eb_sha256_hex(buf, len, sha[i]);
        docs[i] = cJSON_ParseWithLength(buf, len);
        free(buf);
        if (!docs[i])
            st = eb_errf(err, EB_EFORMAT,
                         "%s: not one JSON document (merge reads what run -o FILE.json writes, not JSON Lines)",
                         in[i].path);
    }
    if (st == EB_OK)
        st = eb_merge_docs(in, (const cJSON *const *)docs, sha, n, info, out, err);
    for (int i = 0; docs && i < n; i++)
        cJSON_Delete(docs[i]);
    free(docs);
    free(sha);
    return st;
}
