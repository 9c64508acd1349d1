/* transform.h - the compression transforms: the one hook between loading a
 * graph (and inferring its shapes) and a runner's prepare, where a
 * variant's pruning and quantization rewrite the weights.
 *
 * eb_graph_compress is the single place that decides whether a variant's
 * compression can be applied.  It rewrites the graph in place: a pruned or
 * quantized weight gets a storage (storage.h) that the graph then owns; a
 * node quantized to int8 gets an eb_node_quant (graph.h); channel pruning
 * shrinks weights and shapes and infers shapes again.  With no compression
 * it leaves the graph untouched, bit for bit.  What each transform did is
 * recorded layer by layer in the report. */
#ifndef EB_TRANSFORM_H
#define EB_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/compress_spec.h"
#include "models/graph.h"
#include "models/status.h"

/* What the transforms did to one layer (a Conv, Gemm or MatMul node and
 * its weight), or why they left it alone (`note`). */
typedef struct eb_layer_change {
    char node[128];
    char op[32];
    char weight[128];          /* the constant rewritten, "" when none */
    char storage[16];          /* how the weight is stored now: "dense", "csr", "nm", "quant", "f16" */
    double sparsity;           /* zeros / elements of the weight after the transforms */
    int64_t channels_before;   /* output channels (channel pruning; 0 otherwise) */
    int64_t channels_after;
    uint64_t bytes_before;     /* the weight as stored before and after */
    uint64_t bytes_after;
    float scale_min, scale_max; /* the weight's quantization scales; 0 when not quantized */
    char act[16];              /* activation quantization: "dynamic", "static", "" none */
    float in_scale;            /* static: the calibrated input and output grids */
    int32_t in_zero;
    float out_scale;
    int32_t out_zero;
    char note[160];            /* left alone or kept dense: why; "" otherwise */
} eb_layer_change;

/* What the transforms did to a graph. */
typedef struct eb_transform_report {
    char applied[96];     /* the settings applied, as eb_compress_spec_describe writes them; "none" */
    int tensors_changed;  /* constants whose storage or shape the transforms replaced */
    size_t bytes_before;  /* bytes of the constants before and after, as stored */
    size_t bytes_after;
    int calib_inputs;     /* inputs the int8-static ranges were calibrated on; 0 otherwise */
    int n_layers;
    eb_layer_change *layers; /* owned: eb_transform_report_free */
} eb_transform_report;

/* What eb_graph_compress needs beyond the spec. */
typedef struct eb_transform_opts {
    /* channel pruning infers shapes again with these (NULL: defaults) */
    const eb_shape_opts *shape;
    /* int8-static: calibration inputs, n_calib sets of g->n_inputs tensors
     * (calib[i * g->n_inputs + j] feeds input j), run through `eval` */
    int n_calib;
    const eb_tensor *calib;
    eb_node_eval_fn eval; /* also folds constants when shapes are inferred again */
    /* sensitivity: when set, only the node of that name is compressed */
    const char *only_node;
} eb_transform_opts;

/* Applies spec to g and fills *rep (rep may be NULL; free it with
 * eb_transform_report_free).  For a spec that is none: EB_OK and g
 * unchanged.  A combination the transforms cannot apply is EB_EUNSUPPORTED
 * with the reason; a bad setting (group not dividing K, int8-static with
 * no calibration data) EB_EINVAL. */
eb_status eb_graph_compress(eb_graph *g, const eb_compress_spec *spec, const eb_transform_opts *opts,
                            eb_transform_report *rep, eb_err *err);

/* Checks, without changing g, what can be known before running: that the
 * skip lists name layers of g, that an int4 group the variant sets
 * (group=) divides the reduction of at least one layer, and that
 * int8-static has calibration data (have_calib).  EB_EINVAL with one line
 * saying what is wrong.  (With the default group, a model no layer of
 * which it fits gets an unsupported result instead: a sweep over several
 * models goes on.) */
eb_status eb_compress_check(const eb_graph *g, const eb_compress_spec *spec, bool have_calib, eb_err *err);

/* Appends a copy of *c to rep's layers. */
eb_status eb_transform_report_add(eb_transform_report *rep, const eb_layer_change *c, eb_err *err);
void eb_transform_report_free(eb_transform_report *rep);

#endif
