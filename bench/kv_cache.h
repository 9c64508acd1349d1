/* kv_cache.h - how a decoder graph takes its tokens and its KV cache.
 *
 * `edgebench run --scenario generate` drives a decoder: one integer input
 * of token ids [1, seq], a logits output [1, seq, vocab], and optionally a
 * KV cache: per layer N an input PAST.N.key / PAST.N.value and the output
 * PRESENT.N.key / PRESENT.N.value (the Hugging Face / Optimum names,
 * PAST = "past_key_values", PRESENT = "present"; --kv-past / --kv-present
 * give other prefixes).  The cache tensors are [batch, heads, length,
 * head_dim]; the present of a step is the past of the next.  A graph with
 * no past inputs is a full-sequence decoder, run on the growing sequence.
 * Anything else (no integer rank-2 input, no rank-3 output, an input that
 * is neither ids nor cache, a past with no present) is not a decoder: the
 * message says which rule failed. */
#ifndef EB_KV_CACHE_H
#define EB_KV_CACHE_H

#include <stdint.h>

#include "models/graph.h"

#define EB_KV_MAX_TENSORS 128 /* key and value of 64 layers */

typedef struct eb_kv_layout {
    int ids_input;       /* graph input index of the token ids */
    int logits_output;   /* graph output index of the logits */
    int64_t vocab;       /* the logits' last dim (eb_kv_check_logits) */
    int n_cache;         /* cache tensors: 2 per layer (key, value); 0 full-sequence */
    int past_input[EB_KV_MAX_TENSORS];     /* [2*layer + (value ? 1 : 0)] */
    int present_output[EB_KV_MAX_TENSORS];
    int64_t heads[EB_KV_MAX_TENSORS], head_dim[EB_KV_MAX_TENSORS];
} eb_kv_layout;

/* Reads g's decoder convention (shapes as declared: call before binding).
 * EB_EINVAL naming the broken rule when g is not a decoder. */
eb_status eb_kv_detect(const eb_graph *g, const char *past_prefix, const char *present_prefix, eb_kv_layout *kv,
                       eb_err *err);

/* Once g's shapes are inferred: its logits output must be float32
 * [batch, seq, vocab]; sets kv->vocab.  EB_EINVAL otherwise. */
eb_status eb_kv_check_logits(const eb_graph *g, eb_kv_layout *kv, eb_err *err);

/* Bytes of a cache holding `length` positions, float32. */
uint64_t eb_kv_bytes(const eb_kv_layout *kv, int64_t length);

#endif
