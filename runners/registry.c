/* registry.c - the table of runners built into this binary (runners.def). */
#include <string.h>

#include "runners/runner.h"

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

eb_variant eb_variant_default(const char *name)
{
    eb_variant v = {.threads = 1, .group = 32};
    strncpy(v.runner, name, sizeof v.runner - 1);
    strcpy(v.prune, "none");
    strcpy(v.quant, "none");
    strncpy(v.spec, name, sizeof v.spec - 1);
    return v;
}
