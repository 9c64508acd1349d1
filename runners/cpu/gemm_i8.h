/* gemm_i8.h - int8 matrix multiply for the cpu runner: u8 activations
 * times s8 weights, int32 accumulation, a float epilogue; bit-exact to the
 * arithmetic stated in reference_kernels/ref_quant.h.
 *
 *   acc[i][j] = sum_k (A[i][k] - a_zero) * B[k][j]          (int32)
 *   v = (float)acc * mult[j];  v *= alpha;  v += bias[j];    (one rounding each)
 *   requant: v = (float)(eb_quantize(v, out_scale, out_zero, 0, 255) - out_zero) * out_scale;
 *   C[i][j] = act(v)
 *
 * B is s8 with zero point 0 (the transforms quantize weights symmetric,
 * in [-127, 127]); it is packed once, in prepare, with its column sums, so
 * the activations' zero point costs one multiply-add per output
 * (a_zero * colsum[j]), not a pass over A.  A is u8, row-major, read as it
 * is (the caller quantizes it: eb_quantize_u8).  mult[j] is the caller's
 * x_scale * w_scale[j], one float product, as the reference computes it.
 *
 * The output mode (eb_i8_out) fuses the next quantized layer's activation
 * quantization into this one's epilogue: with out = EB_I8_OUT_U8, C is the
 * u8 q = eb_quantize(C_f32[i][j], next_scale, next_zero, 0, 255) of the
 * float result above (after act), with EB_I8_OUT_GRID_F32 C is the float
 * q - next_zero; the float result is never stored.  EB_I8_OUT_F32 (0, the
 * zero-initialized default) is the float result.
 *
 * The micro-kernel is the kernel table's GEMM_I8 row for the ISA in force
 * (eb_gemm_isa(): AVX-512 VNNI, AVX-VNNI, AVX2, NEON dot, NEON, generic),
 * the packing that row's layout. */
#ifndef EB_CPU_GEMM_I8_H
#define EB_CPU_GEMM_I8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runners/cpu/gemm.h"

typedef struct eb_packed_b8 eb_packed_b8;

/* Packs B (K x N s8, row stride ldb; with trans_b B is given as N x K,
 * row stride ldb) for the current ISA, with its column sums.  EB_EUNSUPPORTED
 * when a value is -128 (outside the symmetric range the kernels rely on). */
eb_status eb_gemm_i8_pack_b(const int8_t *b, int k, int n, int ldb, bool trans_b, eb_packed_b8 **out, eb_err *err);
void eb_gemm_i8_packed_free(eb_packed_b8 *p);
size_t eb_gemm_i8_packed_bytes(const eb_packed_b8 *p);

typedef enum eb_i8_out { EB_I8_OUT_F32 = 0, EB_I8_OUT_U8, EB_I8_OUT_GRID_F32 } eb_i8_out;

typedef struct eb_epilogue_i8 {
    int32_t a_zero;      /* A's zero point */
    const float *mult;   /* N values: x_scale * w_scale[j] */
    float alpha;         /* Gemm's alpha; 1 otherwise */
    const float *bias;   /* N values added after alpha, or NULL */
    bool requant;        /* round v onto the u8 grid (out_scale, out_zero) */
    float out_scale;
    int32_t out_zero;
    eb_act act;          /* then the activation, as the fp32 epilogue's */
    float lo, hi;
    eb_i8_out out;       /* F32: C is the float result; U8: C is uint8 q; GRID_F32: C is float (q - next_zero) */
    float next_scale;    /* U8 / GRID_F32: q = eb_quantize(result, next_scale, next_zero, 0, 255) */
    int32_t next_zero;
} eb_epilogue_i8;

/* C = epilogue(A * B): A is M x K u8 with row stride lda, C is M x N of
 * ep->out's type (float, or uint8_t for EB_I8_OUT_U8) with row stride ldc
 * elements of that type.  Work is split over tp's threads (tp may be NULL). */
void eb_gemm_i8(int m, int n, int k, const uint8_t *a, int lda, const eb_packed_b8 *b, void *c, int ldc,
                const eb_epilogue_i8 *ep, eb_threadpool *tp);

/* Activation quantization, bit-exact to eb_quantize / eb_ref_dynamic_grid:
 * q[i] = saturate(round(x[i] / scale) + zero) onto 0..255, and the dynamic
 * grid of x[0..n). */
void eb_quantize_u8(const float *x, size_t n, float scale, int32_t zero, uint8_t *q);
void eb_dynamic_grid_u8(const float *x, size_t n, float *scale, int32_t *zero);

#endif
