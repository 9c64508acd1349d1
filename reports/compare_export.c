/* compare_export.c - `compare --format junit|gab|bmf|openmetrics`: the
 * verdicts as JUnit XML, or the NEW file's results for dashboards (the
 * comparison's other side is what a dashboard already has). */
#include <stdlib.h>
#include <string.h>

#include "reports/export.h"

int eb_compare_format_parse(const char *s)
{
    static const char *const names[] = {"md", "json", "junit", "gab", "bmf", "openmetrics"};
    for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

eb_status eb_compare_export(FILE *f, const eb_comparison *c, int fmt, eb_err *err)
{
    if (fmt == EB_CMP_JUNIT)
        return eb_emit_junit(f, c, c->base->path, c->new->path, err);
    if (fmt != EB_CMP_GAB && fmt != EB_CMP_BMF && fmt != EB_CMP_OPENMETRICS)
        return eb_errf(err, EB_EINVAL, "compare: format %d is not an export", fmt);
    const eb_result_set *s = c->new;
    eb_export_point *pts;
    eb_status st = eb_export_points_from_results(s->results, s->n, s->host, s->git_commit, s->start_time, &pts, err);
    if (st != EB_OK)
        return st;
    if (fmt == EB_CMP_GAB)
        st = eb_emit_gab(f, pts, s->n, err);
    else if (fmt == EB_CMP_BMF)
        st = eb_emit_bmf(f, pts, s->n, err);
    else
        st = eb_emit_openmetrics(f, pts, s->n, false, err);
    free(pts);
    return st;
}
