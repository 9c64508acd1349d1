/* calibrate.c - activation ranges for quant=int8-static: the float graph
 * run on the calibration inputs, each quantized layer's input and output
 * observed, and a u8 grid chosen per tensor by the calib= method.
 *
 * minmax: the observed minimum and maximum.  percentile: |x| clipped at
 * its 99.99th percentile.  entropy: TensorRT's method - a 2048-bin
 * histogram of the nonzero |x|, and the clip threshold whose 128-level
 * quantized histogram has the least KL divergence from the clipped one.  Every range
 * is widened to include 0 (so that zero is exact), then scale = range /
 * 255 and zero point = round(-min / scale), ties to even.  percentile and
 * entropy need the range first, so they run the inputs twice. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/transform_layers.h"

#define BINS 2048
#define LEVELS 128

typedef struct observed {
    int value;
    float lo, hi;
    double *hist; /* BINS counts of |x| over [0, amax] (second pass) */
} observed;

static void observe(const eb_tensor *t, observed *ob, bool second)
{
    const float *x = t->data;
    int64_t n = eb_tensor_numel(t);
    float amax = fmaxf(-ob->lo, ob->hi);
    for (int64_t i = 0; i < n; i++) {
        if (!isfinite(x[i]))
            continue;
        if (!second) {
            ob->lo = fminf(ob->lo, x[i]);
            ob->hi = fmaxf(ob->hi, x[i]);
        } else if (amax > 0 && x[i] != 0.0f) { /* exact zeros (a ReLU's) stay exact; counted, their spike
                                                * in bin 0 would pull the KL threshold far down */
            int b = (int)(fabsf(x[i]) / amax * BINS);
            ob->hist[b < BINS ? b : BINS - 1] += 1;
        }
    }
}

/* The |x| threshold below which fraction q of the histogram lies. */
static double percentile(const double *h, double q)
{
    double total = 0, run = 0;
    for (int b = 0; b < BINS; b++)
        total += h[b];
    for (int b = 0; b < BINS; b++) {
        run += h[b];
        if (run >= q * total)
            return (b + 1.0) / BINS;
    }
    return 1.0;
}

/* TensorRT's entropy calibration: the threshold bin count i in
 * [LEVELS, BINS] minimizing KL(P || Q), as a fraction of amax. */
static double entropy_threshold(const double *h)
{
    double best_kl = INFINITY;
    int best = BINS;
    double *p = malloc(BINS * sizeof *p), *q = malloc(BINS * sizeof *q);
    if (!p || !q) {
        free(p);
        free(q);
        return 1.0;
    }
    for (int i = LEVELS; i <= BINS; i++) {
        double outliers = 0;
        for (int b = 0; b < BINS; b++)
            if (b < i)
                p[b] = h[b];
            else
                outliers += h[b];
        p[i - 1] += outliers;
        /* Q: the first i bins without the outliers, merged into LEVELS levels,
         * each level's count spread evenly over its nonzero bins */
        for (int lv = 0; lv < LEVELS; lv++) {
            int b0 = (int)((long)lv * i / LEVELS), b1 = (int)((long)(lv + 1) * i / LEVELS);
            double sum = 0;
            int nonzero = 0;
            for (int b = b0; b < b1; b++)
                sum += h[b], nonzero += h[b] != 0;
            for (int b = b0; b < b1; b++)
                q[b] = h[b] != 0 ? sum / nonzero : 0;
        }
        double ps = 0, qs = 0, kl = 0;
        for (int b = 0; b < i; b++)
            ps += p[b], qs += q[b];
        for (int b = 0; b < i && ps > 0 && qs > 0; b++)
            if (p[b] > 0)
                kl += p[b] / ps * log((p[b] / ps) / (q[b] > 0 ? q[b] / qs : 1e-12));
        if (kl < best_kl)
            best_kl = kl, best = i;
    }
    free(p);
    free(q);
    return (double)best / BINS;
}

static void grid_of(float lo, float hi, float *scale, int32_t *zero)
{
    lo = fminf(lo, 0.0f);
    hi = fmaxf(hi, 0.0f);
    *scale = hi - lo > 0 ? (hi - lo) / 255.0f : 1.0f;
    long z = lrintf(-lo / *scale);
    *zero = (int32_t)(z < 0 ? 0 : z > 255 ? 255 : z);
}

eb_status eb_calibrate(const eb_graph *g, const eb_layer *layers, int n, const bool *skip, eb_calib_method method,
                       const eb_transform_opts *o, float *in_scale, int32_t *in_zero, float *out_scale,
                       int32_t *out_zero, eb_err *err)
{
    observed *ob = calloc((size_t)2 * n + 1, sizeof *ob);
    eb_status st = ob ? EB_OK : eb_errf(err, EB_ENOMEM, "calibration: out of memory");
    for (int l = 0; st == EB_OK && l < n; l++) {
        const eb_node *nd = &g->nodes[layers[l].node];
        ob[l].value = nd->in[0];
        ob[n + l].value = nd->out[0];
        if (method != EB_CALIB_MINMAX && !skip[l] &&
            (!(ob[l].hist = calloc(BINS, sizeof(double))) || !(ob[n + l].hist = calloc(BINS, sizeof(double)))))
            st = eb_errf(err, EB_ENOMEM, "calibration: out of memory");
    }
    int passes = method == EB_CALIB_MINMAX ? 1 : 2;
    for (int pass = 0; st == EB_OK && pass < passes; pass++)
        for (int set = 0; st == EB_OK && set < o->n_calib; set++) {
            eb_tensor *vals;
            if ((st = eb_graph_eval_values(g, &o->calib[set * g->n_inputs], o->eval, &vals, err)) != EB_OK) {
                st = eb_err_prefix(err, st, "calibration");
                break;
            }
            for (int k = 0; k < 2 * n; k++)
                if (!skip[k % n] && vals[ob[k].value].dtype == EB_DT_F32)
                    observe(&vals[ob[k].value], &ob[k], pass == 1);
            eb_graph_values_free(g, vals);
        }
    for (int k = 0; st == EB_OK && k < 2 * n; k++) {
        float lo = ob[k].lo, hi = ob[k].hi, amax = fmaxf(-lo, hi);
        if (method != EB_CALIB_MINMAX && ob[k].hist && amax > 0) {
            float clip = (float)(amax * (method == EB_CALIB_PERCENTILE ? percentile(ob[k].hist, 0.9999)
                                                                       : entropy_threshold(ob[k].hist)));
            lo = fmaxf(lo, -clip);
            hi = fminf(hi, clip);
        }
        grid_of(lo, hi, k < n ? &in_scale[k] : &out_scale[k - n], k < n ? &in_zero[k] : &out_zero[k - n]);
    }
    for (int k = 0; ob && k < 2 * n; k++)
        free(ob[k].hist);
    free(ob);
    return st;
}
