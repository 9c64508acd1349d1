/* cuda_plan.h - the cuda runner's plan, shared by its C files: one device
 * buffer per graph value (or an alias of another's: Reshape and its kind),
 * the constants uploaded once, and the list of steps run() launches in
 * order on the plan's stream.  A step is one kernel family with its device
 * pointers resolved at prepare time, or a node handed to the reference
 * fallback (its inputs copied to the host, run there, its outputs copied
 * back).  The planners (cuda_plan_<family>.c) each take one family of ops
 * and return false for a node they do not take, which then falls back. */
#ifndef EB_CUDA_PLAN_H
#define EB_CUDA_PLAN_H

#include <stdbool.h>

#include <cuda_runtime_api.h>

#include "runners/cuda/cu_kernels.h"
#include "runners/cuda/cuda_cublas.h"
#include "runners/cuda/cuda_mem.h"
#include "runners/fallback.h"
#include "runners/runner.h"

typedef enum cu_step_kind {
    CS_GEMM,      /* gemm (Gemm, MatMul, 1x1 Conv) */
    CS_CONV,      /* im2col of each image and group, then gemm */
    CS_DEPTHWISE,
    CS_POOL,
    CS_BINARY,
    CS_UNARY,
    CS_AFFINE,    /* BatchNormalization */
    CS_SOFTMAX,
    CS_LAYERNORM,
    CS_TRANSPOSE,
    CS_CONCAT,    /* one 2-D copy per input */
    CS_GATHER,
    CS_SPLIT,     /* one 2-D copy per output */
    CS_FALLBACK,
} cu_step_kind;

typedef struct cu_step {
    cu_step_kind kind;
    int node;           /* the graph node (the first, when fused) */
    char what[160];     /* names and ops for profile(): "conv1+relu1" */
    char ops[64];       /* "Conv+Relu" */
    eb_cu_gemm gemm;    /* CS_GEMM, CS_CONV (per image and group, offsets added at run time) */
    eb_cu_win win;      /* CS_CONV, CS_DEPTHWISE, CS_POOL */
    int groups;         /* CS_CONV */
    int op;             /* CS_BINARY / CS_UNARY: EB_CU_*; CS_POOL: is_max; CS_SOFTMAX: log;
                         * CS_GATHER: int64 indices */
    int flag;           /* CS_POOL: count_include_pad */
    float p0, p1;       /* CS_UNARY parameters; CS_LAYERNORM: p0 epsilon */
    int act;            /* CS_DEPTHWISE epilogue */
    const void *x, *w, *b; /* inputs (x, second operand or weights or indices, bias / shift) */
    void *y;
    float *col;         /* CS_CONV: the plan's im2col scratch */
    int64_t rows, cols, outer, inner, count; /* CS_GATHER: rows the axis, cols the indices */
    eb_cu_bcast bc;     /* CS_BINARY */
    int rank;           /* CS_TRANSPOSE */
    int64_t shape[EB_MAX_RANK], st[EB_MAX_RANK];
    int elem;           /* CS_TRANSPOSE / CS_CONCAT / CS_GATHER: bytes per element */
    int n_parts;        /* CS_CONCAT, CS_SPLIT */
    const void **parts; /* CS_CONCAT: the inputs */
    void **outs;        /* CS_SPLIT: the outputs */
    int64_t *part_bytes; /* each input's / output's bytes per outer row */
} cu_step;

/* A graph value on the device. */
typedef struct cu_val {
    void *d;            /* device data (NULL: not on the device) */
    void *half;         /* a quant=fp16 weight's fp16 copy, for the GEMMs */
    bool uploaded;      /* a constant whose data went up */
    eb_tensor host;     /* a host copy for fallback nodes (data NULL until needed) */
} cu_val;

struct eb_plan {
    const eb_graph *g;
    cudaStream_t stream;
    cudaEvent_t ev[4];  /* upload start, upload end / compute start, compute end, download end */
    eb_cu_mem mem;
    cu_val *vals;
    int *uses;          /* per value: consuming nodes, + 1 for a graph output */
    cu_step *steps;
    int n_steps, cap_steps;
    int math;           /* EB_CU_MATH_* every GEMM uses */
    bool half_weights;  /* quant=fp16: GEMM weights stay fp16 */
    eb_cu_cublas *cublas; /* gemm=cublas, else NULL */
    float *col;         /* im2col scratch, the largest any conv needs */
    size_t col_bytes;
    eb_fallback fb;
    bool *fused;        /* per node: consumed by an earlier node's step */
    eb_plan_info info;
};

/* cuda_plan.c */
eb_status eb_cu_plan_build(eb_plan *p, eb_err *err);
cu_step *eb_cu_new_step(eb_plan *p, cu_step_kind kind, int node, eb_err *err);
/* Device pointer of value v, its data as stored (constants uploaded on
 * first use; a compressed f32 constant decoded to fp32 first); NULL with *st
 * set on failure, or with st EB_OK when v has no device data the kernels
 * can use (a compressed constant of another dtype). */
const void *eb_cu_val_f32(eb_plan *p, int v, eb_status *st, eb_err *err);
/* The same, but a quant=fp16 weight comes as its fp16 bits (*half set). */
const void *eb_cu_val_gemm(eb_plan *p, int v, int *half, eb_status *st, eb_err *err);
/* Uploads n floats from the host into a new device array. */
float *eb_cu_upload_f32(eb_plan *p, const float *h, size_t n, eb_status *st, eb_err *err);
/* True when value v is f32 with a known shape (and, unless is_const may be
 * either, that it is / is not constant). */
bool eb_cu_is_f32(const eb_plan *p, int v);
bool eb_cu_is_const(const eb_plan *p, int v);
/* The single node consuming v, when v is not a graph output and exactly one
 * node reads it once; -1 otherwise. */
int eb_cu_only_consumer(const eb_plan *p, int v);
/* Relu or Clip (constant bounds) after value v, fusable as an epilogue:
 * its node index, with *act / *lo / *hi set; -1 when none. */
int eb_cu_fusable_act(eb_plan *p, int v, int *act, float *lo, float *hi);
/* Appends "+name" / "+op" of node ni to a step's labels. */
void eb_cu_step_label(const eb_plan *p, cu_step *s, int ni);

/* the planners (cuda_plan_<family>.c): true when a step was added; false
 * (with *st EB_OK) for a node they do not take, whereupon the walk drops
 * any step they added and the node falls back */
bool eb_cu_plan_gemm(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cu_plan_matmul(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cu_plan_conv(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cu_plan_pool(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cu_plan_eltwise(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cu_plan_rows(eb_plan *p, int ni, eb_status *st, eb_err *err);
bool eb_cu_plan_movement(eb_plan *p, int ni, eb_status *st, eb_err *err);

/* cuda_exec.c: one inference (times: profile(), each step timed too) */
eb_status eb_cu_execute(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max, int *n,
                        eb_err *err);

/* "cuda: what: <CUDA's error string>" as an eb_err, EB_EIO */
eb_status eb_cu_fail(eb_err *err, cudaError_t e, const char *what);

#endif
