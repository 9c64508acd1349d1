/* history_export.c - the history database's results as the dashboard
 * exports' points (export.h), for `edgebench history export`: one point
 * per stored result, run by run, oldest first, with each run's id, host,
 * commit and start time.  A number the database holds as NULL (not
 * measured) stays NAN.  The database keeps no energy figures, so the
 * points have none. */
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "reports/export.h"
#include "reports/history.h"

static const char QUERY[] = "SELECT runs.id, runs.start_time, runs.git_commit, runs.host, results.model,\n"
                            "       results.variant, results.device, results.status, results.n,\n"
                            "       results.median_ms, results.ci_low, results.ci_high, results.peak_rss_bytes\n"
                            "FROM results JOIN runs ON results.run_id = runs.id\n"
                            "ORDER BY runs.start_time, runs.id, results.id";

static void text(char *dst, size_t n, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static double real_or_nan(sqlite3_stmt *s, int col)
{
    return sqlite3_column_type(s, col) == SQLITE_NULL ? NAN : sqlite3_column_double(s, col);
}

eb_status eb_history_export_points(struct eb_history *h, eb_export_point **out, int *n, eb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db = eb_history_sqlite(h);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, QUERY, -1, &s, NULL) != SQLITE_OK)
        return eb_errf(err, EB_EIO, "history export: %s", sqlite3_errmsg(db));
    eb_export_point *pts = NULL;
    int cap = 0, k = 0, rc;
    eb_status st = EB_OK;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (k == cap) {
            int ncap = cap ? cap * 2 : 64;
            eb_export_point *np = realloc(pts, sizeof *np * (size_t)ncap);
            if (!np) {
                st = eb_errf(err, EB_ENOMEM, "history export: out of memory");
                break;
            }
            pts = np;
            cap = ncap;
        }
        eb_export_point *p = &pts[k++];
        memset(p, 0, sizeof *p);
        p->run = sqlite3_column_int64(s, 0);
        text(p->start_time, sizeof p->start_time, s, 1);
        p->time_ms = eb_export_parse_time(p->start_time);
        text(p->commit, sizeof p->commit, s, 2);
        text(p->host, sizeof p->host, s, 3);
        text(p->model, sizeof p->model, s, 4);
        text(p->variant, sizeof p->variant, s, 5);
        text(p->device, sizeof p->device, s, 6);
        text(p->status, sizeof p->status, s, 7);
        p->n = sqlite3_column_int(s, 8);
        p->median_ms = p->ci_low_ms = p->ci_high_ms = p->peak_rss_bytes = NAN;
        p->energy_kind = EB_ENERGY_UNAVAILABLE;
        p->energy_j = p->energy_low_j = p->energy_high_j = NAN;
        if (strcmp(p->status, "ok") != 0)
            continue;
        p->median_ms = real_or_nan(s, 9);
        double lo = real_or_nan(s, 10), hi = real_or_nan(s, 11), rss = real_or_nan(s, 12);
        if (isfinite(lo) && isfinite(hi)) {
            p->ci_low_ms = lo;
            p->ci_high_ms = hi;
        }
        if (isfinite(rss) && rss > 0)
            p->peak_rss_bytes = rss;
    }
    if (st == EB_OK && rc != SQLITE_DONE)
        st = eb_errf(err, EB_EIO, "history export: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    if (st != EB_OK) {
        free(pts);
        return st;
    }
    *out = pts;
    *n = k;
    return EB_OK;
}
