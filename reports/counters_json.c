/* counters_json.c - "counters", "frequency", "thermal", "roofline" and
 * "bytes_by_level" of a result as JSON, and back.  Totals are over the
 * timed loop; per_inference is total / runs.  Figures that are not known
 * are null, never 0. */
#include "reports/json_num.h"
#include "reports/json_out.h"
#include "reports/counters_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *eb_hw_counter_name(int i)
{
    static const char *const names[EB_HW_COUNT] = {"cycles", "instructions", "cache_references",
                                                   "cache_misses", "branch_misses", "dtlb_misses", "l1d_misses"};
    return i >= 0 && i < EB_HW_COUNT ? names[i] : "?";
}

static void add_count(cJSON *tot, cJSON *per, const char *k, bool known, double v, double runs)
{
    eb_json_add_num(tot, k, known ? v : NAN);
    eb_json_add_num(per, k, known && runs > 0 ? v / runs : NAN);
}

static const char NOT_RUN[] = "the variant did not complete its timed runs";

static cJSON *unavailable(const char *why)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddFalseToObject(o, "available");
    cJSON_AddStringToObject(o, "reason", why);
    return o;
}

static cJSON *software_json(const eb_counters *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "source", c->sw_source);
    if (c->sw_reason[0])
        cJSON_AddStringToObject(o, "perf_reason", c->sw_reason);
    cJSON_AddNumberToObject(o, "runs", (double)c->runs);
    cJSON *tot = cJSON_AddObjectToObject(o, "totals"), *per = cJSON_AddObjectToObject(o, "per_inference");
    double n = (double)c->runs;
    add_count(tot, per, "involuntary_context_switches", true, (double)c->ctx_involuntary, n);
    add_count(tot, per, "voluntary_context_switches", true, (double)c->ctx_voluntary, n);
    add_count(tot, per, "minor_page_faults", true, (double)c->faults_minor, n);
    add_count(tot, per, "major_page_faults", true, (double)c->faults_major, n);
    add_count(tot, per, "task_clock_ms", c->perf_sw, c->task_clock_ms, n);
    add_count(tot, per, "context_switches", c->perf_sw, (double)c->context_switches, n);
    add_count(tot, per, "cpu_migrations", c->perf_sw, (double)c->cpu_migrations, n);
    add_count(tot, per, "page_faults", c->perf_sw, (double)c->page_faults, n);
    return o;
}

static cJSON *preemption_json(const eb_counters *c)
{
    if (!c->preempt_known)
        return unavailable(c->preempt_reason[0] ? c->preempt_reason : "not measured");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "available");
    cJSON_AddStringToObject(o, "source", "getrusage(RUSAGE_SELF) ru_nivcsw before and after each window of timed samples");
    cJSON_AddNumberToObject(o, "samples", (double)c->runs);
    cJSON_AddNumberToObject(o, "window", c->window > 0 ? c->window : 1);
    cJSON_AddNumberToObject(o, "windows", (double)c->windows);
    cJSON_AddNumberToObject(o, "preempted_windows", (double)c->preempted_windows);
    cJSON_AddNumberToObject(o, "preempted_samples", (double)c->preempted_samples);
    eb_json_add_num(o, "preempted_share", c->runs > 0 ? (double)c->preempted_samples / (double)c->runs : NAN);
    cJSON *idx = cJSON_AddArrayToObject(o, "indices");
    for (int i = 0; i < c->n_preempted_listed; i++)
        cJSON_AddItemToArray(idx, cJSON_CreateNumber(c->preempted[i]));
    cJSON_AddBoolToObject(o, "indices_truncated", c->preempted_samples > c->n_preempted_listed);
    eb_json_add_num(o, "probe_ns", c->probe_ns);
    return o;
}

static cJSON *hardware_json(const eb_counters *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "available", c->hw_available);
    cJSON_AddStringToObject(o, "source", c->hw_source[0] ? c->hw_source : "perf_event_open");
    if (c->hw_reason[0] || !c->hw_available)
        cJSON_AddStringToObject(o, "reason", c->hw_reason[0] ? c->hw_reason : "not measured");
    if (c->hw_papi[0])
        cJSON_AddStringToObject(o, "papi_reason", c->hw_papi);
    if (!c->hw_available)
        return o;
    cJSON_AddStringToObject(o, "events", c->hw_events);
    cJSON_AddBoolToObject(o, "scaled", c->hw_scaled);
    cJSON *tot = cJSON_AddObjectToObject(o, "totals"), *per = cJSON_AddObjectToObject(o, "per_inference");
    for (int i = 0; i < EB_HW_COUNT; i++)
        add_count(tot, per, eb_hw_counter_name(i), c->hw_known[i], (double)c->hw[i], (double)c->runs);
    bool ipc = c->hw_known[EB_HW_CYCLES] && c->hw_known[EB_HW_INSTRUCTIONS] && c->hw[EB_HW_CYCLES] > 0;
    eb_json_add_num(o, "ipc", ipc ? (double)c->hw[EB_HW_INSTRUCTIONS] / (double)c->hw[EB_HW_CYCLES] : NAN);
    /* derived, not counted: every LLC miss fills one line from DRAM (prefetches
     * and write-backs are not in it) */
    cJSON *d = cJSON_AddObjectToObject(o, "dram_bytes");
    bool dram = c->hw_known[EB_HW_CACHE_MISSES] && c->line_bytes > 0;
    cJSON_AddBoolToObject(d, "derived", true);
    eb_json_add_num(d, "total", dram ? (double)c->hw[EB_HW_CACHE_MISSES] * c->line_bytes : NAN);
    eb_json_add_num(d, "per_inference",
            dram && c->runs > 0 ? (double)c->hw[EB_HW_CACHE_MISSES] * c->line_bytes / (double)c->runs : NAN);
    eb_json_add_num(d, "line_bytes", c->line_bytes > 0 ? c->line_bytes : NAN);
    cJSON_AddStringToObject(d, "rule", dram ? "cache_misses (LLC) x line_bytes"
                                            : c->line_bytes ? "unknown: the LLC misses were not counted"
                                                            : "unknown: the LLC line size is not known");
    return o;
}

static cJSON *levels_json(const eb_result *r)
{
    const eb_mem_levels *m = &r->mem_levels;
    if (!m->available)
        return unavailable(m->reason[0] ? m->reason : "not computed");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "available");
    cJSON_AddStringToObject(o, "rule", "models/cost_levels.h: an activation at the level holding its node's working "
                                       "set, a weight at the level holding the model's footprint, else DRAM");
    cJSON *per = cJSON_AddObjectToObject(o, "per_inference"), *cap = cJSON_AddObjectToObject(o, "capacity_bytes");
    for (int l = 0; l < EB_LEVEL_COUNT; l++)
        eb_json_add_num(per, eb_level_name(l), m->bytes[l]);
    for (int l = 0; l < EB_LEVEL_DRAM; l++)
        eb_json_add_num(cap, eb_level_name(l), m->capacity[l] > 0 ? (double)m->capacity[l] : NAN);
    cJSON_AddStringToObject(o, "capacity_source", m->capacity_source);
    cJSON_AddNumberToObject(o, "footprint_bytes", (double)m->footprint);
    cJSON_AddStringToObject(o, "source", strcmp(m->dram_source, "counters") == 0
                                             ? "counters (DRAM: LLC misses x line size) and cost model (caches)"
                                             : "cost model");
    cJSON_AddStringToObject(o, "dram_source", m->dram_source);
    eb_json_add_num(o, "model_dram", m->model_dram);
    if (m->reason[0])
        cJSON_AddStringToObject(o, "note", m->reason);
    return o;
}

static cJSON *counters_json(const eb_result *r)
{
    const eb_counters *c = &r->counters;
    if (r->status != EB_RESULT_OK || !c->sw_available)
        return unavailable(r->status != EB_RESULT_OK ? NOT_RUN : c->sw_reason[0] ? c->sw_reason : "not measured");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "available");
    cJSON_AddItemToObject(o, "software", software_json(c));
    cJSON_AddItemToObject(o, "preemption", preemption_json(c));
    cJSON_AddItemToObject(o, "hardware", hardware_json(c));
    return o;
}

static cJSON *frequency_json(const eb_result *r)
{
    const eb_clock *k = &r->clock;
    if (r->status != EB_RESULT_OK)
        return unavailable(NOT_RUN);
    if (!k->freq_available) {
        cJSON *o = unavailable(k->freq_reason[0] ? k->freq_reason : "not measured");
        if (k->governor[0])
            cJSON_AddStringToObject(o, "governor", k->governor);
        return o;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "available");
    cJSON_AddStringToObject(o, "source", "cpufreq scaling_cur_freq of the timing thread's CPU");
    if (k->governor[0])
        cJSON_AddStringToObject(o, "governor", k->governor);
    else
        cJSON_AddNullToObject(o, "governor");
    cJSON_AddNumberToObject(o, "polls", k->polls);
    eb_json_add_num(o, "start_mhz", k->start_mhz);
    eb_json_add_num(o, "min_mhz", k->min_mhz);
    eb_json_add_num(o, "median_mhz", k->median_mhz);
    eb_json_add_num(o, "max_mhz", k->max_mhz);
    eb_json_add_num(o, "end_mhz", k->end_mhz);
    cJSON_AddBoolToObject(o, "throttled", k->throttled);
    return o;
}

static cJSON *thermal_json(const eb_result *r)
{
    const eb_clock *k = &r->clock;
    if (r->status != EB_RESULT_OK)
        return unavailable(NOT_RUN);
    if (!k->thermal_available)
        return unavailable(k->thermal_reason[0] ? k->thermal_reason : "not measured");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "available");
    cJSON *zs = cJSON_AddArrayToObject(o, "zones");
    for (int i = 0; i < k->n_zones; i++) {
        cJSON *z = cJSON_CreateObject();
        cJSON_AddStringToObject(z, "zone", k->zones[i].name);
        cJSON_AddStringToObject(z, "type", k->zones[i].type);
        eb_json_add_num(z, "start_c", k->zones[i].start_c);
        eb_json_add_num(z, "end_c", k->zones[i].end_c);
        cJSON_AddItemToArray(zs, z);
    }
    return o;
}

static cJSON *roofline_json(const eb_result *r)
{
    const eb_roofline *f = &r->roofline;
    if (r->status != EB_RESULT_OK)
        return unavailable(NOT_RUN);
    if (!f->available)
        return unavailable(f->reason[0] ? f->reason : "not computed");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddTrueToObject(o, "available");
    cJSON_AddStringToObject(o, "calibration", f->calibration);
    cJSON_AddStringToObject(o, "calibrated_at", f->calibrated_at);
    cJSON_AddStringToObject(o, "dtype", f->dtype);
    cJSON_AddNumberToObject(o, "threads", f->threads);
    eb_json_add_num(o, "peak_gops", f->peak_gops);
    eb_json_add_num(o, "peak_gbytes_per_s", f->peak_gbytes_per_s);
    eb_json_add_num(o, "ridge_intensity", f->peak_gbytes_per_s > 0 ? f->peak_gops / f->peak_gbytes_per_s : NAN);
    eb_json_add_num(o, "intensity", f->intensity);
    eb_json_add_num(o, "achieved_gops", r->gflops_per_s);
    eb_json_add_num(o, "roof_gops", f->roof_gops);
    eb_json_add_num(o, "share", f->share);
    cJSON_AddStringToObject(o, "bound", f->memory_bound ? "memory" : "compute");
    if (f->reason[0])
        cJSON_AddStringToObject(o, "note", f->reason);
    return o;
}

void eb_counters_json_add(cJSON *o, const eb_result *r)
{
    cJSON_AddItemToObject(o, "counters", counters_json(r));
    cJSON_AddItemToObject(o, "frequency", frequency_json(r));
    cJSON_AddItemToObject(o, "thermal", thermal_json(r));
    cJSON_AddItemToObject(o, "roofline", roofline_json(r));
    cJSON_AddItemToObject(o, "bytes_by_level", r->status == EB_RESULT_OK ? levels_json(r) : unavailable(NOT_RUN));
}

/* ---- reading back ---- */

static double get_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static void get_str(const cJSON *o, const char *k, char *dst, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (cJSON_IsString(v))
        snprintf(dst, n, "%s", v->valuestring);
}

static bool is_available(const cJSON *o)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "available"));
}

static const char OLD[] = "not in this result file (written before it was recorded)";

void eb_counters_json_load(const cJSON *o, eb_result *r)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(o, "counters");
    eb_counters *k = &r->counters;
    if (!is_available(c)) {
        get_str(c, "reason", k->sw_reason, sizeof k->sw_reason);
    } else {
        const cJSON *sw = cJSON_GetObjectItemCaseSensitive(c, "software");
        const cJSON *tot = cJSON_GetObjectItemCaseSensitive(sw, "totals");
        k->sw_available = true;
        get_str(sw, "source", k->sw_source, sizeof k->sw_source);
        k->runs = eb_json_i64(fmax(0, get_num(sw, "runs")), 0);
        k->ctx_involuntary = eb_json_u64(fmax(0, get_num(tot, "involuntary_context_switches")), 0);
        k->ctx_voluntary = eb_json_u64(fmax(0, get_num(tot, "voluntary_context_switches")), 0);
        k->faults_minor = eb_json_u64(fmax(0, get_num(tot, "minor_page_faults")), 0);
        k->faults_major = eb_json_u64(fmax(0, get_num(tot, "major_page_faults")), 0);
        const cJSON *pre = cJSON_GetObjectItemCaseSensitive(c, "preemption");
        if ((k->preempt_known = is_available(pre))) {
            k->preempted_samples = eb_json_i64(fmax(0, get_num(pre, "preempted_samples")), 0);
            k->window = eb_json_int(fmax(1, get_num(pre, "window")), 0);
            k->windows = eb_json_i64(fmax(0, get_num(pre, "windows")), 0);
            k->preempted_windows = eb_json_i64(fmax(0, get_num(pre, "preempted_windows")), 0);
            k->probe_ns = get_num(pre, "probe_ns");
            const cJSON *idx = cJSON_GetObjectItemCaseSensitive(pre, "indices"), *e;
            cJSON_ArrayForEach(e, idx) if (cJSON_IsNumber(e) && k->n_preempted_listed < EB_PREEMPT_MAX_LISTED)
                k->preempted[k->n_preempted_listed++] = eb_json_int(e->valuedouble, 0);
        }
        const cJSON *hw = cJSON_GetObjectItemCaseSensitive(c, "hardware");
        get_str(hw, "reason", k->hw_reason, sizeof k->hw_reason);
        get_str(hw, "source", k->hw_source, sizeof k->hw_source);
        get_str(hw, "papi_reason", k->hw_papi, sizeof k->hw_papi);
        get_str(hw, "events", k->hw_events, sizeof k->hw_events);
        double line = get_num(cJSON_GetObjectItemCaseSensitive(hw, "dram_bytes"), "line_bytes");
        k->line_bytes = (uint32_t)(eb_json_u64(line, 0) > UINT32_MAX ? 0 : eb_json_u64(line, 0));
        if ((k->hw_available = is_available(hw))) {
            const cJSON *ht = cJSON_GetObjectItemCaseSensitive(hw, "totals");
            for (int i = 0; i < EB_HW_COUNT; i++) {
                double v = get_num(ht, eb_hw_counter_name(i));
                if ((k->hw_known[i] = isfinite(v)))
                    k->hw[i] = eb_json_u64(v, 0);
            }
        }
    }
    if (!c)
        snprintf(k->sw_reason, sizeof k->sw_reason, "%s", OLD);

    const cJSON *fq = cJSON_GetObjectItemCaseSensitive(o, "frequency");
    eb_clock *ck = &r->clock;
    snprintf(ck->freq_reason, sizeof ck->freq_reason, "%s", OLD);
    get_str(fq, "reason", ck->freq_reason, sizeof ck->freq_reason);
    get_str(fq, "governor", ck->governor, sizeof ck->governor);
    if ((ck->freq_available = is_available(fq))) {
        ck->polls = eb_json_int(fmax(0, get_num(fq, "polls")), 0);
        ck->start_mhz = get_num(fq, "start_mhz");
        ck->min_mhz = get_num(fq, "min_mhz");
        ck->median_mhz = get_num(fq, "median_mhz");
        ck->max_mhz = get_num(fq, "max_mhz");
        ck->end_mhz = get_num(fq, "end_mhz");
        ck->throttled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fq, "throttled"));
    }
    const cJSON *th = cJSON_GetObjectItemCaseSensitive(o, "thermal");
    snprintf(ck->thermal_reason, sizeof ck->thermal_reason, "%s", OLD);
    get_str(th, "reason", ck->thermal_reason, sizeof ck->thermal_reason);
    if ((ck->thermal_available = is_available(th))) {
        const cJSON *z;
        cJSON_ArrayForEach(z, cJSON_GetObjectItemCaseSensitive(th, "zones")) {
            if (ck->n_zones == EB_MAX_THERMAL_ZONES)
                break;
            eb_thermal_zone *d = &ck->zones[ck->n_zones++];
            get_str(z, "zone", d->name, sizeof d->name);
            get_str(z, "type", d->type, sizeof d->type);
            d->start_c = get_num(z, "start_c");
            d->end_c = get_num(z, "end_c");
        }
    }

    const cJSON *ml = cJSON_GetObjectItemCaseSensitive(o, "bytes_by_level");
    eb_mem_levels *m = &r->mem_levels;
    snprintf(m->reason, sizeof m->reason, "%s", OLD);
    get_str(ml, "reason", m->reason, sizeof m->reason);
    if ((m->available = is_available(ml))) {
        m->reason[0] = '\0';
        get_str(ml, "note", m->reason, sizeof m->reason);
        get_str(ml, "capacity_source", m->capacity_source, sizeof m->capacity_source);
        get_str(ml, "dram_source", m->dram_source, sizeof m->dram_source);
        const cJSON *per = cJSON_GetObjectItemCaseSensitive(ml, "per_inference");
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(ml, "capacity_bytes");
        for (int l = 0; l < EB_LEVEL_COUNT; l++)
            m->bytes[l] = get_num(per, eb_level_name(l));
        for (int l = 0; l < EB_LEVEL_DRAM; l++) {
            double v = get_num(cap, eb_level_name(l));
            m->capacity[l] = eb_json_u64(v, 0);
        }
        double f = get_num(ml, "footprint_bytes");
        m->footprint = eb_json_u64(f, 0);
        m->model_dram = get_num(ml, "model_dram");
    }

    const cJSON *rf = cJSON_GetObjectItemCaseSensitive(o, "roofline");
    eb_roofline *f = &r->roofline;
    snprintf(f->reason, sizeof f->reason, "%s", OLD);
    get_str(rf, "reason", f->reason, sizeof f->reason);
    get_str(rf, "note", f->reason, sizeof f->reason);
    if ((f->available = is_available(rf))) {
        get_str(rf, "calibration", f->calibration, sizeof f->calibration);
        get_str(rf, "calibrated_at", f->calibrated_at, sizeof f->calibrated_at);
        get_str(rf, "dtype", f->dtype, sizeof f->dtype);
        f->threads = eb_json_int(fmax(0, get_num(rf, "threads")), 0);
        f->peak_gops = get_num(rf, "peak_gops");
        f->peak_gbytes_per_s = get_num(rf, "peak_gbytes_per_s");
        f->intensity = get_num(rf, "intensity");
        f->roof_gops = get_num(rf, "roof_gops");
        f->share = get_num(rf, "share");
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(rf, "bound");
        f->memory_bound = cJSON_IsString(b) && strcmp(b->valuestring, "memory") == 0;
    }
}
