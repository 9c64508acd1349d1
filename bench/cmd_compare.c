/* cmd_compare.c - `edgebench compare BASE NEW`: did NEW regress against
 * BASE?  Loads both result files (reports/results_load.h), pairs and judges
 * them (reports/compare.h) and prints the verdicts as a markdown table or a
 * JSON document.  The exit status is the answer: 1 when anything regressed
 * (slower, less accurate, bigger, or ok before and broken now), 0 when not,
 * 2 on bad usage or an unreadable or foreign file. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench/cli.h"
#include "reports/compare.h"
#include "reports/emit.h"
#include "reports/export.h"

static const char USAGE[] =
    "usage: edgebench compare BASE.json NEW.json [--threshold PCT] [--alpha A]\n"
    "                         [--acc-threshold PP] [--mem-threshold PCT]\n"
    "                         [--mem-floor KIB] [--allow-model-change]\n"
    "                         [--format md|json|junit|gab|bmf|openmetrics] [-o FILE]\n"
    "\n"
    "Compares two result files (edgebench run -o; JSON or JSON Lines) result by\n"
    "result, paired by (model, variant, device); a model is its name and SHA-256,\n"
    "so two different models with one file name are not compared (tables tell\n"
    "them apart as DIR/NAME or NAME@SHA).  The same model path with another\n"
    "SHA-256 is paired as `model changed` and not judged, except for a result\n"
    "that stopped running.  From the raw latency samples:\n"
    "the ratio of medians NEW/BASE with a 95% bootstrap interval, and a two-sided\n"
    "Mann-Whitney U test; for results run in several processes (run --processes)\n"
    "both from a hierarchical bootstrap that resamples processes, then samples\n"
    "(with one process a side they are within-process only, and say so).\n"
    "A pair is `slower` only when p < A and the ratio\n"
    "exceeds 1 + PCT/100; `faster` when p < A and the ratio is below its inverse;\n"
    "else `same`.  Also regressions: the task metric (accuracy) dropping by more\n"
    "than PP percentage points on the same images, peak RSS growing by more than\n"
    "the memory threshold and the memory floor, and a result ok in BASE that\n"
    "failed, crashed or timed out in NEW.  Results found in one file only are\n"
    "listed, not errors.\n"
    "  --threshold PCT       latency change that matters, percent (default 5)\n"
    "  --alpha A             significance level of the test (default 0.01)\n"
    "  --acc-threshold PP    accuracy drop that matters, points (default 0.5)\n"
    "  --mem-threshold PCT   peak RSS growth that matters (default: --threshold)\n"
    "  --mem-floor KIB       ... and by at least KIB KiB (default 2048: the peak\n"
    "                        RSS of one build varies by ~1.3 MiB from run to run)\n"
    "  --allow-model-change  judge `model changed` pairs like any other\n"
    "  --format F            md: markdown table (default); json: a JSON document;\n"
    "                        junit: JUnit XML, one testcase per result and metric\n"
    "                        judged (a regression is a failure, what could not be\n"
    "                        compared is skipped), for CI test reports; gab, bmf,\n"
    "                        openmetrics: NEW's results for dashboards (as run\n"
    "                        --format writes them)\n"
    "  -o FILE               write the report to FILE (the summary line still\n"
    "                        goes to stdout)\n"
    "Exit status: 0 no regression; 1 something regressed; 2 bad usage or input\n"
    "(an unreadable or foreign file, an -o FILE that cannot be created); 75 out\n"
    "of memory or the report could not be finished.\n";

/* report formats: md and json are compare's own; junit and the dashboard
 * formats are reports/export.h's (compare_export.c) */
static eb_status write_report(FILE *f, const eb_comparison *c, int fmt, eb_err *err)
{
    if (fmt != EB_CMP_MD && fmt != EB_CMP_JSON)
        return eb_compare_export(f, c, fmt, err);
    if (fmt == EB_CMP_MD) {
        eb_compare_write_md(f, c);
        return EB_OK;
    }
    cJSON *doc = eb_compare_json(c);
    char *text = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!text)
        return eb_errf(err, EB_ENOMEM, "compare: out of memory");
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return EB_OK;
}

typedef struct report_ctx {
    const eb_comparison *c;
    int fmt;
} report_ctx;

static eb_status write_ctx(FILE *f, const void *ctx, eb_err *err)
{
    const report_ctx *r = ctx;
    return write_report(f, r->c, r->fmt, err);
}

int eb_cmd_compare(int argc, char **argv)
{
    static const struct option long_opts[] = {{"threshold", required_argument, 0, 't'},
                                              {"alpha", required_argument, 0, 'a'},
                                              {"acc-threshold", required_argument, 0, 'A'},
                                              {"mem-threshold", required_argument, 0, 'M'},
                                              {"mem-floor", required_argument, 0, 'F'},
                                              {"format", required_argument, 0, 'f'},
                                              {"output", required_argument, 0, 'o'},
                                              {"allow-model-change", no_argument, 0, 'C'},
                                              {"help", no_argument, 0, 'h'},
                                              {0, 0, 0, 0}};
    eb_compare_opts o = eb_compare_opts_default();
    int fmt = EB_CMP_MD;
    bool mem_given = false;
    const char *out_path = NULL;
    int c;
    optind = 0; /* glibc: rescan from the start */
    while ((c = getopt_long(argc, argv, ":o:h", long_opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 't': ok = eb_cli_parse_double("--threshold", optarg, 0, 1e6, &o.threshold_pct); break;
        case 'a': ok = eb_cli_parse_double("--alpha", optarg, 1e-300, 1, &o.alpha); break;
        case 'A': ok = eb_cli_parse_double("--acc-threshold", optarg, 0, 100, &o.acc_threshold_pp); break;
        case 'M':
            ok = eb_cli_parse_double("--mem-threshold", optarg, 0, 1e6, &o.mem_threshold_pct);
            mem_given = true;
            break;
        case 'F':
            ok = eb_cli_parse_double("--mem-floor", optarg, 0, 1e12, &o.mem_floor_bytes);
            o.mem_floor_bytes *= 1024;
            break;
        case 'f':
            if ((fmt = eb_compare_format_parse(optarg)) < 0) {
                eb_cli_error("--format: '%s' is not md, json, junit, gab, bmf or openmetrics", optarg);
                ok = false;
            }
            break;
        case 'o': out_path = optarg; break;
        case 'C': o.allow_model_change = true; break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("compare", c, long_opts, argv);
        }
        if (!ok)
            return EB_EXIT_USAGE;
    }
    if (!mem_given)
        o.mem_threshold_pct = o.threshold_pct;
    if (argc - optind != 2) {
        eb_cli_error("compare needs two result files, BASE and NEW, got %d (see edgebench compare --help)",
                     argc - optind);
        return EB_EXIT_USAGE;
    }

    eb_err err = {{0}};
    eb_result_set base, new;
    eb_status st = eb_results_load(argv[optind], &base, &err);
    if (st != EB_OK) {
        eb_cli_error("%s", err.msg);
        return st == EB_ENOMEM ? EB_EXIT_ENV : EB_EXIT_USAGE;
    }
    if ((st = eb_results_load(argv[optind + 1], &new, &err)) != EB_OK) {
        eb_cli_error("%s", err.msg);
        eb_results_free(&base);
        return st == EB_ENOMEM ? EB_EXIT_ENV : EB_EXIT_USAGE;
    }

    int rc = EB_EXIT_ENV;
    eb_comparison cmp;
    if (eb_compare_sets(&base, &new, &o, &cmp, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        goto out;
    }
    if (out_path) {
        st = eb_write_atomic(out_path, write_ctx, &(report_ctx){&cmp, fmt}, &err);
        if (st == EB_OK) {
            char line[512];
            eb_compare_summary(&cmp, line, sizeof line);
            printf("%s\n", line);
        }
    } else {
        st = write_report(stdout, &cmp, fmt, &err);
    }
    if (st != EB_OK) {
        eb_cli_error("%s", err.msg);
        rc = st == EB_EINVAL ? EB_EXIT_USAGE : EB_EXIT_ENV;
    } else {
        rc = cmp.count.regressed ? EB_EXIT_REGRESSED : EB_EXIT_OK;
    }
    eb_comparison_free(&cmp);
out:
    eb_results_free(&base);
    eb_results_free(&new);
    return rc;
}
