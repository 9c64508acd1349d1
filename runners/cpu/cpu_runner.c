/* cpu_runner.c - the `cpu` runner: fp32 inference with packed-GEMM
 * convolutions and matrix products, fused epilogues, a thread pool and a
 * static activation-memory plan.
 *
 * prepare() turns the graph into a list of steps, once:
 *  - each node gets a fast kernel (cpu_kernels.h, gemm.h) when it has one
 *    for its dtype and parameters, else its reference kernel through the
 *    shared fallback service (runners/fallback.h; eb_cpu_plan_fallbacks);
 *  - constant weights are packed (Conv as B = W^T per group, Gemm/MatMul B
 *    as given), a BatchNormalization after a Conv is folded into its
 *    weights and bias, and a following constant bias Add and activation
 *    (Relu, Clip -> ReLU6, Gelu, and PyTorch's Div-Erf-Add-Mul-Mul GELU)
 *    become the GEMM's epilogue; Add+Relu fuse into one elementwise pass;
 *  - the graph optimizer's level (variant key opt, cpu_opt.c) decides how
 *    much of the above is fused, and adds pattern fusions at opt=2
 *    (decomposed LayerNorm, GELU/SiLU/HardSwish, squeeze-and-excitation,
 *    channel shuffle); eb_plan_info.fusions counts them by pattern;
 *  - 4-D activations between spatial kernels stay NHWC (a 1x1 conv is then
 *    a GEMM on the activation itself); a conversion step is inserted where
 *    an op needs the ONNX layout, once per value;
 *  - views (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) alias
 *    their input, elementwise ops write in place over an input that dies
 *    there, and every remaining buffer gets an offset in one arena from the
 *    lifetime planner (plan_memory.c).
 * run() copies the inputs in, executes the steps and copies the outputs
 * out; it trusts what prepare validated (TFLM's rule), except Gather's
 * run-time indices, which it checks.
 *
 * profile() times each step: one entry per step, named after the nodes it
 * executes (a fused Conv+Relu step is one entry "conv+relu", op
 * "Conv+Relu", the whole step's time on it: the fused work cannot be
 * split), and layout conversions as op "(layout)".
 *
 * Environment, for debugging: EB_CPU_DEBUG=1 prints the step list with
 * each buffer's arena offset (stderr) after prepare.
 *
 * This file is the eb_runner interface; the plan types are in cpu_plan.h,
 * plan building in cpu_plan.c, fusion in cpu_fuse.c, the per-op planners
 * in cpu_plan_<family>.c, memory in cpu_arena.c, execution and profile
 * labels in cpu_exec.c. */
#include "runners/cpu/cpu_runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "runners/cpu/cpu_plan.h"

/* ---- the runner interface ---------------------------------------------------- */

static bool cpu_supports(const eb_graph *g, const eb_variant *v, char *why, size_t n)
{
    if (v->threads < 1) {
        snprintf(why, n, "cpu: threads=%d, expected >= 1", v->threads);
        return false;
    }
    if (v->device != 0) {
        snprintf(why, n, "cpu: device=%d requested, the cpu runner has device 0 only", v->device);
        return false;
    }
    eb_isa isa = EB_ISA_AUTO;
    if (v->isa[0] && !eb_isa_parse(v->isa, &isa)) { /* "": a zeroed variant, auto */
        snprintf(why, n, "cpu: isa=%s is not an instruction set this runner knows", v->isa);
        return false;
    }
    if (isa != EB_ISA_AUTO && !eb_isa_supported(isa)) {
        snprintf(why, n, "cpu: isa=%s requested, but %s", v->isa, eb_isa_why_not(isa));
        return false;
    }
    if (v->opt < 0 || v->opt > 2) {
        snprintf(why, n, "cpu: opt=%d, expected 0, 1 or 2", v->opt);
        return false;
    }
    return eb_runner_keys_default("cpu", v, EB_KEY_THREADS | EB_KEY_ISA | EB_KEY_OPT, why, n) &&
           eb_runner_ops_known(g, why, n);
}

static void cpu_release(eb_plan *p)
{
    if (!p)
        return;
    free(p->labels);
    for (int si = 0; si < p->n_steps; si++) {
        step *s = &p->steps[si];
        if (eb_cpu_steps[s->kind].release)
            eb_cpu_steps[s->kind].release(s);
    }
    free(p->steps);
    for (int i = 0; p->pv && i < p->n_pv; i++)
        if (p->pv[i].decoded)
            eb_tensor_free_data(&p->pv[i].t);
    free(p->pv);
    free(p->cons_off);
    free(p->cons);
    free(p->is_output);
    free(p->node_done);
    free(p->fused_head);
    free(p->items);
    free(p->arena);
    eb_fallback_release(&p->fb);
    if (p->tp)
        eb_threadpool_free(p->tp);
    free(p);
}

/* Compressed weights: those the compressed planner takes
 * (eb_cpu_compressed_takes: int4 groups and fp16 in GEMV-like products,
 * CSR in sparse enough products and 1x1 convolutions) keep their
 * storage, and its kernels compute on it (wgemm.h); every other one of the
 * weight-only kinds (fp16, int4 and int8 without eb_node_quant, CSR, N:M)
 * is decoded once, here, into f32 that the plan owns, so that the fast
 * fp32 kernels take those layers (the plan's weight_bytes then counts the
 * f32).  A weight is kept only when every node reading it is taken.  A
 * weight a quantized node reads keeps its storage: such nodes run on the
 * reference kernels, which do the integer arithmetic. */
static eb_status decode_weights(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    int *readers = calloc((size_t)g->n_values + 1, 2 * sizeof(int)); /* per value: nodes reading it, taken ones */
    if (!readers)
        return eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory", g->path);
    for (int i = 0; i < g->n_nodes; i++) {
        const eb_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_in; k++)
            if (n->in[k] >= 0)
                readers[2 * n->in[k]]++;
        if (n->quant && n->n_in > 1 && n->in[1] >= 0)
            p->pv[n->in[1]].twin = -2; /* a mark, reset below */
        else if (eb_cpu_compressed_takes(p, i))
            readers[2 * n->in[1] + 1]++;
    }
    eb_status st = EB_OK;
    for (int v = 0; v < g->n_values && st == EB_OK; v++) {
        pval *pv = &p->pv[v];
        bool keep = pv->twin == -2 || (readers[2 * v] > 0 && readers[2 * v] == readers[2 * v + 1]);
        pv->twin = -1;
        if (!pv->is_const || !pv->t.storage || keep)
            continue;
        eb_tensor d = {0};
        eb_tensor_copy_meta(&d, &pv->t);
        if ((st = eb_tensor_alloc(&d, g->values[v].name, err)) == EB_OK &&
            (st = eb_storage_to_dense(&pv->t, d.data, err)) != EB_OK)
            eb_tensor_free_data(&d);
        if (st == EB_OK) {
            pv->t = d;
            pv->decoded = true;
        }
    }
    free(readers);
    return st;
}

static eb_status cpu_prepare_pinned(const eb_graph *g, const eb_variant *v, eb_isa isa, eb_plan **out, eb_err *err)
{
    *out = NULL;
    char why[256];
    if (!cpu_supports(g, v, why, sizeof why))
        return eb_errf(err, EB_EUNSUPPORTED, "%s: %s", g->path, why);
    eb_plan *p = calloc(1, sizeof *p);
    if (!p)
        return eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory", g->path);
    p->g = g;
    p->threads = v->threads;
    p->isa = isa; /* the planners pick their kernels for it (kernels.def) */
    p->opt = v->opt; /* the graph optimizer's level (cpu_opt.c) */
    eb_status st = EB_OK;
    if (v->threads > 1 && !(p->tp = eb_threadpool_new(v->threads))) {
        st = eb_errf(err, EB_ENOMEM, "%s: cpu: cannot start %d threads", g->path, v->threads);
        goto fail;
    }
    p->max_io = 1;
    for (int i = 0; i < g->n_nodes; i++) {
        p->max_io = g->nodes[i].n_in > p->max_io ? g->nodes[i].n_in : p->max_io;
        p->max_io = g->nodes[i].n_out > p->max_io ? g->nodes[i].n_out : p->max_io;
    }
    if ((st = eb_fallback_init(&p->fb, g, err)) != EB_OK)
        goto fail;
    if ((st = eb_cpu_grow((void **)&p->pv, &p->cap_pv, 2 * g->n_values + 16, sizeof(pval), err)) != EB_OK ||
        (st = eb_cpu_grow((void **)&p->steps, &p->cap_steps, g->n_nodes + g->n_values + 16, sizeof(step), err)) != EB_OK) {
        st = eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory", g->path);
        goto fail;
    }
    p->n_pv = g->n_values;
    for (int i = 0; i < g->n_values; i++) {
        const eb_value *val = &g->values[i];
        pval *pv = &p->pv[i];
        pv->t = val->t;
        pv->gv = i;
        pv->twin = pv->alias = -1;
        pv->is_const = val->is_const;
        if (!pv->is_const)
            pv->t.data = NULL;
    }
    if ((st = eb_runner_check_storage(g, err)) != EB_OK || (st = decode_weights(p, err)) != EB_OK)
        goto fail;
    if ((st = eb_cpu_build_consumers(p, err)) != EB_OK || (st = eb_cpu_build_steps(p, err)) != EB_OK ||
        (st = eb_cpu_arena_place(p, err)) != EB_OK) {
        goto fail;
    }
    eb_cpu_weight_bytes(p);
    eb_fallback_describe(&p->fb);
    if (getenv("EB_CPU_DEBUG"))
        eb_cpu_dump_plan(p);
    *out = p;
    return EB_OK;
fail:
    cpu_release(p);
    return st;
}

/* The ISA is decided here, once: the variant's, or for isa=auto what the
 * GEMM dispatch picks now (detection, or a test's eb_gemm_force_isa).  It
 * is pinned on this thread while the weights are packed, and on every
 * run(), so that all of the plan's kernels use it and info() reports it. */
static eb_status cpu_prepare(const eb_graph *g, const eb_variant *v, eb_plan **out, eb_err *err)
{
    eb_isa isa = EB_ISA_AUTO;
    if (!eb_isa_parse(v->isa, &isa) || isa == EB_ISA_AUTO)
        isa = eb_gemm_isa(); /* a bad name is refused by cpu_supports in prepare */
    eb_isa prev = eb_gemm_thread_isa(eb_isa_supported(isa) ? isa : EB_ISA_AUTO);
    eb_status st = cpu_prepare_pinned(g, v, isa, out, err);
    eb_gemm_thread_isa(prev);
    if (st == EB_OK)
        (*out)->isa = isa;
    return st;
}

static eb_status cpu_run(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_err *err)
{
    eb_isa prev = eb_gemm_thread_isa(p->isa);
    eb_status st = eb_cpu_run_steps(p, in, out, NULL, err);
    eb_gemm_thread_isa(prev);
    return st;
}

static eb_status cpu_profile(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max, int *n,
                             eb_err *err)
{
    eb_status st = p->labels ? EB_OK : eb_cpu_build_labels(p, err);
    if (st != EB_OK)
        return st;
    *n = p->n_steps;
    /* time into the labels' copy so that a short times[] still runs once */
    eb_node_time *t = malloc(((size_t)p->n_steps + 1) * sizeof *t);
    if (!t)
        return eb_errf(err, EB_ENOMEM, "%s: cpu: out of memory for the profile", p->g->path);
    memcpy(t, p->labels, (size_t)p->n_steps * sizeof *t);
    eb_isa prev = eb_gemm_thread_isa(p->isa); /* the kernels the timed runs used */
    st = eb_cpu_run_steps(p, in, out, t, err);
    eb_gemm_thread_isa(prev);
    if (st == EB_OK && times)
        memcpy(times, t, (size_t)(max < p->n_steps ? max : p->n_steps) * sizeof *t);
    free(t);
    return st;
}

static void cpu_info(const eb_plan *p, eb_plan_info *out)
{
    *out = p->info;
    snprintf(out->fallbacks, sizeof out->fallbacks, "%s", p->fb.text);
    snprintf(out->isa, sizeof out->isa, "%s", eb_isa_name(p->isa));
    eb_cpu_describe_fusions(p, out->fusions, sizeof out->fusions);
}

const char *eb_cpu_plan_fallbacks(const eb_plan *p)
{
    return p->fb.text;
}

bool eb_cpu_plan_value_region(const eb_plan *p, int value, size_t *offset, size_t *bytes)
{
    if (value < 0 || value >= p->g->n_values)
        return false;
    const pval *v = &p->pv[value];
    if (v->is_const || !v->used || v->fused)
        return false;
    int r = root_of(p, value);
    if (p->pv[r].item < 0)
        return false;
    *offset = p->items[p->pv[r].item].offset + offset_in_root(p, value);
    *bytes = eb_tensor_nbytes(&v->t);
    return true;
}

void eb_cpu_plan_arena(const eb_plan *p, size_t *arena, size_t *sum_of_buffers)
{
    *arena = p->arena_bytes;
    *sum_of_buffers = p->sum_bytes;
}

const eb_runner eb_runner_cpu = {
    .name = "cpu",
    .description = "optimized fp32: packed SIMD GEMM, NHWC convolutions, fused epilogues, thread pool, memory plan",
    .supports = cpu_supports,
    .prepare = cpu_prepare,
    .run = cpu_run,
    .info = cpu_info,
    .release = cpu_release,
    .profile = cpu_profile,
    .devices = eb_runner_host_devices,
};
