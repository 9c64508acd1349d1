/* dtype.h - element types and their trait table.
 *
 * One row per dtype (name, ONNX code, bytes per element, conversion to and
 * from f32), in the manner of ggml's type_traits.  Packed int4 stores two
 * elements per byte; its storage size comes from eb_dtype_nbytes(). */
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

/* Element i of a buffer of dtype dt, converted to double / int64. */
double eb_dtype_get_f64(eb_dtype dt, const void *data, int64_t i);
int64_t eb_dtype_get_i64(eb_dtype dt, const void *data, int64_t i);
/* Stores v (rounded toward zero for integers, as C casts do) at element i. */
void eb_dtype_set_f64(eb_dtype dt, void *data, int64_t i, double v);
void eb_dtype_set_i64(eb_dtype dt, void *data, int64_t i, int64_t v);

float eb_f16_to_f32(uint16_t h);
uint16_t eb_f32_to_f16(float f); /* round to nearest even */

#endif
