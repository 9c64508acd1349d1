/* zoo.c - the zoo manifest and model references ("zoo:NAME" or a path). */
#include "models/zoo.h"

#include <cjson/cJSON.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/onnx_tensor.h"

#define MAX_ENTRIES 32

void eb_sha256_hex(const void *buf, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    if (!EVP_Digest(buf, len, md, &md_len, EVP_sha256(), NULL) || md_len != 32) {
        snprintf(out, 65, "unavailable");
        return;
    }
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void copy_str(char *dst, size_t n, const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static double get_num(const cJSON *o, const char *key, double def)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static bool parse_entry(const cJSON *m, eb_zoo_entry *e)
{
    memset(e, 0, sizeof *e);
    copy_str(e->name, sizeof e->name, m, "name");
    copy_str(e->file, sizeof e->file, m, "file");
    copy_str(e->sha256, sizeof e->sha256, m, "sha256");
    copy_str(e->task, sizeof e->task, m, "task");
    copy_str(e->metric, sizeof e->metric, m, "metric");
    e->pytorch_accuracy = get_num(m, "pytorch_accuracy", -1);
    const cJSON *ds = cJSON_GetObjectItemCaseSensitive(m, "dataset");
    copy_str(e->dataset, sizeof e->dataset, ds, "name");
    copy_str(e->debian_package, sizeof e->debian_package, ds, "debian_package");
    copy_str(e->test_images, sizeof e->test_images, ds, "test_images");
    copy_str(e->test_labels, sizeof e->test_labels, ds, "test_labels");
    e->test_count = (int)get_num(ds, "test_count", 0);
    const cJSON *in = cJSON_GetObjectItemCaseSensitive(m, "input");
    copy_str(e->layout, sizeof e->layout, in, "layout");
    e->pre.mean = (float)get_num(in, "mean", 0);
    e->pre.std = (float)get_num(in, "std", 0);
    e->pre.flatten = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "flatten"));
    const cJSON *kd = cJSON_GetObjectItemCaseSensitive(m, "distilled");
    copy_str(e->teacher, sizeof e->teacher, kd, "teacher");
    e->kd_temperature = get_num(kd, "temperature", 0);
    e->kd_alpha = get_num(kd, "alpha", 0);
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(m, "labels"), *l;
    cJSON_ArrayForEach(l, labels)
    {
        if (cJSON_IsString(l) && e->n_labels < 16)
            snprintf(e->labels[e->n_labels++], sizeof e->labels[0], "%s", l->valuestring);
    }
    e->context = (int)get_num(in, "context", 0);
    e->pytorch_perplexity = get_num(m, "pytorch_perplexity", -1);
    e->pytorch_perplexity_16 = get_num(m, "pytorch_perplexity_16", -1);
    if (strcmp(e->task, "text-generation") == 0) /* no images: a corpus, a context */
        return *e->name && *e->file && strlen(e->sha256) == 64 && e->context > 0;
    return *e->name && *e->file && strlen(e->sha256) == 64 && e->pre.std > 0 && e->test_count > 0;
}

int eb_zoo_entries(const eb_zoo_entry **entries, eb_err *err)
{
    static eb_zoo_entry table[MAX_ENTRIES];
    static int count = -1;
    static char why[256];
    if (count < 0) {
        size_t len;
        const char *text = eb_zoo_manifest_text(&len);
        cJSON *doc = cJSON_ParseWithLength(text, len);
        const cJSON *models = cJSON_GetObjectItemCaseSensitive(doc, "models"), *m;
        count = 0;
        if (!cJSON_IsArray(models))
            snprintf(why, sizeof why, "the embedded zoo manifest has no \"models\" array");
        cJSON_ArrayForEach(m, models)
        {
            if (count == MAX_ENTRIES || !parse_entry(m, &table[count])) {
                snprintf(why, sizeof why, "zoo manifest entry %d is incomplete", count);
                count = 0;
                break;
            }
            count++;
        }
        cJSON_Delete(doc);
        if (*why)
            count = -2; /* remember the failure */
    }
    if (count < 0) {
        eb_errf(err, EB_EFORMAT, "%s", why);
        return -1;
    }
    *entries = table;
    return count;
}

const eb_zoo_entry *eb_zoo_find(const char *key)
{
    const eb_zoo_entry *e;
    int n = eb_zoo_entries(&e, NULL);
    for (int i = 0; i < n; i++)
        if (strcmp(e[i].name, key) == 0 || strcmp(e[i].sha256, key) == 0)
            return &e[i];
    return NULL;
}

const eb_zoo_entry *eb_zoo_find_dataset(const char *key)
{
    const eb_zoo_entry *e = eb_zoo_find(key);
    return e && e->test_count > 0 ? e : NULL;
}

eb_status eb_model_read(const char *ref, void **buf, size_t *len, char sha256[65], eb_err *err)
{
    if (strncmp(ref, "zoo:", 4) == 0) {
        const eb_zoo_entry *e = eb_zoo_find(ref + 4);
        for (int i = 0; e && i < eb_zoo_n_files; i++) {
            if (strcmp(eb_zoo_files[i].file, e->file) != 0)
                continue;
            *len = eb_zoo_file_size(i);
            if (!(*buf = malloc(*len)))
                return eb_errf(err, EB_ENOMEM, "%s: out of memory", ref);
            memcpy(*buf, eb_zoo_files[i].data, *len);
            eb_sha256_hex(*buf, *len, sha256);
            return EB_OK;
        }
        const eb_zoo_entry *all;
        int n = eb_zoo_entries(&all, NULL);
        char names[256] = "";
        for (int i = 0, off = 0; i < n && off < (int)sizeof names; i++)
            off += snprintf(names + off, sizeof names - (size_t)off, "%s%s", i ? ", " : "", all[i].name);
        return eb_errf(err, EB_EINVAL, "%s: no such model in the zoo (models: %s)", ref, names);
    }
    eb_status st = eb_read_file(ref, buf, len, err);
    if (st == EB_OK)
        eb_sha256_hex(*buf, *len, sha256);
    return st;
}

eb_status eb_model_load(const char *ref, eb_graph **g, char sha256[65], eb_err *err)
{
    void *buf;
    size_t len;
    char sha[65];
    *g = NULL;
    eb_status st = eb_model_read(ref, &buf, &len, sha256 ? sha256 : sha, err);
    if (st != EB_OK)
        return st;
    char *tmp = strdup(ref);
    bool embedded = strncmp(ref, "zoo:", 4) == 0;
    st = tmp ? eb_graph_load_buffer(buf, len, ref, embedded ? NULL : dirname(tmp), g, err)
             : eb_errf(err, EB_ENOMEM, "%s: out of memory", ref);
    free(tmp);
    free(buf);
    return st;
}
