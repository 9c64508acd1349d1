/* attention_f32.h - scaled dot-product attention as one step of the cpu
 * runner (the graph optimizer's Attention fusion, cpu_opt_attention.c):
 *
 *   Y = softmax(select(cond, fill, scale * Q K^T) + mask) V   over the last axis
 *
 * per batch matrix: Q [m][d], K^T [d][n] (as the graph's MatMul reads it),
 * V [n][dv]; a boolean cond (the causal mask of a Where: the score is
 * `fill` where cond equals fill_when) and a float mask (added), each
 * broadcast to the scores [batch...][m][n], each optional.
 * The scores are computed a block of query rows at a time into scratch
 * and consumed at once by the second product, so at most one block of
 * rows (EB_ATTN_ROWS_MAX x n floats per worker) of the score matrix
 * exists, never the whole [batch][m][n] the unfused graph writes three
 * times (scores, masked, probabilities).  The two products are the cpu
 * runner's packed GEMM (K^T and V packed once per batch matrix), the
 * exponentials its softmax row kernel; the unfused MatMul, Softmax and
 * elementwise steps are the reference this is tested against
 * (tests/test_cpu_opt.c), within the float tolerance. */
#ifndef EB_CPU_ATTENTION_F32_H
#define EB_CPU_ATTENTION_F32_H

#include <stdbool.h>
#include <stdint.h>

#include "models/status.h"
#include "models/tensor.h"
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/gemm.h"

enum { EB_ATTN_ROWS_MAX = 64 };

/* A mask broadcast to the scores: where its element for score row t
 * (flat over `rows`) and key j is. */
typedef struct eb_attn_mask {
    bool on;
    int64_t srow[EB_MAX_RANK]; /* element strides over `rows` */
    int64_t col;               /* along the keys: 1, or 0 when broadcast */
} eb_attn_mask;

typedef struct eb_attention {
    int64_t m, d, n, dv;       /* queries, head width, keys, value width */
    int64_t batches;           /* matrices: the product of yb's dims */
    eb_tensor yb;              /* the output's batch dims (shape only) */
    int64_t sq[EB_MAX_RANK], sk[EB_MAX_RANK], sv[EB_MAX_RANK]; /* Q, K^T, V: batch strides in matrices */
    float scale;
    eb_tensor rows;            /* the scores' dims but the last (shape only): batch dims, m */
    eb_attn_mask sel, add;     /* the boolean cond (u8) and the float mask */
    float fill;                /* sel: the score where cond == fill_when */
    bool fill_when;
    int block;                 /* query rows per block (<= EB_ATTN_ROWS_MAX) */
    eb_exp_sum_fn exp_sum;     /* the softmax row kernel of the plan's ISA */
    eb_isa isa;                /* the plan's: worker threads pack for it */
} eb_attention;

/* The query rows per block for n keys: a block's scores stay within about
 * 128 KiB (L2), between 1 and EB_ATTN_ROWS_MAX rows. */
int eb_attention_block(int64_t n);
/* The scratch floats eb_attention_f32 needs on `threads` workers. */
size_t eb_attention_scratch_floats(const eb_attention *a, int threads);
/* Y [batches][m][dv]; q, kt, v, cond and mask as described above (NULL
 * when off).  EB_ENOMEM when packing runs out of memory. */
eb_status eb_attention_f32(const eb_attention *a, const float *q, const float *kt, const float *v,
                           const uint8_t *cond, const float *mask, float *y, float *scratch, eb_threadpool *tp);

#endif
