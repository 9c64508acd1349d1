/* cpu_features.h - the one probe of what this CPU and OS can run.
 *
 * Every question "may code use AVX-512 / AVX2+FMA / NEON here?" is answered
 * by this probe: the cpu runner's kernel dispatch (runners/cpu/gemm.c) and
 * the machine description in results and `edgebench info`
 * (bench/device_info.c) read the same struct, so they cannot disagree.
 *
 * x86-64: the CPU side is CPUID leaves 1 and 7, united with libcpuid where
 * it is built in; the OS side is XCR0 (XGETBV, behind CPUID.1:ECX.OSXSAVE):
 * a feature is usable only when the OS also saves its registers on a
 * context switch.  arm64 Linux: the kernel's AT_HWCAP / AT_HWCAP2 words
 * (/proc/cpuinfo can describe another machine under qemu-user).  The probe
 * runs once per process; it never reads the environment. */
#ifndef EB_CPU_FEATURES_H
#define EB_CPU_FEATURES_H

#include <stdbool.h>

typedef struct eb_cpu_features {
    /* x86-64, what the CPU reports (false elsewhere) */
    bool cpu_avx2, cpu_fma, cpu_avx512f;
    bool cpu_avx512bw, cpu_avx512vnni, cpu_avxvnni; /* the int8 GEMM's: CPUID.7:EBX 30, ECX 11, (7,1):EAX 4 */
    bool os_avx;      /* XCR0 bits 1-2: the OS saves XMM and YMM state */
    bool os_avx512;   /* and bits 5-7: opmask, ZMM0-15 upper halves, ZMM16-31 */
    /* arm64 Linux: the auxiliary vector's words (0 elsewhere) */
    bool have_hwcap;
    unsigned long hwcap, hwcap2;
    /* what kernels may use: the CPU has it and the OS saves its state */
    bool avx2_fma;    /* AVX2 + FMA */
    bool avx512f;     /* AVX-512F */
    bool neon;        /* Advanced SIMD (mandatory on ARMv8-A; AT_HWCAP where Linux says) */
    bool avx512vnni;  /* AVX-512F + BW + VNNI (vpdpbusd on zmm) */
    bool avxvnni;     /* AVX2 + FMA + AVX-VNNI (VEX vpdpbusd on ymm) */
    bool neondot;     /* NEON + the dot product (sdot; AT_HWCAP's ASIMDDP) */
    char brand[49];   /* x86-64: CPUID's brand string (leaves 0x80000002-4), trimmed; "" elsewhere */
} eb_cpu_features;

/* This process's CPU and OS, probed on the first call (thread-safe). */
const eb_cpu_features *eb_cpu_features_get(void);

#endif
