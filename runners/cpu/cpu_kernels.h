/* cpu_kernels.h - the cpu runner's fp32 kernels beyond GEMM: convolution
 * (im2row + eb_gemm_f32), depthwise convolution, pooling, layout
 * conversion, and the elementwise / softmax / layer-norm / transpose fast
 * paths.  Internal to runners/cpu: cpu_runner.c builds the parameter
 * structs in prepare and calls the kernels in run.
 *
 * Layout: the 2-D spatial kernels (conv, depthwise, pool) read and write
 * NHWC (channels innermost), so that a 1x1 convolution is a plain GEMM
 * over the activation and the depthwise and pooling loops run along
 * contiguous channels.  The runner converts at the edges (graph inputs,
 * ops that need NCHW) with eb_layout_nchw_to_nhwc_f32 / _nhwc_to_nchw_f32.
 *
 * Every kernel splits its work over the pool tp (NULL: the caller does it
 * all) and computes the same function as its reference twin in
 * reference_kernels/ (ref_conv.c, ref_pool.c, ref_unary.c, ...), within
 * float rounding: tests/test_cpu_runner.c checks each against it. */
#ifndef EB_CPU_KERNELS_H
#define EB_CPU_KERNELS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/status.h"
#include "models/tensor.h"
#include "models/ops.h"
#include "runners/cpu/gemm.h"
#include "runners/cpu/threadpool.h"

/* The activation of an epilogue on one value (same formula as the GEMM's). */
static inline float eb_cpu_act(float v, eb_act act, float lo, float hi)
{
    switch (act) {
    case EB_ACT_RELU: return v < 0.0f ? 0.0f : v;
    case EB_ACT_CLIP: return v < lo ? lo : v > hi ? hi : v;
    case EB_ACT_GELU: return 0.5f * v * (1.0f + erff(v * 0.70710678118654752440f));
    default: return v;
    }
}

/* ---- 2-D window geometry (conv and pool) ---------------------------------- */

typedef struct eb_win2d {
    int n, c;          /* batch, channels (input channels for conv) */
    int h, w;          /* input spatial size */
    int oh, ow;        /* output spatial size */
    int kh, kw;        /* kernel */
    int sh, sw;        /* strides */
    int dh, dw;        /* dilations */
    int pt, pl;        /* padding before: top, left */
    int pb, pr;        /* padding after: bottom, right */
} eb_win2d;

/* Taps [*lo, *hi) of a window row or column that starts at input
 * coordinate `origin` (k taps, dilation dil) and land inside [0, size):
 * they are contiguous, so kernels loop over them instead of testing each. */
static inline void eb_tap_range(int origin, int k, int dil, int size, int *lo, int *hi)
{
    int a = 0, b = k;
    while (a < b && origin + a * dil < 0)
        a++;
    while (b > a && origin + (b - 1) * dil >= size)
        b--;
    *lo = a;
    *hi = b;
}

/* ---- convolution: im2row + GEMM ------------------------------------------ */

typedef struct eb_conv2d {
    eb_win2d win;
    int cout, groups;
    int k;                    /* GEMM depth per group: kh * kw * cin/groups */
    bool direct;              /* 1x1, stride 1, no padding: GEMM on x itself */
    bool winograd;            /* 3x3 stride 1: Winograd F(2x2, 3x3) */
    eb_packed_b **packed;     /* one per group: W^T, K x cout/groups (not winograd) */
    eb_packed_b *wino[16];    /* winograd: the transformed weights, cin x cout each */
    float *bias;              /* cout values, or NULL */
    eb_act act;
    float lo, hi;
    int ldy;                  /* floats from one output pixel to the next, 0: cout (a
                               * wider NHWC buffer: a slice of a Concat, cpu_opt_concat.c) */
} eb_conv2d;

/* Fills c->k, c->direct and c->winograd from c->win, c->groups and c->cout. */
void eb_conv2d_geometry(eb_conv2d *c);
/* Sets the geometry (eb_conv2d_geometry), then packs the weights w (ONNX layout [cout][cin/g][kh][kw],
 * each output channel scaled by scale[co] when scale is not NULL) and
 * copies bias (cout values, NULL for none) into c.  c owns the result;
 * eb_conv2d_release frees it. */
eb_status eb_conv2d_pack(eb_conv2d *c, const float *w, const float *scale, const float *bias, eb_err *err);
void eb_conv2d_release(eb_conv2d *c);
size_t eb_conv2d_weight_bytes(const eb_conv2d *c);
/* Floats of scratch eb_conv2d_nhwc_f32 needs (0 for the direct case). */
size_t eb_conv2d_scratch_floats(const eb_conv2d *c);
/* y (NHWC, n x oh x ow x cout, pixels ldy apart when set) = act(conv(x (NHWC)) + bias). */
void eb_conv2d_nhwc_f32(const eb_conv2d *c, const float *x, float *y, float *scratch, eb_threadpool *tp);

/* The Winograd path (conv_winograd_f32.c), behind the three above. */
bool eb_winograd_applies(const eb_conv2d *c);
/* wr: the weights as [cout][ky][kx][cin], already scaled. */
eb_status eb_winograd_pack(eb_conv2d *c, const float *wr, eb_err *err);
size_t eb_winograd_scratch_floats(const eb_conv2d *c);
void eb_winograd_nhwc_f32(const eb_conv2d *c, const float *x, float *y, float *scratch, eb_threadpool *tp);

/* ---- depthwise convolution (groups = channels, one filter each) ----------- */

struct eb_dwconv2d;
/* One output row (image n, row oy) of a depthwise convolution: a DWCONV
 * row of kernels.def. */
typedef void (*eb_dw_row_fn)(const struct eb_dwconv2d *d, const float *x, float *y, int n, int oy);

typedef struct eb_dwconv2d {
    eb_win2d win;         /* win.c channels in and out */
    float *w;             /* [kh*kw][c]: taps outermost, channels contiguous */
    float *bias;          /* c values, or NULL */
    eb_act act;
    float lo, hi;
    eb_dw_row_fn row;     /* the kernel prepare picked; NULL: the current ISA's */
} eb_dwconv2d;

eb_status eb_dwconv2d_pack(eb_dwconv2d *d, const float *w, const float *scale, const float *bias, eb_err *err);
void eb_dwconv2d_release(eb_dwconv2d *d);
/* Bytes eb_dwconv2d_pack allocated: kh*kw*c weights and, with a bias, c more. */
size_t eb_dwconv2d_weight_bytes(const eb_dwconv2d *d);
void eb_dwconv2d_nhwc_f32(const eb_dwconv2d *d, const float *x, float *y, eb_threadpool *tp);

/* ---- pooling ---------------------------------------------------------------- */

struct eb_pool2d;
/* One output row (image n, row oy) of MaxPool/AveragePool: a POOL row of
 * kernels.def. */
typedef void (*eb_pool_row_fn)(const struct eb_pool2d *p, const float *x, float *y, int n, int oy);

typedef struct eb_pool2d {
    eb_win2d win;
    bool is_max;
    bool count_pad;   /* AveragePool count_include_pad */
    eb_pool_row_fn row; /* the kernel prepare picked; NULL: the current ISA's */
} eb_pool2d;

void eb_pool2d_nhwc_f32(const eb_pool2d *p, const float *x, float *y, eb_threadpool *tp);
/* y[n][c] = mean (or max) over the hw positions of x (NHWC [n][hw][c]). */
void eb_global_pool_nhwc_f32(int n, int hw, int c, bool is_max, const float *x, float *y, eb_threadpool *tp);

/* Row kernels (one output row: image n, row oy); the __avx2 ones exist on
 * x86-64 only (kernels_f32_avx2.c, a leaf: the scalar pieces it shares with
 * the portable kernels are static inline in kernels_scalar.h). */
/* y[j] = e^(x[j] - mx) for j < n; returns their sum: a SOFTMAX row of
 * kernels.def. */
typedef float (*eb_exp_sum_fn)(const float *x, float mx, float *y, int64_t n);
/* The largest of x[0..n) (-inf for n = 0), in partial maxima that vectorise. */
float eb_row_max_f32(const float *x, int64_t n);

void eb_dw_row_f32__generic(const eb_dwconv2d *d, const float *x, float *y, int n, int oy);
void eb_pool_row_f32__generic(const eb_pool2d *p, const float *x, float *y, int n, int oy);
float eb_exp_shift_sum_f32__generic(const float *x, float mx, float *y, int64_t n);
/* the numbers of eb_act_f32__avx2's functions (eb_cpu_act_fn's, cpu_plan.h) */
enum { EB_ACT8_GELU_ERF = 0, EB_ACT8_GELU_TANH, EB_ACT8_SILU, EB_ACT8_HARD_SWISH };
#if defined(__x86_64__)
float eb_exp_shift_sum_f32__avx2(const float *x, float mx, float *y, int64_t n);
/* The graph optimizer's fused activations (cpu_opt_act.c's ST_ACT steps;
 * its eb_cpu_act_fn numbers them the same), 8 at a time: y[j] = fn(x[j])
 * for the first multiple of 8 of n (GELU's erf form: none); returns how
 * many it did, the caller's scalar loop does the rest. */
int64_t eb_act_f32__avx2(int fn, const float *x, float *y, int64_t n);
void eb_dw_row_f32__avx2(const eb_dwconv2d *d, const float *x, float *y, int n, int oy);
/* the AVX2 row with AVX-512F where it pays (16 channels, 4 pixels at a time) */
void eb_dw_row_f32__avx512(const eb_dwconv2d *d, const float *x, float *y, int n, int oy);
void eb_pool_row_f32__avx2(const eb_pool2d *p, const float *x, float *y, int n, int oy);
#endif
/* True when the AVX2 variants may run (the current ISA is avx2 or
 * avx512); Winograd's transforms use it. */
bool eb_spatial_use_avx2(void);

/* ---- layout conversion --------------------------------------------------- */

void eb_layout_nchw_to_nhwc_f32(int n, int c, int hw, const float *x, float *y, eb_threadpool *tp);
void eb_layout_nhwc_to_nchw_f32(int n, int c, int hw, const float *x, float *y, eb_threadpool *tp);

/* ---- data movement (movement.c) ------------------------------------------- */

/* outer blocks of len bytes: src + o*src_stride -> dst + o*dst_stride. */
typedef struct eb_copy {
    const char *src;
    char *dst;
    size_t len;
    int64_t outer, src_stride, dst_stride;
} eb_copy;

void eb_copy_blocks(const eb_copy *c, eb_threadpool *tp);
/* y[o][k][:] = data[o][idx[k]][:] (inner_bytes each); fails on an index
 * outside [-axis_dim, axis_dim). */
eb_status eb_gather_rows(const char *data, int64_t outer, int64_t axis_dim, size_t inner_bytes, const void *idx,
                         bool idx_i64, int64_t n_idx, char *y, eb_threadpool *tp, eb_err *err);

/* ---- elementwise ------------------------------------------------------------ */

typedef struct eb_unary_params {
    eb_op op;
    float alpha, beta;   /* LeakyRelu alpha, HardSigmoid alpha/beta, Elu alpha, Selu alpha/gamma (beta), Pow exponent (alpha) */
    float lo, hi;        /* Clip */
    bool gelu_tanh;
} eb_unary_params;

/* True when eb_unary_f32 has a fast path for op. */
bool eb_unary_supported(eb_op op);
void eb_unary_f32(const eb_unary_params *p, const float *x, float *y, int64_t n, eb_threadpool *tp);

/* y = act(a OP b) with numpy broadcasting: shapes of rank `rank` (already
 * aligned, 1 on broadcast dims), out_shape the result's.  op is ADD, SUB,
 * MUL or DIV. */
void eb_binary_f32(eb_op op, int rank, const int64_t *out_shape, const float *a, const int64_t *a_shape,
                   const float *b, const int64_t *b_shape, float *y, eb_act act, float lo, float hi,
                   eb_threadpool *tp);

/* Softmax (or LogSoftmax) of each of `rows` rows of `cols` values. */
/* exp_sum: the SOFTMAX kernel prepare picked (NULL: the current ISA's). */
void eb_softmax_rows_f32(int64_t rows, int64_t cols, const float *x, float *y, bool log, eb_exp_sum_fn exp_sum,
                         eb_threadpool *tp);
/* LayerNormalization over the last `cols` values of each row; beta may be
 * NULL. */
void eb_layernorm_rows_f32(int64_t rows, int64_t cols, const float *x, const float *gamma, const float *beta,
                           float eps, float *y, eb_threadpool *tp);
/* y = x transposed by perm (x of rank `rank` with shape `shape`). */
void eb_transpose_f32(int rank, const int64_t *shape, const int *perm, const float *x, float *y,
                      eb_threadpool *tp);

/* ---- per-channel affine, reductions, index-map copies (cpuops) ------------- */

/* y = act(x * scale[c] + shift[c]) over x seen as [outer][c][inner]
 * (affine_f32.c): a BatchNormalization that does not fold into a Conv,
 * with the activation after it. */
struct eb_channel_affine;
/* Rows [b, e) of the pass (channel planes when inner > 1, else pixels):
 * an AFFINE row of kernels.def. */
typedef void (*eb_affine_rows_fn)(const struct eb_channel_affine *a, const float *x, float *y, int64_t b, int64_t e);

typedef struct eb_channel_affine {
    int64_t outer, c, inner;
    float *scale, *shift;     /* c values each, owned by the step */
    eb_act act;
    float lo, hi;
    eb_affine_rows_fn rows;   /* the kernel prepare picked; NULL: the current ISA's */
} eb_channel_affine;

void eb_affine_rows_f32__generic(const eb_channel_affine *a, const float *x, float *y, int64_t b, int64_t e);
#if defined(__x86_64__)
void eb_affine_rows_f32__avx2(const eb_channel_affine *a, const float *x, float *y, int64_t b, int64_t e);
void eb_affine_rows_f32__avx512(const eb_channel_affine *a, const float *x, float *y, int64_t b, int64_t e);
#endif

void eb_channel_affine_f32(const eb_channel_affine *a, const float *x, float *y, eb_threadpool *tp);

/* ReduceMean/Sum/Max/Min (reduce_f32.c) on x with merged dims: [outer][count]
 * over the last dim (inner == 1), [outer][count][inner] over the middle one,
 * or, general, dims[] with red[] marking the reduced ones. */
struct eb_reduce;
/* Tasks [b, e) of the row path (output rows) or the column path (outer row,
 * block of 512 columns): a REDUCE row of kernels.def. */
typedef void (*eb_reduce_rows_fn)(const struct eb_reduce *r, const float *x, float *y, int64_t b, int64_t e);

typedef struct eb_reduce {
    eb_op op;
    int64_t outer, count, inner;  /* count: values per output */
    bool general;
    int rank;
    int64_t dims[EB_MAX_RANK];
    bool red[EB_MAX_RANK];
    eb_reduce_rows_fn rows;       /* the kernel prepare picked; NULL: the current ISA's */
} eb_reduce;

void eb_reduce_rows_f32__generic(const eb_reduce *r, const float *x, float *y, int64_t b, int64_t e);
#if defined(__x86_64__)
void eb_reduce_rows_f32__avx2(const eb_reduce *r, const float *x, float *y, int64_t b, int64_t e);
void eb_reduce_rows_f32__avx512(const eb_reduce *r, const float *x, float *y, int64_t b, int64_t e);
#endif

void eb_reduce_f32(const eb_reduce *r, const float *x, float *y, eb_threadpool *tp);

/* y[i0..ik] = x[map0[i0]..mapk[ik]] in blocks of `block` bytes, or the
 * fill value where a map holds -1 (remap.c): Slice and Pad. */
typedef struct eb_remap_run {
    int64_t out, len, src;    /* src -1: fill */
} eb_remap_run;

typedef struct eb_remap {
    int rank;                       /* dims as stored, inner ones merged into block */
    int64_t out[EB_MAX_RANK];       /* output dims */
    int64_t in_stride[EB_MAX_RANK]; /* input strides, in blocks */
    int64_t *map[EB_MAX_RANK];      /* per dim: source index or -1, into maps */
    int64_t *maps;                  /* owned: every map in one allocation */
    size_t block, es;               /* bytes per element of the merged dims; per element */
    unsigned char fill[16];         /* the fill value, one element */
    bool fill_zero;
    eb_remap_run *runs;             /* the innermost dim's runs (eb_remap_prepare) */
    int n_runs;
} eb_remap;

/* Cuts the innermost map into runs. */
eb_status eb_remap_prepare(eb_remap *r, eb_err *err);
void eb_remap_release(eb_remap *r);
void eb_remap_copy(const eb_remap *r, const void *x, void *y, eb_threadpool *tp);

/* Cast between f32, i64, i32 and bool; comparisons to bool; Where
 * (logic.c), with broadcasting: out dims and each input's element strides
 * (0 on broadcast dims), rank >= 1. */
typedef struct eb_bcast {
    int rank;
    int64_t out[EB_MAX_RANK];
    int64_t st[3][EB_MAX_RANK];
} eb_bcast;

bool eb_cast_supported(eb_dtype dt);
void eb_cast(eb_dtype src, eb_dtype dst, int64_t n, const void *x, void *y, eb_threadpool *tp);
/* y = a OP b for op EQUAL, LESS, LESS_OR_EQUAL, GREATER, GREATER_OR_EQUAL on
 * operands of dtype dt (f32, i64, i32, bool). */
void eb_compare(eb_op op, eb_dtype dt, const eb_bcast *bc, const void *a, const void *b, uint8_t *y,
                eb_threadpool *tp);
void eb_where(const eb_bcast *bc, size_t es, const uint8_t *cond, const void *x, const void *y, void *out,
              eb_threadpool *tp);

#endif
