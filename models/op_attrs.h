/* op_attrs.h - what a shape rule reads off a node and checks: optional
 * inputs and outputs, dtype and shape checks, axis normalisation, integer
 * parameters (tensors and INTS attributes), numpy broadcast shapes and the
 * sliding-window geometry of Conv and the pools.
 *
 * The reference kernels decode the same parameters with the same helpers
 * (through reference_kernels/ref_util.h), so a node means one thing to its
 * shape rule and to its kernel. */
#ifndef EB_OP_ATTRS_H
#define EB_OP_ATTRS_H

#include <stdbool.h>
#include <stdint.h>

#include "models/graph.h"
#include "models/tensor.h"

/* Longest parameter list (a shape, axes) read before the rank check, so that
 * a 9-value shape is reported as an unsupported rank rather than as a
 * malformed input. */
#define EB_MAX_PARAMS 64

/* Spatial dims of an N, C, spatial... input (Conv, the pools). */
#define EB_MAX_SPATIAL (EB_MAX_RANK - 2)

/* Bound on window attribute values (kernel, strides, dilations, pads,
 * group): keeps (k-1)*dilation and in+pads far from int64 overflow. */
#define EB_ATTR_MAX INT32_MAX

/* ---- inputs and outputs ------------------------------------------------- */

/* Input k of n, or NULL when the node has fewer inputs (or omits it). */
const eb_tensor *eb_opt_in(const eb_node *n, const eb_tensor *const *in, int k);

/* EB_EINVAL "Op: input k is missing" for the first NULL in in[0..count). */
eb_status eb_check_inputs(const char *op, const eb_tensor *const *in, int count, eb_err *err);

/* True when the node has output k and it is not omitted. */
bool eb_has_output(const eb_node *n, eb_tensor *const *out, int k);

/* A dtype of whole bytes: not undefined, not packed i4. */
bool eb_whole_bytes(eb_dtype dt);

/* A rank in [0, EB_MAX_RANK] and non-negative dims whose product fits. */
bool eb_valid_shape(const eb_tensor *t);

/* EB_EUNSUPPORTED "Op: dtype x not supported" unless t's dtype is of whole
 * bytes (the ops that copy elements as bytes). */
eb_status eb_check_byte_dtype(const char *op, const eb_tensor *t, eb_err *err);

/* The input check of the data-movement ops: eb_check_byte_dtype, then
 * EB_EINVAL "Op: input has an invalid shape" unless eb_valid_shape. */
eb_status eb_check_data(const char *op, const eb_tensor *t, eb_err *err);

/* Checks that t's dtype is one of the listed ones (terminated by
 * EB_DT_UNDEFINED); EB_EUNSUPPORTED "Op: what has dtype x, supported: a/b"
 * otherwise. */
eb_status eb_check_dtype(const char *op, const char *what, const eb_tensor *t, eb_err *err, ...);

/* ---- axes --------------------------------------------------------------- */

/* Maps axis in [-rank, rank-1] to [0, rank-1]; false when out of range. */
bool eb_norm_axis(int64_t axis, int rank, int *out);

/* Maps axis in [-rank, rank] to [0, rank] (an axis that may also name the
 * end, as Flatten's and LayerNormalization's do); false when out of range. */
bool eb_norm_axis_end(int64_t axis, int rank, int *out);

/* eb_norm_axis with the error "Op: axis a out of range for rank r".  With
 * seen non-NULL, also rejects an axis already marked there ("Op: axis d
 * given twice") and marks it. */
eb_status eb_check_axis(const char *op, int64_t axis, int rank, bool seen[EB_MAX_RANK], int *out, eb_err *err);

/* ---- integer parameters ------------------------------------------------- */

/* Reads the values of an int32/int64 tensor (a shape, axes, pads input)
 * into vals[0..max).  Fails with a message naming op/what when the tensor
 * is not known at load time (data NULL), has another dtype, or more than
 * max elements.  *n receives the count. */
eb_status eb_read_ints(const eb_tensor *t, int64_t *vals, int max, int *n, const char *op,
                       const char *what, eb_err *err);

/* Reads INTS attribute `name` (exactly count values, each in
 * [lo, EB_ATTR_MAX]) into v, or fills v with def when the node does not
 * have it; messages start with n->op_type. */
eb_status eb_attr_ints_range(const eb_node *n, const char *name, int count, int64_t def, int64_t lo,
                             int64_t *v, eb_err *err);

/* ---- broadcasting ------------------------------------------------------- */

/* Numpy-style multidirectional broadcast of the shapes of ts[0..count)
 * (NULL entries skipped) into out->rank/out->shape. */
eb_status eb_broadcast_shapes(const char *op, const eb_tensor *const *ts, int count, eb_tensor *out,
                              eb_err *err);

/* ---- dtypes ------------------------------------------------------------- */

/* A dtype with arithmetic: not undefined, bool or packed i4. */
bool eb_is_numeric(eb_dtype dt);

/* ---- sliding windows (Conv, MaxPool, AveragePool) ----------------------- */

typedef struct eb_window {
    int nd;                            /* spatial dims */
    int64_t in[EB_MAX_SPATIAL];        /* input spatial dims */
    int64_t kernel[EB_MAX_SPATIAL];
    int64_t stride[EB_MAX_SPATIAL];
    int64_t dil[EB_MAX_SPATIAL];
    int64_t pad_begin[EB_MAX_SPATIAL];
    int64_t pad_end[EB_MAX_SPATIAL];
    int64_t out[EB_MAX_SPATIAL];       /* output spatial dims */
} eb_window;

/* EB_EINVAL "Op: input X is ..., expected rank >= 3 (N, C, spatial...)"
 * when x has fewer than three dims. */
eb_status eb_check_spatial_input(const char *op, const eb_tensor *x, eb_err *err);

/* With g->nd, g->in and g->kernel set by the caller: reads the strides,
 * dilations and pads attributes (eb_attr_ints_range), with_ceil_mode the
 * ceil_mode attribute (0 or 1) too, then auto_pad, and sets g's pads and
 * output dims.  SAME_UPPER/SAME_LOWER ignore the explicit pads; ceil_mode
 * (not with VALID) rounds the output up, but never so that the last window
 * starts in the trailing padding.  op names the op in messages. */
eb_status eb_window_geometry(const eb_node *n, const char *op, bool with_ceil_mode, eb_window *g, eb_err *err);

/* Sets y to x's dtype and the shape [N, channels, g->out...]; EB_EINVAL
 * "Op: output size overflows" when its element count does not fit. */
eb_status eb_window_output(const char *op, const eb_tensor *x, int64_t channels, const eb_window *g, eb_tensor *y,
                           eb_err *err);


#endif
