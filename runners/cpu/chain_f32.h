/* chain_f32.h - a chain of elementwise ops run as one pass over memory
 * (the graph optimizer's "Eltwise chain", cpu_opt_chain.c plans it): the
 * chain's ops are a small program applied to one cache-sized block of
 * the output after another, so that each value is read from memory once
 * and written once however many ops it goes through.
 *
 * Each op is a unary function (one that eb_unary_f32 takes, with its
 * parameters: the same code computes it, so a chain gives what the ops'
 * own steps give) or Add, Sub, Mul or Div of the running value and one
 * other operand: a constant scalar, an input of the output's shape, an
 * input broadcast to it (a per-channel constant), or the running value
 * itself (x * x).  The kernel is chain_f32.c; where the plan's ISA is
 * AVX2 or AVX-512, eb_chain_op_f32__avx2 (kernels_f32_avx2.c) runs the
 * ops it has an 8-wide form of, and the scalar loops the rest. */
#ifndef EB_CPU_CHAIN_F32_H
#define EB_CPU_CHAIN_F32_H

#include <stdbool.h>
#include <stdint.h>

#include "runners/cpu/cpu_kernels.h"

enum {
    EB_CHAIN_MAX_OPS = 16,
    EB_CHAIN_BLOCK = 1024 /* floats per block: the running value and a gathered operand stay in L1 */
};

typedef enum eb_chain_arg {
    EB_CHAIN_UNARY = 0, /* no operand */
    EB_CHAIN_SCALAR,    /* the constant s */
    EB_CHAIN_FULL,      /* input `in`, the output's shape: element for element */
    EB_CHAIN_BCAST,     /* input `in` broadcast to the output's shape (rank, shape, st) */
    EB_CHAIN_SELF       /* the running value itself */
} eb_chain_arg;

typedef struct eb_chain_op {
    eb_op op;              /* unary: as eb_unary_f32; else ADD, SUB, MUL, DIV */
    eb_unary_params u;     /* unary */
    eb_chain_arg arg;
    bool swap;             /* the operand is on the left: y = operand OP v */
    float s;               /* EB_CHAIN_SCALAR */
    int in;                /* EB_CHAIN_FULL, EB_CHAIN_BCAST: index into the chain's inputs */
    /* EB_CHAIN_BCAST: the output's dims, merged where the operand's strides
     * run on (row-major), and the operand's element strides over them (0
     * on a broadcast dim) */
    int rank;
    int64_t shape[EB_MAX_RANK], st[EB_MAX_RANK];
} eb_chain_op;

typedef struct eb_chain {
    int n_ops;
    eb_chain_op ops[EB_CHAIN_MAX_OPS];
} eb_chain;

/* y[i] = ops(in[0][i]) for i < n: in[0] the chain's input, the others its
 * operands; y may be in[0] (in place), no other input.  avx2: the plan's
 * ISA runs eb_chain_op_f32__avx2. */
void eb_chain_f32(const eb_chain *c, const float *const *in, float *y, int64_t n, bool avx2, eb_threadpool *tp);

/* One unary function over n values, as eb_unary_f32 computes it, on the
 * calling thread (eltwise_f32.c). */
void eb_unary_span_f32(const eb_unary_params *p, const float *x, float *y, int64_t n);

#if defined(__x86_64__)
/* One op over the first multiple of 8 of n values, 8 at a time: y = v OP
 * a (a + j * a_step: a_step 0 a scalar, 1 a vector; swap: a OP v), or y =
 * fn(v).  Returns how many it did: 0 for an op it has no 8-wide form of
 * (the caller's scalar loop does the rest). */
int64_t eb_chain_op_f32__avx2(const eb_chain_op *op, const float *v, const float *a, int64_t a_step, float *y,
                              int64_t n);
#endif

#endif
