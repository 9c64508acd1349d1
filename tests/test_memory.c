/* test_memory.c - the memory figures of a result mean what they say.
 *
 * Models are built here (protobuf-c) and written to a temp folder; each
 * variant runs in its own process, forked by the launcher (bench/isolate.c)
 * as `edgebench run` does.  Checks:
 *  - a model with W bytes of weights: the variant's process grows by at
 *    least W from its start, and the cpu runner (which packs a copy in
 *    prepare) grows by at least W over prepare + timed runs;
 *  - two plans of one model at two batch sizes: their measured peak growths
 *    differ by the difference of their planned activation bytes, within 5%;
 *  - a large allocation in the parent after the launcher started never
 *    shows in a variant's figures;
 *  - a launcher that dies costs the variant in flight (failed, saying so),
 *    and later variants still run;
 *  - a depthwise convolution with bias reports the bytes its packing
 *    allocates: kh*kw*c weights and c biases.
 * Figures come from /proc/self/status: without it the process tests skip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/harness.h"
#include "models/graph.h"
#include "models/onnx_tensor.h"
#include "reference_kernels/ref.h"
#include "runners/runner.h"
#include "tests/test_util.h"

/* ---- building models ------------------------------------------------------- */

enum { MAX_NODES = 4, MAX_INITS = 4 };

/* A chain of nodes over one float input; each initializer is filled with a
 * non-zero pattern, so that its pages are really written. */
typedef struct model {
    Onnx__NodeProto nodes[MAX_NODES];
    Onnx__NodeProto *node_ptrs[MAX_NODES];
    char *node_io[MAX_NODES][4];
    Onnx__AttributeProto attrs[MAX_NODES];
    Onnx__AttributeProto *attr_ptrs[MAX_NODES][1];
    int n_nodes;
    Onnx__TensorProto inits[MAX_INITS];
    Onnx__TensorProto *init_ptrs[MAX_INITS];
    int64_t init_dims[MAX_INITS][4];
    int n_inits;
    Onnx__TensorShapeProto__Dimension dims[4], *dim_ptrs[4];
    Onnx__TensorShapeProto shape;
    Onnx__TypeProto__Tensor ttype;
    Onnx__TypeProto type;
    Onnx__ValueInfoProto in, out, *in_ptr, *out_ptr;
} model;

static void model_begin(model *m, const char *out_name)
{
    memset(m, 0, sizeof *m);
    m->out = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    m->out.name = (char *)out_name;
    m->out_ptr = &m->out;
}

/* The input "x"; a dim of -1 is the symbolic batch "N". */
static void model_input(model *m, int rank, const int64_t *dims)
{
    for (int d = 0; d < rank; d++) {
        m->dims[d] = (Onnx__TensorShapeProto__Dimension)ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT;
        if (dims[d] < 0) {
            m->dims[d].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
            m->dims[d].dim_param = "N";
        } else {
            m->dims[d].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
            m->dims[d].dim_value = dims[d];
        }
        m->dim_ptrs[d] = &m->dims[d];
    }
    m->shape = (Onnx__TensorShapeProto)ONNX__TENSOR_SHAPE_PROTO__INIT;
    m->shape.n_dim = (size_t)rank;
    m->shape.dim = m->dim_ptrs;
    m->ttype = (Onnx__TypeProto__Tensor)ONNX__TYPE_PROTO__TENSOR__INIT;
    m->ttype.has_elem_type = 1;
    m->ttype.elem_type = 1;
    m->ttype.shape = &m->shape;
    m->type = (Onnx__TypeProto)ONNX__TYPE_PROTO__INIT;
    m->type.value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    m->type.tensor_type = &m->ttype;
    m->in = (Onnx__ValueInfoProto)ONNX__VALUE_INFO_PROTO__INIT;
    m->in.name = "x";
    m->in.type = &m->type;
    m->in_ptr = &m->in;
}

static void model_init(model *m, const char *name, int rank, const int64_t *dims)
{
    assert_true(m->n_inits < MAX_INITS);
    int i = m->n_inits++;
    size_t count = 1;
    for (int d = 0; d < rank; d++)
        count *= (size_t)(m->init_dims[i][d] = dims[d]);
    float *v = malloc(count * sizeof *v);
    assert_non_null(v);
    for (size_t k = 0; k < count; k++)
        v[k] = 0.001f * (float)(k % 97 + 1);
    Onnx__TensorProto *t = &m->inits[i];
    *t = (Onnx__TensorProto)ONNX__TENSOR_PROTO__INIT;
    t->name = (char *)name;
    t->has_data_type = 1;
    t->data_type = 1;
    t->n_dims = (size_t)rank;
    t->dims = m->init_dims[i];
    t->has_raw_data = 1;
    t->raw_data.len = count * sizeof *v;
    t->raw_data.data = (uint8_t *)v;
    m->init_ptrs[i] = t;
}

/* op(a, b[, c]) -> y; group > 0 adds that attribute. */
static void model_node(model *m, const char *op, const char *a, const char *b, const char *c, const char *y,
                       int64_t group)
{
    assert_true(m->n_nodes < MAX_NODES);
    int i = m->n_nodes++;
    Onnx__NodeProto *n = &m->nodes[i];
    *n = (Onnx__NodeProto)ONNX__NODE_PROTO__INIT;
    n->op_type = (char *)op;
    n->name = (char *)y;
    m->node_io[i][0] = (char *)a;
    m->node_io[i][1] = (char *)b;
    m->node_io[i][2] = (char *)c;
    m->node_io[i][3] = (char *)y;
    n->n_input = c ? 3 : 2;
    n->input = m->node_io[i];
    n->n_output = 1;
    n->output = &m->node_io[i][3];
    if (group > 0) {
        m->attrs[i] = (Onnx__AttributeProto)ONNX__ATTRIBUTE_PROTO__INIT;
        m->attrs[i].name = "group";
        m->attrs[i].has_type = 1;
        m->attrs[i].type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
        m->attrs[i].has_i = 1;
        m->attrs[i].i = group;
        m->attr_ptrs[i][0] = &m->attrs[i];
        n->n_attribute = 1;
        n->attribute = m->attr_ptrs[i];
    }
    m->node_ptrs[i] = n;
}

/* The packed model (malloc'd, *len bytes); frees the initializers. */
static uint8_t *model_pack(model *m, size_t *len)
{
    Onnx__GraphProto graph = ONNX__GRAPH_PROTO__INIT;
    graph.name = "test_memory";
    graph.n_node = (size_t)m->n_nodes;
    graph.node = m->node_ptrs;
    graph.n_initializer = (size_t)m->n_inits;
    graph.initializer = m->init_ptrs;
    graph.n_input = 1;
    graph.input = &m->in_ptr;
    graph.n_output = 1;
    graph.output = &m->out_ptr;
    Onnx__OperatorSetIdProto opset = ONNX__OPERATOR_SET_ID_PROTO__INIT, *opsets[1] = {&opset};
    opset.domain = "";
    opset.has_version = 1;
    opset.version = 13;
    Onnx__ModelProto mp = ONNX__MODEL_PROTO__INIT;
    mp.has_ir_version = 1;
    mp.ir_version = 8;
    mp.producer_name = "test_memory";
    mp.n_opset_import = 1;
    mp.opset_import = opsets;
    mp.graph = &graph;
    *len = onnx__model_proto__get_packed_size(&mp);
    uint8_t *buf = malloc(*len);
    assert_non_null(buf);
    onnx__model_proto__pack(&mp, buf);
    for (int i = 0; i < m->n_inits; i++)
        free(m->inits[i].raw_data.data);
    return buf;
}

static void model_write(model *m, const char *path)
{
    size_t len;
    uint8_t *buf = model_pack(m, &len);
    assert_true(eb_test_write_file(path, buf, len));
    free(buf);
}

/* x [batch, k] -> Gemm(W1 [k, n1]) -> h -> Gemm(W2 [n1, n2]) -> y (n2 > 0),
 * or just x -> Gemm(W1) -> y. */
static void write_gemms(const char *path, int64_t batch, int64_t k, int64_t n1, int64_t n2)
{
    model m;
    model_begin(&m, "y");
    model_input(&m, 2, (int64_t[]){batch, k});
    model_init(&m, "w1", 2, (int64_t[]){k, n1});
    if (n2 > 0) {
        model_init(&m, "w2", 2, (int64_t[]){n1, n2});
        model_node(&m, "Gemm", "x", "w1", NULL, "h", 0);
        model_node(&m, "Gemm", "h", "w2", NULL, "y", 0);
    } else {
        model_node(&m, "Gemm", "x", "w1", NULL, "y", 0);
    }
    model_write(&m, path);
}

/* ---- running a variant as `edgebench run` does ------------------------------ */

static bool have_proc(void)
{
    return access("/proc/self/status", R_OK) == 0 && access("/proc/self/clear_refs", W_OK) == 0;
}

static eb_run_opts opts(int64_t batch)
{
    eb_run_opts o = {.runs = 3, .warmup = 1, .max_time_s = 60, .timeout_s = 120, .cv_threshold = 0.05,
                     .seed = 1, .isolate = true};
    o.shape.batch = batch;
    return o;
}

static void run_variant(const char *path, const char *spec, const eb_run_opts *o, eb_result *res)
{
    eb_variant v = eb_variant_default(spec);
    memset(res, 0, sizeof *res);
    snprintf(res->model, sizeof res->model, "%s", path);
    snprintf(res->model_name, sizeof res->model_name, "test");
    eb_isolate_run(path, &v, o, false, res);
    if (res->status != EB_RESULT_OK)
        fail_msg("%s on %s: %s: %s", spec, path, eb_result_status_name(res->status), res->error);
}

static int start_launcher(void **state)
{
    (void)state;
    eb_err err = {{0}};
    if (eb_isolate_start(&err) != EB_OK)
        fail_msg("%s", err.msg);
    return 0;
}

static int stop_launcher(void **state)
{
    (void)state;
    eb_isolate_stop();
    return 0;
}

/* ---- the checks ----------------------------------------------------------- */

#define MIB (1024.0 * 1024.0)

static void weights__of_w_bytes__grow_the_process_by_at_least_w(void **state)
{
    (void)state;
    if (!have_proc())
        skip();
    char path[512];
    snprintf(path, sizeof path, "%s/big.onnx", eb_test_tmpdir());
    const int64_t k = 64, n = 131072; /* 32 MiB of weights */
    const uint64_t w = (uint64_t)(k * n) * sizeof(float);
    write_gemms(path, 1, k, n, 0);
    eb_run_opts o = opts(1);
    const char *specs[] = {"ref", "cpu"};
    for (int i = 0; i < 2; i++) {
        eb_result r;
        run_variant(path, specs[i], &o, &r);
        print_message("%s: start %.1f MiB, before prepare %.1f MiB, peak %.1f MiB, growth %.1f MiB, weights %.1f MiB\n",
                      specs[i], r.rss_start_bytes / MIB, r.rss_before_prepare_bytes / MIB, r.peak_rss_bytes / MIB,
                      r.peak_growth_bytes / MIB, r.weight_bytes / MIB);
        assert_true(r.rss_start_bytes > 0 && r.peak_growth_known);
        assert_true(r.weight_bytes >= w);
        /* the model's weights are resident from loading on */
        assert_true(r.rss_before_prepare_bytes >= r.rss_start_bytes + w);
        assert_true(r.peak_rss_bytes >= r.rss_start_bytes + w);
        /* cpu packs its own copy in prepare: that is growth over prepare */
        if (strcmp(specs[i], "cpu") == 0)
            assert_true(r.peak_growth_bytes >= w);
        eb_result_free(&r);
    }
}

/* Under AddressSanitizer every allocation carries redzones, freed memory
 * sits in a quarantine and the shadow maps follow the heap: resident sizes
 * are ASan's, not the variant's, and exact figures cannot be checked. */
#if defined(__SANITIZE_ADDRESS__)
#define EB_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EB_UNDER_ASAN 1
#endif
#endif
#ifndef EB_UNDER_ASAN
#define EB_UNDER_ASAN 0
#endif

static void arenas__differing_by_d__grow_by_d_within_5_percent(void **state)
{
    (void)state;
    if (EB_UNDER_ASAN) {
        fprintf(stderr, "SKIP: under AddressSanitizer resident sizes are ASan's (redzones, quarantine, shadow)\n");
        skip();
    }
    if (!have_proc())
        skip();
    char path[512];
    snprintf(path, sizeof path, "%s/wide.onnx", eb_test_tmpdir());
    /* the hidden value h is batch x 16384 floats: 16 MiB more at batch 257
     * than at batch 1; input and output stay small */
    write_gemms(path, -1, 16, 16384, 1);
    const char *specs[] = {"ref", "cpu"};
    for (int i = 0; i < 2; i++) {
        eb_result small, big;
        eb_run_opts o1 = opts(1), o2 = opts(257);
        run_variant(path, specs[i], &o1, &small);
        run_variant(path, specs[i], &o2, &big);
        assert_true(small.peak_growth_known && big.peak_growth_known);
        double planned = (double)big.activation_bytes - (double)small.activation_bytes;
        double measured = (double)big.peak_growth_bytes - (double)small.peak_growth_bytes;
        print_message("%s: planned activations differ by %.2f MiB, measured growth by %.2f MiB\n", specs[i],
                      planned / MIB, measured / MIB);
        assert_true(planned >= 16 * MIB);
        assert_true(measured >= 0.95 * planned && measured <= 1.05 * planned);
        eb_result_free(&small);
        eb_result_free(&big);
    }
}

static void parent_allocation__after_the_launcher_started__is_not_in_a_variant(void **state)
{
    (void)state;
    if (EB_UNDER_ASAN) {
        fprintf(stderr, "SKIP: under AddressSanitizer resident sizes are ASan's (redzones, quarantine, shadow)\n");
        skip();
    }
    if (!have_proc())
        skip();
    char path[512];
    snprintf(path, sizeof path, "%s/small.onnx", eb_test_tmpdir());
    write_gemms(path, 1, 16, 16, 0);
    const size_t big = (size_t)300 << 20;
    char *hog = malloc(big);
    assert_non_null(hog);
    memset(hog, 1, big); /* resident in this process */
    eb_run_opts o = opts(1);
    const char *specs[] = {"ref", "cpu"};
    for (int i = 0; i < 2; i++) {
        eb_result r;
        run_variant(path, specs[i], &o, &r);
        print_message("%s with %.0f MiB held by the parent: start %.1f MiB, peak %.1f MiB\n", specs[i], big / MIB,
                      r.rss_start_bytes / MIB, r.peak_rss_bytes / MIB);
        assert_true(r.peak_rss_bytes > 0);
        assert_true(r.peak_rss_bytes < big / 4);
        assert_true(r.rss_start_bytes < big / 4);
        eb_result_free(&r);
    }
    /* keep the pages alive (and resident) until after the runs */
    assert_int_equal(hog[big - 1], 1);
    free(hog);
}

static void launcher__killed__fails_the_variant_in_flight_saying_so(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/small.onnx", eb_test_tmpdir());
    write_gemms(path, 1, 16, 16, 0);
    pid_t pid = eb_isolate_launcher_pid();
    assert_true(pid > 0);
    assert_int_equal(kill(pid, SIGKILL), 0);
    eb_variant v = eb_variant_default("ref");
    eb_run_opts o = opts(1);
    eb_result r;
    memset(&r, 0, sizeof r);
    eb_isolate_run(path, &v, &o, false, &r);
    assert_int_equal(r.status, EB_RESULT_FAILED);
    assert_non_null(strstr(r.error, "launcher"));
    assert_int_equal(eb_isolate_launcher_pid(), -1);
    eb_result_free(&r);
    /* later variants still run (forked from here) */
    run_variant(path, "ref", &o, &r);
    eb_result_free(&r);
}

/* x [1, c, 9, 9] -> depthwise Conv (c groups, 3x3 kernel [, bias]) -> y */
static eb_graph *depthwise(int64_t c, bool bias)
{
    model m;
    model_begin(&m, "y");
    model_input(&m, 4, (int64_t[]){1, c, 9, 9});
    model_init(&m, "w", 4, (int64_t[]){c, 1, 3, 3});
    if (bias)
        model_init(&m, "b", 1, (int64_t[]){c});
    model_node(&m, "Conv", "x", "w", bias ? "b" : NULL, "y", c);
    size_t len;
    uint8_t *buf = model_pack(&m, &len);
    eb_graph *g = NULL;
    eb_err err = {{0}};
    eb_status st = eb_graph_load_buffer(buf, len, "dw.onnx", NULL, &g, &err);
    if (st == EB_OK)
        st = eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err);
    free(buf);
    if (st != EB_OK)
        fail_msg("%s", err.msg);
    return g;
}

static void depthwise__weight_bytes__are_what_the_packing_allocates(void **state)
{
    (void)state;
    const eb_runner *cpu = eb_runner_find("cpu");
    if (!cpu)
        skip();
    const int64_t c = 24;
    for (int bias = 0; bias < 2; bias++) {
        eb_graph *g = depthwise(c, bias);
        eb_variant v = eb_variant_default("cpu");
        eb_plan *plan = NULL;
        eb_err err = {{0}};
        if (cpu->prepare(g, &v, &plan, &err) != EB_OK)
            fail_msg("%s", err.msg);
        eb_plan_info info = {0};
        cpu->info(plan, &info);
        assert_string_equal(info.fallbacks, "");
        /* eb_dwconv2d_pack: kh*kw*c floats of weights, c of bias */
        assert_int_equal(info.weight_bytes, sizeof(float) * (size_t)(3 * 3 * c + (bias ? c : 0)));
        cpu->release(plan);
        eb_graph_free(g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(depthwise__weight_bytes__are_what_the_packing_allocates),
        cmocka_unit_test_setup_teardown(weights__of_w_bytes__grow_the_process_by_at_least_w, start_launcher,
                                        stop_launcher),
        cmocka_unit_test_setup_teardown(arenas__differing_by_d__grow_by_d_within_5_percent, start_launcher,
                                        stop_launcher),
        cmocka_unit_test_setup_teardown(parent_allocation__after_the_launcher_started__is_not_in_a_variant,
                                        start_launcher, stop_launcher),
        cmocka_unit_test_setup_teardown(launcher__killed__fails_the_variant_in_flight_saying_so, start_launcher,
                                        stop_launcher),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
