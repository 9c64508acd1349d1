/* dtype.h - element types, their trait table and scalar element access.
 *
 * One row per dtype, in the manner of ggml's type_traits: name, ONNX code,
 * bytes per element, float/signed, and the block view every dtype has: a
 * block of `block` elements takes `bytes` bytes (1 and the element size for
 * plain types; 2 elements in 1 byte for packed int4; 32 elements with an
 * f16 scale for the q8_0 and q4_0 block-quantized types), converted to f32
 * by `to_f32` and from f32 by the reference quantizer `from_f32_ref`.
 * Plus reading and writing one element of any non-block dtype as double,
 * int64 or uint64, and the f16 converters.  A buffer's size comes from
 * eb_dtype_nbytes(). */
#ifndef EB_DTYPE_H
#define EB_DTYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum eb_dtype {
    EB_DT_UNDEFINED = 0,
    EB_DT_F32,
    EB_DT_F16,
    EB_DT_F64,
    EB_DT_I8,
    EB_DT_U8,
    EB_DT_I16,
    EB_DT_U16,
    EB_DT_I32,
    EB_DT_U32,
    EB_DT_I64,
    EB_DT_U64,
    EB_DT_BOOL, /* one byte, 0 or 1 */
    EB_DT_I4,   /* packed, two per byte, low nibble first */
    EB_DT_Q8_0, /* blocks of 32: f16 scale d, 32 int8 q; x = d * q */
    EB_DT_Q4_0, /* blocks of 32: f16 scale d, 16 bytes of 4-bit q + 8, element 2j
                 * in the low nibble of byte j; x = d * (nibble - 8) */
    EB_DT_BF16, /* bfloat16: the high 16 bits of an f32 (8-bit exponent, 7-bit mantissa) */
    EB_DT_COUNT
} eb_dtype;

/* The packed layouts, their sizes checked by _Static_assert in dtype.c. */
#define EB_QK 32 /* elements per q8_0 / q4_0 block */
typedef struct eb_block_i4 {
    uint8_t qs; /* element 0 in the low nibble, element 1 in the high one */
} eb_block_i4;
typedef struct eb_block_q8_0 {
    uint16_t d; /* scale, f16 bits */
    int8_t qs[EB_QK];
} eb_block_q8_0;
typedef struct eb_block_q4_0 {
    uint16_t d; /* scale, f16 bits */
    uint8_t qs[EB_QK / 2];
} eb_block_q4_0;

/* n elements (a multiple of the dtype's block) from src to dst. */
typedef void (*eb_to_f32_fn)(const void *src, float *dst, int64_t n);
typedef void (*eb_from_f32_fn)(const float *src, void *dst, int64_t n);

typedef struct eb_dtype_traits {
    const char *name;
    int onnx;          /* TensorProto.DataType code; -1 for types ONNX lacks */
    size_t size;       /* bytes per element; 0 for packed and block types */
    bool is_float;
    bool is_signed;
    int block;         /* elements per block: 1, 2 for i4, EB_QK for q8_0 / q4_0 */
    size_t bytes;      /* bytes per block */
    bool is_quant;     /* a block type that carries its own scale */
    /* Block -> f32, exact for every type but the block-quantized ones
     * (scale * q) and f64 (rounded to nearest).  NULL for undefined. */
    eb_to_f32_fn to_f32;
    /* The reference quantizer, f32 -> blocks: floats round to nearest even;
     * integers round to nearest (ties to even) and saturate, NaN gives 0;
     * bool is x != 0; q8_0 / q4_0 take scale max|x| / 127 (/ 7), rounded
     * to f16, and round x / scale to nearest.  NULL for undefined. */
    eb_from_f32_fn from_f32_ref;
} eb_dtype_traits;

extern const eb_dtype_traits eb_dtypes[EB_DT_COUNT];

const char *eb_dtype_name(eb_dtype dt);
/* Returns EB_DT_UNDEFINED for ONNX types the suite does not hold (string,
 * complex, float8, ...). */
eb_dtype eb_dtype_from_onnx(int onnx_code);
/* Name of an ONNX type code, including ones we do not support. */
const char *eb_onnx_type_name(int onnx_code);
/* Bytes needed for n elements (whole blocks); SIZE_MAX if that overflows. */
size_t eb_dtype_nbytes(eb_dtype dt, int64_t n);

/* Element i of a buffer of dtype dt, converted to double / int64 / uint64
 * (block-quantized types read as 0 and are not written: use the traits).
 * u64 values above INT64_MAX come back exactly from the f64 and u64
 * getters; the i64 getter wraps them (two's complement), and the u64 getter
 * gives every other dtype as the i64 getter's value modulo 2^64. */
double eb_dtype_get_f64(eb_dtype dt, const void *data, int64_t i);
int64_t eb_dtype_get_i64(eb_dtype dt, const void *data, int64_t i);
uint64_t eb_dtype_get_u64(eb_dtype dt, const void *data, int64_t i);
/* Stores v at element i.  From f64: float types round once to nearest even,
 * bool is v != 0, integers round toward zero as C casts do: NaN gives 0,
 * values beyond int64 saturate (non-negative ones into u64 only beyond
 * uint64), then narrower types keep the low bits.  From i64/u64: integers
 * keep the low bits, bool is v != 0, float types get the nearest value. */
void eb_dtype_set_f64(eb_dtype dt, void *data, int64_t i, double v);
void eb_dtype_set_i64(eb_dtype dt, void *data, int64_t i, int64_t v);
void eb_dtype_set_u64(eb_dtype dt, void *data, int64_t i, uint64_t v);

/* uint64 -> int64 modulo 2^64, without C's implementation-defined
 * conversion. */
int64_t eb_wrap_i64(uint64_t u);

/* bfloat16: to f32 exactly; from f32 and f64 rounding to nearest even in
 * one rounding (NaN stays a quiet NaN). */
float eb_bf16_to_f32(uint16_t h);
uint16_t eb_f32_to_bf16(float f);
uint16_t eb_f64_to_bf16(double d);

float eb_f16_to_f32(uint16_t h);
uint16_t eb_f32_to_f16(float f);  /* round to nearest even */
uint16_t eb_f64_to_f16(double d); /* round to nearest even, in one rounding */

#endif
