/* op_params.h - the parameters of an op, decoded from its node, that its
 * shape rule and its kernels both need: Conv and pool windows, Pad's plan,
 * Slice's starts and steps, Split's pieces, a permutation, an axis.
 *
 * Each is defined beside the op's shape rule (models/shape_<family>.c), so
 * an op's meaning is written once; the reference kernels (and any other
 * kernel) call the same function on the node and trust what the shape rule
 * has already accepted. */
#ifndef EB_OP_PARAMS_H
#define EB_OP_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "models/graph.h"
#include "models/op_attrs.h"
#include "models/shape_rules.h"
#include "models/tensor.h"

/* B as the op sees it: before opset 7, broadcast=1 with an explicit `axis`
 * places B's dims at A's dims [axis, axis + rank(B)). */
eb_status eb_binary_operand_b(const eb_node *n, const eb_tensor *a, const eb_tensor *b, eb_tensor *view,
                              const eb_tensor **res, eb_err *err);

/* The attribute that carries the value; EB_EUNSUPPORTED/EB_EINVAL when it is
 * a kind this suite does not hold, or there is not exactly one. */
eb_status eb_constant_attr(const eb_node *n, const eb_attr **out, eb_err *err);

/* The fill value's tensor, or NULL for the default f32 0. */
eb_status eb_constant_fill_value(const eb_node *n, const eb_tensor **value, eb_err *err);

/* Fills g and *group from the node's attributes and the shapes of X and W,
 * checking that they agree.  Used by the shape rule and again by the
 * kernel. */
eb_status eb_conv_geometry(const eb_node *n, const eb_tensor *x, const eb_tensor *w, eb_window *g,
                           int64_t *group, eb_err *err);

/* CumSum's axis (input `axis`, a scalar) normalised against x's rank in
 * *out; -1 when its value is known only at run time. */
eb_status eb_cumsum_axis(const eb_node *n, const eb_tensor *x, const eb_tensor *axis, int *out, eb_err *err);
/* ConvTranspose's geometry (models/shape_conv_transpose.c): g->out the
 * output dims, g->pad_begin/pad_end what is trimmed off the full result
 * (negative: extended), *group the group count.  Used by the shape rule and
 * again by the kernels. */
eb_status eb_conv_transpose_geometry(const eb_node *n, const eb_tensor *x, const eb_tensor *w, eb_window *g,
                                     int64_t *group, eb_err *err);

/* DepthToSpace/SpaceToDepth (models/shape_depth_space.c): blocksize, and
 * DepthToSpace's CRD mode (false: DCR). */
eb_status eb_depth_space_params(const eb_node *n, int64_t *block, bool *crd, eb_err *err);

/* Einsum's equation (models/shape_einsum.c): labels 0..51 are the letters
 * a-z, A-Z; labels from EB_EINSUM_LETTERS on are the ellipsis axes, left to
 * right.  size[l] is label l's extent (after ellipsis broadcasting). */
#define EB_EINSUM_LETTERS 52
#define EB_EINSUM_MAX_IN 16
typedef struct eb_einsum_plan {
    int n_in;
    int rank[EB_EINSUM_MAX_IN];
    int label[EB_EINSUM_MAX_IN][EB_MAX_RANK];
    int n_labels;
    int64_t size[EB_EINSUM_LETTERS + EB_MAX_RANK];
    int out_rank;
    int out_label[EB_MAX_RANK];
} eb_einsum_plan;

/* Parses the equation against the inputs' shapes. */
eb_status eb_einsum_parse(const eb_node *n, const eb_tensor *const *in, eb_einsum_plan *p, eb_err *err);

/* Gather's axis, normalised against data's rank. */
eb_status eb_gather_axis(const eb_node *n, const eb_tensor *data, int *axis, eb_err *err);

/* Checks every index against a dim of length dim. */
eb_status eb_gather_check_indices(const eb_tensor *idx, int64_t dim, eb_err *err);

/* The operands seen as stacks of matrices: batch dims in `batch` (a tensor
 * used only for its shape), then rows x cols. */
typedef struct eb_mm_view {
    eb_tensor batch;
    int64_t rows, cols;
} eb_mm_view;

/* Fills v from MatMul operand t (is_b: the second operand). */
void eb_mm_view_of(const eb_tensor *t, bool is_b, eb_mm_view *v);

/* True when parameter p of BatchNormalization holds one value per activation
 * (spatial=0 shape) rather than one per channel. */
bool eb_bn_per_activation(const eb_tensor *x, const eb_tensor *p);

/* The normalisation axis in [0, rank]; false when out of [-rank, rank]. */
bool eb_layer_norm_axis(const eb_node *n, int rank, int *axis);

/* Pad's modes. */
typedef enum eb_pad_mode { EB_PAD_CONSTANT, EB_PAD_EDGE, EB_PAD_REFLECT, EB_PAD_WRAP } eb_pad_mode;

/* Per dim: pads before/after, and the kept input extent [lo, lo + keep). */
typedef struct eb_pad_plan {
    eb_pad_mode mode;
    int64_t before[EB_MAX_RANK], after[EB_MAX_RANK];
    int64_t lo[EB_MAX_RANK], keep[EB_MAX_RANK];
} eb_pad_plan;

/* Reads mode and pads and checks them against x; out_shape gets the
 * output dims. */
eb_status eb_pad_plan_make(const eb_node *n, const eb_tensor *const *in, const eb_tensor *x, eb_pad_plan *p,
                           int64_t out_shape[EB_MAX_RANK], eb_err *err);
/* Pad's input index along dim d for output index o, -1 for the fill value. */
int64_t eb_pad_source(const eb_pad_plan *p, int d, int64_t o);

/* Fills g from a pool's attributes and the shape of X (MaxPool,
 * AveragePool). */
eb_status eb_pool_geometry(const eb_node *n, const eb_tensor *x, eb_window *g, eb_err *err);

/* MaxPool, as opposed to AveragePool. */
bool eb_is_max_pool(const eb_node *n);

/* PRelu's slope as it broadcasts to x (models/shape_prelu.c): a view of
 * slope's data with the shape that numpy broadcasting applies (one value
 * per channel before opset 7). */
eb_status eb_prelu_slope_view(const eb_node *n, const eb_tensor *x, const eb_tensor *slope, eb_tensor *view,
                              eb_err *err);

/* Which dims of x the node reduces. */
eb_status eb_reduce_mask(const eb_node *n, const eb_tensor *const *in, bool mask[EB_MAX_RANK], eb_err *err);

/* Resize and Upsample (models/shape_resize.c): interpolation, coordinate
 * transform and nearest rounding, in ONNX's attribute order. */
typedef enum eb_resize_mode { EB_RESIZE_NEAREST, EB_RESIZE_LINEAR, EB_RESIZE_CUBIC } eb_resize_mode;
typedef enum eb_resize_coord {
    EB_RESIZE_HALF_PIXEL,
    EB_RESIZE_HALF_PIXEL_SYMMETRIC,
    EB_RESIZE_PYTORCH_HALF_PIXEL,
    EB_RESIZE_ALIGN_CORNERS,
    EB_RESIZE_ASYMMETRIC,
    EB_RESIZE_TF_HALF_PIXEL_FOR_NN,
    EB_RESIZE_TF_CROP_AND_RESIZE,
} eb_resize_coord;
typedef enum eb_resize_nearest {
    EB_RESIZE_ROUND_PREFER_FLOOR,
    EB_RESIZE_ROUND_PREFER_CEIL,
    EB_RESIZE_FLOOR,
    EB_RESIZE_CEIL,
} eb_resize_nearest;

typedef struct eb_resize_plan {
    int rank;
    eb_resize_mode mode;
    eb_resize_coord coord;
    eb_resize_nearest nearest;
    double cubic_a, extrapolation;
    bool exclude_outside;
    double scale[EB_MAX_RANK];                         /* output/input, per dim (1 where not resized) */
    double roi_start[EB_MAX_RANK], roi_end[EB_MAX_RANK]; /* tf_crop_and_resize, normalised */
    int64_t out[EB_MAX_RANK];                          /* output dims */
} eb_resize_plan;

/* Decodes a Resize/Upsample node on X = in[0] (scales/sizes/roi must be
 * known at load time). */
eb_status eb_resize_plan_make(const eb_node *n, const eb_tensor *const *in, eb_resize_plan *p, eb_err *err);

/* The taps of output coordinate x along dim d (input length in_len): input
 * indices idx[] (clamped to the input) and weights w[]; returns their
 * count (1 nearest, 2 linear, 4 cubic), or 0 when the output element takes
 * p->extrapolation (tf_crop_and_resize outside the input). */
int eb_resize_taps(const eb_resize_plan *p, int d, int64_t in_len, int64_t x, int64_t idx[4], double w[4]);

/* The [start, end) range of dims Shape reports. */
void eb_shape_dims_range(const eb_node *n, int rank, int64_t *start, int64_t *end);

/* For every dim of x: the first input index, the step and the output dim. */
eb_status eb_slice_params(const eb_node *n, const eb_tensor *const *in, const eb_tensor *x,
                          int64_t first[EB_MAX_RANK], int64_t step[EB_MAX_RANK], int64_t count[EB_MAX_RANK],
                          eb_err *err);

/* The op's axis, normalised; false when out of range. */
bool eb_softmax_axis(const eb_node *n, const eb_tensor *x, int *axis);

/* The axis and the piece sizes (malloc'd; *sizes is NULL on failure) of
 * node n on input x. */
eb_status eb_split_plan(const eb_node *n, const eb_tensor *const *in, const eb_tensor *x, int *axis,
                        int64_t **sizes, eb_err *err);

/* The recurrent ops LSTM, GRU and RNN: their activations, dims and
 * options, decoded once from the node and its inputs' shapes (shape_rnn.c). */
typedef enum eb_rnn_act_kind {
    EB_RNN_RELU, EB_RNN_TANH, EB_RNN_SIGMOID, EB_RNN_AFFINE, EB_RNN_LEAKY_RELU, EB_RNN_THRESHOLDED_RELU,
    EB_RNN_SCALED_TANH, EB_RNN_HARD_SIGMOID, EB_RNN_ELU, EB_RNN_SOFTSIGN, EB_RNN_SOFTPLUS,
} eb_rnn_act_kind;

typedef struct eb_rnn_act {
    eb_rnn_act_kind kind;
    float alpha, beta;
} eb_rnn_act;

/* Inputs, in ONNX order: X, W, R, B, sequence_lens, initial_h, initial_c
 * (LSTM), P (LSTM).  Outputs: Y, Y_h, Y_c (LSTM). */
typedef struct eb_rnn_params {
    int gates;              /* rows per hidden unit in W: LSTM 4 (i o f c), GRU 3 (z r h), RNN 1 */
    int n_dir;              /* 2 when bidirectional */
    bool reverse;           /* direction "reverse" (its one direction runs backwards) */
    int layout;             /* 0: X [seq, batch, in]; 1: X [batch, seq, in] */
    int64_t seq, batch, input, hidden;
    bool has_clip;
    float clip;             /* gate pre-activations are clipped to [-clip, clip] */
    bool linear_before_reset; /* GRU */
    bool input_forget;        /* LSTM: f = 1 - i */
    int n_act;              /* per direction: LSTM 3 (f g h), GRU 2 (f g), RNN 1 (f) */
    eb_rnn_act act[2][3];   /* [direction][k] */
} eb_rnn_params;

/* Decodes and checks node n (LSTM, GRU or RNN) on inputs in. */
eb_status eb_rnn_params_of(const eb_node *n, const eb_tensor *const *in, eb_rnn_params *p, eb_err *err);

/* Fills perm[0..rank) from the attribute, or reversed when absent. */
eb_status eb_transpose_perm(const eb_node *n, int rank, int perm[EB_MAX_RANK], eb_err *err);

/* ---- opsC group (issue 13): gathers and scatters by index ---------------- */

/* GatherElements / ScatterElements: the axis, normalised, after checking
 * indices (i32/i64, data's rank, each dim but axis's within data's) and,
 * when known at load time, every index value in [-dim, dim) of that axis.
 * op names the op in messages. */
eb_status eb_elements_check(const char *op, const eb_node *n, const eb_tensor *data, const eb_tensor *idx,
                            int *axis, eb_err *err);

/* Every value of idx in [-dim, dim): EB_EINVAL naming op, the index and the
 * range otherwise (the kernels check run-time indices with it). */
eb_status eb_index_values_check(const char *op, const eb_tensor *idx, int64_t dim, int axis, eb_err *err);

/* GatherND / ScatterND: checks indices (i32/i64, rank >= 1, last dim m with
 * batch_dims + m <= rank(data), leading batch_dims dims equal to data's)
 * and, when their values are known, each tuple against data's dims
 * [batch_dims, batch_dims + m).  op names the op in messages. */
eb_status eb_nd_check(const char *op, const eb_tensor *data, const eb_tensor *idx, int batch_dims, eb_err *err);

/* The index tuple values alone (what eb_nd_check does when idx->data is
 * set), for the kernels' run-time check. */
eb_status eb_nd_values_check(const char *op, const eb_tensor *data, const eb_tensor *idx, int batch_dims,
                             eb_err *err);

/* A scatter's `reduction`: how an update meets the value already there. */
typedef enum eb_scatter_red { EB_SCATTER_NONE, EB_SCATTER_ADD, EB_SCATTER_MUL, EB_SCATTER_MAX, EB_SCATTER_MIN } eb_scatter_red;

/* Reads `reduction` (none/add/mul/max/min); EB_EINVAL for another word,
 * EB_EUNSUPPORTED for a reduction on a dtype without arithmetic (bool). */
eb_status eb_scatter_reduction(const eb_node *n, eb_dtype dt, eb_scatter_red *red, eb_err *err);

/* TopK: the axis, normalised, and K (the attribute `k` before opset 10,
 * then input 1, which must be known at load time: the output's shape
 * depends on it); K in [0, the axis's length]. */
eb_status eb_topk_params(const eb_node *n, const eb_tensor *const *in, int *axis, int64_t *k, eb_err *err);

/* OneHot: the output axis in [0, rank(indices)] and depth (input 1, one
 * value of any numeric type, known at load time, >= 1). */
eb_status eb_onehot_params(const eb_node *n, const eb_tensor *const *in, int *axis, int64_t *depth, eb_err *err);

/* NonZero: whether element i of x is non-zero (NaN is), and how many are. */
bool eb_nonzero_at(const eb_tensor *x, int64_t i);
int64_t eb_nonzero_count(const eb_tensor *x);

/* Compress: the axis (-1 without the attribute: the flattened input) and
 * the input seen as [outer, len, inner] around it. */
eb_status eb_compress_params(const eb_node *n, const eb_tensor *x, int *axis, int64_t *outer, int64_t *len,
                             int64_t *inner, eb_err *err);
/* Trilu's diagonal offset k from optional input k (NULL: 0); 0 when its
 * value is known only at run time (the shape does not depend on it). */
eb_status eb_trilu_k(const eb_node *n, const eb_tensor *k, int64_t *out, eb_err *err);

#endif
