/* output_path.c - -o and --format of `edgebench run` checked before any
 * work (see output_path.h).  Nothing is created or opened here: the checks
 * are stat() and access(), so a refused run leaves nothing behind. */
#include "bench/output_path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *format_name(eb_format f)
{
    switch (f) {
    case EB_FMT_JSON: return "json";
    case EB_FMT_JSONL: return "jsonl";
    case EB_FMT_CSV: return "csv";
    case EB_FMT_MD: return "md";
    case EB_FMT_GAB: return "gab";
    case EB_FMT_BMF: return "bmf";
    case EB_FMT_OPENMETRICS: return "openmetrics";
    }
    return "?";
}

/* The format a file name's extension names; false when it names none.
 * .prom is OpenMetrics text (the node-exporter textfile collector reads
 * *.prom); gab and bmf are JSON, so .json names them only with --format. */
static bool format_of_extension(const char *path, eb_format *out)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash) || dot == path || dot[-1] == '/')
        return false;
    if (strcmp(dot + 1, "prom") == 0) {
        *out = EB_FMT_OPENMETRICS;
        return true;
    }
    return eb_format_parse(dot + 1, out);
}

/* FILE.jsonl next to FILE (FILE.json -> FILE.jsonl). */
static void records_path(const char *path, char *buf, size_t n)
{
    size_t len = strlen(path);
    if (len > 5 && strcmp(path + len - 5, ".json") == 0)
        snprintf(buf, n, "%.*s.jsonl", (int)(len - 5), path);
    else
        snprintf(buf, n, "%s.jsonl", path);
}

/* The folder a new file at path would go into must exist and take it. */
static eb_status check_folder(const char *path, eb_err *err)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return eb_errf(err, EB_EINVAL, "-o %s: folder %s: %s", path, dir, strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return eb_errf(err, EB_EINVAL, "-o %s: %s is not a folder", path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return eb_errf(err, EB_EINVAL, "-o %s: cannot write in %s: %s", path, dir, strerror(errno));
    return EB_OK;
}

eb_status eb_output_resolve(const char *path, const char *format_arg, eb_output *out, eb_err *err)
{
    memset(out, 0, sizeof *out);
    out->format = EB_FMT_JSON;
    bool explicit_format = format_arg != NULL;
    if (explicit_format && !eb_format_parse(format_arg, &out->format))
        return eb_errf(err, EB_EINVAL, "--format: '%s' is not json, jsonl, csv, md, gab, bmf or openmetrics",
                       format_arg);
    if (!path) {
        out->kind = explicit_format ? EB_OUTPUT_STDOUT : EB_OUTPUT_NONE;
        return EB_OK;
    }
    if (!*path)
        return eb_errf(err, EB_EINVAL, "-o: empty path");
    if (strcmp(path, "-") == 0) {
        out->kind = EB_OUTPUT_STDOUT;
        return EB_OK;
    }
    out->path = path;
    eb_format by_name;
    if (format_of_extension(path, &by_name)) {
        /* -o bench.json --format gab|bmf: those are JSON documents */
        if (explicit_format && by_name == EB_FMT_JSON && (out->format == EB_FMT_GAB || out->format == EB_FMT_BMF))
            by_name = out->format;
        if (explicit_format && by_name != out->format)
            return eb_errf(err, EB_EINVAL, "-o %s names %s but --format is %s: make them agree, or drop --format",
                           path, format_name(by_name), format_name(out->format));
        out->format = by_name;
    }

    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return eb_errf(err, EB_EINVAL, "-o %s: %s", path, strerror(errno));
        out->kind = EB_OUTPUT_FILE; /* a new file */
        eb_status st = check_folder(path, err);
        if (st != EB_OK)
            return st;
    } else if (S_ISDIR(sb.st_mode)) {
        return eb_errf(err, EB_EINVAL, "-o %s: is a directory (give a file name in it)", path);
    } else if (S_ISREG(sb.st_mode)) {
        out->kind = EB_OUTPUT_FILE; /* replaced by rename: the folder must take the temporary file */
        eb_status st = check_folder(path, err);
        if (st != EB_OK)
            return st;
    } else if (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)) {
        out->kind = EB_OUTPUT_STREAM;
        if (access(path, W_OK) != 0)
            return eb_errf(err, EB_EINVAL, "-o %s: cannot write: %s", path, strerror(errno));
    } else {
        return eb_errf(err, EB_EINVAL, "-o %s: not a regular file, character device or FIFO", path);
    }
    if (out->format == EB_FMT_JSONL)
        snprintf(out->records, sizeof out->records, "%s", path);
    else if (out->kind == EB_OUTPUT_FILE)
        records_path(path, out->records, sizeof out->records);
    return EB_OK;
}
