/* main.c - the edgebench command: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "bench/cli.h"
#include "bench/version.h"

static const char USAGE[] =
    "usage: edgebench COMMAND [ARGS]\n"
    "\n"
    "Benchmarks neural-network inference across runners and compression settings.\n"
    "\n"
    "commands:\n"
    "  inspect MODEL.onnx   ops, shapes, params, FLOPs, memory of a model\n"
    "  run MODEL.onnx       run a model and measure latency\n"
    "  info                 the machine: CPU, memory, OS (--json)\n"
    "\n"
    "`edgebench COMMAND --help` describes each command.\n"
    "Exit status: 0 ok, 1 regression found, 2 usage error or bad input,\n"
    "3 partial (some variant failed), 75 environment failure (retry).\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return EB_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(USAGE, stdout);
        return EB_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("edgebench %s\n", EB_VERSION);
        return EB_EXIT_OK;
    }
    if (strcmp(cmd, "inspect") == 0)
        return eb_cmd_inspect(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return eb_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "info") == 0)
        return eb_cmd_info(argc - 1, argv + 1);
    eb_cli_error("unknown command '%s' (see edgebench --help)", cmd);
    return EB_EXIT_USAGE;
}
