/* cmd_history.c - `edgebench history add|trend|check`: result files kept
 * in an SQLite database (reports/history.h), the trend of one (model,
 * variant) over the runs there, as a table and optionally a PNG plot, and
 * the change points of every series (reports/changepoint.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/variant.h"
#include "reports/history.h"
#include "reports/results_devices.h"

static const char USAGE[] =
    "usage: edgebench history add RESULTS.json... --db FILE.sqlite\n"
    "       edgebench history trend --db FILE.sqlite --model M --variant V\n"
    "                               [--device D] [--host H] [--threshold PCT]\n"
    "                               [--alpha A] [--plot FILE.png]\n"
    "       edgebench history check --db FILE.sqlite [--alpha A]\n"
    "\n"
    "add     stores result files (edgebench run -o; JSON or JSON Lines) with their\n"
    "        raw samples, one run per file, in an SQLite database (created when\n"
    "        missing).  A run already there (same start time, host, commit and\n"
    "        samples) is skipped, so adding a file twice, or its JSON and JSON\n"
    "        Lines forms, stores it once.  If any file cannot be read, nothing is\n"
    "        added.\n"
    "trend   prints one line per run of model M (its name, zoo:NAME, or its path\n"
    "        as given to run: needed when two model files share a name) under\n"
    "        variant V, oldest first: start time, commit, samples, median and its\n"
    "        95% CI, and the change against the previous run.  A run is marked\n"
    "        REGRESSED by the rule of `edgebench compare` on the stored samples:\n"
    "        Mann-Whitney p < A (default 0.01) and the median ratio above\n"
    "        1 + PCT/100 (default 5).  --device/--host choose a machine when the\n"
    "        database holds several.  --plot draws the medians with their CIs and\n"
    "        the regressions marked, through gnuplot.  A run whose model has\n"
    "        another SHA-256 than the run before is marked `model changed` and\n"
    "        not compared.\n"
    "check   looks for change points in the run medians of every (model,\n"
    "        variant, device, host) series, oldest first: a split with at least 6\n"
    "        runs on each side whose medians differ by at least 2.5 standard\n"
    "        deviations (Chromium's rule) and whose sides differ by a Mann-Whitney\n"
    "        test (p < A, default 0.01); each side is searched again.  Prints\n"
    "        each change point (slower or faster).  A series of fewer than 12\n"
    "        runs has no verdict, and says so.  Exits 1 when the latest change\n"
    "        point of a series is a slowdown: its latest run is regressed.\n"
    "Exit status: 0 ok (check: no regression); 1 check found one; 2 bad usage, an unreadable file or database, or nothing\n"
    "matching; 75 gnuplot missing or failing, a database write failing, or out\n"
    "of memory.\n";

static int open_error(eb_status st, const eb_err *err)
{
    eb_cli_error("%s", err->msg);
    return st == EB_ENOMEM ? EB_EXIT_ENV : EB_EXIT_USAGE;
}

/* A merged document (reports/merge.h): each device's results as a run of
 * their own, the device id as its host (reports/results_devices.h). */
static int add_devices(eb_history *h, const char *db, const eb_result_set *s)
{
    eb_err err = {{0}};
    for (int d = 0; d < s->n_devices; d++) {
        eb_result_set view;
        int64_t run_id;
        bool added;
        if (eb_results_device_view(s, d, &view, &err) != EB_OK ||
            eb_history_add(h, &view, &run_id, &added, &err) != EB_OK) {
            eb_results_device_view_free(&view);
            eb_cli_error("%s", err.msg);
            return EB_EXIT_ENV;
        }
        if (added)
            printf("added %s, device %s, as run %lld (%d results, %s, commit %s)\n", s->path, view.host,
                   (long long)run_id, view.n, view.start_time, view.git_commit);
        else
            printf("skipped %s, device %s: already in %s as run %lld\n", s->path, view.host, db, (long long)run_id);
        eb_results_device_view_free(&view);
    }
    return EB_EXIT_OK;
}

static int cmd_add(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("history add", c, long_opts, argv);
        }
    }
    if (!db || optind == argc) {
        eb_cli_error("history add needs result files and --db FILE (see edgebench history --help)");
        return EB_EXIT_USAGE;
    }
    int n = argc - optind, rc = EB_EXIT_USAGE;
    eb_err err = {{0}};
    eb_result_set *sets = calloc((size_t)n, sizeof *sets);
    eb_history *h = NULL;
    int loaded = 0;
    if (!sets) {
        eb_cli_error("out of memory");
        return EB_EXIT_ENV;
    }
    /* every file is read before anything is added: all or nothing */
    for (; loaded < n; loaded++) {
        eb_status st = eb_results_load(argv[optind + loaded], &sets[loaded], &err);
        if (st != EB_OK) {
            rc = open_error(st, &err);
            goto out;
        }
    }
    eb_status st = eb_history_open(db, true, &h, &err);
    if (st != EB_OK) {
        rc = open_error(st, &err);
        goto out;
    }
    rc = EB_EXIT_OK;
    for (int i = 0; i < n && rc == EB_EXIT_OK; i++) {
        if (sets[i].n_devices > 0) { /* a merged document: a run per device */
            rc = add_devices(h, db, &sets[i]);
            continue;
        }
        int64_t run_id;
        bool added;
        if (eb_history_add(h, &sets[i], &run_id, &added, &err) != EB_OK) {
            eb_cli_error("%s", err.msg);
            rc = EB_EXIT_ENV;
            break;
        }
        if (added)
            printf("added %s as run %lld (%d results, %s, commit %s)\n", sets[i].path, (long long)run_id, sets[i].n,
                   sets[i].start_time, sets[i].git_commit);
        else
            printf("skipped %s: already in %s as run %lld (same start time, host, commit and samples)\n",
                   sets[i].path, db, (long long)run_id);
    }
out:
    eb_history_close(h);
    for (int i = 0; i < loaded; i++)
        eb_results_free(&sets[i]);
    free(sets);
    return rc;
}

static int cmd_trend(int argc, char **argv)
{
    static const struct option long_opts[] = {
        {"db", required_argument, 0, 'd'},        {"model", required_argument, 0, 'm'},
        {"variant", required_argument, 0, 'v'},   {"device", required_argument, 0, 'D'},
        {"host", required_argument, 0, 'H'},      {"threshold", required_argument, 0, 't'},
        {"alpha", required_argument, 0, 'a'},     {"plot", required_argument, 0, 'p'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    const char *db = NULL, *plot = NULL, *variant_text = NULL;
    eb_trend_query q = {0};
    eb_compare_opts o = eb_compare_opts_default();
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        bool ok = true;
        switch (c) {
        case 'd': db = optarg; break;
        case 'm': q.model = optarg; break;
        case 'v': variant_text = optarg; break;
        case 'D': q.device = optarg; break;
        case 'H': q.host = optarg; break;
        case 't': ok = eb_cli_parse_double("--threshold", optarg, 0, 1e6, &o.threshold_pct); break;
        case 'a': ok = eb_cli_parse_double("--alpha", optarg, 1e-300, 1, &o.alpha); break;
        case 'p': plot = optarg; break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("history trend", c, long_opts, argv);
        }
        if (!ok)
            return EB_EXIT_USAGE;
    }
    if (!db || !q.model || !variant_text || optind != argc) {
        eb_cli_error("history trend needs --db, --model and --variant, and no other arguments "
                     "(see edgebench history --help)");
        return EB_EXIT_USAGE;
    }
    /* the database holds canonical specs: "cpu:quant=int8,threads=2" finds
     * "cpu:threads=2,quant=int8" */
    eb_err err = {{0}};
    eb_variant_list vl = {0};
    if (eb_variant_parse(variant_text, &vl, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        return EB_EXIT_USAGE;
    }
    if (vl.n != 1) {
        eb_cli_error("--variant '%s' names %d variants; a trend follows one", variant_text, vl.n);
        eb_variant_list_free(&vl);
        return EB_EXIT_USAGE;
    }
    char spec[sizeof vl.items[0].spec];
    snprintf(spec, sizeof spec, "%s", vl.items[0].spec);
    eb_variant_list_free(&vl);
    q.variant = spec;

    eb_history *h;
    eb_status st = eb_history_open(db, false, &h, &err);
    if (st != EB_OK)
        return open_error(st, &err);
    eb_trend t;
    st = eb_history_trend(h, &q, &o, &t, &err);
    eb_history_close(h);
    if (st != EB_OK)
        return open_error(st, &err);
    eb_trend_print(stdout, &t);
    int rc = EB_EXIT_OK;
    if (plot) {
        fflush(stdout);
        st = eb_trend_plot(&t, plot, &err);
        if (st == EB_OK) {
            printf("plot: %s\n", plot);
        } else {
            eb_cli_error("%s", err.msg);
            rc = st == EB_EINVAL ? EB_EXIT_USAGE : EB_EXIT_ENV;
        }
    }
    eb_trend_free(&t);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    static const struct option long_opts[] = {{"db", required_argument, 0, 'd'},
                                              {"alpha", required_argument, 0, 'a'},
                                              {"help", no_argument, 0, 'h'},
                                              {0, 0, 0, 0}};
    const char *db = NULL;
    double alpha = eb_compare_opts_default().alpha;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'a':
            if (!eb_cli_parse_double("--alpha", optarg, 1e-300, 1, &alpha))
                return EB_EXIT_USAGE;
            break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("history check", c, long_opts, argv);
        }
    }
    if (!db || optind != argc) {
        eb_cli_error("history check needs --db FILE and no other arguments (see edgebench history --help)");
        return EB_EXIT_USAGE;
    }
    eb_err err = {{0}};
    eb_history *h;
    eb_status st = eb_history_open(db, false, &h, &err);
    if (st != EB_OK)
        return open_error(st, &err);
    eb_check chk;
    st = eb_history_check(h, alpha, &chk, &err);
    eb_history_close(h);
    if (st != EB_OK) {
        eb_cli_error("%s", err.msg);
        return st == EB_ENOMEM || st == EB_EIO ? EB_EXIT_ENV : EB_EXIT_USAGE;
    }
    eb_check_print(stdout, &chk);
    int rc = chk.regressed ? EB_EXIT_REGRESSED : EB_EXIT_OK;
    eb_check_free(&chk);
    return rc;
}

int eb_cmd_history(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return EB_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        fputs(USAGE, stdout);
        return EB_EXIT_OK;
    }
    if (strcmp(sub, "add") == 0)
        return cmd_add(argc - 1, argv + 1);
    if (strcmp(sub, "trend") == 0)
        return cmd_trend(argc - 1, argv + 1);
    if (strcmp(sub, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    eb_cli_error("history: unknown subcommand '%s': add, trend or check (see edgebench history --help)", sub);
    return EB_EXIT_USAGE;
}
