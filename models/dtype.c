/* dtype.c - the dtype trait table, scalar element access, the f16
 * converters and each dtype's block conversions (to f32, and the reference
 * quantizer from f32). */
#include "dtype.h"

#include <math.h>
#include <string.h>

/* the block conversions, defined at the end of the file */
#define EB_CONVERTERS(T)                                                                                               \
    static void T##_to_f32(const void *src, float *dst, int64_t n);                                                    \
    static void T##_from_f32(const float *src, void *dst, int64_t n);
EB_CONVERTERS(f32)
EB_CONVERTERS(f16)
EB_CONVERTERS(f64)
EB_CONVERTERS(i8)
EB_CONVERTERS(u8)
EB_CONVERTERS(i16)
EB_CONVERTERS(u16)
EB_CONVERTERS(i32)
EB_CONVERTERS(u32)
EB_CONVERTERS(i64)
EB_CONVERTERS(u64)
EB_CONVERTERS(bool)
EB_CONVERTERS(i4)
EB_CONVERTERS(q8_0)
EB_CONVERTERS(q4_0)
EB_CONVERTERS(bf16)
#undef EB_CONVERTERS

_Static_assert(sizeof(eb_block_i4) == 1, "i4: two elements in one byte");
_Static_assert(sizeof(eb_block_q8_0) == sizeof(uint16_t) + EB_QK, "q8_0: f16 scale + 32 int8, no padding");
_Static_assert(sizeof(eb_block_q4_0) == sizeof(uint16_t) + EB_QK / 2, "q4_0: f16 scale + 16 bytes, no padding");

/* name, onnx, size, is_float, is_signed, block, bytes, is_quant, converters */
#define ROW(T, onnx, size, fl, sg, block, bytes, q) {#T, onnx, size, fl, sg, block, bytes, q, T##_to_f32, T##_from_f32}
const eb_dtype_traits eb_dtypes[EB_DT_COUNT] = {
    [EB_DT_UNDEFINED] = {"undefined", 0, 0, false, false, 1, 0, false, NULL, NULL},
    [EB_DT_F32] = ROW(f32, 1, 4, true, true, 1, 4, false),
    [EB_DT_F16] = ROW(f16, 10, 2, true, true, 1, 2, false),
    [EB_DT_F64] = ROW(f64, 11, 8, true, true, 1, 8, false),
    [EB_DT_I8] = ROW(i8, 3, 1, false, true, 1, 1, false),
    [EB_DT_U8] = ROW(u8, 2, 1, false, false, 1, 1, false),
    [EB_DT_I16] = ROW(i16, 5, 2, false, true, 1, 2, false),
    [EB_DT_U16] = ROW(u16, 4, 2, false, false, 1, 2, false),
    [EB_DT_I32] = ROW(i32, 6, 4, false, true, 1, 4, false),
    [EB_DT_U32] = ROW(u32, 12, 4, false, false, 1, 4, false),
    [EB_DT_I64] = ROW(i64, 7, 8, false, true, 1, 8, false),
    [EB_DT_U64] = ROW(u64, 13, 8, false, false, 1, 8, false),
    [EB_DT_BOOL] = ROW(bool, 9, 1, false, false, 1, 1, false),
    [EB_DT_I4] = ROW(i4, 22, 0, false, true, 2, sizeof(eb_block_i4), false),
    [EB_DT_Q8_0] = ROW(q8_0, -1, 0, false, true, EB_QK, sizeof(eb_block_q8_0), true),
    [EB_DT_Q4_0] = ROW(q4_0, -1, 0, false, true, EB_QK, sizeof(eb_block_q4_0), true),
    [EB_DT_BF16] = ROW(bf16, 16, 2, true, true, 1, 2, false),
};
#undef ROW
_Static_assert(EB_DT_COUNT == 17, "update eb_dtypes (and tests/test_dtype.c) when adding a dtype");

const char *eb_dtype_name(eb_dtype dt)
{
    return (unsigned)dt < EB_DT_COUNT ? eb_dtypes[dt].name : "invalid";
}

eb_dtype eb_dtype_from_onnx(int code)
{
    for (int i = 1; i < EB_DT_COUNT; i++)
        if (code >= 0 && eb_dtypes[i].onnx == code)
            return (eb_dtype)i;
    return EB_DT_UNDEFINED;
}

const char *eb_onnx_type_name(int code)
{
    static const char *names[] = {
        "UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16", "INT32",
        "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64",
        "COMPLEX64", "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN",
        "FLOAT8E4M3FNUZ", "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4"};
    if (code >= 0 && code < (int)(sizeof names / sizeof names[0]))
        return names[code];
    return "unknown";
}

size_t eb_dtype_nbytes(eb_dtype dt, int64_t n)
{
    if (n < 0 || (unsigned)dt >= EB_DT_COUNT)
        return SIZE_MAX;
    uint64_t blocks = (uint64_t)(n / eb_dtypes[dt].block + (n % eb_dtypes[dt].block != 0));
    size_t sz = eb_dtypes[dt].bytes;
    if (sz && blocks > SIZE_MAX / sz)
        return SIZE_MAX;
    return (size_t)blocks * sz;
}

float eb_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint16_t eb_f32_to_bf16(float f)
{
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) /* NaN: keep the sign, make it quiet */
        return (uint16_t)((bits >> 16) | 0x40);
    bits += 0x7fffu + ((bits >> 16) & 1); /* round to nearest even on the low 16 bits */
    return (uint16_t)(bits >> 16);
}

uint16_t eb_f64_to_bf16(double d)
{
    /* to f32 rounding to odd (8+ extra bits), then to bf16 to nearest even:
     * the same as one rounding of d, which f64 -> f32 -> bf16 by nearest
     * even twice is not */
    float f = (float)d;
    if (isfinite(f) && (double)f != d) {
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        if (!(bits & 1))
            f = nextafterf(f, d > (double)f ? INFINITY : -INFINITY);
    }
    return eb_f32_to_bf16(f);
}

float eb_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp == 0) {
        /* zero or subnormal: value = man * 2^-24 */
        float f = (float)man * 5.9604644775390625e-8f;
        return sign ? -f : f;
    } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint16_t eb_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t absx = x & 0x7fffffff;
    if (absx >= 0x7f800000) /* inf or nan */
        return (uint16_t)(sign | 0x7c00 | (absx > 0x7f800000 ? 0x200 : 0));
    if (absx >= 0x477ff000) /* rounds to >= 65520: overflow to inf */
        return (uint16_t)(sign | 0x7c00);
    if (absx < 0x38800000) { /* below the smallest normal half: subnormal */
        float a;
        memcpy(&a, &absx, sizeof a);
        /* a * 2^24 rounded to nearest even gives the subnormal mantissa */
        return (uint16_t)(sign | (uint32_t)nearbyintf(a * 16777216.0f));
    }
    uint32_t mant = absx & 0x7fffff, exp = (absx >> 23) - 112;
    uint32_t h = (exp << 10) | (mant >> 13);
    uint32_t rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
        h++;
    return (uint16_t)(sign | h);
}

uint16_t eb_f64_to_f16(double d)
{
    uint16_t sign = signbit(d) ? 0x8000 : 0;
    double a = fabs(d);
    if (isnan(d))
        return (uint16_t)(sign | 0x7e00);
    if (a >= 65520.0) /* rounds up past the largest half, 65504 */
        return (uint16_t)(sign | 0x7c00);
    if (a < 0x1p-14) /* subnormal: units of 2^-24; 1024 of them is the smallest normal */
        return (uint16_t)(sign | (uint16_t)nearbyint(a * 0x1p24));
    int e;
    frexp(a, &e); /* a in [2^(e-1), 2^e) */
    int ex = e - 1;
    /* 10 mantissa bits plus the implicit one: 1024..2048, where 2048 carries
     * into the exponent field by the addition below */
    int m = (int)nearbyint(ldexp(a, 10 - ex));
    return (uint16_t)(sign | (((ex + 15) << 10) + m - 1024));
}

int64_t eb_wrap_i64(uint64_t u)
{
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(UINT64_MAX - u) - 1;
}

double eb_dtype_get_f64(eb_dtype dt, const void *data, int64_t i)
{
    switch (dt) {
    case EB_DT_F32: return ((const float *)data)[i];
    case EB_DT_F16: return eb_f16_to_f32(((const uint16_t *)data)[i]);
    case EB_DT_BF16: return eb_bf16_to_f32(((const uint16_t *)data)[i]);
    case EB_DT_F64: return ((const double *)data)[i];
    case EB_DT_U64: return (double)((const uint64_t *)data)[i]; /* not through int64 */
    default: return (double)eb_dtype_get_i64(dt, data, i);
    }
}

int64_t eb_dtype_get_i64(eb_dtype dt, const void *data, int64_t i)
{
    switch (dt) {
    case EB_DT_I8: return ((const int8_t *)data)[i];
    case EB_DT_U8: return ((const uint8_t *)data)[i];
    case EB_DT_I16: return ((const int16_t *)data)[i];
    case EB_DT_U16: return ((const uint16_t *)data)[i];
    case EB_DT_I32: return ((const int32_t *)data)[i];
    case EB_DT_U32: return ((const uint32_t *)data)[i];
    case EB_DT_I64: return ((const int64_t *)data)[i];
    case EB_DT_U64: return (int64_t)((const uint64_t *)data)[i];
    case EB_DT_BOOL: return ((const uint8_t *)data)[i] != 0;
    case EB_DT_I4: {
        uint8_t b = ((const uint8_t *)data)[i / 2];
        int v = (i & 1) ? (b >> 4) : (b & 0xf);
        return v >= 8 ? v - 16 : v;
    }
    case EB_DT_F32:
    case EB_DT_F16:
    case EB_DT_BF16:
    case EB_DT_F64: {
        double v = eb_dtype_get_f64(dt, data, i);
        /* out-of-range float to int is UB in C; saturate instead */
        if (!(v == v)) return 0;
        if (v >= 9.2e18) return INT64_MAX;
        if (v <= -9.2e18) return INT64_MIN;
        return (int64_t)v;
    }
    default: return 0;
    }
}

uint64_t eb_dtype_get_u64(eb_dtype dt, const void *data, int64_t i)
{
    if (dt == EB_DT_U64)
        return ((const uint64_t *)data)[i];
    return (uint64_t)eb_dtype_get_i64(dt, data, i);
}

void eb_dtype_set_f64(eb_dtype dt, void *data, int64_t i, double v)
{
    switch (dt) {
    case EB_DT_F32: ((float *)data)[i] = (float)v; return;
    case EB_DT_F16: ((uint16_t *)data)[i] = eb_f64_to_f16(v); return;
    case EB_DT_BF16: ((uint16_t *)data)[i] = eb_f64_to_bf16(v); return;
    case EB_DT_F64: ((double *)data)[i] = v; return;
    case EB_DT_BOOL: ((uint8_t *)data)[i] = v != 0; return;
    case EB_DT_U64:
        if (v >= 0) { /* not through int64, which would cap it at INT64_MAX */
            ((uint64_t *)data)[i] = v >= 0x1p64 ? UINT64_MAX : (uint64_t)v;
            return;
        }
        break;
    default: break;
    }
    int64_t iv = !(v == v) ? 0 : v >= 9.2e18 ? INT64_MAX : v <= -9.2e18 ? INT64_MIN : (int64_t)v;
    eb_dtype_set_i64(dt, data, i, iv);
}

void eb_dtype_set_i64(eb_dtype dt, void *data, int64_t i, int64_t v)
{
    switch (dt) {
    case EB_DT_F32: ((float *)data)[i] = (float)v; return;
    case EB_DT_F16: ((uint16_t *)data)[i] = eb_f32_to_f16((float)v); return;
    case EB_DT_BF16: ((uint16_t *)data)[i] = eb_f64_to_bf16((double)v); return;
    case EB_DT_F64: ((double *)data)[i] = (double)v; return;
    case EB_DT_I8: ((int8_t *)data)[i] = (int8_t)v; return;
    case EB_DT_U8: ((uint8_t *)data)[i] = (uint8_t)v; return;
    case EB_DT_I16: ((int16_t *)data)[i] = (int16_t)v; return;
    case EB_DT_U16: ((uint16_t *)data)[i] = (uint16_t)v; return;
    case EB_DT_I32: ((int32_t *)data)[i] = (int32_t)v; return;
    case EB_DT_U32: ((uint32_t *)data)[i] = (uint32_t)v; return;
    case EB_DT_I64: ((int64_t *)data)[i] = v; return;
    case EB_DT_U64: ((uint64_t *)data)[i] = (uint64_t)v; return;
    case EB_DT_BOOL: ((uint8_t *)data)[i] = v != 0; return;
    case EB_DT_I4: {
        uint8_t *b = (uint8_t *)data + i / 2;
        uint8_t nib = (uint8_t)(v & 0xf);
        *b = (i & 1) ? (uint8_t)((*b & 0x0f) | (nib << 4)) : (uint8_t)((*b & 0xf0) | nib);
        return;
    }
    default: return;
    }
}

void eb_dtype_set_u64(eb_dtype dt, void *data, int64_t i, uint64_t v)
{
    switch (dt) {
    case EB_DT_F32: ((float *)data)[i] = (float)v; return;
    case EB_DT_F64: ((double *)data)[i] = (double)v; return;
    /* a value that f32 rounds is beyond 2^24, so beyond f16's range either way */
    case EB_DT_F16: ((uint16_t *)data)[i] = eb_f32_to_f16((float)v); return;
    case EB_DT_BF16: ((uint16_t *)data)[i] = eb_f64_to_bf16((double)v); return;
    case EB_DT_BOOL: ((uint8_t *)data)[i] = v != 0; return;
    default: eb_dtype_set_i64(dt, data, i, eb_wrap_i64(v)); return;
    }
}

/* ---- block conversions --------------------------------------------------- */

/* Plain types: one element per block, through the exact element getters. */
#define PLAIN_TO_F32(T, DT)                                                                                            \
    static void T##_to_f32(const void *src, float *dst, int64_t n)                                                     \
    {                                                                                                                  \
        for (int64_t i = 0; i < n; i++)                                                                                \
            dst[i] = (float)eb_dtype_get_f64(DT, src, i);                                                              \
    }
PLAIN_TO_F32(f64, EB_DT_F64)
PLAIN_TO_F32(i8, EB_DT_I8)
PLAIN_TO_F32(u8, EB_DT_U8)
PLAIN_TO_F32(i16, EB_DT_I16)
PLAIN_TO_F32(u16, EB_DT_U16)
PLAIN_TO_F32(i32, EB_DT_I32)
PLAIN_TO_F32(u32, EB_DT_U32)
PLAIN_TO_F32(i64, EB_DT_I64)
PLAIN_TO_F32(u64, EB_DT_U64)
PLAIN_TO_F32(bool, EB_DT_BOOL)
PLAIN_TO_F32(i4, EB_DT_I4)
#undef PLAIN_TO_F32

static void f32_to_f32(const void *src, float *dst, int64_t n)
{
    memcpy(dst, src, (size_t)n * sizeof *dst);
}

static void f32_from_f32(const float *src, void *dst, int64_t n)
{
    memcpy(dst, src, (size_t)n * sizeof *src);
}

static void bf16_to_f32(const void *src, float *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = eb_bf16_to_f32(((const uint16_t *)src)[i]);
}

static void bf16_from_f32(const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        ((uint16_t *)dst)[i] = eb_f32_to_bf16(src[i]);
}

static void f16_to_f32(const void *src, float *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        dst[i] = eb_f16_to_f32(((const uint16_t *)src)[i]);
}

static void f16_from_f32(const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        ((uint16_t *)dst)[i] = eb_f32_to_f16(src[i]);
}

static void f64_from_f32(const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        ((double *)dst)[i] = src[i];
}

static void bool_from_f32(const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        ((uint8_t *)dst)[i] = src[i] != 0;
}

/* Integers: round to nearest (ties to even), saturate to [lo, hi], NaN 0.
 * The bounds are doubles; 2^63 and 2^64 stand for just past the top. */
static void int_from_f32(eb_dtype dt, double lo, double hi, const float *src, void *dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        double v = nearbyint((double)src[i]);
        if (!(v == v))
            eb_dtype_set_i64(dt, dst, i, 0);
        else if (v <= lo)
            eb_dtype_set_i64(dt, dst, i, (int64_t)lo);
        else if (dt == EB_DT_U64)
            eb_dtype_set_u64(dt, dst, i, v >= hi ? UINT64_MAX : (uint64_t)v);
        else
            eb_dtype_set_i64(dt, dst, i, v >= hi ? (dt == EB_DT_I64 ? INT64_MAX : (int64_t)hi) : (int64_t)v);
    }
}

#define INT_FROM_F32(T, DT, LO, HI)                                                                                    \
    static void T##_from_f32(const float *src, void *dst, int64_t n)                                                   \
    {                                                                                                                  \
        int_from_f32(DT, LO, HI, src, dst, n);                                                                         \
    }
INT_FROM_F32(i8, EB_DT_I8, -128.0, 127.0)
INT_FROM_F32(u8, EB_DT_U8, 0.0, 255.0)
INT_FROM_F32(i16, EB_DT_I16, -32768.0, 32767.0)
INT_FROM_F32(u16, EB_DT_U16, 0.0, 65535.0)
INT_FROM_F32(i32, EB_DT_I32, -2147483648.0, 2147483647.0)
INT_FROM_F32(u32, EB_DT_U32, 0.0, 4294967295.0)
INT_FROM_F32(i64, EB_DT_I64, -0x1p63, 0x1p63)
INT_FROM_F32(u64, EB_DT_U64, 0.0, 0x1p64)
INT_FROM_F32(i4, EB_DT_I4, -8.0, 7.0)
#undef INT_FROM_F32

/* The scale of a block whose largest magnitude is amax and largest level
 * qmax, as stored (f16, capped at the largest finite half). */
static uint16_t block_scale(float amax, int qmax)
{
    float d = amax / (float)qmax;
    return eb_f32_to_f16(d < 65504.0f ? d : 65504.0f);
}

/* x / d rounded to nearest, within [-qmax, qmax]; 0 when d is 0.  Rounding
 * with the stored (f16) scale keeps the error within half of it. */
static int block_level(float x, float d, int qmax)
{
    if (d == 0)
        return 0;
    float q = nearbyintf(x / d);
    return q > (float)qmax ? qmax : q < (float)-qmax ? -qmax : (int)q;
}

static float block_amax(const float *x)
{
    float amax = 0;
    for (int j = 0; j < EB_QK; j++)
        amax = fmaxf(amax, fabsf(x[j]));
    return amax;
}

static void q8_0_to_f32(const void *src, float *dst, int64_t n)
{
    const eb_block_q8_0 *b = src;
    for (int64_t k = 0; k < n / EB_QK; k++) {
        float d = eb_f16_to_f32(b[k].d);
        for (int j = 0; j < EB_QK; j++)
            dst[k * EB_QK + j] = d * (float)b[k].qs[j];
    }
}

static void q8_0_from_f32(const float *src, void *dst, int64_t n)
{
    eb_block_q8_0 *b = dst;
    for (int64_t k = 0; k < n / EB_QK; k++) {
        const float *x = src + k * EB_QK;
        b[k].d = block_scale(block_amax(x), 127);
        float d = eb_f16_to_f32(b[k].d);
        for (int j = 0; j < EB_QK; j++)
            b[k].qs[j] = (int8_t)block_level(x[j], d, 127);
    }
}

static void q4_0_to_f32(const void *src, float *dst, int64_t n)
{
    const eb_block_q4_0 *b = src;
    for (int64_t k = 0; k < n / EB_QK; k++) {
        float d = eb_f16_to_f32(b[k].d);
        for (int j = 0; j < EB_QK / 2; j++) {
            dst[k * EB_QK + 2 * j] = d * (float)((b[k].qs[j] & 0xf) - 8);
            dst[k * EB_QK + 2 * j + 1] = d * (float)((b[k].qs[j] >> 4) - 8);
        }
    }
}

static void q4_0_from_f32(const float *src, void *dst, int64_t n)
{
    eb_block_q4_0 *b = dst;
    for (int64_t k = 0; k < n / EB_QK; k++) {
        const float *x = src + k * EB_QK;
        b[k].d = block_scale(block_amax(x), 7);
        float d = eb_f16_to_f32(b[k].d);
        for (int j = 0; j < EB_QK / 2; j++) {
            int lo = block_level(x[2 * j], d, 7) + 8, hi = block_level(x[2 * j + 1], d, 7) + 8;
            b[k].qs[j] = (uint8_t)(lo | hi << 4);
        }
    }
}
