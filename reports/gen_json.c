/* gen_json.c - writes a generate record (gen_record.h) as JSON: every
 * figure that was not measured is null, with a reason where one applies. */
#include "reports/gen_json.h"
#include "reports/json_out.h"

#include <cjson/cJSON.h>
#include <math.h>

cJSON *eb_gen_json(const eb_gen_record *g)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "mode", g->mode);
    cJSON_AddStringToObject(o, "prefill", g->prefill);
    cJSON_AddNumberToObject(o, "prompt_tokens", (double)g->prompt_tokens);
    cJSON_AddNumberToObject(o, "gen_tokens", (double)g->gen_tokens);
    cJSON_AddNumberToObject(o, "decode_steps", (double)g->decode_steps);
    eb_json_add_num(o, "prefill_ms", g->prefill_ms);
    eb_json_add_num(o, "ttft_ms", g->ttft_ms);
    eb_json_add_num(o, "decode_ms", g->decode_ms);
    eb_json_add_num(o, "total_ms", g->total_ms);
    eb_json_add_num(o, "prefill_tokens_per_s", g->prefill_tok_s);
    eb_json_add_num(o, "decode_tokens_per_s", g->decode_tok_s);
    cJSON *lat = cJSON_AddObjectToObject(o, "decode_latency_ms");
    eb_json_add_num(lat, "p50", g->decode_p50_ms);
    eb_json_add_num(lat, "p90", g->decode_p90_ms);
    eb_json_add_num(lat, "p99", g->decode_p99_ms);
    cJSON_AddNumberToObject(o, "kv_cache_bytes", (double)g->kv_cache_bytes);
    if (g->peak_rss_bytes)
        cJSON_AddNumberToObject(o, "peak_rss_bytes", (double)g->peak_rss_bytes);
    else
        cJSON_AddNullToObject(o, "peak_rss_bytes");
    eb_json_add_num(o, "prepare_ms", g->prepare_ms);
    cJSON_AddNumberToObject(o, "plans", g->plans);
    cJSON *t = cJSON_AddArrayToObject(o, "tokens");
    for (int i = 0; t && i < g->n_tokens; i++)
        cJSON_AddItemToArray(t, cJSON_CreateNumber(g->tokens[i]));
    cJSON *q = cJSON_AddObjectToObject(o, "quality");
    cJSON_AddBoolToObject(q, "available", g->eval_available);
    if (!g->eval_available)
        cJSON_AddStringToObject(q, "reason", g->eval_reason);
    cJSON_AddNumberToObject(q, "windows", (double)g->eval_windows);
    cJSON_AddNumberToObject(q, "tokens", (double)g->eval_tokens);
    eb_json_add_num(q, "perplexity", g->eval_available ? g->perplexity : NAN);
    eb_json_add_num(q, "pytorch_perplexity", g->pytorch_perplexity);
    eb_json_add_num(q, "perplexity_delta", g->perplexity_delta);
    eb_json_add_num(q, "kl_mean", g->kl_mean);
    eb_json_add_num(q, "top1_agreement", g->top1_agreement);
    if (g->tokens_before_divergence >= 0)
        cJSON_AddNumberToObject(q, "tokens_before_divergence", (double)g->tokens_before_divergence);
    else
        cJSON_AddNullToObject(q, "tokens_before_divergence");
    return o;
}
