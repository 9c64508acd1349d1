/* cpu_opt_record.c - what the cpu runner's graph optimizer did, for the
 * record: each fusion the plan makes is counted under its pattern's name
 * ("LayerNorm", "Conv+BatchNorm", "Conv+Relu"), and the counts become
 * eb_plan_info.fusions, "LayerNorm x9, Conv+Relu x17", patterns in the
 * order the plan first made them. */
#include "runners/cpu/cpu_plan.h"

#include <stdio.h>
#include <string.h>

void eb_cpu_note_fusion(eb_plan *p, const char *pattern)
{
    int n_slots = (int)(sizeof p->fusion / sizeof p->fusion[0]);
    for (int i = 0; i < p->n_fusion; i++)
        if (strcmp(p->fusion[i].name, pattern) == 0) {
            p->fusion[i].count++;
            return;
        }
    /* more kinds than slots: the last slot counts the rest */
    int i = p->n_fusion < n_slots ? p->n_fusion++ : n_slots - 1;
    if (i == n_slots - 1 && p->fusion[i].count > 0 && strcmp(p->fusion[i].name, pattern) != 0) {
        snprintf(p->fusion[i].name, sizeof p->fusion[i].name, "other");
        p->fusion[i].count++;
        return;
    }
    snprintf(p->fusion[i].name, sizeof p->fusion[i].name, "%s", pattern);
    p->fusion[i].count = 1;
}

void eb_cpu_describe_fusions(const eb_plan *p, char *buf, size_t n)
{
    if (n < 8)
        return;
    buf[0] = '\0';
    size_t k = 0;
    for (int i = 0; i < p->n_fusion; i++) {
        char item[64];
        int w = snprintf(item, sizeof item, "%s%s x%d", i ? ", " : "", p->fusion[i].name, p->fusion[i].count);
        if (w < 0 || k + (size_t)w + 6 > n) { /* no room for the rest: say so rather than cut a name */
            snprintf(buf + k, n - k, ", ...");
            return;
        }
        memcpy(buf + k, item, (size_t)w + 1);
        k += (size_t)w;
    }
}
