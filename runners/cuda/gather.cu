/* gather.cu - the cuda runner's Gather: y[o][j][i] = x[o][ind[j]][i] over
 * x viewed as [outer, axis, inner], indices int64 or int32 (negative ones
 * count from the end, as ONNX says; one out of range is clamped: a kernel
 * cannot fail, and shape inference has checked constant ones).  Any dtype
 * of 1, 2, 4 or 8 bytes; one thread per output element. */
#include "runners/cuda/cu_kernels.h"

namespace {

constexpr int THREADS = 256;

template <typename T>
__global__ void gather(const T *x, const void *ind, int ind64, T *y, int64_t axis, int64_t n_ind, int64_t inner,
                       int64_t count)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < count; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t in = i % inner, j = i / inner % n_ind, o = i / inner / n_ind;
        int64_t k = ind64 ? static_cast<const long long *>(ind)[j] : static_cast<const int *>(ind)[j];
        if (k < 0)
            k += axis;
        k = k < 0 ? 0 : k >= axis ? axis - 1 : k;
        y[i] = x[(o * axis + k) * inner + in];
    }
}

} // namespace

extern "C" cudaError_t eb_cu_gather(const void *x, const void *ind, int ind64, void *y, int64_t outer, int64_t axis,
                                    int64_t n_ind, int64_t inner, int elem, cudaStream_t s)
{
    int64_t count = outer * n_ind * inner;
    if (count <= 0 || axis <= 0)
        return cudaSuccess;
    int64_t b = (count + THREADS - 1) / THREADS;
    unsigned blocks = (unsigned)(b < 65535 * 16 ? b : 65535 * 16);
    switch (elem) {
    case 1: gather<<<blocks, THREADS, 0, s>>>(static_cast<const unsigned char *>(x), ind, ind64, static_cast<unsigned char *>(y), axis, n_ind, inner, count); break;
    case 2: gather<<<blocks, THREADS, 0, s>>>(static_cast<const unsigned short *>(x), ind, ind64, static_cast<unsigned short *>(y), axis, n_ind, inner, count); break;
    case 4: gather<<<blocks, THREADS, 0, s>>>(static_cast<const unsigned *>(x), ind, ind64, static_cast<unsigned *>(y), axis, n_ind, inner, count); break;
    case 8: gather<<<blocks, THREADS, 0, s>>>(static_cast<const unsigned long long *>(x), ind, ind64, static_cast<unsigned long long *>(y), axis, n_ind, inner, count); break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}
