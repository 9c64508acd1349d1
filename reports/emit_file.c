/* emit_file.c - writing a result document atomically in any format.
 *
 * Atomic means a temporary file made by mkstemp in the same folder renamed
 * over the path (models/file_replace.h: a planted link is not followed),
 * which is right for a regular file (or a new one) and wrong for anything
 * else: renamed over /dev/null it replaces the device with a file.  So a
 * path that exists and is not a regular file (a character device, a FIFO)
 * is written straight into, as a shell redirection would. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/file_replace.h"
#include "reports/emit_text.h"
#include "reports/export.h"

bool eb_format_parse(const char *s, eb_format *out)
{
    static const struct {
        const char *name;
        eb_format fmt;
    } names[] = {{"json", EB_FMT_JSON}, {"jsonl", EB_FMT_JSONL}, {"csv", EB_FMT_CSV}, {"md", EB_FMT_MD},
                 {"gab", EB_FMT_GAB},   {"bmf", EB_FMT_BMF},     {"openmetrics", EB_FMT_OPENMETRICS}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].fmt;
            return true;
        }
    return false;
}

static eb_status write_body(FILE *f, eb_format fmt, const eb_report_doc *d, eb_err *err)
{
    switch (fmt) {
    case EB_FMT_JSON: {
        cJSON *doc = eb_document_json(d);
        char *text = doc ? cJSON_Print(doc) : NULL;
        cJSON_Delete(doc);
        if (!text)
            return eb_errf(err, EB_ENOMEM, "out of memory");
        fputs(text, f);
        fputc('\n', f);
        free(text);
        return EB_OK;
    }
    case EB_FMT_JSONL:
        for (int i = 0; i < d->n_results; i++) {
            eb_status st = eb_emit_jsonl_record(f, d->prov, &d->results[i], err);
            if (st != EB_OK)
                return st;
        }
        return EB_OK;
    case EB_FMT_CSV: eb_emit_csv(f, d); return EB_OK;
    case EB_FMT_MD: eb_emit_md(f, d); return EB_OK;
    case EB_FMT_GAB:
    case EB_FMT_BMF:
    case EB_FMT_OPENMETRICS: return eb_emit_export(f, fmt, d, err);
    }
    return EB_OK;
}

/* Writes into an existing file that is not a regular one, in place. */
static eb_status write_in_place(const char *path, eb_file_writer write, const void *ctx, eb_err *err)
{
    FILE *f = eb_file_open_stream(path); /* no O_CREAT or O_TRUNC: a regular file is refused */
    if (!f)
        return eb_errf(err, EB_EINVAL, "%s: cannot write: %s", path, strerror(errno));
    eb_status st = write(f, ctx, err);
    bool ok = fflush(f) == 0;
    if (fclose(f) != 0)
        ok = false;
    if (st == EB_OK && !ok)
        st = eb_errf(err, EB_EIO, "%s: write failed: %s", path, strerror(errno));
    return st;
}

eb_status eb_write_atomic(const char *path, eb_file_writer write, const void *ctx, eb_err *err)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return eb_errf(err, EB_EINVAL, "%s: is a directory", path);
    if (eb_file_is_stream(path))
        return write_in_place(path, write, ctx, err);
    /* mkstemp beside path, then rename: a link planted at the temporary
     * name is never opened, one at path is replaced (models/file_replace.h) */
    eb_file_replace w;
    eb_status st = eb_file_replace_open(&w, path, err);
    if (st != EB_OK)
        return st;
    if ((st = write(w.f, ctx, err)) != EB_OK) {
        eb_file_replace_abort(&w);
        return st;
    }
    return eb_file_replace_commit(&w, err);
}

typedef struct doc_ctx {
    eb_format fmt;
    const eb_report_doc *doc;
} doc_ctx;

static eb_status write_doc(FILE *f, const void *ctx, eb_err *err)
{
    const doc_ctx *c = ctx;
    return write_body(f, c->fmt, c->doc, err);
}

eb_status eb_emit_stream(FILE *f, eb_format fmt, const eb_report_doc *d, eb_err *err)
{
    eb_status st = write_body(f, fmt, d, err);
    if (st == EB_OK && fflush(f) != 0)
        st = eb_errf(err, EB_EIO, "cannot write the results: %s", strerror(errno));
    return st;
}

eb_status eb_emit_file(const char *path, eb_format fmt, const eb_report_doc *d, eb_err *err)
{
    doc_ctx c = {fmt, d};
    return eb_write_atomic(path, write_doc, &c, err);
}
