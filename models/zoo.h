/* zoo.h - the model zoo: trained models with a dataset and a task metric.
 *
 * The manifest (models/zoo/manifest.json, embedded in the binary with the
 * models, see zoo_embed.c) names each model's file, SHA-256, dataset,
 * preprocessing, labels, metric and the accuracy PyTorch measured at export.
 * A model given by path is recognised as a zoo model by its SHA-256, so a
 * copy of a zoo file anywhere gets its task metric too.
 *
 * Model references: "zoo:NAME" is the embedded copy, anything else a path. */
#ifndef EB_ZOO_H
#define EB_ZOO_H

#include <stddef.h>

#include "models/dataset.h"
#include "models/graph.h"

typedef struct eb_zoo_file {
    const char *file;            /* name in models/zoo/ */
    const unsigned char *data;   /* eb_zoo_file_size(i) bytes */
} eb_zoo_file;

extern const eb_zoo_file eb_zoo_files[];
extern const int eb_zoo_n_files;
size_t eb_zoo_file_size(int i);
const char *eb_zoo_manifest_text(size_t *len);

typedef struct eb_zoo_entry {
    char name[64];
    char file[128];
    char sha256[65];
    char task[64];
    char dataset[64];
    char debian_package[64];
    char test_images[256];
    char test_labels[256];
    int test_count;
    char layout[32];           /* "N,784" or "N,1,28,28" */
    eb_preprocess pre;
    char metric[32];           /* "top1_accuracy" */
    double pytorch_accuracy;   /* fraction, on the full test set */
    int n_labels;
    char labels[16][32];
    /* "distilled" (optional): trained from this zoo model's soft targets */
    char teacher[64];          /* "" when trained on labels only */
    double kd_temperature, kd_alpha;
    /* task "text-generation" (a byte-level decoder, --scenario generate) */
    int context;                 /* positions the model takes ("input.context"), 0 unknown */
    double pytorch_perplexity;   /* on the whole held-out text; -1 unknown */
    double pytorch_perplexity_16; /* on its first 16 windows (--eval 16); -1 unknown */
} eb_zoo_entry;

/* Parses the embedded manifest once (cJSON); count of entries, or -1 with
 * err filled when the manifest is malformed. */
int eb_zoo_entries(const eb_zoo_entry **entries, eb_err *err);
/* The entry whose name or SHA-256 matches, or NULL. */
const eb_zoo_entry *eb_zoo_find(const char *name_or_sha256);
/* The same, but only a model with a test set of images (the latency
 * scenario's task metric and calibration); NULL for a text decoder. */
const eb_zoo_entry *eb_zoo_find_dataset(const char *name_or_sha256);

/* Bytes of the model `ref` ("zoo:NAME" or a file path) into a malloc'd
 * buffer, with its SHA-256 and display name. */
eb_status eb_model_read(const char *ref, void **buf, size_t *len, char sha256[65], eb_err *err);
/* Loads `ref` as a graph (external data resolves next to a file; refused
 * for embedded models); sha256 (optional) receives the file's digest. */
eb_status eb_model_load(const char *ref, eb_graph **g, char sha256[65], eb_err *err);

/* Hex SHA-256 of a buffer (OpenSSL libcrypto) into out[65]. */
void eb_sha256_hex(const void *buf, size_t len, char out[65]);

#endif
