/* test_seq_ops.c - the shape rules and reference kernels of Trilu, CumSum,
 * LSTM, GRU and RNN on inputs they must refuse (wrong ranks and shapes,
 * out-of-range axes and sequence lengths, unknown activations): each fails
 * with EB_EINVAL or EB_EUNSUPPORTED and a message naming the node, never a
 * crash.  What they compute is checked by the ONNX vectors
 * (tests/conformance) and tests/data/rnn (tests/cli/test_rnn_cases.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/ops.h"
#include "reference_kernels/ref.h"
#include "tests/test_util.h"

static eb_tensor f32(float *data, int rank, const int64_t *shape)
{
    eb_tensor t = {.dtype = EB_DT_F32, .rank = rank, .data = data};
    for (int d = 0; d < rank; d++)
        t.shape[d] = shape[d];
    return t;
}

static eb_node node(eb_op op, const char *op_type, int n_in, int n_out, eb_attr *attrs, int n_attrs)
{
    static int ins[8] = {0, 1, 2, 3, 4, 5, 6, 7}, outs[3] = {8, 9, 10};
    return (eb_node){.op = op, .op_type = (char *)op_type, .name = "bad_node", .opset = 14, .n_in = n_in,
                     .n_out = n_out, .in = ins, .out = outs, .n_attrs = n_attrs, .attrs = attrs};
}

/* The shape rule of n refuses in with `want`, naming the node. */
static void refused(const eb_node *n, const eb_tensor *const *in, eb_status want, const char *says)
{
    eb_tensor o[3] = {{0}};
    eb_tensor *out[3] = {&o[0], &o[1], &o[2]};
    eb_err err = {{0}};
    eb_status st = eb_ops[n->op].shape(n, in, out, &err);
    if (st != want)
        fail_msg("%s: status %d, expected %d (%s)", n->op_type, (int)st, (int)want, err.msg);
    if (!strstr(err.msg, "bad_node") || !strstr(err.msg, says))
        fail_msg("%s: message '%s' should name the node and say '%s'", n->op_type, err.msg, says);
}

static float buf[4096];

static void lstm_wrong_shapes(void **state)
{
    (void)state;
    const int64_t xs[3] = {5, 2, 3}, ws[3] = {1, 16, 3}, rs[3] = {1, 16, 4}, bad_r[3] = {1, 12, 4};
    eb_tensor x = f32(buf, 3, xs), w = f32(buf, 3, ws), r = f32(buf, 3, rs), rb = f32(buf, 3, bad_r);
    eb_node n = node(EB_OP_LSTM, "LSTM", 3, 2, NULL, 0);
    const eb_tensor *in[3] = {&x, &w, &rb};
    refused(&n, in, EB_EINVAL, "R has shape");
    /* X of rank 2 */
    eb_tensor x2 = f32(buf, 2, xs);
    const eb_tensor *in2[3] = {&x2, &w, &r};
    refused(&n, in2, EB_EINVAL, "expected 3");
    /* bidirectional needs two directions in W */
    eb_attr dir = {.name = "direction", .type = EB_ATTR_STRING, .s = "bidirectional"};
    eb_node nb = node(EB_OP_LSTM, "LSTM", 3, 2, &dir, 1);
    const eb_tensor *in3[3] = {&x, &w, &r};
    refused(&nb, in3, EB_EINVAL, "W has shape");
}

static void gru_sequence_lens_out_of_range(void **state)
{
    (void)state;
    const int64_t xs[3] = {5, 2, 3}, ws[3] = {1, 12, 3}, rs[3] = {1, 12, 4}, ls[1] = {2};
    eb_tensor x = f32(buf, 3, xs), w = f32(buf, 3, ws), r = f32(buf, 3, rs);
    int32_t lens[2] = {3, 6}; /* 6 > seq 5 */
    eb_tensor l = {.dtype = EB_DT_I32, .rank = 1, .shape = {ls[0]}, .data = lens};
    eb_node n = node(EB_OP_GRU, "GRU", 5, 2, NULL, 0);
    const eb_tensor *in[5] = {&x, &w, &r, NULL, &l};
    refused(&n, in, EB_EINVAL, "sequence_lens[1] = 6");
    /* the kernel checks the run-time value too */
    const int64_t ys[4] = {5, 1, 2, 4}, hs[3] = {1, 2, 4};
    static float y[40], yh[8];
    eb_tensor ty = f32(y, 4, ys), th = f32(yh, 3, hs);
    eb_tensor *out[2] = {&ty, &th};
    eb_err err = {{0}};
    assert_int_equal(eb_ref_rnn(&n, in, out, &err), EB_EINVAL);
    assert_non_null(strstr(err.msg, "bad_node"));
}

static void rnn_unknown_activation(void **state)
{
    (void)state;
    const int64_t xs[3] = {5, 2, 3}, ws[3] = {1, 4, 3}, rs[3] = {1, 4, 4};
    eb_tensor x = f32(buf, 3, xs), w = f32(buf, 3, ws), r = f32(buf, 3, rs);
    char *names[1] = {"Swish"};
    eb_attr a = {.name = "activations", .type = EB_ATTR_STRINGS, .strings = names, .n = 1};
    eb_node n = node(EB_OP_RNN, "RNN", 3, 2, &a, 1);
    const eb_tensor *in[3] = {&x, &w, &r};
    refused(&n, in, EB_EUNSUPPORTED, "activation 'Swish' not supported");
}

static void cumsum_axis_out_of_range(void **state)
{
    (void)state;
    const int64_t xs[2] = {3, 4};
    eb_tensor x = f32(buf, 2, xs);
    int64_t axis = 2;
    eb_tensor a = {.dtype = EB_DT_I64, .rank = 0, .data = &axis};
    eb_node n = node(EB_OP_CUMSUM, "CumSum", 2, 1, NULL, 0);
    const eb_tensor *in[2] = {&x, &a};
    refused(&n, in, EB_EINVAL, "axis 2 out of range");
    static float y[12];
    eb_tensor ty = f32(y, 2, xs);
    eb_tensor *out[1] = {&ty};
    eb_err err = {{0}};
    assert_int_equal(eb_ref_cumsum(&n, in, out, &err), EB_EINVAL);
}

static void trilu_rank_one(void **state)
{
    (void)state;
    const int64_t xs[1] = {4};
    eb_tensor x = f32(buf, 1, xs);
    eb_node n = node(EB_OP_TRILU, "Trilu", 1, 1, NULL, 0);
    const eb_tensor *in[1] = {&x};
    refused(&n, in, EB_EINVAL, "rank 1, expected >= 2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lstm_wrong_shapes),
        cmocka_unit_test(gru_sequence_lens_out_of_range),
        cmocka_unit_test(rnn_unknown_activation),
        cmocka_unit_test(cumsum_axis_out_of_range),
        cmocka_unit_test(trilu_rank_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
