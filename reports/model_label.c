/* model_label.c - model identity and labels that tell equal names apart
 * (see model_label.h). */
#include "reports/model_label.h"

#include <stdio.h>
#include <string.h>

bool eb_same_model(const eb_result *a, const eb_result *b)
{
    if (strcmp(a->model_name, b->model_name) != 0)
        return false;
    if (*a->model_sha256 && *b->model_sha256)
        return strcmp(a->model_sha256, b->model_sha256) == 0;
    return strcmp(a->model, b->model) == 0;
}

/* The folder above the one the name came from: "a" for "x/a/net.onnx",
 * and for "x/a/net/model.onnx" (named after its folder) too; "" when the
 * path has none. */
static void parent_folder(const eb_result *r, char *buf, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s", r->model);
    buf[0] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(path, '/');
        if (!slash)
            return;
        *slash = '\0';
        const char *last = strrchr(path, '/');
        last = last ? last + 1 : path;
        if (strcmp(last, r->model_name) != 0) {
            snprintf(buf, n, "%s", last);
            return;
        }
    }
}

void eb_model_label(const eb_result *r, const eb_result_set *const *sets, int n_sets, char *buf, size_t len)
{
    bool shared = false, parent_tells = true;
    char mine[256], theirs[256];
    parent_folder(r, mine, sizeof mine);
    for (int s = 0; s < n_sets; s++)
        for (int i = 0; i < sets[s]->n; i++) {
            const eb_result *o = &sets[s]->results[i];
            /* the same path with another digest is the same model, changed
             * (compare pairs it as such): not another model to tell apart */
            if (strcmp(o->model_name, r->model_name) != 0 || eb_same_model(o, r) || strcmp(o->model, r->model) == 0)
                continue;
            shared = true;
            parent_folder(o, theirs, sizeof theirs);
            if (!*mine || strcmp(mine, theirs) == 0)
                parent_tells = false;
        }
    if (!shared)
        snprintf(buf, len, "%s", r->model_name);
    else if (parent_tells)
        snprintf(buf, len, "%s/%s", mine, r->model_name);
    else
        snprintf(buf, len, "%s@%.8s", r->model_name, *r->model_sha256 ? r->model_sha256 : "unknown");
}
