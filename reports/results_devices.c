/* results_devices.c - a merged result set's device as a set of its own
 * (results_devices.h), from the document's devices[d] entry. */
#include "reports/results_devices.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static void str(char *dst, size_t n, const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

eb_status eb_results_device_view(const eb_result_set *s, int d, eb_result_set *view, eb_err *err)
{
    memset(view, 0, sizeof *view);
    const cJSON *dev = cJSON_GetArrayItem(get(s->doc, "devices"), d);
    if (!dev)
        return eb_errf(err, EB_EINVAL, "%s: no device %d", s->path, d);
    char id[96];
    str(id, sizeof id, dev, "id");
    snprintf(view->path, sizeof view->path, "%s", s->path);
    str(view->start_time, sizeof view->start_time, get(dev, "run"), "start_time");
    str(view->git_commit, sizeof view->git_commit, get(dev, "tool"), "git_commit");
    str(view->tool_version, sizeof view->tool_version, get(dev, "tool"), "version");
    snprintf(view->host, sizeof view->host, "%s", id);
    str(view->cpu, sizeof view->cpu, get(get(dev, "device"), "cpu"), "brand");
    const cJSON *cv = get(get(get(dev, "run"), "settings"), "cv_threshold");
    view->cv_threshold = cJSON_IsNumber(cv) ? cv->valuedouble : 0.05;
    view->results = malloc((size_t)(s->n > 0 ? s->n : 1) * sizeof *view->results);
    if (!view->results)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory", s->path);
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->results[i].device_id, id) == 0)
            view->results[view->n++] = s->results[i]; /* borrowed: the samples stay s's */
    return EB_OK;
}

void eb_results_device_view_free(eb_result_set *view)
{
    free(view->results);
    view->results = NULL;
    view->n = 0;
}
