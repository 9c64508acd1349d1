/* transform_layers.h - what the compression transforms share: the layers
 * they work on (a Conv, Gemm or MatMul node whose weight, input 1, is a
 * constant f32 initializer), the skip lists, and each transform's entry.
 * Private to models/transform*.c, prune.c, quantize.c and calibrate.c. */
#ifndef EB_TRANSFORM_LAYERS_H
#define EB_TRANSFORM_LAYERS_H

#include <stdbool.h>
#include <stdint.h>

#include "models/transform.h"

typedef struct eb_layer {
    int node;         /* index in g->nodes */
    int weight;       /* value index of its weight */
    int out_axis;     /* the weight's output-channel axis: Conv 0, Gemm 0 with transB, else 1 */
    bool transposed;  /* the weight is [K, N]: its storage view is transposed (storage.h) */
    int64_t outputs;  /* output channels: the weight's size along out_axis */
    int64_t k;        /* reduction length per output: numel / outputs */
    int red_axis;     /* the first reduction axis, and how many dims from it */
    int red_dims;
} eb_layer;

/* The layers of g in node order, into a new array *out (free() it); the
 * count.  A weight that something else also reads (another node, a graph
 * output) or that has no data is not a layer. */
int eb_find_layers(const eb_graph *g, eb_layer **out);

/* Marks skip[i] for each of the n layers that `list` names: '|'-separated
 * node names, "first", "last", "none" (nothing).  EB_EINVAL names what
 * matches no layer; `key` ("quant-skip") goes in the message. */
eb_status eb_skip_layers(const eb_graph *g, const eb_layer *layers, int n, const char *list, const char *key,
                         bool *skip, eb_err *err);

/* A report entry for layer l, with its weight's current bytes. */
eb_layer_change eb_layer_change_of(const eb_graph *g, const eb_layer *l);

/* Appends a sentence to c's note ("; " between sentences). */
void eb_layer_note(eb_layer_change *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Fraction of zeros in t's dense data (0 when it has none). */
double eb_dense_sparsity(const eb_tensor *t);

/* The transforms, each on the layers not skipped, updating ch[i] (one
 * entry per layer) with what they did.  prune stores a pruned weight as
 * CSR or N:M unless `then_quant`: then it leaves the zeros in the dense
 * data for quantize to store. */
eb_status eb_prune_weights(eb_graph *g, const eb_layer *layers, int n, const bool *skip, const eb_compress_spec *spec,
                           bool then_quant, eb_layer_change *ch, int *changed, eb_err *err);
eb_status eb_quantize_weights(eb_graph *g, const eb_layer *layers, int n, const bool *skip,
                              const eb_compress_spec *spec, const eb_transform_opts *opts, eb_layer_change *ch,
                              int *changed, eb_err *err);

/* int8-static: the calibrated u8 grids of each layer's input and output,
 * from opts' calibration inputs run through opts->eval on the float graph,
 * reduced by `method`.  in_* and out_* have n entries. */
eb_status eb_calibrate(const eb_graph *g, const eb_layer *layers, int n, const bool *skip, eb_calib_method method,
                       const eb_transform_opts *opts, float *in_scale, int32_t *in_zero, float *out_scale,
                       int32_t *out_zero, eb_err *err);

#endif
