/* cmd_report.c - `edgebench report RESULTS... -o DIR`: result files in, a
 * report folder out (index.html, report.md, and each plot as PNG and SVG
 * with the gnuplot script and data that drew it).  The work is in
 * reports/report_combine.c (combining files), reports/plot_gnuplot.c,
 * reports/html.c and reports/report_md.c; this file is the command line:
 * arguments, the folder, exit codes. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/cli.h"
#include "reports/html.h"
#include "reports/plot_gnuplot.h"
#include "reports/report.h"
#include "reports/report_md.h"

static const char USAGE[] =
    "usage: edgebench report RESULTS... -o DIR [--no-plots]\n"
    "\n"
    "Turns result files of `edgebench run -o FILE` (JSON or JSON Lines) into a\n"
    "report folder:\n"
    "  DIR/index.html  one self-contained page: tables, plots (inline SVG),\n"
    "                  provenance; no network, no scripts\n"
    "  DIR/report.md   the tables, for terminals and CI comments\n"
    "  DIR/NAME.png, NAME.svg  each plot, drawn by gnuplot from NAME.gp and\n"
    "                  NAME.dat (edit, then run `gnuplot NAME.gp` in DIR)\n"
    "Plots: latency per variant (median, 95% CI), accuracy against latency with\n"
    "the Pareto front, latency distributions, thread scaling (when a variant ran\n"
    "at several thread counts), memory, and energy (when recorded).\n"
    "Results of `run --profile` also get a table of their 10 slowest nodes.\n"
    "Several files are combined (nightly runs, say); a model and variant found\n"
    "in more than one is labelled with each file's start time.\n"
    "\n"
    "  -o, --output DIR   the report folder (created if missing)\n"
    "      --no-plots     tables only: do not run gnuplot\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 written; 2 bad usage, a bad result file, or DIR not\n"
    "writable; 75 gnuplot missing or failing (the tables are still written).\n";

/* mkdir -p */
static bool make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return false;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return false;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return false;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return false;
    }
    return true;
}

/* Whether a file can be created in dir (root ignores permission bits, so
 * access() would not tell). */
static bool writable(const char *dir)
{
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/.edgebench-report-probeXXXXXX", dir);
    int fd = mkstemp(probe); /* O_EXCL: a link planted at the name is never followed */
    if (fd < 0)
        return false;
    close(fd);
    unlink(probe);
    return true;
}

int eb_cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"no-plots", no_argument, 0, 'P'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    /* the command line as given (getopt_long permutes argv), for the page */
    char cmdline[2048] = "edgebench report";
    for (int i = 1; i < argc; i++) {
        size_t len = strlen(cmdline);
        snprintf(cmdline + len, sizeof cmdline - len, " %s", argv[i]);
    }
    const char *dir = NULL;
    bool plots_wanted = true;
    int c;
    optind = 0; /* glibc: rescan from the start */
    while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 'P': plots_wanted = false; break;
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("report", c, opts, argv);
        }
    }
    if (!dir || !*dir) {
        eb_cli_error("report: -o DIR is required (see edgebench report --help)");
        return EB_EXIT_USAGE;
    }
    if (optind >= argc) {
        eb_cli_error("report: no result files given (see edgebench report --help)");
        return EB_EXIT_USAGE;
    }

    eb_err err = {{0}};
    eb_report rep;
    if (eb_report_load(&rep, (const char *const *)(argv + optind), argc - optind, &err) != EB_OK) {
        eb_cli_error("%s", err.msg);
        return EB_EXIT_USAGE;
    }
    if (!make_dirs(dir) || !writable(dir)) {
        eb_cli_error("report: %s: cannot write the report there: %s", dir, strerror(errno));
        eb_report_free(&rep);
        return EB_EXIT_USAGE;
    }

    int rc = EB_EXIT_OK;
    eb_plot_list plots = {0};
    char note[600] = "";
    if (eb_plot_write(&rep, dir, &plots, &err) != EB_OK) {
        eb_cli_error("report: %s", err.msg);
        rc = EB_EXIT_USAGE;
        goto out;
    }
    if (!plots_wanted) {
        snprintf(note, sizeof note, "--no-plots was given");
    } else if (eb_plot_render(dir, &plots, &err) != EB_OK) {
        snprintf(note, sizeof note, "%s", err.msg);
        eb_cli_error("report: %s", err.msg);
        rc = EB_EXIT_ENV;
    }

    char generated[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(generated, sizeof generated, "%Y-%m-%dT%H:%M:%SZ", &tm);
    eb_html_opts ho = {.command_line = cmdline, .plots_note = *note ? note : NULL, .generated = generated};
    if (eb_report_md_write(&rep, &plots, dir, ho.plots_note, &err) != EB_OK ||
        eb_html_write(&rep, &plots, dir, &ho, &err) != EB_OK) {
        eb_cli_error("report: %s", err.msg);
        rc = EB_EXIT_USAGE;
        goto out;
    }
    int drawn = 0, skipped = 0;
    for (int i = 0; i < plots.n; i++) {
        drawn += plots.items[i].rendered;
        skipped += plots.items[i].skipped;
    }
    printf("wrote %s/index.html and %s/report.md: %d results from %d file%s, %d plot%s drawn (PNG and SVG)", dir, dir,
           rep.n_entries, rep.n_sets, rep.n_sets == 1 ? "" : "s", drawn, drawn == 1 ? "" : "s");
    if (skipped)
        printf(", %d skipped (see report.md)", skipped);
    printf("\n");
out:
    eb_plot_list_free(&plots);
    eb_report_free(&rep);
    return rc;
}
