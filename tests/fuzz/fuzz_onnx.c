/* fuzz_onnx.c - libFuzzer target: the bytes as an ONNX model file, taken
 * through what `edgebench inspect` and `edgebench run -v ref` do with it:
 * load (protobuf decoding, import), shape inference with constant folding
 * on the reference kernels, the cost model, then the ref runner's
 * supports, prepare and one run on the seeded random inputs `run` uses.
 * Load and inference happen in run's parent process, so a crash there
 * takes the whole sweep down; this is what the target is for.
 *
 * A size cap keeps a legal but huge model from being allocated:
 * EB_MEM_LIMIT_MB (models/tensor.c, eb_mem_limit) is set to a few MiB, so
 * shape inference refuses any tensor larger than that, as the CLI refuses
 * one larger than memory; prepare and run are skipped when the activations
 * together, or the MACs, would make one execution slow (that is cost, not
 * a bug).  External data is looked up in a folder that does not exist.
 *
 * Built by `make fuzz` (tests/fuzz/fuzz.mk) with clang, ASan and UBSan;
 * tests/fuzz/replay.c links the same function into a plain program that
 * `make test` runs on each input of tests/fuzz/regress/onnx/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bench/inputs.h"
#include "models/cost.h"
#include "models/graph.h"
#include "reference_kernels/ref.h"
#include "runners/runner.h"

/* the size cap (MiB) and the work cap of one ref run */
#define FUZZ_MEM_MB "4"
#define FUZZ_MAX_ACT_BYTES (64u << 20)
#define FUZZ_MAX_MACS (INT64_C(1) << 22)
#define FUZZ_MAX_INPUT (4u << 20)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("EB_MEM_LIMIT_MB", FUZZ_MEM_MB, 1);
    return 0;
}

/* One execution on the ref runner, as harness.c does it. */
static void run_ref(const eb_graph *g)
{
    const eb_runner *r = eb_runner_find("ref");
    eb_variant v = eb_variant_default("ref");
    char why[512];
    eb_err err = {{0}};
    if (!r || !r->supports(g, &v, why, sizeof why))
        return;
    size_t act = 0;
    for (int i = 0; i < g->n_values; i++)
        if (g->values[i].shape_known && !g->values[i].is_const) {
            size_t nb = eb_tensor_nbytes(&g->values[i].t);
            if (nb == SIZE_MAX || (act += nb) > FUZZ_MAX_ACT_BYTES)
                return;
        }
    eb_tensor *in = calloc((size_t)g->n_inputs + 1, sizeof *in);
    eb_tensor *out = calloc((size_t)g->n_outputs + 1, sizeof *out);
    eb_plan *plan = NULL;
    int n_out = 0;
    if (!in || !out || eb_inputs_random(g, 1, in, &err) != EB_OK)
        goto done;
    for (; n_out < g->n_outputs; n_out++) {
        eb_tensor_copy_meta(&out[n_out], &g->values[g->outputs[n_out]].t);
        if (eb_tensor_alloc(&out[n_out], "output", &err) != EB_OK)
            goto done;
    }
    if (r->prepare(g, &v, &plan, &err) != EB_OK)
        goto done;
    eb_plan_info info = {0};
    r->info(plan, &info);
    (void)r->run(plan, in, out, &err);
done:
    if (plan)
        r->release(plan);
    for (int i = 0; i < n_out; i++)
        eb_tensor_free_data(&out[i]);
    if (in)
        eb_inputs_free(in, g->n_inputs);
    free(in);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return -1;
    eb_err err = {{0}};
    eb_graph *g = NULL;
    if (eb_graph_load_buffer(data, size, "fuzz.onnx", "/nonexistent/eb-fuzz", &g, &err) != EB_OK)
        return 0;
    char unknown[1024];
    eb_graph_unknown_ops(g, unknown, sizeof unknown);
    if (eb_graph_infer_shapes(g, NULL, eb_ref_eval, &err) == EB_OK) {
        eb_cost total = {0}, *per = calloc((size_t)g->n_nodes + 1, sizeof *per);
        if (per) {
            eb_graph_cost(g, &total, per);
            free(per);
            if (total.macs >= 0 && total.macs <= FUZZ_MAX_MACS && total.flops >= 0 && total.flops <= 4 * FUZZ_MAX_MACS)
                run_ref(g);
        }
    }
    eb_graph_free(g);
    return 0;
}
