/* fuzz_results.c - libFuzzer target: the bytes as a result file (a JSON
 * document of `edgebench run -o FILE`, or JSON Lines), taken through what
 * `edgebench report` and `edgebench compare` do with one: the loader
 * (reports/results_load.c) and the combining of files (report_combine.c),
 * then everything the loaded records feed without a child process: the
 * plot data and scripts (gnuplot itself is not run), report.md,
 * index.html, the thread-scaling groups, and compare's table, summary
 * and JSON for the file against itself and against its first half.
 *
 * The loader reads a path, so each input is written to one temporary file
 * first; the report's files go to one temporary folder.  Both are made
 * once per process and removed at exit.
 *
 * Built by `make fuzz` (tests/fuzz/fuzz.mk); tests/fuzz/replay.c links the
 * same function into a plain program for tests/fuzz/regress/results/. */
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/compare.h"
#include "reports/html.h"
#include "reports/plot_gnuplot.h"
#include "reports/report.h"
#include "reports/report_md.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[256], fuzz_file[300];
static FILE *fuzz_null;

static void fuzz_cleanup(void)
{
    char cmd[300];
    /* the folder holds nothing but what this process wrote */
    if (*fuzz_dir && snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir) < (int)sizeof cmd && system(cmd) != 0)
        fprintf(stderr, "fuzz_results: could not remove %s\n", fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(fuzz_dir, sizeof fuzz_dir, "%s/eb-fuzz-results-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fuzz_dir)) {
        perror("fuzz_results: mkdtemp");
        exit(1);
    }
    snprintf(fuzz_file, sizeof fuzz_file, "%s/in.json", fuzz_dir);
    if (!(fuzz_null = fopen("/dev/null", "w"))) {
        perror("fuzz_results: /dev/null");
        exit(1);
    }
    atexit(fuzz_cleanup);
    return 0;
}

static void compare(const eb_result_set *base, const eb_result_set *new)
{
    eb_err err = {{0}};
    eb_compare_opts o = eb_compare_opts_default();
    o.resamples = 50; /* the same code as 2000, and 40 times faster */
    eb_comparison c;
    if (eb_compare_sets(base, new, &o, &c, &err) != EB_OK)
        return;
    char line[512];
    eb_compare_write_md(fuzz_null, &c);
    eb_compare_summary(&c, line, sizeof line);
    cJSON *doc = eb_compare_json(&c);
    char *text = doc ? cJSON_Print(doc) : NULL;
    free(text);
    cJSON_Delete(doc);
    eb_comparison_free(&c);
}

static void exercise(const eb_report *rep)
{
    eb_err err = {{0}};
    eb_plot_list plots = {0};
    if (eb_plot_write(rep, fuzz_dir, &plots, &err) == EB_OK) {
        eb_report_md(fuzz_null, rep, &plots, "fuzzing: not rendered");
        eb_html_opts ho = {.command_line = "edgebench report in.json", .plots_note = "fuzzing: not rendered",
                           .generated = "2026-01-01T00:00:00Z"};
        (void)eb_html_write(rep, &plots, fuzz_dir, &ho, &err);
    }
    eb_plot_list_free(&plots);
    eb_report_scaling *groups = NULL;
    int n_groups = 0;
    char why[256];
    if (eb_report_scaling_groups(rep, &groups, &n_groups, why, sizeof why, &err) == EB_OK)
        eb_report_scaling_free(groups, n_groups);

    if (rep->n_sets != 1)
        return;
    /* compare pairs two files of different sizes too: the set against
     * itself, and against its first half (borrowed records) both ways */
    const eb_result_set *all = &rep->sets[0];
    eb_result_set half = *all;
    half.n = all->n / 2;
    compare(all, all);
    compare(all, &half);
    compare(&half, all);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return -1;
    int fd = open(fuzz_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("fuzz_results: open");
        abort();
    }
    size_t off = 0;
    while (off < size) {
        ssize_t n = write(fd, data + off, size - off);
        if (n <= 0) {
            perror("fuzz_results: write");
            abort();
        }
        off += (size_t)n;
    }
    close(fd);
    const char *paths[1] = {fuzz_file};
    eb_report rep;
    eb_err err = {{0}};
    if (eb_report_load(&rep, paths, 1, &err) == EB_OK) {
        exercise(&rep);
        eb_report_free(&rep);
    }
    return 0;
}
