/* test_shape_infer.c - constant folding goes through the evaluator the
 * caller passes to eb_graph_infer_shapes, and only through it.
 *
 * models/ holds no kernels: the evaluator that folds Shape -> Gather ->
 * Concat -> Reshape chains at load time is a parameter (bench and the tests
 * pass eb_ref_eval).  These tests load the zoo's ViT, whose exported
 * attention reshapes need such chains, with an evaluator that counts its
 * calls, with one that fails, and with none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "models/graph.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"

#define VIT_NAME "fmnist-vit"
#define VIT "zoo:" VIT_NAME

static int eval_calls;

static eb_status counting_eval(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    eval_calls++;
    return eb_ref_eval(n, in, out, err);
}

static eb_status failing_eval(const eb_node *n, const eb_tensor *const *in, eb_tensor *const *out, eb_err *err)
{
    return eb_errf(err, EB_EUNSUPPORTED, "%s: the test's evaluator refuses", n->op_type);
}

/* Loads the ViT (skips when this build's zoo lacks it) and infers shapes
 * with `fold`; returns the status, the graph in *g. */
static eb_status load_vit(eb_node_eval_fn fold, eb_graph **g, eb_err *err)
{
    if (!eb_zoo_find(VIT_NAME))
        skip();
    *g = NULL;
    eb_status st = eb_model_load(VIT, g, NULL, err);
    assert_int_equal(st, EB_OK);
    return eb_graph_infer_shapes(*g, NULL, fold, err);
}

static void fold__given_evaluator__is_the_one_called(void **state)
{
    (void)state;
    eb_graph *g;
    eb_err err = {{0}};
    eval_calls = 0;
    eb_status st = load_vit(counting_eval, &g, &err);
    assert_int_equal(st, EB_OK);
    int folded = 0;
    for (int i = 0; i < g->n_nodes; i++)
        folded += g->nodes[i].folded;
    /* every folded node went through the evaluator */
    assert_true(folded > 0);
    assert_true(eval_calls >= folded);
    eb_graph_free(g);
}

static void fold__evaluator_fails__load_fails_naming_the_node(void **state)
{
    (void)state;
    eb_graph *g;
    eb_err err = {{0}};
    eb_status st = load_vit(failing_eval, &g, &err);
    assert_int_equal(st, EB_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "the test's evaluator refuses"));
    assert_non_null(strstr(err.msg, "node "));
    eb_graph_free(g);
}

static void fold__no_evaluator__folds_nothing_and_says_why(void **state)
{
    (void)state;
    eb_graph *g;
    eb_err err = {{0}};
    eb_status st = load_vit(NULL, &g, &err);
    print_message("%s\n", err.msg);
    assert_int_equal(st, EB_EUNSUPPORTED);
    assert_non_null(strstr(err.msg, "node "));
    assert_non_null(strstr(err.msg, "no evaluator was given"));
    for (int i = 0; i < g->n_nodes; i++)
        assert_false(g->nodes[i].folded);
    eb_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fold__given_evaluator__is_the_one_called),
        cmocka_unit_test(fold__evaluator_fails__load_fails_naming_the_node),
        cmocka_unit_test(fold__no_evaluator__folds_nothing_and_says_why),
    };
    return cmocka_run_group_tests_name("shape_infer", tests, NULL, NULL);
}
