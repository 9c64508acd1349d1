/* dtype.h - element types, their trait table and scalar element access.
 *
 * One row per dtype (name, ONNX code, bytes per element, float/signed), in
 * the manner of ggml's type_traits, plus reading and writing one element of
 * any dtype as double, int64 or uint64, and the f16 converters.  Packed
 * int4 stores two elements per byte; its storage size comes from
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
    EB_DT_COUNT
} eb_dtype;

typedef struct eb_dtype_traits {
    const char *name;
    int onnx;          /* TensorProto.DataType code */
    size_t size;       /* bytes per element; 0 for packed sub-byte types */
    bool is_float;
    bool is_signed;
} eb_dtype_traits;

extern const eb_dtype_traits eb_dtypes[EB_DT_COUNT];

const char *eb_dtype_name(eb_dtype dt);
/* Returns EB_DT_UNDEFINED for ONNX types the suite does not hold (string,
 * complex, bfloat16, ...). */
eb_dtype eb_dtype_from_onnx(int onnx_code);
/* Name of an ONNX type code, including ones we do not support. */
const char *eb_onnx_type_name(int onnx_code);
/* Bytes needed for n elements; SIZE_MAX if that overflows. */
size_t eb_dtype_nbytes(eb_dtype dt, int64_t n);

/* Element i of a buffer of dtype dt, converted to double / int64 / uint64.
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

float eb_f16_to_f32(uint16_t h);
uint16_t eb_f32_to_f16(float f);  /* round to nearest even */
uint16_t eb_f64_to_f16(double d); /* round to nearest even, in one rounding */

#endif
