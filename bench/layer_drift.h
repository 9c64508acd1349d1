/* layer_drift.h - --layers: where along the graph a compressed variant
 * drifts from the uncompressed fp32 graph.
 *
 * Both graphs are evaluated node by node with the reference kernels
 * (eb_ref_eval) on the same input, so what is measured is the error the
 * compression introduces, not the error of a runner's fast kernels.  Every
 * node output present in both graphs with the same shape and float32 dtype
 * gets its relative L2 error and cosine similarity (bench/metrics_drift.c's
 * figures); the others are listed with the reason (channel pruning changes
 * shapes).  The first value, in graph order, whose rel L2 exceeds the
 * threshold is named. */
#ifndef EB_LAYER_DRIFT_H
#define EB_LAYER_DRIFT_H

#include "models/graph.h"
#include "models/status.h"
#include "reports/record.h"

/* The threshold --layers uses unless --layers-threshold says otherwise. */
#define EB_LAYER_DRIFT_THRESHOLD 0.05


/* Compares every node output of var (compressed) with the value of the
 * same name in base (fp32), both run on in.  Fills *ld (values owned:
 * eb_result_free or free(ld->values)); ld->requested is set. */
eb_status eb_layer_drift_measure(const eb_graph *base, const eb_graph *var, const eb_tensor *in, double threshold,
                                 eb_layer_drift *ld, eb_err *err);

#endif
