/* layer_drift.c - every node output of a compressed graph against the
 * fp32 graph's, on the reference kernels (see layer_drift.h). */
#include "bench/layer_drift.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/metrics_drift.h"
#include "reference_kernels/ref.h"

/* One value of var against base's value of the same name. */
static void compare_value(const eb_graph *base, const eb_tensor *bvals, const eb_graph *var, const eb_tensor *vvals,
                          int node, int vi, eb_layer_drift_value *v)
{
    const eb_node *n = &var->nodes[node];
    memset(v, 0, sizeof *v);
    v->node_index = node;
    snprintf(v->node, sizeof v->node, "%s", n->name ? n->name : "");
    snprintf(v->op, sizeof v->op, "%s", n->op_type ? n->op_type : "");
    snprintf(v->output, sizeof v->output, "%s", var->values[vi].name);
    int bi = eb_graph_find_value(base, var->values[vi].name);
    const eb_tensor *vt = &vvals[vi], *bt = bi >= 0 ? &bvals[bi] : NULL;
    if (!bt) {
        snprintf(v->reason, sizeof v->reason, "not in the fp32 graph");
    } else if (!var->values[vi].shape_known || !base->values[bi].shape_known || !vt->data || !bt->data) {
        snprintf(v->reason, sizeof v->reason, "not computed");
    } else if (vt->dtype != EB_DT_F32 || bt->dtype != EB_DT_F32) {
        snprintf(v->reason, sizeof v->reason, "not float32");
    } else if (!eb_tensor_same_shape(vt, bt)) {
        snprintf(v->reason, sizeof v->reason, "shape differs from the fp32 graph's (the compression reshaped it)");
    } else {
        eb_drift d;
        eb_drift_compute(vt, bt, 1, &d);
        if (d.available) {
            v->compared = true;
            v->rel_l2 = d.rel_l2;
            v->cosine = d.cosine;
        } else {
            snprintf(v->reason, sizeof v->reason, "%.95s", d.reason);
        }
    }
}

eb_status eb_layer_drift_measure(const eb_graph *base, const eb_graph *var, const eb_tensor *in, double threshold,
                                 eb_layer_drift *ld, eb_err *err)
{
    memset(ld, 0, sizeof *ld);
    ld->requested = true;
    ld->threshold = threshold;
    ld->first_over = -1;
    eb_tensor *bvals = NULL, *vvals = NULL;
    eb_status st = eb_graph_eval_values(base, in, eb_ref_eval, &bvals, err);
    if (st == EB_OK)
        st = eb_graph_eval_values(var, in, eb_ref_eval, &vvals, err);
    int cap = 0;
    for (int i = 0; i < var->n_nodes; i++)
        cap += var->nodes[i].n_out;
    if (st == EB_OK && !(ld->values = calloc((size_t)cap + 1, sizeof *ld->values)))
        st = eb_errf(err, EB_ENOMEM, "out of memory for the layer drift");
    for (int i = 0; st == EB_OK && i < var->n_nodes; i++) {
        const eb_node *n = &var->nodes[i];
        for (int j = 0; j < n->n_out; j++) {
            if (n->out[j] < 0)
                continue;
            eb_layer_drift_value *v = &ld->values[ld->n_values];
            compare_value(base, bvals, var, vvals, i, n->out[j], v);
            /* NaN is over any threshold: it is where accuracy is lost */
            if (ld->first_over < 0 && v->compared && !(v->rel_l2 <= threshold))
                ld->first_over = ld->n_values;
            ld->n_values++;
        }
    }
    if (bvals)
        eb_graph_values_free(base, bvals);
    if (vvals)
        eb_graph_values_free(var, vvals);
    if (st != EB_OK) {
        free(ld->values);
        ld->values = NULL;
        ld->n_values = 0;
        ld->first_over = -1;
        snprintf(ld->reason, sizeof ld->reason, "%.159s", err->msg);
        return st;
    }
    ld->available = true;
    return EB_OK;
}
