/* index_ops.h - the cpu runner's kernels for the ops that move elements by
 * position or by index (issue 13's op coverage): Trilu, CumSum,
 * GatherElements, GatherND, ScatterElements, ScatterND and TopK.
 *
 * Their reference twins (reference_kernels/ref_trilu.c, ref_gather_*.c,
 * ref_scatter.c, ref_topk.c) read and write one element at a time through
 * the dtype accessors; these work on whole rows (memcpy/memset runs,
 * typed loops over the contiguous dim, a double accumulator row for
 * CumSum, a total-order sort for TopK) and give the same bits: data
 * movement is exact, CumSum sums in double and rounds once per output as
 * the twin does, a scatter's float reduction is one float operation (what
 * the twin's double operation rounds to), and TopK's order is the twin's
 * (value, then the lower index first; NaN above every number).
 *
 * The parameters are decoded once in prepare (cpu_plan_index.c); run-time
 * indices are checked here, with the reference's own checks
 * (eb_index_values_check, eb_nd_values_check), before anything is
 * written. */
#ifndef EB_CPU_INDEX_OPS_H
#define EB_CPU_INDEX_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/op_params.h"
#include "models/status.h"
#include "models/tensor.h"
#include "runners/cpu/threadpool.h"

typedef enum eb_index_kind {
    EB_IX_TRILU = 0,
    EB_IX_CUMSUM,
    EB_IX_GATHER_ELEMENTS,
    EB_IX_GATHER_ND,
    EB_IX_SCATTER_ELEMENTS,
    EB_IX_SCATTER_ND,
    EB_IX_TOPK
} eb_index_kind;

typedef struct eb_index_op {
    eb_index_kind kind;
    const char *op;         /* the ONNX op's name, for messages */
    int axis;               /* CumSum, *Elements, TopK: normalised */
    int64_t k;              /* Trilu: the diagonal; TopK: K */
    bool upper;             /* Trilu */
    bool exclusive, reverse; /* CumSum */
    bool largest;           /* TopK */
    int batch_dims;         /* GatherND */
    eb_scatter_red red;     /* scatters */
    bool runtime_param;     /* Trilu's k / CumSum's axis is input 1, read at run time */
} eb_index_op;

/* Scratch bytes eb_index_run needs for these inputs (0: none). */
size_t eb_index_scratch_bytes(const eb_index_op *op, const eb_tensor *const *in);

/* Runs op on in[] (data first, as the node's inputs) into out[] (TopK's
 * out[1], the indices, may be NULL).  EB_EINVAL for a run-time index out
 * of range, naming it, with nothing written. */
eb_status eb_index_run(const eb_index_op *op, const eb_tensor *const *in, eb_tensor *const *out, void *scratch,
                       eb_threadpool *tp, eb_err *err);

#endif
