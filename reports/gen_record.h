/* gen_record.h - what `edgebench run --scenario generate` records for one
 * (model, variant, prompt length, generated length): llama-bench's prefill
 * and decode tokens/s, time to first token, per-token decode latency, the
 * KV cache's size, peak memory, and the quality figures of --eval
 * (perplexity on held-out text, drift of the next-token distributions
 * against the first variant).  Plain data of fixed size: the variant's
 * process sends it back whole through a pipe (bench/generate.c). */
#ifndef EB_GEN_RECORD_H
#define EB_GEN_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#define EB_GEN_MAX_TOKENS 4096

typedef struct eb_gen_record {
    char mode[16];            /* "kv-cache" or "full-sequence" (no cache: the growing sequence) */
    char prefill[64];         /* how the prompt went in ("one call, past length 0") */
    int64_t prompt_tokens;    /* --prompt */
    int64_t gen_tokens;       /* --gen: tokens generated, the first by the prefill */
    int64_t decode_steps;     /* calls after the prefill: gen_tokens - 1 */
    double prefill_ms;        /* the prefill call */
    double ttft_ms;           /* time to first token: the prefill call and its argmax */
    double decode_ms;         /* all decode calls */
    double total_ms;          /* ttft + decode */
    double prefill_tok_s;     /* prompt_tokens / prefill (pp) */
    double decode_tok_s;      /* decode_steps / decode (tg); NAN when no decode step */
    double decode_p50_ms, decode_p90_ms, decode_p99_ms; /* per decode call; NAN none */
    uint64_t kv_cache_bytes;  /* the cache after the last step (0 full-sequence) */
    uint64_t peak_rss_bytes;  /* the variant's process, VmHWM; 0 unknown */
    double prepare_ms;        /* plans prepared (one per sequence shape), not in the times */
    int plans;                /* how many */
    int n_tokens;             /* generated, as token ids */
    int32_t tokens[EB_GEN_MAX_TOKENS];
    /* --eval: teacher-forced on held-out windows */
    bool eval_requested;
    bool eval_available;
    char eval_reason[192];
    int64_t eval_windows, eval_tokens; /* windows run, tokens predicted */
    double perplexity;
    double pytorch_perplexity; /* the zoo manifest's on the same windows; NAN unknown */
    /* against the first variant (the baseline); NAN / -1 when this is it or it has none */
    double perplexity_delta;
    double kl_mean;           /* mean KL(baseline || this) of the next-token distributions, nats */
    double top1_agreement;    /* share of positions whose argmax matches the baseline's */
    int64_t tokens_before_divergence; /* greedy tokens equal to the baseline's before the first
                                       * that differs; = n_tokens when none differs; -1 unknown */
} eb_gen_record;

#endif
