/* emit_json.c - results as JSON (schema version 1) and JSON Lines.
 * Field meanings: reports/results-schema.json.  Non-finite numbers (an
 * exact SNR of +inf) are written as null, which JSON can hold. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/emit.h"
#include "reports/gen_json.h"
#include "reports/json_out.h"
#include "reports/processes.h"
#include "reports/counters_json.h"
#include "reports/layers_json.h"
#include "reports/noise_json.h"

/* What the compression transforms did: null when nothing was asked. */
static void add_compression(cJSON *o, const eb_compression *c)
{
    if (!c->applied[0] || strcmp(c->applied, "none") == 0) {
        cJSON_AddNullToObject(o, "compression");
        return;
    }
    cJSON *j = cJSON_AddObjectToObject(o, "compression");
    cJSON_AddStringToObject(j, "applied", c->applied);
    cJSON_AddNumberToObject(j, "tensors_changed", c->tensors_changed);
    cJSON_AddNumberToObject(j, "bytes_before", (double)c->bytes_before);
    cJSON_AddNumberToObject(j, "bytes_after", (double)c->bytes_after);
    if (c->calib_inputs > 0) {
        cJSON_AddNumberToObject(j, "calib_inputs", c->calib_inputs);
        cJSON_AddStringToObject(j, "calib_source", c->calib_source);
    }
    cJSON *layers = cJSON_AddArrayToObject(j, "layers");
    for (int i = 0; i < c->n_layers; i++) {
        const eb_compressed_layer *l = &c->layers[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "node", l->node);
        cJSON_AddStringToObject(e, "op", l->op);
        cJSON_AddStringToObject(e, "weight", l->weight);
        cJSON_AddStringToObject(e, "storage", l->storage);
        cJSON_AddNumberToObject(e, "sparsity", l->sparsity);
        if (l->channels_before > 0) {
            cJSON_AddNumberToObject(e, "channels_before", (double)l->channels_before);
            cJSON_AddNumberToObject(e, "channels_after", (double)l->channels_after);
        }
        cJSON_AddNumberToObject(e, "bytes_before", (double)l->bytes_before);
        cJSON_AddNumberToObject(e, "bytes_after", (double)l->bytes_after);
        if (l->scale_max > 0) {
            cJSON_AddNumberToObject(e, "scale_min", l->scale_min);
            cJSON_AddNumberToObject(e, "scale_max", l->scale_max);
        }
        if (l->act[0]) {
            cJSON_AddStringToObject(e, "activations", l->act);
            if (strcmp(l->act, "static") == 0) {
                cJSON_AddNumberToObject(e, "in_scale", l->in_scale);
                cJSON_AddNumberToObject(e, "in_zero_point", l->in_zero);
                cJSON_AddNumberToObject(e, "out_scale", l->out_scale);
                cJSON_AddNumberToObject(e, "out_zero_point", l->out_zero);
            }
        }
        if (l->note[0])
            cJSON_AddStringToObject(e, "note", l->note);
        cJSON_AddItemToArray(layers, e);
    }
}

static void add_str_or_null(cJSON *o, const char *k, const char *s)
{
    if (s && *s)
        cJSON_AddStringToObject(o, k, s);
    else
        cJSON_AddNullToObject(o, k);
}

static cJSON *variant_json(const eb_result_variant *v)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "spec", v->spec);
    cJSON_AddStringToObject(o, "runner", v->runner);
    cJSON_AddNumberToObject(o, "threads", v->threads);
    cJSON_AddStringToObject(o, "prune", v->prune);
    cJSON_AddStringToObject(o, "quant", v->quant);
    cJSON_AddNumberToObject(o, "group", v->group);
    cJSON_AddNumberToObject(o, "device", v->device);
    cJSON_AddStringToObject(o, "isa", v->isa);
    cJSON_AddNumberToObject(o, "opt", v->opt);
    return o;
}

/* A tail percentile, or null with the reason when n is too small for it
 * (reports/latency_stats.h). */
static void add_percentile(cJSON *o, const char *k, double v, bool available, double p, int n)
{
    if (available) {
        eb_json_add_num(o, k, v);
        return;
    }
    char key[32], why[96];
    cJSON_AddNullToObject(o, k);
    snprintf(key, sizeof key, "%s_reason", k);
    snprintf(why, sizeof why, "needs n >= %d, have %d", eb_percentile_min_n(p), n);
    cJSON_AddStringToObject(o, key, why);
}

/* --processes (reports/processes.h): the worker processes behind the
 * samples, each sample's process and each process's median. */
static void processes_json(cJSON *o, const eb_result *r)
{
    int k = eb_result_processes(r);
    cJSON_AddNumberToObject(o, "processes", k);
    if (k < 2)
        return;
    cJSON *tags = cJSON_AddArrayToObject(o, "process_of_sample"), *meds = cJSON_AddArrayToObject(o, "process_medians");
    for (int p = 0; p < k; p++) {
        for (int j = 0; j < r->process_n[p]; j++)
            cJSON_AddItemToArray(tags, cJSON_CreateNumber(p));
        cJSON_AddItemToArray(meds, eb_json_num(eb_result_process_median(r, p)));
    }
}

static cJSON *latency_json(const eb_result *r)
{
    cJSON *o = cJSON_CreateObject();
    const eb_latency_stats *s = &r->latency;
    cJSON_AddStringToObject(o, "unit", "ms");
    cJSON_AddNumberToObject(o, "warmup", r->warmup);
    cJSON_AddNumberToObject(o, "n", r->n_samples);
    cJSON *samples = cJSON_AddArrayToObject(o, "samples");
    for (int i = 0; i < r->n_samples; i++)
        cJSON_AddItemToArray(samples, eb_json_num(r->samples_ms[i]));
    processes_json(o, r);
    if (r->n_samples > 0) {
        eb_json_add_num(o, "min", s->min);
        eb_json_add_num(o, "median", s->median);
        eb_json_add_num(o, "mean", s->mean);
        add_percentile(o, "p90", s->p90, s->p90_available, 90, r->n_samples);
        add_percentile(o, "p99", s->p99, s->p99_available, 99, r->n_samples);
        eb_json_add_num(o, "max", s->max);
        eb_json_add_num(o, "stddev", s->stddev);
        eb_json_add_num(o, "cv", s->cv);
        cJSON_AddBoolToObject(o, "unstable", s->unstable);
        if (s->ci_available) {
            cJSON *ci = cJSON_AddObjectToObject(o, "median_ci95");
            eb_json_add_num(ci, "low", s->ci_low);
            eb_json_add_num(ci, "high", s->ci_high);
            eb_json_add_num(ci, "coverage", s->ci_level);
            cJSON_AddStringToObject(ci, "method", r->ci_hierarchical ? EB_CI_METHOD_HIERARCHICAL
                                                                     : "order-statistic (exact binomial)");
            cJSON_AddStringToObject(ci, "scope", r->ci_hierarchical ? "between-process" : EB_CI_SCOPE_WITHIN);
        } else {
            cJSON_AddNullToObject(o, "median_ci95");
        }
    }
    if (r->phases_known) {
        cJSON *ph = cJSON_AddObjectToObject(o, "phases");
        eb_json_add_num(ph, "upload_ms", r->upload_ms);
        eb_json_add_num(ph, "compute_ms", r->compute_ms);
        eb_json_add_num(ph, "download_ms", r->download_ms);
        cJSON_AddStringToObject(ph, "source", "device timers (profiling events), mean per timed run");
    } else {
        cJSON_AddNullToObject(o, "phases");
    }
    cJSON_AddBoolToObject(o, "hit_max_time", r->hit_max_time);
    cJSON_AddBoolToObject(o, "hit_sample_cap", r->hit_sample_cap);
    eb_json_add_num(o, "prepare_ms", r->prepare_ms);
    return o;
}

static cJSON *accuracy_json(const eb_result *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "baseline", "ref");
    add_str_or_null(o, "inputs", r->inputs); /* null when the variant died before choosing */
    cJSON *d = cJSON_AddObjectToObject(o, "drift");
    cJSON_AddBoolToObject(d, "available", r->drift.available);
    if (r->drift.available) {
        eb_json_add_num(d, "max_abs", r->drift.max_abs);
        eb_json_add_num(d, "mean_abs", r->drift.mean_abs);
        eb_json_add_num(d, "rel_l2", r->drift.rel_l2);
        eb_json_add_num(d, "cosine", r->drift.cosine);
        eb_json_add_num(d, "snr_db", r->drift.snr_db);
        if (r->drift.has_top1) {
            eb_json_add_num(d, "top1_agreement", r->drift.top1_agreement);
            cJSON_AddNumberToObject(d, "top1_rows", (double)r->drift.top1_rows);
        } else {
            cJSON_AddNullToObject(d, "top1_agreement");
        }
    } else {
        cJSON_AddStringToObject(d, "reason", r->is_baseline ? "this is the baseline" : r->drift.reason);
    }
    const eb_task_metric *t = &r->task;
    if (t->available) {
        cJSON *tm = cJSON_AddObjectToObject(o, "task_metric");
        cJSON_AddStringToObject(tm, "metric", t->metric);
        cJSON_AddStringToObject(tm, "dataset", t->dataset);
        eb_json_add_num(tm, "value", t->value);
        cJSON_AddNumberToObject(tm, "correct", (double)t->correct);
        cJSON_AddNumberToObject(tm, "count", (double)t->count);
        if (t->has_delta)
            eb_json_add_num(tm, "delta_vs_baseline", t->delta);
        else
            cJSON_AddNullToObject(tm, "delta_vs_baseline");
        if (t->reference >= 0)
            eb_json_add_num(tm, "reference_full_test_set", t->reference);
        else
            cJSON_AddNullToObject(tm, "reference_full_test_set");
    } else if (*t->reason) {
        cJSON *tm = cJSON_AddObjectToObject(o, "task_metric");
        cJSON_AddBoolToObject(tm, "available", false);
        cJSON_AddStringToObject(tm, "reason", t->reason);
    } else {
        cJSON_AddNullToObject(o, "task_metric");
    }
    return o;
}

static cJSON *band_json(const eb_energy_band *b)
{
    if (!isfinite(b->low) || !isfinite(b->high))
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    eb_json_add_num(o, "low", b->low);
    eb_json_add_num(o, "high", b->high);
    return o;
}

/* kind, then what the record has: source, joules per inference, and the
 * reason (always there when unavailable); a figure's method, band,
 * validity, inputs, the meter's window and the other methods' figures
 * (docs/edgebench.md RESULTS) */
static cJSON *energy_json(const eb_energy *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "kind", eb_energy_kind_name(e->kind));
    if (*e->source)
        cJSON_AddStringToObject(o, "source", e->source);
    if (isfinite(e->joules_per_inference))
        cJSON_AddNumberToObject(o, "joules_per_inference", e->joules_per_inference);
    if (*e->reason || e->kind == EB_ENERGY_UNAVAILABLE)
        cJSON_AddStringToObject(o, "reason", e->reason);
    if (e->kind == EB_ENERGY_UNAVAILABLE && !e->window.present && e->n_alts == 0)
        return o; /* nothing was tried */
    if (e->kind != EB_ENERGY_UNAVAILABLE) {
        cJSON_AddStringToObject(o, "method", e->method);
        cJSON_AddBoolToObject(o, "valid", e->valid);
        cJSON_AddBoolToObject(o, "relative_only", e->relative_only);
        cJSON_AddItemToObject(o, "band", band_json(&e->band));
        if (e->kind == EB_ENERGY_MEASURED)
            eb_json_add_num(o, "net_joules_per_inference", e->net_joules_per_inference);
        cJSON *in = cJSON_AddObjectToObject(o, "inputs");
        for (int i = 0; i < e->n_inputs; i++) {
            if (e->inputs[i].text[0])
                cJSON_AddStringToObject(in, e->inputs[i].name, e->inputs[i].text);
            else
                eb_json_add_num(in, e->inputs[i].name, e->inputs[i].num);
        }
    }
    if (e->window.present) {
        const eb_energy_window *w = &e->window;
        cJSON *wo = cJSON_AddObjectToObject(o, "window");
        eb_json_add_num(wo, "seconds", w->seconds);
        cJSON_AddNumberToObject(wo, "inferences", (double)w->inferences);
        cJSON_AddNumberToObject(wo, "extensions", w->extensions);
        eb_json_add_num(wo, "idle_watts", w->idle_watts);
        eb_json_add_num(wo, "gross_j", w->gross_j);
        eb_json_add_num(wo, "net_j", w->net_j);
        cJSON_AddNumberToObject(wo, "updates", w->updates);
        eb_json_add_num(wo, "interval_ms", w->interval_ms);
    } else {
        cJSON_AddNullToObject(o, "window");
    }
    cJSON *alts = cJSON_AddArrayToObject(o, "alternatives");
    for (int i = 0; i < e->n_alts; i++) {
        const eb_energy_alt *a = &e->alts[i];
        cJSON *ao = cJSON_CreateObject();
        cJSON_AddStringToObject(ao, "method", a->method);
        cJSON_AddStringToObject(ao, "kind", eb_energy_kind_name(a->kind));
        eb_json_add_num(ao, "joules_per_inference", a->joules_per_inference);
        cJSON_AddItemToObject(ao, "band", band_json(&a->band));
        cJSON_AddStringToObject(ao, "reason", a->reason);
        cJSON_AddItemToArray(alts, ao);
    }
    return o;
}

/* --profile: null when it was off; the per-node medians, or why there are none */
static cJSON *profile_json(const eb_result *r)
{
    if (!r->profiled)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "available", r->n_profile > 0);
    cJSON_AddNumberToObject(o, "passes", r->profile_passes);
    if (r->n_profile == 0) {
        cJSON_AddStringToObject(o, "reason", *r->profile_reason ? r->profile_reason : "the variant did not run");
        return o;
    }
    double total = eb_result_profile_total_ms(r);
    eb_json_add_num(o, "total_ms", total);
    eb_json_add_num(o, "pass_ms", r->profile_pass_ms);
    cJSON *nodes = cJSON_AddArrayToObject(o, "nodes");
    for (int i = 0; i < r->n_profile; i++) {
        cJSON *n = cJSON_CreateObject();
        cJSON_AddStringToObject(n, "name", r->profile[i].name);
        cJSON_AddStringToObject(n, "op", r->profile[i].op);
        eb_json_add_num(n, "ms", r->profile[i].ms);
        eb_json_add_num(n, "share", total > 0 ? r->profile[i].ms / total : 0);
        cJSON_AddItemToArray(nodes, n);
    }
    return o;
}

cJSON *eb_result_json(const eb_result *r)
{
    if (r->raw) /* kept by --resume: as it was read */
        return cJSON_Duplicate(r->raw, true);
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    if (*r->finished_at)
        cJSON_AddStringToObject(o, "finished_at", r->finished_at);
    cJSON_AddStringToObject(o, "model", r->model_name);
    cJSON_AddStringToObject(o, "model_path", r->model);
    cJSON_AddStringToObject(o, "model_sha256", r->model_sha256);
    cJSON_AddItemToObject(o, "variant", variant_json(&r->variant));
    cJSON_AddStringToObject(o, "device", r->device);
    add_str_or_null(o, "device_name", r->device_name);
    add_str_or_null(o, "device_kind", r->device_kind);
    if (r->device_id[0]) /* merged documents only (reports/merge.h) */
        cJSON_AddStringToObject(o, "device_id", r->device_id);
    cJSON_AddStringToObject(o, "status", eb_result_status_name(r->status));
    add_str_or_null(o, "error", r->error);
    if (r->status == EB_RESULT_CRASHED)
        cJSON_AddNumberToObject(o, "signal", r->signal);
    else
        cJSON_AddNullToObject(o, "signal");
    cJSON_AddBoolToObject(o, "baseline", r->is_baseline);
    if (r->status == EB_RESULT_OK)
        cJSON_AddStringToObject(o, "reference_fallbacks", r->fallbacks);
    else
        cJSON_AddNullToObject(o, "reference_fallbacks");
    add_str_or_null(o, "isa", r->status == EB_RESULT_OK ? r->isa : NULL);
    if (r->status == EB_RESULT_OK) /* "" when nothing was fused, as reference_fallbacks */
        cJSON_AddStringToObject(o, "fusions", r->fusions);
    else
        cJSON_AddNullToObject(o, "fusions");
    add_str_or_null(o, "program_cache", r->status == EB_RESULT_OK ? r->program_cache : NULL);
    add_str_or_null(o, "runner_notes", r->status == EB_RESULT_OK ? r->runner_notes : NULL);
    if (r->saved_model[0]) /* only with --save-model */
        cJSON_AddStringToObject(o, "saved_model", r->saved_model);
    cJSON_AddItemToObject(o, "latency", latency_json(r));
    cJSON_AddItemToObject(o, "accuracy", accuracy_json(r));

    cJSON *mem = cJSON_AddObjectToObject(o, "memory");
    if (r->peak_rss_bytes) {
        cJSON_AddNumberToObject(mem, "peak_rss_bytes", (double)r->peak_rss_bytes);
        cJSON_AddStringToObject(mem, "peak_rss_source", r->peak_rss_source);
    } else {
        cJSON_AddNullToObject(mem, "peak_rss_bytes");
        cJSON_AddNullToObject(mem, "peak_rss_source");
    }
    cJSON_AddNumberToObject(mem, "weight_bytes", (double)r->weight_bytes);
    cJSON_AddNumberToObject(mem, "activation_bytes", (double)r->activation_bytes);
    cJSON_AddNumberToObject(mem, "scratch_bytes", (double)r->scratch_bytes);
    if (r->device_bytes)
        cJSON_AddNumberToObject(mem, "device_bytes", (double)r->device_bytes);
    else
        cJSON_AddNullToObject(mem, "device_bytes");
    if (r->rss_start_bytes)
        cJSON_AddNumberToObject(mem, "rss_start_bytes", (double)r->rss_start_bytes);
    else
        cJSON_AddNullToObject(mem, "rss_start_bytes");
    if (r->rss_before_prepare_bytes)
        cJSON_AddNumberToObject(mem, "rss_before_prepare_bytes", (double)r->rss_before_prepare_bytes);
    else
        cJSON_AddNullToObject(mem, "rss_before_prepare_bytes");
    if (r->peak_growth_known) {
        cJSON_AddNumberToObject(mem, "peak_growth_bytes", (double)r->peak_growth_bytes);
    } else {
        cJSON_AddNullToObject(mem, "peak_growth_bytes");
        cJSON_AddStringToObject(mem, "peak_growth_reason",
                                *r->peak_growth_reason ? r->peak_growth_reason
                                : r->status == EB_RESULT_OK ? "not measured"
                                                            : "the variant did not complete its timed runs");
    }

    cJSON_AddItemToObject(o, "energy", energy_json(&r->energy));

    eb_counters_json_add(o, r); /* counters, frequency, thermal, roofline */

    cJSON *cost = cJSON_AddObjectToObject(o, "cost");
    cJSON_AddNumberToObject(cost, "params", (double)r->cost.params);
    cJSON_AddNumberToObject(cost, "macs", (double)r->cost.macs);
    cJSON_AddNumberToObject(cost, "macs_nonzero", (double)r->cost.macs_nonzero);
    cJSON_AddNumberToObject(cost, "flops_nonzero", (double)r->cost.flops_nonzero);
    cJSON_AddNumberToObject(cost, "weight_bytes", (double)r->cost.weight_bytes);
    cJSON_AddNumberToObject(cost, "flops", (double)r->cost.flops);
    cJSON_AddNumberToObject(cost, "bytes_moved", (double)r->cost.bytes_moved);
    if (r->status == EB_RESULT_OK) {
        eb_json_add_num(cost, "gflops_per_s", r->gflops_per_s);
        eb_json_add_num(cost, "gbytes_per_s", r->gbytes_per_s);
        eb_json_add_num(cost, "arithmetic_intensity",
                        r->cost.bytes_moved ? (double)r->cost.flops / (double)r->cost.bytes_moved : NAN);
    } else {
        cJSON_AddNullToObject(cost, "gflops_per_s");
        cJSON_AddNullToObject(cost, "gbytes_per_s");
        cJSON_AddNullToObject(cost, "arithmetic_intensity");
    }
    add_compression(o, &r->compression);
    cJSON_AddBoolToObject(o, "profiled", r->profiled);
    cJSON_AddItemToObject(o, "profile", profile_json(r));
    cJSON_AddItemToObject(o, "layer_drift", eb_layer_drift_json(&r->layer_drift));
    cJSON_AddItemToObject(o, "sensitivity", eb_sensitivity_json(&r->sensitivity));
    cJSON *warn = cJSON_AddArrayToObject(o, "warnings");
    for (int i = 0; warn && i < r->n_warnings; i++)
        cJSON_AddItemToArray(warn, cJSON_CreateString(r->warnings[i]));
    eb_noise_json_add(o, r); /* --pin, --cooldown, environment, sentinel, --audit cache */
    if (r->generate) /* --scenario generate */
        cJSON_AddItemToObject(o, "generate", eb_gen_json(r->generate));
    return o;
}

static cJSON *tool_json(const eb_provenance *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", "edgebench");
    cJSON_AddStringToObject(o, "version", p->version);
    cJSON_AddStringToObject(o, "git_commit", p->git_commit);
    cJSON_AddStringToObject(o, "compiler", p->compiler);
    cJSON_AddStringToObject(o, "cflags", p->cflags);
    return o;
}

/* The settings outside the command line that can change the numbers. */
static cJSON *environment_json(const eb_provenance *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *vars = cJSON_AddObjectToObject(o, "eb_vars");
    for (int i = 0; i < p->env.n_vars; i++)
        cJSON_AddStringToObject(vars, p->env.vars[i].name, p->env.vars[i].value);
    cJSON_AddNumberToObject(o, "eb_vars_not_kept", p->env.n_dropped);
    add_str_or_null(o, "affinity", p->device.affinity);
    if (p->device.usable_cpus > 0)
        cJSON_AddNumberToObject(o, "usable_cpus", p->device.usable_cpus);
    else
        cJSON_AddNullToObject(o, "usable_cpus");
    cJSON_AddBoolToObject(o, "profiling", p->env.profiling);
    return o;
}

static cJSON *run_json(const eb_report_doc *d)
{
    const eb_provenance *p = d->prov;
    const eb_run_settings *o = d->settings;
    cJSON *r = cJSON_CreateObject();
    cJSON *argv = cJSON_AddArrayToObject(r, "command_line");
    for (int i = 0; i < p->argc; i++)
        cJSON_AddItemToArray(argv, cJSON_CreateString(p->argv[i]));
    cJSON_AddStringToObject(r, "start_time", p->start_time);
    cJSON_AddNumberToObject(r, "seed", (double)p->seed);
    cJSON *s = cJSON_AddObjectToObject(r, "settings");
    cJSON_AddNumberToObject(s, "runs", (double)o->runs);
    cJSON_AddNumberToObject(s, "warmup", (double)o->warmup);
    cJSON_AddNumberToObject(s, "min_time_s", o->min_time_s);
    cJSON_AddNumberToObject(s, "max_time_s", o->max_time_s);
    cJSON_AddNumberToObject(s, "timeout_s", o->timeout_s);
    cJSON_AddNumberToObject(s, "cv_threshold", o->cv_threshold);
    cJSON_AddBoolToObject(s, "isolated", o->isolated);
    add_str_or_null(s, "inputs_dir", o->inputs_dir);
    cJSON_AddNumberToObject(s, "eval_images", (double)o->eval_images);
    cJSON_AddNumberToObject(s, "processes", o->processes > 1 ? o->processes : 1);
    if (o->mem_limit) {
        if (o->mem_limit_bytes)
            cJSON_AddNumberToObject(s, "mem_limit_bytes", (double)o->mem_limit_bytes);
        else
            cJSON_AddNullToObject(s, "mem_limit_bytes");
        cJSON_AddStringToObject(s, "mem_limit", o->mem_limit);
    }
    cJSON_AddItemToObject(r, "environment", environment_json(p));
    return r;
}

static cJSON *model_json(const eb_model_info *m)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", m->name);
    cJSON_AddStringToObject(o, "path", m->path);
    cJSON_AddStringToObject(o, "sha256", m->sha256);
    cJSON_AddStringToObject(o, "inputs", m->inputs);
    cJSON_AddStringToObject(o, "outputs", m->outputs);
    cJSON_AddNumberToObject(o, "params", (double)m->cost.params);
    cJSON_AddNumberToObject(o, "macs", (double)m->cost.macs);
    cJSON_AddNumberToObject(o, "flops", (double)m->cost.flops);
    cJSON_AddNumberToObject(o, "weight_bytes", (double)m->cost.weight_bytes);
    cJSON_AddNumberToObject(o, "activation_bytes", (double)m->cost.activation_bytes);
    return o;
}

cJSON *eb_document_json(const eb_report_doc *d)
{
    cJSON *doc = cJSON_CreateObject();
    if (!doc)
        return NULL;
    cJSON_AddNumberToObject(doc, "schema_version", EB_SCHEMA_VERSION);
    cJSON_AddItemToObject(doc, "tool", tool_json(d->prov));
    cJSON_AddItemToObject(doc, "run", run_json(d));
    cJSON_AddItemToObject(doc, "device", eb_device_info_json(&d->prov->device));
    cJSON *models = cJSON_AddArrayToObject(doc, "models");
    for (int i = 0; i < d->n_models; i++)
        cJSON_AddItemToArray(models, model_json(&d->models[i]));
    cJSON *results = cJSON_AddArrayToObject(doc, "results");
    for (int i = 0; i < d->n_results; i++)
        cJSON_AddItemToArray(results, eb_result_json(&d->results[i]));
    return doc;
}

eb_status eb_emit_jsonl_record(FILE *f, const eb_provenance *p, const eb_result *r, eb_err *err)
{
    cJSON *o = eb_result_json(r);
    if (!o)
        return eb_errf(err, EB_ENOMEM, "out of memory");
    cJSON_AddNumberToObject(o, "schema_version", EB_SCHEMA_VERSION);
    cJSON_AddStringToObject(o, "run_start_time", p->start_time);
    cJSON_AddStringToObject(o, "git_commit", p->git_commit);
    cJSON_AddStringToObject(o, "host", p->device.hostname);
    cJSON_AddItemToObject(o, "environment", environment_json(p));
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    if (!text)
        return eb_errf(err, EB_ENOMEM, "out of memory");
    bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0;
    free(text);
    return ok ? EB_OK : eb_errf(err, EB_EIO, "cannot append a JSON Lines record");
}
