/* cli.c - helpers shared by the edgebench subcommands. */
#include "bench/cli.h"

#include "models/zoo.h"
#include "reference_kernels/ref.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eb_cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("edgebench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

bool eb_cli_parse_int(const char *opt, const char *arg, int64_t min, int64_t max, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (errno || end == arg || *end || v < min || v > max) {
        eb_cli_error("%s: '%s' is not an integer in [%lld, %lld]", opt, arg, (long long)min, (long long)max);
        return false;
    }
    *out = v;
    return true;
}

bool eb_cli_parse_double(const char *opt, const char *arg, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v) || v < min || v > max) {
        eb_cli_error("%s: '%s' is not a number in [%g, %g]", opt, arg, min, max);
        return false;
    }
    *out = v;
    return true;
}

bool eb_cli_parse_dim(const char *arg, eb_shape_opts *opts)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        eb_cli_error("--dim: expected NAME=N, got '%s'", arg);
        return false;
    }
    if (opts->n_dims == (int)(sizeof opts->dims / sizeof opts->dims[0])) {
        eb_cli_error("--dim: at most %d names", opts->n_dims);
        return false;
    }
    int64_t v;
    if (!eb_cli_parse_int("--dim", eq + 1, 0, INT64_C(1) << 40, &v))
        return false;
    /* the name points into argv, which outlives the command */
    static char names[8][64];
    snprintf(names[opts->n_dims], sizeof names[0], "%.*s", (int)(eq - arg), arg);
    opts->dims[opts->n_dims].name = names[opts->n_dims];
    opts->dims[opts->n_dims].value = v;
    opts->n_dims++;
    return true;
}

eb_graph *eb_cli_load_model(const char *path, const eb_shape_opts *opts, bool keep_on_infer_error,
                            eb_status *infer_st)
{
    eb_err err = {{0}};
    eb_graph *g;
    if (eb_model_load(path, &g, NULL, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        return NULL;
    }
    eb_status st = eb_graph_infer_shapes(g, opts, eb_ref_eval, &err);
    if (infer_st)
        *infer_st = st;
    if (st != EB_OK) {
        eb_cli_error("%s", err.msg);
        if (!keep_on_infer_error) {
            eb_graph_free(g);
            return NULL;
        }
    }
    return g;
}

/* Optimal string alignment distance (Damerau-Levenshtein without
 * repeated edits of one substring), on bytes. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 64 || nb > 64) /* nobody mistypes that much: compare as different */
        return strcmp(a, b) == 0 ? 0 : (size_t)-1;
    size_t d[65][65];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++) {
            size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[na][nb];
}

const char *eb_cli_suggest(const char *word, const char *const *candidates, int n)
{
    size_t len = strlen(word), limit = len <= 4 ? 1 : len / 3, best = (size_t)-1;
    const char *pick = NULL;
    for (int i = 0; i < n; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (d <= limit && d < best) {
            best = d;
            pick = candidates[i];
        }
    }
    return pick;
}

int eb_cli_bad_option(const char *cmd, int c, const struct option *longs, char **argv)
{
    /* getopt_long leaves the offending word at argv[optind - 1] for a long
     * option and in optopt for a short one */
    const char *word = optind > 0 ? argv[optind - 1] : "";
    char shown[128];
    if (strncmp(word, "--", 2) == 0 || optopt == 0)
        snprintf(shown, sizeof shown, "%.*s", (int)strcspn(word, "="), word);
    else
        snprintf(shown, sizeof shown, "-%c", optopt);
    if (c == ':') {
        fprintf(stderr, "edgebench %s: option '%s' needs a value (see edgebench %s --help)\n", cmd, shown, cmd);
        return EB_EXIT_USAGE;
    }
    char hint[160] = "";
    if (strncmp(shown, "--", 2) == 0 && longs) {
        const char *names[64];
        char dashed[64][40];
        int n = 0;
        for (; longs[n].name && n < 64; n++) {
            snprintf(dashed[n], sizeof dashed[n], "--%s", longs[n].name);
            names[n] = dashed[n];
        }
        const char *s = eb_cli_suggest(shown, names, n);
        if (s)
            snprintf(hint, sizeof hint, " (did you mean '%s'?)", s);
    }
    fprintf(stderr, "edgebench %s: unknown option '%s'%s (see edgebench %s --help)\n", cmd, shown, hint, cmd);
    return EB_EXIT_USAGE;
}
