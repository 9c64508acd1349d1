/* quantize_u8_avx.c - the activations' quantization at AVX2 and AVX-512
 * width: onto the u8 grid (the int8 GEMM's A), and onto the grid with the
 * zero point taken out, as floats (the int8 depthwise convolution's
 * input).  Each lane does what eb_quantize does (quantize_avx.h).  The
 * division is the cost: at SSE width it was a third of an int8
 * MobileNet's time.  A leaf, x86-64
 * only; the tails and other CPUs take eb_quantize. */
#if defined(__x86_64__)
#include <immintrin.h>

#include "reference_kernels/ref_quant.h"
#include "runners/cpu/conv_i8.h"
#include "runners/cpu/quantize_avx.h"

#define T512 __attribute__((target("avx512f")))
#define T256 __attribute__((target("avx2")))

T512 static inline __m512i grid16(const float *x, __m512 s, __m512i z)
{
    return eb_grid16(_mm512_loadu_ps(x), s, z);
}

T256 static inline __m256i grid8(const float *x, __m256 s, __m256i z)
{
    return eb_grid8(_mm256_loadu_ps(x), s, z);
}

T512 void eb_quantize_u8__avx512(const float *x, size_t n, float scale, int32_t zero, uint8_t *q)
{
    __m512 s = _mm512_set1_ps(scale);
    __m512i z = _mm512_set1_epi32(zero);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128((__m128i *)(q + i), _mm512_cvtepi32_epi8(grid16(x + i, s, z)));
    for (; i < n; i++)
        q[i] = (uint8_t)eb_quantize(x[i], scale, zero, 0, 255);
}

T512 void eb_quantize_f32__avx512(const float *x, size_t n, float scale, int32_t zero, float *q)
{
    __m512 s = _mm512_set1_ps(scale);
    __m512i z = _mm512_set1_epi32(zero);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(q + i, _mm512_cvtepi32_ps(_mm512_sub_epi32(grid16(x + i, s, z), z)));
    for (; i < n; i++)
        q[i] = (float)(eb_quantize(x[i], scale, zero, 0, 255) - zero);
}

T256 void eb_quantize_u8__avx2(const float *x, size_t n, float scale, int32_t zero, uint8_t *q)
{
    __m256 s = _mm256_set1_ps(scale);
    __m256i z = _mm256_set1_epi32(zero);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i a = grid8(x + i, s, z), b = grid8(x + i + 8, s, z);
        __m256i w = _mm256_permute4x64_epi64(_mm256_packs_epi32(a, b), 0xd8); /* 16 x i16 in order */
        __m128i u = _mm_packus_epi16(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
        _mm_storeu_si128((__m128i *)(q + i), u);
    }
    for (; i < n; i++)
        q[i] = (uint8_t)eb_quantize(x[i], scale, zero, 0, 255);
}

T256 void eb_quantize_f32__avx2(const float *x, size_t n, float scale, int32_t zero, float *q)
{
    __m256 s = _mm256_set1_ps(scale);
    __m256i z = _mm256_set1_epi32(zero);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(q + i, _mm256_cvtepi32_ps(_mm256_sub_epi32(grid8(x + i, s, z), z)));
    for (; i < n; i++)
        q[i] = (float)(eb_quantize(x[i], scale, zero, 0, 255) - zero);
}
#endif
