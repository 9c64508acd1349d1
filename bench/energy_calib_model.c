/* energy_calib_model.c - a held-out window of `calibrate --energy` on a
 * real model: loaded (zoo:NAME or a file), shapes inferred at batch 1,
 * prepared on the cpu runner with one thread (the microbenchmarks' one
 * thread), run on seeded random inputs over a meter window; each
 * inference adds the cost model's FLOPs (fp32: the variant is the default
 * one) and its DRAM bytes (the bytes by level of bench/mem_levels.c, from
 * the cost model: the calibrated estimate's bytes term is J per DRAM
 * byte) to the work counted, which is what the calibrated estimate will
 * multiply by the fitted coefficients. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/energy_calib.h"
#include "bench/inputs.h"
#include "bench/mem_levels.h"
#include "models/cost.h"
#include "models/zoo.h"
#include "reference_kernels/ref.h"
#include "runners/runner.h"

typedef struct model_run {
    const eb_runner *r;
    eb_plan *plan;
    eb_tensor *in, *out;
    eb_cost cost;
    uint64_t dram_bytes;       /* per inference, by the cost model's split */
    eb_energy_work *work;
    eb_err err;
} model_run;

static bool one_inference(void *ctx)
{
    model_run *mr = ctx;
    if (mr->r->run(mr->plan, mr->in, mr->out, &mr->err) != EB_OK)
        return false;
    atomic_fetch_add(&mr->work->fp32_flops, (uint64_t)mr->cost.flops);
    atomic_fetch_add(&mr->work->bytes, mr->dram_bytes);
    return true;
}

bool eb_energy_calib_model(eb_meter *m, double seconds, eb_energy_work *work, const char *model, eb_calib_obs *ob,
                           char *why, size_t n)
{
    model_run mr = {.r = eb_runner_find("cpu"), .work = work};
    eb_graph *g = NULL;
    char sha[65];
    eb_shape_opts shape = {.batch = 1};
    eb_variant v = eb_variant_default("cpu");
    v.threads = 1;
    int n_out = 0;
    bool ok = false;
    const char *name = strncmp(model, "zoo:", 4) == 0 ? model + 4 : model;
    if (!mr.r) {
        snprintf(why, n, "%s: the cpu runner is not built in", name);
        return false;
    }
    if (eb_model_load(model, &g, sha, &mr.err) != EB_OK || eb_graph_infer_shapes(g, &shape, eb_ref_eval, &mr.err) != EB_OK)
        goto done;
    eb_graph_cost(g, &mr.cost, NULL);
    eb_mem_levels ml;
    eb_mem_levels_fill(g, NULL, &ml);
    mr.dram_bytes = (uint64_t)ml.bytes[EB_LEVEL_DRAM];
    mr.in = calloc((size_t)g->n_inputs + 1, sizeof *mr.in);
    mr.out = calloc((size_t)g->n_outputs + 1, sizeof *mr.out);
    if (!mr.in || !mr.out || eb_inputs_random(g, 1, mr.in, &mr.err) != EB_OK)
        goto done;
    for (; n_out < g->n_outputs; n_out++) {
        eb_tensor_copy_meta(&mr.out[n_out], &g->values[g->outputs[n_out]].t);
        if (eb_tensor_alloc(&mr.out[n_out], "output", &mr.err) != EB_OK)
            goto done;
    }
    if (mr.r->prepare(g, &v, &mr.plan, &mr.err) != EB_OK || !one_inference(&mr)) /* a warm-up */
        goto done;
    ok = eb_energy_calib_window(m, seconds, work, one_inference, &mr, name, ob, why, n);
    if (!ok && mr.err.msg[0])
        snprintf(why, n, "%s: %s", name, mr.err.msg);
    mr.err.msg[0] = '\0';
done:
    if (!ok && mr.err.msg[0])
        snprintf(why, n, "%s: %s", name, mr.err.msg);
    if (mr.plan)
        mr.r->release(mr.plan);
    if (g && mr.in)
        eb_inputs_free(mr.in, g->n_inputs);
    free(mr.in);
    for (int i = 0; i < n_out; i++)
        eb_tensor_free_data(&mr.out[i]);
    free(mr.out);
    if (g)
        eb_graph_free(g);
    return ok;
}
