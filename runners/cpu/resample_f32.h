/* resample_f32.h - the cpu runner's fp32 upsampling kernels, both on NHWC
 * activations: 2-D Resize (nearest, bilinear and bicubic, from per-axis tap tables
 * built in the plan from eb_resize_taps, so every coordinate mode the
 * reference has is the same here) and 2-D ConvTranspose as one GEMM per
 * image and group (the runner's sgemm, gemm.h) followed by a col2im that
 * gathers each output pixel's taps. */
#ifndef EB_CPU_RESAMPLE_F32_H
#define EB_CPU_RESAMPLE_F32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runners/cpu/gemm.h"
#include "runners/cpu/threadpool.h"

/* Resize over H and W of an NHWC (or, with nchw, NCHW) tensor, or over
 * D, H and W of an NCDHW one (od > 0); N and C are kept. */
typedef struct eb_resize2d {
    int n, c, h, w, oh, ow;
    bool nchw;         /* planes of one channel rather than rows of pixels */
    int taps;          /* per axis: 1 (nearest), 2 (linear) or 4 (cubic) */
    int32_t *iy, *ix;  /* oh * taps, ow * taps input rows/columns; owned */
    float *wy, *wx;    /* their weights; owned */
    int d, od;         /* 3-D (NCDHW, nchw): the depths; od 0 for 2-D */
    int32_t *iz;       /* od * taps input planes; owned */
    float *wz;
} eb_resize2d;

void eb_resize2d_nhwc_f32(const eb_resize2d *r, const float *x, float *y, eb_threadpool *tp);
void eb_resize2d_free(eb_resize2d *r);

/* ConvTranspose over H and W: X [n, h, w, c] -> Y [n, oh, ow, m].  Per
 * group the weight is packed as B [c/group, kh*kw*(m/group)], columns in
 * (tap, output channel) order, so that the GEMM's output row of an input
 * pixel holds, per tap, a contiguous run of output channels. */
typedef struct eb_deconv2d {
    int n, c, h, w, m, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, group;
    bool nchw;         /* X and Y are NCHW (1-D: N, C, L as H = 1) */
    eb_packed_b **pb;  /* one per group; owned */
    float *bias;       /* m values or NULL; owned */
} eb_deconv2d;

/* Floats of scratch one run needs (the GEMM's output for one image and
 * group; with nchw also the image transposed to pixels x channels). */
size_t eb_deconv2d_scratch_floats(const eb_deconv2d *d);
/* Packs the ONNX weight W [c, m/group, kh, kw] for the current ISA. */
eb_status eb_deconv2d_pack(eb_deconv2d *d, const float *w, eb_err *err);
void eb_deconv2d_f32(const eb_deconv2d *d, const float *x, float *y, float *scratch, eb_threadpool *tp);
void eb_deconv2d_free(eb_deconv2d *d);
size_t eb_deconv2d_weight_bytes(const eb_deconv2d *d);

#endif
