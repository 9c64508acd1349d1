/* kv_cache.c - recognising a decoder's token input, logits and KV-cache
 * tensors by name (see kv_cache.h for the convention). */
#include "bench/kv_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "PREFIX.N.key" / "PREFIX.N.value": layer N and 0 (key) or 1 (value); -1
 * when name does not follow it. */
static int cache_slot(const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || name[n] != '.')
        return -1;
    char *end;
    long layer = strtol(name + n + 1, &end, 10);
    if (end == name + n + 1 || layer < 0 || layer >= EB_KV_MAX_TENSORS / 2 || *end != '.')
        return -1;
    if (strcmp(end, ".key") == 0)
        return (int)layer * 2;
    if (strcmp(end, ".value") == 0)
        return (int)layer * 2 + 1;
    return -1;
}

static bool is_int(eb_dtype d)
{
    return d == EB_DT_I64 || d == EB_DT_I32;
}

eb_status eb_kv_detect(const eb_graph *g, const char *past_prefix, const char *present_prefix, eb_kv_layout *kv,
                       eb_err *err)
{
    memset(kv, 0, sizeof *kv);
    kv->ids_input = kv->logits_output = -1;
    for (int i = 0; i < EB_KV_MAX_TENSORS; i++)
        kv->past_input[i] = kv->present_output[i] = -1;
    int max_slot = -1;
    for (int i = 0; i < g->n_inputs; i++) {
        const eb_value *v = &g->values[g->inputs[i]];
        int slot = cache_slot(v->name, past_prefix);
        if (slot >= 0) {
            if (v->t.dtype != EB_DT_F32 || v->t.rank != 4 || v->t.shape[1] <= 0 || v->t.shape[3] <= 0)
                return eb_errf(err, EB_EINVAL, "%s: cache input '%s' must be float32 [batch, heads, past, head_dim] "
                               "with fixed heads and head_dim", g->path, v->name);
            kv->past_input[slot] = i;
            kv->heads[slot] = v->t.shape[1];
            kv->head_dim[slot] = v->t.shape[3];
            if (slot > max_slot)
                max_slot = slot;
        } else if (kv->ids_input < 0 && is_int(v->t.dtype) && v->t.rank == 2) {
            kv->ids_input = i;
        } else {
            return eb_errf(err, EB_EINVAL, "%s: input '%s' is neither the token ids (an integer [batch, seq]) nor a "
                           "cache input named %s.N.key|value: not a decoder this scenario can drive",
                           g->path, v->name, past_prefix);
        }
    }
    if (kv->ids_input < 0)
        return eb_errf(err, EB_EINVAL, "%s: no integer [batch, seq] input of token ids: not a decoder", g->path);
    for (int o = 0; o < g->n_outputs; o++) {
        const eb_value *v = &g->values[g->outputs[o]];
        int slot = cache_slot(v->name, present_prefix);
        if (slot >= 0) {
            kv->present_output[slot] = o;
            continue;
        }
        if (kv->logits_output < 0)
            kv->logits_output = o; /* its shape is checked once inferred (eb_kv_check_logits) */
    }
    if (kv->logits_output < 0)
        return eb_errf(err, EB_EINVAL, "%s: no output besides the cache: no logits, not a decoder", g->path);
    kv->n_cache = max_slot + 1;
    if (kv->n_cache % 2)
        kv->n_cache++;
    for (int s = 0; s < kv->n_cache; s++) {
        char name[160];
        snprintf(name, sizeof name, "%d.%s", s / 2, s % 2 ? "value" : "key");
        if (kv->past_input[s] < 0)
            return eb_errf(err, EB_EINVAL, "%s: cache input %s.%s is missing (the layers must be 0..%d)", g->path,
                           past_prefix, name, kv->n_cache / 2 - 1);
        if (kv->present_output[s] < 0)
            return eb_errf(err, EB_EINVAL, "%s: cache input %s.%s has no output %s.%s", g->path, past_prefix, name,
                           present_prefix, name);
    }
    return EB_OK;
}

uint64_t eb_kv_bytes(const eb_kv_layout *kv, int64_t length)
{
    uint64_t b = 0;
    for (int s = 0; s < kv->n_cache; s++)
        b += (uint64_t)kv->heads[s] * (uint64_t)kv->head_dim[s] * (uint64_t)length * sizeof(float);
    return b;
}

eb_status eb_kv_check_logits(const eb_graph *g, eb_kv_layout *kv, eb_err *err)
{
    const eb_value *v = &g->values[g->outputs[kv->logits_output]];
    if (v->t.dtype != EB_DT_F32 || v->t.rank != 3 || v->t.shape[2] <= 0)
        return eb_errf(err, EB_EINVAL, "%s: output '%s' is not float32 [batch, seq, vocab] logits: not a decoder",
                       g->path, v->name);
    kv->vocab = v->t.shape[2];
    return EB_OK;
}
