/* gemm_f32_avx2.c - the AVX2+FMA fp32 GEMM micro-kernel, 6 x 16.
 *
 * 12 ymm accumulators (6 rows x 2 vectors of 8 columns), two B vectors and
 * one broadcast A value: 15 of the 16 ymm registers, the classic Haswell
 * shape (BLIS, OpenBLAS).  Each K step loads one 64-byte row of the packed
 * B panel and broadcasts 6 A values, for 12 FMAs.  Fewer rows than 6 run a
 * smaller instantiation (4, 2 or 1 rows); the N edge uses maskload /
 * maskstore; the epilogue (bias, ReLU/Clip/GELU) runs on the accumulators
 * before the one store.  Function-level target("avx2,fma"): the file builds
 * with generic flags and runs only when dispatch finds AVX2 and FMA. */
#include "runners/cpu/gemm_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "runners/cpu/gelu_avx.h"

#define T256 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

enum { MR = EB_AVX2_MR, NR = EB_AVX2_NR };

T256 INLINE __m256 act256(__m256 v, const eb_epilogue *ep)
{
    switch (ep ? ep->act : EB_ACT_NONE) {
    case EB_ACT_NONE: return v;
    /* max(0, v) returns v when v is NaN: NaN passes through, as in ref */
    case EB_ACT_RELU: return _mm256_max_ps(_mm256_setzero_ps(), v);
    case EB_ACT_CLIP:
        return _mm256_min_ps(_mm256_set1_ps(ep->hi), _mm256_max_ps(_mm256_set1_ps(ep->lo), v));
    case EB_ACT_GELU: return eb_gelu256(v);
    }
    return v;
}

/* lanes [0, n) of a vector set, n clamped to [0, 8] */
T256 INLINE __m256i lanes(int n)
{
    n = n < 0 ? 0 : n > 8 ? 8 : n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* The tile body for R rows (a compile-time constant after inlining). */
T256 INLINE void tile(const int R, size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m,
                      int n, unsigned flags, const float *bias, const eb_epilogue *ep)
{
    __m256 acc[MR][2];
    const float *ar[MR];
#pragma GCC unroll 6
    for (int i = 0; i < R; i++) {
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
        acc[i][0] = _mm256_setzero_ps();
        acc[i][1] = _mm256_setzero_ps();
    }
    for (size_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
        b += NR;
#pragma GCC unroll 6
        for (int i = 0; i < R; i++) {
            __m256 av = _mm256_broadcast_ss(ar[i] + p);
            acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
        }
    }
    bool last = (flags & EB_UK_LAST) != 0;
    if (n >= NR) {
        __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
        if (last && bias) {
            bias0 = _mm256_loadu_ps(bias);
            bias1 = _mm256_loadu_ps(bias + 8);
        }
#pragma GCC unroll 6
        for (int i = 0; i < R; i++) {
            if (i >= m)
                break;
            float *ci = c + (size_t)i * ldc;
            __m256 v0 = acc[i][0], v1 = acc[i][1];
            if (flags & EB_UK_ACCUM) {
                v0 = _mm256_add_ps(v0, _mm256_loadu_ps(ci));
                v1 = _mm256_add_ps(v1, _mm256_loadu_ps(ci + 8));
            }
            if (last) {
                v0 = act256(_mm256_add_ps(v0, bias0), ep);
                v1 = act256(_mm256_add_ps(v1, bias1), ep);
            }
            _mm256_storeu_ps(ci, v0);
            _mm256_storeu_ps(ci + 8, v1);
        }
        return;
    }
    /* the N edge: masked loads never touch the lanes they leave out */
    __m256i k0 = lanes(n), k1 = lanes(n - 8);
    __m256 bias0 = _mm256_setzero_ps(), bias1 = _mm256_setzero_ps();
    if (last && bias) {
        bias0 = _mm256_maskload_ps(bias, k0);
        bias1 = _mm256_maskload_ps(bias + 8, k1);
    }
#pragma GCC unroll 6
    for (int i = 0; i < R; i++) {
        if (i >= m)
            break;
        float *ci = c + (size_t)i * ldc;
        __m256 v0 = acc[i][0], v1 = acc[i][1];
        if (flags & EB_UK_ACCUM) {
            v0 = _mm256_add_ps(v0, _mm256_maskload_ps(ci, k0));
            v1 = _mm256_add_ps(v1, _mm256_maskload_ps(ci + 8, k1));
        }
        if (last) {
            v0 = act256(_mm256_add_ps(v0, bias0), ep);
            v1 = act256(_mm256_add_ps(v1, bias1), ep);
        }
        _mm256_maskstore_ps(ci, k0, v0);
        _mm256_maskstore_ps(ci + 8, k1, v1);
    }
}

T256 void gemm_f32_6x16__avx2(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m, int n,
                              unsigned flags, const float *bias, const eb_epilogue *ep)
{
    if (m > 4)
        tile(6, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else if (m > 2)
        tile(4, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else if (m > 1)
        tile(2, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else
        tile(1, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
}

#endif
