/* gemm_i8_6x16__avxvnni.c - the AVX-VNNI int8 GEMM micro-kernel, 6 x 16:
 * the VEX-encoded vpdpbusd on ymm (Alder Lake and later, Zen 5), for CPUs
 * with AVX-VNNI but no AVX-512.  As the AVX-512 VNNI kernel: A's u8 bytes
 * as they are (raw = sum a * w, exact), 12 ymm accumulators (6 rows x 2
 * vectors of 8 columns), 2 B vectors (one 64-byte group of the panel) and
 * one broadcast: 15 of the 16 registers.  Epilogue:
 * gemm_i8_epilogue_avx2.h. */
#include "runners/cpu/gemm_i8_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#include "runners/cpu/gemm_i8_epilogue_avx2.h"

#define TVNNI __attribute__((target("avx2,fma,avxvnni")))
#define INLINE static inline __attribute__((always_inline))

enum { MR = EB_I8_AVXVNNI_MR, NR = EB_I8_AVXVNNI_NR };

TVNNI INLINE void tile(const int R, size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds,
                       void *c, size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    __m256i acc[MR][2];
    const uint8_t *ar[MR];
#pragma GCC unroll 6
    for (int i = 0; i < R; i++) {
        ar[i] = a + (i < m ? (size_t)i : 0) * lda;
        acc[i][0] = _mm256_setzero_si256();
        acc[i][1] = _mm256_setzero_si256();
    }
    for (size_t p = 0; p < kc; p += 4) {
        __m256i b0 = _mm256_load_si256((const __m256i *)b), b1 = _mm256_load_si256((const __m256i *)(b + 32));
        b += 4 * NR;
#pragma GCC unroll 6
        for (int i = 0; i < R; i++) {
            int32_t a4;
            memcpy(&a4, ar[i] + p, sizeof a4);
            __m256i av = _mm256_set1_epi32(a4);
            acc[i][0] = _mm256_dpbusd_avx_epi32(acc[i][0], av, b0);
            acc[i][1] = _mm256_dpbusd_avx_epi32(acc[i][1], av, b1);
        }
    }
    eb_i8_store_tile16(R, acc, sums, lds, c, ldc, m, n, flags, col, e);
}

TVNNI void gemm_i8_6x16__avxvnni(size_t kc, const uint8_t *a, size_t lda, const int8_t *b, int32_t *sums, size_t lds,
                                 void *c, size_t ldc, int m, int n, unsigned flags, size_t col, const eb_i8_epi *e)
{
    if (m > 4)
        tile(6, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 2)
        tile(4, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else if (m > 1)
        tile(2, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
    else
        tile(1, kc, a, lda, b, sums, lds, c, ldc, m, n, flags, col, e);
}

#endif
