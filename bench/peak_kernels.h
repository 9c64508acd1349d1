/* peak_kernels.h - the throughput microbenchmarks behind `edgebench
 * calibrate`: register-only loops that reach the CPU's fp32 FMA and int8
 * dot-product peaks, and a STREAM-style triad for the memory bandwidth.
 *
 * The loop is chosen from the cpu runner's ISA detection (runners/cpu/
 * gemm.h, runners/cpu_features.h): fp32 AVX-512 (16 zmm FMA chains, and
 * the 12-ymm AVX2 loop too: some CPUs run zmm as two halves), AVX2+FMA,
 * or portable C; int8 vpdpbusd on zmm (AVX-512 VNNI) or ymm (AVX-VNNI),
 * vpmaddubsw + vpmaddwd + vpaddd (AVX2), or portable C.  Each returns the
 * operations it performed (2 per multiply-accumulate) so that the caller
 * divides by its own clock. */
#ifndef EB_PEAK_KERNELS_H
#define EB_PEAK_KERNELS_H

#include <stddef.h>

#include "runners/cpu/gemm.h"

/* The loops this CPU and build can run, best first. */
eb_isa eb_peak_fp32_isa(void);
eb_isa eb_peak_int8_isa(void);

/* Runs the loop `iters` times; returns the operations done.  *sink keeps
 * the result alive. */
double eb_peak_fp32_loop(eb_isa isa, long iters, double *sink);
double eb_peak_int8_loop(eb_isa isa, long iters, double *sink);

/* a[i] = b[i] + s * c[i] over [lo, hi): one triad pass. */
void eb_triad(double *a, const double *b, const double *c, double s, size_t lo, size_t hi);

#endif
