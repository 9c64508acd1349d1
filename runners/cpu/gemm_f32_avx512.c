/* gemm_f32_avx512.c - the AVX-512F fp32 GEMM micro-kernel, 14 x 32.
 *
 * 28 zmm accumulators (14 rows x 2 vectors of 16 columns), two B vectors
 * and one broadcast A value: 31 of the 32 zmm registers.  Each K step loads
 * 2 B vectors (one 128-byte row of the packed panel) and broadcasts 14 A
 * values, for 28 FMAs; on Zen 4 (512-bit FMAs double-pumped, one per
 * cycle) 28 independent chains hide the 4-cycle latency many times over.
 * Fewer rows than 14 run a smaller instantiation (8, 4, 2 or 1 rows) of the
 * same code, so batch-1 GEMMs do not pay for 14; a panel of 16 columns or
 * fewer skips the second vector's FMAs.  The N edge uses masked
 * loads and stores; the epilogue (bias, ReLU/Clip/GELU) runs on the
 * accumulators before the one store.  Compiled with a function-level
 * target, so the file builds with generic flags and runs only when
 * dispatch says the CPU and OS support AVX-512F. */
#include "runners/cpu/gemm_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>

#include "runners/cpu/gelu_avx.h"

#define T512 __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline))

enum { MR = EB_AVX512_MR, NR = EB_AVX512_NR };

T512 INLINE __m512 act512(__m512 v, const eb_epilogue *ep)
{
    switch (ep ? ep->act : EB_ACT_NONE) {
    case EB_ACT_NONE: return v;
    /* max(0, v) returns v when v is NaN: NaN passes through, as in ref */
    case EB_ACT_RELU: return _mm512_max_ps(_mm512_setzero_ps(), v);
    case EB_ACT_CLIP:
        return _mm512_min_ps(_mm512_set1_ps(ep->hi), _mm512_max_ps(_mm512_set1_ps(ep->lo), v));
    case EB_ACT_GELU: return eb_gelu512(v);
    }
    return v;
}

/* The tile body for R rows (a compile-time constant after inlining). */
T512 INLINE void tile(const int R, const bool half, size_t kc, const float *a, size_t lda, const float *b, float *c,
                      size_t ldc, int m, int n, unsigned flags, const float *bias, const eb_epilogue *ep)
{
    __m512 acc[MR][2];
    const float *ar[MR];
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
    /* the C tile is read (ACCUM) and written once, after the K loop: start
     * fetching its lines now, so that round trip overlaps the FMAs */
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
        if (i < m) {
            _mm_prefetch((const char *)(c + (size_t)i * ldc), _MM_HINT_T0);
            _mm_prefetch((const char *)(c + (size_t)i * ldc + (n > 16 ? n - 1 : 0)), _MM_HINT_T0);
        }
    }
    for (size_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(b), b1 = half ? b0 : _mm512_load_ps(b + 16);
        b += NR;
#pragma GCC unroll 14
        for (int i = 0; i < R; i++) {
            __m512 av = _mm512_set1_ps(ar[i][p]);
            acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
            if (!half)
                acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
        }
    }
    __mmask16 k0 = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
    __mmask16 k1 = n >= 32 ? (__mmask16)0xffff : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : (__mmask16)0;
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    bool last = (flags & EB_UK_LAST) != 0;
    if (last && bias) {
        bias0 = _mm512_maskz_loadu_ps(k0, bias);
        bias1 = _mm512_maskz_loadu_ps(k1, bias + 16);
    }
#pragma GCC unroll 14
    for (int i = 0; i < R; i++) {
        if (i >= m)
            break;
        float *ci = c + (size_t)i * ldc;
        __m512 v0 = acc[i][0], v1 = acc[i][1];
        if (flags & EB_UK_ACCUM) {
            v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(k0, ci));
            v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(k1, ci + 16));
        }
        if (last) {
            v0 = act512(_mm512_add_ps(v0, bias0), ep);
            v1 = act512(_mm512_add_ps(v1, bias1), ep);
        }
        _mm512_mask_storeu_ps(ci, k0, v0);
        _mm512_mask_storeu_ps(ci + 16, k1, v1);
    }
}

T512 void gemm_f32_14x32__avx512(size_t kc, const float *a, size_t lda, const float *b, float *c, size_t ldc, int m,
                                 int n, unsigned flags, const float *bias, const eb_epilogue *ep)
{
    /* a panel with 16 columns or fewer (N = 16, or the last panel of N =
     * 144): the second vector's FMAs would all be masked off, so skip them */
    if (n <= 16) {
        if (m > 8)
            tile(14, true, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
        else
            tile(8, true, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    } else if (m > 8)
        tile(14, false, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else if (m > 4)
        tile(8, false, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else if (m > 2)
        tile(4, false, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else if (m > 1)
        tile(2, false, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
    else
        tile(1, false, kc, a, lda, b, c, ldc, m, n, flags, bias, ep);
}

#endif
