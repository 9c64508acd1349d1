/* conv_i8.h - the cpu runner's kernels for quantized nodes (eb_node_quant:
 * int8 weights, u8 activations): the grid and epilogue a quantized layer
 * carries (eb_qlayer), convolution (im2row or direct 1x1 on u8, then
 * eb_gemm_i8), depthwise convolution (integer sums carried exactly in
 * fp32) and the
 * matrix product (quantize A, then eb_gemm_i8).  All of it computes
 * what reference_kernels/ref_quant.h states, bit for bit. */
#ifndef EB_CPU_CONV_I8_H
#define EB_CPU_CONV_I8_H

#include "models/graph.h"
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/gemm_i8.h"

/* What a quantized layer holds besides its weights. */
typedef struct eb_qlayer {
    bool dynamic;          /* the input grid comes from the input, every run */
    bool in_grid;          /* static: the input arrives on the grid already (the
                            * previous layer quantized it: u8 for the GEMM
                            * layers, x_q - x_zero as floats for depthwise) */
    float x_scale;         /* static grid */
    int32_t x_zero;
    int n;                 /* output channels */
    float *w_scale;        /* n values (a per-tensor scale repeated) */
    float *mult;           /* static: x_scale * w_scale[c]; NULL when dynamic */
    float alpha;           /* Gemm's alpha, else 1 */
    float *bias;           /* n values, or NULL */
    bool requant;
    float out_scale;
    int32_t out_zero;
    eb_act act;
    float lo, hi;
    eb_i8_out out;         /* F32, or the next layer's input on its grid (U8 / GRID_F32) */
    float next_scale;
    int32_t next_zero;
} eb_qlayer;

/* A layer of n outputs computing as node quantization nq says, with the
 * weight's scales (n_scales: 1, or one per output), alpha and bias (n
 * values, copied; or NULL), then the activation. */
eb_status eb_qlayer_init(eb_qlayer *q, const eb_node_quant *nq, const float *w_scale, int64_t n_scales, int n,
                         float alpha, const float *bias, eb_act act, float lo, float hi, eb_err *err);
void eb_qlayer_release(eb_qlayer *q);
size_t eb_qlayer_bytes(const eb_qlayer *q);
/* The input grid for x (static: the layer's; dynamic: x's own, x is then
 * the f32 input): its scale is returned, its zero point and the epilogue
 * for it set in *ep; mult_scratch holds n floats when the grid is dynamic. */
float eb_qlayer_epilogue(const eb_qlayer *q, const void *x, size_t nx, float *mult_scratch, eb_epilogue_i8 *ep);
/* q[0..n) = the u8 grid of x, in parallel over tp, at the widest width
 * the plan's ISA has. */
void eb_quantize_u8_par(const float *x, size_t n, float scale, int32_t zero, uint8_t *q, eb_threadpool *tp);
/* q[i] = (float)(eb_quantize(x[i]) - zero): the grid with its zero point
 * taken out, as the depthwise kernels take it; in parallel as above. */
void eb_quantize_f32_par(const float *x, size_t n, float scale, int32_t zero, float *q, eb_threadpool *tp);
#if defined(__x86_64__)
/* quantize_u8_avx.c */
void eb_quantize_u8__avx512(const float *x, size_t n, float scale, int32_t zero, uint8_t *q);
void eb_quantize_f32__avx512(const float *x, size_t n, float scale, int32_t zero, float *q);
void eb_quantize_u8__avx2(const float *x, size_t n, float scale, int32_t zero, uint8_t *q);
void eb_quantize_f32__avx2(const float *x, size_t n, float scale, int32_t zero, float *q);
#endif

/* Convolution, groups < channels (depthwise is below). */
typedef struct eb_conv_i8 {
    eb_win2d win;
    int cout, groups, k;   /* k: kh * kw * cin/groups */
    bool direct;           /* 1x1, stride 1, no padding: A is the quantized input */
    eb_packed_b8 **packed; /* one per group: W^T, k x cout/groups */
    eb_qlayer q;
} eb_conv_i8;

/* Packs w (int8, [cout][cin/g][kh][kw]) for c->win, cout, groups. */
eb_status eb_conv_i8_pack(eb_conv_i8 *c, const int8_t *w, eb_err *err);
void eb_conv_i8_release(eb_conv_i8 *c);
size_t eb_conv_i8_bytes(const eb_conv_i8 *c);
size_t eb_conv_i8_scratch_bytes(const eb_conv_i8 *c);
/* y (NHWC: f32, or on the next grid, c->q.out) = the quantized
 * convolution of x (NHWC f32, or u8 on the layer's grid with c->q.in_grid). */
void eb_conv_i8_nhwc(const eb_conv_i8 *c, const void *x, void *y, void *scratch, eb_threadpool *tp);

/* Depthwise: one output row (image n, row oy) from inputs already on the
 * grid with the zero point taken out (x_q - x_zero, as floats) and
 * weights [kh*kw][c] (as floats): every product and partial sum is an
 * integer below 2^24 in magnitude (eb_dwconv_i8_exact), so fp32 carries
 * the reference's int32 sums exactly. */
struct eb_dwconv_i8;
typedef void (*eb_dw_row_i8_fn)(const struct eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, void *y,
                                int n, int oy);

typedef struct eb_dwconv_i8 {
    eb_win2d win;
    float *w;              /* [kh*kw][c], the int8 values */
    eb_qlayer q;
    eb_dw_row_i8_fn row;   /* the kernel table's row for the plan's ISA */
} eb_dwconv_i8;

/* Whether kh*kw taps keep every sum exact in fp32: taps * 255 * 128 < 2^24. */
bool eb_dwconv_i8_exact(int taps);
eb_status eb_dwconv_i8_pack(eb_dwconv_i8 *d, const int8_t *w, eb_err *err);
void eb_dwconv_i8_release(eb_dwconv_i8 *d);
size_t eb_dwconv_i8_bytes(const eb_dwconv_i8 *d);
size_t eb_dwconv_i8_scratch_bytes(const eb_dwconv_i8 *d);
void eb_dwconv_i8_nhwc(const eb_dwconv_i8 *d, const float *x, void *y, void *scratch, eb_threadpool *tp);
void eb_dw_row_i8__generic(const struct eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, void *y, int n,
                           int oy);
#if defined(__x86_64__)
void eb_dw_row_i8__avx2(const struct eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, void *y, int n,
                        int oy);
void eb_dw_row_i8__avx512(const struct eb_dwconv_i8 *d, const float *x, const eb_epilogue_i8 *ep, void *y, int n,
                          int oy);
#endif

/* The matrix product: Y[m][n] = epilogue(quantize(A)[m][k] * W[k][n]). */
typedef struct eb_qgemm {
    int m, n, k;
    eb_packed_b8 *pb;
    eb_qlayer q;
} eb_qgemm;

void eb_qgemm_release(eb_qgemm *g);
size_t eb_qgemm_bytes(const eb_qgemm *g);
size_t eb_qgemm_scratch_bytes(const eb_qgemm *g);
void eb_qgemm_run(const eb_qgemm *g, const void *a, void *y, void *scratch, eb_threadpool *tp);

#endif
