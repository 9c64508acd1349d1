/* gemm.cu - the cuda runner's own GEMM (cu_kernels.h's eb_cu_gemm): a
 * shared-memory tiled fp32 kernel on the CUDA cores, and a tensor-core
 * kernel (wmma) whose inputs are rounded to tf32, fp16 or bf16 as they go
 * into shared memory, accumulating in fp32.  Both take any strides, so a
 * transposed or broadcast operand needs no copy; the tile loader picks the
 * thread order that walks the operand's contiguous axis, which keeps the
 * loads coalesced for either layout.  Bias and Relu / Clip are applied as
 * the tile is written.  A tile size is chosen by how many tiles the
 * problem makes: small problems (batch-1 layers) get the small tiles so
 * that more blocks run at once; one that still makes too few blocks for
 * the GPU with a long reduction (a late batch-1 convolution: M 512, N 49,
 * K 4608) is split along K, each slice adding its partial product into C
 * (zeroed first) atomically, and the bias and activation applied after. */
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>

#include "runners/cuda/cu_kernels.h"

using namespace nvcuda;

namespace {

/* element (i) of an operand that is fp32 or fp16 */
__device__ __forceinline__ float load_el(const void *p, int64_t i, int half)
{
    return half ? __half2float(static_cast<const __half *>(p)[i]) : static_cast<const float *>(p)[i];
}

__device__ __forceinline__ float epilogue(float v, const eb_cu_gemm &g, int row, int col)
{
    v *= g.alpha;
    if (g.bias)
        v += g.bias[g.bias_per_row ? row : col];
    if (g.act == EB_CU_ACT_RELU)
        v = fmaxf(v, 0.0f);
    else if (g.act == EB_CU_ACT_CLIP)
        v = fminf(fmaxf(v, g.lo), g.hi);
    return v;
}

/* ---- fp32 on the CUDA cores ------------------------------------------------ */

constexpr int SIMT_BK = 8;

/* BM x BN tile per block of (BM / TM) * (BN / TN) threads, TM x TN outputs
 * per thread at rows ty + i * (BM / TM), columns tx + j * (BN / TN). */
template <int BM, int BN, int TM, int TN>
__global__ void __launch_bounds__((BM / TM) * (BN / TN)) gemm_simt(eb_cu_gemm g, int splits, int kchunk)
{
    constexpr int NT = (BM / TM) * (BN / TN), TX = BN / TN, TY = BM / TM;
    __shared__ float as[SIMT_BK][BM];
    __shared__ float bs[SIMT_BK][BN];
    /* split along K: blockIdx.z is the slice (batch 1), else the batch */
    const int b = splits > 1 ? 0 : blockIdx.z, m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int kbeg = splits > 1 ? blockIdx.z * kchunk : 0, kend = splits > 1 ? min(g.k, kbeg + kchunk) : g.k;
    const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
    const char *a = static_cast<const char *>(g.a) + (size_t)b * g.a_bs * (g.a_half ? 2 : 4);
    const char *bb = static_cast<const char *>(g.b) + (size_t)b * g.b_bs * (g.b_half ? 2 : 4);
    const bool a_kfast = g.a_cs == 1, b_nfast = g.b_cs == 1;
    float acc[TM][TN] = {};
    for (int k0 = kbeg; k0 < kend; k0 += SIMT_BK) {
        for (int e = tid; e < BM * SIMT_BK; e += NT) {
            int mm = a_kfast ? e / SIMT_BK : e % BM, kk = a_kfast ? e % SIMT_BK : e / BM;
            int gm = m0 + mm, gk = k0 + kk;
            as[kk][mm] = gm < g.m && gk < kend ? load_el(a, (int64_t)gm * g.a_rs + (int64_t)gk * g.a_cs, g.a_half) : 0.0f;
        }
        for (int e = tid; e < BN * SIMT_BK; e += NT) {
            int nn = b_nfast ? e % BN : e / SIMT_BK, kk = b_nfast ? e / BN : e % SIMT_BK;
            int gn = n0 + nn, gk = k0 + kk;
            bs[kk][nn] = gn < g.n && gk < kend ? load_el(bb, (int64_t)gk * g.b_rs + (int64_t)gn * g.b_cs, g.b_half) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < SIMT_BK; kk++) {
            float ra[TM], rb[TN];
#pragma unroll
            for (int i = 0; i < TM; i++)
                ra[i] = as[kk][ty + i * TY];
#pragma unroll
            for (int j = 0; j < TN; j++)
                rb[j] = bs[kk][tx + j * TX];
#pragma unroll
            for (int i = 0; i < TM; i++)
#pragma unroll
                for (int j = 0; j < TN; j++)
                    acc[i][j] = fmaf(ra[i], rb[j], acc[i][j]);
        }
        __syncthreads();
    }
    float *c = g.c + (size_t)b * g.c_bs;
#pragma unroll
    for (int i = 0; i < TM; i++) {
        int row = m0 + ty + i * TY;
        if (row >= g.m)
            continue;
#pragma unroll
        for (int j = 0; j < TN; j++) {
            int col = n0 + tx + j * TX;
            if (col >= g.n)
                continue;
            if (splits > 1)
                atomicAdd(&c[(int64_t)row * g.c_rs + col], acc[i][j] * g.alpha);
            else
                c[(int64_t)row * g.c_rs + col] = epilogue(acc[i][j], g, row, col);
        }
    }
}

/* ---- tensor cores (wmma) ----------------------------------------------------- */

/* How an input type goes into shared memory: T is what is stored, P the
 * wmma precision, FK the fragment's K. */
template <int MATH> struct tc;
template <> struct tc<EB_CU_MATH_TF32> {
    using T = float;
    using P = wmma::precision::tf32;
    static constexpr int FK = 8, PAD = 4;
    __device__ static T cvt(float x) { return wmma::__float_to_tf32(x); }
};
template <> struct tc<EB_CU_MATH_FP16> {
    using T = __half;
    using P = __half;
    static constexpr int FK = 16, PAD = 8;
    __device__ static T cvt(float x) { return __float2half(x); }
};
template <> struct tc<EB_CU_MATH_BF16> {
    using T = __nv_bfloat16;
    using P = __nv_bfloat16;
    static constexpr int FK = 16, PAD = 8;
    __device__ static T cvt(float x) { return __float2bfloat16(x); }
};

constexpr int TC_BK = 32;

/* BM x BN tile per block of WM x WN warps, each warp (BM / WM) x (BN / WN)
 * in 16 x 16 fragments.  The paddings keep every fragment pointer 32-byte
 * aligned and its leading dimension a multiple of 16 bytes (wmma's rules). */
template <int MATH, int BM, int BN, int WM, int WN>
__global__ void __launch_bounds__(WM *WN * 32) gemm_wmma(eb_cu_gemm g, int splits, int kchunk)
{
    using C = tc<MATH>;
    using T = typename C::T;
    constexpr int NT = WM * WN * 32, FM = BM / WM / 16, FN = BN / WN / 16;
    constexpr int LDA = TC_BK + C::PAD, LDB = BN + C::PAD;
    __shared__ __align__(128) T as[BM * LDA];
    __shared__ __align__(128) T bs[TC_BK * LDB];
    __shared__ __align__(128) float scratch[WM * WN][16 * 16];
    const int b = splits > 1 ? 0 : blockIdx.z, m0 = blockIdx.y * BM, n0 = blockIdx.x * BN;
    const int kbeg = splits > 1 ? blockIdx.z * kchunk : 0, kend = splits > 1 ? min(g.k, kbeg + kchunk) : g.k;
    const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
    const int wm = warp / WN, wn = warp % WN;
    const char *a = static_cast<const char *>(g.a) + (size_t)b * g.a_bs * (g.a_half ? 2 : 4);
    const char *bb = static_cast<const char *>(g.b) + (size_t)b * g.b_bs * (g.b_half ? 2 : 4);
    const bool a_kfast = g.a_cs == 1, b_nfast = g.b_cs == 1;
    wmma::fragment<wmma::accumulator, 16, 16, C::FK, float> acc[FM][FN];
#pragma unroll
    for (int i = 0; i < FM; i++)
#pragma unroll
        for (int j = 0; j < FN; j++)
            wmma::fill_fragment(acc[i][j], 0.0f);
    for (int k0 = kbeg; k0 < kend; k0 += TC_BK) {
        for (int e = tid; e < BM * TC_BK; e += NT) {
            int mm = a_kfast ? e / TC_BK : e % BM, kk = a_kfast ? e % TC_BK : e / BM;
            int gm = m0 + mm, gk = k0 + kk;
            float v = gm < g.m && gk < kend ? load_el(a, (int64_t)gm * g.a_rs + (int64_t)gk * g.a_cs, g.a_half) : 0.0f;
            as[mm * LDA + kk] = C::cvt(v);
        }
        for (int e = tid; e < BN * TC_BK; e += NT) {
            int nn = b_nfast ? e % BN : e / TC_BK, kk = b_nfast ? e / BN : e % TC_BK;
            int gn = n0 + nn, gk = k0 + kk;
            float v = gn < g.n && gk < kend ? load_el(bb, (int64_t)gk * g.b_rs + (int64_t)gn * g.b_cs, g.b_half) : 0.0f;
            bs[kk * LDB + nn] = C::cvt(v);
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < TC_BK; kk += C::FK) {
            wmma::fragment<wmma::matrix_a, 16, 16, C::FK, typename C::P, wmma::row_major> fa[FM];
            wmma::fragment<wmma::matrix_b, 16, 16, C::FK, typename C::P, wmma::row_major> fb[FN];
#pragma unroll
            for (int i = 0; i < FM; i++)
                wmma::load_matrix_sync(fa[i], &as[(wm * FM * 16 + i * 16) * LDA + kk], LDA);
#pragma unroll
            for (int j = 0; j < FN; j++)
                wmma::load_matrix_sync(fb[j], &bs[kk * LDB + wn * FN * 16 + j * 16], LDB);
#pragma unroll
            for (int i = 0; i < FM; i++)
#pragma unroll
                for (int j = 0; j < FN; j++)
                    wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
        __syncthreads();
    }
    /* each fragment through the warp's scratch, then bias, activation and bounds */
    float *c = g.c + (size_t)b * g.c_bs;
    float *sc = scratch[warp];
#pragma unroll
    for (int i = 0; i < FM; i++)
#pragma unroll
        for (int j = 0; j < FN; j++) {
            wmma::store_matrix_sync(sc, acc[i][j], 16, wmma::mem_row_major);
            __syncwarp();
            int r0 = m0 + wm * FM * 16 + i * 16, c0 = n0 + wn * FN * 16 + j * 16;
            for (int e = lane; e < 256; e += 32) {
                int row = r0 + e / 16, col = c0 + e % 16;
                if (row >= g.m || col >= g.n)
                    continue;
                if (splits > 1)
                    atomicAdd(&c[(int64_t)row * g.c_rs + col], sc[e] * g.alpha);
                else
                    c[(int64_t)row * g.c_rs + col] = epilogue(sc[e], g, row, col);
            }
            __syncwarp();
        }
}

__global__ void epilogue_only(eb_cu_gemm g)
{
    g.alpha = 1.0f; /* the GEMM (cuBLAS) has applied alpha already */
    int64_t per = (int64_t)g.m * g.n, total = per * g.batch;
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < total; i += (int64_t)gridDim.x * blockDim.x) {
        int64_t b = i / per, r = i % per;
        int row = (int)(r / g.n), col = (int)(r % g.n);
        float *p = g.c + b * g.c_bs + (int64_t)row * g.c_rs + col;
        *p = epilogue(*p, g, row, col);
    }
}

template <int BM, int BN>
dim3 grid_of(const eb_cu_gemm *g, int splits)
{
    return dim3((unsigned)((g->n + BN - 1) / BN), (unsigned)((g->m + BM - 1) / BM),
                (unsigned)(splits > 1 ? splits : g->batch));
}

/* Slices of K for a problem of `tiles` BM x BN tiles, so that about
 * TARGET_BLOCKS blocks run (a GPU of ~100+ SMs), each slice at least
 * MIN_SLICE long; 1 (no split) for a batch, a strided C, or enough tiles. */
constexpr long TARGET_BLOCKS = 128, MIN_SLICE = 256;
int split_k(const eb_cu_gemm *g, long tiles, int bk, int *kchunk)
{
    *kchunk = g->k;
    if (g->batch != 1 || g->c_rs != g->n || tiles * 2 >= TARGET_BLOCKS || g->k < 2 * MIN_SLICE)
        return 1;
    long s = (TARGET_BLOCKS + tiles - 1) / tiles, most = g->k / MIN_SLICE;
    s = s < most ? s : most;
    s = s < 32 ? s : 32;
    if (s < 2)
        return 1;
    int chunk = (int)((g->k + s - 1) / s);
    chunk = (chunk + bk - 1) / bk * bk;
    *kchunk = chunk;
    return (g->k + chunk - 1) / chunk;
}

/* tiles of 128 x 128 only when the problem fills the GPU with them */
bool big_tiles(const eb_cu_gemm *g)
{
    long tiles = (long)((g->m + 127) / 128) * ((g->n + 127) / 128) * g->batch;
    return tiles >= 96;
}

long small_tiles(const eb_cu_gemm *g)
{
    return (long)((g->m + 63) / 64) * ((g->n + 63) / 64) * g->batch;
}

/* a split GEMM adds into C: zeroed first */
cudaError_t zero_c(const eb_cu_gemm *g, int splits, cudaStream_t s)
{
    return splits > 1 ? cudaMemsetAsync(g->c, 0, sizeof(float) * (size_t)g->m * (size_t)g->n, s) : cudaSuccess;
}

/* the tensor-core kernel; *splits: the K slices it ran in */
template <int MATH>
cudaError_t launch_wmma(const eb_cu_gemm *g, cudaStream_t s, int *splits)
{
    int kchunk = g->k;
    *splits = 1;
    if (big_tiles(g)) {
        gemm_wmma<MATH, 128, 128, 2, 4><<<grid_of<128, 128>(g, 1), 256, 0, s>>>(*g, 1, kchunk);
        return cudaSuccess;
    }
    *splits = split_k(g, small_tiles(g), TC_BK, &kchunk);
    cudaError_t e = zero_c(g, *splits, s);
    if (e == cudaSuccess)
        gemm_wmma<MATH, 64, 64, 2, 2><<<grid_of<64, 64>(g, *splits), 128, 0, s>>>(*g, *splits, kchunk);
    return e;
}

/* the fp32 kernel on the CUDA cores, likewise */
cudaError_t launch_simt(const eb_cu_gemm *g, cudaStream_t s, int *splits)
{
    int kchunk = g->k;
    *splits = 1;
    if (big_tiles(g)) {
        gemm_simt<128, 128, 8, 8><<<grid_of<128, 128>(g, 1), 256, 0, s>>>(*g, 1, kchunk);
        return cudaSuccess;
    }
    *splits = split_k(g, small_tiles(g), SIMT_BK, &kchunk);
    cudaError_t e = zero_c(g, *splits, s);
    if (e == cudaSuccess)
        gemm_simt<64, 64, 4, 4><<<grid_of<64, 64>(g, *splits), 256, 0, s>>>(*g, *splits, kchunk);
    return e;
}

} // namespace

extern "C" cudaError_t eb_cu_gemm_run(const eb_cu_gemm *g, cudaStream_t s)
{
    if (g->m <= 0 || g->n <= 0 || g->batch <= 0)
        return cudaSuccess;
    int splits = 1;
    cudaError_t e;
    switch (g->math) {
    case EB_CU_MATH_TF32: e = launch_wmma<EB_CU_MATH_TF32>(g, s, &splits); break;
    case EB_CU_MATH_FP16: e = launch_wmma<EB_CU_MATH_FP16>(g, s, &splits); break;
    case EB_CU_MATH_BF16: e = launch_wmma<EB_CU_MATH_BF16>(g, s, &splits); break;
    default: e = launch_simt(g, s, &splits);
    }
    if (e == cudaSuccess)
        e = cudaGetLastError();
    /* a split GEMM's bias and activation come after all its slices */
    return e == cudaSuccess && splits > 1 ? eb_cu_epilogue_run(g, s) : e;
}

extern "C" cudaError_t eb_cu_epilogue_run(const eb_cu_gemm *g, cudaStream_t s)
{
    if (!g->bias && g->act == EB_CU_ACT_NONE)
        return cudaSuccess;
    int64_t total = (int64_t)g->m * g->n * g->batch;
    int blocks = (int)((total + 255) / 256 < 65535 ? (total + 255) / 256 : 65535);
    if (blocks > 0)
        epilogue_only<<<blocks, 256, 0, s>>>(*g);
    return cudaGetLastError();
}
