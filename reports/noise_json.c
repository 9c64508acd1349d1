/* noise_json.c - a result's "noise" object (noise_json.h).  Each
 * environment check is one string: its value, or "unavailable: REASON". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/noise_json.h"
#include "reports/json_out.h"
#include "reports/json_num.h"

static void add_check(cJSON *o, cJSON *noisy, const char *k, const eb_env_check *c)
{
    char text[sizeof c->reason + 16];
    if (c->available)
        snprintf(text, sizeof text, "%s", c->value);
    else
        snprintf(text, sizeof text, "unavailable: %s", c->reason);
    cJSON_AddStringToObject(o, k, text);
    if (c->available && c->noisy)
        cJSON_AddItemToArray(noisy, cJSON_CreateString(k));
}

static cJSON *env_json(const eb_env_checks *e)
{
    if (!e->checked)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON *noisy = cJSON_CreateArray();
    add_check(o, noisy, "governor", &e->governor);
    add_check(o, noisy, "turbo", &e->turbo);
    add_check(o, noisy, "aslr", &e->aslr);
    add_check(o, noisy, "smt", &e->smt);
    add_check(o, noisy, "load_average", &e->load_average);
    add_check(o, noisy, "busy_processes", &e->busy_processes);
    add_check(o, noisy, "pinned", &e->pinned);
    cJSON_AddItemToObject(o, "noisy", noisy);
    return o;
}

static cJSON *sentinel_json(const eb_sentinel *s, bool ok)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "available", s->available);
    if (!s->available)
        cJSON_AddStringToObject(o, "reason", *s->reason ? s->reason
                                             : ok ? "not measured"
                                                  : "the variant did not complete its timed runs");
    cJSON_AddNumberToObject(o, "reps", s->reps);
    eb_json_add_num(o, "before_ms", s->available || s->reps ? s->before_ms : NAN);
    eb_json_add_num(o, "after_ms", s->available ? s->after_ms : NAN);
    eb_json_add_num(o, "change", s->available ? s->change : NAN);
    eb_json_add_num(o, "threshold", s->threshold);
    cJSON_AddBoolToObject(o, "machine_speed_changed", s->available && s->speed_changed);
    cJSON_AddBoolToObject(o, "simulated", s->simulated);
    return o;
}

static cJSON *audit_json(const eb_cache_audit *a)
{
    if (!a->requested)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "available", a->available);
    if (!a->available)
        cJSON_AddStringToObject(o, "reason", *a->reason ? a->reason : "the variant did not complete its timed runs");
    cJSON_AddNumberToObject(o, "runs_same", a->runs_same);
    cJSON_AddNumberToObject(o, "runs_distinct", a->runs_distinct);
    eb_json_add_num(o, "same_median_ms", a->available ? a->same_median_ms : NAN);
    eb_json_add_num(o, "distinct_median_ms", a->available ? a->distinct_median_ms : NAN);
    eb_json_add_num(o, "same_q75_ms", a->available ? a->same_q75_ms : NAN);
    eb_json_add_num(o, "distinct_q25_ms", a->available ? a->distinct_q25_ms : NAN);
    eb_json_add_num(o, "ratio", a->available ? a->ratio : NAN);
    eb_json_add_num(o, "threshold", a->threshold);
    cJSON_AddNumberToObject(o, "rounds", a->rounds);
    cJSON_AddNumberToObject(o, "rounds_faster", a->rounds_faster);
    cJSON_AddBoolToObject(o, "flagged", a->available && a->flagged);
    return o;
}

void eb_noise_json_add(cJSON *o, const eb_result *r)
{
    const eb_noise *n = &r->noise;
    cJSON *j = cJSON_AddObjectToObject(o, "noise");
    cJSON_AddBoolToObject(j, "pinned", n->pinned);
    if (n->pinned)
        cJSON_AddStringToObject(j, "cpus", n->cpus);
    else
        cJSON_AddNullToObject(j, "cpus");
    cJSON_AddNumberToObject(j, "cooldown_s", n->cooldown_s);
    cJSON_AddItemToObject(j, "environment", env_json(&n->env));
    cJSON_AddItemToObject(j, "sentinel", sentinel_json(&n->sentinel, r->status == EB_RESULT_OK));
    cJSON_AddItemToObject(j, "cache_audit", audit_json(&n->cache));
    cJSON *flags = cJSON_AddArrayToObject(j, "flags");
    if (n->sentinel.available && n->sentinel.speed_changed)
        cJSON_AddItemToArray(flags, cJSON_CreateString(EB_FLAG_SPEED_CHANGED));
    if (n->cache.available && n->cache.flagged)
        cJSON_AddItemToArray(flags, cJSON_CreateString(EB_FLAG_CACHE));
}

/* ---- reading back ------------------------------------------------------- */

static double get_num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static bool get_bool(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void get_str(char *dst, size_t n, const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    snprintf(dst, n, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

static void load_check(const cJSON *env, const char *k, eb_env_check *c)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, k);
    if (!cJSON_IsString(v))
        return;
    if (strncmp(v->valuestring, "unavailable: ", 13) == 0) {
        snprintf(c->reason, sizeof c->reason, "%s", v->valuestring + 13);
        return;
    }
    c->available = true;
    snprintf(c->value, sizeof c->value, "%s", v->valuestring);
    const cJSON *noisy = cJSON_GetObjectItemCaseSensitive(env, "noisy"), *e;
    cJSON_ArrayForEach(e, noisy)
        if (cJSON_IsString(e) && strcmp(e->valuestring, k) == 0)
            c->noisy = true;
}

void eb_noise_json_load(const cJSON *o, eb_result *r)
{
    eb_noise *n = &r->noise;
    memset(n, 0, sizeof *n);
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "noise");
    if (!cJSON_IsObject(j))
        return;
    n->pinned = get_bool(j, "pinned");
    get_str(n->cpus, sizeof n->cpus, j, "cpus");
    double cool = get_num(j, "cooldown_s");
    n->cooldown_s = isfinite(cool) ? cool : 0;
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(j, "environment");
    if (cJSON_IsObject(env)) {
        n->env.checked = true;
        load_check(env, "governor", &n->env.governor);
        load_check(env, "turbo", &n->env.turbo);
        load_check(env, "aslr", &n->env.aslr);
        load_check(env, "smt", &n->env.smt);
        load_check(env, "load_average", &n->env.load_average);
        load_check(env, "busy_processes", &n->env.busy_processes);
        load_check(env, "pinned", &n->env.pinned);
    }
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "sentinel");
    if (cJSON_IsObject(s)) {
        eb_sentinel *t = &n->sentinel;
        t->available = get_bool(s, "available");
        get_str(t->reason, sizeof t->reason, s, "reason");
        t->simulated = get_bool(s, "simulated");
        double reps = get_num(s, "reps");
        t->reps = eb_json_int(reps, 0);
        t->before_ms = get_num(s, "before_ms");
        t->after_ms = get_num(s, "after_ms");
        t->change = get_num(s, "change");
        t->threshold = get_num(s, "threshold");
        t->speed_changed = get_bool(s, "machine_speed_changed");
    }
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "cache_audit");
    if (cJSON_IsObject(a)) {
        eb_cache_audit *c = &n->cache;
        c->requested = true;
        c->available = get_bool(a, "available");
        get_str(c->reason, sizeof c->reason, a, "reason");
        double rs = get_num(a, "runs_same"), rd = get_num(a, "runs_distinct");
        c->runs_same = eb_json_int(rs, 0);
        c->runs_distinct = eb_json_int(rd, 0);
        c->same_median_ms = get_num(a, "same_median_ms");
        c->distinct_median_ms = get_num(a, "distinct_median_ms");
        c->same_q75_ms = get_num(a, "same_q75_ms");
        c->distinct_q25_ms = get_num(a, "distinct_q25_ms");
        c->ratio = get_num(a, "ratio");
        c->threshold = get_num(a, "threshold");
        double rr = get_num(a, "rounds"), rf = get_num(a, "rounds_faster");
        c->rounds = eb_json_int(rr, 0);
        c->rounds_faster = eb_json_int(rf, 0);
        c->flagged = get_bool(a, "flagged");
    }
}
