/* layers_json.c - "layer_drift" and "sensitivity" to and from JSON (see
 * layers_json.h; results-schema.json describes both). */
#include "reports/json_num.h"
#include "reports/json_out.h"
#include "reports/layers_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_GetObjectItemCaseSensitive(o, k);
}

static double get_num(const cJSON *o, const char *k, double def)
{
    const cJSON *v = get(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : cJSON_IsNull(v) ? NAN : def;
}

static void get_str(char *dst, size_t n, const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

void eb_sensitivity_paste(const eb_sensitivity *s, char *buf, size_t n)
{
    if (s->skip[0])
        snprintf(buf, n, "%s=%s", s->skip_key[0] ? s->skip_key : "quant-skip", s->skip);
    else if (n)
        buf[0] = '\0';
}

cJSON *eb_layer_drift_json(const eb_layer_drift *ld)
{
    if (!ld->requested)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "available", ld->available);
    if (!ld->available)
        cJSON_AddStringToObject(o, "reason", ld->reason);
    cJSON_AddItemToObject(o, "threshold", eb_json_num(ld->threshold));
    cJSON_AddStringToObject(o, "compared_with", "the uncompressed fp32 graph, both on the reference kernels, "
                                                "on the first input batch");
    if (ld->available && ld->first_over >= 0 && ld->first_over < ld->n_values) {
        const eb_layer_drift_value *v = &ld->values[ld->first_over];
        cJSON *f = cJSON_AddObjectToObject(o, "first_over");
        cJSON_AddNumberToObject(f, "index", v->node_index);
        cJSON_AddStringToObject(f, "node", v->node);
        cJSON_AddStringToObject(f, "op", v->op);
        cJSON_AddStringToObject(f, "output", v->output);
        cJSON_AddItemToObject(f, "rel_l2", eb_json_num(v->rel_l2));
    } else {
        cJSON_AddNullToObject(o, "first_over");
    }
    cJSON *vals = cJSON_AddArrayToObject(o, "values");
    for (int i = 0; i < ld->n_values; i++) {
        const eb_layer_drift_value *v = &ld->values[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "index", v->node_index);
        cJSON_AddStringToObject(j, "node", v->node);
        cJSON_AddStringToObject(j, "op", v->op);
        cJSON_AddStringToObject(j, "output", v->output);
        cJSON_AddBoolToObject(j, "compared", v->compared);
        if (v->compared) {
            cJSON_AddItemToObject(j, "rel_l2", eb_json_num(v->rel_l2));
            cJSON_AddItemToObject(j, "cosine", eb_json_num(v->cosine));
        } else {
            cJSON_AddNullToObject(j, "rel_l2");
            cJSON_AddNullToObject(j, "cosine");
            cJSON_AddStringToObject(j, "reason", v->reason);
        }
        cJSON_AddItemToArray(vals, j);
    }
    return o;
}

cJSON *eb_sensitivity_json(const eb_sensitivity *s)
{
    if (!s->requested)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "available", s->available);
    if (!s->available)
        cJSON_AddStringToObject(o, "reason", s->reason);
    cJSON_AddStringToObject(o, "cost_metric", s->metric);
    cJSON_AddNumberToObject(o, "eval_images", (double)s->eval_images);
    if (strcmp(s->metric, "top1_delta") == 0 && s->available)
        cJSON_AddItemToObject(o, "baseline_top1", eb_json_num(s->baseline));
    else
        cJSON_AddNullToObject(o, "baseline_top1");
    cJSON_AddStringToObject(o, "rule", s->rule);
    cJSON_AddStringToObject(o, "skip_key", s->skip_key);
    cJSON_AddStringToObject(o, "suggested_skip", s->skip);
    cJSON *layers = cJSON_AddArrayToObject(o, "layers");
    for (int i = 0; i < s->n_layers; i++) {
        const eb_layer_cost *c = &s->layers[i];
        cJSON *j = cJSON_CreateObject();
        cJSON_AddNumberToObject(j, "rank", i + 1);
        cJSON_AddStringToObject(j, "node", c->node);
        cJSON_AddStringToObject(j, "op", c->op);
        cJSON_AddStringToObject(j, "cost_metric", c->metric);
        cJSON_AddItemToObject(j, "value", eb_json_num(c->value));
        cJSON_AddItemToArray(layers, j);
    }
    return o;
}

static eb_status load_layer_drift(const cJSON *j, eb_layer_drift *ld, eb_err *err)
{
    if (!cJSON_IsObject(j))
        return EB_OK;
    ld->requested = true;
    ld->available = cJSON_IsTrue(get(j, "available"));
    get_str(ld->reason, sizeof ld->reason, j, "reason");
    ld->threshold = get_num(j, "threshold", NAN);
    ld->first_over = -1;
    const cJSON *vals = get(j, "values"), *v;
    int count = cJSON_GetArraySize(vals);
    if (count > 0 && !(ld->values = calloc((size_t)count, sizeof *ld->values)))
        return eb_errf(err, EB_ENOMEM, "out of memory for the layer drift");
    const cJSON *first = get(j, "first_over");
    cJSON_ArrayForEach(v, vals)
    {
        eb_layer_drift_value *d = &ld->values[ld->n_values];
        d->node_index = eb_json_int(get_num(v, "index", 0), 0);
        get_str(d->node, sizeof d->node, v, "node");
        get_str(d->op, sizeof d->op, v, "op");
        get_str(d->output, sizeof d->output, v, "output");
        d->compared = cJSON_IsTrue(get(v, "compared"));
        get_str(d->reason, sizeof d->reason, v, "reason");
        d->rel_l2 = get_num(v, "rel_l2", NAN);
        d->cosine = get_num(v, "cosine", NAN);
        if (ld->first_over < 0 && cJSON_IsObject(first) && cJSON_IsString(get(first, "output")) &&
            strcmp(get(first, "output")->valuestring, d->output) == 0)
            ld->first_over = ld->n_values;
        ld->n_values++;
    }
    return EB_OK;
}

static eb_status load_sensitivity(const cJSON *j, eb_sensitivity *s, eb_err *err)
{
    if (!cJSON_IsObject(j))
        return EB_OK;
    s->requested = true;
    s->available = cJSON_IsTrue(get(j, "available"));
    get_str(s->reason, sizeof s->reason, j, "reason");
    get_str(s->metric, sizeof s->metric, j, "cost_metric");
    s->eval_images = eb_json_i64(get_num(j, "eval_images", 0), 0);
    s->baseline = get_num(j, "baseline_top1", NAN);
    get_str(s->rule, sizeof s->rule, j, "rule");
    get_str(s->skip_key, sizeof s->skip_key, j, "skip_key");
    get_str(s->skip, sizeof s->skip, j, "suggested_skip");
    const cJSON *layers = get(j, "layers"), *v;
    int count = cJSON_GetArraySize(layers);
    if (count > 0 && !(s->layers = calloc((size_t)count, sizeof *s->layers)))
        return eb_errf(err, EB_ENOMEM, "out of memory for the sensitivity");
    cJSON_ArrayForEach(v, layers)
    {
        eb_layer_cost *c = &s->layers[s->n_layers++];
        get_str(c->node, sizeof c->node, v, "node");
        get_str(c->op, sizeof c->op, v, "op");
        get_str(c->metric, sizeof c->metric, v, "cost_metric");
        c->value = get_num(v, "value", NAN);
    }
    return EB_OK;
}

eb_status eb_layers_json_load(const cJSON *o, eb_result *r, eb_err *err)
{
    eb_status st = load_layer_drift(get(o, "layer_drift"), &r->layer_drift, err);
    return st != EB_OK ? st : load_sensitivity(get(o, "sensitivity"), &r->sensitivity, err);
}
