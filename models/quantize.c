/* quantize.c - weight quantization of the layers (quant=fp16, int8,
 * int8-static, int4) and the per-node settings of the int8 ones.
 *
 * fp16: each weight rounded to half precision, computed in fp32.
 * int8: per-output-channel symmetric int8 weights (scale = max|w| / 127),
 * the node's input quantized on each run to a u8 grid from its own range
 * (eb_node_quant DYNAMIC), int32 accumulation.  int8-static: the same
 * weights, the input grid and an output (requantization) grid calibrated
 * ahead of time (calibrate.c).  int4: weight-only, symmetric, one scale per
 * `group` consecutive weights along the reduction axis; a layer whose
 * reduction length the group does not divide stays fp32 and says so, and a
 * group that fits no layer at all makes the variant unsupported (the run
 * refuses it as bad input before it starts when it can tell:
 * eb_compress_check).  Biases
 * stay fp32 throughout.  The arithmetic the kernels apply is stated in
 * reference_kernels/ref_quant.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/storage.h"
#include "models/transform_layers.h"

static void scale_range(const eb_storage *s, eb_layer_change *c)
{
    const eb_storage_quant *q = &s->u.quant;
    c->scale_min = c->scale_max = q->n_scales > 0 ? q->scale[0] : 0;
    for (int64_t i = 1; i < q->n_scales; i++) {
        c->scale_min = q->scale[i] < c->scale_min ? q->scale[i] : c->scale_min;
        c->scale_max = q->scale[i] > c->scale_max ? q->scale[i] : c->scale_max;
    }
}

eb_status eb_quantize_weights(eb_graph *g, const eb_layer *layers, int n, const bool *skip,
                              const eb_compress_spec *spec, const eb_transform_opts *opts, eb_layer_change *ch,
                              int *changed, eb_err *err)
{
    int group = spec->group > 0 ? spec->group : 32, fit = 0, tried = 0, first = -1;
    float *grid = NULL;
    int32_t *zero = NULL;
    eb_status st = EB_OK;
    if (spec->quant == EB_QUANT_INT8_STATIC) {
        if (opts->n_calib <= 0 || !opts->calib || !opts->eval)
            return eb_errf(err, EB_EINVAL, "quant=int8-static needs calibration inputs: a zoo model's dataset or "
                                           "--inputs DIR, and --calib N > 0");
        grid = calloc((size_t)2 * n + 1, sizeof *grid);
        zero = calloc((size_t)2 * n + 1, sizeof *zero);
        if (!grid || !zero)
            st = eb_errf(err, EB_ENOMEM, "out of memory");
        if (st == EB_OK)
            st = eb_calibrate(g, layers, n, skip, spec->calib, opts, grid, zero, grid + n, zero + n, err);
    }
    for (int l = 0; st == EB_OK && l < n; l++) {
        eb_tensor *t = &g->values[layers[l].weight].t;
        if (skip[l]) {
            eb_layer_note(&ch[l], "kept in fp32 (quant-skip)");
            continue;
        }
        if (!t->data || t->storage)
            continue;
        eb_storage *s = NULL;
        switch (spec->quant) {
        case EB_QUANT_FP16: st = eb_storage_f16_from_dense(t, &s, err); break;
        case EB_QUANT_INT4:
            tried++;
            first = first < 0 ? l : first;
            if (layers[l].k % group != 0) {
                eb_layer_note(&ch[l], "kept in fp32: group=%d does not divide its reduction length %lld",
                         group, (long long)layers[l].k);
                continue;
            }
            fit++;
            st = eb_storage_quant_from_dense(t, EB_DT_I4, layers[l].red_axis, group, layers[l].red_dims, &s, err);
            break;
        default:
            st = eb_storage_quant_from_dense(t, EB_DT_I8, layers[l].out_axis, 0, 0, &s, err);
            if (st != EB_OK)
                break;
            eb_node *nd = &g->nodes[layers[l].node];
            free(nd->quant);
            if (!(nd->quant = calloc(1, sizeof *nd->quant))) {
                st = eb_errf(err, EB_ENOMEM, "out of memory");
                break;
            }
            if (spec->quant == EB_QUANT_INT8) {
                nd->quant->act = EB_ACT_DYNAMIC;
                snprintf(ch[l].act, sizeof ch[l].act, "dynamic");
            } else {
                *nd->quant = (eb_node_quant){EB_ACT_STATIC, grid[l], zero[l], true, grid[n + l], zero[n + l]};
                snprintf(ch[l].act, sizeof ch[l].act, "static");
                ch[l].in_scale = grid[l], ch[l].in_zero = zero[l];
                ch[l].out_scale = grid[n + l], ch[l].out_zero = zero[n + l];
            }
            break;
        }
        if (st != EB_OK) {
            eb_storage_free(s);
            break;
        }
        if (s->kind == EB_STORAGE_QUANT)
            scale_range(s, &ch[l]);
        eb_tensor_free_data(t);
        t->storage = s;
        (*changed)++;
    }
    if (st == EB_OK && spec->quant == EB_QUANT_INT4 && tried > 0 && fit == 0)
        st = eb_errf(err, EB_EUNSUPPORTED, "group=%d divides the reduction length of no layer (the first, %s, has %lld)", group,
                     g->nodes[layers[first].node].name, (long long)layers[first].k);
    free(grid);
    free(zero);
    return st;
}
