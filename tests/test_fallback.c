/* test_fallback.c - the shared per-node reference fallback
 * (runners/fallback.h): counts per op and their description, argument
 * lists sized for the widest node, a run that zeroes the outputs first and
 * gives what the reference kernel gives, and a node without a reference
 * kernel refused at prepare.  The graph is made by hand: two Relu nodes,
 * one Neg, one op the suite does not know. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "models/graph.h"
#include "reference_kernels/ref.h"
#include "runners/fallback.h"
#include "tests/test_util.h"

enum { N = 7 };

typedef struct fixture {
    eb_graph g;
    eb_node nodes[4];
    eb_value values[5];
    int ins[4][3], outs[4][1];
} fixture;

static void make(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->g.path = "hand-made";
    f->g.nodes = f->nodes;
    f->g.values = f->values;
    f->g.n_nodes = 4;
    f->g.n_values = 5;
    const eb_op ops[4] = {EB_OP_RELU, EB_OP_NEG, EB_OP_RELU, EB_OP_UNKNOWN};
    static char *types[4] = {"Relu", "Neg", "Relu", "Frobnicate"};
    static char *names[4] = {"r0", "n1", "r2", "u3"};
    for (int i = 0; i < 4; i++) {
        eb_node *n = &f->nodes[i];
        n->op = ops[i];
        n->op_type = types[i];
        n->name = names[i];
        n->opset = 13;
        /* the unknown node is the widest: 3 inputs */
        n->n_in = i == 3 ? 3 : 1;
        n->n_out = 1;
        n->in = f->ins[i];
        n->out = f->outs[i];
        for (int k = 0; k < n->n_in; k++)
            f->ins[i][k] = i;
        f->outs[i][0] = i + 1;
    }
    for (int v = 0; v < 5; v++) {
        f->values[v].t.dtype = EB_DT_F32;
        f->values[v].t.rank = 1;
        f->values[v].t.shape[0] = N;
        f->values[v].shape_known = true;
    }
}

static void describe__counts_per_op_in_op_order(void **state)
{
    (void)state;
    fixture f;
    make(&f);
    eb_fallback fb;
    eb_err err;
    assert_int_equal(eb_fallback_init(&fb, &f.g, &err), EB_OK);
    assert_int_equal(fb.max_io, 3);
    assert_string_equal(eb_fallback_describe(&fb), "");
    for (int i = 0; i < 3; i++)
        assert_int_equal(eb_fallback_prepare(&fb, &f.g, i, &err), EB_OK);
    assert_int_equal(fb.nodes, 3);
    assert_int_equal(fb.count[EB_OP_RELU], 2);
    /* op order (ops.def), not node order */
    const char *want = EB_OP_RELU < EB_OP_NEG ? "Relu x2, Neg x1" : "Neg x1, Relu x2";
    assert_string_equal(eb_fallback_describe(&fb), want);
    eb_fallback_release(&fb);
}

static void prepare__op_without_reference_kernel__fails(void **state)
{
    (void)state;
    fixture f;
    make(&f);
    eb_fallback fb;
    eb_err err;
    assert_int_equal(eb_fallback_init(&fb, &f.g, &err), EB_OK);
    assert_int_equal(eb_fallback_prepare(&fb, &f.g, 3, &err), EB_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "Frobnicate"));
    assert_int_equal(fb.nodes, 0);
    eb_fallback_release(&fb);
}

static void run__zeroes_outputs_and_matches_reference(void **state)
{
    (void)state;
    fixture f;
    make(&f);
    eb_fallback fb;
    eb_err err;
    assert_int_equal(eb_fallback_init(&fb, &f.g, &err), EB_OK);
    assert_int_equal(eb_fallback_prepare(&fb, &f.g, 1, &err), EB_OK);
    uint64_t rs = eb_test_seed();
    float x[N], y[N], want[N];
    for (int i = 0; i < N; i++)
        x[i] = eb_test_uniform(&rs, -2.0f, 2.0f);
    eb_tensor xt = f.values[1].t, yt = f.values[2].t, wt = f.values[2].t;
    xt.data = x;
    yt.data = y;
    wt.data = want;
    /* garbage in the output: the reference kernels are owed zeroed outputs */
    memset(y, 0xff, sizeof y);
    memset(want, 0, sizeof want);
    const eb_tensor *in[1] = {&xt};
    eb_tensor *out[1] = {&wt};
    assert_int_equal(eb_ref_eval(&f.nodes[1], in, out, &err), EB_OK);
    fb.in[0] = &xt;
    fb.out[0] = &yt;
    assert_int_equal(eb_fallback_run(&fb, &f.nodes[1], &err), EB_OK);
    assert_memory_equal(y, want, sizeof y);
    eb_fallback_release(&fb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(describe__counts_per_op_in_op_order),
        cmocka_unit_test(prepare__op_without_reference_kernel__fails),
        cmocka_unit_test(run__zeroes_outputs_and_matches_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
