/* emit_junit.c - `compare` verdicts as JUnit XML, the test report every CI
 * system shows (Jenkins, GitLab, GitHub checks), so that a regression is a
 * failed test there.  The layout is the Ant / Jenkins one
 * (tests/data/junit-10.xsd, the Jenkins xunit plugin's schema, checks it):
 *
 *   <testsuites name tests failures errors>
 *     <testsuite name=MODEL tests failures errors skipped>   one per model
 *       <testcase classname="MODEL/VARIANT/DEVICE" name="latency">
 *         <failure message type>the figures</failure>        regressed
 *         <skipped message/>                                 not compared
 *       </testcase>
 *
 * For every paired result there is one testcase per metric compare judges:
 * status (ok before and failed, crashed or timed out now), latency
 * (slower), accuracy (the task metric's drop) and memory (peak growth);
 * energy is shown by compare, never judged, so it is no test.  A metric
 * that could not be compared (a side did not run, no task metric, the
 * model changed) is <skipped> with the reason; a result found in one file
 * only is one skipped testcase, "present".  Text is escaped by
 * eb_xml_escape: a model or variant name cannot break the document. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reports/export.h"

void eb_xml_escape(FILE *f, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        unsigned c = *u;
        int len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool valid = len > 0 && !(len == 2 && c < 0xC2) && !(len == 4 && c > 0xF4);
        for (int k = 1; valid && k < len; k++)
            valid = (u[k] & 0xC0) == 0x80;
        if (valid && len == 3) { /* no overlong forms, no surrogates */
            valid = !(c == 0xE0 && u[1] < 0xA0) && !(c == 0xED && u[1] >= 0xA0);
        } else if (valid && len == 4) {
            valid = !(c == 0xF0 && u[1] < 0x90) && !(c == 0xF4 && u[1] >= 0x90);
        }
        if (!valid) {
            fputs("\xEF\xBF\xBD", f); /* U+FFFD for a byte that is not UTF-8 */
            u++;
            continue;
        }
        if (len > 1) {
            fwrite(u, 1, (size_t)len, f);
            u += len;
            continue;
        }
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        case '\t':
        case '\n':
        case '\r': fputc((int)c, f); break;
        default:
            if (c < 0x20)
                fputs("\xEF\xBF\xBD", f); /* XML 1.0 has no other control characters */
            else
                fputc((int)c, f);
        }
        u++;
    }
}

typedef enum { TC_PASS, TC_FAIL, TC_SKIP } tc_kind;

typedef struct tc {
    const char *name;
    tc_kind kind;
    char text[640]; /* the failure's figures or the skip's reason */
} tc;

static const char *side_label(const eb_compare_pair *p)
{
    return p->base ? p->base_label : p->new_label;
}

/* The testcases of one pair, into t[0..4); returns how many. */
static int pair_cases(const eb_comparison *c, const eb_compare_pair *p, tc *t)
{
    int n = 0;
    if (!p->base || !p->new) {
        t[0] = (tc){"present", TC_SKIP, ""};
        snprintf(t[0].text, sizeof t[0].text, "only in %s: not compared", p->base ? "BASE" : "NEW");
        return 1;
    }
    const char *bs = eb_result_status_name(p->base->status), *ns = eb_result_status_name(p->new->status);
    t[n] = (tc){"status", p->status_regressed ? TC_FAIL : TC_PASS, ""};
    snprintf(t[n].text, sizeof t[n].text, "status %s in BASE, %s in NEW%s%s", bs, ns,
             p->new->error[0] ? ": " : "", p->new->error);
    n++;

    const char *why = p->note[0] ? p->note : "not compared";
    t[n] = (tc){"latency", TC_SKIP, ""};
    if (p->latency_compared) {
        const eb_latency_cmp *l = &p->lat;
        t[n].kind = p->verdict == EB_VERDICT_SLOWER ? TC_FAIL : TC_PASS;
        snprintf(t[n].text, sizeof t[n].text,
                 "%s: median %.6g ms in BASE (n=%d), %.6g ms in NEW (n=%d): ratio %.4g (95%% CI %.4g to %.4g), "
                 "p = %.3g (alpha %g), threshold %g%%",
                 eb_verdict_name(p->verdict), l->base_median, l->n_base, l->new_median, l->n_new, l->ratio.ratio,
                 l->ratio.low, l->ratio.high, l->p, c->opts.alpha, c->opts.threshold_pct);
    } else {
        snprintf(t[n].text, sizeof t[n].text, "%s", why);
    }
    n++;

    t[n] = (tc){"accuracy", TC_SKIP, ""};
    if (p->acc_compared) {
        t[n].kind = p->acc_regressed ? TC_FAIL : TC_PASS;
        snprintf(t[n].text, sizeof t[n].text, "%s %.6g in BASE, %.6g in NEW on %lld images: %+.3g points (limit -%g)",
                 p->new->task.metric, p->base->task.value, p->new->task.value, (long long)p->new->task.count,
                 p->acc_delta_pp, c->opts.acc_threshold_pp);
    } else {
        snprintf(t[n].text, sizeof t[n].text, "no task metric on the same images in both: not compared");
    }
    n++;

    t[n] = (tc){"memory", TC_SKIP, ""};
    if (p->mem_compared) {
        t[n].kind = p->mem_regressed ? TC_FAIL : TC_PASS;
        uint64_t b = p->mem_by_growth ? p->base->peak_growth_bytes : p->base->peak_rss_bytes;
        uint64_t w = p->mem_by_growth ? p->new->peak_growth_bytes : p->new->peak_rss_bytes;
        snprintf(t[n].text, sizeof t[n].text,
                 "%s %llu bytes in BASE, %llu in NEW: %+.3g%% (limit %g%% and %.0f bytes)",
                 p->mem_by_growth ? "peak growth over prepare and runs" : "peak RSS", (unsigned long long)b,
                 (unsigned long long)w, p->mem_growth_pct, c->opts.mem_threshold_pct, c->opts.mem_floor_bytes);
    } else {
        snprintf(t[n].text, sizeof t[n].text, "peak memory not known in both: not compared");
    }
    n++;
    return n;
}

static void write_case(FILE *f, const char *classname, const tc *t)
{
    fputs("    <testcase classname=\"", f);
    eb_xml_escape(f, classname);
    fprintf(f, "\" name=\"%s\"", t->name);
    if (t->kind == TC_PASS) {
        fputs(">\n      <system-out>", f);
        eb_xml_escape(f, t->text);
        fputs("</system-out>\n    </testcase>\n", f);
        return;
    }
    if (t->kind == TC_SKIP) {
        fputs(">\n      <skipped message=\"", f);
        eb_xml_escape(f, t->text);
        fputs("\"/>\n    </testcase>\n", f);
        return;
    }
    fprintf(f, ">\n      <failure type=\"regression\" message=\"%s regressed\">", t->name);
    eb_xml_escape(f, t->text);
    fputs("</failure>\n    </testcase>\n", f);
}

eb_status eb_emit_junit(FILE *f, const eb_comparison *c, const char *base_name, const char *new_name, eb_err *err)
{
    /* suites: the model labels in first-seen order */
    const char **models = calloc((size_t)(c->n > 0 ? c->n : 1), sizeof *models);
    if (!models)
        return eb_errf(err, EB_ENOMEM, "junit: out of memory");
    int n_models = 0, total = 0, failures = 0;
    for (int i = 0; i < c->n; i++) {
        const char *m = side_label(&c->pairs[i]);
        int k = 0;
        while (k < n_models && strcmp(models[k], m) != 0)
            k++;
        if (k == n_models)
            models[n_models++] = m;
        tc t[4];
        int nt = pair_cases(c, &c->pairs[i], t);
        total += nt;
        for (int j = 0; j < nt; j++)
            failures += t[j].kind == TC_FAIL;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"edgebench compare ", f);
    eb_xml_escape(f, base_name ? base_name : "BASE");
    fputs(" ", f);
    eb_xml_escape(f, new_name ? new_name : "NEW");
    fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n", total, failures);
    for (int k = 0; k < n_models; k++) {
        int tests = 0, fails = 0, skips = 0;
        for (int i = 0; i < c->n; i++) {
            if (strcmp(side_label(&c->pairs[i]), models[k]) != 0)
                continue;
            tc t[4];
            int nt = pair_cases(c, &c->pairs[i], t);
            tests += nt;
            for (int j = 0; j < nt; j++) {
                fails += t[j].kind == TC_FAIL;
                skips += t[j].kind == TC_SKIP;
            }
        }
        fputs("  <testsuite name=\"", f);
        eb_xml_escape(f, models[k]);
        fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"0\" skipped=\"%d\">\n", tests, fails, skips);
        for (int i = 0; i < c->n; i++) {
            const eb_compare_pair *p = &c->pairs[i];
            if (strcmp(side_label(p), models[k]) != 0)
                continue;
            const eb_result *r = p->base ? p->base : p->new;
            char classname[640];
            snprintf(classname, sizeof classname, "%s/%s/%s", models[k], r->variant.spec, r->device);
            tc t[4];
            int nt = pair_cases(c, p, t);
            for (int j = 0; j < nt; j++)
                write_case(f, classname, &t[j]);
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    free(models);
    return EB_OK;
}
