/* gemm_i8_4x16__avx2.c - the AVX2 int8 GEMM micro-kernel, 4 x 16, with
 * vpmaddubsw + vpmaddwd, exact.
 *
 * vpmaddubsw multiplies u8 by s8 and adds each pair of products into a
 * saturating s16: with A as u8 (0..255) and B s8 a pair reaches 2 * 255 *
 * 127 = 64770 and saturates.  The sign trick avoids it: the u8 operand is
 * |w| (<= 127: pack_b refuses -128) and the s8 operand t is s = a - 128
 * (the driver copies A flipped, a ^ 0x80) where w >= 0, and ~s = 127 - a
 * where w < 0 (s ^ the sign mask of w, so t stays in -128..127).  Then
 * |w| * t = w * (a - 128) for w >= 0 and -w * (127 - a) = w * (a - 128) + w
 * for w < 0, and a pair is at most 2 * 127 * 128 = 32512 < 32767: no
 * saturation.  vpmaddwd by ones sums pairs of s16 into int32.  So
 *   raw = sum_k w (a - 128) + sum_{w < 0} w,
 * and the packed correction corr[j] = 128 colsum[j] - sum_{w<0} w (gemm_i8.c)
 * turns it into sum_k (a - a_zero) w exactly.
 *
 * 8 ymm accumulators (4 rows x 2 vectors of 8 columns), |w| and the sign
 * masks of one 64-byte group (4), one broadcast, temporaries and the ones:
 * the 16 registers.  Epilogue: gemm_i8_epilogue_avx2.h. */
#include "runners/cpu/gemm_i8_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "runners/cpu/gemm_i8_epilogue_avx2.h"

#define T256 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

enum { MR = EB_I8_AVX2_MR, NR = EB_I8_AVX2_NR };

T256 INLINE void tile(const int R, size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds,
                      void *c, size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    __m256i acc[MR][2];
    const uint8_t *ar[MR];
#pragma GCC unroll 4
    for (int i = 0; i < R; i++) {
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
        acc[i][0] = _mm256_setzero_si256();
        acc[i][1] = _mm256_setzero_si256();
    }
    const __m256i ones = _mm256_set1_epi16(1), zero = _mm256_setzero_si256();
    for (size_t p = 0; p < kc; p += 4) {
        __m256i w0 = _mm256_load_si256((const __m256i *)b), w1 = _mm256_load_si256((const __m256i *)(b + 32));
        b += 4 * NR;
        __m256i u0 = _mm256_abs_epi8(w0), u1 = _mm256_abs_epi8(w1);
        __m256i n0 = _mm256_cmpgt_epi8(zero, w0), n1 = _mm256_cmpgt_epi8(zero, w1);
#pragma GCC unroll 4
        for (int i = 0; i < R; i++) {
            int32_t a4;
            memcpy(&a4, ar[i] + p, sizeof a4);
            __m256i s = _mm256_set1_epi32(a4);
            __m256i p0 = _mm256_maddubs_epi16(u0, _mm256_xor_si256(s, n0));
            __m256i p1 = _mm256_maddubs_epi16(u1, _mm256_xor_si256(s, n1));
            acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(p0, ones));
            acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(p1, ones));
        }
    }
    eb_i8_store_tile16(R, acc, sums, lds, c, ldc, m, n, flags, col, e);
}

T256 void gemm_i8_4x16__avx2(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds,
                             void *c, size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    if (m > 2)
        tile(4, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 1)
        tile(2, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else
        tile(1, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
}

#endif
