/* ocl_runner.c - the `opencl` runner: the graph lowered onto one OpenCL
 * device (ocl_plan.c), run one step after another on its in-order queue.
 *
 * Variants: `opencl` computes in fp32; `opencl:quant=fp16` gets the graph
 * with its weights in f16 storage (the harness converts them), which the
 * compute kernels keep as half on the device and read with vload_half,
 * arithmetic fp32.  The int8 quantizations need cl_khr_integer_dot_product
 * and int8 kernels this runner does not have yet: unsupported, with the
 * reason (which of the two is missing on the device).  threads, isa and opt
 * are host runners' settings and pruning has no sparse kernels here: any
 * value but the default is refused, not ignored.  device=N picks the device
 * in `edgebench info`'s order.
 *
 * Each run() times its parts with OpenCL profiling events: the uploads of
 * the graph inputs, every kernel, the downloads of the graph outputs,
 * summed since prepare into eb_plan_info.phases.  Copies made for nodes on
 * the reference fallback are in none of the three (the end-to-end time has
 * them).  The driver is opened only in prepare, which the harness calls in
 * a variant's child (devices_in_child). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/storage.h"
#include "runners/opencl/ocl_plan.h"

static bool is_int_quant(const eb_variant *v)
{
    return v->quant[0] && strcmp(v->quant, "none") != 0 && strcmp(v->quant, "fp16") != 0;
}

static bool ocl_supports(const eb_graph *g, const eb_variant *v, char *why, size_t n)
{
    if (!eb_runner_keys_default("opencl", v, 0, why, n))
        return false;
    if (v->prune[0] && strcmp(v->prune, "none") != 0) {
        snprintf(why, n, "opencl has no sparse kernels (prune=%s requested)", v->prune);
        return false;
    }
    /* quant=int8 and the like: prepare says why, once it can see the device */
    return eb_runner_ops_known(g, why, n);
}

static void ocl_release(eb_plan *p)
{
    if (!p)
        return;
    eb_ocl_plan_free(p);
    if (p->opened)
        eb_ocl_close(&p->o);
    free(p);
}

static void set_notes(eb_plan *p)
{
    char *s = p->info.notes;
    size_t n = sizeof p->info.notes;
    s[0] = '\0';
    if (p->o.is_cpu)
        snprintf(s, n, "OpenCL device is the host CPU (PoCL): timings are CPU timings");
    if (p->f16_weights) {
        size_t len = strlen(s);
        snprintf(s + len, n - len, "%sweights stored as fp16 on the device, arithmetic fp32", len ? "; " : "");
    }
}

static eb_status ocl_prepare(const eb_graph *g, const eb_variant *v, eb_plan **out, eb_err *err)
{
    *out = NULL;
    eb_status st = eb_runner_check_storage(g, err);
    if (st != EB_OK)
        return eb_err_prefix(err, st, g->path);
    eb_plan *p = calloc(1, sizeof *p);
    if (!p)
        return eb_errf(err, EB_ENOMEM, "%s: opencl: out of memory", g->path);
    p->g = g;
    if ((st = eb_ocl_open(v->device, &p->o, err)) != EB_OK) {
        free(p);
        return st;
    }
    p->opened = true;
    if (is_int_quant(v)) {
        if (!p->o.int8_dot)
            st = eb_errf(err, EB_EUNSUPPORTED,
                         "opencl: quant=%s needs cl_khr_integer_dot_product, which device %d (%s) does not have",
                         v->quant, v->device, p->o.info.name);
        else
            st = eb_errf(err, EB_EUNSUPPORTED,
                         "opencl: quant=%s: the device has cl_khr_integer_dot_product, but this runner has no int8 "
                         "kernels yet", v->quant);
        ocl_release(p);
        return st;
    }
    p->f16_weights = strcmp(v->quant, "fp16") == 0;
    if ((st = eb_ocl_plan_lower(p, err)) != EB_OK) {
        ocl_release(p);
        return st;
    }
    snprintf(p->info.program_cache, sizeof p->info.program_cache, "%s", p->o.cache_hit ? "hit" : "miss");
    snprintf(p->info.isa, sizeof p->info.isa, "opencl");
    set_notes(p);
    *out = p;
    return EB_OK;
}

static eb_status cl_fail(const eb_plan *p, cl_int rc, const char *what, eb_err *err)
{
    return eb_errf(err, EB_EIO, "%s: opencl: %s: %s", p->g->path, what, eb_ocl_error_name(rc));
}

/* The value's current data on the device (written from the host mirror). */
static eb_status to_device(eb_plan *p, int v, eb_err *err)
{
    int si = p->slot_of[v];
    eb_ocl_slot *s = si >= 0 ? &p->slots[si] : NULL;
    if (!s || s->is_const || !s->mem || s->dev_valid)
        return EB_OK;
    cl_int rc = clEnqueueWriteBuffer(p->o.queue, s->mem, CL_TRUE, 0, s->bytes, s->host, 0, NULL, NULL);
    if (rc != CL_SUCCESS)
        return cl_fail(p, rc, "writing a fallback's output to the device", err);
    s->dev_valid = true;
    return EB_OK;
}

/* The value's current data in its host mirror (read back from the device). */
static eb_status to_host(eb_plan *p, int v, eb_err *err)
{
    int si = p->slot_of[v];
    eb_ocl_slot *s = si >= 0 ? &p->slots[si] : NULL;
    if (!s || s->is_const || s->host_valid)
        return EB_OK;
    cl_int rc = clEnqueueReadBuffer(p->o.queue, s->mem, CL_TRUE, 0, s->bytes, s->host, 0, NULL, NULL);
    if (rc != CL_SUCCESS)
        return cl_fail(p, rc, "reading a fallback's input from the device", err);
    s->host_valid = true;
    return EB_OK;
}

static void mark(eb_plan *p, const eb_node *n, bool on_device)
{
    for (int k = 0; k < n->n_out; k++) {
        int si = n->out[k] >= 0 ? p->slot_of[n->out[k]] : -1;
        if (si >= 0) {
            p->slots[si].dev_valid = on_device;
            p->slots[si].host_valid = !on_device;
        }
    }
}

static double event_ms(cl_event e)
{
    cl_ulong t0 = 0, t1 = 0;
    if (clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_START, sizeof t0, &t0, NULL) != CL_SUCCESS ||
        clGetEventProfilingInfo(e, CL_PROFILING_COMMAND_END, sizeof t1, &t1, NULL) != CL_SUCCESS || t1 < t0)
        return 0;
    return (double)(t1 - t0) * 1e-6;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static eb_status run_fallback(eb_plan *p, const eb_ocl_pstep *s, eb_err *err)
{
    const eb_node *n = &p->g->nodes[s->node];
    eb_status st;
    for (int k = 0; k < n->n_in; k++) {
        if (n->in[k] >= 0 && (st = to_host(p, n->in[k], err)) != EB_OK)
            return st;
        p->fb.in[k] = n->in[k] >= 0 ? &p->vals[n->in[k]] : NULL;
    }
    for (int k = 0; k < n->n_out; k++)
        p->fb.out[k] = n->out[k] >= 0 ? &p->vals[n->out[k]] : NULL;
    if ((st = eb_fallback_run(&p->fb, n, err)) != EB_OK) {
        char where[256];
        snprintf(where, sizeof where, "%s: node %d '%.80s' (%.60s)", p->g->path, s->node, n->name, n->op_type);
        return eb_err_prefix(err, st, where);
    }
    mark(p, n, false);
    return EB_OK;
}

/* One inference.  times (profile()): each step's time, consecutive steps
 * of one node summed into one entry; *n_times their count. */
static eb_status run_plan(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max,
                          int *n_times, eb_err *err)
{
    const eb_graph *g = p->g;
    cl_event up[64], down[64];
    int n_up = 0, n_down = 0, n_ev = 0, k = -1;
    eb_status st = EB_OK;
    cl_int rc;
    for (int i = 0; i < g->n_inputs; i++) {
        eb_ocl_slot *s = &p->slots[p->slot_of[g->inputs[i]]];
        if (s->mem && n_up < 64) { /* the device's copy first: a fallback reads it back if it needs it */
            rc = clEnqueueWriteBuffer(p->o.queue, s->mem, CL_FALSE, 0, s->bytes, in[i].data, 0, NULL, &up[n_up]);
            if (rc != CL_SUCCESS) {
                st = cl_fail(p, rc, "uploading an input", err);
                goto done;
            }
            n_up++;
            s->dev_valid = true, s->host_valid = false;
        } else {
            memcpy(s->host, in[i].data, s->bytes);
            s->dev_valid = false, s->host_valid = true;
        }
    }
    double step_ms = 0;
    for (int si = 0; si < p->n_steps; si++) {
        const eb_ocl_pstep *s = &p->steps[si];
        const eb_node *n = &g->nodes[s->node];
        bool new_entry = si == 0 || p->steps[si - 1].node != s->node;
        if (times && new_entry)
            k++, step_ms = 0;
        if (s->fallback) {
            double t0 = times ? now_ms() : 0;
            if ((st = run_fallback(p, s, err)) != EB_OK)
                goto done;
            step_ms += times ? now_ms() - t0 : 0;
        } else {
            for (int j = 0; j < n->n_in; j++)
                if (n->in[j] >= 0 && (st = to_device(p, n->in[j], err)) != EB_OK)
                    goto done;
            if ((rc = eb_ocl_step_enqueue(&p->o, &s->step, &p->ev[n_ev])) != CL_SUCCESS) {
                st = cl_fail(p, rc, n->name, err);
                goto done;
            }
            if (times && s->step.n_launch) {
                if ((rc = clWaitForEvents((cl_uint)s->step.n_launch, &p->ev[n_ev])) != CL_SUCCESS) {
                    n_ev += s->step.n_launch;
                    st = cl_fail(p, rc, n->name, err);
                    goto done;
                }
                for (int j = 0; j < s->step.n_launch; j++)
                    step_ms += event_ms(p->ev[n_ev + j]);
            }
            n_ev += s->step.n_launch;
            mark(p, &g->nodes[s->last], true);
        }
        bool last_of_node = si + 1 == p->n_steps || p->steps[si + 1].node != s->node;
        if (times && last_of_node) {
            char name[256], op[96];
            const eb_node *l = &g->nodes[s->last];
            if (s->last != s->node) {
                snprintf(name, sizeof name, "%.120s+%.120s", n->name, l->name);
                snprintf(op, sizeof op, "%.40s+%.40s", n->op_type, l->op_type);
            } else {
                snprintf(name, sizeof name, "%s", n->name);
                snprintf(op, sizeof op, "%s", n->op_type);
            }
            eb_node_time_set(times, max, k, name, op, step_ms);
        }
    }
    for (int i = 0; i < g->n_outputs; i++) {
        int v = g->outputs[i];
        eb_ocl_slot *s = &p->slots[p->slot_of[v]];
        if (s->is_const) {
            if (s->host)
                memcpy(out[i].data, s->host, s->bytes);
            else if ((st = eb_storage_to_dense(&g->values[v].t, out[i].data, err)) != EB_OK)
                goto done;
        } else if (s->dev_valid && !s->host_valid && n_down < 64) {
            rc = clEnqueueReadBuffer(p->o.queue, s->mem, CL_FALSE, 0, s->bytes, out[i].data, 0, NULL, &down[n_down]);
            if (rc != CL_SUCCESS) {
                st = cl_fail(p, rc, "downloading an output", err);
                goto done;
            }
            n_down++;
        } else {
            if ((st = to_host(p, v, err)) != EB_OK)
                goto done;
            memcpy(out[i].data, s->host, s->bytes);
        }
    }
done:
    rc = clFinish(p->o.queue);
    if (st == EB_OK && rc != CL_SUCCESS)
        st = cl_fail(p, rc, "finishing the run", err);
    if (st == EB_OK) {
        p->info.phases.runs++;
        for (int i = 0; i < n_up; i++)
            p->info.phases.upload_ms += event_ms(up[i]);
        for (int i = 0; i < n_ev; i++)
            p->info.phases.compute_ms += event_ms(p->ev[i]);
        for (int i = 0; i < n_down; i++)
            p->info.phases.download_ms += event_ms(down[i]);
    }
    for (int i = 0; i < n_up; i++)
        clReleaseEvent(up[i]);
    for (int i = 0; i < n_ev; i++)
        clReleaseEvent(p->ev[i]);
    for (int i = 0; i < n_down; i++)
        clReleaseEvent(down[i]);
    if (n_times)
        *n_times = k + 1;
    return st;
}

static eb_status ocl_run(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_err *err)
{
    return run_plan(p, in, out, NULL, 0, NULL, err);
}

static eb_status ocl_profile(eb_plan *p, const eb_tensor *in, eb_tensor *out, eb_node_time *times, int max, int *n,
                             eb_err *err)
{
    static eb_node_time none; /* a place to point at when max is 0 */
    return run_plan(p, in, out, times ? times : &none, times ? max : 0, n, err);
}

static void ocl_info(const eb_plan *p, eb_plan_info *out)
{
    *out = p->info;
}

const eb_runner eb_runner_opencl = {
    .name = "opencl",
    .description = "OpenCL kernels on a GPU or any OpenCL device (PoCL: the host CPU), fp32 or fp16 weights",
    .supports = ocl_supports,
    .prepare = ocl_prepare,
    .run = ocl_run,
    .info = ocl_info,
    .release = ocl_release,
    .profile = ocl_profile,
    .devices = eb_ocl_devices,
    .devices_in_child = true,
};
