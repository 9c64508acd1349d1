/* kernels.h - the cpu runner's kernel table (kernels.def) as data: one
 * eb_kernel per optimized kernel that comes in ISA variants, and the
 * dispatcher that picks one for an ISA.
 *
 * Prepare picks once (the plan's ISA) and keeps the row's function in the
 * step (eb_dwconv2d.row, eb_pool2d.row, the softmax step's exp_sum); the
 * GEMM packs B for the row of the ISA pinned while it packs and runs that
 * row's micro-kernel.  eb_kernel_pick falls back to the best row below the
 * ISA asked for (avx512vnni -> avx512 -> avx2 -> generic, avxvnni -> avx2
 * -> generic, neondot -> neon -> generic): the pooling and softmax kernels
 * have no AVX-512 variant, their AVX2 rows run there; only the int8 GEMM
 * has VNNI and dot-product rows. */
#ifndef EB_CPU_KERNEL_TABLE_H
#define EB_CPU_KERNEL_TABLE_H

#include "models/dtype.h"
#include "models/ops.h"
#include "runners/cpu/conv_i8.h"
#include "runners/cpu/cpu_kernels.h"
#include "runners/cpu/gemm_i8_kernel.h"
#include "runners/cpu/gemm_kernel.h"
#include "runners/cpu/wgemm.h"

typedef enum eb_kernel_kind {
    EB_KERNEL_GEMM = 0, /* fn.gemm */
    EB_KERNEL_DWCONV,   /* fn.dwconv */
    EB_KERNEL_POOL,     /* fn.pool */
    EB_KERNEL_SOFTMAX,  /* fn.softmax */
    EB_KERNEL_GEMM_I8,  /* fn.gemm_i8: u8 x s8 micro-kernel (gemm_i8_kernel.h) */
    EB_KERNEL_DWCONV_I8, /* fn.dwconv_i8 */
    EB_KERNEL_WDOT_I4,  /* fn.wdot: int4 group-wise weight-only GEMV/GEMM (wgemm.h) */
    EB_KERNEL_WDOT_F16, /* fn.wdot: fp16 weights */
    EB_KERNEL_WDOT_I4Q8, /* fn.wdot_q8: int4 weights (I4X) x int8 activations, the GEMV */
    EB_KERNEL_SPMM_CSR, /* fn.spmm: CSR sparse weights */
    EB_KERNEL_SPMM_NM,  /* fn.spmm: N:M structured sparse weights */
    EB_KERNEL_AFFINE,   /* fn.affine: per-channel scale+shift+activation rows (BatchNormalization) */
    EB_KERNEL_REDUCE,   /* fn.reduce: ReduceMean/Sum/Max/Min rows and columns */
    EB_KERNEL_KINDS
} eb_kernel_kind;

/* How the weights are stored (the format column). */
typedef enum eb_kernel_format {
    EB_KERNEL_DENSE = 0,
    EB_KERNEL_QUANT,    /* int8 with scales (EB_STORAGE_QUANT), run as a quantized node */
    EB_KERNEL_INT4_GROUPS, /* wgemm.h's layouts, repacked from models/storage.h */
    EB_KERNEL_F16,
    EB_KERNEL_CSR,
    EB_KERNEL_NM,
} eb_kernel_format;

typedef struct eb_kernel {
    const char *name;
    eb_kernel_kind kind;
    eb_op op;                  /* what the reference twin evaluates */
    eb_dtype in_dtype, w_dtype; /* w_dtype EB_DT_UNDEFINED: no weights */
    eb_kernel_format format;
    eb_isa isa;
    union {
        eb_gemm_ukernel gemm;
        eb_dw_row_fn dwconv;
        eb_pool_row_fn pool;
        eb_exp_sum_fn softmax;
        eb_gemm_i8_ukernel gemm_i8;
        eb_dw_row_i8_fn dwconv_i8;
        eb_wdot_fn wdot;
        eb_wdot_q8_fn wdot_q8;
        eb_spmm_fn spmm;
        eb_affine_rows_fn affine;
        eb_reduce_rows_fn reduce;
    } fn;
    int mr, nr;                /* GEMM register tile */
    eb_node_eval_fn ref;       /* the reference twin */
    const char *ref_name;
    double tol;                /* NMSE bound against ref (0: bit-exact) */
} eb_kernel;

extern const eb_kernel eb_kernels[];
extern const int eb_n_kernels;

/* The row of kind for exactly isa, or NULL when this build has none. */
const eb_kernel *eb_kernel_find(eb_kernel_kind kind, eb_isa isa);
/* The row of kind prepare uses for a plan of isa: isa's own, else the
 * best one below it (never NULL: every kind has a generic row). */
const eb_kernel *eb_kernel_pick(eb_kernel_kind kind, eb_isa isa);

#endif
