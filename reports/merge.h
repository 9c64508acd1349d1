/* merge.h - one document from per-device result files (`edgebench merge`).
 *
 * A device farm runs the suite on many machines and pulls back one result
 * document per device (`edgebench run -o x.json`, schema 1).  Merging them
 * keeps each device's provenance and tags every result with the device it
 * came from, so that report, compare and history can tell them apart:
 *
 *   devices[]   one entry per input file: its stable id, the name it was
 *               given (or null), the host, the input's own "tool" (version,
 *               commit), "run" (start time, settings, command line) and
 *               "device" (the machine), and the source file's name and
 *               SHA-256;
 *   models[]    the inputs' models, each (name, SHA-256) once;
 *   results[]   every input's results, each with "device_id" added;
 *   merge       who merged, when, and the command line.
 *
 * A device id is the name given for the file (--name FILE=NAME) or else
 * the hostname plus the first 8 hex digits of the SHA-256 of what does not
 * change between runs of one machine (CPU arch, vendor, brand, total
 * memory): the same board gives the same id night after night, so merged
 * documents of two farm runs compare device by device.
 *
 * Refused (EB_EFORMAT, with a message naming the file): a file that is not
 * an edgebench result document (JSON Lines included: merge the document
 * run -o writes), an already merged document, a schema_version other than
 * this build's or than the first file's, and two files with one device id
 * (the same machine twice, or one name given twice). */
#ifndef EB_MERGE_H
#define EB_MERGE_H

#include "models/status.h"

struct cJSON;

#define EB_DEVICE_ID_MAX 96

typedef struct eb_merge_input {
    const char *path; /* as given; the entry's source.file */
    const char *name; /* --name for this file, NULL for the derived id */
} eb_merge_input;

typedef struct eb_merge_info {
    const char *tool_version; /* of the edgebench that merges */
    const char *git_commit;
    const char *time;         /* UTC, ISO 8601 */
    int argc;                 /* the merge command line */
    char **argv;
} eb_merge_info;

/* The derived id of a document's "device" object: HOSTNAME-XXXXXXXX
 * (characters other than [A-Za-z0-9._-] in the hostname become '_';
 * "unknown" for a missing hostname). */
void eb_merge_device_id(const struct cJSON *device, char out[EB_DEVICE_ID_MAX]);

/* Whether name is usable as a device id: 1 to 63 characters of
 * [A-Za-z0-9._-]. */
int eb_merge_name_ok(const char *name);

/* Reads and merges the n inputs into *out (the caller cJSON_Deletes it). */
eb_status eb_merge_files(const eb_merge_input *in, int n, const eb_merge_info *info, struct cJSON **out,
                         eb_err *err);

/* The same from documents already parsed (docs[i] read from in[i].path,
 * whose bytes have SHA-256 sha256[i]); the documents are not changed. */
eb_status eb_merge_docs(const eb_merge_input *in, const struct cJSON *const *docs, char (*sha256)[65], int n,
                        const eb_merge_info *info, struct cJSON **out, eb_err *err);

#endif
