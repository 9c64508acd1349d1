/* kernels.c - the kernel table (kernels.def, kernels.h) and its dispatcher. */
#include "runners/cpu/kernels.h"

#include <stddef.h>

#include "reference_kernels/ref.h"
#include "reference_kernels/ref_quant.h"

const eb_kernel eb_kernels[] = {
#define EB_KERNEL(name, kind, op, in_dt, w_dt, format, isa, fn, mr, nr, ref, tol)                                     \
    {#name, EB_KERNEL_##kind, EB_OP_##op, EB_DT_##in_dt, EB_DT_##w_dt, EB_KERNEL_##format, EB_ISA_##isa,           \
     EB_KERNEL_FN_##kind(fn), mr, nr, ref, #ref, tol},
#define EB_KERNEL_FN_GEMM(f) {.gemm = f}
#define EB_KERNEL_FN_DWCONV(f) {.dwconv = f}
#define EB_KERNEL_FN_POOL(f) {.pool = f}
#define EB_KERNEL_FN_SOFTMAX(f) {.softmax = f}
#define EB_KERNEL_FN_GEMM_I8(f) {.gemm_i8 = f}
#define EB_KERNEL_FN_DWCONV_I8(f) {.dwconv_i8 = f}
#define EB_KERNEL_FN_WDOT_I4(f) {.wdot = f}
#define EB_KERNEL_FN_WDOT_F16(f) {.wdot = f}
#define EB_KERNEL_FN_WDOT_I4Q8(f) {.wdot_q8 = f}
#define EB_KERNEL_FN_SPMM_CSR(f) {.spmm = f}
#define EB_KERNEL_FN_SPMM_NM(f) {.spmm = f}
#define EB_KERNEL_FN_AFFINE(f) {.affine = f}
#define EB_KERNEL_FN_REDUCE(f) {.reduce = f}
#include "runners/cpu/kernels.def"
#undef EB_KERNEL
};
const int eb_n_kernels = (int)(sizeof eb_kernels / sizeof eb_kernels[0]);

const eb_kernel *eb_kernel_find(eb_kernel_kind kind, eb_isa isa)
{
    for (int i = 0; i < eb_n_kernels; i++)
        if (eb_kernels[i].kind == kind && eb_kernels[i].isa == isa)
            return &eb_kernels[i];
    return NULL;
}

const eb_kernel *eb_kernel_pick(eb_kernel_kind kind, eb_isa isa)
{
    /* each ISA's next best: what its CPUs always have too */
    for (;;) {
        const eb_kernel *k = eb_kernel_find(kind, isa);
        if (k)
            return k;
        switch (isa) {
        case EB_ISA_AVX512VNNI: isa = EB_ISA_AVX512; break;
        case EB_ISA_AVXVNNI: isa = EB_ISA_AVX2; break;
        case EB_ISA_NEONDOT: isa = EB_ISA_NEON; break;
        case EB_ISA_AVX512: isa = EB_ISA_AVX2; break;
        case EB_ISA_GENERIC: return NULL; /* a kind without a generic row: a bug in kernels.def */
        default: isa = EB_ISA_GENERIC; break;
        }
    }
}
