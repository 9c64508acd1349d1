/* history.c - run history in SQLite (see history.h), and the trend of one
 * (model, variant) over it, as a table or a gnuplot PNG.
 *
 * Schema, version 1 (PRAGMA user_version = 1); the CREATE statements in
 * SCHEMA below are the authority, this is their summary:
 *
 *   runs      one row per result file added
 *     id            INTEGER PRIMARY KEY
 *     start_time    TEXT  run.start_time, ISO 8601 UTC ("2026-11-24T12:43:18Z")
 *     git_commit    TEXT  tool.git_commit of the edgebench that measured
 *     tool_version  TEXT  tool.version
 *     host          TEXT  device.hostname
 *     cpu           TEXT  device.cpu.brand
 *     source_path   TEXT  the file as given to `history add`
 *     added_at      TEXT  when it was added, ISO 8601 UTC
 *     content_sha256 TEXT SHA-256 of what was measured: every result's
 *                         model, variant, device, status and raw samples
 *     UNIQUE(start_time, host, git_commit, content_sha256): the same run
 *     is never stored twice; adding it again is ignored (and reported).
 *     The digest is in the key because start times have one-second
 *     resolution: two runs started in the same second on one host from
 *     one commit (two jobs launched together) are different runs, while
 *     a file added twice, or its JSON and JSON Lines twins, hash the same.
 *
 *   results   one row per (model, variant, device) result of a run
 *     id, run_id -> runs(id) ON DELETE CASCADE
 *     model, model_path, model_sha256            what ran
 *     variant (canonical spec), runner, threads, prune, quant, quant_group,
 *     device, baseline (0/1)                      how it ran
 *     status, error, signal                       ok / unsupported / failed /
 *                                                 timeout / crashed, and why
 *     n, warmup, min_ms, median_ms, mean_ms, p90_ms, p99_ms, max_ms,
 *     stddev_ms, cv, unstable, ci_low, ci_high    latency summary (ms); the
 *                                                 CI is the run's 95% CI of
 *                                                 the median
 *     drift_rel_l2, drift_max_abs, drift_cosine,
 *     top1_agreement                              drift against the run's ref
 *     task_metric, task_value, task_count         e.g. top1_accuracy, 0.901, 1000
 *     peak_rss_bytes, weight_bytes, activation_bytes, flops, gflops_per_s
 *     Numbers that were not measured are NULL.
 *
 *   samples   the raw latency samples, warm-up excluded
 *     result_id -> results(id) ON DELETE CASCADE, idx (0-based), ms
 *     PRIMARY KEY(result_id, idx)
 *
 * Every add is one IMMEDIATE transaction with prepared statements; a
 * failure rolls it back.  The trend compares each run with the previous
 * one that ran, on the stored raw samples, with the rule of `compare`
 * (reports/compare.h): a regression is a Mann-Whitney p < alpha together
 * with a median ratio beyond the threshold.  The check (`history check`)
 * looks for change points in each series of run medians
 * (reports/changepoint.h). */
#include "reports/history.h"

#include "models/zoo.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct eb_history {
    sqlite3 *db;
    char path[512];
};

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS runs (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  start_time TEXT NOT NULL,\n"
    "  git_commit TEXT NOT NULL,\n"
    "  tool_version TEXT NOT NULL,\n"
    "  host TEXT NOT NULL,\n"
    "  cpu TEXT NOT NULL,\n"
    "  source_path TEXT NOT NULL,\n"
    "  added_at TEXT NOT NULL,\n"
    "  content_sha256 TEXT NOT NULL,\n"
    "  UNIQUE (start_time, host, git_commit, content_sha256)\n"
    ");\n"
    "CREATE TABLE IF NOT EXISTS results (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,\n"
    "  model TEXT NOT NULL,\n"
    "  model_path TEXT,\n"
    "  model_sha256 TEXT,\n"
    "  variant TEXT NOT NULL,\n"
    "  runner TEXT,\n"
    "  threads INTEGER,\n"
    "  prune TEXT,\n"
    "  quant TEXT,\n"
    "  quant_group INTEGER,\n"
    "  device TEXT NOT NULL,\n"
    "  baseline INTEGER NOT NULL,\n"
    "  status TEXT NOT NULL,\n"
    "  error TEXT,\n"
    "  signal INTEGER,\n"
    "  n INTEGER NOT NULL,\n"
    "  warmup INTEGER,\n"
    "  min_ms REAL,\n"
    "  median_ms REAL,\n"
    "  mean_ms REAL,\n"
    "  p90_ms REAL,\n"
    "  p99_ms REAL,\n"
    "  max_ms REAL,\n"
    "  stddev_ms REAL,\n"
    "  cv REAL,\n"
    "  unstable INTEGER,\n"
    "  ci_low REAL,\n"
    "  ci_high REAL,\n"
    "  drift_rel_l2 REAL,\n"
    "  drift_max_abs REAL,\n"
    "  drift_cosine REAL,\n"
    "  top1_agreement REAL,\n"
    "  task_metric TEXT,\n"
    "  task_value REAL,\n"
    "  task_count INTEGER,\n"
    "  peak_rss_bytes INTEGER,\n"
    "  weight_bytes INTEGER,\n"
    "  activation_bytes INTEGER,\n"
    "  flops INTEGER,\n"
    "  gflops_per_s REAL\n"
    ");\n"
    "CREATE INDEX IF NOT EXISTS results_by_key ON results (model, variant, device);\n"
    "CREATE INDEX IF NOT EXISTS results_by_run ON results (run_id);\n"
    "CREATE TABLE IF NOT EXISTS samples (\n"
    "  result_id INTEGER NOT NULL REFERENCES results(id) ON DELETE CASCADE,\n"
    "  idx INTEGER NOT NULL,\n"
    "  ms REAL NOT NULL,\n"
    "  PRIMARY KEY (result_id, idx)\n"
    ") WITHOUT ROWID;\n"
    "PRAGMA user_version = 1;\n";

_Static_assert(EB_HISTORY_SCHEMA_VERSION == 1, "SCHEMA above sets user_version = 1");

sqlite3 *eb_history_sqlite(eb_history *h)
{
    return h->db;
}

static eb_status db_err(eb_history *h, eb_err *err, const char *what)
{
    return eb_errf(err, EB_EIO, "%s: %s: %s", h->path, what, sqlite3_errmsg(h->db));
}

/* One value of a one-row query, -1 on error. */
static long long query_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Checks the version of an open database and creates the schema in an
 * empty one (when writable). */
static eb_status check_schema(eb_history *h, bool create, eb_err *err)
{
    if (create && sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        int code = sqlite3_errcode(h->db);
        if (code == SQLITE_NOTADB)
            return eb_errf(err, EB_EFORMAT, "%s: not an SQLite database", h->path);
        return db_err(h, err, "cannot start a transaction");
    }
    eb_status st = EB_OK;
    long long version = query_int(h->db, "PRAGMA user_version");
    long long tables = query_int(h->db, "SELECT count(*) FROM sqlite_master");
    if (version < 0 || tables < 0) {
        st = sqlite3_errcode(h->db) == SQLITE_NOTADB ? eb_errf(err, EB_EFORMAT, "%s: not an SQLite database", h->path)
                                                      : db_err(h, err, "cannot read the schema");
    } else if (version == 0 && tables > 0) {
        st = eb_errf(err, EB_EFORMAT, "%s: an SQLite database, but not an edgebench history (user_version 0)",
                     h->path);
    } else if (version == 0 && !create) {
        st = eb_errf(err, EB_EINVAL, "%s: an empty database: add results first (edgebench history add)", h->path);
    } else if (version == 0) {
        char *msg = NULL;
        if (sqlite3_exec(h->db, SCHEMA, NULL, NULL, &msg) != SQLITE_OK)
            st = eb_errf(err, EB_EIO, "%s: cannot create the schema: %s", h->path, msg ? msg : "?");
        sqlite3_free(msg);
    } else if (version != EB_HISTORY_SCHEMA_VERSION) {
        st = eb_errf(err, EB_EFORMAT, "%s: history schema version %lld, this edgebench reads version %d", h->path,
                     version, EB_HISTORY_SCHEMA_VERSION);
    }
    if (create)
        sqlite3_exec(h->db, st == EB_OK ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
    return st;
}

eb_status eb_history_open(const char *path, bool create, eb_history **out, eb_err *err)
{
    *out = NULL;
    eb_history *h = calloc(1, sizeof *h);
    if (!h)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory", path);
    snprintf(h->path, sizeof h->path, "%s", path);
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        free(h);
        return eb_errf(err, EB_EIO, "%s: is a folder, not a database file", path);
    }
    int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &h->db, flags, NULL) != SQLITE_OK) {
        int e = h->db ? sqlite3_system_errno(h->db) : 0;
        eb_status st = eb_errf(err, EB_EIO, "%s: cannot open the history database: %s%s%s%s", path,
                               h->db ? sqlite3_errmsg(h->db) : "out of memory", e ? " (" : "", e ? strerror(e) : "",
                               e ? ")" : "");
        sqlite3_close(h->db);
        free(h);
        return st;
    }
    sqlite3_busy_timeout(h->db, 10000); /* another job adding at the same moment */
    sqlite3_exec(h->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    eb_status st = check_schema(h, create, err);
    if (st != EB_OK) {
        eb_history_close(h);
        return st;
    }
    *out = h;
    return EB_OK;
}

void eb_history_close(eb_history *h)
{
    if (!h)
        return;
    sqlite3_close(h->db);
    free(h);
}

/* ---- add ------------------------------------------------------------------------ */

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* NULL for an empty string. */
static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        bind_text(st, i, s);
    else
        sqlite3_bind_null(st, i);
}

/* NULL for a number that was not measured (NAN, or infinite). */
static void bind_num(sqlite3_stmt *st, int i, double v)
{
    if (isfinite(v))
        sqlite3_bind_double(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* NULL for 0 ("unknown" in eb_result's byte counts). */
static void bind_count(sqlite3_stmt *st, int i, uint64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, (sqlite3_int64)v);
    else
        sqlite3_bind_null(st, i);
}

static const char INSERT_RESULT[] =
    "INSERT INTO results (run_id, model, model_path, model_sha256, variant, runner, threads, prune, quant,"
    " quant_group, device, baseline, status, error, signal, n, warmup, min_ms, median_ms, mean_ms, p90_ms, p99_ms,"
    " max_ms, stddev_ms, cv, unstable, ci_low, ci_high, drift_rel_l2, drift_max_abs, drift_cosine, top1_agreement,"
    " task_metric, task_value, task_count, peak_rss_bytes, weight_bytes, activation_bytes, flops, gflops_per_s)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22,"
    " ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40)";

static void bind_result(sqlite3_stmt *st, int64_t run_id, const eb_result *r)
{
    const eb_latency_stats *l = &r->latency;
    bool ok = r->status == EB_RESULT_OK;
    int k = 1;
    sqlite3_bind_int64(st, k++, run_id);
    bind_text(st, k++, r->model_name);
    bind_text_or_null(st, k++, r->model);
    bind_text_or_null(st, k++, r->model_sha256);
    bind_text(st, k++, r->variant.spec);
    bind_text_or_null(st, k++, r->variant.runner);
    sqlite3_bind_int(st, k++, r->variant.threads);
    bind_text_or_null(st, k++, r->variant.prune);
    bind_text_or_null(st, k++, r->variant.quant);
    sqlite3_bind_int(st, k++, r->variant.group);
    bind_text(st, k++, r->device);
    sqlite3_bind_int(st, k++, r->is_baseline);
    bind_text(st, k++, eb_result_status_name(r->status));
    bind_text_or_null(st, k++, r->error);
    if (r->signal)
        sqlite3_bind_int(st, k++, r->signal);
    else
        sqlite3_bind_null(st, k++);
    sqlite3_bind_int(st, k++, r->n_samples);
    sqlite3_bind_int(st, k++, r->warmup);
    bind_num(st, k++, ok ? l->min : NAN);
    bind_num(st, k++, ok ? l->median : NAN);
    bind_num(st, k++, ok ? l->mean : NAN);
    bind_num(st, k++, ok ? l->p90 : NAN);
    bind_num(st, k++, ok ? l->p99 : NAN);
    bind_num(st, k++, ok ? l->max : NAN);
    bind_num(st, k++, ok ? l->stddev : NAN);
    bind_num(st, k++, ok ? l->cv : NAN);
    sqlite3_bind_int(st, k++, l->unstable);
    bind_num(st, k++, ok && l->ci_available ? l->ci_low : NAN);
    bind_num(st, k++, ok && l->ci_available ? l->ci_high : NAN);
    const eb_drift *d = &r->drift;
    bind_num(st, k++, d->available ? d->rel_l2 : NAN);
    bind_num(st, k++, d->available ? d->max_abs : NAN);
    bind_num(st, k++, d->available ? d->cosine : NAN);
    bind_num(st, k++, d->available && d->has_top1 ? d->top1_agreement : NAN);
    bind_text_or_null(st, k++, r->task.available ? r->task.metric : NULL);
    bind_num(st, k++, r->task.available ? r->task.value : NAN);
    if (r->task.available)
        sqlite3_bind_int64(st, k++, r->task.count);
    else
        sqlite3_bind_null(st, k++);
    bind_count(st, k++, r->peak_rss_bytes);
    bind_count(st, k++, r->weight_bytes);
    bind_count(st, k++, r->activation_bytes);
    bind_count(st, k++, r->cost.flops > 0 ? (uint64_t)r->cost.flops : 0);
    bind_num(st, k++, r->gflops_per_s);
}

/* SHA-256 over each result's model, variant, device and status (each
 * NUL-terminated) and its samples as raw doubles: what identifies the
 * measurements of a run, whatever the file's format. */
static eb_status content_digest(const eb_result_set *s, char out[65], eb_err *err)
{
    size_t len = 0;
    for (int i = 0; i < s->n; i++)
        len += sizeof s->results[i].model_name + sizeof s->results[i].variant.spec + sizeof s->results[i].device +
               16 + (size_t)s->results[i].n_samples * sizeof(double);
    char *buf = malloc(len ? len : 1), *p = buf;
    if (!buf)
        return eb_errf(err, EB_ENOMEM, "%s: out of memory", s->path);
    for (int i = 0; i < s->n; i++) {
        const eb_result *r = &s->results[i];
        const char *fields[4] = {r->model_name, r->variant.spec, r->device, eb_result_status_name(r->status)};
        for (int k = 0; k < 4; k++) {
            size_t n = strlen(fields[k]) + 1;
            memcpy(p, fields[k], n);
            p += n;
        }
        if (r->n_samples) {
            memcpy(p, r->samples_ms, (size_t)r->n_samples * sizeof(double));
            p += (size_t)r->n_samples * sizeof(double);
        }
    }
    eb_sha256_hex(buf, (size_t)(p - buf), out);
    free(buf);
    return EB_OK;
}

static void utc_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
    else
        snprintf(buf, n, "unknown");
}

eb_status eb_history_add(eb_history *h, const eb_result_set *s, int64_t *run_id, bool *added, eb_err *err)
{
    *run_id = 0;
    *added = false;
    sqlite3_stmt *find = NULL, *run = NULL, *res = NULL, *smp = NULL;
    eb_status st = EB_OK;
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return db_err(h, err, "cannot start a transaction");
    if (sqlite3_prepare_v2(h->db,
                           "SELECT id FROM runs WHERE start_time = ?1 AND host = ?2 AND git_commit = ?3"
                           " AND content_sha256 = ?4",
                           -1, &find, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db,
                           "INSERT INTO runs (start_time, git_commit, tool_version, host, cpu, source_path, added_at,"
                           " content_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           -1, &run, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, INSERT_RESULT, -1, &res, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, "INSERT INTO samples (result_id, idx, ms) VALUES (?1, ?2, ?3)", -1, &smp, NULL) !=
            SQLITE_OK) {
        st = db_err(h, err, "cannot prepare a statement");
        goto out;
    }
    bind_text(find, 1, s->start_time);
    bind_text(find, 2, s->host);
    bind_text(find, 3, s->git_commit);
    char digest[65];
    if ((st = content_digest(s, digest, err)) != EB_OK)
        goto out;
    bind_text(find, 4, digest);
    int rc = sqlite3_step(find);
    if (rc == SQLITE_ROW) {
        *run_id = sqlite3_column_int64(find, 0);
        goto out; /* already there: nothing to add */
    }
    if (rc != SQLITE_DONE) {
        st = db_err(h, err, "cannot look up the run");
        goto out;
    }
    char now[32];
    utc_now(now, sizeof now);
    bind_text(run, 1, s->start_time);
    bind_text(run, 2, s->git_commit);
    bind_text(run, 3, s->tool_version);
    bind_text(run, 4, s->host);
    bind_text(run, 5, s->cpu);
    bind_text(run, 6, s->path);
    bind_text(run, 7, now);
    bind_text(run, 8, digest);
    if (sqlite3_step(run) != SQLITE_DONE) {
        st = db_err(h, err, "cannot add the run");
        goto out;
    }
    int64_t rid = sqlite3_last_insert_rowid(h->db);
    for (int i = 0; i < s->n && st == EB_OK; i++) {
        const eb_result *r = &s->results[i];
        sqlite3_reset(res);
        sqlite3_clear_bindings(res);
        bind_result(res, rid, r);
        if (sqlite3_step(res) != SQLITE_DONE) {
            st = db_err(h, err, "cannot add a result");
            break;
        }
        int64_t result_id = sqlite3_last_insert_rowid(h->db);
        for (int j = 0; j < r->n_samples; j++) {
            if (!isfinite(r->samples_ms[j]))
                continue; /* a non-number in the file; NOT NULL keeps the table clean */
            sqlite3_reset(smp);
            sqlite3_bind_int64(smp, 1, result_id);
            sqlite3_bind_int(smp, 2, j);
            sqlite3_bind_double(smp, 3, r->samples_ms[j]);
            if (sqlite3_step(smp) != SQLITE_DONE) {
                st = db_err(h, err, "cannot add a sample");
                break;
            }
        }
    }
    if (st == EB_OK) {
        *run_id = rid;
        *added = true;
    }
out:
    sqlite3_finalize(find);
    sqlite3_finalize(run);
    sqlite3_finalize(res);
    sqlite3_finalize(smp);
    if (st == EB_OK && *added) {
        if (sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            st = db_err(h, err, "cannot commit");
            *added = false;
            *run_id = 0;
        }
    }
    if (st != EB_OK || !*added)
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return st;
}

/* ---- trend ---------------------------------------------------------------------- */

static void col_text(sqlite3_stmt *st, int i, char *dst, size_t n)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

static double col_num(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? NAN : sqlite3_column_double(st, i);
}

/* "what the database holds" for the message when nothing matches. */
static void known_keys(eb_history *h, char *buf, size_t n)
{
    sqlite3_stmt *st;
    size_t len = 0;
    buf[0] = '\0';
    if (sqlite3_prepare_v2(h->db,
                           "SELECT model, variant, count(*) FROM results GROUP BY model, variant"
                           " ORDER BY model, variant LIMIT 11",
                           -1, &st, NULL) != SQLITE_OK)
        return;
    int k = 0;
    while (sqlite3_step(st) == SQLITE_ROW && len < n) {
        const char *m = (const char *)sqlite3_column_text(st, 0), *v = (const char *)sqlite3_column_text(st, 1);
        int w = ++k > 10 ? snprintf(buf + len, n - len, ", ...")
                         : snprintf(buf + len, n - len, "%s%s %s (%d)", len ? ", " : "", m ? m : "", v ? v : "",
                                    sqlite3_column_int(st, 2));
        len += w > 0 ? (size_t)w : 0;
    }
    sqlite3_finalize(st);
}

static eb_status load_samples(eb_history *h, sqlite3_stmt *q, eb_trend_point *p, eb_err *err)
{
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, p->result_id);
    int cap = 0, rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (p->n == cap) {
            cap = cap ? 2 * cap : 64;
            double *grown = realloc(p->samples, (size_t)cap * sizeof *grown);
            if (!grown)
                return eb_errf(err, EB_ENOMEM, "%s: out of memory", h->path);
            p->samples = grown;
        }
        p->samples[p->n++] = sqlite3_column_double(q, 0);
    }
    return rc == SQLITE_DONE ? EB_OK : db_err(h, err, "cannot read samples");
}

static const char TREND_SQL[] =
    "SELECT r.id, runs.id, runs.start_time, runs.git_commit, runs.host, r.device, r.status, r.median_ms, r.ci_low,"
    " r.ci_high, r.model, r.variant, r.model_path, r.model_sha256"
    " FROM results r JOIN runs ON runs.id = r.run_id"
    " WHERE (r.model = ?1 OR r.model_path = ?1) AND r.variant = ?2"
    " AND (?3 IS NULL OR r.device = ?3) AND (?4 IS NULL OR runs.host = ?4)"
    " ORDER BY runs.start_time, runs.id, r.id";

/* Compares each point with the previous one that ran, unless the model
 * changed in between (another SHA-256 at the same path): another model's
 * latency says nothing about this code, as in `compare`. */
static eb_status compare_points(eb_trend *t, eb_err *err)
{
    const eb_trend_point *prev = NULL;
    for (int i = 0; i < t->n; i++) {
        eb_trend_point *p = &t->points[i];
        if (strcmp(p->status, "ok") != 0 || p->n < 1)
            continue;
        p->model_changed = prev && *prev->model_sha256 && *p->model_sha256 &&
                           strcmp(prev->model_sha256, p->model_sha256) != 0;
        if (prev && !p->model_changed) {
            eb_err why;
            eb_status st = eb_compare_latency(prev->samples, prev->n, p->samples, p->n, &t->opts, &p->cmp, &why);
            if (st == EB_ENOMEM)
                return eb_errf(err, st, "%s", why.msg);
            p->compared = st == EB_OK;
            p->regressed = p->compared && p->cmp.verdict == EB_VERDICT_SLOWER;
        }
        prev = p;
    }
    return EB_OK;
}

eb_status eb_history_trend(eb_history *h, const eb_trend_query *q, const eb_compare_opts *opts, eb_trend *out,
                           eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->opts = *opts;
    sqlite3_stmt *st = NULL, *smp = NULL;
    eb_status rc = EB_OK;
    if (sqlite3_prepare_v2(h->db, TREND_SQL, -1, &st, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, "SELECT ms FROM samples WHERE result_id = ?1 ORDER BY idx", -1, &smp, NULL) !=
            SQLITE_OK) {
        rc = db_err(h, err, "cannot query");
        goto out;
    }
    bind_text(st, 1, q->model);
    bind_text(st, 2, q->variant);
    bind_text_or_null(st, 3, q->device);
    bind_text_or_null(st, 4, q->host);
    int cap = 0, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char host[64], device[64], path[512], sha[65];
        col_text(st, 4, host, sizeof host);
        col_text(st, 5, device, sizeof device);
        col_text(st, 12, path, sizeof path);
        col_text(st, 13, sha, sizeof sha);
        if (out->n == 0) {
            snprintf(out->host, sizeof out->host, "%s", host);
            snprintf(out->device, sizeof out->device, "%s", device);
            col_text(st, 10, out->model, sizeof out->model);
            col_text(st, 11, out->variant, sizeof out->variant);
            snprintf(out->model_path, sizeof out->model_path, "%s", path);
        } else if (strcmp(path, out->model_path) != 0 && strcmp(sha, out->points[0].model_sha256) != 0) {
            /* two files of one name with other contents are two models, not
             * one model's history (one file changed in place is, see
             * compare_points) */
            rc = eb_errf(err, EB_EINVAL,
                         "model '%s' names several models (%s, %s): choose one with --model PATH as given to run",
                         q->model, out->model_path, path);
            goto out;
        } else if (strcmp(host, out->host) != 0 || strcmp(device, out->device) != 0) {
            rc = eb_errf(err, EB_EINVAL,
                         "%s %s: results from several machines (host %s device %s, host %s device %s): choose one "
                         "with --host and --device",
                         q->model, q->variant, out->host, out->device, host, device);
            goto out;
        }
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            eb_trend_point *grown = realloc(out->points, (size_t)cap * sizeof *grown);
            if (!grown) {
                rc = eb_errf(err, EB_ENOMEM, "%s: out of memory", h->path);
                goto out;
            }
            out->points = grown;
        }
        eb_trend_point *p = &out->points[out->n++];
        memset(p, 0, sizeof *p);
        p->result_id = sqlite3_column_int64(st, 0);
        p->run_id = sqlite3_column_int64(st, 1);
        col_text(st, 2, p->start_time, sizeof p->start_time);
        col_text(st, 3, p->git_commit, sizeof p->git_commit);
        col_text(st, 6, p->status, sizeof p->status);
        p->median_ms = col_num(st, 7);
        p->ci_low = col_num(st, 8);
        p->ci_high = col_num(st, 9);
        p->ci_available = isfinite(p->ci_low) && isfinite(p->ci_high);
        col_text(st, 13, p->model_sha256, sizeof p->model_sha256);
        if ((rc = load_samples(h, smp, p, err)) != EB_OK)
            goto out;
    }
    if (step != SQLITE_DONE) {
        rc = db_err(h, err, "cannot query");
        goto out;
    }
    if (out->n == 0) {
        char known[600];
        known_keys(h, known, sizeof known);
        rc = eb_errf(err, EB_EINVAL, "%s: no results for model '%s' variant '%s'%s%s%s%s; it holds: %s", h->path,
                     q->model, q->variant, q->device ? " device " : "", q->device ? q->device : "",
                     q->host ? " host " : "", q->host ? q->host : "", *known ? known : "nothing");
        goto out;
    }
    rc = compare_points(out, err);
out:
    sqlite3_finalize(st);
    sqlite3_finalize(smp);
    if (rc != EB_OK)
        eb_trend_free(out);
    return rc;
}

void eb_trend_free(eb_trend *t)
{
    for (int i = 0; i < t->n; i++)
        free(t->points[i].samples);
    free(t->points);
    t->points = NULL;
    t->n = 0;
}

void eb_trend_print(FILE *f, const eb_trend *t)
{
    int regressions = 0;
    for (int i = 0; i < t->n; i++)
        regressions += t->points[i].regressed;
    fprintf(f, "%s, %s, %s on %s: %d run%s, oldest first; %d regression%s (p < %g and slower by more than %g%% "
               "than the run before)\n",
            t->model, t->variant, t->device, *t->host ? t->host : "unknown host", t->n, t->n == 1 ? "" : "s",
            regressions, regressions == 1 ? "" : "s", t->opts.alpha, t->opts.threshold_pct);
    fprintf(f, "%-20s  %-16s  %5s  %10s  %-23s  %s\n", "start_time", "commit", "n", "median ms", "95% CI of median",
            "vs previous");
    for (int i = 0; i < t->n; i++) {
        const eb_trend_point *p = &t->points[i];
        fprintf(f, "%-20s  %-16s  %5d  ", p->start_time, p->git_commit, p->n);
        if (strcmp(p->status, "ok") != 0) {
            fprintf(f, "%10s\n", p->status);
            continue;
        }
        char ci[64] = "-";
        if (p->ci_available)
            snprintf(ci, sizeof ci, "[%.4g, %.4g]", p->ci_low, p->ci_high);
        fprintf(f, "%10.4g  ", p->median_ms);
        fprintf(f, p->compared || p->model_changed ? "%-23s" : "%s", ci);
        if (p->model_changed)
            fprintf(f, "  model changed (sha256 %.12s): not compared", p->model_sha256);
        if (p->compared)
            fprintf(f, "  x%.3f p=%.2g %s%s", p->cmp.ratio.ratio, p->cmp.p, eb_verdict_name(p->cmp.verdict),
                    p->regressed ? "  << REGRESSED" : "");
        fputc('\n', f);
    }
}

/* ---- plot ----------------------------------------------------------------------- */

/* Whether an executable named `name` is on PATH (what popen's shell would run). */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        return false;
    char dir[4096];
    for (const char *p = path; *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        char full[4200];
        snprintf(dir, sizeof dir, "%.*s", (int)len, p);
        snprintf(full, sizeof full, "%s/%s", len ? dir : ".", name);
        if (access(full, X_OK) == 0)
            return true;
        p += len;
        if (*p == ':')
            p++;
    }
    return false;
}

/* A string for a gnuplot double-quoted string: backslashes, quotes,
 * newlines and '@' (gnuplot's macro sign) replaced by '_'. */
static void gp_safe(const char *s, char *dst, size_t n)
{
    size_t k = 0;
    for (; *s && k + 1 < n; s++)
        dst[k++] = (*s == '"' || *s == '\\' || *s == '\n' || *s == '\r' || *s == '@') ? '_' : *s;
    dst[k] = '\0';
}

static bool iso_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return end && !*end;
}

/* Seconds between the first and the last point (0 when not parseable). */
static double trend_span_s(const eb_trend *t)
{
    struct tm a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    if (t->n < 2 || !strptime(t->points[0].start_time, "%Y-%m-%dT%H:%M:%SZ", &a) ||
        !strptime(t->points[t->n - 1].start_time, "%Y-%m-%dT%H:%M:%SZ", &b))
        return 0;
    return difftime(timegm(&b), timegm(&a));
}

static void write_script(FILE *g, const eb_trend *t, const char *tmp_path, bool time_axis)
{
    char model[256], variant[256], device[64], host[64];
    gp_safe(t->model, model, sizeof model);
    gp_safe(t->variant, variant, sizeof variant);
    gp_safe(t->device, device, sizeof device);
    gp_safe(t->host, host, sizeof host);
    fprintf(g, "if (strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0) {\n"
               "  set terminal pngcairo size 960,540 noenhanced font \"sans,10\"\n"
               "} else {\n"
               "  set terminal png size 960,540 noenhanced\n"
               "}\n");
    fprintf(g, "set output '%s'\n", tmp_path);
    fprintf(g, "set title \"%s, %s, %s on %s: median latency per run (95%% CI)\"\n", model, variant, device, host);
    fprintf(g, "set ylabel \"median latency (ms)\"\nset grid\nset key top left\nset offsets graph 0.03, graph 0.03, "
               "graph 0.1, graph 0.1\n");
    if (time_axis)
        fprintf(g, "set xlabel \"run start time (UTC)\"\nset xdata time\nset timefmt \"%%Y-%%m-%%dT%%H:%%M:%%SZ\"\n"
                   "set format x \"%s\"\n",
                /* runs minutes apart (a quick A/B by hand) need the seconds */
                trend_span_s(t) < 3600 ? "%H:%M:%S" : "%m-%d\\n%H:%M");
    else
        fprintf(g, "set xlabel \"run (oldest first)\"\n");
    /* x, median, low, high, commit */
    fprintf(g, "$runs << EOD\n");
    int regressions = 0;
    for (int i = 0; i < t->n; i++) {
        const eb_trend_point *p = &t->points[i];
        if (strcmp(p->status, "ok") != 0 || !isfinite(p->median_ms))
            continue;
        double lo = p->ci_available ? p->ci_low : p->median_ms, hi = p->ci_available ? p->ci_high : p->median_ms;
        if (time_axis)
            fprintf(g, "%s %.9g %.9g %.9g\n", p->start_time, p->median_ms, lo, hi);
        else
            fprintf(g, "%d %.9g %.9g %.9g\n", i + 1, p->median_ms, lo, hi);
        regressions += p->regressed;
    }
    fprintf(g, "EOD\n");
    if (regressions) {
        fprintf(g, "$regressed << EOD\n");
        for (int i = 0; i < t->n; i++) {
            const eb_trend_point *p = &t->points[i];
            if (!p->regressed)
                continue;
            if (time_axis)
                fprintf(g, "%s %.9g\n", p->start_time, p->median_ms);
            else
                fprintf(g, "%d %.9g\n", i + 1, p->median_ms);
        }
        fprintf(g, "EOD\n");
    }
    fprintf(g, "plot $runs using 1:2:3:4 with yerrorlines lw 1.5 pt 7 ps 1 lc rgb \"#1f5fa8\" "
               "title \"median, 95%% CI\"");
    if (regressions)
        fprintf(g, ", \\\n     $regressed using 1:2 with points pt 6 ps 3.5 lw 2.5 lc rgb \"#d62728\" "
                   "title \"regression vs previous run\"");
    fprintf(g, "\nset output\n");
}

static bool is_png(const char *path)
{
    static const unsigned char magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = fread(head, 1, sizeof head, f) == sizeof head && memcmp(head, magic, sizeof magic) == 0;
    fclose(f);
    return ok;
}

eb_status eb_trend_plot(const eb_trend *t, const char *png_path, eb_err *err)
{
    if (strpbrk(png_path, "'\n\r"))
        return eb_errf(err, EB_EINVAL, "%s: a plot path may not hold a quote or a newline", png_path);
    int plottable = 0;
    bool time_axis = true;
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->points[i].status, "ok") == 0 && isfinite(t->points[i].median_ms)) {
            plottable++;
            time_axis = time_axis && iso_time(t->points[i].start_time);
        }
    if (!plottable)
        return eb_errf(err, EB_EINVAL, "%s: nothing to plot: no run of %s %s has a median", png_path, t->model,
                       t->variant);
    if (!on_path("gnuplot"))
        return eb_errf(err, EB_EUNSUPPORTED,
                       "gnuplot not found on PATH: install it (Debian: apt-get install gnuplot-nox) to draw %s",
                       png_path);
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX.png", png_path) >= (int)sizeof tmp)
        return eb_errf(err, EB_EINVAL, "%s: path too long", png_path);

    /* create the file here, so that a folder that is missing or not
     * writable is reported as such (gnuplot would go on to stdout); by
     * mkstemps (O_EXCL), so a link planted at the name is never followed */
    int probe = mkstemps(tmp, 4);
    if (probe < 0)
        return eb_errf(err, EB_EINVAL, "%s: cannot write: %s", png_path, strerror(errno));
    fchmod(probe, 0644);
    close(probe);

    /* gnuplot exiting early must not kill us with SIGPIPE */
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old);
    fflush(NULL);
    FILE *g = popen("gnuplot >/dev/null", "w"); /* stdout never gets image bytes; errors still reach stderr */
    int status = -1;
    if (g) {
        write_script(g, t, tmp, time_axis);
        status = pclose(g);
    }
    sigaction(SIGPIPE, &old, NULL);
    if (!g) {
        unlink(tmp);
        return eb_errf(err, EB_EIO, "cannot start gnuplot: %s", strerror(errno));
    }
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || !is_png(tmp)) {
        unlink(tmp);
        if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127)
            return eb_errf(err, EB_EUNSUPPORTED, "gnuplot could not be run (exit 127) to draw %s", png_path);
        return eb_errf(err, EB_EIO, "%s: gnuplot failed (%s %d): see its message above", png_path,
                       status != -1 && WIFEXITED(status) ? "exit" : "status",
                       status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : status);
    }
    if (rename(tmp, png_path) != 0) {
        eb_status st = eb_errf(err, EB_EIO, "%s: cannot rename into place: %s", png_path, strerror(errno));
        unlink(tmp);
        return st;
    }
    return EB_OK;
}

/* ---- check ---------------------------------------------------------------------- */

static const char CHECK_SQL[] =
    "SELECT r.model, coalesce(r.model_sha256, ''), r.variant, r.device, runs.host, r.median_ms, runs.start_time,"
    " runs.git_commit"
    " FROM results r JOIN runs ON runs.id = r.run_id"
    " WHERE r.status = 'ok' AND r.median_ms IS NOT NULL"
    " ORDER BY r.model, coalesce(r.model_sha256, ''), r.variant, r.device, runs.host, runs.start_time, runs.id, r.id";

typedef struct check_row {
    double median;
    char when[32], commit[64];
} check_row;

/* Finds the change points of one series (rows[0..n)) into *s. */
static eb_status check_series(eb_check_series *s, const check_row *rows, int n, double alpha, eb_err *err)
{
    s->n = n;
    s->verdict = n >= 2 * EB_CP_MIN_SIDE;
    snprintf(s->latest_when, sizeof s->latest_when, "%s", n ? rows[n - 1].when : "");
    double *y = malloc((size_t)(n ? n : 1) * sizeof *y);
    if (!y)
        return eb_errf(err, EB_ENOMEM, "history check: out of memory");
    for (int i = 0; i < n; i++)
        y[i] = rows[i].median;
    eb_status st = eb_changepoints(y, n, alpha, s->points, EB_CHECK_MAX_POINTS, &s->n_points, err);
    free(y);
    if (st != EB_OK)
        return st;
    for (int k = 0; k < s->n_points; k++) {
        snprintf(s->when[k], sizeof s->when[k], "%s", rows[s->points[k].index].when);
        snprintf(s->commit[k], sizeof s->commit[k], "%s", rows[s->points[k].index].commit);
    }
    s->regressed = s->n_points > 0 && s->points[s->n_points - 1].slower;
    return EB_OK;
}

eb_status eb_history_check(eb_history *h, double alpha, eb_check *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->alpha = alpha;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, CHECK_SQL, -1, &st, NULL) != SQLITE_OK)
        return db_err(h, err, "cannot query");
    check_row *rows = NULL;
    int n_rows = 0, cap_rows = 0, cap = 0, step;
    eb_status rc = EB_OK;
    eb_check_series cur;
    memset(&cur, 0, sizeof cur);
    for (;;) {
        step = sqlite3_step(st);
        eb_check_series next;
        memset(&next, 0, sizeof next);
        if (step == SQLITE_ROW) {
            col_text(st, 0, next.model, sizeof next.model);
            col_text(st, 1, next.model_sha256, sizeof next.model_sha256);
            col_text(st, 2, next.variant, sizeof next.variant);
            col_text(st, 3, next.device, sizeof next.device);
            col_text(st, 4, next.host, sizeof next.host);
        }
        bool same = step == SQLITE_ROW && n_rows > 0 && strcmp(next.model, cur.model) == 0 &&
                    strcmp(next.model_sha256, cur.model_sha256) == 0 && strcmp(next.variant, cur.variant) == 0 &&
                    strcmp(next.device, cur.device) == 0 && strcmp(next.host, cur.host) == 0;
        if (!same && n_rows > 0) { /* the series in cur is complete */
            if (out->n == cap) {
                cap = cap ? 2 * cap : 8;
                eb_check_series *grown = realloc(out->series, (size_t)cap * sizeof *grown);
                if (!grown) {
                    rc = eb_errf(err, EB_ENOMEM, "history check: out of memory");
                    break;
                }
                out->series = grown;
            }
            eb_check_series *s = &out->series[out->n++];
            *s = cur;
            if ((rc = check_series(s, rows, n_rows, alpha, err)) != EB_OK)
                break;
            out->regressed += s->regressed;
            out->no_verdict += !s->verdict;
            n_rows = 0;
        }
        if (step != SQLITE_ROW)
            break;
        if (n_rows == 0)
            cur = next;
        if (n_rows == cap_rows) {
            cap_rows = cap_rows ? 2 * cap_rows : 64;
            check_row *grown = realloc(rows, (size_t)cap_rows * sizeof *grown);
            if (!grown) {
                rc = eb_errf(err, EB_ENOMEM, "history check: out of memory");
                break;
            }
            rows = grown;
        }
        check_row *r = &rows[n_rows++];
        r->median = sqlite3_column_double(st, 5);
        col_text(st, 6, r->when, sizeof r->when);
        col_text(st, 7, r->commit, sizeof r->commit);
    }
    if (rc == EB_OK && step != SQLITE_DONE)
        rc = db_err(h, err, "cannot query");
    sqlite3_finalize(st);
    free(rows);
    if (rc != EB_OK)
        eb_check_free(out);
    return rc;
}

void eb_check_free(eb_check *c)
{
    free(c->series);
    c->series = NULL;
    c->n = 0;
}

void eb_check_print(FILE *f, const eb_check *c)
{
    for (int i = 0; i < c->n; i++) {
        const eb_check_series *s = &c->series[i];
        fprintf(f, "%s (sha256 %.12s), %s, %s on %s: %d run%s", s->model, *s->model_sha256 ? s->model_sha256 : "unknown",
                s->variant, s->device, *s->host ? s->host : "unknown host", s->n, s->n == 1 ? "" : "s");
        if (!s->verdict) {
            fprintf(f, ": no verdict (fewer than %d runs: a change needs %d on each side)\n", 2 * EB_CP_MIN_SIDE,
                    EB_CP_MIN_SIDE);
            continue;
        }
        fprintf(f, ", %d change point%s\n", s->n_points, s->n_points == 1 ? "" : "s");
        for (int k = 0; k < s->n_points; k++) {
            const eb_changepoint *p = &s->points[k];
            fprintf(f, "  change at run %d of %d (%s, commit %s): median %.4g -> %.4g ms (x%.3f), %.1f sigma, "
                       "Mann-Whitney p=%.2g: %s\n",
                    p->index + 1, s->n, s->when[k], s->commit[k], p->before, p->after, p->after / p->before,
                    p->sigmas, p->p, p->slower ? "slower" : "faster");
        }
        if (s->regressed)
            fprintf(f, "  REGRESSED: the latest run (%s) is in the slower segment that starts at run %d\n",
                    s->latest_when, s->points[s->n_points - 1].index + 1);
    }
    fprintf(f, "%d series: %d regressed at the latest run, %d without a verdict (change points need at least %d "
               "runs a side, medians %.1f sigma apart and Mann-Whitney p < %g) -> %s\n",
            c->n, c->regressed, c->no_verdict, EB_CP_MIN_SIDE, EB_CP_SIGMAS, c->alpha,
            c->regressed ? "REGRESSED" : "no regression");
}
