/* metrics_drift.c - accuracy drift of a variant's outputs against the ref
 * baseline.
 *
 * An eb_drift_acc gathers sums over every element of every float output
 * (f32, f16, f64) of one or more input batches; eb_drift_finish turns them
 * into max/mean absolute error, relative L2 error, cosine similarity, SNR in
 * dB and, when the first output looks like class scores, top-1 agreement.
 * Integer and bool outputs are checked for matching dtype and shape but do
 * not enter the error metrics.  A zero-initialised accumulator is empty.
 *
 * NaN is never hidden: a NaN element (in either tensor) makes max_abs,
 * mean_abs and the L2-based metrics NaN.  In a row of class scores the
 * first NaN counts as the maximum (numpy's argmax does the same), so a NaN
 * that moves changes the agreement. */
#include "bench/metrics_drift.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool is_float(eb_dtype dt)
{
    return dt == EB_DT_F32 || dt == EB_DT_F16 || dt == EB_DT_F64;
}

/* Index of the maximum of row r of a [rows, c] tensor: the first maximum,
 * or the first NaN if there is one. */
static int64_t row_argmax(const eb_tensor *t, int64_t r, int64_t c)
{
    int64_t best = 0;
    double bv = eb_dtype_get_f64(t->dtype, t->data, r * c);
    if (isnan(bv))
        return 0;
    for (int64_t j = 1; j < c; j++) {
        double v = eb_dtype_get_f64(t->dtype, t->data, r * c + j);
        if (isnan(v))
            return j;
        if (v > bv) {
            bv = v;
            best = j;
        }
    }
    return best;
}

/* Rows and classes when t looks like class scores, else false. */
static bool classifier_shape(const eb_tensor *t, int64_t *rows, int64_t *cls)
{
    if (!is_float(t->dtype))
        return false;
    if (t->rank == 1 && t->shape[0] >= 2) {
        *rows = 1;
        *cls = t->shape[0];
        return true;
    }
    if (t->rank == 2 && t->shape[0] >= 0 && t->shape[1] >= 2) {
        *rows = t->shape[0];
        *cls = t->shape[1];
        return true;
    }
    return false;
}

static void set_mismatch(eb_drift_acc *acc, int i, const eb_tensor *o, const eb_tensor *b, const char *why)
{
    char so[64], sb[64];
    acc->mismatch = true;
    snprintf(acc->reason, sizeof acc->reason, "output %d: %s %s, baseline %s", i, why,
             eb_tensor_describe(o, so, sizeof so), eb_tensor_describe(b, sb, sizeof sb));
}

void eb_drift_add(eb_drift_acc *acc, const eb_tensor *out, const eb_tensor *base, int n)
{
    /* a mismatch makes the whole comparison meaningless; keep its reason */
    if (acc->mismatch)
        return;
    /* validate the batch before adding any of it */
    for (int i = 0; i < n; i++) {
        const eb_tensor *o = &out[i], *b = &base[i];
        if (o->dtype != b->dtype || !eb_tensor_same_shape(o, b)) {
            set_mismatch(acc, i, o, b, o->dtype != b->dtype ? "dtype differs: variant" : "shape differs: variant");
            return;
        }
        int64_t cnt = eb_tensor_numel(o);
        if (cnt < 0 || (is_float(o->dtype) && cnt > 0 && (!o->data || !b->data))) {
            set_mismatch(acc, i, o, b, cnt < 0 ? "invalid shape: variant" : "no data: variant");
            return;
        }
    }

    for (int i = 0; i < n; i++) {
        const eb_tensor *o = &out[i], *b = &base[i];
        if (!is_float(o->dtype))
            continue;
        int64_t cnt = eb_tensor_numel(o);
        if (cnt == 0)
            continue;
        acc->any_float = true;
        for (int64_t k = 0; k < cnt; k++) {
            double v = eb_dtype_get_f64(o->dtype, o->data, k);
            double r = eb_dtype_get_f64(b->dtype, b->data, k);
            double e = v - r, ae = fabs(e);
            acc->sum_abs += ae;
            acc->sum_e2 += e * e;
            acc->sum_b2 += r * r;
            acc->sum_v2 += v * v;
            acc->sum_vb += v * r;
            /* once NaN, max_abs stays NaN (NaN > x is false) */
            if (ae > acc->max_abs || isnan(ae))
                acc->max_abs = ae;
        }
        acc->count += cnt;
    }

    int64_t rows, cls;
    if (n >= 1 && classifier_shape(&out[0], &rows, &cls)) {
        acc->classifier = true;
        for (int64_t r = 0; r < rows; r++)
            acc->top1_same += row_argmax(&out[0], r, cls) == row_argmax(&base[0], r, cls);
        acc->top1_rows += rows;
    }
}

void eb_drift_finish(const eb_drift_acc *acc, eb_drift *d)
{
    memset(d, 0, sizeof *d);
    if (acc->mismatch) {
        snprintf(d->reason, sizeof d->reason, "%s", acc->reason);
        return;
    }
    if (!acc->any_float || acc->count == 0) {
        snprintf(d->reason, sizeof d->reason, "no float output");
        return;
    }
    d->available = true;
    d->max_abs = acc->max_abs;
    d->mean_abs = acc->sum_abs / (double)acc->count;

    double e2 = acc->sum_e2, b2 = acc->sum_b2, v2 = acc->sum_v2;
    /* b2 == 0 with e2 > 0 gives +inf: any error is infinitely large then */
    d->rel_l2 = (e2 == 0 && b2 == 0) ? 0.0 : sqrt(e2) / sqrt(b2);

    if (v2 == 0 || b2 == 0) {
        d->cosine = (v2 == 0 && b2 == 0) ? 1.0 : 0.0;
    } else {
        /* sqrt(v2 * b2) is exactly v2 when v2 == b2 (identical outputs give
         * exactly 1); fall back to the product of roots if it overflows */
        double vb = v2 * b2;
        double den = isfinite(vb) && vb > 0 ? sqrt(vb) : sqrt(v2) * sqrt(b2);
        double c = acc->sum_vb / den;
        /* rounding can step just outside [-1, 1]; NaN passes through */
        d->cosine = c > 1 ? 1.0 : c < -1 ? -1.0 : c;
    }

    d->snr_db = e2 == 0 ? INFINITY : 10.0 * log10(b2 / e2);

    d->top1_rows = acc->top1_rows;
    if (acc->classifier && acc->top1_rows > 0) {
        d->has_top1 = true;
        d->top1_agreement = (double)acc->top1_same / (double)acc->top1_rows;
    }
}

void eb_drift_compute(const eb_tensor *out, const eb_tensor *base, int n, eb_drift *d)
{
    eb_drift_acc acc;
    memset(&acc, 0, sizeof acc);
    eb_drift_add(&acc, out, base, n);
    eb_drift_finish(&acc, d);
}
