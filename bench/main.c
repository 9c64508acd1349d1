/* main.c - the edgebench command: dispatch to a subcommand (cmd_*.c). */
#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "reports/version.h"

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} COMMANDS[] = {
    {"run", eb_cmd_run, "[MODEL...]       measure models under variants (default: the zoo)"},
    {"inspect", eb_cmd_inspect, "MODEL        ops, shapes, params, FLOPs, memory of a model"},
    {"models", eb_cmd_models, "              the model zoo and the architecture models"},
    {"info", eb_cmd_info, "                the machine: CPU, memory, OS (--json)"},
    {"calibrate", eb_cmd_calibrate, "           this machine's fp32/int8 peaks and bandwidth, for the roofline"},
    {"report", eb_cmd_report, "RESULTS... -o DIR  plots, tables and an HTML page from result files"},
    {"compare", eb_cmd_compare, "BASE NEW     regressions between two result files (exit 1 if any)"},
    {"merge", eb_cmd_merge, "FILES... -o OUT  one document from per-device result files"},
    {"history", eb_cmd_history, "add|trend    results kept in SQLite; a median's trend over runs"},
};

static void usage(FILE *f)
{
    fputs("usage: edgebench COMMAND [ARGS]\n\n"
          "Benchmarks neural-network inference across runners and compression settings.\n\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fputs("\n`edgebench COMMAND --help` describes each command.  A MODEL is an .onnx\n"
          "file or zoo:NAME.\n"
          "Exit status: 0 ok, 1 regression found, 2 usage error or bad input,\n"
          "3 partial (some variant failed), 75 environment failure (retry).\n",
          f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EB_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("edgebench %s\n", EB_VERSION);
        return EB_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(cmd, COMMANDS[i].name) == 0)
            return COMMANDS[i].fn(argc - 1, argv + 1);
    eb_cli_error("unknown command '%s' (see edgebench --help)", cmd);
    return EB_EXIT_USAGE;
}
