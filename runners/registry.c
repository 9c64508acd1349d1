/* registry.c - the table of runners built into this binary (runners.def),
 * what every runner's supports() checks first, the entries of a runner's
 * profile(), and the devices of runners and results. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "models/storage.h"
#include "runners/cpu_features.h"
#include "runners/runner.h"

/* EB_HAVE_<NAME> is 1 where the Makefile built that backend, else 0 here;
 * EB_RUNNER_IF(have, name) is EB_RUNNER(name) when have is 1, nothing
 * when 0 (have is expanded first, then pasted) */
#ifndef EB_HAVE_OPENCL
#define EB_HAVE_OPENCL 0
#endif
#ifndef EB_HAVE_CUDA
#define EB_HAVE_CUDA 0
#endif
#define EB_RUNNER_IF(have, name) EB_RUNNER_IF_(have, name)
#define EB_RUNNER_IF_(have, name) EB_RUNNER_IF_##have(name)
#define EB_RUNNER_IF_0(name)
#define EB_RUNNER_IF_1(name) EB_RUNNER(name)

#define EB_RUNNER(name) extern const eb_runner eb_runner_##name;
#include "runners/runners.def"
#undef EB_RUNNER

static const eb_runner *const runners[] = {
#define EB_RUNNER(name) &eb_runner_##name,
#include "runners/runners.def"
#undef EB_RUNNER
};

int eb_runner_count(void)
{
    return (int)(sizeof runners / sizeof runners[0]);
}

const eb_runner *eb_runner_at(int i)
{
    return i >= 0 && i < eb_runner_count() ? runners[i] : NULL;
}

const eb_runner *eb_runner_find(const char *name)
{
    for (int i = 0; i < eb_runner_count(); i++)
        if (strcmp(runners[i]->name, name) == 0)
            return runners[i];
    return NULL;
}

const char *const eb_runner_known_names[] = {"ref", "cpu", "opencl", "cuda", NULL};

bool eb_runner_known(const char *name)
{
    for (int i = 0; eb_runner_known_names[i]; i++)
        if (strcmp(eb_runner_known_names[i], name) == 0)
            return true;
    return eb_runner_find(name) != NULL; /* a built-in one missing from the list above */
}

eb_variant eb_variant_default(const char *name)
{
    eb_variant v = {.threads = 1, .group = 32, .compress = {.group = 32}};
    strncpy(v.runner, name, sizeof v.runner - 1);
    strcpy(v.prune, "none");
    strcpy(v.quant, "none");
    strcpy(v.isa, "auto");
    strcpy(v.gemm, "own");
    strcpy(v.math, "fp32");
    v.opt = 2; /* the cpu graph optimizer's default level; runners without one refuse others */
    strncpy(v.spec, name, sizeof v.spec - 1);
    return v;
}

bool eb_runner_keys_default(const char *runner, const eb_variant *v, unsigned takes, char *why, size_t n)
{
    /* "" in a string key: a zeroed variant, the default */
    if (!(takes & EB_KEY_THREADS) && v->threads != 1)
        snprintf(why, n, "%s is single-threaded on the host (threads=%d requested; threads is a cpu runner setting)",
                 runner, v->threads);
    else if (!(takes & EB_KEY_ISA) && v->isa[0] && strcmp(v->isa, "auto") != 0)
        snprintf(why, n, "%s has no kernel instruction sets to choose (isa=%s requested; isa is a cpu runner setting)",
                 runner, v->isa);
    else if (!(takes & EB_KEY_OPT) && v->opt != 2)
        snprintf(why, n, "%s has no graph-optimizer levels (opt=%d requested; opt is a cpu runner setting)", runner,
                 v->opt);
    else if (!(takes & EB_KEY_GEMM) && v->gemm[0] && strcmp(v->gemm, "own") != 0)
        snprintf(why, n, "%s runs its own GEMMs only (gemm=%s requested; gemm is a cuda runner setting)", runner,
                 v->gemm);
    else if (!(takes & EB_KEY_MATH) && v->math[0] && strcmp(v->math, "fp32") != 0)
        snprintf(why, n, "%s computes in fp32 (math=%s requested; math is a cuda runner setting, quant= compresses "
                         "weights)", runner, v->math);
    else
        return true;
    return false;
}

bool eb_runner_ops_known(const eb_graph *g, char *why, size_t n)
{
    for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].op == EB_OP_UNKNOWN) {
            snprintf(why, n, "op %s (node '%s') is not implemented", g->nodes[i].op_type, g->nodes[i].name);
            return false;
        }
    return true;
}

eb_status eb_runner_check_storage(const eb_graph *g, eb_err *err)
{
    for (int i = 0; i < g->n_values; i++)
        if (g->values[i].is_const && g->values[i].t.storage) {
            eb_status st = eb_storage_validate(&g->values[i].t, g->values[i].name, err);
            if (st != EB_OK)
                return st;
        }
    return EB_OK;
}

/* Copies s into dst[n], ending it in "..." when it does not fit. */
static void copy_cut(char *dst, size_t n, const char *s)
{
    size_t len = strlen(s);
    if (len < n) {
        memcpy(dst, s, len + 1);
        return;
    }
    memcpy(dst, s, n - 4);
    memcpy(dst + n - 4, "...", 4);
}

void eb_node_time_set(eb_node_time *times, int max, int k, const char *name, const char *op, double ms)
{
    if (k < 0 || k >= max)
        return;
    copy_cut(times[k].name, sizeof times[k].name, name);
    copy_cut(times[k].op, sizeof times[k].op, op);
    times[k].ms = ms;
}

int eb_runner_host_devices(eb_device *out, int max)
{
    if (max < 1)
        return 1;
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "cpu");
    snprintf(out->kind, sizeof out->kind, "cpu");
    snprintf(out->name, sizeof out->name, "%s", eb_cpu_features_get()->brand);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0)
        out->memory_bytes = (uint64_t)pages * (uint64_t)page;
    return 1;
}

bool eb_runner_device(const eb_runner *r, int index, bool in_child, eb_device *out)
{
    if (!r->devices || index < 0 || (r->devices_in_child && !in_child))
        return false;
    enum { MAX = 16 };
    eb_device all[MAX];
    int n = r->devices(all, MAX);
    if (index >= n || index >= MAX)
        return false;
    *out = all[index];
    return true;
}

bool eb_runner_device_id(const eb_runner *r, int index, bool in_child, char *id, size_t n)
{
    eb_device d;
    if (eb_runner_device(r, index, in_child, &d)) {
        snprintf(id, n, "%s", d.id);
        return true;
    }
    snprintf(id, n, "%s:%d", r->name, index);
    return r->devices_in_child && !in_child && index >= 0;
}
