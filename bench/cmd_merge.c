/* cmd_merge.c - `edgebench merge FILES... -o OUT`: the per-device result
 * files of a farm run into one document (reports/merge.h) that report,
 * compare and history read like any other, device by device.  The output
 * is written through models/file_replace.h (eb_write_atomic), so a reader
 * never sees half of it.  Exit 0 merged, 2 bad usage or input, 75 out of
 * memory or the output could not be written. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "bench/cli.h"
#include "bench/provenance.h"
#include "reports/emit.h"
#include "reports/merge.h"

static const char USAGE[] =
    "usage: edgebench merge FILE... -o OUT [--name FILE=NAME]...\n"
    "\n"
    "Merges per-device result files (the JSON documents edgebench run -o\n"
    "FILE.json writes, one per device of a farm) into one document OUT: a\n"
    "devices array with each file's device, host, provenance (tool version and\n"
    "commit, run start time, settings, command line) and source file with its\n"
    "SHA-256, and every result tagged with its device_id.  report, compare and\n"
    "history read the merged document device by device.\n"
    "A device id is the NAME given to its file, else HOSTNAME-XXXXXXXX (the\n"
    "first 8 hex digits of the SHA-256 of the CPU arch, vendor, brand and total\n"
    "memory), stable from one run of the machine to the next.\n"
    "  -o, --output OUT      the merged document (required)\n"
    "  --name FILE=NAME      the id of FILE's device (1-63 of [A-Za-z0-9._-]);\n"
    "                        needed when two files come from one machine\n"
    "Refused with exit 2: a file that is not a result document (JSON Lines and\n"
    "merged documents included), schema versions that differ, and one device\n"
    "id twice.\n"
    "Exit status: 0 merged; 2 bad usage or input; 75 out of memory or OUT\n"
    "could not be written.\n";

typedef struct merge_names {
    const char *file[256];
    const char *name[256];
    bool used[256];
    int n;
} merge_names;

static eb_status write_doc(FILE *f, const void *ctx, eb_err *err)
{
    char *text = cJSON_Print((const cJSON *)ctx);
    if (!text)
        return eb_errf(err, EB_ENOMEM, "merge: out of memory");
    bool ok = fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    cJSON_free(text);
    return ok ? EB_OK : eb_errf(err, EB_EIO, "merge: cannot write the document");
}

int eb_cmd_merge(int argc, char **argv)
{
    static const struct option long_opts[] = {{"output", required_argument, 0, 'o'},
                                              {"name", required_argument, 0, 'N'},
                                              {"help", no_argument, 0, 'h'},
                                              {0, 0, 0, 0}};
    merge_names names = {0};
    const char *out_path = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":o:h", long_opts, NULL)) != -1) {
        switch (c) {
        case 'o': out_path = optarg; break;
        case 'N': {
            char *eq = strrchr(optarg, '=');
            if (!eq || eq == optarg || !eb_merge_name_ok(eq + 1)) {
                eb_cli_error("--name '%s': want FILE=NAME, NAME 1-63 of [A-Za-z0-9._-]", optarg);
                return EB_EXIT_USAGE;
            }
            if (names.n == (int)(sizeof names.file / sizeof names.file[0])) {
                eb_cli_error("--name: at most %d", names.n);
                return EB_EXIT_USAGE;
            }
            *eq = '\0';
            names.file[names.n] = optarg;
            names.name[names.n++] = eq + 1;
            break;
        }
        case 'h': fputs(USAGE, stdout); return EB_EXIT_OK;
        default: return eb_cli_bad_option("merge", c, long_opts, argv);
        }
    }
    if (!out_path) {
        eb_cli_error("merge needs -o OUT (see edgebench merge --help)");
        return EB_EXIT_USAGE;
    }
    int n = argc - optind;
    if (n < 1) {
        eb_cli_error("merge needs at least one result file (see edgebench merge --help)");
        return EB_EXIT_USAGE;
    }
    eb_merge_input *in = calloc((size_t)n, sizeof *in);
    if (!in) {
        eb_cli_error("merge: out of memory");
        return EB_EXIT_ENV;
    }
    for (int i = 0; i < n; i++) {
        in[i].path = argv[optind + i];
        for (int k = 0; k < names.n; k++)
            if (strcmp(names.file[k], in[i].path) == 0) {
                if (in[i].name) {
                    eb_cli_error("--name: %s is named twice", in[i].path);
                    free(in);
                    return EB_EXIT_USAGE;
                }
                in[i].name = names.name[k];
                names.used[k] = true;
            }
    }
    for (int k = 0; k < names.n; k++)
        if (!names.used[k]) {
            eb_cli_error("--name %s=%s: %s is not one of the files to merge", names.file[k], names.name[k],
                         names.file[k]);
            free(in);
            return EB_EXIT_USAGE;
        }

    eb_provenance prov;
    eb_provenance_get(&prov, argc, argv, 0);
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    eb_merge_info info = {prov.version, prov.git_commit, now, argc, argv};

    eb_err err = {{0}};
    cJSON *doc = NULL;
    eb_status st = eb_merge_files(in, n, &info, &doc, &err);
    free(in);
    if (st == EB_OK)
        st = eb_write_atomic(out_path, write_doc, doc, &err);
    cJSON_Delete(doc);
    if (st != EB_OK) {
        eb_cli_error("%s", err.msg);
        return st == EB_ENOMEM || st == EB_EIO ? EB_EXIT_ENV : EB_EXIT_USAGE;
    }
    printf("merged %d files into %s\n", n, out_path);
    return EB_EXIT_OK;
}
