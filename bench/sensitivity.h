/* sensitivity.h - --sensitivity: what compressing each layer alone costs.
 *
 * For every layer the full compression changed (storage other than
 * "dense", or output channels removed), a fresh copy of the fp32 graph is compressed with only that
 * node (eb_transform_opts.only_node) and run on the reference kernels.
 * The cost is measured against the uncompressed fp32 graph:
 *   - zoo models with a dataset: the top-1 delta (layer-compressed minus
 *     fp32) on the first min(--eval, EB_SENSITIVITY_MAX_EVAL) test images;
 *   - other models: the rel L2 error of the outputs on the first input.
 * The layers are ranked worst first (most top-1 lost, or largest rel L2),
 * and a skip set is suggested: the fewest worst-ranked layers whose costs
 * sum to at least half the total positive cost of all layers (none when no
 * layer costs anything). */
#ifndef EB_SENSITIVITY_H
#define EB_SENSITIVITY_H

#include <stdint.h>

#include "models/compress_spec.h"
#include "models/graph.h"
#include "models/zoo.h"
#include "reports/record.h"

/* Per-layer evaluations stop at this many test images (each layer is a
 * full evaluation of the model on ref). */
#define EB_SENSITIVITY_MAX_EVAL 500

typedef struct eb_sensitivity_setup {
    const char *model_path;
    const char *inputs_dir;       /* bound to the graph as the harness does, or NULL */
    const eb_shape_opts *shape;
    const eb_compress_spec *spec; /* the variant's compression */
    int n_calib;                  /* int8-static: calibration sets (g->n_inputs tensors each) */
    const eb_tensor *calib;
    const eb_tensor *in;          /* the first input batch (rel L2) */
    const eb_zoo_entry *zoo;      /* with ds: top-1 on the test images; NULL: rel L2 */
    const eb_dataset *ds;
    int64_t eval_count;
} eb_sensitivity_setup;

/* Measures each of layers[0..n) whose storage is not "dense" and fills *out
 * (layers owned: eb_result_free), ranked, with the suggested skip set. */
eb_status eb_sensitivity_measure(const eb_sensitivity_setup *s, const eb_compressed_layer *layers, int n,
                                 eb_sensitivity *out, eb_err *err);

/* Ranks out->layers worst first and fills out->skip, skip_key and rule
 * (eb_sensitivity_measure calls it; exposed for tests). */
void eb_sensitivity_rank(eb_sensitivity *out, const eb_compress_spec *spec);

#endif
