/* wgemm.h - matrix products on compressed weights for the cpu runner,
 * computed on the compressed storage itself (no fp32 copy of the weights):
 *
 *   Y[M][N] = act(X[M][K] * W^T + bias)      W logically [N][K], row n = output n
 *
 * W comes in one of four layouts (eb_cweights), repacked once at prepare
 * from the graph's storage (models/storage.h) into what the kernels want,
 * and never larger than that storage:
 *
 *  - I4: int4 group-wise weight-only.  Row n is K/2 bytes; in every chunk of
 *    32 elements byte j holds element j in its low nibble and element j + 16
 *    in its high one (the two halves unpack with one AND and one shift), as
 *    the unsigned value q + 8.  scale[n][g] per `group` elements along K
 *    (group a multiple of 16), and zero[n][g] = 8 + zero point (NULL when
 *    every zero point is 0: 8).  w = scale * (nibble - zero).
 *  - I4X: the same int4 values (q + 8) and scales, without zero points
 *    (group a multiple of 32), for the GEMV of LLM decoding with int8
 *    activations: rows in blocks of 16, block b's weights for k = 8t ..
 *    8t + 7 in 64 bytes, byte 4r + i holding row 16b + r's element 8t + i
 *    in its low nibble and 8t + 4 + i in its high one (i < 4), so that one
 *    vpdpbusd multiplies 16 rows by 4 broadcast activations; scale
 *    [block][K/group][16].  Rows past n (the last block) are zero.
 *  - F16: [N][K] IEEE binary16 bits.
 *  - CSR: row n's nonzeros val[row_ptr[n] .. row_ptr[n+1]) at columns col[]
 *    (uint16: K <= 65536).
 *  - NM: of every m consecutive columns of a row nn are kept: value j of
 *    group q of row n is val[(n * K/m + q) * nn + j] at column q*m + idx[same].
 *
 * The kernels (kernels.def rows, one file per format and ISA, leaves):
 *  - eb_wdot_fn (I4, F16): at most EB_WDOT_ROWS rows of X, outputs [n0, n1):
 *    dot products streaming W once for all the rows.  I4 computes
 *    scale * sum((nibble - zero) * x) per group, the reference's form
 *    (nibble - zero is exact in fp32), so no cancellation is added.
 *  - eb_wdot_q8_fn (I4X): one row of X quantized to int8 (eb_xq8: per
 *    block of 32, scale max|x| / 127), row blocks [b0, b1): per block of
 *    32, the exact integer dot of the nibbles and the int8 values, less 8
 *    times the int8 sum, times scale(w) * scale(x), summed in fp32 - the
 *    arithmetic of llama.cpp's Q4_0 x Q8_0 and ONNX Runtime's MatMulNBits
 *    at accuracy level 4.  It is 4x the work per load of the I4 kernels
 *    (an int8 dot instead of a float FMA per weight), and it adds the
 *    activations' rounding (one part in 254 of a block's largest value) to
 *    the weights' own (one part in 16 of a group's range).
 *  - eb_spmm_fn (CSR, NM): `rows` rows of X (1..EB_SPMM_TILE), outputs
 *    [n0, n1).  One row: a GEMV (gathers).  More: XNNPACK's SpMM form, the
 *    rows transposed to [K][EB_SPMM_TILE] in scratch (EB_SPMM_SCRATCH(k, n)
 *    floats), each nonzero multiplying a vector of pixels, and blocks of
 *    outputs transposed back into Y's rows (NHWC for a 1x1 convolution).
 * Both compute raw products: the driver (wgemm.c) adds bias and activation.
 * Every kernel is tested against the reference twin (eb_ref_gemm on the
 * compressed tensor) by tests/test_kernels.c with its ISA forced. */
#ifndef EB_CPU_WGEMM_H
#define EB_CPU_WGEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/status.h"
#include "models/tensor.h"
#include "runners/cpu/gemm.h"

typedef enum eb_cw_kind { EB_CW_I4 = 0, EB_CW_F16, EB_CW_CSR, EB_CW_NM, EB_CW_I4X } eb_cw_kind;

typedef struct eb_cweights {
    eb_cw_kind kind;
    int n, k;
    int group;          /* I4, I4X */
    uint8_t *q;         /* I4: n * k / 2 bytes; I4X: blocks * 16 * k / 2 */
    float *scale;       /* I4: n * k / group; I4X: blocks * 16 * k / group */
    float *zero;        /* I4: n * k / group, or NULL (all 8) */
    uint16_t *h;        /* F16: n * k */
    int32_t *row_ptr;   /* CSR: n + 1 */
    uint16_t *col;      /* CSR: nnz */
    float *val;         /* CSR: nnz; NM: n * k / m * nn */
    uint8_t *idx;       /* NM: as many as val */
    int nn, m;          /* NM */
} eb_cweights;

enum { EB_WDOT_ROWS = 4, EB_SPMM_TILE = 16, EB_I4X_ROWS = 16 };

/* One row of X as the I4X kernels read it (eb_wgemm quantizes it). */
typedef struct eb_xq8 {
    const int8_t *q;   /* k values: nearest(x * 127 / max|x| of its block of 32) */
    const float *s;    /* k / 32: max|x| / 127 (NaN where the block is not finite) */
    const int32_t *c8; /* k / 32: 8 * the sum of the block's q */
} eb_xq8;
/* Quantizes x[k] (k a multiple of 32) into the arrays of *xq. */
void eb_xq8_quantize(const float *x, int k, int8_t *q, float *s, int32_t *c8);
typedef void (*eb_wdot_q8_fn)(const eb_cweights *w, const eb_xq8 *x, float *y, int b0, int b1);

typedef void (*eb_wdot_fn)(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y,
                           size_t ldy, int n0, int n1);
typedef void (*eb_spmm_fn)(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,
                           int n1, float *scratch);
#define EB_SPMM_SCRATCH(k, n) (((size_t)(k) + (size_t)(n) + 8) * EB_SPMM_TILE)

/* The kernels; the SIMD ones exist only on x86-64. */
void eb_wdot_i4x__generic(const eb_cweights *w, const eb_xq8 *x, float *y, int b0, int b1);
#if defined(__x86_64__)
void eb_wdot_i4x__avx2(const eb_cweights *w, const eb_xq8 *x, float *y, int b0, int b1);
void eb_wdot_i4x__avx512vnni(const eb_cweights *w, const eb_xq8 *x, float *y, int b0, int b1);
#endif
#define EB_WGEMM_DECLARE(isa)                                                                                          \
    void eb_wdot_i4__##isa(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y,   \
                           size_t ldy, int n0, int n1);                                                                \
    void eb_wdot_f16__##isa(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y,  \
                            size_t ldy, int n0, int n1);                                                               \
    void eb_spmm_csr__##isa(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0, \
                            int n1, float *scratch);                                                                   \
    void eb_spmm_nm__##isa(const eb_cweights *w, int rows, const float *x, size_t ldx, float *y, size_t ldy, int n0,  \
                           int n1, float *scratch);
EB_WGEMM_DECLARE(generic)
#if defined(__x86_64__)
EB_WGEMM_DECLARE(avx2)
EB_WGEMM_DECLARE(avx512)
#endif

/* Whether t (a constant weight with a storage) has a layout these kernels
 * take, viewed as W [N][K] (by_output: t's rows are the outputs, as Gemm
 * transB=1 stores them; otherwise t is [K][N]). */
bool eb_cweights_supported(const eb_tensor *t, bool by_output);
/* Repacks t into *w (eb_cweights_supported must hold).  The caller frees
 * with eb_cweights_free. */
eb_status eb_cweights_pack(const eb_tensor *t, bool by_output, eb_cweights *w, eb_err *err);
/* Whether t (supported) is int4 that the I4X layout takes: no zero points,
 * groups a multiple of 32; then eb_cweights_pack_i4x repacks it so. */
bool eb_cweights_i4x_supported(const eb_tensor *t, bool by_output);
eb_status eb_cweights_pack_i4x(const eb_tensor *t, bool by_output, eb_cweights *w, eb_err *err);
void eb_cweights_free(eb_cweights *w);
/* Multiplies output row n of W by scale[n] (a folded BatchNormalization;
 * not for F16, whose rounding it would change). */
void eb_cweights_scale_rows(eb_cweights *w, const float *scale);
/* The bytes *w holds. */
size_t eb_cweights_bytes(const eb_cweights *w);

/* The scratch floats eb_wgemm needs for m rows of X on `threads` threads
 * (0 for the GEMV forms). */
size_t eb_wgemm_scratch_floats(const eb_cweights *w, int m, int threads);
/* Y = act(X * W^T + bias) with the kernel picked for isa (kernels.def),
 * X [m][k] row stride ldx, Y [m][n] row stride ldy; over tp's threads.
 * scratch: eb_wgemm_scratch_floats(w, m, threads of tp) floats (the cpu
 * runner's arena), or NULL to have it allocated here (when that fails, the
 * sparse product runs row by row in the GEMV form, which needs none). */
void eb_wgemm(const eb_cweights *w, eb_isa isa, int m, const float *x, size_t ldx, float *y, size_t ldy,
              const eb_epilogue *ep, float *scratch, eb_threadpool *tp);

#endif
