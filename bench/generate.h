/* generate.h - `edgebench run --scenario generate`: greedy text generation
 * with a decoder, timed as llama-bench times it (prefill and decode tokens/s
 * apart), with time to first token, per-token decode latency, the KV
 * cache's bytes and peak memory; with --eval, perplexity on held-out text
 * and the drift of the next-token distributions against the first variant.
 *
 * The prompt of N tokens is the first N bytes of the fortunes corpus'
 * held-out text (bench/fortunes_text.h), the same for every variant.  A
 * model with a KV cache (bench/kv_cache.h) takes the prompt in one call
 * with past length 0, then one call per generated token, each call's
 * present fed back as the next one's past.  A model without one is run on
 * the whole growing sequence every step (the record's mode says so).
 *
 * The suite's runners prepare a plan for fixed shapes, and every step of a
 * generation has its own (the past grows by one): each step's plan is
 * prepared before the step and released after it, and only the run() call
 * (with the argmax) is timed; the time spent preparing is recorded apart
 * (prepare_ms, plans).  Each (model, variant, prompt, gen) runs in its own
 * forked process, which sends its record back through a pipe: its peak
 * memory is its own, and a crash or a timeout costs only that row. */
#ifndef EB_GENERATE_H
#define EB_GENERATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/harness.h"
#include "bench/variant.h"

#define EB_GEN_MAX_SWEEP 16

typedef struct eb_gen_opts {
    bool on;                       /* --scenario generate */
    int n_prompts, n_gens;
    int64_t prompts[EB_GEN_MAX_SWEEP]; /* --prompt, swept */
    int64_t gens[EB_GEN_MAX_SWEEP];    /* --gen, swept */
    const char *kv_past;           /* --kv-past prefix (default past_key_values) */
    const char *kv_present;        /* --kv-present prefix (default present) */
    const char *corpus_dir;        /* the fortunes files (EB_FORTUNES_DIR) */
} eb_gen_opts;

/* --prompt / --gen: "N" or a sweep "{N,M,...}", each in [min, max].  False
 * with a message naming the flag on bad text. */
bool eb_gen_parse_counts(const char *flag, const char *arg, int64_t min, int64_t max, int64_t *vals, int *n);

/* --scenario NAME into *g: "latency" (the default, off) or "generate". */
bool eb_gen_parse_scenario(const char *arg, eb_gen_opts *g);

/* The whole generate sweep: models x prompts x gens x variants.  o carries
 * -n-independent settings used here: --eval (windows of held-out text; 0
 * none), --timeout, --pin, --seed (unused: the prompts are fixed).
 * out_path / format_arg are -o / --format.  Returns the exit status:
 * 2 bad input (a model that is not a decoder, a prompt beyond the context,
 * the corpus missing), 3 a row failed, 0 all ran. */
int eb_generate_sweep(const eb_gen_opts *g, const eb_run_opts *o, const eb_variant_list *vl, const char **models,
                      int n_models, const char *out_path, const char *format_arg, int argc, char **argv);

#endif
