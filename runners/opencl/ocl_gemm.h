/* ocl_gemm.h - inside the OpenCL runner's compute kernels (ocl_gemm.c,
 * ocl_conv.c, ocl_tiles.c): the GEMM tile table, the one function that
 * turns a GEMM of any operand modes into a launch of kernels/gemm.cl, and
 * weight packing.  The lowering uses ocl_compute.h, not this. */
#ifndef EB_RUNNERS_OCL_GEMM_H
#define EB_RUNNERS_OCL_GEMM_H

#include <stdint.h>

#include "models/tensor.h"
#include "runners/opencl/ocl.h"

/* One tile of kernels/gemm.cl: a work-group computes tm x tn of C, tk of
 * the reduction at a time, with (tn / rn) x (tm / rm) work-items. */
typedef struct eb_ocl_tile {
    const char *name; /* the kernels' suffix: eb_gemm_rp_<name> */
    int tm, tn, tk, rm, rn;
} eb_ocl_tile;

/* The tile for an m x n x k GEMM on o's device: the device's row of the
 * table (by type and vendor; a generic row otherwise), a thinner tile for
 * few rows, and never one the device's work-group or local memory limits
 * refuse.  EB_OCL_TILE (environment) names a tile to force, for the bench
 * and for tuning by hand. */
const eb_ocl_tile *eb_ocl_tile_pick(const eb_ocl *o, int64_t m, int64_t n, int64_t k);
/* Every tile, NULL-terminated (the bench walks them). */
extern const eb_ocl_tile *const eb_ocl_tiles[];
const eb_ocl_tile *eb_ocl_tile_named(const char *name);

/* How an operand reaches the kernel (gemm.cl's modes): at run time stored
 * [x][k] or [k][x] (x: m for A, n for B), or packed in prepare as f32 or
 * f16, k-major and padded to whole tiles. */
typedef enum eb_ocl_opd {
    EB_OCL_OPD_ROWS = 0, /* [x][k] */
    EB_OCL_OPD_KMAJOR,   /* [k][x] */
    EB_OCL_OPD_PACKED,
    EB_OCL_OPD_PACKED_F16,
} eb_ocl_opd;

/* One GEMM launch: offsets and strides in elements; the third NDRange dim
 * runs over batch * groups, z = b * groups + g. */
typedef struct eb_ocl_gemm_args {
    eb_ocl_opd a_mode, b_mode;
    cl_mem a, b, c, bias;            /* bias NULL: none */
    int64_t a_off, b_off, c_off;
    int64_t m, n, k, lda, ldb, ldc;
    int64_t batch, groups;
    int64_t a_bs, a_gs, b_bs, b_gs, c_bs, c_gs, bias_gs;
    bool bias_per_row;               /* Conv: a bias per output channel (row) */
    float alpha;
    eb_ocl_act act;
    float lo, hi;
} eb_ocl_gemm_args;

/* Fills *out with the launch of g under tile t (kernel created, arguments
 * set, sizes); EB_EUNSUPPORTED when a size passes the kernels' int range. */
eb_status eb_ocl_gemm_launch(const eb_ocl *o, const eb_ocl_tile *t, const eb_ocl_gemm_args *g, eb_ocl_launch *out,
                             eb_err *err);

/* The weight w's values: f32 (dense: its data; any storage but f16
 * decoded into owned, which the caller frees) or f16 (f16 storage's halves,
 * f32 NULL). */
typedef struct eb_ocl_weight {
    const float *f32;
    const uint16_t *f16;
    float *owned;
} eb_ocl_weight;
eb_status eb_ocl_weight_get(const eb_tensor *w, eb_ocl_weight *out, eb_err *err);

/* Packs `count` matrices of w (matrix i at element i * stride) into one
 * buffer, each k-major [kp][xp] (kp, xp: k and x rounded up to tk and to
 * the tile's x), zero padded, f32 or f16 as w is stored.  Element (x, kk) of
 * a matrix is at x * x_stride + kk * k_stride.  Adds the buffer to s. */
eb_status eb_ocl_pack(const eb_ocl *o, const eb_ocl_weight *w, int64_t count, int64_t stride, int64_t x, int64_t k,
                      int64_t x_stride, int64_t k_stride, int64_t kp, int64_t xp, eb_ocl_step *s, cl_mem *out,
                      eb_err *err);

/* A device buffer owned by s (its bytes counted). */
eb_status eb_ocl_step_own(const eb_ocl *o, eb_ocl_step *s, size_t bytes, const void *host, cl_mem *out, eb_err *err);

/* Sets argument i of k to the given value, recording the first failure. */
void eb_ocl_arg(cl_kernel k, cl_uint *i, size_t size, const void *v, cl_int *rc);
#define EB_OCL_ARG(k, i, v, rc) eb_ocl_arg(k, i, sizeof(v), &(v), rc)

static inline int64_t eb_ocl_round_up(int64_t v, int64_t to)
{
    return (v + to - 1) / to * to;
}

#endif
