/* test_generate.c - the generate scenario's pure parts: the --prompt /
 * --gen sweep parser (bench/generate.c) and the decoder convention read by
 * name (bench/kv_cache.c) on hand-built graph interfaces: a KV decoder, the
 * same with other prefixes, a full-sequence decoder, and the shapes that
 * are not decoders (an image input, a past without its present, a missing
 * layer).  Expected values are written out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/generate.h"
#include "bench/kv_cache.h"

/* ---- --prompt / --gen --------------------------------------------------- */

static void test_counts(void **state)
{
    (void)state;
    int64_t v[EB_GEN_MAX_SWEEP];
    int n = 0;
    assert_true(eb_gen_parse_counts("--prompt", "64", 1, 4096, v, &n));
    assert_int_equal(n, 1);
    assert_int_equal(v[0], 64);
    assert_true(eb_gen_parse_counts("--prompt", "{64,512}", 1, 4096, v, &n));
    assert_int_equal(n, 2);
    assert_int_equal(v[0], 64);
    assert_int_equal(v[1], 512);
    assert_false(eb_gen_parse_counts("--gen", "0", 1, 4096, v, &n));
    assert_false(eb_gen_parse_counts("--gen", "4097", 1, 4096, v, &n));
    assert_false(eb_gen_parse_counts("--gen", "8x", 1, 4096, v, &n));
    assert_false(eb_gen_parse_counts("--gen", "{}", 1, 4096, v, &n));
    assert_false(eb_gen_parse_counts("--gen", "1,2", 1, 4096, v, &n)); /* a sweep needs braces */
    assert_false(eb_gen_parse_counts("--gen", "{1,,2}", 1, 4096, v, &n));
    assert_false(eb_gen_parse_counts("--gen", "", 1, 4096, v, &n));
}

/* ---- the decoder convention ------------------------------------------- */

typedef struct fake {
    eb_graph g;
    eb_value values[16];
    int inputs[16], outputs[16];
} fake;

static void add(fake *f, bool input, const char *name, eb_dtype dt, int rank, const int64_t *shape)
{
    eb_value *v = &f->values[f->g.n_values];
    memset(v, 0, sizeof *v);
    v->name = (char *)name;
    v->t.dtype = dt;
    v->t.rank = rank;
    for (int d = 0; d < rank; d++)
        v->t.shape[d] = shape[d];
    if (input)
        f->inputs[f->g.n_inputs++] = f->g.n_values;
    else
        f->outputs[f->g.n_outputs++] = f->g.n_values;
    f->g.n_values++;
}

static void begin(fake *f)
{
    memset(f, 0, sizeof *f);
    f->g.path = (char *)"fake.onnx";
    f->g.values = f->values;
    f->g.inputs = f->inputs;
    f->g.outputs = f->outputs;
}

static const int64_t IDS[] = {1, -1}, PAST[] = {1, 4, -1, 24}, LOGITS[] = {1, -1, 256}, IMG[] = {1, 784};

/* two layers with the cache, prefixes as given */
static void kv_model(fake *f, const char *past, const char *present)
{
    static char names[8][64];
    begin(f);
    add(f, true, "input_ids", EB_DT_I64, 2, IDS);
    for (int s = 0; s < 4; s++) {
        snprintf(names[s], sizeof names[s], "%s.%d.%s", past, s / 2, s % 2 ? "value" : "key");
        add(f, true, names[s], EB_DT_F32, 4, PAST);
    }
    add(f, false, "logits", EB_DT_F32, 3, LOGITS);
    for (int s = 0; s < 4; s++) {
        snprintf(names[4 + s], sizeof names[4 + s], "%s.%d.%s", present, s / 2, s % 2 ? "value" : "key");
        add(f, false, names[4 + s], EB_DT_F32, 4, PAST);
    }
}

static void test_kv_detected(void **state)
{
    (void)state;
    fake f;
    eb_kv_layout kv;
    eb_err err = {{0}};
    kv_model(&f, "past_key_values", "present");
    assert_int_equal(eb_kv_detect(&f.g, "past_key_values", "present", &kv, &err), EB_OK);
    assert_int_equal(kv.ids_input, 0);
    assert_int_equal(kv.logits_output, 0);
    assert_int_equal(kv.n_cache, 4);
    assert_int_equal(kv.past_input[0], 1);  /* 0.key */
    assert_int_equal(kv.past_input[3], 4);  /* 1.value */
    assert_int_equal(kv.present_output[2], 3); /* 1.key */
    assert_int_equal(eb_kv_check_logits(&f.g, &kv, &err), EB_OK);
    assert_int_equal(kv.vocab, 256);
    /* 4 tensors x 4 heads x 24 x 10 positions x 4 bytes */
    assert_int_equal(eb_kv_bytes(&kv, 10), 4 * 4 * 24 * 10 * 4);

    /* other names, given by flags */
    kv_model(&f, "cache_in", "cache_out");
    assert_int_equal(eb_kv_detect(&f.g, "cache_in", "cache_out", &kv, &err), EB_OK);
    assert_int_equal(kv.n_cache, 4);
    /* ... and not found with the defaults: the input is named */
    assert_int_not_equal(eb_kv_detect(&f.g, "past_key_values", "present", &kv, &err), EB_OK);
    assert_non_null(strstr(err.msg, "cache_in.0.key"));
}

static void test_full_sequence(void **state)
{
    (void)state;
    fake f;
    eb_kv_layout kv;
    eb_err err = {{0}};
    begin(&f);
    add(&f, true, "input_ids", EB_DT_I64, 2, IDS);
    add(&f, false, "logits", EB_DT_F32, 3, LOGITS);
    assert_int_equal(eb_kv_detect(&f.g, "past_key_values", "present", &kv, &err), EB_OK);
    assert_int_equal(kv.n_cache, 0);
    assert_int_equal(eb_kv_bytes(&kv, 100), 0);
}

static void test_not_decoders(void **state)
{
    (void)state;
    fake f;
    eb_kv_layout kv;
    eb_err err = {{0}};
    /* an image classifier */
    begin(&f);
    add(&f, true, "input", EB_DT_F32, 2, IMG);
    add(&f, false, "logits", EB_DT_F32, 2, (const int64_t[]){1, 10});
    assert_int_equal(eb_kv_detect(&f.g, "past_key_values", "present", &kv, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "not a decoder"));
    /* ids, but 2-D logits */
    begin(&f);
    add(&f, true, "input_ids", EB_DT_I64, 2, IDS);
    add(&f, false, "logits", EB_DT_F32, 2, (const int64_t[]){1, 10});
    assert_int_equal(eb_kv_detect(&f.g, "past_key_values", "present", &kv, &err), EB_OK);
    assert_int_equal(eb_kv_check_logits(&f.g, &kv, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "not a decoder"));
    /* a past without its present */
    begin(&f);
    add(&f, true, "input_ids", EB_DT_I64, 2, IDS);
    add(&f, true, "past_key_values.0.key", EB_DT_F32, 4, PAST);
    add(&f, true, "past_key_values.0.value", EB_DT_F32, 4, PAST);
    add(&f, false, "logits", EB_DT_F32, 3, LOGITS);
    add(&f, false, "present.0.key", EB_DT_F32, 4, PAST);
    assert_int_equal(eb_kv_detect(&f.g, "past_key_values", "present", &kv, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "present.0.value"));
    /* layer 0 missing, layer 1 there */
    begin(&f);
    add(&f, true, "input_ids", EB_DT_I64, 2, IDS);
    add(&f, true, "past_key_values.1.key", EB_DT_F32, 4, PAST);
    add(&f, true, "past_key_values.1.value", EB_DT_F32, 4, PAST);
    add(&f, false, "logits", EB_DT_F32, 3, LOGITS);
    add(&f, false, "present.1.key", EB_DT_F32, 4, PAST);
    add(&f, false, "present.1.value", EB_DT_F32, 4, PAST);
    assert_int_equal(eb_kv_detect(&f.g, "past_key_values", "present", &kv, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "past_key_values.0.key is missing"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts),
        cmocka_unit_test(test_kv_detected),
        cmocka_unit_test(test_full_sequence),
        cmocka_unit_test(test_not_decoders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
