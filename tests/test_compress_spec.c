/* test_compress_spec.c - the parsed compression settings
 * (models/compress_spec.c): their names and text, that the variant parser
 * (bench/variant.c) fills them for every prune and quant form, and that the
 * ref runner decides on them rather than on the variant's strings.
 *
 * Expected values are the grammar's (DESIGN.md "Variant grammar"): each
 * spec below is written with the fields it must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/variant.h"
#include "models/compress_spec.h"
#include "runners/runner.h"
#include "tests/test_util.h"

static void names__follow_the_grammar(void **state)
{
    (void)state;
    assert_string_equal(eb_prune_kind_name(EB_PRUNE_NONE), "none");
    assert_string_equal(eb_prune_kind_name(EB_PRUNE_FRACTION), "fraction");
    assert_string_equal(eb_prune_kind_name(EB_PRUNE_NM), "nm");
    assert_string_equal(eb_prune_kind_name(EB_PRUNE_CHANNEL), "channel");
    assert_string_equal(eb_prune_kind_name(EB_PRUNE_KIND_COUNT), "invalid");
    assert_string_equal(eb_quant_kind_name(EB_QUANT_NONE), "none");
    assert_string_equal(eb_quant_kind_name(EB_QUANT_FP16), "fp16");
    assert_string_equal(eb_quant_kind_name(EB_QUANT_INT8), "int8");
    assert_string_equal(eb_quant_kind_name(EB_QUANT_INT8_STATIC), "int8-static");
    assert_string_equal(eb_quant_kind_name(EB_QUANT_INT4), "int4");
    assert_string_equal(eb_quant_kind_name(EB_QUANT_KIND_COUNT), "invalid");
    eb_compress_spec none = {0};
    char buf[64];
    assert_true(eb_compress_spec_is_none(&none));
    eb_compress_spec_describe(&none, buf, sizeof buf);
    assert_string_equal(buf, "none");
}

typedef struct parse_case {
    const char *spec;
    eb_prune_kind prune;
    double fraction;
    int n, m;
    eb_quant_kind quant;
    int group;
    const char *described;
} parse_case;

static const parse_case cases[] = {
    {"cpu", EB_PRUNE_NONE, 0, 0, 0, EB_QUANT_NONE, 32, "none"},
    {"cpu:prune=none,quant=none", EB_PRUNE_NONE, 0, 0, 0, EB_QUANT_NONE, 32, "none"},
    {"cpu:prune=0.50", EB_PRUNE_FRACTION, 0.5, 0, 0, EB_QUANT_NONE, 32, "prune=0.5"},
    {"cpu:prune=.3", EB_PRUNE_FRACTION, 0.3, 0, 0, EB_QUANT_NONE, 32, "prune=0.3"},
    {"cpu:prune=2:4", EB_PRUNE_NM, 0, 2, 4, EB_QUANT_NONE, 32, "prune=2:4"},
    {"cpu:prune=01:08", EB_PRUNE_NM, 0, 1, 8, EB_QUANT_NONE, 32, "prune=1:8"},
    {"cpu:prune=channel:0.25", EB_PRUNE_CHANNEL, 0.25, 0, 0, EB_QUANT_NONE, 32, "prune=channel:0.25"},
    {"cpu:quant=fp16", EB_PRUNE_NONE, 0, 0, 0, EB_QUANT_FP16, 32, "quant=fp16"},
    {"cpu:quant=int8", EB_PRUNE_NONE, 0, 0, 0, EB_QUANT_INT8, 32, "quant=int8"},
    {"cpu:quant=int8-static", EB_PRUNE_NONE, 0, 0, 0, EB_QUANT_INT8_STATIC, 32, "quant=int8-static"},
    {"cpu:quant=int4", EB_PRUNE_NONE, 0, 0, 0, EB_QUANT_INT4, 32, "quant=int4,group=32"},
    {"cpu:quant=int4,group=64,prune=2:4", EB_PRUNE_NM, 0, 2, 4, EB_QUANT_INT4, 64, "prune=2:4,quant=int4,group=64"},
};

static void parse__fills_the_spec_for_every_form(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const parse_case *c = &cases[i];
        eb_variant_list l = {0};
        eb_err err = {{0}};
        if (eb_variant_parse(c->spec, &l, &err) != EB_OK)
            fail_msg("%s: %s", c->spec, err.msg);
        assert_int_equal(l.n, 1);
        const eb_compress_spec *s = &l.items[0].compress;
        if (s->prune != c->prune || s->fraction != c->fraction || s->n != c->n || s->m != c->m || s->quant != c->quant ||
            s->group != c->group)
            fail_msg("%s: got prune %s %.17g %d:%d quant %s group %d", c->spec, eb_prune_kind_name(s->prune), s->fraction,
                     s->n, s->m, eb_quant_kind_name(s->quant), s->group);
        char buf[96];
        eb_compress_spec_describe(s, buf, sizeof buf);
        assert_string_equal(buf, c->described);
        assert_int_equal(eb_compress_spec_is_none(s), c->prune == EB_PRUNE_NONE && c->quant == EB_QUANT_NONE);
        eb_variant_list_free(&l);
    }
}

static void parse__a_sweep_over_quant__keeps_the_group_in_int4_only(void **state)
{
    (void)state;
    eb_variant_list l = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_variant_parse("cpu:quant={int8,int4},group=128", &l, &err), EB_OK);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].compress.quant, EB_QUANT_INT8);
    assert_int_equal(l.items[0].compress.group, 32);
    assert_int_equal(l.items[1].compress.quant, EB_QUANT_INT4);
    assert_int_equal(l.items[1].compress.group, 128);
    eb_variant_list_free(&l);
}

/* A one-node graph (Relu) for supports(). */
static eb_graph *relu_graph(void)
{
    eb_graph *g = calloc(1, sizeof *g);
    g->path = strdup("relu.onnx");
    g->n_values = 2;
    g->values = calloc(2, sizeof *g->values);
    g->values[0].name = strdup("x");
    g->values[1].name = strdup("y");
    g->n_nodes = 1;
    g->nodes = calloc(1, sizeof *g->nodes);
    g->nodes[0].op = EB_OP_RELU;
    g->nodes[0].op_type = strdup("Relu");
    g->nodes[0].name = strdup("r");
    return g;
}

static void ref_supports__every_compressed_variant(void **state)
{
    (void)state;
    const eb_runner *ref = eb_runner_find("ref");
    assert_non_null(ref);
    eb_graph *g = relu_graph();
    char why[256] = "";
    eb_variant v = eb_variant_default("ref");
    assert_true(ref->supports(g, &v, why, sizeof why));
    /* the oracle runs every compressed format */
    v.compress.quant = EB_QUANT_INT4;
    v.compress.group = 64;
    assert_true(ref->supports(g, &v, why, sizeof why));
    eb_variant_list l = {0};
    eb_err err = {{0}};
    assert_int_equal(eb_variant_parse("ref:prune=2:4,quant={fp16,int8-static},quant-skip=first|fc,calib=entropy", &l, &err), EB_OK);
    assert_int_equal(l.n, 2);
    for (int i = 0; i < l.n; i++)
        assert_true(ref->supports(g, &l.items[i], why, sizeof why));
    assert_string_equal(l.items[1].spec, "ref:prune=2:4,quant=int8-static,quant-skip=first|fc,calib=entropy");
    assert_string_equal(l.items[1].compress.quant_skip, "first|fc");
    assert_int_equal(l.items[1].compress.calib, EB_CALIB_ENTROPY);
    eb_variant_list_free(&l);
    /* a refining key needs what it refines */
    assert_int_equal(eb_variant_parse("ref:quant=int8,calib=entropy", &l, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "calib at column"));
    assert_int_equal(eb_variant_parse("ref:prune-scope=global", &l, &err), EB_EINVAL);
    eb_variant_list_free(&l);
    eb_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names__follow_the_grammar),
        cmocka_unit_test(parse__fills_the_spec_for_every_form),
        cmocka_unit_test(parse__a_sweep_over_quant__keeps_the_group_in_int4_only),
        cmocka_unit_test(ref_supports__every_compressed_variant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
