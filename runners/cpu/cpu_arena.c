/* cpu_arena.c - the cpu runner's memory: each buffer's lifetime over the
 * steps, elementwise steps written in place over an input that dies there,
 * one arena laid out by the lifetime planner (plan_memory.c), the weight
 * bytes the plan holds, and the EB_CPU_DEBUG step dump with arena offsets. */
#include "models/storage.h"
#include "runners/cpu/cpu_plan.h"

#include <stdio.h>
#include <stdlib.h>

#include "runners/cpu/plan_memory.h"

/* The pvals step s reads (is_out false) and writes, into io[] (at most max). */
static int step_io(const eb_plan *p, const step *s, int *io, bool *is_out, int max)
{
    int n = 0;
    bool ref = s->kind == ST_REF;
    int n_in = ref ? p->g->nodes[s->node].n_in : s->n_in, n_out = ref ? p->g->nodes[s->node].n_out : s->n_out;
    for (int k = 0; k < n_in && n < max; k++) {
        int v = ref ? s->ref_in[k] : s->in[k];
        if (v >= 0) {
            is_out[n] = false;
            io[n++] = v;
        }
    }
    for (int k = 0; k < n_out && n < max; k++) {
        int v = ref ? s->ref_out[k] : s->out[k];
        if (v >= 0) {
            is_out[n] = true;
            io[n++] = v;
        }
    }
    return n;
}

static void touch(eb_plan *p, int si, int v)
{
    if (p->pv[v].is_const)
        return;
    p->pv[v].used = true;
    int r = root_of(p, v);
    pval *rv = &p->pv[r];
    if (si < rv->first)
        rv->first = si;
    if (si > rv->last)
        rv->last = si;
}

/* Elementwise steps may write over an input that no later step reads. */
static void place_in_place(eb_plan *p)
{
    for (int si = 0; si < p->n_steps; si++) {
        step *s = &p->steps[si];
        int cand[2] = {-1, -1};
        int n_cand = eb_cpu_steps[s->kind].in_place;
        if (n_cand == 0)
            continue;
        for (int c = 0; c < n_cand && c < 2; c++)
            cand[c] = s->in[c];
        int y = s->out[0];
        if (p->pv[y].alias >= 0 || p->pv[y].is_const || p->pv[y].gv < 0)
            continue;
        for (int c = 0; c < 2; c++) {
            int x = cand[c];
            if (x < 0 || p->pv[x].is_const || offset_in_root(p, x) != 0)
                continue; /* (a view into part of a buffer: y would start elsewhere) */
            int r = root_of(p, x);
            if (p->pv[r].last != si || p->pv[x].t.dtype != p->pv[y].t.dtype ||
                eb_tensor_nbytes(&p->pv[x].t) != eb_tensor_nbytes(&p->pv[y].t) ||
                !eb_tensor_same_shape(&p->pv[x].t, &p->pv[y].t) ||
                (p->pv[x].layout != p->pv[y].layout && !layout_neutral(&p->pv[y].t)))
                continue;
            if (p->pv[r].gv >= 0 && p->g->values[p->pv[r].gv].is_input && p->is_output[p->pv[r].gv])
                continue;
            /* y takes over r's storage: r's lifetime now ends where y's does */
            p->pv[y].alias = r;
            if (p->pv[y].last > p->pv[r].last)
                p->pv[r].last = p->pv[y].last;
            break;
        }
    }
}

eb_status eb_cpu_arena_place(eb_plan *p, eb_err *err)
{
    const eb_graph *g = p->g;
    int end = p->n_steps; /* graph outputs are read after the last step */
    for (int v = 0; v < p->n_pv; v++) {
        p->pv[v].first = INT32_MAX;
        p->pv[v].last = -1;
        p->pv[v].item = -1;
    }
    for (int i = 0; i < g->n_inputs; i++) {
        int v = g->inputs[i];
        p->pv[v].used = true;
        int r = root_of(p, v);
        p->pv[r].first = 0;
        if (p->pv[r].last < 0)
            p->pv[r].last = 0;
    }
    int *io = malloc(sizeof(int) * (size_t)(p->max_io * 2 + MAX_STEP_IO * 2));
    bool *is_out = malloc(sizeof(bool) * (size_t)(p->max_io * 2 + MAX_STEP_IO * 2));
    if (!io || !is_out) {
        free(io);
        free(is_out);
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    }
    for (int si = 0; si < p->n_steps; si++) {
        int cnt = step_io(p, &p->steps[si], io, is_out, p->max_io * 2 + MAX_STEP_IO * 2);
        for (int k = 0; k < cnt; k++)
            touch(p, si, io[k]);
    }
    free(io);
    free(is_out);
    for (int i = 0; i < g->n_outputs; i++) {
        int v = g->outputs[i];
        if (p->pv[v].is_const)
            continue;
        p->pv[v].used = true;
        int r = root_of(p, v);
        p->pv[r].last = end;
        if (p->pv[r].first > end)
            p->pv[r].first = end;
    }
    /* the lifetime of a root spans those of the values aliasing it */
    for (int v = 0; v < p->n_pv; v++) {
        if (p->pv[v].alias < 0 || p->pv[v].is_const)
            continue;
        int r = root_of(p, v);
        if (p->pv[v].first < p->pv[r].first)
            p->pv[r].first = p->pv[v].first;
        if (p->pv[v].last > p->pv[r].last)
            p->pv[r].last = p->pv[v].last;
    }
    place_in_place(p);

    int n_items = 0;
    for (int si = 0; si < p->n_steps; si++)
        n_items += p->steps[si].scratch_bytes > 0;
    for (int v = 0; v < p->n_pv; v++)
        n_items += p->pv[v].used && !p->pv[v].is_const && p->pv[v].alias < 0;
    p->items = calloc((size_t)n_items + 1, sizeof(eb_mem_item));
    if (!p->items)
        return eb_errf(err, EB_ENOMEM, "cpu: out of memory");
    for (int v = 0; v < p->n_pv; v++) {
        pval *pv = &p->pv[v];
        if (!pv->used || pv->is_const || pv->alias >= 0)
            continue;
        size_t bytes = eb_tensor_nbytes(&pv->t);
        if (bytes == SIZE_MAX)
            return eb_errf(err, EB_EINVAL, "cpu: value too large");
        if (pv->first > pv->last)
            pv->first = pv->last < 0 ? 0 : pv->last;
        if (pv->last < 0)
            pv->last = pv->first;
        pv->item = p->n_items;
        p->items[p->n_items++] = (eb_mem_item){(bytes + ALIGN - 1) / ALIGN * ALIGN, pv->first, pv->last, 0};
    }
    for (int si = 0; si < p->n_steps; si++) {
        step *s = &p->steps[si];
        if (s->scratch_bytes == 0)
            continue;
        s->scratch_item = p->n_items;
        p->items[p->n_items++] = (eb_mem_item){(s->scratch_bytes + ALIGN - 1) / ALIGN * ALIGN, si, si, 0};
        /* each slot lives for one step: the largest is what the arena holds for scratch at once */
        if (p->items[p->n_items - 1].size > p->info.scratch_bytes)
            p->info.scratch_bytes = p->items[p->n_items - 1].size;
    }
    for (int i = 0; i < p->n_items; i++)
        p->sum_bytes += p->items[i].size;
    eb_status st = eb_plan_memory(p->items, p->n_items, ALIGN, &p->arena_bytes, err);
    if (st != EB_OK)
        return st;
    if (p->arena_bytes > eb_mem_limit())
        return eb_errf(err, EB_ENOMEM, "cpu: activation arena of %zu bytes exceeds the memory limit", p->arena_bytes);
    p->arena = aligned_alloc(ALIGN, p->arena_bytes ? p->arena_bytes : ALIGN);
    if (!p->arena)
        return eb_errf(err, EB_ENOMEM, "cpu: cannot allocate the %zu-byte activation arena", p->arena_bytes);
    for (int v = 0; v < p->n_pv; v++) {
        pval *pv = &p->pv[v];
        if (pv->is_const || !pv->used)
            continue;
        int r = root_of(p, v);
        pv->t.data = (char *)p->arena + p->items[p->pv[r].item].offset + offset_in_root(p, v);
    }
    p->info.activation_bytes = p->arena_bytes;
    return EB_OK;
}

void eb_cpu_weight_bytes(eb_plan *p)
{
    size_t b = 0;
    bool *counted = calloc((size_t)p->g->n_values + 1, sizeof(bool));
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        if (eb_cpu_steps[s->kind].bytes)
            b += eb_cpu_steps[s->kind].bytes(s);
        /* constants the step reads as they are (LayerNorm scales, ref inputs, ...) */
        int n_in = s->kind == ST_REF ? p->g->nodes[s->node].n_in : s->n_in;
        for (int k = 0; k < n_in; k++) {
            int v = s->kind == ST_REF ? s->ref_in[k] : s->in[k];
            if (v >= 0 && p->pv[v].is_const && p->pv[v].gv >= 0 && counted && !counted[p->pv[v].gv]) {
                counted[p->pv[v].gv] = true;
                b += (size_t)eb_tensor_stored_bytes(&p->pv[v].t);
            }
        }
    }
    free(counted);
    p->info.weight_bytes = b;
}

/* EB_CPU_DEBUG=1: the step list on stderr, for debugging and profiling. */
void eb_cpu_dump_plan(const eb_plan *p)
{
    fprintf(stderr, "cpu plan: %d steps, arena %zu bytes\n", p->n_steps, p->arena_bytes);
    for (int si = 0; si < p->n_steps; si++) {
        const step *s = &p->steps[si];
        int io[2 * MAX_STEP_IO + 64];
        bool is_out[2 * MAX_STEP_IO + 64];
        int n = step_io(p, s, io, is_out, 2 * MAX_STEP_IO + 64);
        fprintf(stderr, "  %3d %-9s %-24.24s", si, eb_cpu_steps[s->kind].name, s->node >= 0 ? p->g->nodes[s->node].name : "");
        for (int k = 0; k < n; k++) {
            const pval *v = &p->pv[io[k]];
            long off = v->is_const || !v->used ? -1 : (long)((char *)v->t.data - (char *)p->arena);
            fprintf(stderr, " %s%d%s@%ld", is_out[k] ? "->" : "", io[k], v->layout == LAY_NHWC ? "h" : "", off);
        }
        fprintf(stderr, "\n");
    }
}
