/* test_dtype.c - the dtype trait table (models/dtype.c): a row for every
 * dtype, block sizes and names, buffer sizes, and the round trip
 * to_f32(from_f32_ref(x)) within each dtype's step on random data.
 *
 * The expected steps come from the formats themselves (half a unit for
 * integers, half an ulp for f16, half the block's stored scale for q8_0 and
 * q4_0), not from the code under test.  Every dtype must have a row in
 * `cases` below, so that a new dtype cannot go untested. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/dtype.h"
#include "tests/test_util.h"

typedef enum { EXACT, HALF_UNIT, F16_ULP, BF16_ULP, HALF_BLOCK_SCALE } tolerance;

/* What each dtype must hold: its name and block, and the random data its
 * round trip runs on (uniform in [lo, hi), rounded to integers when
 * `integral`) with the error allowed. */
typedef struct dtype_case {
    eb_dtype dt;
    const char *name;
    int block;
    size_t bytes;
    double lo, hi;
    bool integral;
    tolerance tol;
} dtype_case;

static const dtype_case cases[] = {
    {EB_DT_F32, "f32", 1, 4, -1e6, 1e6, false, EXACT},
    {EB_DT_F16, "f16", 1, 2, -6e4, 6e4, false, F16_ULP},
    {EB_DT_F64, "f64", 1, 8, -1e6, 1e6, false, EXACT},
    {EB_DT_I8, "i8", 1, 1, -128.4, 127.4, false, HALF_UNIT},
    {EB_DT_U8, "u8", 1, 1, -0.4, 255.4, false, HALF_UNIT},
    {EB_DT_I16, "i16", 1, 2, -32768.4, 32767.4, false, HALF_UNIT},
    {EB_DT_U16, "u16", 1, 2, -0.4, 65535.4, false, HALF_UNIT},
    {EB_DT_I32, "i32", 1, 4, -1e6, 1e6, false, HALF_UNIT},
    {EB_DT_U32, "u32", 1, 4, 0, 1e6, false, HALF_UNIT},
    {EB_DT_I64, "i64", 1, 8, -1e6, 1e6, false, HALF_UNIT},
    {EB_DT_U64, "u64", 1, 8, 0, 1e6, false, HALF_UNIT},
    {EB_DT_BOOL, "bool", 1, 1, 0, 2, true, EXACT},
    {EB_DT_I4, "i4", 2, 1, -8.4, 7.4, false, HALF_UNIT},
    {EB_DT_Q8_0, "q8_0", 32, 34, -3, 3, false, HALF_BLOCK_SCALE},
    {EB_DT_Q4_0, "q4_0", 32, 18, -3, 3, false, HALF_BLOCK_SCALE},
    {EB_DT_BF16, "bf16", 1, 2, -1e30, 1e30, false, BF16_ULP},
};

static const dtype_case *case_of(eb_dtype dt)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (cases[i].dt == dt)
            return &cases[i];
    return NULL;
}

static void traits__every_dtype__has_a_full_row_and_a_test_case(void **state)
{
    (void)state;
    for (int dt = 1; dt < EB_DT_COUNT; dt++) {
        const eb_dtype_traits *t = &eb_dtypes[dt];
        const dtype_case *c = case_of((eb_dtype)dt);
        if (!c)
            fail_msg("dtype %d (%s) has no case in tests/test_dtype.c", dt, t->name ? t->name : "?");
        assert_non_null(t->name);
        assert_string_equal(t->name, c->name);
        assert_string_equal(eb_dtype_name((eb_dtype)dt), c->name);
        assert_int_equal(t->block, c->block);
        assert_int_equal(t->bytes, c->bytes);
        assert_non_null(t->to_f32);
        assert_non_null(t->from_f32_ref);
        /* size is bytes per element for one-element blocks, 0 otherwise */
        assert_int_equal(t->size, t->block == 1 ? t->bytes : 0);
        assert_int_equal(t->is_quant, dt == EB_DT_Q8_0 || dt == EB_DT_Q4_0);
    }
    assert_int_equal(sizeof cases / sizeof cases[0], EB_DT_COUNT - 1);
    assert_string_equal(eb_dtype_name(EB_DT_UNDEFINED), "undefined");
    assert_string_equal(eb_dtype_name(EB_DT_COUNT), "invalid");
}

static void nbytes__counts_whole_blocks(void **state)
{
    (void)state;
    assert_int_equal(eb_dtype_nbytes(EB_DT_F32, 10), 40);
    assert_int_equal(eb_dtype_nbytes(EB_DT_I4, 5), 3);
    assert_int_equal(eb_dtype_nbytes(EB_DT_I4, 4), 2);
    assert_int_equal(eb_dtype_nbytes(EB_DT_Q8_0, 64), 68);
    assert_int_equal(eb_dtype_nbytes(EB_DT_Q8_0, 33), 68);
    assert_int_equal(eb_dtype_nbytes(EB_DT_Q4_0, 32), 18);
    assert_int_equal(eb_dtype_nbytes(EB_DT_Q4_0, 0), 0);
    assert_int_equal(eb_dtype_nbytes(EB_DT_F64, INT64_MAX), SIZE_MAX);
    assert_int_equal(eb_dtype_nbytes(EB_DT_F32, -1), SIZE_MAX);
}

static void onnx_codes__map_back_and_block_types_have_none(void **state)
{
    (void)state;
    assert_int_equal(eb_dtype_from_onnx(1), EB_DT_F32);
    assert_int_equal(eb_dtype_from_onnx(22), EB_DT_I4);
    assert_int_equal(eb_dtype_from_onnx(0), EB_DT_UNDEFINED);
    assert_int_equal(eb_dtype_from_onnx(-1), EB_DT_UNDEFINED);
    assert_int_equal(eb_dtypes[EB_DT_Q8_0].onnx, -1);
}

#define N 256 /* elements per round trip: a multiple of every block */

/* The allowed error for element i of x after the round trip through `dt`
 * whose encoded buffer is enc. */
static double allowed(const dtype_case *c, const float *x, const void *enc, int i)
{
    switch (c->tol) {
    case EXACT: return 0;
    case HALF_UNIT: return 0.5;
    case F16_ULP: {
        int e;
        frexp(x[i], &e); /* |x| in [2^(e-1), 2^e): ulp of a half is 2^(e-11) */
        return ldexp(1.0, e - 12);
    }
    case BF16_ULP: {
        int e;
        frexp(x[i], &e); /* |x| in [2^(e-1), 2^e): ulp of a bfloat16 is 2^(e-8) */
        return ldexp(1.0, e - 9);
    }
    case HALF_BLOCK_SCALE: {
        uint16_t d = c->dt == EB_DT_Q8_0 ? ((const eb_block_q8_0 *)enc)[i / EB_QK].d : ((const eb_block_q4_0 *)enc)[i / EB_QK].d;
        return 0.5 * eb_f16_to_f32(d) * (1 + 1e-6);
    }
    }
    return 0;
}

static void round_trip__every_dtype__is_within_its_step(void **state)
{
    (void)state;
    uint64_t rng = eb_test_seed();
    float x[N], back[N];
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const dtype_case *c = &cases[ci];
        const eb_dtype_traits *t = &eb_dtypes[c->dt];
        for (int i = 0; i < N; i++) {
            x[i] = eb_test_uniform(&rng, (float)c->lo, (float)c->hi);
            if (c->integral)
                x[i] = floorf(x[i]);
        }
        x[0] = 0; /* zero is exact everywhere */
        size_t nb = eb_dtype_nbytes(c->dt, N);
        unsigned char *enc = calloc(1, nb);
        assert_non_null(enc);
        t->from_f32_ref(x, enc, N);
        t->to_f32(enc, back, N);
        for (int i = 0; i < N; i++) {
            double err = fabs((double)back[i] - (double)x[i]), ok = allowed(c, x, enc, i);
            if (!(err <= ok))
                fail_msg("%s: element %d: %.9g came back as %.9g (error %g, allowed %g)", c->name, i, (double)x[i],
                         (double)back[i], err, ok);
        }
        assert_true(back[0] == 0);
        free(enc);
    }
}

static void from_f32_ref__saturates_and_maps_nan_to_zero(void **state)
{
    (void)state;
    float x[4] = {1000, -1000, NAN, 2.5f}; /* 2.5 ties to even: 2 */
    int8_t i8[4];
    uint8_t u8[4];
    eb_dtypes[EB_DT_I8].from_f32_ref(x, i8, 4);
    eb_dtypes[EB_DT_U8].from_f32_ref(x, u8, 4);
    assert_int_equal(i8[0], 127);
    assert_int_equal(i8[1], -128);
    assert_int_equal(i8[2], 0);
    assert_int_equal(i8[3], 2);
    assert_int_equal(u8[0], 255);
    assert_int_equal(u8[1], 0);
    assert_int_equal(u8[2], 0);
    uint8_t i4[2];
    eb_dtypes[EB_DT_I4].from_f32_ref(x, i4, 4);
    assert_int_equal(i4[0], 0x87); /* 7 low, -8 high */
    assert_int_equal(i4[1], 0x20); /* 0 low, 2 high */
}

static void q8_0__a_hand_worked_block__has_the_expected_levels(void **state)
{
    (void)state;
    float x[EB_QK] = {0};
    x[0] = 1.27f;
    x[1] = -0.7f;
    x[2] = 0.004f;
    eb_block_q8_0 b;
    eb_dtypes[EB_DT_Q8_0].from_f32_ref(x, &b, EB_QK);
    float d = eb_f16_to_f32(b.d);
    assert_true(fabsf(d - 0.01f) <= 0.01f * 0x1p-11f);
    assert_int_equal(b.qs[0], 127);
    assert_int_equal(b.qs[1], -70);
    assert_int_equal(b.qs[2], 0);
    assert_int_equal(b.qs[3], 0);
    eb_block_q4_0 b4;
    eb_dtypes[EB_DT_Q4_0].from_f32_ref(x, &b4, EB_QK);
    /* scale 1.27 / 7; element 0 at level 7 (nibble 15), element 1 at -3.86 -> -4 (nibble 4) */
    assert_int_equal(b4.qs[0], 0x4f);
    assert_int_equal(b4.qs[1], 0x88);
}

/* bfloat16 (opsC, issue 13): ties to even, one rounding from f64 (not two
 * through f32), NaN stays NaN, and the element access round trip. */
static void bf16__rounds_once_to_nearest_even(void **state)
{
    (void)state;
    assert_int_equal(eb_f32_to_bf16(1.0f), 0x3f80);
    assert_int_equal(eb_f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);         /* tie: to the even 1.0 */
    assert_int_equal(eb_f32_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);     /* tie: to the even 1 + 2^-6 */
    assert_int_equal(eb_f64_to_bf16(1.0 + 0x1p-8 + 0x1p-40), 0x3f81); /* just above the tie; via f32 it would be 1.0 */
    assert_int_equal(eb_f64_to_bf16(-2.0), 0xc000);
    assert_true(isnan(eb_bf16_to_f32(eb_f32_to_bf16(NAN))));
    assert_true(isinf(eb_bf16_to_f32(eb_f64_to_bf16(1e300))));
    uint16_t buf[1];
    eb_dtype_set_f64(EB_DT_BF16, buf, 0, 0.478515625);
    assert_int_equal(buf[0], 0x3ef5);
    assert_true(eb_dtype_get_f64(EB_DT_BF16, buf, 0) == 0.478515625);
    assert_int_equal(eb_dtype_from_onnx(16), EB_DT_BF16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bf16__rounds_once_to_nearest_even),
        cmocka_unit_test(traits__every_dtype__has_a_full_row_and_a_test_case),
        cmocka_unit_test(nbytes__counts_whole_blocks),
        cmocka_unit_test(onnx_codes__map_back_and_block_types_have_none),
        cmocka_unit_test(round_trip__every_dtype__is_within_its_step),
        cmocka_unit_test(from_f32_ref__saturates_and_maps_nan_to_zero),
        cmocka_unit_test(q8_0__a_hand_worked_block__has_the_expected_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
