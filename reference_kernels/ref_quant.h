/* ref_quant.h - the arithmetic of quantized inference, stated once: how a
 * float is rounded onto an integer grid, how a dynamic grid is chosen, and
 * how a Conv, Gemm or MatMul runs on compressed weights.  The ONNX
 * quantization ops and every compressed variant compute with these, and
 * every optimized int8 kernel must reproduce them bit for bit.
 *
 * Rounding: q = saturate(round(x / scale) + zero), where round is to
 * nearest with ties to even (lrintf in the default rounding mode) and
 * saturate clamps to the stored type's range; x / scale is one float
 * division.  This is ONNX QuantizeLinear's rule.
 *
 * A quantized node (eb_node_quant, models/graph.h) computes:
 *   x_q   = quantize(x) with the node's input grid (u8), dynamic or static;
 *   acc   = sum over the reduction of (x_q - x_zero) * (w_q - w_zero[c]), in
 *           int64, kept as int32 (it never exceeds it for K < 2^16);
 *   y     = (float)acc * (x_scale * w_scale[c]) + bias[c]  (Gemm: alpha times
 *           that, plus beta * C), each operation one float rounding, in
 *           that order;
 *   and, with requant, y = (float)(quantize(y, out grid) - out_zero) * out_scale.
 * c is the output channel: dim 1 of a Conv's output, the last dim of a
 * Gemm's or MatMul's.  A weight in any other storage (f16, int4 or int8
 * without eb_node_quant, CSR, N:M) is decoded to f32 (eb_storage_to_dense)
 * and the float kernel runs on it: weight-only compression.  CSR and N:M
 * weights of Gemm and MatMul go through the sparse kernels below instead,
 * which skip the zeros and give the same values for finite inputs. */
#ifndef EB_REF_QUANT_H
#define EB_REF_QUANT_H

#include <stdbool.h>
#include <stdint.h>

#include "models/graph.h"
#include "models/storage.h"

/* One value onto the grid (scale, zero) of a type with range lo..hi. */
int32_t eb_quantize(float x, float scale, int32_t zero, int32_t lo, int32_t hi);

/* ONNX DynamicQuantizeLinear's u8 grid for x[0..n): the range of x widened
 * to include 0, scale = range / 255 (1 when the range is 0), zero =
 * saturate(round(-min / scale)). */
void eb_ref_dynamic_grid(const float *x, int64_t n, float *scale, int32_t *zero);

/* y[j][r] = sum over row r's stored values v at column c of v * x[j][c]:
 * each of the nj rows of a dense nj x cols matrix x times the transpose of
 * the sparse weight (a rows x cols matrix, storage.h: rows are outputs),
 * into nj x rows y.  Accumulates in float, in column order. */
void eb_ref_spmm_csr(const eb_storage_csr *w, const float *x, int64_t nj, float *y);
void eb_ref_spmm_nm(const eb_storage_nm *w, const float *x, int64_t nj, float *y);

/* True when node n (Conv, Gemm or MatMul) has a compressed weight in
 * in[1] or is a quantized node: its kernel then calls eb_ref_compressed. */
bool eb_ref_weight_compressed(const eb_node *n, const eb_tensor *const *in);
/* Runs such a node as stated above. */
eb_status eb_ref_compressed(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err);

#endif
