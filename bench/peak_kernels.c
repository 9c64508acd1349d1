/* peak_kernels.c - fp32 FMA and int8 dot-product throughput loops and the
 * triad (see peak_kernels.h).  Function-level target attributes: the file
 * builds with generic flags and each loop runs only where the ISA
 * detection allows it.  Independent accumulator chains, many more than
 * latency x throughput needs, so the loops are throughput-bound; an empty
 * asm on the int8 inputs keeps the compiler from hoisting the products
 * out of the loop. */
#include "bench/peak_kernels.h"

#include <stdint.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

eb_isa eb_peak_fp32_isa(void)
{
    eb_isa b = eb_isa_base(eb_isa_detect());
    return b == EB_ISA_AVX512 || b == EB_ISA_AVX2 ? b : EB_ISA_GENERIC;
}

eb_isa eb_peak_int8_isa(void)
{
    eb_isa d = eb_isa_detect();
    if (d == EB_ISA_AVX512VNNI || d == EB_ISA_AVXVNNI)
        return d;
    return eb_isa_base(d) == EB_ISA_AVX512 || eb_isa_base(d) == EB_ISA_AVX2 ? EB_ISA_AVX2 : EB_ISA_GENERIC;
}

#if defined(__x86_64__)
__attribute__((target("avx512f"))) static double fma_avx512(long iters, double *sink)
{
    __m512 acc[16], x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
#pragma GCC unroll 16
    for (int i = 0; i < 16; i++)
        acc[i] = _mm512_set1_ps((float)i);
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++)
            acc[i] = _mm512_fmadd_ps(acc[i], x, y);
    }
    __m512 s = acc[0];
    for (int i = 1; i < 16; i++)
        s = _mm512_add_ps(s, acc[i]);
    *sink += _mm512_reduce_add_ps(s);
    return (double)iters * 16 * 16 * 2;
}

__attribute__((target("avx2,fma"))) static double fma_avx2(long iters, double *sink)
{
    __m256 acc[12], x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
#pragma GCC unroll 12
    for (int i = 0; i < 12; i++)
        acc[i] = _mm256_set1_ps((float)i);
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    }
    float f[8];
    __m256 s = acc[0];
    for (int i = 1; i < 12; i++)
        s = _mm256_add_ps(s, acc[i]);
    _mm256_storeu_ps(f, s);
    *sink += f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
    return (double)iters * 12 * 8 * 2;
}

/* vpdpbusd zmm: 64 u8 x s8 multiply-accumulates into 16 int32 lanes */
__attribute__((target("avx512f,avx512bw,avx512vnni"))) static double dp_avx512vnni(long iters, double *sink)
{
    __m512i acc[16], a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(-2);
    for (int i = 0; i < 16; i++)
        acc[i] = _mm512_set1_epi32(i);
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 16
        for (int i = 0; i < 16; i++)
            acc[i] = _mm512_dpbusd_epi32(acc[i], a, b);
    }
    __m512i s = acc[0];
    for (int i = 1; i < 16; i++)
        s = _mm512_add_epi32(s, acc[i]);
    *sink += _mm512_reduce_add_epi32(s);
    return (double)iters * 16 * 64 * 2;
}

/* VEX vpdpbusd ymm: 32 multiply-accumulates */
__attribute__((target("avx2,avxvnni"))) static double dp_avxvnni(long iters, double *sink)
{
    __m256i acc[12], a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(-2);
    for (int i = 0; i < 12; i++)
        acc[i] = _mm256_set1_epi32(i);
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 12
        for (int i = 0; i < 12; i++)
            acc[i] = _mm256_dpbusd_avx_epi32(acc[i], a, b);
    }
    __m256i s = acc[0];
    for (int i = 1; i < 12; i++)
        s = _mm256_add_epi32(s, acc[i]);
    int v[8];
    _mm256_storeu_si256((__m256i *)v, s);
    *sink += v[0] + v[7];
    return (double)iters * 12 * 32 * 2;
}

/* AVX2 without a dot product: what the int8 GEMM does there, vpmaddubsw
 * (u8 x s8 pairs to s16), vpmaddwd by ones (to s32), vpaddd: 32
 * multiply-accumulates a chain step */
__attribute__((target("avx2"))) static double dp_avx2(long iters, double *sink)
{
    __m256i acc[8], in[8], b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
    for (int i = 0; i < 8; i++) {
        acc[i] = _mm256_set1_epi32(i);
        in[i] = _mm256_set1_epi8((char)(i + 1));
    }
    for (long it = 0; it < iters; it++) {
#pragma GCC unroll 8
        for (int i = 0; i < 8; i++) {
            __asm__ volatile("" : "+x"(in[i])); /* opaque: the product is not loop-invariant */
            acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(_mm256_maddubs_epi16(in[i], b), ones));
        }
    }
    __m256i s = acc[0];
    for (int i = 1; i < 8; i++)
        s = _mm256_add_epi32(s, acc[i]);
    int v[8];
    _mm256_storeu_si256((__m256i *)v, s);
    *sink += v[0] + v[7];
    return (double)iters * 8 * 32 * 2;
}
#endif

/* portable C: 8 independent chains the compiler may vectorize */
static double fma_generic(long iters, double *sink)
{
    float acc[8];
    for (int i = 0; i < 8; i++)
        acc[i] = (float)i;
    for (long it = 0; it < iters; it++)
        for (int i = 0; i < 8; i++)
            acc[i] = acc[i] * 0.999999f + 1e-7f;
    for (int i = 0; i < 8; i++)
        *sink += acc[i];
    return (double)iters * 8 * 2;
}

static double dp_generic(long iters, double *sink)
{
    int32_t acc[8] = {0};
    uint32_t a = 3;
    int32_t b = -2;
    for (long it = 0; it < iters; it++) {
        /* opaque each iteration: the products are not loop-invariant, so
         * the compiler cannot sum them in closed form */
        __asm__ volatile("" : "+r"(a));
        for (int i = 0; i < 8; i++)
            acc[i] += (int32_t)(uint8_t)(a + (uint32_t)i) * b;
    }
    for (int i = 0; i < 8; i++)
        *sink += acc[i];
    return (double)iters * 8 * 2;
}

double eb_peak_fp32_loop(eb_isa isa, long iters, double *sink)
{
#if defined(__x86_64__)
    if (isa == EB_ISA_AVX512)
        return fma_avx512(iters, sink);
    if (isa == EB_ISA_AVX2)
        return fma_avx2(iters, sink);
#endif
    return fma_generic(iters, sink);
}

double eb_peak_int8_loop(eb_isa isa, long iters, double *sink)
{
#if defined(__x86_64__)
    if (isa == EB_ISA_AVX512VNNI)
        return dp_avx512vnni(iters, sink);
    if (isa == EB_ISA_AVXVNNI)
        return dp_avxvnni(iters, sink);
    if (isa == EB_ISA_AVX2)
        return dp_avx2(iters, sink);
#endif
    return dp_generic(iters, sink);
}

void eb_triad(double *a, const double *b, const double *c, double s, size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++)
        a[i] = b[i] + s * c[i];
}
