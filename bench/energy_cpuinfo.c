/* energy_cpuinfo.c - the CPU's identity for the estimators: vendor,
 * family, model, stepping and brand from /proc/cpuinfo (under
 * EB_SYSFS_ROOT), and the hypervisor flag: the CPUID bit (leaf 1, ECX bit
 * 31) a hypervisor sets for its guests, which the kernel lists as the
 * "hypervisor" flag.  A guest's CPU time is a share of some host package
 * the guest cannot see, so the estimators widen their band for it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy.h"

/* "key\t: value" -> value, when line's key is key */
static const char *value_of(const char *line, const char *key)
{
    size_t k = strlen(key);
    if (strncmp(line, key, k) != 0 || (line[k] != ' ' && line[k] != '\t' && line[k] != ':'))
        return NULL;
    const char *c = strchr(line + k, ':');
    if (!c)
        return NULL;
    c++;
    while (*c == ' ' || *c == '\t')
        c++;
    return c;
}

void eb_cpu_id_read(eb_cpu_id *c)
{
    char path[512], line[4096];
    memset(c, 0, sizeof *c);
    eb_sysfs_path(path, sizeof path, "proc/cpuinfo");
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    int seen_processor = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        const char *v;
        if (value_of(line, "processor") && ++seen_processor > 1)
            break; /* the first CPU speaks for all */
        if ((v = value_of(line, "vendor_id"))) {
            snprintf(c->vendor, sizeof c->vendor, "%s", v);
            snprintf(c->arch, sizeof c->arch, "x86");
            c->known = true;
        } else if ((v = value_of(line, "cpu family"))) {
            c->family = atoi(v);
        } else if ((v = value_of(line, "model name"))) {
            snprintf(c->brand, sizeof c->brand, "%s", v);
        } else if ((v = value_of(line, "model"))) {
            c->model = atoi(v);
        } else if ((v = value_of(line, "stepping"))) {
            c->stepping = atoi(v);
        } else if ((v = value_of(line, "flags"))) {
            char flags[4096];
            snprintf(flags, sizeof flags, " %s ", v);
            c->hypervisor = strstr(flags, " hypervisor ") != NULL;
        } else if ((v = value_of(line, "CPU implementer"))) {
            snprintf(c->arch, sizeof c->arch, "arm");
            c->known = true;
        }
    }
    fclose(f);
}
