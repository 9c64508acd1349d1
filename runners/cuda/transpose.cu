/* transpose.cu - the cuda runner's Transpose: one thread per output
 * element, which reads its source through the permuted strides.  Any
 * dtype of 1, 2, 4 or 8 bytes (the bits are moved, not interpreted). */
#include "runners/cuda/cu_kernels.h"

namespace {

constexpr int THREADS = 256;

struct perm {
    int rank;
    int64_t shape[8], st[8];
};

template <typename T>
__global__ void transpose(const T *x, T *y, perm p, int64_t count)
{
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < count; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t r = i, src = 0;
        for (int d = p.rank - 1; d >= 0; d--) {
            src += r % p.shape[d] * p.st[d];
            r /= p.shape[d];
        }
        y[i] = x[src];
    }
}

} // namespace

extern "C" cudaError_t eb_cu_transpose(const void *x, void *y, int rank, const int64_t *y_shape, const int64_t *x_st,
                                       int64_t count, int elem, cudaStream_t s)
{
    if (count <= 0)
        return cudaSuccess;
    if (rank > 8)
        return cudaErrorInvalidValue;
    perm p;
    p.rank = rank;
    for (int d = 0; d < rank; d++) {
        p.shape[d] = y_shape[d];
        p.st[d] = x_st[d];
    }
    int64_t b = (count + THREADS - 1) / THREADS;
    unsigned blocks = (unsigned)(b < 65535 * 16 ? b : 65535 * 16);
    switch (elem) {
    case 1: transpose<<<blocks, THREADS, 0, s>>>(static_cast<const unsigned char *>(x), static_cast<unsigned char *>(y), p, count); break;
    case 2: transpose<<<blocks, THREADS, 0, s>>>(static_cast<const unsigned short *>(x), static_cast<unsigned short *>(y), p, count); break;
    case 4: transpose<<<blocks, THREADS, 0, s>>>(static_cast<const unsigned *>(x), static_cast<unsigned *>(y), p, count); break;
    case 8: transpose<<<blocks, THREADS, 0, s>>>(static_cast<const unsigned long long *>(x), static_cast<unsigned long long *>(y), p, count); break;
    default: return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}
