/* ocl_plan.h - the OpenCL runner's plan: how a graph is lowered onto one
 * device (ocl_plan.c and the ocl_plan_<family>.c lowerers) and what run()
 * walks (ocl_runner.c).
 *
 * Every value the plan computes lives in a slot: a device buffer plus a
 * host mirror, with a flag for each saying whether it holds the current
 * data.  Reshape-like nodes (Reshape, Flatten, Squeeze, Unsqueeze,
 * Identity, Cast f32->f32, Dropout) give their output the input's slot: no
 * copy.  A step is one node (or a Conv/Gemm with its Relu/Clip fused) as
 * OpenCL launches, or a node handed to the reference fallback; run() moves
 * data between device and host only where a step on the other side needs
 * it (a fallback reads its inputs back, the next kernel writes them out). */
#ifndef EB_RUNNERS_OCL_PLAN_H
#define EB_RUNNERS_OCL_PLAN_H

#include <stdint.h>

#include "runners/fallback.h"
#include "runners/opencl/ocl.h"

/* The storage of one value (several, when aliased). */
typedef struct eb_ocl_slot {
    cl_mem mem;        /* NULL until a kernel needs the value on the device */
    size_t bytes;
    void *host;        /* non-constants: a mirror the plan owns; constants: the graph's data */
    bool is_const;
    bool dev_valid, host_valid; /* run(): where the current data is */
} eb_ocl_slot;

/* One unit of run(). */
typedef struct eb_ocl_pstep {
    int node;          /* the graph node it executes */
    int last;          /* the last node it covers (a fused Relu/Clip), else node */
    bool fallback;     /* the node runs on the reference kernels */
    eb_ocl_step step;  /* the launches (not fallback) */
} eb_ocl_pstep;

struct eb_plan {
    const eb_graph *g;
    eb_ocl o;
    bool opened;
    bool f16_weights;      /* quant=fp16: weights held as half (notes) */
    int *slot_of;          /* value -> slot, -1 for a value nothing computes */
    eb_ocl_slot *slots;
    int n_slots;
    eb_tensor *vals;       /* per value: its tensor with data = its slot's host (fallback args) */
    bool *skip;            /* per node: nothing to run (aliased, fused into the step before) */
    int *consumers;        /* per value: how many node inputs read it (+1 for a graph output) */
    eb_ocl_pstep *steps;
    int n_steps, cap_steps;
    int max_launch;        /* most launches of all steps together: the event array */
    cl_event *ev;
    eb_fallback fb;
    eb_plan_info info;
    struct {
        char pattern[48]; /* "Conv+Relu" */
        int count;
    } fused[16];           /* what the lowering fused, for info.fusions */
    int n_fused;
};

/* What a lowerer answers: done (steps added / aliased), or "no kernel for
 * this configuration" (the node goes to the fallback), or an error. */
typedef enum eb_ocl_lower { EB_OCL_LOWERED, EB_OCL_NO_KERNEL, EB_OCL_FAILED } eb_ocl_lower;

/* Lowers p->g onto p->o (open): slots, steps, fallbacks, info. */
eb_status eb_ocl_plan_lower(eb_plan *p, eb_err *err);
/* Releases everything eb_ocl_plan_lower made (not p, not p->o). */
void eb_ocl_plan_free(eb_plan *p);

/* ---- services of ocl_plan.c for the lowerers -------------------------- */

/* Value v's tensor as the graph infers it. */
const eb_tensor *eb_ocl_value(const eb_plan *p, int v);
/* The graph's data of a constant (dense) value, NULL when v is not constant
 * or is stored compressed. */
const void *eb_ocl_const_data(const eb_plan *p, int v);
/* v's device buffer (a constant is uploaded, decoded to f32 when stored
 * compressed, on first use). */
eb_status eb_ocl_value_view(eb_plan *p, int v, eb_ocl_view *out, eb_err *err);
/* A new step for node..last, whose launches the caller fills. */
eb_ocl_pstep *eb_ocl_add_step(eb_plan *p, int node, int last, eb_err *err);
/* Gives value `dst` the slot of value `src` (a reshape: no copy). */
void eb_ocl_alias(eb_plan *p, int dst, int src);

/* A launch of `kernel` over n work items (1-D); the arguments are set by
 * eb_ocl_arg_* in order from index 0. */
typedef struct eb_ocl_args {
    cl_kernel k;
    cl_uint next;
    cl_int rc;
} eb_ocl_args;
eb_status eb_ocl_launch_1d(const eb_plan *p, eb_ocl_step *s, const char *kernel, size_t n, eb_ocl_args *a,
                           eb_err *err);
void eb_ocl_arg_mem(eb_ocl_args *a, cl_mem m);
void eb_ocl_arg_int(eb_ocl_args *a, int v);
void eb_ocl_arg_float(eb_ocl_args *a, float v);
void eb_ocl_arg_int8(eb_ocl_args *a, const int v[8]); /* an int8 vector */
/* EB_EIO naming the kernel when an argument failed. */
eb_status eb_ocl_args_check(const eb_ocl_args *a, const char *kernel, eb_err *err);
/* A device buffer the step owns (counted in device_bytes). */
eb_status eb_ocl_plan_own(const eb_plan *p, eb_ocl_step *s, size_t bytes, const void *host, cl_mem *out,
                          eb_err *err);

/* Strides of a shape (row-major, elements); a dim of 1 gets stride 0 when
 * `bcast` (broadcasting to a bigger shape of the same rank). */
void eb_ocl_strides(const eb_tensor *t, int rank, bool bcast, int64_t out[EB_MAX_RANK]);
/* Merges adjacent dims that every operand walks contiguously and drops
 * dims of 1: rank, dims and the n_ops stride rows are rewritten. */
int eb_ocl_coalesce(int rank, int64_t dims[EB_MAX_RANK], int n_ops, int64_t (*strides)[EB_MAX_RANK]);
/* int8 argument form; false when a number does not fit in int. */
bool eb_ocl_to_int8(int rank, const int64_t *v, int out[8]);

/* The node that can fuse into node i's output: its one reader (i's output
 * is no graph output), an f32 unary op eltwise.cl has (eb_ocl_unary_code)
 * reading it as its input 0; -1 when none. */
int eb_ocl_next_unary(const eb_plan *p, int i, int *op, float *p0, float *p1);
/* Node `node` and node `last` ran as one step: counted in info.fusions, and
 * last is skipped by the walk. */
void eb_ocl_fused(eb_plan *p, int node, int last);

/* The eb_unary code and parameters of an activation node (Clip's bounds
 * must be constants); false when eltwise.cl has no kernel for it. */
bool eb_ocl_unary_code(const eb_plan *p, const eb_node *n, int *op, float *p0, float *p1);

/* ---- the lowerers, by family ------------------------------------------ */

eb_ocl_lower eb_ocl_lower_eltwise(eb_plan *p, int node, eb_err *err);  /* ocl_plan_eltwise.c */
eb_ocl_lower eb_ocl_lower_movement(eb_plan *p, int node, eb_err *err); /* ocl_plan_movement.c */
eb_ocl_lower eb_ocl_lower_norm(eb_plan *p, int node, eb_err *err);     /* ocl_plan_norm.c */
eb_ocl_lower eb_ocl_lower_compute(eb_plan *p, int node, eb_err *err);  /* ocl_plan_compute.c */

#endif
