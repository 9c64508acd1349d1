/* chain_f32.c - the elementwise-chain kernel (chain_f32.h): the output is
 * split over the pool in pieces, each piece is walked in blocks of
 * EB_CHAIN_BLOCK values, and each block goes through every op of the chain
 * while it is in L1: the first op reads the input, the ops in between
 * work on a block buffer, the last writes the output.  A broadcast
 * operand is read in place, row by row of its innermost merged dim.
 *
 * Unary ops are eb_unary_span_f32, the unary step's own code; Add, Sub,
 * Mul and Div are the plain float operations, as the binary step does
 * them, so that on a generic plan a chain gives the ops' own steps'
 * results bit for bit.  An AVX2 plan runs eb_chain_op_f32__avx2 first,
 * which differs only where it computes e^x (Exp, Sigmoid) with the
 * softmax kernel's polynomial. */
#include "runners/cpu/chain_f32.h"

#include <string.h>

/* memory-bound loops: let GCC vectorise them (as eltwise_f32.c) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("tree-vectorize", "vect-cost-model=dynamic")
#endif

typedef struct chain_ctx {
    const eb_chain *c;
    const float *const *in;
    float *y;
    bool avx2;
} chain_ctx;

#define BIN_LOOP(EXPR)                                                                             \
    do {                                                                                           \
        if (a_step)                                                                                \
            for (int64_t j = 0; j < n; j++) {                                                      \
                float u = v[j], w = a[j];                                                          \
                y[j] = (EXPR);                                                                     \
            }                                                                                      \
        else                                                                                       \
            for (int64_t j = 0; j < n; j++) {                                                      \
                float u = v[j], w = a[0];                                                          \
                y[j] = (EXPR);                                                                     \
            }                                                                                      \
    } while (0)

/* y = v OP a (swap: a OP v); a_step 0: a is one value. */
static void binary_span(eb_op op, bool swap, const float *v, const float *a, int64_t a_step, float *y, int64_t n)
{
    switch (op) {
    case EB_OP_ADD: BIN_LOOP(u + w); break;
    case EB_OP_MUL: BIN_LOOP(u * w); break;
    case EB_OP_SUB:
        if (swap)
            BIN_LOOP(w - u);
        else
            BIN_LOOP(u - w);
        break;
    case EB_OP_DIV:
        if (swap)
            BIN_LOOP(w / u);
        else
            BIN_LOOP(u / w);
        break;
    default: break;
    }
}

/* y = v OP (the broadcast operand) for output elements [b, b + n): row by
 * row of the innermost merged dim, along which the operand is one value
 * (stride 0) or contiguous (stride 1): read where it is, never copied. */
static void bcast_span(const chain_ctx *c, const eb_chain_op *op, const float *v, float *y, int64_t b, int64_t n)
{
    const float *src = c->in[op->in];
    int r = op->rank;
    int64_t inner = op->shape[r - 1], is = op->st[r - 1];
    for (int64_t e = b; e < b + n;) {
        int64_t row = e / inner, j0 = e % inner;
        int64_t len = inner - j0 < b + n - e ? inner - j0 : b + n - e;
        int64_t off = j0 * is, rem = row;
        for (int d = r - 2; d >= 0; d--) {
            off += rem % op->shape[d] * op->st[d];
            rem /= op->shape[d];
        }
        const float *vp = v + (e - b), *a = src + off;
        float *yp = y + (e - b);
        int64_t done = 0;
#if defined(__x86_64__)
        if (c->avx2)
            done = eb_chain_op_f32__avx2(op, vp, a, is, yp, len);
#endif
        if (done < len)
            binary_span(op->op, op->swap, vp + done, is ? a + done : a, is, yp + done, len - done);
        e += len;
    }
}

/* One op on n values of one block starting at output element b. */
static void apply(const chain_ctx *c, const eb_chain_op *op, const float *v, float *y, int64_t b, int64_t n)
{
    const float *a = NULL;
    int64_t a_step = 1;
    switch (op->arg) {
    case EB_CHAIN_UNARY: break;
    case EB_CHAIN_SCALAR:
        a = &op->s;
        a_step = 0;
        break;
    case EB_CHAIN_FULL: a = c->in[op->in] + b; break;
    case EB_CHAIN_BCAST: bcast_span(c, op, v, y, b, n); return;
    case EB_CHAIN_SELF: a = v; break;
    }
    int64_t done = 0;
#if defined(__x86_64__)
    if (c->avx2)
        done = eb_chain_op_f32__avx2(op, v, a, a_step, y, n);
#endif
    if (done == n)
        return;
    if (op->arg == EB_CHAIN_UNARY)
        eb_unary_span_f32(&op->u, v + done, y + done, n - done);
    else
        binary_span(op->op, op->swap, v + done, a_step ? a + done : a, a_step, y + done, n - done);
}

static void chain_range(void *arg, int64_t begin, int64_t end)
{
    const chain_ctx *c = arg;
    float buf[EB_CHAIN_BLOCK];
    int last = c->c->n_ops - 1;
    for (int64_t b = begin; b < end; b += EB_CHAIN_BLOCK) {
        int64_t n = end - b < EB_CHAIN_BLOCK ? end - b : EB_CHAIN_BLOCK;
        const float *v = c->in[0] + b;
        for (int k = 0; k <= last; k++) {
            /* the output is written by the last op only: in place, the
             * input's block is read before its bytes are overwritten */
            float *dst = k == last ? c->y + b : buf;
            apply(c, &c->c->ops[k], v, dst, b, n);
            v = dst;
        }
    }
}

void eb_chain_f32(const eb_chain *c, const float *const *in, float *y, int64_t n, bool avx2, eb_threadpool *tp)
{
    chain_ctx ctx = {c, in, y, avx2};
    eb_cpu_parallel_for(tp, n, 16384, chain_range, &ctx);
}
