/* dtype.c - the dtype trait table, scalar element access and the f16 converters. */
#include "dtype.h"

#include <math.h>
#include <string.h>

const eb_dtype_traits eb_dtypes[EB_DT_COUNT] = {
    [EB_DT_UNDEFINED] = {"undefined", 0, 0, false, false},
    [EB_DT_F32] = {"f32", 1, 4, true, true},
    [EB_DT_F16] = {"f16", 10, 2, true, true},
    [EB_DT_F64] = {"f64", 11, 8, true, true},
    [EB_DT_I8] = {"i8", 3, 1, false, true},
    [EB_DT_U8] = {"u8", 2, 1, false, false},
    [EB_DT_I16] = {"i16", 5, 2, false, true},
    [EB_DT_U16] = {"u16", 4, 2, false, false},
    [EB_DT_I32] = {"i32", 6, 4, false, true},
    [EB_DT_U32] = {"u32", 12, 4, false, false},
    [EB_DT_I64] = {"i64", 7, 8, false, true},
    [EB_DT_U64] = {"u64", 13, 8, false, false},
    [EB_DT_BOOL] = {"bool", 9, 1, false, false},
    [EB_DT_I4] = {"i4", 22, 0, false, true},
};
_Static_assert(EB_DT_COUNT == 14, "update eb_dtypes when adding a dtype");

const char *eb_dtype_name(eb_dtype dt)
{
    return (unsigned)dt < EB_DT_COUNT ? eb_dtypes[dt].name : "invalid";
}

eb_dtype eb_dtype_from_onnx(int code)
{
    for (int i = 1; i < EB_DT_COUNT; i++)
        if (eb_dtypes[i].onnx == code)
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
    if (dt == EB_DT_I4)
        return (size_t)(n / 2 + n % 2);
    size_t sz = eb_dtypes[dt].size;
    if (sz && (uint64_t)n > SIZE_MAX / sz)
        return SIZE_MAX;
    return (size_t)n * sz;
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
    case EB_DT_BOOL: ((uint8_t *)data)[i] = v != 0; return;
    default: eb_dtype_set_i64(dt, data, i, eb_wrap_i64(v)); return;
    }
}
