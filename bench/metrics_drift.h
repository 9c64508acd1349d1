/* metrics_drift.h - accuracy drift of a variant's outputs against the ref
 * baseline on the same inputs.
 *
 * Over all elements of all float outputs (e = variant - baseline):
 *   max_abs   = max |e|            mean_abs = mean |e|
 *   rel_l2    = ||e||2 / ||baseline||2      (0 when both are zero)
 *   cosine    = <variant, baseline> / (||variant|| ||baseline||)
 *   snr_db    = 10 log10(||baseline||^2 / ||e||^2)  (+inf when e == 0,
 *               written as null in JSON)
 * top-1 agreement, when the first output looks like class scores (float,
 * rank 1 [C] or rank 2 [N, C], C >= 2): the fraction of the N rows whose
 * argmax is the same (first maximum wins).  Accumulates in double. */
#ifndef EB_METRICS_DRIFT_H
#define EB_METRICS_DRIFT_H

#include <stdbool.h>

#include "models/tensor.h"
#include "reports/record.h"

/* eb_drift, the record's figure, is declared in reports/record.h. */

/* Compares out[0..n) with base[0..n) (same order as the graph outputs). */
void eb_drift_compute(const eb_tensor *out, const eb_tensor *base, int n, eb_drift *d);

/* Accumulates several input batches: call eb_drift_add per batch then
 * eb_drift_finish (the single-call form above does exactly that). */
typedef struct eb_drift_acc {
    double sum_abs, sum_e2, sum_b2, sum_v2, sum_vb, max_abs;
    long long count, top1_same, top1_rows;
    bool mismatch, any_float, classifier;
    char reason[160];
} eb_drift_acc;
void eb_drift_add(eb_drift_acc *acc, const eb_tensor *out, const eb_tensor *base, int n);
void eb_drift_finish(const eb_drift_acc *acc, eb_drift *d);

#endif
