/* provenance.c - tool, build, command and machine facts for result files. */
#include "bench/provenance.h"
#include "reports/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef EB_GIT_COMMIT
#define EB_GIT_COMMIT "unknown"
#endif
#ifndef EB_CFLAGS
#define EB_CFLAGS "unknown"
#endif

#if defined(__clang__)
#define EB_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define EB_COMPILER "gcc " __VERSION__
#else
#define EB_COMPILER "unknown"
#endif

void eb_provenance_get(eb_provenance *p, int argc, char **argv, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->version = EB_VERSION;
    p->git_commit = EB_GIT_COMMIT;
    p->compiler = EB_COMPILER;
    p->cflags = EB_CFLAGS;
    p->argc = argc;
    p->argv = argv;
    p->seed = seed;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(p->start_time, sizeof p->start_time, "%Y-%m-%dT%H:%M:%SZ", &tm);
    eb_device_info_get(&p->device);
    eb_environment_get(&p->env);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const eb_env_var *)a)->name, ((const eb_env_var *)b)->name);
}

void eb_environment_get(eb_environment *e)
{
    memset(e, 0, sizeof *e);
    for (char **v = environ; v && *v; v++) {
        if (strncmp(*v, "EB_", 3) != 0)
            continue;
        const char *eq = strchr(*v, '=');
        if (!eq)
            continue;
        if (e->n_vars == EB_ENV_MAX_VARS) {
            e->n_dropped++;
            continue;
        }
        eb_env_var *ev = &e->vars[e->n_vars++];
        snprintf(ev->name, sizeof ev->name, "%.*s", (int)(eq - *v), *v);
        snprintf(ev->value, sizeof ev->value, "%s", eq + 1);
    }
    qsort(e->vars, (size_t)e->n_vars, sizeof e->vars[0], by_name);
}

void eb_model_name(const char *path, char *out, size_t n)
{
    if (strncmp(path, "zoo:", 4) == 0) {
        snprintf(out, n, "%s", path + 4);
        return;
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (strcmp(base, "model.onnx") == 0 && base > path) {
        /* ONNX test-data layout: the folder names the model */
        const char *end = base - 1, *start = end;
        while (start > path && start[-1] != '/')
            start--;
        snprintf(out, n, "%.*s", (int)(end - start), start);
        return;
    }
    if (len > 5 && strcmp(base + len - 5, ".onnx") == 0)
        len -= 5;
    snprintf(out, n, "%.*s", (int)len, base);
}
