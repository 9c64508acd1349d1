/* cuda_cublas.h - cuBLAS as the GEMM of a gemm=cublas variant, loaded with
 * dlopen (libcublas.so.13, then libcublas.so) so that the suite neither
 * builds nor links against it: where it is missing the variant is
 * unsupported, with the loader's reason.  Only cuBLAS's types come from its
 * header. */
#ifndef EB_CUDA_CUBLAS_H
#define EB_CUDA_CUBLAS_H

#include <stdbool.h>
#include <stddef.h>

#include <cuda_runtime_api.h>

#include "models/status.h"
#include "runners/cuda/cu_kernels.h"

typedef struct eb_cu_cublas eb_cu_cublas;

/* Loads the library (once per process) and makes a handle on stream s;
 * false with why set when it cannot. */
bool eb_cu_cublas_open(cudaStream_t s, eb_cu_cublas **out, char *why, size_t n);
void eb_cu_cublas_close(eb_cu_cublas *c);
/* Which library file was loaded ("libcublas.so.13"), for the record's notes. */
const char *eb_cu_cublas_soname(void);
/* g through cuBLAS (its math mode as the compute type), then g's bias and
 * activation; EB_EUNSUPPORTED when an operand has no unit stride (the
 * caller then uses its own kernel), EB_EIO on a cuBLAS failure. */
eb_status eb_cu_cublas_gemm(eb_cu_cublas *c, const eb_cu_gemm *g, cudaStream_t s, eb_err *err);

#endif
